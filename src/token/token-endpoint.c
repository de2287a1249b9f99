/* SPDX-License-Identifier: Apache-2.0 */
/*
 * token-endpoint.c: the K3s supervisor API calls of token rotation, with
 * libcurl.
 *
 * Invariants: TLS is always verified (peer and host name) against the
 * node's own server/tls/server-ca.crt (a node path, read through the gate
 * and handed to curl as a blob), and that file must hash to the CA
 * pin of the token before any credential is sent; passwords go only into
 * CURLOPT_USERNAME/PASSWORD and the request body (a reserved buffer, wiped),
 * never into argv, env or a message; redirects are not followed (they would
 * carry the credentials elsewhere).
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "core/secret.h"
#include "token/token-rotate.h"

#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <time.h>

#define ANSWER_MAX 4096

int
ca_matches_token(const char *ca_path, const struct token_info *t)
{
	struct buf pem = BUF_INIT;
	char h[65];
	int ret = -1;

	if (t->form != TOKEN_SECURE)
		return error("the server token has no CA pin (short form): cannot check '%s'",
		    root_path(ca_path));
	if (gate_read(ca_path, CONFIG_MAX, &pem, NULL) < 0)
		return -1;
	sha256_hex(pem.s, pem.len, h);
	if (!strcmp(h, t->ca_hash)) {
		ret = 0;
		goto out;
	}
	/* a bundle: K3s pins the DER of the root, the last certificate */
	{
		BIO *bio = BIO_new_mem_buf(pem.s, (int)pem.len);
		X509 *x, *last = NULL;
		int count = 0;

		while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
			X509_free(last);
			last = x;
			count++;
		}
		BIO_free(bio);
		if (count > 1 && last) {
			unsigned char *der = NULL;
			int len = i2d_X509(last, &der);

			if (len > 0) {
				sha256_hex(der, (size_t)len, h);
				if (!strcmp(h, t->ca_hash))
					ret = 0;
			}
			OPENSSL_free(der);
		}
		X509_free(last);
	}
	if (ret < 0)
		error("'%s' does not match the CA hash in the server token (%.12s... != %.12s...): "
		    "refusing to send credentials", root_path(ca_path), h, t->ca_hash);
out:
	buf_release(&pem);
	return ret;
}

struct answer {
	struct buf *b;
};

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t len = size * n;

	if (b->len + len > ANSWER_MAX)
		len = ANSWER_MAX > b->len ? ANSWER_MAX - b->len : 0;
	buf_add(b, p, len);
	return size * n;
}

/* NULL after error() when the CA file cannot be read through the gate. */
static CURL *
easy(const char *url, const char *ca_path, struct buf *answer)
{
	static int inited;
	struct buf pem = BUF_INIT;
	struct curl_blob blob;
	CURL *c;

	if (gate_read(ca_path, CONFIG_MAX, &pem, NULL) < 0)
		return NULL;

	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			fatal("cannot initialise libcurl");
		inited = 1;
	}
	if (!(c = curl_easy_init()))
		fatal("cannot initialise libcurl");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	/* the node's CA as read through the gate, never a path curl opens */
	blob = (struct curl_blob){ pem.s, pem.len, CURL_BLOB_COPY };
	curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
	curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
	curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	buf_release(&pem);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
	return c;
}

/* The server's answer, if printable and free of either password. */
static const char *
safe_answer(struct buf *a, const char *p1, size_t l1, const char *p2, size_t l2)
{
	buf_trim(a);
	if ((l1 && memmem(a->s, a->len, p1, l1)) || (l2 && memmem(a->s, a->len, p2, l2)))
		return "(answer withheld: it contains a token)";
	for (size_t i = 0; i < a->len; i++)
		if ((unsigned char)a->s[i] < 0x20 || (unsigned char)a->s[i] > 0x7e)
			a->s[i] = ' ';
	if (a->len > 200)
		buf_setlen(a, 200);
	return a->s;
}

int
endpoint_rotate(const char *server, const char *ca_path, const char *old_pw,
    size_t old_len, const char *new_pw, size_t new_len)
{
	struct buf url = BUF_INIT, body = BUF_INIT, user_pw = BUF_INIT, answer = BUF_INIT;
	struct curl_slist *hdr = NULL;
	CURLcode rc;
	long code = 0;
	CURL *c;
	int ret = -1;

	buf_addf(&url, "%s/v1-k3s/token", server);
	/* the new password is [0-9a-f]: nothing to escape in JSON */
	for (size_t i = 0; i < new_len; i++)
		if (!isalnum((unsigned char)new_pw[i]))
			return error("refusing to send a new token with characters other than "
			    "letters and digits");
	secret_buf_reserve(&body, new_len + 32);
	buf_adds(&body, "{\"newToken\":\"");
	buf_add(&body, new_pw, new_len);
	buf_adds(&body, "\"}");
	secret_buf_reserve(&user_pw, old_len + 1);
	buf_add(&user_pw, old_pw, old_len);

	if (!(c = easy(url.s, ca_path, &answer))) {
		buf_wipe(&body);
		buf_wipe(&user_pw);
		buf_release(&url);
		return -1;
	}
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.s);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body.len);
	curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(c, CURLOPT_USERNAME, "server");
	curl_easy_setopt(c, CURLOPT_PASSWORD, user_pw.s);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		error("cannot reach the K3s token endpoint '%s': %s", url.s,
		    curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200) {
		error("the K3s token endpoint '%s' answered HTTP %ld: %s", url.s, code,
		    safe_answer(&answer, old_pw, old_len, new_pw, new_len));
		goto out;
	}
	ret = 0;
out:
	curl_easy_setopt(c, CURLOPT_PASSWORD, "");
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	buf_wipe(&body);
	buf_wipe(&user_pw);
	buf_wipe(&answer);
	buf_release(&url);
	return ret;
}

int
endpoint_wait(const char *server, const char *ca_path, int timeout_s)
{
	struct buf url = BUF_INIT, answer = BUF_INIT;
	time_t end = time(NULL) + timeout_s;
	long code = 0;
	CURLcode rc = CURLE_OK;

	buf_addf(&url, "%s/ping", server);
	for (;;) {
		CURL *c = easy(url.s, ca_path, &answer);

		if (!c) {
			buf_release(&url);
			buf_release(&answer);
			return -1;
		}
		buf_reset(&answer);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
		rc = curl_easy_perform(c);
		code = 0;
		if (rc == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_cleanup(c);
		if (code == 200)
			break;
		if (time(NULL) >= end) {
			if (rc != CURLE_OK)
				error("K3s at '%s' did not come back within %d s: %s", server,
				    timeout_s, curl_easy_strerror(rc));
			else
				error("K3s at '%s' did not come back within %d s (HTTP %ld)",
				    server, timeout_s, code);
			buf_release(&url);
			buf_release(&answer);
			return -1;
		}
		{
			struct timespec ts = { 0, 250 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	buf_release(&url);
	buf_release(&answer);
	return 0;
}
