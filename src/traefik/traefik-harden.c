/* SPDX-License-Identifier: Apache-2.0 */
/*
 * traefik-harden.c: the HelmChartConfig that makes every Traefik check
 * pass, with the values keys of the chart generation in use.
 *
 * It starts from the user's own HelmChartConfig values and changes only
 * what a check needs: unrelated values stay; keys of another chart
 * generation (ignored by this chart) are removed, and said so.  Other
 * documents in the same file are kept.  The output is written by libyaml's
 * emitter and is a fixed point: hardening it again changes nothing, and a
 * file that needs no change is not rewritten.  (YAML comments are not kept
 * when the file is rewritten: the tree we read has none.)
 */
#include "core/k3sguard.h"
#include "traefik/traefik.h"
#include "traefik/traefik-yaml.h"
#include "core/gate.h"

#define MW_NS "kube-system"

static const char *const strong_ciphers[] = {
	"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
};

struct edit {
	const struct traefik *t;
	struct ynode *v;	/* the values we write */
	struct buf *changes;
};

/* One change per line; values from the node escaped (a newline among them). */
static void
note(struct edit *e, const char *fmt, ...)
{
	struct buf raw = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&raw, fmt, ap);
	va_end(ap);
	buf_add_printable(e->changes, raw.s);
	buf_addch(e->changes, '\n');
	buf_release(&raw);
}

/* The map at a dotted path of e->v, created as needed. */
static struct ynode *
sub(struct ynode *root, const char *dotted)
{
	char *copy = xstrdup(dotted), *save = NULL;
	struct ynode *cur = root;

	for (char *p = strtok_r(copy, ".", &save); p; p = strtok_r(NULL, ".", &save))
		cur = ymap_sub(cur, p);
	free(copy);
	return cur;
}

/* Set path to a scalar unless the merged values already have it so. */
static void
want(struct edit *e, const char *dotted, const char *val, int plain)
{
	const struct ynode *have = ypath(e->v, dotted);
	const struct ynode *eff = tval(e->t, dotted);
	const char *dot = strrchr(dotted, '.');
	struct ynode *parent;

	if (have && yscalar(have) && !strcmp(yscalar(have), val))
		return;
	if (!have && eff && yscalar(eff) && !strcmp(yscalar(eff), val) &&
	    (!plain || eff->plain))
		return;	/* the chart (or its HelmChart) already says so */
	if (dot) {
		char *head = xstrndup(dotted, (size_t)(dot - dotted));

		parent = sub(e->v, head);
		free(head);
		dot++;
	} else {
		parent = e->v;
		dot = dotted;
	}
	ymap_set(parent, dot, plain ? ynew_scalar(val, 1) : ynew_str(val));
	note(e, "set %s: %s", dotted, val);
}

static void
drop(struct edit *e, const char *dotted, const char *why)
{
	if (ypath_del(e->v, dotted))
		note(e, "removed %s (%s)", dotted, why);
}

/* The sequence at path (created; a non-sequence is replaced). */
static struct ynode *
seq_at(struct edit *e, const char *dotted)
{
	struct ynode *s = ypath(e->v, dotted);
	const char *dot = strrchr(dotted, '.');
	struct ynode *parent;

	if (s && s->type == Y_SEQ)
		return s;
	if (dot) {
		char *head = xstrndup(dotted, (size_t)(dot - dotted));

		parent = sub(e->v, head);
		free(head);
		dot++;
	} else {
		parent = e->v;
		dot = dotted;
	}
	s = ynew_seq();
	/* start from the effective list, so chart or HelmChart entries survive */
	{
		const struct ynode *eff = tval(e->t, dotted);

		for (size_t i = 0; eff && eff->type == Y_SEQ && i < eff->n; i++)
			yseq_add(s, ycopy(eff->vals[i]));
	}
	ymap_set(parent, dot, s);
	return s;
}

static int
seq_has(const struct ynode *s, const char *val)
{
	for (size_t i = 0; s && s->type == Y_SEQ && i < s->n; i++)
		if (yscalar(s->vals[i]) && !strcmp(yscalar(s->vals[i]), val))
			return 1;
	return 0;
}

