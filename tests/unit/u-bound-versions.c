/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-bound-versions.c: the version decisions at their boundaries, one patch
 * (or rc, or +k3sN build) either side (issue 19 "an advisory whose
 * introduced version equals the installed one"):
 *  - advisory_applies(): affected from "introduced" (inclusive) up to the
 *    fix of the version's own release line (exclusive); a line older than
 *    every fix is affected, a newer line without its own fix is not;
 *  - k3s_can_rotate(): the releases that added the token rotation endpoint
 *    (v1.28.3, v1.27.7, v1.26.10, v1.25.15; K3s's release notes, and
 *    shared/reference/k3s.md): the first one passes, the one before fails,
 *    and its release candidates fail.
 */
#include "core/k3sguard.h"
#include "core/version.h"
#include "update/update-data.h"
#include "token/token-rotate.h"
#include "unit.h"

struct adv_case {
	const char *introduced;	/* NULL: none known */
	const char *fixed[3];
	const char *installed;
	int applies;
};

static const struct adv_case adv_cases[] = {
	/* introduced v1.32.3, fixed v1.32.6: both ends, one patch either side */
	{ "v1.32.3", { "v1.32.6" }, "v1.32.2+k3s1", 0 },
	{ "v1.32.3", { "v1.32.6" }, "v1.32.3+k3s1", 1 },	/* equal: affected */
	{ "v1.32.3", { "v1.32.6" }, "v1.32.4+k3s1", 1 },
	{ "v1.32.3", { "v1.32.6" }, "v1.32.5+k3s2", 1 },
	{ "v1.32.3", { "v1.32.6" }, "v1.32.6+k3s1", 0 },	/* the fix */
	{ "v1.32.3", { "v1.32.6" }, "v1.32.6-rc1+k3s1", 1 },	/* its rc is before it */
	{ "v1.32.3", { "v1.32.6" }, "v1.32.7+k3s1", 0 },
	/* introduced with a K3s build: the build before it is not affected */
	{ "v1.32.3+k3s2", { "v1.32.6+k3s1" }, "v1.32.3+k3s1", 0 },
	{ "v1.32.3+k3s2", { "v1.32.6+k3s1" }, "v1.32.3+k3s2", 1 },
	{ "v1.32.3+k3s2", { "v1.32.6+k3s1" }, "v1.32.3+k3s3", 1 },
	/* a fix in a K3s build: the build before it is affected */
	{ NULL, { "v1.32.6+k3s2" }, "v1.32.6+k3s1", 1 },
	{ NULL, { "v1.32.6+k3s2" }, "v1.32.6+k3s2", 0 },
	/* introduced in an rc: the rc before it is not affected */
	{ "v1.33.0-rc2", { "v1.33.1" }, "v1.33.0-rc1+k3s1", 0 },
	{ "v1.33.0-rc2", { "v1.33.1" }, "v1.33.0-rc2+k3s1", 1 },
	/* several release lines: each line judged by its own fix */
	{ NULL, { "v1.30.9", "v1.31.5", "v1.32.1" }, "v1.31.4+k3s1", 1 },
	{ NULL, { "v1.30.9", "v1.31.5", "v1.32.1" }, "v1.31.5+k3s1", 0 },
	{ NULL, { "v1.30.9", "v1.31.5", "v1.32.1" }, "v1.30.10+k3s1", 0 },
	{ NULL, { "v1.30.9", "v1.31.5", "v1.32.1" }, "v1.29.99+k3s1", 1 },	/* older line */
	{ NULL, { "v1.30.9", "v1.31.5", "v1.32.1" }, "v1.33.0+k3s1", 0 },	/* newer line */
	/* introduced in a newer line than an older fix: the old line is clean */
	{ "v1.31.0", { "v1.30.9", "v1.31.5" }, "v1.30.2+k3s1", 0 },
	{ "v1.31.0", { "v1.30.9", "v1.31.5" }, "v1.31.0+k3s1", 1 },
	/* Traefik tags, no +k3sN */
	{ "v3.1.0", { "v2.11.9", "v3.1.3" }, "v3.0.4", 0 },
	{ "v3.1.0", { "v2.11.9", "v3.1.3" }, "v3.1.0", 1 },
	{ "v3.1.0", { "v2.11.9", "v3.1.3" }, "v3.1.2", 1 },
	{ "v3.1.0", { "v2.11.9", "v3.1.3" }, "v3.1.3", 0 },
	{ NULL, { "v2.11.9", "v3.1.3" }, "v2.11.8", 1 },
	{ NULL, { "v2.11.9", "v3.1.3" }, "v2.11.9", 0 },
};

static void
test_advisory_boundaries(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(adv_cases); i++) {
		const struct adv_case *c = &adv_cases[i];
		struct version fixed[3], v;
		struct advisory a = { .fixed = fixed };

		if (c->introduced) {
			CHECK(version_parse(c->introduced, &a.introduced) == 0);
			a.has_introduced = 1;
		}
		while (a.nfixed < 3 && c->fixed[a.nfixed]) {
			CHECK(version_parse(c->fixed[a.nfixed], &fixed[a.nfixed]) == 0);
			a.nfixed++;
		}
		CHECK(version_parse(c->installed, &v) == 0);
		if (advisory_applies(&a, &v) != c->applies) {
			fprintf(stderr, "# introduced %s fixed %s%s%s installed %s: want %s\n",
			    c->introduced ? c->introduced : "-", c->fixed[0],
			    c->fixed[1] ? "," : "", c->fixed[1] ? c->fixed[1] : "", c->installed,
			    c->applies ? "affected" : "not affected");
			unit_cur_failed = 1;
		}
	}
}

