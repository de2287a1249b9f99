/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-cli.c: connection options, member specs and small helpers shared by
 * the `k3sguard etcd` sub-verbs.
 */
#include "core/k3sguard.h"
#include "etcd/etcd-cli.h"
#include "core/config.h"
#include "core/util.h"
#include "core/gate.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* etcd would only say "bad certificate": say which and why. */
static int
cert_in_time(const char *shown, time_t not_before, time_t not_after)
{
	time_t now = time(NULL);
	int expired = not_after <= now;
	char when[32];
	struct tm tm;

	if (!expired && not_before <= now)
		return 0;
	gmtime_r(expired ? &not_after : &not_before, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	if (expired)
		return error("client certificate '%s' expired on %s", shown, when);
	return error("client certificate '%s' is not valid before %s", shown, when);
}

static int pem_identity(const struct buf *cb, const char *cshown, const struct buf *kb,
    const char *kshown, char *cn, size_t cnlen, time_t *nb, time_t *na);

/* The client identity into t: node files through the gate, or local paths; checked. */
static int
conn_identity(const struct etcd_conn *o, struct etcd_tls *t)
{
	struct pki_info in;
	time_t nb, na;

	if (o->id_node) {
		if (etcd_tls_read_node(t, NULL, o->cert, o->key) < 0 ||
		    pem_identity(&t->cert_pem, t->cert, &t->key_pem, t->key, NULL, 0,
		    &nb, &na) < 0)
			return -1;
		return cert_in_time(t->cert, nb, na);
	}
	t->cert = xstrdup(o->cert);
	t->key = xstrdup(o->key);
	if (pki_check_pair(o->cert, o->key) < 0 || pki_inspect(o->cert, NULL, NULL, &in) < 0)
		return -1;
	nb = in.not_before;
	na = in.not_after;
	pki_info_free(&in);
	return cert_in_time(o->cert, nb, na);
}

int
etcd_connect(struct etcd_client *c, struct etcd_conn *o, int need_cert)
{
	struct etcd_tls t = { NULL, NULL, NULL, BUF_INIT, BUF_INIT, BUF_INIT };
	char *urls[ETCD_MAX_ENDPOINTS];
	int n, r;

	if (!o->endpoints)
		o->endpoints = config_str("etcd.endpoints", NULL);
	if (!o->cacert)
		o->cacert = config_str("etcd.cacert", NULL);
	if (!o->cert && !o->key) {
		o->cert = config_str("etcd.cert", NULL);
		o->key = config_str("etcd.key", NULL);
	}
	if (!o->endpoints)
		return error("no etcd endpoints: give --endpoints or set "
		    "etcd.endpoints in k3sguard's config");
	if (!o->cacert)
		return error("no CA certificate for etcd: give --cacert or set "
		    "etcd.cacert in k3sguard's config");
	if (need_cert && (!o->cert || !o->key))
		return error("no client certificate for etcd: give --cert and --key");
	if (!o->cert != !o->key)
		return error("a client certificate needs its key and a key its "
		    "certificate (--cert and --key)");
	if (o->cert && conn_identity(o, &t) < 0)
		goto fail;
	if (!o->ca_node)
		t.cacert = xstrdup(o->cacert);
	else if (etcd_tls_read_node(&t, o->cacert, NULL, NULL) < 0)
		goto fail;
	if ((n = etcd_parse_endpoints(o->endpoints, urls, ETCD_MAX_ENDPOINTS)) < 0)
		goto fail;
	r = etcd_client_init_tls(c, urls, (size_t)n, &t);
	for (int i = 0; i < n; i++)
		free(urls[i]);
	if (r == 0 && o->timeout_ms)
		c->timeout_ms = o->timeout_ms;
	return r;
fail:
	etcd_tls_free(&t);
	return -1;
}

int
valid_member_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '.' || s[0] == '-')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