static void
seq_want(struct edit *e, const char *dotted, const char *val)
{
	struct ynode *s;

	if (seq_has(ypath(e->v, dotted), val) ||
	    (!ypath(e->v, dotted) && seq_has(tval(e->t, dotted), val)))
		return;
	s = seq_at(e, dotted);
	if (!seq_has(s, val)) {
		yseq_add(s, ynew_str(val));
		note(e, "added %s to %s", val, dotted);
	}
}

/* The extraObjects item for Middleware name, created empty when absent. */
static struct ynode *
middleware(struct edit *e, const char *name)
{
	struct ynode *xo = seq_at(e, "extraObjects"), *m, *md;

	for (size_t i = 0; i < xo->n; i++) {
		struct ynode *o = xo->vals[i];
		const char *k = yscalar(ymap_get(o, "kind"));
		const char *n = yscalar(ypath(o, "metadata.name"));

		if (k && n && !strcmp(k, "Middleware") && !strcmp(n, name))
			return o;
	}
	m = ynew_map();
	/* charts <= 22.0 ship only the traefik.containo.us CRDs (22.3.0 adds traefik.io) */
	ymap_set(m, "apiVersion", ynew_scalar(e->t->chart_major <= 22 ?
	    "traefik.containo.us/v1alpha1" : "traefik.io/v1alpha1", 1));
	ymap_set(m, "kind", ynew_scalar("Middleware", 1));
	md = ymap_sub(m, "metadata");
	ymap_set(md, "name", ynew_scalar(name, 1));
	ymap_set(md, "namespace", ynew_scalar(MW_NS, 1));
	yseq_add(xo, m);
	note(e, "added Middleware %s/%s to extraObjects", MW_NS, name);
	return m;
}

/* Set a scalar inside a Middleware's spec (and say so when it changes). */
static void
mw_set(struct edit *e, struct ynode *mw, const char *what, const char *key, const char *val,
    int plain)
{
	struct ynode *spec = ymap_sub(ymap_sub(mw, "spec"), what);
	const char *have = yscalar(ymap_get(spec, key));

	if (have && !strcmp(have, val))
		return;
	ymap_set(spec, key, plain ? ynew_scalar(val, 1) : ynew_str(val));
	note(e, "set Middleware %s spec.%s.%s: %s", yscalar(ypath(mw, "metadata.name")), what,
	    key, val);
}

static void
harden_dashboard(struct edit *e, const struct harden_opts *o)
{
	if (o->dashboard == DASH_OFF) {
		want(e, "ingressRoute.dashboard.enabled", "false", 1);
		return;
	}
	want(e, "ingressRoute.dashboard.enabled", "true", 1);
	{
		struct ynode *eps = seq_at(e, "ingressRoute.dashboard.entryPoints");

		if (eps->n != 1 || !seq_has(eps, "websecure")) {
			while (eps->n)
				yseq_del(eps, eps->n - 1);
			yseq_add(eps, ynew_scalar("websecure", 1));
			note(e, "set ingressRoute.dashboard.entryPoints: [websecure]");
		}
	}
	{
		struct ynode *mws = seq_at(e, "ingressRoute.dashboard.middlewares"), *m;
		int have = 0;

		for (size_t i = 0; i < mws->n; i++) {
			const char *n = yscalar(ymap_get(mws->vals[i], "name"));

			have |= n && !strcmp(n, "dashboard-auth");
		}
		if (!have) {
			m = ynew_map();
			ymap_set(m, "name", ynew_scalar("dashboard-auth", 1));
			ymap_set(m, "namespace", ynew_scalar(MW_NS, 1));
			yseq_add(mws, m);
			note(e, "added dashboard-auth to ingressRoute.dashboard.middlewares");
		}
	}
	mw_set(e, middleware(e, "dashboard-auth"), "basicAuth", "secret", o->htpasswd_secret, 0);
}

