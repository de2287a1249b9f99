/* SPDX-License-Identifier: Apache-2.0 */
/*
 * traefik-eval.c: the Traefik checks, on the merged values of the chart
 * generation in use (see traefik.h).  One function per check id; the same
 * functions serve `traefik audit` and `audit` (src/check-traefik.c).
 *
 * Fail closed: a value that is not what the check can read (a string where
 * a boolean belongs) fails; a load error is "error"; a disabled Traefik
 * makes the checks "skip" with the reason.
 */
#include "core/k3sguard.h"
#include "traefik/traefik.h"
#include "update/update-data.h"

const char *traefik_advisories_file;

/* 1 when the check is decided by the load state (error or disabled). */
static int
pre(const struct traefik *t, struct check_result *r)
{
	if (t->error) {
		check_set(r, ST_ERROR, "%s", t->error);
		return 1;
	}
	if (t->disabled) {
		check_set(r, ST_SKIP, "Traefik is disabled (%s)", t->disabled_why);
		return 1;
	}
	return 0;
}

/* true (1), false (0), absent (def), anything else (-1). */
static int
tbool(const struct traefik *t, const char *path, int def)
{
	const struct ynode *n = tval(t, path);

	if (!n || yis_null(n))
		return def;
	return ybool(n);
}

/* An additionalArguments item starting with prefix (case-insensitive), or NULL. */
static const char *
extra_arg(const struct traefik *t, const char *prefix)
{
	const struct ynode *l = tval(t, "additionalArguments");

	for (size_t i = 0; l && l->type == Y_SEQ && i < l->n; i++) {
		const char *s = yscalar(l->vals[i]);

		if (s && !strncasecmp(s, prefix, strlen(prefix)))
			return s;
	}
	return NULL;
}

void
traefik_check_packaged(const struct traefik *t, struct check_result *r)
{
	const char *v;

	if (t->error) {
		check_set(r, ST_ERROR, "%s", t->error);
		return;
	}
	if (t->disabled) {
		check_set(r, ST_PASS, "Traefik is disabled (%s): no ingress controller to harden here",
		    t->disabled_why);
		return;
	}
	v = traefik_version(t);
	check_set(r, ST_PASS, "%s Traefik chart %s (generation %s) at %s:%d, Traefik %s",
	    t->packaged ? "packaged" : "custom", t->chart_version, traefik_gen_name(t->gen),
	    t->chart_file, t->chart_line, v ? v : "version unknown");
}

void
traefik_check_helmchartconfig(const struct traefik *t, struct check_result *r)
{
	if (pre(t, r))
		return;
	if (t->hcc_applied && t->nhcc <= 1) {
		check_set(r, ST_PASS, "HelmChartConfig 'traefik' in the cluster: %s (%s)",
		    t->hcc_applied, t->applied_note ? t->applied_note : "");
		return;
	}
	if (t->nhcc == 0) {
		check_set(r, ST_FAIL, "no HelmChartConfig 'traefik' in kube-system under %s: the chart "
		    "defaults are in use", t->manifests_dir);
		return;
	}
	if (t->nhcc > 1) {
		check_set(r, ST_WARN, "%zu files define HelmChartConfig 'traefik' (first %s, last %s): it is "
		    "one object, so each file overwrites the others when K3s applies it", t->nhcc,
		    t->hcc_files[0], t->hcc_files[t->nhcc - 1]);
		return;
	}
	check_set(r, ST_PASS, "HelmChartConfig 'traefik' in %s%s%s", t->hcc_files[0],
	    t->applied_note ? "; " : "", t->applied_note ? t->applied_note : "");
}

/* "basicAuth" etc. when the middleware authenticates, else NULL. */
static const char *
auth_kind(const struct tmiddleware *m)
{
	static const char *const kinds[] = { "basicAuth", "digestAuth", "forwardAuth" };

	for (size_t i = 0; m && i < ARRAY_SIZE(kinds); i++)
		if (ymap_get(m->spec, kinds[i]))
			return kinds[i];
	return NULL;
}

