/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-token.c: token_parse() against K3s's own test table:
 * pkg/clientaccess/token_test.go (commit d8fe0aa) Test_UnitInvalidTokens,
 * Test_UnitUserPass, and the parse half of Test_UnitUntrustedCA, for
 * K3s: pkg/clientaccess/token.go parseToken().
 */
#include "core/k3sguard.h"
#include "token/token.h"
#include "unit.h"

#define X64 "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define U64 "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"

static int
parse(const char *s, struct token_info *t)
{
	return token_parse(s, strlen(s), t);
}

static int
pw_is(const struct token_info *t, const char *want)
{
	return t->password_len == strlen(want) && !memcmp(t->password, want, t->password_len);
}

/* Test_UnitInvalidTokens: every one is refused by parseToken() */
static void
test_invalid(void)
{
	static const char *const bad[] = {
		"",		/* token must not be empty */
		"K10::",	/* invalid token format */
		"K10::x",
		"K10::x:",
		"K10XX::x:y",	/* invalid token CA hash length */
		"K10X::x",	/* Test_UnitUserPass: not ok */
		"K10abc",	/* K10 prefix, no user:password */
	};
	struct token_info t;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (parse(bad[i], &t) == 0)
			fprintf(stderr, "# accepted: '%s'\n", bad[i]);
		CHECK(parse(bad[i], &t) < 0);
	}
}

/* Test_UnitUserPass and the last case of Test_UnitInvalidTokens (it parses; only the hash check fails) */
static void
test_user_pass(void)
{
	struct token_info t;

	CHECK(parse("K10" X64 "::username:password", &t) == 0);
	CHECK(t.form == TOKEN_SECURE);
	CHECK_STR(t.user, "username");
	CHECK(pw_is(&t, "password"));
	CHECK_STR(t.ca_hash, X64);	/* never equal to a sha256 K3s computes */
	CHECK(parse("password", &t) == 0);
	CHECK(t.form == TOKEN_SHORT && !t.user[0] && pw_is(&t, "password"));
	CHECK(parse("K10" X64 "::x:y", &t) == 0);
	CHECK_STR(t.user, "x");
	CHECK(pw_is(&t, "y"));
}

/* parseToken(): a bare token is the password, ':' and all */
static void
test_short_forms(void)
{
	struct token_info t;

	CHECK(parse("server:abc", &t) == 0);
	CHECK(t.form == TOKEN_SHORT && !t.user[0] && pw_is(&t, "server:abc"));
	/* "K10::user:pw": an empty CA hash is allowed, and pins nothing */
	CHECK(parse("K10::server:abc", &t) == 0);
	CHECK(t.form == TOKEN_SHORT);
	CHECK_STR(t.user, "server");
	CHECK(pw_is(&t, "abc"));
	/* "K10user:pw" without "::": user and password, no hash */
	CHECK(parse("K10node:abc", &t) == 0);
	CHECK(t.form == TOKEN_SHORT);
	CHECK_STR(t.user, "node");
	/* the password may hold ':' (split at the first one) */
	CHECK(parse("K10" H64 "::server:a:b", &t) == 0);
	CHECK(pw_is(&t, "a:b"));
	/* trailing newline of a token file */
	CHECK(parse("K10" H64 "::server:abc\n", &t) == 0);
	CHECK(pw_is(&t, "abc"));
}

/* validateCACerts() compares with hashCA()'s lowercase hex: case is kept */
static void
test_hash_case(void)
{
	struct token_info t;

	CHECK(parse("K10" U64 "::server:abc", &t) == 0);
	CHECK(t.form == TOKEN_SECURE);
	CHECK_STR(t.ca_hash, U64);
	CHECK(strcmp(t.ca_hash, H64) != 0);
	CHECK(parse("K10" H64 "::abcdef.0123456789abcdef", &t) == 0);
	CHECK(t.form == TOKEN_SECURE && t.bootstrap && !t.user[0]);
}

int
main(void)
{
	T(test_invalid);
	T(test_user_pass);
	T(test_short_forms);
	T(test_hash_case);
	return UNIT_DONE();
}
