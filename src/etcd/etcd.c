/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd.c: etcd's native gRPC API over libcurl (HTTP/2, mutual TLS).
 * See etcd.h for the contract and the invariants.
 */
#include "core/k3sguard.h"
#include "etcd/etcd.h"
#include "core/gate.h"
#include "core/secret.h"
#include "core/util.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/ssl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What one call collects from curl's callbacks. */
struct call {
	struct etcd_client *c;
	struct grpc_deframer df;
	long http_status;	/* from the ":status"/"HTTP/2 NNN" line */
	int have_grpc_status;
	int grpc_status;
	struct buf grpc_message;
	struct buf content_type;
	/* unary: the one message */
	int unary;
	struct buf unary_msg;
	size_t nmsgs;
	int not_h2;		/* ALPN after the handshake was not "h2" */
	char alpn[32];
};

static int curl_ready;

static void
curl_setup(void)
{
	if (curl_ready)
		return;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal("cannot initialise libcurl");
	curl_ready = 1;
}

/*
 * An endpoint (or list) for a message: "scheme://user:pw@host" loses its
 * credentials, control characters are escaped.  Static ring of buffers.
 */
static const char *
shown(const char *s)
{
	static struct buf ring[4];
	static unsigned next;
	struct buf *b = &ring[next++ % ARRAY_SIZE(ring)];
	const char *p = s;

	buf_reset(b);
	while (*p) {
		const char *item_end = strchr(p, ',');
		size_t n = item_end ? (size_t)(item_end - p) : strlen(p);
		char *item = xstrndup(p, n), *scheme = strstr(item, "://"), *at;
		char *host = scheme ? scheme + 3 : item;

		if ((at = strrchr(host, '@'))) {
			buf_add(b, item, (size_t)(host - item));
			buf_adds(b, "<credentials hidden>@");
			buf_add_printable(b, at + 1);
		} else {
			buf_add_printable(b, item);
		}
		free(item);
		p += n;
		if (*p == ',')
			buf_addch(b, *p++);
	}
	return b->s;
}

int
etcd_parse_endpoints(const char *csv, char **urls, size_t max)
{
	size_t n = 0;
	const char *p = csv;

	if (!csv || !*csv)
		return error("no etcd endpoints given");
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *u = xstrndup(p, len);
		const char *rest, *colon;

		while (len > 0 && u[len - 1] == '/')
			u[--len] = '\0';
		if (len == 0) {
			free(u);
			goto bad_empty;
		}
		if (starts_with(u, "http://", NULL)) {
			error("endpoint '%s' is plain http: etcd must be reached "
			    "over https with client certificates", shown(u));
			free(u);
			goto fail;
		}
		if (!starts_with(u, "https://", &rest) || !*rest ||
		    strchr(rest, '/') || strchr(rest, '?') || strchr(rest, '@') ||
		    !(colon = strrchr(rest, ':')) || colon[1] == '\0' ||
		    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
		    colon == rest) {
			error("endpoint '%s' is not of the form https://HOST:PORT", shown(u));
			free(u);
			goto fail;
		}
		long long port;
		if (parse_num(colon + 1, 1, 65535, &port) < 0) {
			error("endpoint '%s' has an invalid port", shown(u));
			free(u);
			goto fail;
		}
		if (n == max) {
			error("more than %zu etcd endpoints", max);
			free(u);
			goto fail;
		}
		urls[n++] = u;
		if (!end)
			break;
		p = end + 1;
	}
	return (int)n;
bad_empty:
	error("empty item in the endpoint list '%s'", shown(csv));
fail:
	while (n > 0)
		free(urls[--n]);
	return -1;
}

#define TLS_PEM_MAX (256u << 10)	/* a CA bundle, a certificate or a key */

/* A local TLS file the user typed: opened (as curl will), not followed when a link. */
static int
readable_file(const char *what, const char *path)
{
	int fd = file_open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);

	if (fd < 0)
		return error_errno("cannot read %s '%s'", what, path);
	close(fd);
	return 0;
}

