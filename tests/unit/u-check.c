/* SPDX-License-Identifier: Apache-2.0 */
/* u-check: the registry's shape and the result helpers. */
#include "core/k3sguard.h"
#include "checks/check.h"
#include "unit.h"

static void
strategy_ids_are_the_six(void)
{
	static const char *const want[] = {
		"etcd", "server-token", "agent-token", "manifests", "traefik", "updates"
	};

	CHECK(nstrategies == ARRAY_SIZE(want));
	for (size_t i = 0; i < nstrategies && i < ARRAY_SIZE(want); i++) {
		CHECK_STR(strategies[i].id, want[i]);
		CHECK(strategies[i].title && *strategies[i].title);
		CHECK(strategies[i].nthreats > 0);
		CHECK(*strategies[i].nchecks > 0);
		CHECK(strategy_find(want[i]) == &strategies[i]);
	}
	CHECK(strategy_find("etc") == NULL);
}

static void
check_rows_are_complete_and_unique(void)
{
	for (size_t i = 0; i < nstrategies; i++) {
		const struct strategy *s = &strategies[i];

		for (size_t j = 0; j < *s->nchecks; j++) {
			const struct check *c = &s->checks[j];
			const struct strategy *found = NULL;
			size_t len = strlen(s->id);

			CHECK(!strncmp(c->id, s->id, len) && c->id[len] == '.');
			CHECK_STR(c->strategy, s->id);
			CHECK(c->title && c->remediation && c->implemented && c->missing && c->fn);
			CHECK(check_find(c->id, &found) == c && found == s);
			CHECK(c->severity >= SEV_LOW && c->severity <= SEV_CRITICAL);
		}
	}
	CHECK(check_find("server-token", NULL) == NULL);
}

static void
names_round_trip(void)
{
	enum severity s;

	CHECK_STR(severity_name(SEV_CRITICAL), "critical");
	CHECK(severity_parse("medium", &s) == 0 && s == SEV_MEDIUM);
	CHECK(severity_parse("Medium", &s) < 0);
	CHECK(severity_parse("", &s) < 0);
	CHECK_STR(status_name(ST_SKIP), "skip");
	CHECK_STR(status_name(ST_ERROR), "error");
}

static void
silent(const struct node *n, struct check_result *r)
{
	(void)n;
	(void)r;
}

static void
loud(const struct node *n, struct check_result *r)
{
	(void)n;
	check_warn(r, "line\none %d", 7);
}

static void
no_verdict_is_an_error_and_evidence_is_one_line(void)
{
	static const struct check c1 = { "x.silent", "x", SEV_LOW, "t", silent, "r", "i", "m" };
	static const struct check c2 = { "x.loud", "x", SEV_LOW, "t", loud, "r", "i", "m" };
	struct node n;
	struct check_result r;

	memset(&n, 0, sizeof(n));
	check_run(&c1, &n, &r);
	CHECK(r.status == ST_ERROR);
	CHECK(strstr(r.evidence.s, "x.silent") != NULL);
	check_result_release(&r);
	check_run(&c2, &n, &r);
	CHECK(r.status == ST_WARN);
	CHECK_STR(r.evidence.s, "line\\x0aone 7");
	check_result_release(&r);
}

int
main(void)
{
	T(strategy_ids_are_the_six);
	T(check_rows_are_complete_and_unique);
	T(names_round_trip);
	T(no_verdict_is_an_error_and_evidence_is_one_line);
	return UNIT_DONE();
}