static int
port_exposed(const struct traefik *t, const char *port)
{
	struct buf p = BUF_INIT;
	const struct ynode *e;
	int on;

	buf_addf(&p, "ports.%s.expose", port);
	e = tval(t, p.s);
	if (e && e->type == Y_MAP)
		e = ymap_get(e, "default");
	on = !e || yis_null(e) ? 0 : ybool(e);
	buf_release(&p);
	return on != 0;	/* unreadable counts as exposed */
}

void
traefik_check_dashboard(const struct traefik *t, struct check_result *r)
{
	const struct ynode *eps, *mws;
	struct buf ep = BUF_INIT;
	const char *auth = NULL, *authname = NULL, *missing = NULL;
	int enabled, exposed = 0;

	if (pre(t, r))
		return;
	enabled = tbool(t, "ingressRoute.dashboard.enabled", 0);
	if (enabled == 0) {
		check_set(r, ST_PASS, "dashboard route disabled (ingressRoute.dashboard.enabled, %s)",
		    twhere(t, "ingressRoute.dashboard.enabled"));
		return;
	}
	if (t->gen != TGEN_27 && tbool(t, "api.dashboard", 1) == 0) {
		check_set(r, ST_PASS, "dashboard turned off in Traefik (api.dashboard: false, %s)",
		    twhere(t, "api.dashboard"));
		return;
	}
	eps = tval(t, "ingressRoute.dashboard.entryPoints");
	for (size_t i = 0; eps && eps->type == Y_SEQ && i < eps->n; i++) {
		const char *e = yscalar(eps->vals[i]);

		if (!e)
			continue;
		buf_addf(&ep, "%s%s", ep.len ? "," : "", e);
		if (strcmp(e, "traefik") || port_exposed(t, "traefik"))
			exposed = 1;
	}
	if (!ep.len)
		buf_adds(&ep, "(none)");
	mws = tval(t, "ingressRoute.dashboard.middlewares");
	for (size_t i = 0; mws && mws->type == Y_SEQ && i < mws->n && !auth; i++) {
		const char *name = yscalar(ymap_get(mws->vals[i], "name"));
		const char *ns = yscalar(ymap_get(mws->vals[i], "namespace"));
		const struct tmiddleware *m;

		if (!name)
			continue;
		m = traefik_middleware(t, name, ns ? ns : "kube-system");
		if (!m)
			missing = name;
		else if ((auth = auth_kind(m)))
			authname = name;
	}
	if (enabled < 0)
		check_set(r, ST_FAIL, "ingressRoute.dashboard.enabled is not a boolean (%s): counted as on",
		    twhere(t, "ingressRoute.dashboard.enabled"));
	else if (auth)
		check_set(r, ST_PASS, "dashboard route on entry point %s behind %s middleware '%s'", ep.s,
		    auth, authname);
	else if (missing)
		check_set(r, ST_FAIL, "dashboard route on entry point %s names middleware '%s', which is "
		    "not defined in the manifests: no authentication", ep.s, missing);
	else
		check_set(r, ST_FAIL, "dashboard route enabled (%s) on entry point %s without an auth "
		    "middleware: %s", twhere(t, "ingressRoute.dashboard.enabled"), ep.s,
		    exposed ? "reachable through the exposed service" : "reachable from every pod");
	buf_release(&ep);
}