/* One node file through the gate into pem (the key: secret memory); its shown name into *name. */
static int
node_pem_read(const char *path, int secret, struct buf *pem, char **name)
{
	struct stat st;
	int fd, r;

	free(*name);
	*name = xstrdup(root_path(path));
	if (!secret) {
		if (gate_read(path, TLS_PEM_MAX, pem, &st) < 0)
			return -1;
		if (st.st_nlink == 1)
			return 0;
		buf_reset(pem);
		return error("'%s' has %ju hard links: not read (its other name may be outside "
		    "the root)", *name, (uintmax_t)st.st_nlink);
	}
	/* a FIFO or device node is never opened; a hard link is not read */
	fd = gate_open_regular(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, &st);
	if (fd == -2)
		return error("'%s' is not a regular file", *name);
	if (fd < 0)
		return error_errno("cannot open '%s'", *name);
	if (st.st_nlink != 1) {
		close(fd);
		return error("'%s' has %ju hard links: not read (its other name may be outside "
		    "the root)", *name, (uintmax_t)st.st_nlink);
	}
	r = secret_read_fd(fd, *name, TLS_PEM_MAX, pem);
	close(fd);
	return r;
}

int
etcd_tls_read_node(struct etcd_tls *t, const char *ca, const char *cert, const char *key)
{
	if (ca && node_pem_read(ca, 0, &t->ca_pem, &t->cacert) < 0)
		return -1;
	if (cert && node_pem_read(cert, 0, &t->cert_pem, &t->cert) < 0)
		return -1;
	if (key && node_pem_read(key, 1, &t->key_pem, &t->key) < 0)
		return -1;
	return 0;
}

void
etcd_tls_free(struct etcd_tls *t)
{
	free(t->cacert);
	free(t->cert);
	free(t->key);
	buf_release(&t->ca_pem);
	buf_release(&t->cert_pem);
	buf_wipe(&t->key_pem);
	t->cacert = t->cert = t->key = NULL;
}

int
etcd_client_init(struct etcd_client *c, char *const *urls, size_t n,
    const char *cacert, const char *cert, const char *key)
{
	struct etcd_tls t = { NULL, NULL, NULL, BUF_INIT, BUF_INIT, BUF_INIT };

	t.cacert = cacert ? xstrdup(cacert) : NULL;
	t.cert = cert ? xstrdup(cert) : NULL;
	t.key = key ? xstrdup(key) : NULL;
	return etcd_client_init_tls(c, urls, n, &t);
}

/* A TLS file: its blob when read from the node, else the local path, checked. */
static int
tls_usable(const char *what, const char *path, const struct buf *pem)
{
	return pem->len || !path ? 0 : readable_file(what, path);
}

int
etcd_client_init_tls(struct etcd_client *c, char *const *urls, size_t n,
    struct etcd_tls *t)
{
	struct etcd_tls *ct = &c->tls;

	memset(c, 0, sizeof(*c));
	buf_init(&c->last_msg);
	*ct = *t;
	t->cacert = t->cert = t->key = NULL;
	buf_init(&t->ca_pem);
	buf_init(&t->cert_pem);
	buf_init(&t->key_pem);
	if (n == 0 || n > ETCD_MAX_ENDPOINTS) {
		error("need 1 to %d etcd endpoints", ETCD_MAX_ENDPOINTS);
		goto fail;
	}
	if (!ct->cacert) {
		error("no CA certificate given for etcd (--cacert)");
		goto fail;
	}
	if (!ct->cert != !ct->key) {
		error("a client certificate needs its key and a key its "
		    "certificate (--cert and --key)");
		goto fail;
	}
	if (tls_usable("CA certificate", ct->cacert, &ct->ca_pem) < 0 ||
	    tls_usable("client certificate", ct->cert, &ct->cert_pem) < 0 ||
	    tls_usable("client key", ct->key, &ct->key_pem) < 0)
		goto fail;
	curl_setup();
	for (size_t i = 0; i < n; i++) {
		c->ep[i].url = xstrdup(urls[i]);
		buf_init(&c->ep[i].err);
	}
	c->nep = n;
	c->connect_timeout_ms = 3000;
	c->timeout_ms = 5000;
	c->stream_low_speed_bytes = 1024;
	c->stream_low_speed_secs = 30;
	c->max_msg = GRPC_DEFAULT_MAX_MSG;
	c->last_code = -1;
	return 0;
fail:
	etcd_tls_free(ct);
	buf_release(&c->last_msg);
	return -1;
}

