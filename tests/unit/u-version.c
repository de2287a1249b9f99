/* SPDX-License-Identifier: Apache-2.0 */
/* u-version.c: K3s version parsing and ordering (shared/reference/k3s.md). */
#include "core/k3sguard.h"
#include "core/version.h"
#include "unit.h"

/* a < b for every row: the ordering table of the issue and then some */
static const char *const less[][2] = {
	{ "v1.32.11+k3s1", "v1.32.11+k3s2" },		/* +k3s2 > +k3s1 */
	{ "v1.32.11+k3s9", "v1.32.11+k3s10" },		/* numeric, not lexical */
	{ "v1.32.0-rc1+k3s1", "v1.32.0+k3s1" },		/* rc < release */
	{ "v1.32.0-rc2+k3s1", "v1.32.0+k3s1" },
	{ "v1.32.0-rc1+k3s1", "v1.32.0-rc2+k3s1" },	/* rc1 < rc2 */
	{ "v1.32.0-rc9+k3s1", "v1.32.0-rc10+k3s1" },
	{ "v1.32.0-rc1+k3s2", "v1.32.0-rc2+k3s1" },	/* rc before k3s */
	{ "v1.32.0+k3s9", "v1.32.1-rc1+k3s1" },		/* patch before rc */
	{ "v1.31.9+k3s1", "v1.32.0+k3s1" },		/* minors */
	{ "v1.9.0+k3s1", "v1.10.0+k3s1" },		/* numeric minor */
	{ "v1.32.9+k3s1", "v1.32.10+k3s1" },		/* numeric patch */
	{ "v1.33.99+k3s9", "v2.0.0+k3s1" },
	{ "1.24.17", "v1.24.17+k3s1" },			/* fixed-in without +k3s */
	{ "v2.11.23", "v2.11.24" },			/* Traefik tags */
	{ "2.11.32", "3.0.0" },
};

static void
test_order(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(less); i++) {
		struct version a, b;

		CHECK(version_parse(less[i][0], &a) == 0);
		CHECK(version_parse(less[i][1], &b) == 0);
		if (version_cmp(&a, &b) >= 0 || version_cmp(&b, &a) <= 0) {
			fprintf(stderr, "# expected %s < %s\n", less[i][0], less[i][1]);
			unit_cur_failed = 1;
		}
		CHECK(version_cmp(&a, &a) == 0);
	}
}

static void
test_equal_forms(void)
{
	struct version a, b;

	CHECK(version_parse("v1.32.11+k3s3", &a) == 0);
	CHECK(version_parse("1.32.11+k3s3", &b) == 0);
	CHECK(version_cmp(&a, &b) == 0);
	CHECK(a.major == 1 && a.minor == 32 && a.patch == 11 && a.rc == 0 && a.k3s == 3);
}

static void
test_round_trip(void)
{
	static const char *const s[] = {
		"v1.32.11+k3s3", "v1.32.0-rc1+k3s1", "v3.6.9", "v0.0.0",
	};
	char out[VERSION_STR_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
		struct version v;

		CHECK(version_parse(s[i], &v) == 0);
		CHECK_STR(version_str(&v, out), s[i]);
	}
}

static void
test_reject(void)
{
	static const char *const bad[] = {
		"", "v", "v1", "v1.32", "v1.32.", "v1.32.x", "v1.32.11+", "v1.32.11+k3s",
		"v1.32.11+k3s0", "v1.32.11-rc+k3s1", "v1.32.11-rc0+k3s1", "v1.32.11-beta1+k3s1",
		"v1.32.11+k3s1 ", " v1.32.11+k3s1", "v1.32.11+k3s1x", "v1.032.1+k3s1",
		"v-1.32.1+k3s1", "v1.32.1+rke2r1", "v99999999999999999999.1.1",
		"v1.32.11+k3s1+k3s2", "V1.32.11+k3s1",
	};
	struct version v;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (version_parse(bad[i], &v) == 0) {
			fprintf(stderr, "# accepted '%s'\n", bad[i]);
			unit_cur_failed = 1;
		}
	}
	/* K3s strings need the +k3sN part */
	CHECK(version_parse_k3s("v1.32.11", &v) < 0);
	CHECK(version_parse_k3s("v1.32.11+k3s1", &v) == 0);
}

static void
test_k3s_output(void)
{
	struct version v;
	char out[VERSION_STR_MAX];

	CHECK(version_from_k3s_output("k3s version v1.32.11+k3s3 (8e9b9c4f)\n"
	    "go version go1.23.6\n", &v) == 0);
	CHECK_STR(version_str(&v, out), "v1.32.11+k3s3");
	CHECK(version_from_k3s_output("k3s version v1.33.0-rc2+k3s1 (abc)\n", &v) == 0);
	CHECK(v.rc == 2);
	CHECK(version_from_k3s_output("k3s version\n", &v) < 0);
	CHECK(version_from_k3s_output("rke2 version v1.32.1+rke2r1\n", &v) < 0);
	CHECK(version_from_k3s_output("", &v) < 0);
}

static void
test_same_minor(void)
{
	struct version a, b, c;

	CHECK(version_parse("v1.32.1+k3s1", &a) == 0);
	CHECK(version_parse("v1.32.11+k3s3", &b) == 0);
	CHECK(version_parse("v1.33.1+k3s1", &c) == 0);
	CHECK(version_same_minor(&a, &b));
	CHECK(!version_same_minor(&a, &c));
}

int
main(void)
{
	T(test_order);
	T(test_equal_forms);
	T(test_round_trip);
	T(test_reject);
	T(test_k3s_output);
	T(test_same_minor);
	return UNIT_DONE();
}
