/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-mut-token.c: token forms and the K3s releases that rotate, at the edges
 * the mutation run (make mutate, docs/testing.md) found untested.  K3s:
 * pkg/clientaccess/token.go parseToken() (a "K10" prefix, a CA hash of 64
 * hex digits or none, "user:password" with a password); the releases with
 * `k3s token rotate` are v1.25.15, v1.26.10, v1.27.7, v1.28.3 and later
 * (shared/reference/k3s.md).
 */
#include "core/k3sguard.h"
#include "token/token.h"
#include "token/token-rotate.h"
#include "unit.h"

#define HASH64 "5439e65e05fa7a28a2f115d81e04e76370c2b90a9aa372716f307723f40601e2"

static int
parse(const char *s, struct token_info *t)
{
	return token_parse(s, strlen(s), t);
}

static void
test_k10_alone(void)
{
	struct token_info t;

	/* "K10" and nothing else: the prefix with no credentials, invalid */
	CHECK(parse("K10", &t) < 0);
	CHECK(parse("K10\n", &t) < 0);
	/* two characters are a short-form password like any other */
	CHECK(parse("K1", &t) == 0 && t.form == TOKEN_SHORT);
}

static void
test_hash_length(void)
{
	struct token_info t;

	CHECK(parse("K10" HASH64 "::server:pw1", &t) == 0 && t.form == TOKEN_SECURE);
	/* one hex digit short or long: K3s's "invalid token CA hash length" */
	CHECK(parse("K10" "5439e65e05fa7a28a2f115d81e04e76370c2b90a9aa372716f307723f40601e"
	    "::server:pw1", &t) < 0);
	CHECK(parse("K10" HASH64 "0::server:pw1", &t) < 0);
	/* no hash at all is allowed (no pin), and is not the secure form */
	CHECK(parse("K10::server:pw1", &t) == 0 && t.form != TOKEN_SECURE);
}

static void
test_empty_password(void)
{
	struct token_info t;

	CHECK(parse("K10" HASH64 "::server:", &t) < 0);
	CHECK(parse("K10" HASH64 "::", &t) < 0);
	CHECK(parse("K10::server:", &t) < 0);
}

static void
test_control_characters(void)
{
	struct token_info t;

	CHECK(parse("abc\x7f" "def", &t) < 0);
	CHECK(parse("abc\x1f" "def", &t) < 0);
	/* '~' (0x7e) and '!' (0x21) are printable: a password may hold them */
	CHECK(parse("abc~def", &t) == 0);
	CHECK(parse("!abcdef", &t) == 0);
}

static void
test_bootstrap_shape(void)
{
	struct token_info t;

	CHECK(token_is_bootstrap_shape("abcdef.0123456789abcdef", 23));
	CHECK(!token_is_bootstrap_shape("abcdef.0123456789abcdefx", 24));
	CHECK(!token_is_bootstrap_shape("abcdef.0123456789abcde", 22));
	CHECK(parse("abcdef.0123456789abcdef", &t) == 0 && t.bootstrap);
	CHECK(parse("abcdef.0123456789abcdefx", &t) == 0 && !t.bootstrap);
	CHECK(parse("K10" HASH64 "::abcdef.0123456789abcdef", &t) == 0 && t.bootstrap);
}

static void
test_can_rotate(void)
{
	/* each floor exactly, one patch below, its release candidate */
	CHECK(k3s_can_rotate("v1.28.3+k3s1") == 1);
	CHECK(k3s_can_rotate("v1.28.2+k3s2") == 0);
	CHECK(k3s_can_rotate("v1.28.3-rc1+k3s1") == 0);
	CHECK(k3s_can_rotate("v1.28.0+k3s1") == 0);
	CHECK(k3s_can_rotate("v1.27.7+k3s1") == 1);
	CHECK(k3s_can_rotate("v1.27.6+k3s1") == 0);
	CHECK(k3s_can_rotate("v1.26.10+k3s1") == 1);
	CHECK(k3s_can_rotate("v1.26.9+k3s1") == 0);
	CHECK(k3s_can_rotate("v1.25.15+k3s1") == 1);
	CHECK(k3s_can_rotate("v1.25.14+k3s1") == 0);
	CHECK(k3s_can_rotate("v1.29.0+k3s1") == 1);
	CHECK(k3s_can_rotate("v1.24.99+k3s1") == 0);
	CHECK(k3s_can_rotate("v2.0.0+k3s1") == 1);
	CHECK(k3s_can_rotate("v0.99.0+k3s1") == 0);
	CHECK(k3s_can_rotate("not a version") < 0);
}

int
main(void)
{
	T(test_k10_alone);
	T(test_hash_length);
	T(test_empty_password);
	T(test_control_characters);
	T(test_bootstrap_shape);
	T(test_can_rotate);
	return UNIT_DONE();
}
