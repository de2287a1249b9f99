/* SPDX-License-Identifier: Apache-2.0 */
/*
 * traefik.c: read the packaged Traefik HelmChart and the HelmChartConfigs
 * of a manifests dir, and merge the values (see traefik.h).
 *
 * Reads only, through the gate (every path resolved inside the root): every
 * file is opened without following symlinks and with the manifest size
 * cap; the walk is bounded (depth and file count).
 */
#include "core/k3sguard.h"
#include "traefik/traefik.h"
#include "traefik/traefik-yaml.h"
#include "core/gate.h"
#include "cluster/cluster.h"

#include <dirent.h>

#define WALK_MAX_FILES 4096
#define WALK_MAX_DEPTH 16

/*
 * The chart defaults of the keys the checks read, per generation (from the
 * charts' values.yaml).  Only what a check or the harden command looks at:
 * the merged tree is not a full rendering of the chart.
 */
static const char defaults_27[] =
"ingressRoute:\n"
"  dashboard:\n"
"    enabled: true\n"
"    entryPoints: [traefik]\n"
"    middlewares: []\n"
"additionalArguments: []\n"
"logs:\n"
"  access:\n"
"    enabled: false\n"
"ports:\n"
"  traefik: {port: 9000, expose: false}\n"
"  web: {port: 8000, expose: true, exposedPort: 80}\n"
"  websecure: {port: 8443, expose: true, exposedPort: 443, middlewares: []}\n"
"tlsOptions: {}\n"
"hostNetwork: false\n"
"securityContext:\n"
"  capabilities: {drop: [ALL]}\n"
"  readOnlyRootFilesystem: true\n"
"  allowPrivilegeEscalation: false\n"
"podSecurityContext: {runAsGroup: 65532, runAsNonRoot: true, runAsUser: 65532}\n"
"experimental: {plugins: {}}\n";

static const char defaults_34[] =
"ingressRoute:\n"
"  dashboard:\n"
"    enabled: false\n"
"    entryPoints: [traefik]\n"
"    middlewares: []\n"
"api: {dashboard: true}\n"
"additionalArguments: []\n"
"logs:\n"
"  access:\n"
"    enabled: false\n"
"ports:\n"
"  traefik: {port: 8080, expose: {default: false}}\n"
"  web: {port: 8000, expose: {default: true}, exposedPort: 80}\n"
"  websecure: {port: 8443, expose: {default: true}, exposedPort: 443, middlewares: []}\n"
"tlsOptions: {}\n"
"hostNetwork: false\n"
"securityContext:\n"
"  capabilities: {drop: [ALL]}\n"
"  readOnlyRootFilesystem: true\n"
"  allowPrivilegeEscalation: false\n"
"podSecurityContext: {runAsGroup: 65532, runAsNonRoot: true, runAsUser: 65532}\n"
"experimental: {plugins: {}}\n";

static const char defaults_39[] =
"ingressRoute:\n"
"  dashboard:\n"
"    enabled: false\n"
"    entryPoints: [traefik]\n"
"    middlewares: []\n"
"api: {dashboard: true, insecure: false}\n"
"additionalArguments: []\n"
"logs:\n"
"  access:\n"
"    enabled: false\n"
"ports:\n"
"  traefik: {port: 8080, expose: {default: false}}\n"
"  web: {port: 8000, expose: {default: true}, exposedPort: 80}\n"
"  websecure: {port: 8443, expose: {default: true}, exposedPort: 443, http: {middlewares: []}}\n"
"tlsOptions: {}\n"
"hostNetwork: false\n"
"securityContext:\n"
"  capabilities: {drop: [ALL]}\n"
"  readOnlyRootFilesystem: true\n"
"  allowPrivilegeEscalation: false\n"
"podSecurityContext: {runAsGroup: 65532, runAsNonRoot: true, runAsUser: 65532}\n"
"experimental: {plugins: {}}\n";

