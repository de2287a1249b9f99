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

static int
is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int
token_parse(const char *s, size_t len, struct token_info *t)
{
	const char *creds = s, *colon;
	size_t clen;
	char fp[65];

	memset(t, 0, sizeof(*t));
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (!len)
		return -1;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || s[i] == 0x7f)
			return -1;
	if (len > 3 + 64 + 2 && !memcmp(s, "K10", 3) && is_hex(s + 3, 64) &&
	    !memcmp(s + 67, "::", 2)) {
		t->form = TOKEN_SECURE;
		for (int i = 0; i < 64; i++)
			t->ca_hash[i] = (char)tolower((unsigned char)s[3 + i]);
		creds = s + 69;
	} else {
		t->form = TOKEN_SHORT;
	}
	clen = len - (size_t)(creds - s);
	if (!clen)
		return t->form = TOKEN_INVALID, -1;
	t->bootstrap = token_is_bootstrap_shape(creds, clen);
	colon = t->bootstrap ? NULL : memchr(creds, ':', clen);
	if (colon && t->form == TOKEN_SECURE && (size_t)(colon - creds) < sizeof(t->user)) {
		memcpy(t->user, creds, (size_t)(colon - creds));
		t->password = colon + 1;
		t->password_len = clen - (size_t)(colon - creds) - 1;
	} else {
		t->password = creds;
		t->password_len = clen;
	}
	if (!t->password_len)
		return t->form = TOKEN_INVALID, -1;
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