void
etcd_client_free(struct etcd_client *c)
{
	for (size_t i = 0; i < c->nep; i++) {
		if (c->ep[i].curl)
			curl_easy_cleanup(c->ep[i].curl);
		free(c->ep[i].url);
		buf_release(&c->ep[i].err);
	}
	etcd_tls_free(&c->tls);
	buf_release(&c->last_msg);
	memset(c, 0, sizeof(*c));
}

int
etcd_client_add(struct etcd_client *c, const char *url)
{
	char *u[1];
	int n;

	if (c->nep == ETCD_MAX_ENDPOINTS)
		return error("more than %d etcd endpoints", ETCD_MAX_ENDPOINTS);
	if ((n = etcd_parse_endpoints(url, u, 1)) != 1)
		return -1;
	c->ep[c->nep].url = u[0];
	buf_init(&c->ep[c->nep].err);
	return (int)c->nep++;
}

int
etcd_client_find(const struct etcd_client *c, const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	for (size_t i = 0; i < c->nep; i++)
		if (strlen(c->ep[i].url) == n && !strncmp(c->ep[i].url, url, n))
			return (int)i;
	return -1;
}

static int
collect_unary(void *arg, const unsigned char *msg, size_t len)
{
	struct call *k = arg;

	if (++k->nmsgs > 1)
		return error("grpc: a unary call answered with more than one message");
	buf_add(&k->unary_msg, msg, len);
	return 0;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct call *k = arg;
	size_t n = size * nmemb;

	/* an HTTP error page is not a gRPC body: keep it out of the deframer */
	if (k->http_status != 200)
		return n;
	if (grpc_deframe(&k->df, data, n) < 0)
		return 0;	/* abort the transfer: CURLE_WRITE_ERROR */
	return n;
}

/* Header lines and trailers come through here alike. */
static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct call *k = arg;
	size_t n = size * nmemb, len = n;
	const char *v;

	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	char line[512];
	size_t cp = len < sizeof(line) - 1 ? len : sizeof(line) - 1;

	memcpy(line, data, cp);
	line[cp] = '\0';
	if (starts_with(line, "HTTP/", &v)) {
		const char *sp = strchr(v, ' ');
		long long st;
		char code[4] = "";

		if (sp && strlen(sp + 1) >= 3) {
			memcpy(code, sp + 1, 3);
			if (parse_num(code, 100, 999, &st) == 0)
				k->http_status = (long)st;
		}
		return n;
	}
	if (!strncasecmp(line, "grpc-status:", 12)) {
		long long st;

		v = line + 12;
		v += strspn(v, " \t");
		if (parse_num(v, 0, 1000, &st) == 0) {
			k->have_grpc_status = 1;
			k->grpc_status = (int)st;
		}
	} else if (!strncasecmp(line, "grpc-message:", 13)) {
		v = line + 13;
		v += strspn(v, " \t");
		buf_reset(&k->grpc_message);
		grpc_message_decode(v, strlen(v), &k->grpc_message);
	} else if (!strncasecmp(line, "content-type:", 13)) {
		v = line + 13;
		v += strspn(v, " \t");
		buf_reset(&k->content_type);
		buf_add_printable(&k->content_type, v);
	}
	return n;
}

/*
 * After the TLS handshake, before the request: the server MUST have chosen
 * HTTP/2 by ALPN.  Otherwise curl would quietly speak HTTP/1.1 (or send an
 * HTTP/2 preface into a server that does not understand it and wait).
 */
