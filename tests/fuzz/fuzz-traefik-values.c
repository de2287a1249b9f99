/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-traefik-values.c: libFuzzer harness for the Traefik values reader
 * and merge (traefik_load's steps: traefik_begin, traefik_add_manifest,
 * traefik_end) and the harden writer (traefik_harden_text, what
 * traefik_harden runs on the file it read), fed a HelmChartConfig
 * valuesContent from the input, over the packaged chart 34 HelmChart; no
 * files: the walk and the reads through the gate are tested by
 * t5000-traefik-audit.sh and t5010-traefik-harden.sh.  Invariants besides
 * crashes and leaks: every check sets a status, and whatever harden writes
 * is YAML that reads back.
 */
#include "core/k3sguard.h"
#include "traefik/traefik.h"
#include "traefik/traefik-yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DIR	"/var/lib/rancher/k3s/server/manifests"

static const char chart[] =
"apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata:\n  name: traefik\n"
"  namespace: kube-system\nspec:\n  chart: https://x/static/charts/traefik-34.2.1+up34.2.0.tgz\n"
"  valuesContent: |-\n    image:\n      tag: \"3.3.2\"\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const checks[])(const struct traefik *, struct check_result *) = {
		traefik_check_packaged, traefik_check_helmchartconfig, traefik_check_dashboard,
		traefik_check_insecure_api, traefik_check_redirect, traefik_check_tls,
		traefik_check_rate_limit, traefik_check_access_log, traefik_check_host_network,
		traefik_check_security_context, traefik_check_waf,
	};
	struct ynode *doc, *md;
	struct buf text = BUF_INIT, out = BUF_INIT, ch = BUF_INIT;
	struct harden_opts o = { .dashboard = DASH_OFF };
	struct traefik t;
	struct ydocs back;
	int same;

	quiet_errors = 1;
	gopt.config = "/nonexistent/k3sguard/config.yaml";	/* no k3sguard config */
	/* the input as valuesContent of a HelmChartConfig, written by the emitter */
	doc = ynew_map();
	ymap_set(doc, "apiVersion", ynew_scalar("helm.cattle.io/v1", 1));
	ymap_set(doc, "kind", ynew_scalar("HelmChartConfig", 1));
	md = ymap_sub(doc, "metadata");
	ymap_set(md, "name", ynew_scalar("traefik", 1));
	ymap_set(md, "namespace", ynew_scalar("kube-system", 1));
	{
		char *vc = xstrndup((const char *)data, size);

		ymap_set(ymap_sub(doc, "spec"), "valuesContent", ynew_scalar(vc, 0));
		free(vc);
	}
	if (yaml_emit(&doc, 1, &text) == 0) {
		/* the files as K3s applies them (sorted by name) */
		traefik_begin(&t, DIR, NULL);
		if (traefik_add_manifest(&t, DIR "/traefik-config.yaml", text.s, text.len) == 0)
			traefik_add_manifest(&t, DIR "/traefik.yaml", chart, strlen(chart));
		traefik_end(&t, 0);
		for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
			struct check_result r = { (enum status)99, BUF_INIT };

			checks[i](&t, &r);
			if ((int)r.status == 99)
				abort();	/* a check that decided nothing */
			buf_release(&r.evidence);
		}
		if (!t.error && traefik_harden_text(&t, &o, DIR "/traefik-config.yaml", &text, &out,
		    &ch, &same) == 0) {
			if (yaml_parse("harden output", out.s, out.len, &back) < 0)
				abort();	/* we wrote something we cannot read */
			ydocs_free(&back);
		}
		traefik_free(&t);
	}
	ynode_free(doc);
	buf_release(&text);
	buf_release(&out);
	buf_release(&ch);
	return 0;
}
