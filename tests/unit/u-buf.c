/* SPDX-License-Identifier: Apache-2.0 */
/* u-buf.c: struct buf, parse_num and the other util.c helpers. */
#include "core/k3sguard.h"
#include "unit.h"

static void
test_buf_basic(void)
{
	struct buf b = BUF_INIT;

	CHECK(b.s != NULL && b.len == 0 && b.s[0] == '\0');
	buf_adds(&b, "abc");
	buf_addch(&b, 'd');
	buf_addf(&b, "%d-%s", 42, "x");
	CHECK_STR(b.s, "abcd42-x");
	CHECK(b.len == 8);
	buf_setlen(&b, 2);
	CHECK_STR(b.s, "ab");
	buf_release(&b);
	CHECK(b.s != NULL && b.len == 0);
}

static void
test_buf_large_format(void)
{
	struct buf b = BUF_INIT;
	char big[5000];

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_adds(&b, "<");
	buf_addf(&b, "%s>", big);
	CHECK(b.len == sizeof(big) + 1);
	CHECK(b.s[0] == '<' && b.s[b.len - 1] == '>');
	buf_wipe(&b);
	CHECK(b.len == 0);
}

static void
test_buf_printable(void)
{
	struct buf b = BUF_INIT;

	buf_add_printable(&b, "a\nb\x1b");
	CHECK_STR(b.s, "a\\x0ab\\x1b");
	buf_release(&b);
}

static void
test_parse_num(void)
{
	long long v;

	CHECK(parse_num("42", 0, 100, &v) == 0 && v == 42);
	CHECK(parse_num("-1", -5, 5, &v) == 0 && v == -1);
	CHECK(parse_num("101", 0, 100, &v) < 0);
	CHECK(parse_num("", 0, 100, &v) < 0);
	CHECK(parse_num("4x", 0, 100, &v) < 0);
	CHECK(parse_num(" 4", 0, 100, &v) < 0);
	CHECK(parse_num("99999999999999999999", 0, 100, &v) < 0);
}

static void
test_size_checks(void)
{
	size_t r;

	CHECK(size_add(SIZE_MAX, 1, &r) < 0);
	CHECK(size_add(1, 2, &r) == 0 && r == 3);
	CHECK(size_mul(SIZE_MAX / 2 + 1, 2, &r) < 0);
	CHECK(ct_equal("abc", "abc", 3) && !ct_equal("abc", "abd", 3));
}

/* buf_grow_secret: a fresh, larger block with the same bytes; none when it fits */
static void
test_buf_grow_secret(void)
{
	struct buf b = BUF_INIT;
	const char *before;

	buf_grow_secret(&b, 0);
	CHECK(b.len == 0 && b.s[0] == '\0');
	buf_adds(&b, "secret");
	buf_grow_secret(&b, 1000);
	CHECK(b.cap >= 1007 && b.len == 6);
	CHECK_STR(b.s, "secret");
	before = b.s;
	buf_grow_secret(&b, 100);	/* fits: same block */
	CHECK(b.s == before);
	buf_grow_secret(&b, 5000);
	CHECK(b.cap >= 5007);
	CHECK_STR(b.s, "secret");
	buf_wipe(&b);
}

int
main(void)
{
	T(test_buf_basic);
	T(test_buf_large_format);
	T(test_buf_printable);
	T(test_buf_grow_secret);
	T(test_parse_num);
	T(test_size_checks);
	return UNIT_DONE();
}
