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

int
etcd_connect(struct etcd_client *c, struct etcd_conn *o, int need_cert)
{
	char *urls[ETCD_MAX_ENDPOINTS];
	int n;

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
	if (o->cert && o->key && pki_check_pair(o->cert, o->key) < 0)
		return -1;
	if (o->cert) {
		/* etcd would only say "bad certificate": say which and why */
		struct pki_info in;
		time_t now = time(NULL);
		char when[32];

		if (pki_inspect(o->cert, NULL, NULL, &in) < 0)
			return -1;
		int expired = in.not_after <= now, early = in.not_before > now;
		struct tm tm;

		gmtime_r(expired ? &in.not_after : &in.not_before, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
		pki_info_free(&in);
		if (expired)
			return error("client certificate '%s' expired on %s", o->cert, when);
		if (early)
			return error("client certificate '%s' is not valid before %s",
			    o->cert, when);
	}
	if ((n = etcd_parse_endpoints(o->endpoints, urls, ETCD_MAX_ENDPOINTS)) < 0)
		return -1;
	int r = etcd_client_init(c, urls, (size_t)n, o->cacert, o->cert, o->key);

	for (int i = 0; i < n; i++)
		free(urls[i]);
	if (r == 0 && o->timeout_ms)
		c->timeout_ms = o->timeout_ms;
	return r;
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

/* A PEM object of a node file, read through the gate. */
static BIO *
node_pem(const char *path, struct buf *b)
{
	if (gate_read(path, 1u << 20, b, NULL) < 0)
		return NULL;
	return BIO_new_mem_buf(b->s, (int)b->len);
}

int
etcd_node_identity(const char *cert, const char *key, char *cn, size_t cnlen)
{
	struct buf cb = BUF_INIT, kb = BUF_INIT;
	BIO *cbio = NULL, *kbio = NULL;
	X509 *x = NULL;
	EVP_PKEY *pk = NULL;
	int r = -1;

	if (!(cbio = node_pem(cert, &cb)) || !(kbio = node_pem(key, &kb)))
		goto out;
	if (!(x = PEM_read_bio_X509(cbio, NULL, NULL, NULL))) {
		error("'%s' is not a PEM certificate", root_path(cert));
		goto out;
	}
	if (!(pk = PEM_read_bio_PrivateKey(kbio, NULL, NULL, NULL))) {
		error("'%s' is not a PEM private key", root_path(key));
		goto out;
	}
	if (X509_check_private_key(x, pk) != 1) {
		error("key '%s' does not match certificate '%s'", root_path(key),
		    root_path(cert));
		goto out;
	}
	cn[0] = '\0';
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
	    cn, (int)cnlen) < 0)
		cn[0] = '\0';
	r = 0;
out:
	ERR_clear_error();
	X509_free(x);
	EVP_PKEY_free(pk);
	BIO_free(cbio);
	BIO_free(kbio);
	buf_release(&cb);
	buf_wipe(&kb);
	return r;
}