void
traefik_check_insecure_api(const struct traefik *t, struct check_result *r)
{
	const char *arg = extra_arg(t, "--api.insecure");
	const char *key = traefik_key(t, "api-insecure");
	int v;

	if (pre(t, r))
		return;
	if (arg && (!strchr(arg, '=') || strcasecmp(strchr(arg, '='), "=false"))) {
		check_set(r, ST_FAIL, "additionalArguments has '%s' (%s): the API and dashboard answer "
		    "without authentication on the traefik entry point", arg,
		    twhere(t, "additionalArguments"));
		return;
	}
	if (key && (v = tbool(t, key, 0)) != 0) {
		check_set(r, ST_FAIL, "%s is %s (%s): the API answers without authentication", key,
		    v < 0 ? "not a boolean" : "true", twhere(t, key));
		return;
	}
	if (!key && tbool(t, "api.insecure", 0) == 1) {
		check_set(r, ST_PASS, "insecure API off; note: api.insecure at %s is ignored by chart %s "
		    "(only --api.insecure in additionalArguments counts there)",
		    twhere(t, "api.insecure"), t->chart_version);
		return;
	}
	check_set(r, ST_PASS, "insecure API off (no --api.insecure%s%s)", key ? ", " : "", key ? key : "");
}

static int
entrypoint_redirect_ok(const struct ynode *ep)
{
	const char *to = yscalar(ymap_get(ep, "to"));
	const char *scheme = yscalar(ymap_get(ep, "scheme"));

	return to && !strcmp(to, "websecure") && (!scheme || !strcmp(scheme, "https"));
}

void
traefik_check_redirect(const struct traefik *t, struct check_result *r)
{
	static const struct { const char *key; enum tgen gen; } keys[] = {
		{ "ports.web.redirectTo", TGEN_27 },
		{ "ports.web.redirections.entryPoint", TGEN_34 },
		{ "ports.web.http.redirections.entryPoint", TGEN_39 },
	};
	const char *key = traefik_key(t, "redirect");
	const char *arg;
	int ok = 0;

	if (pre(t, r))
		return;
	if (t->gen == TGEN_27) {
		const struct ynode *rt = tval(t, "ports.web.redirectTo");
		int want_string = traefik_redirect_string(t);
		const char *p = want_string ? yscalar(rt) : yscalar(ymap_get(rt, "port"));

		if (rt && (yscalar(rt) != NULL) != want_string) {
			/* _podtemplate.tpl: index/fail on the other form, the install fails */
			check_set(r, ST_FAIL, "no HTTP->HTTPS redirect: ports.web.redirectTo (%s) is %s "
			    "but chart %s takes %s: its template fails and the chart is not "
			    "installed; use %s", twhere(t, "ports.web.redirectTo"),
			    want_string ? "an object" : "a string", t->chart_version,
			    want_string ? "the port's name (a string, charts <= 24)" :
			    "an object (charts >= 25)", key);
			return;
		}
		ok = p && !strcmp(p, "websecure");
	} else {
		ok = entrypoint_redirect_ok(tval(t, key));
	}
	if (ok) {
		check_set(r, ST_PASS, "HTTP redirected to websecure (%s, %s)", key, twhere(t, key));
		return;
	}
	arg = extra_arg(t, "--entrypoints.web.http.redirections.entrypoint.to=");
	if (arg && !strcasecmp(strchr(arg, '=') + 1, "websecure")) {
		check_set(r, ST_PASS, "HTTP redirected to websecure ('%s' in additionalArguments)", arg);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (keys[i].gen != t->gen && tval(t, keys[i].key)) {
			check_set(r, ST_FAIL, "no HTTP->HTTPS redirect: %s (%s) is the key of chart "
			    "generation %s and chart %s ignores it; use %s", keys[i].key,
			    twhere(t, keys[i].key), traefik_gen_name(keys[i].gen), t->chart_version, key);
			return;
		}
	}
	check_set(r, ST_FAIL, "no HTTP->HTTPS redirect on the web entry point (%s not set)", key);
}

static int
weak_cipher(const char *c)
{
	return !strstr(c, "ECDHE") || strstr(c, "CBC") || strstr(c, "RC4") || strstr(c, "3DES") ||
	    !(strstr(c, "GCM") || strstr(c, "CHACHA20"));
}

