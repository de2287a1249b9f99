/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-bound-traefik.c: the chart-version boundaries that decide which values
 * keys the Traefik checks read and 'traefik harden' writes, one chart major
 * either side (issue 19 item 2; the charts themselves are checked in t5030):
 *  - generation: <= 33 is 27.x (Traefik v2), 34-38, >= 39; 0 unknown;
 *  - redirect: charts <= 24 take ports.web.redirectTo as a string, 25-33
 *    {port: name} (traefik-helm-chart PR #934), 34-38
 *    ports.web.redirections, 39+ ports.web.http.redirections;
 *  - websecure middlewares: ports.websecure.http.middlewares from 39;
 *  - api.insecure exists in the values from 39; accessLog replaces
 *    logs.access from 41.
 */
#include "core/k3sguard.h"
#include "traefik/traefik.h"
#include "unit.h"

static const char *
key(long major, const char *setting)
{
	static struct traefik t;

	memset(&t, 0, sizeof(t));
	t.chart_major = major;
	t.gen = traefik_gen_of(major);
	return traefik_key(&t, setting);
}

static void
test_generation(void)
{
	CHECK(traefik_gen_of(0) == TGEN_UNKNOWN);
	CHECK(traefik_gen_of(-1) == TGEN_UNKNOWN);
	CHECK(traefik_gen_of(1) == TGEN_27);
	CHECK(traefik_gen_of(33) == TGEN_27);
	CHECK(traefik_gen_of(34) == TGEN_34);
	CHECK(traefik_gen_of(38) == TGEN_34);
	CHECK(traefik_gen_of(39) == TGEN_39);
	CHECK(traefik_gen_of(40) == TGEN_39);
	CHECK_STR(traefik_gen_name(TGEN_34), "34-38");
	CHECK_STR(traefik_gen_name(TGEN_39), "39+");
}

static void
test_redirect_keys(void)
{
	CHECK_STR(key(24, "redirect"), "ports.web.redirectTo");
	CHECK_STR(key(25, "redirect"), "ports.web.redirectTo.port");
	CHECK_STR(key(33, "redirect"), "ports.web.redirectTo.port");
	CHECK_STR(key(34, "redirect"), "ports.web.redirections.entryPoint");
	CHECK_STR(key(38, "redirect"), "ports.web.redirections.entryPoint");
	CHECK_STR(key(39, "redirect"), "ports.web.http.redirections.entryPoint");
}

static void
test_other_keys(void)
{
	CHECK_STR(key(38, "websecure-middlewares"), "ports.websecure.middlewares");
	CHECK_STR(key(39, "websecure-middlewares"), "ports.websecure.http.middlewares");
	CHECK(key(38, "api-insecure") == NULL);
	CHECK_STR(key(39, "api-insecure"), "api.insecure");
	CHECK_STR(key(40, "access-log"), "logs.access");
	CHECK_STR(key(41, "access-log"), "accessLog");
	CHECK(key(39, "no-such-setting") == NULL);
}

int
main(void)
{
	T(test_generation);
	T(test_redirect_keys);
	T(test_other_keys);
	return UNIT_DONE();
}