static const struct {
	const char *v;
	int can;
} rotate_cases[] = {
	{ "v1.28.2+k3s1", 0 }, { "v1.28.3-rc1+k3s1", 0 }, { "v1.28.3+k3s1", 1 }, { "v1.28.4+k3s1", 1 },
	{ "v1.27.6+k3s1", 0 }, { "v1.27.7-rc2+k3s1", 0 }, { "v1.27.7+k3s1", 1 }, { "v1.27.8+k3s1", 1 },
	{ "v1.26.9+k3s1", 0 }, { "v1.26.10+k3s1", 1 }, { "v1.26.11+k3s1", 1 },
	{ "v1.25.14+k3s1", 0 }, { "v1.25.15+k3s1", 1 }, { "v1.25.16+k3s1", 1 },
	{ "v1.24.17+k3s1", 0 }, { "v1.29.0+k3s1", 1 }, { "v1.29.0-rc1+k3s1", 1 },
	{ "v2.0.0+k3s1", 1 }, { "v0.99.0+k3s1", 0 },
	{ "v1.28", -1 }, { "", -1 }, { "1.28.3+k3sX", -1 },
};

static void
test_rotate_boundaries(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(rotate_cases); i++)
		if (k3s_can_rotate(rotate_cases[i].v) != rotate_cases[i].can) {
			fprintf(stderr, "# k3s_can_rotate(%s) = %d, want %d\n", rotate_cases[i].v,
			    k3s_can_rotate(rotate_cases[i].v), rotate_cases[i].can);
			unit_cur_failed = 1;
		}
	CHECK(k3s_can_rotate(NULL) == -1);
}

/* the order the two functions above rest on, at each step's boundary */
static void
test_order_boundaries(void)
{
	static const char *const asc[] = {
		"v1.32.9+k3s1", "v1.32.10-rc1+k3s1", "v1.32.10-rc2+k3s1", "v1.32.10",
		"v1.32.10+k3s1", "v1.32.10+k3s2", "v1.32.11+k3s1", "v1.33.0+k3s1", "v2.0.0+k3s1",
	};
	struct version a, b;

	for (size_t i = 0; i + 1 < ARRAY_SIZE(asc); i++) {
		CHECK(version_parse(asc[i], &a) == 0 && version_parse(asc[i + 1], &b) == 0);
		if (!(version_cmp(&a, &b) < 0 && version_cmp(&b, &a) > 0 &&
		    version_cmp(&a, &a) == 0)) {
			fprintf(stderr, "# want %s < %s\n", asc[i], asc[i + 1]);
			unit_cur_failed = 1;
		}
	}
}

int
main(void)
{
	T(test_advisory_boundaries);
	T(test_rotate_boundaries);
	T(test_order_boundaries);
	return UNIT_DONE();
}