static void
harden_api(struct edit *e)
{
	struct ynode *args = ypath(e->v, "additionalArguments");
	const struct ynode *eff = tval(e->t, "additionalArguments");
	int bad = 0;

	for (size_t i = 0; eff && eff->type == Y_SEQ && i < eff->n; i++) {
		const char *s = yscalar(eff->vals[i]);

		bad |= s && !strncasecmp(s, "--api.insecure", 14);
	}
	if (bad) {
		args = seq_at(e, "additionalArguments");
		for (size_t i = args->n; i-- > 0;) {
			const char *s = yscalar(args->vals[i]);

			if (s && !strncasecmp(s, "--api.insecure", 14)) {
				note(e, "removed '%s' from additionalArguments", s);
				yseq_del(args, i);
			}
		}
	}
	if (traefik_key(e->t, "api-insecure"))
		want(e, "api.insecure", "false", 1);
}

static void
harden_redirect(struct edit *e)
{
	const char *key = traefik_key(e->t, "redirect");

	if (e->t->gen != TGEN_27)
		drop(e, "ports.web.redirectTo", "the key of chart generation 27.x");
	if (e->t->gen != TGEN_34)
		drop(e, "ports.web.redirections", "the key of chart generation 34-38");
	if (e->t->gen != TGEN_39)
		drop(e, "ports.web.http.redirections", "the key of chart generation 39+");
	if (e->t->gen == TGEN_27) {
		struct ynode *rt = ypath(e->v, "ports.web.redirectTo");
		int want_string = traefik_redirect_string(e->t);

		/* charts <= 24 take the port's name, 25-33 {port: name} (PR #934) */
		if (rt && (rt->type == Y_SCALAR) != want_string)
			drop(e, "ports.web.redirectTo", want_string ?
			    "the object form of charts >= 25" : "the string form of charts <= 24");
		want(e, key, "websecure", 1);
		return;
	}
	{
		struct buf k = BUF_INIT;

		buf_addf(&k, "%s.to", key);
		want(e, k.s, "websecure", 1);
		buf_reset(&k);
		buf_addf(&k, "%s.scheme", key);
		want(e, k.s, "https", 1);
		buf_reset(&k);
		buf_addf(&k, "%s.permanent", key);
		want(e, k.s, "true", 1);
		buf_release(&k);
	}
}

static int
cipher_ok(const char *c)
{
	return c && strstr(c, "ECDHE") && !strstr(c, "CBC") &&
	    (strstr(c, "GCM") || strstr(c, "CHACHA20"));
}

static void
harden_tls(struct edit *e, const struct harden_opts *o)
{
	const struct ynode *opts = tval(e->t, "tlsOptions");
	const char *cur = yscalar(tval(e->t, "tlsOptions.default.minVersion"));
	const char *min;
	int tls13;

	if (o->min_tls)
		tls13 = o->min_tls == 13;
	else
		tls13 = cur && !strcmp(cur, "VersionTLS13");	/* never lower it */
	min = tls13 ? "VersionTLS13" : "VersionTLS12";
	want(e, "tlsOptions.default.minVersion", min, 1);
	/* every other named option: no weaker minimum, no weak suite */
	for (size_t i = 0; opts && opts->type == Y_MAP && i < opts->n; i++) {
		const char *name = yscalar(opts->keys[i]);
		const char *mv = yscalar(ymap_get(opts->vals[i], "minVersion"));
		const struct ynode *cs = ymap_get(opts->vals[i], "cipherSuites");
		struct buf p = BUF_INIT;

		if (!name)
			continue;
		if (strcmp(name, "default") && mv && strcmp(mv, "VersionTLS12") &&
		    strcmp(mv, "VersionTLS13")) {
			buf_addf(&p, "tlsOptions.%s.minVersion", name);
			want(e, p.s, "VersionTLS12", 1);
		}
		for (size_t j = 0; cs && cs->type == Y_SEQ && j < cs->n; j++) {
			if (!cipher_ok(yscalar(cs->vals[j]))) {
				struct ynode *s;

				buf_reset(&p);
				buf_addf(&p, "tlsOptions.%s.cipherSuites", name);
				s = seq_at(e, p.s);
				for (size_t k = s->n; k-- > 0;)
					if (!cipher_ok(yscalar(s->vals[k]))) {
						note(e, "removed %s from %s", yscalar(s->vals[k]) ?
						    yscalar(s->vals[k]) : "?", p.s);
						yseq_del(s, k);
					}
				break;
			}
		}
		buf_release(&p);
	}
	if (!tls13) {
		const struct ynode *cs = ypath(e->v, "tlsOptions.default.cipherSuites");

		if (!cs || cs->type != Y_SEQ || !cs->n) {
			struct ynode *s = ynew_seq();

			for (size_t i = 0; i < ARRAY_SIZE(strong_ciphers); i++)
				yseq_add(s, ynew_scalar(strong_ciphers[i], 1));
			ymap_set(sub(e->v, "tlsOptions.default"), "cipherSuites", s);
			note(e, "set tlsOptions.default.cipherSuites: ECDHE with AES-GCM or ChaCha20");
		}
	}
}