static int
on_prereq(void *arg, char *conn_primary_ip, char *conn_local_ip,
    int conn_primary_port, int conn_local_port)
{
	struct call *k = arg;
	struct curl_tlssessioninfo *ti = NULL;
	const unsigned char *proto = NULL;
	unsigned int len = 0;
	CURL *h = k->c->ep[k->c->last_ep].curl;

	if (curl_easy_getinfo(h, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK || !ti ||
	    ti->backend != CURLSSLBACKEND_OPENSSL || !ti->internals) {
		snprintf(k->alpn, sizeof(k->alpn), "unknown");
		k->not_h2 = 1;
		return CURL_PREREQFUNC_ABORT;
	}
	SSL_get0_alpn_selected((SSL *)ti->internals, &proto, &len);
	if (len == 2 && !memcmp(proto, "h2", 2))
		return CURL_PREREQFUNC_OK;
	if (len == 0)
		snprintf(k->alpn, sizeof(k->alpn), "none");
	else
		snprintf(k->alpn, sizeof(k->alpn), "%.*s", (int)(len < 20 ? len : 20),
		    (const char *)proto);
	k->not_h2 = 1;
	return CURL_PREREQFUNC_ABORT;
}

static CURL *
endpoint_handle(struct etcd_client *c, size_t i)
{
	struct etcd_endpoint *e = &c->ep[i];

	if (!e->curl && !(e->curl = curl_easy_init()))
		fatal("cannot create a curl handle");
	return e->curl;
}

/* One TLS file: the blob (no copy: c->tls outlives the handle's use) or the path. */
static void
tls_file(CURL *h, CURLoption blobopt, CURLoption pathopt, const char *path,
    const struct buf *pem)
{
	struct curl_blob b = { pem->s, pem->len, CURL_BLOB_NOCOPY };

	/* a blob: no path either (curl_easy_reset brought back the default CA bundle) */
	curl_easy_setopt(h, pathopt, pem->len ? NULL : path);
	if (pem->len)
		curl_easy_setopt(h, blobopt, &b);
}

static void
tls_setopt(CURL *h, const struct etcd_tls *t)
{
	tls_file(h, CURLOPT_CAINFO_BLOB, CURLOPT_CAINFO, t->cacert, &t->ca_pem);
	curl_easy_setopt(h, CURLOPT_CAPATH, NULL);	/* our CA only */
	if (!t->cert)
		return;
	tls_file(h, CURLOPT_SSLCERT_BLOB, CURLOPT_SSLCERT, t->cert, &t->cert_pem);
	tls_file(h, CURLOPT_SSLKEY_BLOB, CURLOPT_SSLKEY, t->key, &t->key_pem);
	if (t->cert_pem.len)
		curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
	if (t->key_pem.len)
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
}

/* Turn a curl failure into one line that says what the user can fix. */
static void
describe_curl_error(struct buf *out, CURLcode rc, const char *errbuf,
    const struct etcd_client *c)
{
	const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);

	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		buf_addf(out, "server certificate not accepted with CA '%s': ",
		    c->tls.cacert);
		break;
	case CURLE_SSL_CACERT_BADFILE:
		buf_addf(out, "cannot use CA file '%s': ", c->tls.cacert);
		break;
	case CURLE_SSL_CERTPROBLEM:
		buf_addf(out, "cannot use client certificate '%s' with key '%s': ",
		    c->tls.cert ? c->tls.cert : "", c->tls.key ? c->tls.key : "");
		break;
	case CURLE_OPERATION_TIMEDOUT:
		buf_adds(out, "timed out: ");
		break;
	case CURLE_COULDNT_CONNECT:
		buf_adds(out, "unreachable: ");
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		buf_adds(out, "TLS/connection failed (client certificate refused, "
		    "or not a TLS server?): ");
		break;
	default:
		break;
	}
	buf_add_printable(out, detail);
}

/*
 * Run one call on endpoint i.  Unary when fn is NULL (the message lands in
 * *resp), else a stream.  0 with c->last_code, or -1 after error().
 */
