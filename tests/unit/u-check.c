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
			CHECK(strcmp(check_reach_name(c->reach), "unknown") != 0);
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
	static const struct check c1 = { "x.silent", "x", SEV_LOW, "t", silent, "r", "i", "m",
		REACH_ROOT };
	static const struct check c2 = { "x.loud", "x", SEV_LOW, "t", loud, "r", "i", "m",
		REACH_ROOT };
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

/* A check that asks to reach beyond the root; "probed" when allowed. */
static void
prober(const struct node *n, struct check_result *r)
{
	(void)n;
	if (!check_offline(r))
		check_pass(r, "probed");
}

/* The live checks: which rows say so, and what check_offline() decides. */
static void
reach_decides_offline_images(void)
{
	static const struct check net = { "x.net", "x", SEV_LOW, "t", prober, "r", "i", "m",
		REACH_NETWORK };
	static const struct check kern = { "x.kern", "x", SEV_LOW, "t", prober, "r", "i", "m",
		REACH_KERNEL };
	static const struct check liar = { "x.liar", "x", SEV_LOW, "t", prober, "r", "i", "m",
		REACH_ROOT };
	static const char *const network[] = { "etcd.live-client-cert-auth",
		"etcd.live-auth-enabled", "etcd.live-k3s-role", "etcd.live-members-healthy" };
	struct node n;
	struct check_result r;

	for (size_t i = 0; i < ARRAY_SIZE(network); i++)
		CHECK(check_find(network[i], NULL)->reach == REACH_NETWORK);
	CHECK(check_find("etcd.firewall", NULL)->reach == REACH_KERNEL);
	CHECK(check_find("etcd.cert-expiry", NULL)->reach == REACH_ROOT);
	memset(&n, 0, sizeof(n));

	/* an image without --live: skip, the network is not touched */
	gopt.root = "/nonexistent-image";
	gopt.live = 0;
	check_run(&net, &n, &r);
	CHECK(r.status == ST_SKIP);
	CHECK_STR(r.evidence.s, "offline image (--live to probe the endpoints it names)");
	check_result_release(&r);
	check_run(&kern, &n, &r);
	CHECK(r.status == ST_SKIP && !strncmp(r.evidence.s, "offline image: ", 15));
	check_result_release(&r);
	/* --live probes the network, never this host's kernel for an image */
	gopt.live = 1;
	check_run(&net, &n, &r);
	CHECK(r.status == ST_PASS);
	check_result_release(&r);
	check_run(&kern, &n, &r);
	CHECK(r.status == ST_SKIP);
	check_result_release(&r);
	/* a row that says "root" but reaches out: an error, never a verdict */
	check_run(&liar, &n, &r);
	CHECK(r.status == ST_ERROR && strstr(r.evidence.s, "x.liar"));
	check_result_release(&r);
	/* the host itself: both read what is there */
	gopt.live = 0;
	gopt.root = "/";
	check_run(&net, &n, &r);
	CHECK(r.status == ST_PASS);
	check_result_release(&r);
	gopt.root = NULL;
	check_run(&kern, &n, &r);
	CHECK(r.status == ST_PASS);
	check_result_release(&r);
	/* outside check_run there is no row to read: error */
	check_result_init(&r);
	CHECK(check_offline(&r) == 1 && r.status == ST_ERROR);
	check_result_release(&r);
	CHECK_STR(check_reach_name(REACH_NETWORK), "network");
	CHECK_STR(check_reach_name(REACH_KERNEL), "kernel");
}

int
main(void)
{
	T(strategy_ids_are_the_six);
	T(check_rows_are_complete_and_unique);
	T(names_round_trip);
	T(no_verdict_is_an_error_and_evidence_is_one_line);
	T(reach_decides_offline_images);
	return UNIT_DONE();
}