void
traefik_check_tls(const struct traefik *t, struct check_result *r)
{
	const struct ynode *opts = tval(t, "tlsOptions"), *def;
	const char *min;

	if (pre(t, r))
		return;
	/* every named option must hold the line, not just "default" */
	for (size_t i = 0; opts && opts->type == Y_MAP && i < opts->n; i++) {
		const char *name = yscalar(opts->keys[i]);
		const char *mv = yscalar(ymap_get(opts->vals[i], "minVersion"));
		const struct ynode *cs = ymap_get(opts->vals[i], "cipherSuites");

		if (mv && strcmp(mv, "VersionTLS12") && strcmp(mv, "VersionTLS13")) {
			struct buf p = BUF_INIT;

			buf_addf(&p, "tlsOptions.%s.minVersion", name ? name : "?");
			check_set(r, ST_FAIL, "%s is %s (%s): at least VersionTLS12 needed", p.s, mv,
			    twhere(t, p.s));
			buf_release(&p);
			return;
		}
		for (size_t j = 0; cs && cs->type == Y_SEQ && j < cs->n; j++) {
			const char *c = yscalar(cs->vals[j]);

			if (c && weak_cipher(c)) {
				check_set(r, ST_FAIL, "tlsOptions.%s.cipherSuites has %s (no forward secrecy "
				    "or no AEAD)", name ? name : "?", c);
				return;
			}
		}
	}
	def = opts ? ymap_get(opts, "default") : NULL;
	min = yscalar(ymap_get(def, "minVersion"));
	if (!min) {
		check_set(r, ST_FAIL, "tlsOptions.default.minVersion is not set: the minimum TLS version "
		    "is left to Traefik's built-in default");
		return;
	}
	if (!strcmp(min, "VersionTLS12") && !ymap_get(def, "cipherSuites")) {
		check_set(r, ST_FAIL, "tlsOptions.default.minVersion is VersionTLS12 (%s) without "
		    "cipherSuites: Go's defaults still offer CBC suites",
		    twhere(t, "tlsOptions.default.minVersion"));
		return;
	}
	check_set(r, ST_PASS, "tlsOptions.default.minVersion %s (%s)%s", min,
	    twhere(t, "tlsOptions.default.minVersion"),
	    !strcmp(min, "VersionTLS12") ? " with AEAD ECDHE cipher suites only" : "");
}

/* The websecure entry point's middleware references, in one list. */
static void
websecure_refs(const struct traefik *t, char ***out, size_t *n)
{
	/* chart 10.x's _podtemplate.tpl renders no ports.<name>.middlewares */
	const struct ynode *l = t->chart_major < 21 ? NULL :
	    tval(t, traefik_key(t, "websecure-middlewares"));
	const char *arg = extra_arg(t, "--entrypoints.websecure.http.middlewares=");

	*out = NULL;
	*n = 0;
	for (size_t i = 0; l && l->type == Y_SEQ && i < l->n; i++) {
		const char *s = yscalar(l->vals[i]);

		if (!s)
			continue;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = xstrdup(s);
	}
	if (arg) {
		char *copy = xstrdup(strchr(arg, '=') + 1), *save = NULL;

		for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
			*out = xrealloc(*out, (*n + 1) * sizeof(**out));
			(*out)[(*n)++] = xstrdup(p);
		}
		free(copy);
	}
}

static void
free_refs(char **refs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(refs[i]);
	free(refs);
}