static void
move_websecure_key(struct edit *e, const char *from, const char *to)
{
	struct ynode *old = ypath(e->v, from);

	if (!old || old->type != Y_SEQ)
		return;
	for (size_t i = 0; i < old->n; i++)
		if (yscalar(old->vals[i]))
			seq_want(e, to, yscalar(old->vals[i]));
	drop(e, from, "not the key of this chart generation");
}

static void
harden_middlewares(struct edit *e, const struct harden_opts *o)
{
	const char *key = traefik_key(e->t, "websecure-middlewares");
	struct check_result r = { ST_ERROR, BUF_INIT };
	char num[32];

	if (e->t->chart_major < 21) {
		/* 10.x renders neither extraObjects nor ports.<name>.middlewares */
		note(e, "not set: a rate limit (chart %s renders no extraObjects and no "
		    "ports.websecure.middlewares; attach a Middleware by hand)", e->t->chart_version);
		return;
	}
	move_websecure_key(e, e->t->gen == TGEN_39 ? "ports.websecure.middlewares"
	    : "ports.websecure.http.middlewares", key);
	traefik_check_rate_limit(e->t, &r);
	if (o->rate_avg || r.status != ST_PASS) {
		struct ynode *mw = middleware(e, "ratelimit");

		snprintf(num, sizeof(num), "%ld", o->rate_avg ? o->rate_avg : 100);
		mw_set(e, mw, "rateLimit", "average", num, 1);
		snprintf(num, sizeof(num), "%ld", o->rate_avg ? o->rate_burst : 200);
		mw_set(e, mw, "rateLimit", "burst", num, 1);
		mw_set(e, mw, "rateLimit", "period", "1s", 1);
		seq_want(e, key, MW_NS "-ratelimit@kubernetescrd");
	}
	buf_release(&r.evidence);
	if (o->waf) {
		struct ynode *mw = middleware(e, "waf"), *dir;

		want(e, "experimental.plugins.coraza.moduleName",
		    "github.com/jcchavezs/coraza-http-wasm-traefik", 0);
		want(e, "experimental.plugins.coraza.version", "v0.3.0", 0);
		dir = ypath(mw, "spec.plugin.coraza.directives");
		if (!dir || dir->type != Y_SEQ || !dir->n) {
			static const char *const d[] = {
				"SecRuleEngine On", "Include @coraza.conf-recommended",
				"Include @crs-setup.conf.example", "Include @owasp_crs/*.conf",
			};
			struct ynode *s = ynew_seq();

			for (size_t i = 0; i < ARRAY_SIZE(d); i++)
				yseq_add(s, ynew_str(d[i]));
			ymap_set(ymap_sub(ymap_sub(ymap_sub(mw, "spec"), "plugin"), "coraza"),
			    "directives", s);
			note(e, "set Middleware waf spec.plugin.coraza.directives (OWASP CRS)");
		}
		seq_want(e, key, MW_NS "-waf@kubernetescrd");
	}
}

