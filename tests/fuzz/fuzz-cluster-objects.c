/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-cluster-objects.c: libFuzzer harness for what is read from the
 * cluster's datastore (src/cluster, src/traefik/traefik.c): objects as the
 * apiserver stores them (JSON), handed to the parsers that take them:
 * traefik_add_applied_middleware (a Middleware), traefik_add_applied (the
 * HelmChartConfig 'traefik', over the packaged chart 39 HelmChart), then
 * every Traefik check; and cluster_addon_spec (an Addon).  The input is
 * two texts split at NUL: the HelmChartConfig (also read as an Addon) and
 * the Middleware.  The database reads themselves (kine's state.db through
 * the gate, sqlite on a private copy; etcd) are tested by t5040 and t5041.
 * Invariants besides crashes and leaks: every check sets a status; an
 * Addon spec is both strings or nothing.
 */
#include "core/k3sguard.h"
#include "cluster/cluster.h"
#include "traefik/traefik.h"
#include "parts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DIR	"/var/lib/rancher/k3s/server/manifests"

static const char chart[] =
"apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata:\n  name: traefik\n"
"  namespace: kube-system\nspec:\n  chart: https://x/static/charts/traefik-39.0.201+up39.0.3.tgz\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const checks[])(const struct traefik *, struct check_result *) = {
		traefik_check_packaged, traefik_check_helmchartconfig, traefik_check_dashboard,
		traefik_check_insecure_api, traefik_check_redirect, traefik_check_tls,
		traefik_check_rate_limit, traefik_check_access_log, traefik_check_host_network,
		traefik_check_security_context, traefik_check_waf,
	};
	struct part p[2];
	struct traefik t;
	struct cobj o = { NULL, NULL, 0, 1 };
	char *src, *sum;

	quiet_errors = 1;
	gopt.config = "/nonexistent/k3sguard/config.yaml";	/* no k3sguard config */
	parts_split(data, size, p, 2);
	traefik_begin(&t, DIR, NULL);
	if (traefik_add_manifest(&t, DIR "/traefik.yaml", chart, strlen(chart)) == 0 &&
	    (!p[1].present || traefik_add_applied_middleware(&t, "cluster mw", p[1].text.s,
	    p[1].text.len) == 0))
		(void)traefik_add_applied(&t, "cluster hcc", p[0].text.s, p[0].text.len);
	traefik_end(&t, 0);
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		struct check_result r = { (enum status)99, BUF_INIT };

		traefik_run_check(&t, checks[i], &r);
		if ((int)r.status == 99)
			abort();	/* a check that decided nothing */
		buf_release(&r.evidence);
	}
	traefik_free(&t);
	o.value = p[0].text.s;
	o.len = p[0].text.len;
	if (cluster_addon_spec(&o, &src, &sum) == 0) {
		if (!src || !sum)
			abort();
		free(src);
		free(sum);
	} else if (src || sum) {
		abort();
	}
	parts_free(p, 2);
	return 0;
}