/* The call's state, reset for endpoint i. */
static void
call_init(struct call *k, struct etcd_client *c, size_t i, grpc_msg_fn fn, void *arg)
{
	struct etcd_endpoint *e = &c->ep[i];

	memset(k, 0, sizeof(*k));
	k->c = c;
	buf_init(&k->grpc_message);
	buf_init(&k->content_type);
	buf_init(&k->unary_msg);
	k->unary = fn == NULL;
	grpc_deframer_init(&k->df, k->unary ? collect_unary : fn,
	    k->unary ? (void *)k : arg, c->max_msg);
	c->last_code = -1;
	c->last_ep = i;
	buf_reset(&c->last_msg);
	buf_reset(&e->err);
	e->unreachable = e->tls_verify_failed = 0;
}

static void
call_release(struct call *k)
{
	buf_wipe(&k->unary_msg);
	buf_release(&k->grpc_message);
	buf_release(&k->content_type);
	grpc_deframer_release(&k->df);
}

/* The request message, packed and gRPC-framed into body. */
static void
frame_request(struct buf *body, const ProtobufCMessage *req)
{
	size_t plen = protobuf_c_message_get_packed_size(req);
	unsigned char *p = xmalloc(plen ? plen : 1);

	protobuf_c_message_pack(req, p);
	grpc_frame(body, p, plen);
	explicit_bzero(p, plen);
	free(p);
}

/* gRPC's request headers; a unary call carries its deadline. */
static struct curl_slist *
request_headers(const struct etcd_client *c, int unary)
{
	struct curl_slist *hdrs = NULL;
	char tmo[32], tmo_hdr[48];

	hdrs = curl_slist_append(hdrs, "content-type: application/grpc");
	hdrs = curl_slist_append(hdrs, "te: trailers");
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (unary) {
		grpc_timeout_value(c->timeout_ms, tmo, sizeof(tmo));
		snprintf(tmo_hdr, sizeof(tmo_hdr), "grpc-timeout: %s", tmo);
		hdrs = curl_slist_append(hdrs, tmo_hdr);
	}
	if (!hdrs)
		fatal("out of memory");
	return hdrs;
}

/* HTTP/2 over TLS 1.2+ to our CA only, no proxy, no redirects. */
static void
set_transport(CURL *h, const struct etcd_client *c, const struct call *k)
{
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "k3sguard-grpc/1");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");	/* never through a proxy */
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	tls_setopt(h, &c->tls);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	if (k->unary) {
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	} else {
		/* big reads: most 32 KiB messages then arrive whole (no copy) */
		curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 512L * 1024);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, c->stream_low_speed_bytes);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->stream_low_speed_secs);
	}
}

/* POST body to url; the response goes to k's callbacks.  curl's result. */
static CURLcode
perform(CURL *h, struct call *k, const char *url, const struct buf *body,
    struct curl_slist *hdrs, char *errbuf, long *httpver)
{
	CURLcode rc;

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->s);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, k);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, k);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, on_prereq);
	curl_easy_setopt(h, CURLOPT_PREREQDATA, k);
	/* the deframer's own error() must not print before we decide */
	quiet_errors++;
	clear_error();
	rc = curl_easy_perform(h);
	quiet_errors--;
	curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, httpver);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	return rc;
}

/* Did a gRPC server answer over HTTP/2?  0, or -1 with e->err said why. */
static int
judge_transport(struct etcd_endpoint *e, const struct etcd_client *c,
    const struct call *k, CURLcode rc, const char *errbuf, long httpver)
{
	if (k->not_h2) {
		buf_addf(&e->err, "did not negotiate HTTP/2 (TLS ALPN: %s): not an "
		    "etcd gRPC endpoint", k->alpn);
		return -1;
	}
	if (k->df.failed) {
		buf_addf(&e->err, "%s", last_error());
		return -1;
	}
	/*
	 * etcd may reject while the request is still uploading; curl then
	 * reports an error although grpc-status arrived: prefer the status.
	 */
	if (rc != CURLE_OK && !(k->have_grpc_status && k->http_status == 200 &&
	    httpver == CURL_HTTP_VERSION_2_0)) {
		describe_curl_error(&e->err, rc, errbuf, c);
		e->unreachable = rc == CURLE_COULDNT_CONNECT ||
		    rc == CURLE_COULDNT_RESOLVE_HOST ||
		    (rc == CURLE_OPERATION_TIMEDOUT && !k->http_status);
		e->tls_verify_failed = rc == CURLE_PEER_FAILED_VERIFICATION;
		return -1;
	}
	if (httpver != CURL_HTTP_VERSION_2_0) {
		buf_addf(&e->err, "did not negotiate HTTP/2 (HTTP status %ld): not "
		    "an etcd gRPC endpoint", k->http_status);
		return -1;
	}
	if (k->http_status != 200) {
		buf_addf(&e->err, "answered HTTP status %ld%s%s: not an etcd gRPC "
		    "endpoint", k->http_status, k->content_type.len ? ", " : "",
		    k->content_type.s);
		return -1;
	}
	if (!starts_with(k->content_type.s, "application/grpc", NULL)) {
		buf_addf(&e->err, "answered content-type '%s': not an etcd gRPC "
		    "endpoint", k->content_type.s);
		return -1;
	}
	if (!k->have_grpc_status) {
		buf_adds(&e->err, "response ended without grpc-status (truncated)");
		return -1;
	}
	return 0;
}

