/*
 * check-traefik.c: strategy "traefik" (seed: "Secure Traefik Configuration
 * (K3s Default Ingress)").  The Traefik engineer (issue 9) extends this
 * table; this first check only says whether the packaged Traefik runs, and
 * whether anybody reviewed its values (a HelmChartConfig override).
 */
#include "k3sguard.h"
#include "check.h"

/* 1 when "traefik" is among the values of --disable (lists or comma-separated). */
static int
traefik_disabled(const struct node *n, const char **where)
{
	const struct kopt *o = node_opt(n, "disable");

	for (size_t i = 0; o && i < o->neff; i++) {
		const char *v = o->eff[i].value;

		for (const char *p = v; p && *p; ) {
			size_t len = strcspn(p, ",");

			while (len && isspace((unsigned char)*p))
				p++, len--;
			if (len >= 7 && !strncmp(p, "traefik", 7)) {
				size_t rest = 7;

				while (rest < len && isspace((unsigned char)p[rest]))
					rest++;
				if (rest == len) {
					*where = origin_str(&o->eff[i].where);
					return 1;
				}
			}
			p += len;
			if (*p == ',')
				p++;
		}
	}
	return 0;
}

static void
disabled(const struct node *n, struct check_result *r)
{
	const char *where = NULL;
	struct check_file chart, cfg;

	if (check_skip_agent(n, r) || check_source_failed(n, "config", r))
		return;
	if (traefik_disabled(n, &where)) {
		check_pass(r, "packaged Traefik disabled (disable: traefik at %s)", where);
		return;
	}
	check_stat(n, node_data_path(n, "server/manifests/traefik.yaml"), &chart);
	check_stat(n, node_data_path(n, "server/manifests/traefik-config.yaml"), &cfg);
	if (chart.exists < 0 || cfg.exists < 0) {
		check_error(r, "%s", chart.exists < 0 ? chart.err : cfg.err);
		return;
	}
	if (cfg.exists == 1 && S_ISREG(cfg.st.st_mode))
		check_pass(r, "packaged Traefik enabled, customised by '%s'", cfg.path);
	else if (chart.exists == 1)
		check_fail(r, "packaged Traefik enabled with K3s's default values ('%s', no HelmChartConfig in '%s')",
		    chart.path, cfg.path);
	else
		check_fail(r, "Traefik is not disabled (no 'disable: traefik'): K3s deploys it at start with default values");
}

const struct check checks_traefik[] = {
	{ "traefik.disabled", "traefik", SEV_MEDIUM,
	  "Packaged Traefik is disabled, or its values are overridden by a HelmChartConfig",
	  disabled,
	  "If you do not use Traefik, add 'disable: [traefik]' to /etc/rancher/k3s/config.yaml; "
	  "otherwise review its values in a HelmChartConfig 'traefik' (kube-system) in "
	  "server/manifests/traefik-config.yaml ('k3sguard traefik harden' writes one); never "
	  "edit traefik.yaml, K3s rewrites it at start.",
	  "Packaged Traefik reviewed (disabled, or customised by a HelmChartConfig).",
	  "Packaged Traefik runs with K3s's default values: review its configuration." },
};
const size_t nchecks_traefik = ARRAY_SIZE(checks_traefik);