static int
valid_addr(const char *a)
{
	struct pki_sans s;
	int r;

	memset(&s, 0, sizeof(s));
	quiet_errors++;
	r = pki_sans_add(&s, a);
	quiet_errors--;
	pki_sans_free(&s);
	return r == 0;
}

int
member_spec_parse(const char *spec, int with_ports, struct member_spec *m)
{
	const char *eq = strchr(spec, '=');
	char *rest, *p, *save = NULL;

	memset(m, 0, sizeof(*m));
	m->client_port = 2379;
	m->peer_port = 2380;
	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(m->name))
		return error("member '%s' is not NAME=%s", spec, with_ports ?
		    "ADDR[:CLIENT_PORT:PEER_PORT]" : "ADDR[,ADDR...]");
	memcpy(m->name, spec, (size_t)(eq - spec));
	if (!valid_member_name(m->name))
		return error("member name '%s' is invalid (letters, digits, '.', "
		    "'_', '-'; at most 63)", m->name);
	rest = xstrdup(eq + 1);
	if (with_ports) {
		char *addr = rest, *ports = NULL;

		if (addr[0] == '[') {
			char *close = strchr(addr, ']');

			if (!close)
				goto bad;
			*close = '\0';
			addr++;
			if (close[1] == ':')
				ports = close + 2;
			else if (close[1])
				goto bad;
		} else if ((p = strchr(addr, ':'))) {
			*p = '\0';
			ports = p + 1;
		}
		if (ports) {
			char *pp = strchr(ports, ':');
			long long cp, pport;

			if (!pp)
				goto bad;
			*pp = '\0';
			if (parse_num(ports, 1, 65535, &cp) < 0 ||
			    parse_num(pp + 1, 1, 65535, &pport) < 0 || cp == pport)
				goto bad;
			m->client_port = (int)cp;
			m->peer_port = (int)pport;
		}
		if (!valid_addr(addr))
			goto bad;
		m->addrs[m->naddrs++] = xstrdup(addr);
		free(rest);
		return 0;
	}
	for (p = strtok_r(rest, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (!valid_addr(p))
			goto bad;
		if (m->naddrs == PKI_MAX_SANS)
			goto bad;
		m->addrs[m->naddrs++] = xstrdup(p);
	}
	if (m->naddrs == 0)
		goto bad;
	free(rest);
	return 0;
bad:
	free(rest);
	member_spec_free(m);
	return error("member '%s' is not NAME=%s with valid addresses and ports",
	    spec, with_ports ? "ADDR[:CLIENT_PORT:PEER_PORT]" : "ADDR[,ADDR...]");
}

void
member_spec_free(struct member_spec *m)
{
	for (size_t i = 0; i < m->naddrs; i++)
		free(m->addrs[i]);
	m->naddrs = 0;
}

const char *
pki_path(const char *dir, const char *fmt, ...)
{
	static struct buf ring[8];
	static unsigned next;
	struct buf *b = &ring[next++ % ARRAY_SIZE(ring)];
	va_list ap;

	buf_reset(b);
	buf_addf(b, "%s/", dir);
	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
	return b->s;
}

void
url_for(struct buf *out, const char *addr, int port)
{
	unsigned char tmp[16];

	if (inet_pton(AF_INET6, addr, tmp) == 1)
		buf_addf(out, "https://[%s]:%d", addr, port);
	else
		buf_addf(out, "https://%s:%d", addr, port);
}

/* The k3s role: what K3s needs of etcd, and nothing more. */
const struct perm_want etcd_k3s_perms[ETCD_K3S_NPERMS] = {
	{ "/registry/", 1 },
	{ "/bootstrap/", 1 },
	{ "compact_rev_key", 0 },
};

void
etcd_perm_range_end(const struct perm_want *p, struct buf *end)
{
	buf_reset(end);
	if (p->prefix)
		etcd_prefix_end(p->key, end);
}