static void
harden_log_and_pod(struct edit *e)
{
	const char *base = traefik_key(e->t, "access-log");
	struct buf k = BUF_INIT;
	static const struct { const char *key, *val; } sc[] = {
		{ "securityContext.privileged", "false" },
		{ "securityContext.allowPrivilegeEscalation", "false" },
		{ "securityContext.readOnlyRootFilesystem", "true" },
		{ "securityContext.runAsNonRoot", "true" },
		{ "podSecurityContext.runAsNonRoot", "true" },
	};
	const struct ynode *add;

	buf_addf(&k, "%s.enabled", base);
	want(e, k.s, "true", 1);
	buf_reset(&k);
	buf_addf(&k, "%s.format", base);
	if (!tval(e->t, k.s) && !ypath(e->v, k.s))
		want(e, k.s, "json", 1);
	buf_release(&k);
	if (tval(e->t, "hostNetwork") && ybool(tval(e->t, "hostNetwork")) != 0)
		want(e, "hostNetwork", "false", 1);
	for (size_t i = 0; i < ARRAY_SIZE(sc); i++) {
		const struct ynode *n = tval(e->t, sc[i].key);

		if (n && !yis_null(n) && (!yscalar(n) || strcmp(yscalar(n), sc[i].val)))
			want(e, sc[i].key, sc[i].val, 1);
	}
	if (yscalar(tval(e->t, "securityContext.runAsUser")) &&
	    !strcmp(yscalar(tval(e->t, "securityContext.runAsUser")), "0"))
		want(e, "securityContext.runAsUser", "65532", 1);
	if (yscalar(tval(e->t, "podSecurityContext.runAsUser")) &&
	    !strcmp(yscalar(tval(e->t, "podSecurityContext.runAsUser")), "0"))
		want(e, "podSecurityContext.runAsUser", "65532", 1);
	add = tval(e->t, "securityContext.capabilities.add");
	for (size_t i = 0; add && add->type == Y_SEQ && i < add->n; i++) {
		const char *c = yscalar(add->vals[i]);

		if (!c || strcmp(c, "NET_BIND_SERVICE")) {
			struct ynode *s = seq_at(e, "securityContext.capabilities.add");

			for (size_t j = s->n; j-- > 0;) {
				const char *cj = yscalar(s->vals[j]);

				if (!cj || strcmp(cj, "NET_BIND_SERVICE")) {
					note(e, "removed capability %s", cj ? cj : "?");
					yseq_del(s, j);
				}
			}
			break;
		}
	}
}

static int
is_hcc(const struct ynode *doc)
{
	const char *k = yscalar(ymap_get(doc, "kind"));
	const char *n = yscalar(ypath(doc, "metadata.name"));
	const char *ns = yscalar(ypath(doc, "metadata.namespace"));

	return k && n && ns && !strcmp(k, "HelmChartConfig") && !strcmp(n, "traefik") &&
	    !strcmp(ns, "kube-system");
}

static struct ynode *
new_hcc(void)
{
	struct ynode *d = ynew_map(), *md;

	ymap_set(d, "apiVersion", ynew_scalar("helm.cattle.io/v1", 1));
	ymap_set(d, "kind", ynew_scalar("HelmChartConfig", 1));
	md = ymap_sub(d, "metadata");
	ymap_set(md, "name", ynew_scalar("traefik", 1));
	ymap_set(md, "namespace", ynew_scalar("kube-system", 1));
	ymap_sub(d, "spec");
	return d;
}

/* What harden refuses before it reads anything: -1 after error(). */
static int
harden_refuse(const struct traefik *t, const struct harden_opts *o)
{
	if (t->error)
		return error("%s", t->error);
	if (t->disabled)
		return error("Traefik is disabled (%s): nothing to harden", t->disabled_why);
	if (t->nhcc > 1)
		return error("HelmChartConfig 'traefik' is defined in %zu files ('%s' and '%s'): "
		    "keep one, then run harden again", t->nhcc, t->hcc_files[0], t->hcc_files[1]);
	if (o->waf && t->gen == TGEN_27)
		return error("--waf needs Traefik v3 (chart 34 or later); chart %s ships Traefik v2, "
		    "which cannot run the Coraza WASM plugin", t->chart_version);
	return 0;
}

