/* SPDX-License-Identifier: Apache-2.0 */
/* token.c: see token.h.  Never prints or logs a password. */
#include "core/k3sguard.h"
#include "token/token.h"

#include <ctype.h>
#include <string.h>
#include <openssl/evp.h>

void
sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		fatal("sha256 failed");
	hex_encode(md, 32, out);
	explicit_bzero(md, sizeof(md));
}

static int
is_lower_alnum(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
			return 0;
	return 1;
}

int
token_is_bootstrap_shape(const char *s, size_t len)
{
	return len == 23 && s[6] == '.' && is_lower_alnum(s, 6) &&
	    is_lower_alnum(s + 7, 16);
}

/*
 * K3s: pkg/clientaccess/token.go parseToken() (commit db5fc98):
 *  - empty: "token must not be empty";
 *  - without the "K10" prefix the whole text is the password (no user, no
 *    CA hash), even when it holds ':';
 *  - "K10" then, when "::" follows somewhere, the text before it is the CA
 *    hash: empty is allowed (no pin), any other length but 64 is "invalid
 *    token CA hash length"; its case is kept (K3s compares it with its own
 *    lowercase hex, validateCACerts(), so an uppercase hash never matches);
 *  - the rest is "user:password" split at the first ':', the password not
 *    empty ("invalid token format" otherwise; "K10abc" is invalid).
 * Also accepted after "K10<hash>::": a kubeadm bootstrap token
 * (abcdef.0123456789abcdef), which newer K3s joins with (k3s token create).
 * Ours also trims trailing white space (K3s's token files are trimmed) and
 * refuses control characters.
 */
int
token_parse(const char *s, size_t len, struct token_info *t)
{
	const char *creds = s, *colon, *sep = NULL;
	size_t clen, hlen = 0;
	char fp[65];

	memset(t, 0, sizeof(*t));
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (!len)
		return -1;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || s[i] == 0x7f)
			return -1;
	t->form = TOKEN_SHORT;
	if (len >= 3 && !memcmp(s, "K10", 3)) {
		creds = s + 3;
		for (size_t i = 3; i + 1 < len; i++)
			if (s[i] == ':' && s[i + 1] == ':') {
				sep = s + i;
				break;
			}
		if (sep) {
			hlen = (size_t)(sep - creds);
			if (hlen && hlen != 64)
				return t->form = TOKEN_INVALID, -1;
			memcpy(t->ca_hash, creds, hlen);
			t->ca_hash[hlen] = '\0';
			creds = sep + 2;
		}
		if (hlen == 64)
			t->form = TOKEN_SECURE;
		clen = len - (size_t)(creds - s);
		t->bootstrap = sep && token_is_bootstrap_shape(creds, clen);
		colon = memchr(creds, ':', clen);
		if (t->bootstrap) {
			t->password = creds;
			t->password_len = clen;
		} else if (colon) {
			size_t ulen = (size_t)(colon - creds);

			if (ulen >= sizeof(t->user))
				ulen = sizeof(t->user) - 1;	/* shown truncated */
			memcpy(t->user, creds, ulen);
			t->password = colon + 1;
			t->password_len = clen - (size_t)(colon - creds) - 1;
		}
		if (!t->password_len)
			return t->form = TOKEN_INVALID, -1;
	} else {
		t->bootstrap = token_is_bootstrap_shape(s, len);
		t->password = s;
		t->password_len = len;
	}
	sha256_hex(t->password, t->password_len, fp);
	memcpy(t->fingerprint, fp, 12);
	t->fingerprint[12] = '\0';
	return 0;
}

void
token_describe(const struct token_info *t, struct buf *out)
{
	const char *kind = t->bootstrap ? "bootstrap" : t->user[0] ? t->user : "";

	switch (t->form) {
	case TOKEN_SECURE:
		buf_addf(out, "secure %s%stoken (CA %.12s..., fingerprint %s)", kind,
		    *kind ? " " : "", t->ca_hash, t->fingerprint);
		break;
	case TOKEN_SHORT:
		buf_addf(out, "short-form %s%stoken without CA pin (fingerprint %s)", kind,
		    *kind ? " " : "", t->fingerprint);
		break;
	default:
		buf_adds(out, "invalid token");
	}
}