int
etcd_bytes_eq(const ProtobufCBinaryData *d, const char *s, size_t n)
{
	return d->len == n && (n == 0 || !memcmp(d->data, s, n));
}

int
etcd_perm_is_k3s(const Etcdserverpb__Permission *p)
{
	struct buf end = BUF_INIT;
	int match = 0;

	for (size_t i = 0; i < ETCD_K3S_NPERMS && !match; i++) {
		etcd_perm_range_end(&etcd_k3s_perms[i], &end);
		match = etcd_bytes_eq(&p->key, etcd_k3s_perms[i].key, strlen(etcd_k3s_perms[i].key)) &&
		    etcd_bytes_eq(&p->range_end, end.s, end.len);
	}
	buf_release(&end);
	return match;
}

int
etcd_node_file_check(const char *what, const char *path)
{
	struct stat st;

	if (path[0] != '/')
		return error("%s '%s' must be an absolute path on the node", what, path);
	if (gate_stat(path, &st) < 0)
		return error_errno("%s '%s'", what, root_path(path));
	if (!S_ISREG(st.st_mode))
		return error("%s '%s' is not a regular file", what, root_path(path));
	return 0;
}

static time_t
asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return timegm(&tm);
}

static X509 *
pem_x509(const struct buf *pem, const char *shown)
{
	BIO *b = BIO_new_mem_buf(pem->s, (int)pem->len);
	X509 *x;

	if (!b)
		fatal("out of memory");
	if (!(x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
		error("'%s' is not a PEM certificate", shown);
	BIO_free(b);
	ERR_clear_error();
	return x;
}

static void
x509_info(X509 *x, char *cn, size_t cnlen, time_t *nb, time_t *na)
{
	if (cn) {
		cn[0] = '\0';
		if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
		    cn, (int)cnlen) < 0)
			cn[0] = '\0';
	}
	if (nb)
		*nb = asn1_time(X509_get0_notBefore(x));
	if (na)
		*na = asn1_time(X509_get0_notAfter(x));
}

int
etcd_pem_cert(const struct buf *pem, const char *shown, char *cn, size_t cnlen,
    time_t *not_before, time_t *not_after)
{
	X509 *x = pem_x509(pem, shown);

	if (!x)
		return -1;
	x509_info(x, cn, cnlen, not_before, not_after);
	X509_free(x);
	return 0;
}

/* A certificate and its key, in memory: the key must be the certificate's. */
static int
pem_identity(const struct buf *cb, const char *cshown, const struct buf *kb,
    const char *kshown, char *cn, size_t cnlen, time_t *nb, time_t *na)
{
	BIO *kbio = NULL;
	X509 *x = NULL;
	EVP_PKEY *pk = NULL;
	int r = -1;

	if (!(x = pem_x509(cb, cshown)))
		goto out;
	if (!(kbio = BIO_new_mem_buf(kb->s, (int)kb->len)))
		fatal("out of memory");
	if (!(pk = PEM_read_bio_PrivateKey(kbio, NULL, NULL, NULL))) {
		error("'%s' is not a PEM private key", kshown);
		goto out;
	}
	if (X509_check_private_key(x, pk) != 1) {
		error("key '%s' does not match certificate '%s'", kshown, cshown);
		goto out;
	}
	x509_info(x, cn, cnlen, nb, na);
	r = 0;
out:
	ERR_clear_error();
	X509_free(x);
	EVP_PKEY_free(pk);
	BIO_free(kbio);
	return r;
}

int
etcd_node_identity(const char *cert, const char *key, char *cn, size_t cnlen)
{
	struct etcd_tls t = { NULL, NULL, NULL, BUF_INIT, BUF_INIT, BUF_INIT };
	int r;

	r = etcd_tls_read_node(&t, NULL, cert, key) < 0 ? -1 :
	    pem_identity(&t.cert_pem, t.cert, &t.key_pem, t.key, cn, cnlen, NULL, NULL);
	etcd_tls_free(&t);
	return r;
}