/* The gRPC status and, for a unary call that succeeded, its one message. */
static int
take_response(struct etcd_endpoint *e, struct etcd_client *c, struct call *k,
    const char *method, const ProtobufCMessageDescriptor *rdesc,
    ProtobufCMessage **resp)
{
	int r;

	quiet_errors++;
	r = grpc_deframe_finish(&k->df);
	quiet_errors--;
	if (r < 0) {
		buf_addf(&e->err, "%s", last_error());
		return -1;
	}
	c->last_code = k->grpc_status;
	buf_addf(&c->last_msg, "%s", k->grpc_message.s);
	if (!k->unary || k->grpc_status != GRPC_OK)
		return 0;
	if (k->nmsgs != 1) {
		buf_addf(&e->err, "unary call answered with %zu messages", k->nmsgs);
		c->last_code = -1;
		return -1;
	}
	*resp = protobuf_c_message_unpack(rdesc, NULL, k->unary_msg.len,
	    (const uint8_t *)k->unary_msg.s);
	if (!*resp) {
		buf_addf(&e->err, "malformed %s response", method);
		c->last_code = -1;
		return -1;
	}
	return 0;
}

static int
call_at(struct etcd_client *c, size_t i, const char *method,
    const ProtobufCMessage *req, const ProtobufCMessageDescriptor *rdesc,
    ProtobufCMessage **resp, grpc_msg_fn fn, void *arg)
{
	struct etcd_endpoint *e = &c->ep[i];
	CURL *h = endpoint_handle(c, i);
	struct curl_slist *hdrs;
	struct buf body = BUF_INIT, url = BUF_INIT;
	struct call k;
	char errbuf[CURL_ERROR_SIZE] = "";
	long httpver = 0;
	CURLcode rc;
	int ret;

	if (resp)
		*resp = NULL;
	call_init(&k, c, i, fn, arg);
	frame_request(&body, req);
	buf_addf(&url, "%s%s", e->url, method);
	hdrs = request_headers(c, k.unary);
	curl_easy_reset(h);	/* keeps the connection cache */
	set_transport(h, c, &k);
	rc = perform(h, &k, url.s, &body, hdrs, errbuf, &httpver);
	ret = judge_transport(e, c, &k, rc, errbuf, httpver);
	if (ret == 0)
		ret = take_response(e, c, &k, method, rdesc, resp);
	e->failed = ret < 0;
	if (ret < 0)
		error("etcd '%s': %s", e->url, e->err.s);
	curl_slist_free_all(hdrs);
	buf_wipe(&body);
	buf_release(&url);
	call_release(&k);
	return ret;
}

int
etcd_unary_at(struct etcd_client *c, size_t i, const char *method,
    const ProtobufCMessage *req, const ProtobufCMessageDescriptor *rdesc,
    ProtobufCMessage **resp)
{
	if (i >= c->nep)
		return error("no etcd endpoint %zu", i);
	return call_at(c, i, method, req, rdesc, resp, NULL, NULL);
}