enum tgen
traefik_gen_of(long major)
{
	if (major <= 0)
		return TGEN_UNKNOWN;
	if (major <= 33)
		return TGEN_27;
	if (major <= 38)
		return TGEN_34;
	return TGEN_39;
}

const char *
traefik_gen_name(enum tgen g)
{
	switch (g) {
	case TGEN_27:
		return "27.x";
	case TGEN_34:
		return "34-38";
	case TGEN_39:
		return "39+";
	default:
		return "unknown";
	}
}

int
traefik_redirect_string(const struct traefik *t)
{
	return t->gen == TGEN_27 && t->chart_major > 0 && t->chart_major <= 24;
}

const char *
traefik_key(const struct traefik *t, const char *setting)
{
	int g39 = t->gen == TGEN_39;

	if (!strcmp(setting, "redirect"))
		return traefik_redirect_string(t) ? "ports.web.redirectTo"
		    : t->gen == TGEN_27 ? "ports.web.redirectTo.port"
		    : g39 ? "ports.web.http.redirections.entryPoint"
		    : "ports.web.redirections.entryPoint";
	if (!strcmp(setting, "websecure-middlewares"))
		return g39 ? "ports.websecure.http.middlewares" : "ports.websecure.middlewares";
	if (!strcmp(setting, "access-log"))
		return t->chart_major >= 41 ? "accessLog" : "logs.access";
	if (!strcmp(setting, "api-insecure"))
		/* values.yaml and _podtemplate.tpl have api.insecure from chart 39.0.1 */
		return t->chart_major >= 39 ? "api.insecure" : NULL;
	return NULL;
}

static int
set_error(struct traefik *t, const char *msg)
{
	if (!t->error)
		t->error = xstrdup(msg && *msg ? msg : "unknown error");
	return -1;
}

static int
lower_ext_ok(const char *name)
{
	static const char *const ext[] = { ".yaml", ".yml", ".json" };
	size_t n = strlen(name);

	for (size_t i = 0; i < ARRAY_SIZE(ext); i++) {
		size_t e = strlen(ext[i]);

		if (n > e && !strcasecmp(name + n - e, ext[i]))
			return 1;
	}
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * What the walk saw: every non-directory (host paths) and the names that
 * a "<name>.skip" anywhere in the tree switches off.
 */
struct walked {
	char	**files;
	size_t	  n;
	char	**skips;
	size_t	  nskips;
};

static void
walked_free(struct walked *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->files[i]);
	for (size_t i = 0; i < w->nskips; i++)
		free(w->skips[i]);
	free(w->files);
	free(w->skips);
}

/* Note "<name>.skip" (file or directory, at any depth) as K3s does. */
static void
note_skip(struct walked *w, const char *name)
{
	size_t n = strlen(name), e = strlen(".skip");

	if (n < e || strcmp(name + n - e, ".skip") != 0)
		return;
	w->skips = xrealloc(w->skips, (w->nskips + 1) * sizeof(*w->skips));
	w->skips[w->nskips++] = xstrndup(name, n - e);
}

static int
walked_skips(const struct walked *w, const char *name)
{
	for (size_t i = 0; i < w->nskips; i++)
		if (!strcmp(w->skips[i], name))
			return 1;
	return 0;
}

/*
 * K3s pkg/deploy/controller.go shouldSkipFile(): a file is applied unless
 * its own name starts with '.', a "<name>.skip" exists anywhere below the
 * manifests dir (the skip map is keyed by the base name only), or it does
 * not end in .yaml/.yml/.json (any case).  Directories do not matter.
 */
static int
k3s_applies(const struct walked *w, const char *host_path)
{
	const char *slash = strrchr(host_path, '/');
	const char *name = slash ? slash + 1 : host_path;

	return name[0] != '.' && !walked_skips(w, name) && lower_ext_ok(name);
}

