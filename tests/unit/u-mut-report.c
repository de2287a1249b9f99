/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-mut-report.c: the renderers' escaping at the edges the mutation run
 * (make mutate, docs/testing.md) found untested: every bidi mark and
 * embedding is made visible (U+061C, U+200E, U+200F, U+2028..U+202E,
 * U+2066..U+2069), in text, markup and Prometheus label values alike, and
 * the characters just outside those ranges are kept as they are.
 */
#include "core/k3sguard.h"
#include "report/escape.h"
#include "unit.h"

static const char *
esc(const char *s, enum esc_to to)
{
	static struct buf b = BUF_INIT;

	buf_reset(&b);
	esc_add(&b, s, to);
	return b.s;
}

static void
test_bidi_visible(void)
{
	static const struct { const char *in, *out; } rows[] = {
		{ "a\xd8\x9c" "b", "a\\u061cb" },
		{ "a\xe2\x80\x8e" "b", "a\\u200eb" },
		{ "a\xe2\x80\x8f" "b", "a\\u200fb" },
		{ "a\xe2\x80\xa8" "b", "a\\u2028b" },
		{ "a\xe2\x80\xae" "b", "a\\u202eb" },
		{ "a\xe2\x81\xa6" "b", "a\\u2066b" },
		{ "a\xe2\x81\xa9" "b", "a\\u2069b" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		CHECK_STR(esc(rows[i].in, ESC_TEXT), rows[i].out);
		CHECK_STR(esc(rows[i].in, ESC_MARKUP), rows[i].out);
	}
	CHECK_STR(esc("a\xe2\x80\x8f" "b", ESC_PROM), "a\\\\u200fb");
}

static void
test_neighbours_kept(void)
{
	/* U+200D (ZWJ, in emoji), U+202F (narrow no-break space), U+206A (after the isolates) */
	CHECK_STR(esc("\xe2\x80\x8d", ESC_TEXT), "\xe2\x80\x8d");
	CHECK_STR(esc("\xe2\x80\xaf", ESC_TEXT), "\xe2\x80\xaf");
	CHECK_STR(esc("\xe2\x81\xaa", ESC_TEXT), "\xe2\x81\xaa");
	CHECK_STR(esc("\xc2\xa0", ESC_TEXT), "\xc2\xa0");
}

int
main(void)
{
	T(test_bidi_visible);
	T(test_neighbours_kept);
	return UNIT_DONE();
}