int
etcd_stream_at(struct etcd_client *c, size_t i, const char *method,
    const ProtobufCMessage *req, grpc_msg_fn fn, void *arg)
{
	if (i >= c->nep)
		return error("no etcd endpoint %zu", i);
	return call_at(c, i, method, req, NULL, NULL, fn, arg);
}

int
etcd_unary(struct etcd_client *c, const char *method,
    const ProtobufCMessage *req, const ProtobufCMessageDescriptor *rdesc,
    ProtobufCMessage **resp)
{
	struct buf why = BUF_INIT, notes = BUF_INIT;
	size_t start = c->cur;
	int ret = -1;

	for (size_t k = 0; k < c->nep; k++) {
		size_t i = (start + k) % c->nep;

		quiet_errors++;
		int r = call_at(c, i, method, req, rdesc, resp, NULL, NULL);
		quiet_errors--;
		if (r == 0 && c->last_code != GRPC_UNAVAILABLE) {
			c->cur = i;
			ret = 0;
			/* say which members were passed over, now that one answered */
			if (c->say_failover && notes.len)
				fputs(notes.s, stderr);
			break;
		}
		buf_reset(&why);
		if (r == 0)
			buf_addf(&why, "etcd '%s': UNAVAILABLE: %s", c->ep[i].url,
			    c->last_msg.s);
		else
			buf_adds(&why, last_error());
		if (k + 1 < c->nep)
			buf_addf(&notes, "%s: %s; trying '%s'\n", progname, why.s,
			    c->ep[(i + 1) % c->nep].url);
	}
	if (ret < 0) {
		if (c->nep == 1)
			error("%s", why.s);
		else
			error("no etcd endpoint answered (%zu tried); last: %s",
			    c->nep, why.s);
	}
	buf_release(&why);
	buf_release(&notes);
	return ret;
}

int
etcd_call(struct etcd_client *c, const char *method,
    const ProtobufCMessage *req, const ProtobufCMessageDescriptor *rdesc,
    ProtobufCMessage **resp)
{
	if (etcd_unary(c, method, req, rdesc, resp) < 0)
		return -1;
	if (c->last_code != GRPC_OK)
		return error("etcd '%s': %s: %s", c->ep[c->last_ep].url,
		    grpc_code_name(c->last_code), c->last_msg.s);
	return 0;
}

int
etcd_auth_enabled(struct etcd_client *c)
{
	Etcdserverpb__AuthenticateRequest req = ETCDSERVERPB__AUTHENTICATE_REQUEST__INIT;
	ProtobufCMessage *resp = NULL;

	/* not a secret: a name etcd refuses to create, and no real password */
	req.name = (char *)"k3sguard auth probe";
	req.password = (char *)"-";
	if (etcd_unary(c, ETCD_AUTH_AUTHENTICATE, &req.base,
	    &etcdserverpb__authenticate_response__descriptor, &resp) < 0)
		return -1;
	if (resp)
		protobuf_c_message_free_unpacked(resp, NULL);
	switch (c->last_code) {
	case GRPC_FAILED_PRECONDITION:
		return 0;
	case GRPC_INVALID_ARGUMENT:
		return 1;
	default:
		return error("etcd '%s': cannot tell whether auth is enabled: "
		    "Authenticate answered %s: %s", c->ep[c->last_ep].url,
		    grpc_code_name(c->last_code), c->last_msg.s);
	}
}

void
etcd_prefix_end(const char *prefix, struct buf *out)
{
	size_t n = strlen(prefix);

	buf_reset(out);
	buf_add(out, prefix, n);
	while (out->len > 0) {
		unsigned char *last = (unsigned char *)&out->s[out->len - 1];

		if (*last < 0xff) {
			(*last)++;
			return;
		}
		buf_setlen(out, out->len - 1);
	}
	/* all 0xff (or empty): "to the end of the keyspace" */
	buf_reset(out);
	buf_addch(out, '\0');
}

const char *
etcd_id_str(uint64_t id, char out[17])
{
	snprintf(out, 17, "%llx", (unsigned long long)id);
	return out;
}