/*
 * Collect every entry as K3s's walkFiles() (filepath.Walk) does: it walks
 * into dot-directories too; the selection is k3s_applies().  A link is
 * never walked into (lstat: not a directory); one whose own name K3s
 * applies is read through, as deploy() reads it (traefik_read()).
 */
static int
walk(struct traefik *t, const char *host_dir, int depth, struct walked *w)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t nn = 0;
	int ret = 0;

	if (depth > WALK_MAX_DEPTH) {
		struct buf m = BUF_INIT;

		buf_addf(&m, "'%s': manifests nested deeper than %d directories", host_dir,
		    WALK_MAX_DEPTH);
		set_error(t, m.s);
		buf_release(&m);
		return -1;
	}
	/* resolved inside the root; below the top, only what lstat called a directory */
	if (!(d = gate_opendir(host_dir))) {
		if (errno == ENOENT && depth == 0)
			return 0;
		error_errno("cannot read directory '%s'", root_path(host_dir));
		return set_error(t, last_error());
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		names = xrealloc(names, (nn + 1) * sizeof(*names));
		names[nn++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (nn > 1)
		qsort(names, nn, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nn && ret == 0; i++) {
		char *path = xasprintf("%s/%s", host_dir, names[i]);
		struct stat st;

		note_skip(w, names[i]);
		if (gate_lstat(path, &st) < 0) {
			error_errno("cannot examine '%s'", root_path(path));
			ret = set_error(t, last_error());
		} else if (S_ISDIR(st.st_mode)) {
			ret = walk(t, path, depth + 1, w);
		} else if (w->n >= WALK_MAX_FILES) {
			ret = set_error(t, "more than 4096 files in the manifests dir");
		} else {
			w->files = xrealloc(w->files, (w->n + 1) * sizeof(*w->files));
			w->files[w->n++] = path;
			path = NULL;
		}
		free(path);
	}
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	return ret;
}

int
traefik_read(const char *host_path, struct buf *out)
{
	struct stat st;

	/* K3s: deploy() reads the file with os.ReadFile, through a link (inside the root here) */
	if (gate_read_follow(host_path, CONFIG_MAX, out, &st) < 0)
		return -1;
	if (st.st_nlink > 1) {
		buf_reset(out);
		return error("'%s' has %ju hard links: not read (its other name may be outside "
		    "the root)", root_path(host_path), (uintmax_t)st.st_nlink);
	}
	return 0;
}

static const char *
doc_str(const struct ynode *doc, const char *dotted)
{
	return yscalar(ypath(doc, dotted));
}

static int
is_named(const struct ynode *doc, const char *kind, const char *name)
{
	const char *k = doc_str(doc, "kind"), *nm = doc_str(doc, "metadata.name");
	const char *ns = doc_str(doc, "metadata.namespace");

	return k && nm && ns && !strcmp(k, kind) && !strcmp(nm, name) &&
	    !strcmp(ns, "kube-system");
}

/* "https://.../traefik-27.0.201+up27.0.2.tgz" -> "27.0.201+up27.0.2" */
static char *
chart_version_of(const struct ynode *chart)
{
	const char *v = doc_str(chart, "spec.version");
	const char *url = doc_str(chart, "spec.chart"), *base, *rest;
	size_t n;

	if (v && *v)
		return xstrdup(v);
	if (!url)
		return NULL;
	base = strrchr(url, '/');
	base = base ? base + 1 : url;
	if (!starts_with(base, "traefik-", &rest) || !ends_with(rest, ".tgz"))
		return NULL;
	n = strlen(rest) - 4;
	return n ? xstrndup(rest, n) : NULL;
}

/* Upstream chart major of "27.0.201+up27.0.2" (the part after +up), or -1. */
static long
chart_major_of(const char *v)
{
	const char *up = strstr(v, "+up"), *p = up ? up + 3 : v;
	long long m;
	char num[16];
	size_t n = 0;

	if (*p == 'v')
		p++;
	while (isdigit((unsigned char)p[n]) && n < sizeof(num) - 1) {
		num[n] = p[n];
		n++;
	}
	num[n] = '\0';
	if (!n || parse_num(num, 1, 10000, &m) < 0)
		return -1;
	return (long)m;
}

static int
add_source(struct traefik *t, const char *what, const char *file, const struct ynode *doc)
{
	struct tsource *s = &t->src[t->nsrc];
	const struct ynode *vc = doc ? ypath(doc, "spec.valuesContent") : NULL;
	struct buf name = BUF_INIT;
	int ret = 0;

	s->what = what;
	s->file = file ? xstrdup(file) : NULL;
	t->nsrc++;
	if (!doc) {	/* built-in defaults: parsed once, shared, never changed */
		static struct ydocs parsed[3];
		size_t g = t->gen == TGEN_27 ? 0 : t->gen == TGEN_34 ? 1 : 2;
		const char *text = g == 0 ? defaults_27 : g == 1 ? defaults_34 : defaults_39;

		if (!parsed[g].n &&
		    yaml_parse("chart defaults", text, strlen(text), &parsed[g]) < 0)
			fatal("built-in Traefik chart defaults do not parse");
		s->root = parsed[g].doc[0];
		return 0;
	}
	if (!vc || yis_null(vc))
		return 0;
	if (vc->type != Y_SCALAR) {
		buf_addf(&name, "'%s' line %d: spec.valuesContent must be a string (a YAML document)",
		    file, vc->line);
		ret = set_error(t, name.s);
		goto out;
	}
	s->line0 = vc->line;
	buf_addf(&name, "%s (valuesContent at line %d)", root_path(file), vc->line);
	if (yaml_parse(name.s, vc->str, vc->len, &s->docs) < 0) {
		ret = set_error(t, last_error());
		goto out;
	}
	if (s->docs.n > 1) {
		buf_reset(&name);
		buf_addf(&name, "'%s' line %d: valuesContent holds %zu YAML documents, expected one",
		    file, vc->line, s->docs.n);
		ret = set_error(t, name.s);
		goto out;
	}
	s->root = s->docs.n ? s->docs.doc[0] : NULL;
	if (s->root && s->root->type != Y_MAP && !yis_null(s->root)) {
		buf_reset(&name);
		buf_addf(&name, "'%s' line %d: valuesContent is not a mapping", file,
		    vc->line + s->root->line);
		ret = set_error(t, name.s);
	}
	if (s->root && s->root->type != Y_MAP)
		s->root = NULL;
out:
	buf_release(&name);
	return ret;
}

static void
add_middleware(struct traefik *t, const struct ynode *doc, const char *file, int line0)
{
	const char *k = doc_str(doc, "kind"), *api = doc_str(doc, "apiVersion");
	const char *nm = doc_str(doc, "metadata.name"), *ns = doc_str(doc, "metadata.namespace");
	struct tmiddleware *m;

	if (!k || strcmp(k, "Middleware") || !nm || !api ||
	    (!starts_with(api, "traefik.io/", NULL) && !starts_with(api, "traefik.containo.us/", NULL)))
		return;
	t->mw = xrealloc(t->mw, (t->nmw + 1) * sizeof(*t->mw));
	m = &t->mw[t->nmw++];
	m->name = xstrdup(nm);
	m->ns = xstrdup(ns ? ns : "default");
	m->spec = ymap_get(doc, "spec");
	m->where = xasprintf("%s:%d", file, line0 + doc->line);
}

void
traefik_begin(struct traefik *t, const char *manifests_dir, const char *disabled_why)
{
	memset(t, 0, sizeof(*t));
	t->manifests_dir = xstrdup(manifests_dir);
	t->chart_file = xasprintf("%s/traefik.yaml", manifests_dir);
	if (disabled_why) {
		t->disabled = 1;
		t->disabled_why = xstrdup(disabled_why);
	}
}

int
traefik_add_manifest(struct traefik *t, const char *host_path, const char *text, size_t len)
{
	struct ydocs *d;

	t->kept = xrealloc(t->kept, (t->nkept + 1) * sizeof(*t->kept));
	d = &t->kept[t->nkept];
	memset(d, 0, sizeof(*d));
	if (yaml_parse(root_path(host_path), text, len, d) < 0)
		return set_error(t, last_error());
	t->nkept++;
	for (size_t j = 0; j < d->n; j++) {
		const struct ynode *doc = d->doc[j];

		if (!doc || doc->type != Y_MAP)
			continue;
		if (is_named(doc, "HelmChart", "traefik")) {
			/* the packaged file is the chart; another one only without it */
			if (!strcmp(host_path, t->chart_file) || !t->chart_doc || !t->packaged) {
				t->chart_doc = doc;
				free(t->chart_in);
				t->chart_in = xstrdup(host_path);
				t->packaged = !strcmp(host_path, t->chart_file);
			}
		} else if (is_named(doc, "HelmChartConfig", "traefik")) {
			/* one object: whichever file K3s applies last wins */
			t->hcc_doc = doc;
			t->hcc_files = xrealloc(t->hcc_files, (t->nhcc + 1) * sizeof(char *));
			t->hcc_files[t->nhcc++] = xstrdup(host_path);
		} else {
			add_middleware(t, doc, host_path, 0);
		}
	}
	return 0;
}

int
traefik_add_applied(struct traefik *t, const char *label, const char *json, size_t len)
{
	struct ydocs *d;
	const struct ynode *doc;

	t->kept = xrealloc(t->kept, (t->nkept + 1) * sizeof(*t->kept));
	d = &t->kept[t->nkept];
	memset(d, 0, sizeof(*d));
	/* JSON is YAML: the apiserver's encoding of a custom resource parses as one document */
	if (yaml_parse(label, json, len, d) < 0)
		return set_error(t, last_error());
	t->nkept++;
	doc = d->n == 1 ? d->doc[0] : NULL;
	if (!doc || doc->type != Y_MAP || !is_named(doc, "HelmChartConfig", "traefik")) {
		struct buf m = BUF_INIT;

		buf_addf(&m, "'%s' is not a HelmChartConfig 'traefik' in kube-system", label);
		set_error(t, m.s);
		buf_release(&m);
		return -1;
	}
	/* the cluster's object is what runs: it replaces whatever the files said */
	t->hcc_doc = doc;
	free(t->hcc_applied);
	t->hcc_applied = xstrdup(label);
	return 0;
}

int
traefik_add_applied_middleware(struct traefik *t, const char *label, const char *json, size_t len)
{
	struct ydocs *d;

	t->kept = xrealloc(t->kept, (t->nkept + 1) * sizeof(*t->kept));
	d = &t->kept[t->nkept];
	memset(d, 0, sizeof(*d));
	if (yaml_parse(label, json, len, d) < 0)
		return set_error(t, last_error());
	t->nkept++;
	/* added after the manifests: the lookups take the last, and the cluster's is what runs */
	if (d->n == 1 && d->doc[0] && d->doc[0]->type == Y_MAP)
		add_middleware(t, d->doc[0], label, 0);
	return 0;
}

/* The cluster's Middlewares and, with with_hcc, its HelmChartConfig 'traefik'. */
static int
add_cluster(struct traefik *t, const struct cluster_state *cs, int with_hcc)
{
	const struct cobj *o;

	for (size_t i = 0; cs && cs->kind == CLUSTER_READ && i < cs->n; i++) {
		o = &cs->o[i];
		if ((starts_with(o->key, CLUSTER_MW_PREFIX, NULL) ||
		    starts_with(o->key, CLUSTER_MW_OLD_PREFIX, NULL)) &&
		    traefik_add_applied_middleware(t, cluster_obj_name(cs, o), o->value, o->len) < 0)
			return -1;
	}
	if (with_hcc && cs && (o = cluster_get(cs, CLUSTER_HCC_PREFIX "kube-system/traefik")))
		return traefik_add_applied(t, cluster_obj_name(cs, o), o->value, o->len);
	return 0;
}

int
traefik_end(struct traefik *t, int chart_skipped)
{
	const struct ynode *chart = t->chart_doc;
	const char *chart_in = t->chart_in;
	struct buf msg = BUF_INIT;
	int ret = -1;

	if (t->error)
		return -1;
	if (!t->packaged && !t->disabled && chart_skipped) {
		t->disabled = 1;
		t->disabled_why = xstrdup("a 'traefik.yaml.skip' exists below the manifests dir");
	}
	if (!chart) {
		if (t->disabled)
			return 0;
		buf_addf(&msg, "'%s': no HelmChart 'traefik' in kube-system (and Traefik is not "
		    "disabled)", root_path(t->chart_file));
		set_error(t, msg.s);
		goto out;
	}
	free(t->chart_file);
	t->chart_file = xstrdup(chart_in);
	t->chart_line = chart->line;
	t->chart_version = chart_version_of(chart);
	t->chart_major = t->chart_version ? chart_major_of(t->chart_version) : -1;
	t->gen = traefik_gen_of(t->chart_major);
	if (t->gen == TGEN_UNKNOWN) {
		buf_addf(&msg, "'%s' line %d: cannot tell the Traefik chart version from spec.chart "
		    "or spec.version", root_path(chart_in), chart->line);
		set_error(t, msg.s);
		goto out;
	}
	if (add_source(t, "chart defaults", NULL, NULL) < 0 ||
	    add_source(t, "HelmChart", chart_in, chart) < 0 ||
	    (t->hcc_doc && add_source(t, "HelmChartConfig", t->hcc_applied ? t->hcc_applied :
	    t->hcc_files[t->nhcc - 1], t->hcc_doc) < 0))
		goto out;
	t->values = ynew_map();
	for (size_t i = 0; i < t->nsrc; i++)
		ymerge(t->values, t->src[i].root);
	/* Middlewares in extraObjects of the values that win (chart 10.x renders none) */
	for (size_t i = t->nsrc; t->chart_major >= 21 && i-- > 0;) {
		const struct ynode *xo = ymap_get(t->src[i].root, "extraObjects");

		if (!xo)
			continue;
		for (size_t j = 0; xo->type == Y_SEQ && j < xo->n; j++)
			if (xo->vals[j] && xo->vals[j]->type == Y_MAP)
				add_middleware(t, xo->vals[j], t->src[i].file, t->src[i].line0);
		break;	/* a list replaces, it does not merge */
	}
	ret = 0;
out:
	buf_release(&msg);
	return ret;
}

int
traefik_load(struct traefik *t, const char *manifests_dir, const char *disabled_why)
{
	return traefik_load_with(t, manifests_dir, disabled_why, NULL, 0);
}

int
traefik_load_with(struct traefik *t, const char *manifests_dir, const char *disabled_why,
    const struct cluster_state *cs, int with_hcc)
{
	struct walked w = { NULL, 0, NULL, 0 };
	int ret = -1, skipped = 0;

	traefik_begin(t, manifests_dir, disabled_why);
	if (walk(t, manifests_dir, 0, &w) < 0)
		goto out;
	/*
	 * listFilesIn() applies in sort.Strings order of the whole paths
	 * ("a-b.yaml" before "a/x.yaml"), not directory by directory: the
	 * later of two HelmChartConfigs is the one that stays.
	 */
	if (w.n > 1)
		qsort(w.files, w.n, sizeof(*w.files), cmp_str);
	for (size_t i = 0; i < w.n; i++) {
		struct buf data = BUF_INIT;
		int r;

		if (!k3s_applies(&w, w.files[i]))
			continue;
		if ((r = traefik_read(w.files[i], &data)) < 0)
			set_error(t, last_error());
		else
			r = traefik_add_manifest(t, w.files[i], data.s, data.len);
		buf_release(&data);
		if (r < 0)
			goto out;
	}
	if (add_cluster(t, cs, with_hcc) < 0)
		goto out;
	/* K3s: a traefik.yaml.skip anywhere below the dir switches the chart file off */
	if (!t->packaged && !t->disabled)
		skipped = walked_skips(&w, "traefik.yaml");
	ret = traefik_end(t, skipped);
out:
	walked_free(&w);
	return ret;
}

void
traefik_free(struct traefik *t)
{
	free(t->manifests_dir);
	free(t->disabled_why);
	free(t->chart_file);
	free(t->chart_version);
	for (size_t i = 0; i < t->nsrc; i++) {
		free(t->src[i].file);
		ydocs_free(&t->src[i].docs);
	}
	ynode_free(t->values);
	for (size_t i = 0; i < t->nhcc; i++)
		free(t->hcc_files[i]);
	free(t->hcc_files);
	for (size_t i = 0; i < t->nmw; i++) {
		free(t->mw[i].name);
		free(t->mw[i].ns);
		free(t->mw[i].where);
	}
	free(t->mw);
	for (size_t i = 0; i < t->nkept; i++)
		ydocs_free(&t->kept[i]);
	free(t->kept);
	free(t->chart_in);
	free(t->error);
	free(t->hcc_applied);
	free(t->applied_note);
	if (t->pending) {
		traefik_free(t->pending);
		free(t->pending);
	}
	memset(t, 0, sizeof(*t));
}

const struct ynode *
tval(const struct traefik *t, const char *dotted)
{
	return ypath(t->values, dotted);
}

const char *
twhere(const struct traefik *t, const char *dotted)
{
	static struct buf ring[4];
	static unsigned next;
	struct buf *b = &ring[next++ % ARRAY_SIZE(ring)];

	buf_reset(b);
	for (size_t i = t->nsrc; i-- > 0;) {
		const struct ynode *n = ypath(t->src[i].root, dotted);

		if (!n)
			continue;
		if (!t->src[i].file)
			buf_adds(b, "chart default");
		else
			buf_addf(b, "%s:%d", t->src[i].file, t->src[i].line0 + n->line);
		return b->s;
	}
	buf_adds(b, "not set");
	return b->s;
}

const struct tmiddleware *
traefik_middleware(const struct traefik *t, const char *name, const char *ns)
{
	for (size_t i = t->nmw; i-- > 0;)
		if (!strcmp(t->mw[i].name, name) && (!ns || !strcmp(t->mw[i].ns, ns)))
			return &t->mw[i];
	return NULL;
}

const struct tmiddleware *
traefik_middleware_ref(const struct traefik *t, const char *ref)
{
	const char *at = strchr(ref, '@');
	size_t n = at ? (size_t)(at - ref) : strlen(ref);
	const struct tmiddleware *found = NULL;

	if (at && strcmp(at, "@kubernetescrd"))
		return NULL;	/* another provider: not ours to resolve */
	/* "<namespace>-<name>": namespaces may hold dashes, so try each split */
	for (size_t i = 0; i < t->nmw && !found; i++) {
		const struct tmiddleware *m = &t->mw[i];
		size_t ln = strlen(m->ns), lm = strlen(m->name);

		if (ln + 1 + lm == n && !strncmp(ref, m->ns, ln) && ref[ln] == '-' &&
		    !strncmp(ref + ln + 1, m->name, lm))
			found = m;
	}
	return found;
}

const char *
traefik_version(const struct traefik *t)
{
	static char out[64];
	const char *tag = yscalar(tval(t, "image.tag"));

	if (!tag || !*tag || strlen(tag) > 40)
		return NULL;
	snprintf(out, sizeof(out), "%s%s", tag[0] == 'v' ? "" : "v", tag);
	return out;
}