void
traefik_check_rate_limit(const struct traefik *t, struct check_result *r)
{
	const char *key = traefik_key(t, "websecure-middlewares");
	const char *missing = NULL;
	char **refs;
	size_t n;

	if (pre(t, r))
		return;
	websecure_refs(t, &refs, &n);
	for (size_t i = 0; i < n; i++) {
		const struct tmiddleware *m = traefik_middleware_ref(t, refs[i]);
		const struct ynode *rl = m ? ymap_get(m->spec, "rateLimit") : NULL;
		const char *avg = yscalar(ymap_get(rl, "average"));
		long long a;

		if (!m) {
			missing = refs[i];
			continue;
		}
		if (rl && avg && parse_num(avg, 1, LLONG_MAX, &a) == 0) {
			const char *burst = yscalar(ymap_get(rl, "burst"));
			const char *period = yscalar(ymap_get(rl, "period"));

			check_set(r, ST_PASS, "websecure has rate-limit middleware '%s' (average %s per %s, "
			    "burst %s; %s)", refs[i], avg, period ? period : "1s",
			    burst ? burst : "1", m->where);
			free_refs(refs, n);
			return;
		}
	}
	if (missing)
		check_set(r, ST_FAIL, "websecure names middleware '%s' (%s), which is not defined in the "
		    "manifests; no rate limit found", missing, twhere(t, key));
	else
		check_set(r, ST_FAIL, "no rateLimit middleware on the websecure entry point (%s: %zu "
		    "middleware%s)", key, n, n == 1 ? "" : "s");
	free_refs(refs, n);
}

void
traefik_check_access_log(const struct traefik *t, struct check_result *r)
{
	const char *base = traefik_key(t, "access-log");
	struct buf en = BUF_INIT, fmt = BUF_INIT;
	const char *arg = extra_arg(t, "--accesslog");
	const char *f;
	int on;

	if (pre(t, r))
		return;
	buf_addf(&en, "%s.enabled", base);
	buf_addf(&fmt, "%s.format", base);
	on = tbool(t, en.s, 0);
	f = yscalar(tval(t, fmt.s));
	if (on == 1)
		check_set(r, ST_PASS, "access log on (%s, %s), format %s", en.s, twhere(t, en.s),
		    f ? f : "common (the default)");
	else if (arg && (!strchr(arg, '=') || !strcasecmp(strchr(arg, '='), "=true")))
		check_set(r, ST_PASS, "access log on ('%s' in additionalArguments)", arg);
	else if (on < 0)
		check_set(r, ST_FAIL, "%s is not a boolean (%s)", en.s, twhere(t, en.s));
	else
		check_set(r, ST_FAIL, "access log off (%s: %s)", en.s, twhere(t, en.s));
	buf_release(&en);
	buf_release(&fmt);
}

void
traefik_check_host_network(const struct traefik *t, struct check_result *r)
{
	int v;

	if (pre(t, r))
		return;
	v = tbool(t, "hostNetwork", 0);
	if (v == 0)
		check_set(r, ST_PASS, "hostNetwork off");
	else
		check_set(r, ST_FAIL, "hostNetwork is %s (%s): Traefik shares the node's network namespace",
		    v < 0 ? "not a boolean" : "true", twhere(t, "hostNetwork"));
}

void
traefik_check_security_context(const struct traefik *t, struct check_result *r)
{
	static const struct { const char *key; int bad; const char *why; } flags[] = {
		{ "securityContext.privileged", 1, "a privileged container" },
		{ "securityContext.allowPrivilegeEscalation", 1, "privilege escalation allowed" },
		{ "securityContext.readOnlyRootFilesystem", 0, "a writable root filesystem" },
		{ "podSecurityContext.runAsNonRoot", 0, "may run as root" },
		{ "securityContext.runAsNonRoot", 0, "may run as root" },
	};
	static const char *const users[] = { "securityContext.runAsUser",
		"podSecurityContext.runAsUser" };
	const struct ynode *add;

	if (pre(t, r))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		const struct ynode *n = tval(t, flags[i].key);
		int v = n && !yis_null(n) ? ybool(n) : -2;

		if (v == -2)
			continue;
		if (v == -1 || v == flags[i].bad) {
			check_set(r, ST_FAIL, "%s is %s (%s): %s", flags[i].key, yscalar(n) ? yscalar(n) : "?",
			    twhere(t, flags[i].key), flags[i].why);
			return;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(users); i++) {
		const char *u = yscalar(tval(t, users[i]));

		if (u && !strcmp(u, "0")) {
			check_set(r, ST_FAIL, "%s is 0 (%s): Traefik runs as root", users[i],
			    twhere(t, users[i]));
			return;
		}
	}
	add = tval(t, "securityContext.capabilities.add");
	for (size_t i = 0; add && add->type == Y_SEQ && i < add->n; i++) {
		const char *c = yscalar(add->vals[i]);

		if (!c || strcmp(c, "NET_BIND_SERVICE")) {
			check_set(r, ST_FAIL, "securityContext.capabilities.add has %s (%s)", c ? c : "?",
			    twhere(t, "securityContext.capabilities.add"));
			return;
		}
	}
	check_set(r, ST_PASS, "non-root, no privilege escalation, read-only root filesystem, "
	    "capabilities dropped");
}

