/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check-traefik.c: strategy "traefik" (seed: "Secure Traefik Configuration
 * (K3s Default Ingress)").  The registry rows; the checks themselves are in
 * src/traefik-eval.c and read the merged Helm values of the chart
 * generation in use (src/traefik.c), so `k3sguard traefik audit` and
 * `k3sguard audit` run the very same functions.
 */
#include "core/k3sguard.h"
#include "checks/check.h"
#include "traefik/traefik.h"

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

/* One load per node: the checks below all read the same state. */
static struct traefik cached;
static const struct node *cached_node;
static char *cached_dir;

int
traefik_load_node(const struct node *n, struct traefik *t)
{
	const char *where = NULL;
	struct buf why = BUF_INIT;
	int ret;

	if (traefik_disabled(n, &where))
		buf_addf(&why, "disable: traefik at %s", where);
	ret = traefik_load(t, node_data_path(n, "server/manifests"), why.len ? why.s : NULL);
	buf_release(&why);
	return ret;
}

const struct traefik *
traefik_for_node(const struct node *n)
{
	const char *dir = node_data_path(n, "server/manifests");

	if (cached_node == n && cached_dir && !strcmp(cached_dir, dir))
		return &cached;
	if (cached_node)
		traefik_free(&cached);
	free(cached_dir);
	cached_dir = xstrdup(dir);
	cached_node = n;
	quiet_errors++;		/* the message goes to the evidence, once per check */
	traefik_load_node_applied(n, &cached);
	quiet_errors--;
	return &cached;
}

#define WRAP(name) \
	static void \
	name(const struct node *n, struct check_result *r) \
	{ \
		if (check_skip_agent(n, r) || check_options_failed(n, r)) \
			return; \
		traefik_run_check(traefik_for_node(n), traefik_check_##name, r); \
	}
WRAP(packaged)
WRAP(helmchartconfig)
WRAP(dashboard)
WRAP(insecure_api)
WRAP(redirect)
WRAP(tls)
WRAP(rate_limit)
WRAP(access_log)
WRAP(host_network)
WRAP(security_context)
WRAP(version)
WRAP(waf)

const struct check checks_traefik[] = {
	{ "traefik.chart", "traefik", SEV_LOW,
	  "Packaged Traefik: disabled, or its chart version and generation identified",
	  packaged,
	  "If you do not use Traefik, add 'disable: [traefik]' to /etc/rancher/k3s/config.yaml. "
	  "Otherwise keep server/manifests/traefik.yaml as K3s writes it (it is rewritten at start) "
	  "so its chart version tells which values keys apply.",
	  "Traefik chart and generation known (or Traefik disabled).",
	  "Traefik chart version unknown: its configuration cannot be reviewed.", REACH_ROOT },
	{ "traefik.helmchartconfig", "traefik", SEV_MEDIUM,
	  "Traefik's values are reviewed in one HelmChartConfig 'traefik' (kube-system)",
	  helmchartconfig,
	  "Put your Traefik values in a single HelmChartConfig named 'traefik' in kube-system, in "
	  "server/manifests/traefik-config.yaml ('k3sguard traefik harden' writes one); never edit "
	  "traefik.yaml.",
	  "Traefik configured through a HelmChartConfig.",
	  "Traefik runs with K3s's default values (no HelmChartConfig).", REACH_ROOT },
	{ "traefik.dashboard", "traefik", SEV_MEDIUM,
	  "The Traefik dashboard route is off or behind an authentication middleware",
	  dashboard,
	  "Set ingressRoute.dashboard.enabled: false, or put it on websecure behind a basicAuth "
	  "Middleware ('k3sguard traefik harden --dashboard basic-auth --htpasswd-secret NAME').",
	  "Dashboard off or authenticated.",
	  "Dashboard reachable without authentication.", REACH_ROOT },
	{ "traefik.insecure-api", "traefik", SEV_HIGH,
	  "Traefik's insecure API mode is off",
	  insecure_api,
	  "Remove --api.insecure from additionalArguments (and api.insecure: true on chart 38+).",
	  "Insecure API off.",
	  "Insecure API on: the API and dashboard answer without authentication.", REACH_ROOT },
	{ "traefik.https-redirect", "traefik", SEV_MEDIUM,
	  "HTTP is redirected to HTTPS (websecure) with the keys of the chart generation in use",
	  redirect,
	  "Chart <= 33: ports.web.redirectTo.port: websecure; 34-38: ports.web.redirections."
	  "entryPoint {to: websecure, scheme: https, permanent: true}; 39+: ports.web.http."
	  "redirections.entryPoint {...} ('k3sguard traefik harden' picks the right one).",
	  "HTTP redirected to HTTPS.",
	  "No HTTP->HTTPS redirect.", REACH_ROOT },
	{ "traefik.tls-min-version", "traefik", SEV_MEDIUM,
	  "TLS options: minimum TLS 1.2 (AEAD cipher suites) or TLS 1.3",
	  tls,
	  "Set tlsOptions.default.minVersion: VersionTLS12 with ECDHE AES-GCM/ChaCha20 "
	  "cipherSuites, or VersionTLS13; no named TLS option below 1.2.",
	  "TLS minimum version at least 1.2 with strong suites.",
	  "TLS minimum version not enforced.", REACH_ROOT },
	{ "traefik.rate-limit", "traefik", SEV_MEDIUM,
	  "A rate-limit middleware is attached to the websecure entry point",
	  rate_limit,
	  "Add a traefik.io/v1alpha1 Middleware with spec.rateLimit {average, burst, period} in "
	  "extraObjects and list it ('kube-system-<name>@kubernetescrd') in the websecure entry "
	  "point's middlewares ('k3sguard traefik harden --rate AVG/BURST').",
	  "Request rate limit on websecure.",
	  "No request rate limit (DoS).", REACH_ROOT },
	{ "traefik.access-log", "traefik", SEV_LOW,
	  "Traefik's access log is on",
	  access_log,
	  "Set logs.access.enabled: true (chart 41+: accessLog.enabled) and a format (json).",
	  "Access log on.",
	  "No access log.", REACH_ROOT },
	{ "traefik.host-network", "traefik", SEV_MEDIUM,
	  "Traefik does not run in the node's network namespace",
	  host_network,
	  "Remove hostNetwork: true; expose the entry points through the Service (ServiceLB).",
	  "Traefik in its own network namespace.",
	  "Traefik runs with hostNetwork.", REACH_ROOT },
	{ "traefik.security-context", "traefik", SEV_MEDIUM,
	  "Traefik's pod runs non-root, without privilege escalation, read-only root filesystem",
	  security_context,
	  "Keep the chart's securityContext (drop ALL, readOnlyRootFilesystem, no escalation) and "
	  "podSecurityContext (runAsNonRoot, uid 65532); add only NET_BIND_SERVICE.",
	  "Traefik's pod confined.",
	  "Traefik's pod security context weakened.", REACH_ROOT },
	{ "traefik.version", "traefik", SEV_HIGH,
	  "The Traefik version in use has no known advisory (data/advisories.json)",
	  version,
	  "Upgrade K3s (its packaged Traefik comes with it) or set image.tag to a fixed Traefik "
	  "release; refresh data/advisories.json for new advisories.",
	  "Traefik version without known advisories.",
	  "Traefik version with known advisories.", REACH_ROOT },
	{ "traefik.waf", "traefik", SEV_LOW,
	  "A WAF middleware (Coraza/ModSecurity plugin) is on the websecure entry point",
	  waf,
	  "Consider a WAF: 'k3sguard traefik harden --waf' adds the Coraza WASM plugin with the "
	  "OWASP CRS on websecure (Traefik v3, chart 34+).",
	  "WAF in front of websecure.",
	  "No WAF.", REACH_ROOT },
};
const size_t nchecks_traefik = ARRAY_SIZE(checks_traefik);
