/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-token.c: libFuzzer harness for token_parse(), token_describe() and
 * token_is_bootstrap_shape() (src/token/token.c) on arbitrary bytes (an
 * exact-size heap copy, not NUL-terminated: reading past it is caught).
 *
 * Invariants: a parsed token's password lies inside the input, is not
 * empty and has no space or control byte; its fingerprint is 12 lowercase
 * hex digits and is sha256(password)[:12]; a secure token has a
 * 64-character CA hash as written (K3s: pkg/clientaccess/token.go
 * parseToken() keeps its case) and starts with "K10"; the description has no newline
 * and does not depend on the password (the same token with another
 * password of the same fingerprint describes the same); a failed parse
 * leaves the form invalid.
 */
#include "core/k3sguard.h"
#include "token/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1), fp[65];
	struct token_info t, t2;
	struct buf d = BUF_INIT, d2 = BUF_INIT;
	char *other;

	if (!s)
		abort();
	memcpy(s, data, size);
	(void)token_is_bootstrap_shape(s, size);
	if (token_parse(s, size, &t) == 0) {
		if (t.form != TOKEN_SECURE && t.form != TOKEN_SHORT)
			abort();
		if (!t.password || t.password < s || !t.password_len ||
		    t.password_len > size - (size_t)(t.password - s))
			abort();
		for (size_t i = 0; i < t.password_len; i++)
			if ((unsigned char)t.password[i] <= 0x20 || t.password[i] == 0x7f)
				abort();
		sha256_hex(t.password, t.password_len, fp);
		if (strlen(t.fingerprint) != 12 || memcmp(fp, t.fingerprint, 12) ||
		    !is_lower_hex(t.fingerprint, 12))
			abort();
		if (t.form == TOKEN_SECURE && (strlen(t.ca_hash) != 64 ||
		    size < 3 || memcmp(s, "K10", 3)))
			abort();
		if (t.form == TOKEN_SHORT && t.ca_hash[0])
			abort();
		if (strlen(t.user) >= sizeof(t.user))
			abort();
		if (t.bootstrap && (t.user[0] || !token_is_bootstrap_shape(t.password,
		    t.password_len)))
			abort();	/* bootstrap credentials are the whole password */
		token_describe(&t, &d);
		if (strchr(d.s, '\n'))
			abort();
		/* the same token with another password describes the same */
		t2 = t;
		other = xmalloc(t.password_len);
		memset(other, t.password[0] == 'X' ? 'Y' : 'X', t.password_len);
		t2.password = other;
		token_describe(&t2, &d2);
		if (strcmp(d.s, d2.s))
			abort();	/* the password reached the output */
		free(other);
	} else {
		if (t.form != TOKEN_INVALID)
			abort();
		token_describe(&t, &d);
		if (strcmp(d.s, "invalid token"))
			abort();
	}
	buf_release(&d);
	buf_release(&d2);
	free(s);
	return 0;
}