void
traefik_check_version(const struct traefik *t, struct check_result *r)
{
	struct advisories adv;
	struct version v;
	struct buf hits = BUF_INIT;
	const char *vs, *path;
	const struct ynode *plugins;
	int has_plugins;

	if (pre(t, r))
		return;
	vs = traefik_version(t);
	if (!vs || version_parse(vs, &v) < 0) {
		check_set(r, ST_WARN, "Traefik version unknown (image.tag %s): advisories cannot be ruled "
		    "out", vs ? "not a version" : "not set");
		return;
	}
	path = data_file("advisories.json", traefik_advisories_file, "updates.advisories-file");
	if (advisories_load(path, &adv) < 0) {
		check_set(r, ST_ERROR, "%s", last_error());
		return;
	}
	plugins = tval(t, "experimental.plugins");
	has_plugins = plugins && plugins->type == Y_MAP && plugins->n > 0;
	for (size_t i = 0; i < adv.ntraefik; i++) {
		const struct advisory *a = &adv.traefik[i];

		if (!advisory_applies(a, &v))
			continue;
		if (a->condition && !strcmp(a->condition, "traefik-plugins") && !has_plugins)
			continue;
		buf_addf(&hits, "%s%s (%s)", hits.len ? ", " : "", a->id, a->severity);
	}
	if (hits.len)
		check_set(r, ST_FAIL, "Traefik %s (%s) is affected by %s (advisories of %s, %s)", vs,
		    twhere(t, "image.tag"), hits.s, path, adv.updated ? adv.updated : "undated");
	else
		check_set(r, ST_PASS, "Traefik %s: no known advisory applies (%s, %s)", vs, path,
		    adv.updated ? adv.updated : "undated");
	buf_release(&hits);
	advisories_free(&adv);
}

static int
is_waf(const struct tmiddleware *m)
{
	const struct ynode *p = m ? ymap_get(m->spec, "plugin") : NULL;

	for (size_t i = 0; p && p->type == Y_MAP && i < p->n; i++) {
		const char *k = yscalar(p->keys[i]);

		if (k && (strcasestr(k, "coraza") || strcasestr(k, "modsecurity") ||
		    strcasestr(k, "waf")))
			return 1;
	}
	return 0;
}

void
traefik_check_waf(const struct traefik *t, struct check_result *r)
{
	const struct tmiddleware *unattached = NULL;
	char **refs;
	size_t n;

	if (pre(t, r))
		return;
	websecure_refs(t, &refs, &n);
	for (size_t i = 0; i < n; i++) {
		const struct tmiddleware *m = traefik_middleware_ref(t, refs[i]);

		if (is_waf(m)) {
			check_set(r, ST_PASS, "websecure has WAF middleware '%s' (%s)", refs[i], m->where);
			free_refs(refs, n);
			return;
		}
	}
	free_refs(refs, n);
	for (size_t i = 0; i < t->nmw && !unattached; i++)
		if (is_waf(&t->mw[i]))
			unattached = &t->mw[i];
	if (unattached)
		check_set(r, ST_FAIL, "WAF middleware '%s' (%s) is not on the websecure entry point",
		    unattached->name, unattached->where);
	else
		check_set(r, ST_FAIL, "no WAF middleware (Coraza or ModSecurity plugin) in front of "
		    "websecure");
}