int
traefik_harden(const struct traefik *t, const struct harden_opts *o, char **target,
    struct buf *out, struct buf *changes, int *same)
{
	struct buf old = BUF_INIT;
	struct stat st;
	int ret = -1, have = 0;

	*target = NULL;
	*same = 0;
	if (harden_refuse(t, o) < 0)
		return -1;
	*target = t->nhcc ? xstrdup(t->hcc_files[0])
	    : xasprintf("%s/traefik-config.yaml", t->manifests_dir);
	/* a hard-linked file is neither read nor replaced */
	if (gate_lstat(*target, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			error("'%s' is a symlink: harden replaces files, not what a link leads to "
			    "(put the file itself in its place)", root_path(*target));
			goto out;
		}
		if (traefik_read(*target, &old) < 0)
			goto out;
		have = 1;
	}
	ret = traefik_harden_text(t, o, *target, have ? &old : NULL, out, changes, same);
out:
	if (ret < 0) {
		free(*target);
		*target = NULL;
	}
	buf_release(&old);
	return ret;
}

int
traefik_harden_text(const struct traefik *t, const struct harden_opts *o, const char *target,
    const struct buf *old, struct buf *out, struct buf *changes, int *same)
{
	struct buf vtext = BUF_INIT;
	struct ydocs docs = { 0 }, vdocs = { 0 };
	struct ynode **list = NULL, *hcc = NULL, *values = NULL, *vc;
	struct edit e;
	size_t nlist = 0, nchanges = changes->len;
	int ret = -1;

	*same = 0;
	if (harden_refuse(t, o) < 0)
		return -1;
	if (old && yaml_parse(root_path(target), old->s, old->len, &docs) < 0)
		goto out;
	for (size_t i = 0; i < docs.n; i++) {
		if (!docs.doc[i])
			continue;
		list = xrealloc(list, (nlist + 1) * sizeof(*list));
		list[nlist] = docs.doc[i];
		docs.doc[i] = NULL;	/* list owns it now */
		if (!hcc && is_hcc(list[nlist]))
			hcc = list[nlist];
		nlist++;
	}
	if (!hcc) {
		list = xrealloc(list, (nlist + 1) * sizeof(*list));
		hcc = list[nlist++] = new_hcc();
	}
	vc = ypath(hcc, "spec.valuesContent");
	if (yscalar(vc) && !yis_null(vc)) {
		if (yaml_parse(root_path(target), vc->str, vc->len, &vdocs) < 0)
			goto out;
		if (vdocs.n && vdocs.doc[0] && vdocs.doc[0]->type == Y_MAP) {
			values = vdocs.doc[0];
			vdocs.doc[0] = NULL;
		}
	}
	if (!values)
		values = ynew_map();
	e.t = t;
	e.v = values;
	e.changes = changes;
	harden_dashboard(&e, o);
	harden_api(&e);
	harden_redirect(&e);
	harden_tls(&e, o);
	harden_middlewares(&e, o);
	harden_log_and_pod(&e);
	if (yaml_emit(&values, 1, &vtext) < 0)
		goto out;
	/* the document marker is the file's business, not valuesContent's */
	if (starts_with(vtext.s, "---\n", NULL)) {
		memmove(vtext.s, vtext.s + 4, vtext.len - 3);
		vtext.len -= 4;
	}
	ymap_set(ymap_sub(hcc, "spec"), "valuesContent", ynew_scalar(vtext.s, 0));
	if (yaml_emit(list, nlist, out) < 0)
		goto out;
	/* no value to change: leave the file (and the user's comments) alone */
	*same = changes->len == nchanges ||
	    (old && old->len == out->len && !memcmp(old->s, out->s, old->len));
	ret = 0;
out:
	for (size_t i = 0; i < nlist; i++)
		ynode_free(list[i]);
	free(list);
	ynode_free(values);
	ydocs_free(&docs);
	ydocs_free(&vdocs);
	buf_release(&vtext);
	return ret;
}
