/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-cluster.c: the cluster state's objects and K3s's Addon spec
 * (pkg/apis/k3s.cattle.io/v1/types.go AddonSpec: source, checksum), and a
 * cluster HelmChartConfig fed to the Traefik loader after the manifests
 * (traefik_add_applied): it replaces the file's, and only a HelmChartConfig
 * 'traefik' in kube-system is accepted.
 */
#include "core/k3sguard.h"
#include "cluster/cluster.h"
#include "traefik/traefik.h"
#include "unit.h"

static void
add(struct cluster_state *cs, const char *key, const char *val)
{
	CHECK(cluster_add(cs, key, strlen(key), val, strlen(val), (long long)cs->n + 1) == 0);
}

static void
test_get_and_name(void)
{
	struct cluster_state cs;

	memset(&cs, 0, sizeof(cs));
	cs.kind = CLUSTER_READ;
	cs.label = xstrdup("cluster (kine 'x') ");
	add(&cs, CLUSTER_HCC_PREFIX "kube-system/traefik", "{}");
	CHECK(cluster_get(&cs, CLUSTER_HCC_PREFIX "kube-system/traefik") != NULL);
	CHECK(cluster_get(&cs, CLUSTER_HCC_PREFIX "kube-system/traefik2") == NULL);
	CHECK_STR(cluster_obj_name(&cs, &cs.o[0]),
	    "cluster (kine 'x') /registry/helm.cattle.io/helmchartconfigs/kube-system/traefik");
	/* an unknown state has no objects to give */
	cs.kind = CLUSTER_UNKNOWN;
	CHECK(cluster_get(&cs, CLUSTER_HCC_PREFIX "kube-system/traefik") == NULL);
	cluster_free(&cs);
}

static void
test_value_cap(void)
{
	struct cluster_state cs;
	char *big = xmalloc(CLUSTER_MAX_VALUE + 2);

	memset(&cs, 0, sizeof(cs));
	memset(big, 'a', CLUSTER_MAX_VALUE + 1);
	big[CLUSTER_MAX_VALUE + 1] = '\0';
	quiet_errors++;
	CHECK(cluster_add(&cs, "k", 1, big, CLUSTER_MAX_VALUE + 1, 1) < 0);
	quiet_errors--;
	CHECK(cluster_add(&cs, "k", 1, big, CLUSTER_MAX_VALUE, 1) == 0);
	CHECK(cs.n == 1 && cs.o[0].len == CLUSTER_MAX_VALUE && cs.o[0].value[CLUSTER_MAX_VALUE] == '\0');
	free(big);
	cluster_free(&cs);
}

static void
test_addon_spec(void)
{
	static const char ok[] = "{\"apiVersion\":\"k3s.cattle.io/v1\",\"kind\":\"Addon\","
	    "\"metadata\":{\"name\":\"web\",\"namespace\":\"kube-system\"},\"spec\":{\"checksum\":"
	    "\"ab12\",\"source\":\"/var/lib/rancher/k3s/server/manifests/web.yaml\"}}";
	static const char *const bad[] = {
		"{\"spec\":{\"source\":\"/x.yaml\"}}",		/* created, never applied */
		"{\"spec\":{\"checksum\":\"ab\"}}",
		"{\"spec\":{\"source\":1,\"checksum\":\"ab\"}}",
		"{\"spec\":{\"source\":\"a\",\"source\":\"b\",\"checksum\":\"ab\"}}",
		"not json",
		"",
	};
	struct cobj o = { NULL, NULL, 0, 1 };
	char *src, *sum;

	o.value = (char *)ok;
	o.len = strlen(ok);
	CHECK(cluster_addon_spec(&o, &src, &sum) == 0);
	CHECK_STR(src, "/var/lib/rancher/k3s/server/manifests/web.yaml");
	CHECK_STR(sum, "ab12");
	free(src);
	free(sum);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		o.value = (char *)bad[i];
		o.len = strlen(bad[i]);
		CHECK(cluster_addon_spec(&o, &src, &sum) < 0);
		CHECK(src == NULL && sum == NULL);
	}
}

static const char chart39[] =
"apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: traefik, namespace: kube-system}\n"
"spec:\n  chart: https://%{KUBERNETES_API}%/static/charts/traefik-39.0.201+up39.0.3.tgz\n";
static const char file_hcc[] =
"apiVersion: helm.cattle.io/v1\nkind: HelmChartConfig\nmetadata: {name: traefik, namespace: kube-system}\n"
"spec:\n  valuesContent: |-\n    api:\n      insecure: false\n";
/* as the apiserver stores it: JSON, '<' escaped by Go's encoder */
static const char cluster_hcc[] =
"{\"apiVersion\":\"helm.cattle.io/v1\",\"kind\":\"HelmChartConfig\",\"metadata\":{\"annotations\":"
"{\"n\":\"\\u003cx\\u003e\"},\"name\":\"traefik\",\"namespace\":\"kube-system\"},\"spec\":"
"{\"valuesContent\":\"api:\\n  insecure: true\\n\"}}";

static void
test_applied_replaces_file(void)
{
	struct traefik t;
	const char *m = "/var/lib/rancher/k3s/server/manifests";
	const char *label = "cluster (kine 'db') /registry/helm.cattle.io/helmchartconfigs/kube-system/traefik";

	traefik_begin(&t, m, NULL);
	CHECK(traefik_add_manifest(&t, "/var/lib/rancher/k3s/server/manifests/traefik.yaml", chart39,
	    strlen(chart39)) == 0);
	CHECK(traefik_add_manifest(&t, "/var/lib/rancher/k3s/server/manifests/c.yaml", file_hcc,
	    strlen(file_hcc)) == 0);
	CHECK(traefik_add_applied(&t, label, cluster_hcc, strlen(cluster_hcc)) == 0);
	CHECK(traefik_end(&t, 0) == 0);
	CHECK_STR(yscalar(tval(&t, "api.insecure")), "true");
	CHECK(strncmp(twhere(&t, "api.insecure"), label, strlen(label)) == 0);
	CHECK_STR(t.hcc_applied, label);
	CHECK(t.nhcc == 1);	/* the file still counted as the manifests' one */
	traefik_free(&t);
}

static void
test_applied_must_be_traefik(void)
{
	static const char other[] = "{\"apiVersion\":\"helm.cattle.io/v1\",\"kind\":\"HelmChartConfig\","
	    "\"metadata\":{\"name\":\"traefik\",\"namespace\":\"default\"},\"spec\":{}}";
	struct traefik t;

	traefik_begin(&t, "/m", NULL);
	CHECK(traefik_add_applied(&t, "x", other, strlen(other)) < 0);
	CHECK(t.error && strstr(t.error, "is not a HelmChartConfig 'traefik' in kube-system"));
	traefik_free(&t);
}

int
main(void)
{
	T(test_get_and_name);
	T(test_value_cap);
	T(test_addon_spec);
	T(test_applied_replaces_file);
	T(test_applied_must_be_traefik);
	return UNIT_DONE();
}
