/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fleet.c: node reports in, the node-by-check matrix out (fleet.h).
 * A report is a local file the user named: read with file_read(), never
 * through the gate.  Anything that does not match docs/audit.schema.json
 * where this code needs it is a one-line error naming the file.
 */
#include "core/k3sguard.h"
#include "fleet/fleet.h"

#include <jansson.h>

#define REPORT_MAX	(16u << 20)

const char *const fleet_strategy_ids[FLEET_NSTRAT] = {
	"etcd", "server-token", "agent-token", "manifests", "traefik", "updates"
};

void
fleet_init(struct fleet *fl)
{
	memset(fl, 0, sizeof(*fl));
}

static char *
jdup(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? xstrdup(s) : NULL;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The endpoints array, sorted (K3s treats them as a set) and comma-joined. */
static char *
endpoints_of(json_t *a)
{
	size_t n = json_array_size(a);
	const char **v = xcalloc(n ? n : 1, sizeof(*v));
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		v[i] = json_string_value(json_array_get(a, i));
		if (!v[i])
			v[i] = "?";
	}
	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n; i++)
		buf_addf(&b, "%s%s", i ? "," : "", v[i]);
	free(v);
	return b.len ? buf_detach(&b) : xstrdup("");
}

static void
facts_read(struct ffacts *f, json_t *c)
{
	json_t *t, *ep;

	f->traefik_hcc = -1;
	if (!json_is_object(c))
		return;
	f->present = 1;
	ep = json_object_get(c, "datastore_endpoints");
	f->endpoints = json_is_array(ep) ? endpoints_of(ep) : NULL;
	f->ds_ca = jdup(c, "datastore_ca_sha256");
	/* an external datastore with no CA file named: known, not unknown */
	if (!f->ds_ca && json_is_null(json_object_get(c, "datastore_cafile")) &&
	    json_is_array(ep) && json_array_size(ep) > 0)
		f->ds_ca = xstrdup("none (no datastore-cafile)");
	f->cluster_ca = jdup(c, "cluster_ca_sha256");
	f->token_form = jdup(c, "token_form");
	f->token_ca = jdup(c, "token_ca_hash");
	t = json_object_get(c, "traefik");
	if (json_is_object(t)) {
		f->traefik_state = jdup(t, "state");
		f->traefik_chart = jdup(t, "chart_version");
		f->traefik_values = jdup(t, "values_sha256");
		if (json_is_integer(json_object_get(t, "helmchartconfig_files")))
			f->traefik_hcc = (long)json_integer_value(json_object_get(t,
			    "helmchartconfig_files"));
	}
}

static int
status_of(const char *s, enum status *st)
{
	for (int i = 0; i < NSTATUS; i++)
		if (s && !strcmp(s, status_name((enum status)i))) {
			*st = (enum status)i;
			return 0;
		}
	return -1;
}

static int
strategy_index(const char *id)
{
	for (int i = 0; i < FLEET_NSTRAT; i++)
		if (id && !strcmp(id, fleet_strategy_ids[i]))
			return i;
	return -1;
}

/* The column of a check id, added when new; hint: where it was last time. */
static size_t
column(struct fleet *fl, json_t *c, size_t hint, const char *id)
{
	struct fcheck *k;
	enum severity sev = SEV_LOW;

	if (hint < fl->nchecks && !strcmp(fl->checks[hint].id, id))
		return hint;
	for (size_t i = 0; i < fl->nchecks; i++)
		if (!strcmp(fl->checks[i].id, id))
			return i;
	if (fl->nchecks == fl->ccap) {
		fl->ccap = fl->ccap ? fl->ccap * 2 : 64;
		fl->checks = xrealloc(fl->checks, fl->ccap * sizeof(*fl->checks));
	}
	k = &fl->checks[fl->nchecks];
	memset(k, 0, sizeof(*k));
	k->id = xstrdup(id);
	k->strategy = jdup(c, "strategy");
	k->title = jdup(c, "title");
	if (!k->strategy)
		k->strategy = xstrdup("?");
	if (!k->title)
		k->title = xstrdup(id);
	/* checks_read() refused a report whose severity is not known */
	(void)severity_parse(json_string_value(json_object_get(c, "severity")), &sev);
	k->severity = sev;
	return fl->nchecks++;
}

static int
checks_read(struct fleet *fl, struct fnode *nd, json_t *arr, const char *path)
{
	size_t n = json_array_size(arr), ran[FLEET_NSTRAT] = { 0 }, ok[FLEET_NSTRAT] = { 0 };
	size_t *col = xcalloc(n ? n : 1, sizeof(*col));

	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(arr, i);
		const char *id = json_string_value(json_object_get(c, "id"));
		enum status st;

		const char *sv = json_string_value(json_object_get(c, "severity"));
		enum severity sev;

		if (!id || status_of(json_string_value(json_object_get(c, "status")), &st) < 0 ||
		    !sv || severity_parse(sv, &sev) < 0) {
			free(col);
			return error("%s: checks[%zu] has no id, no known status or no known "
			    "severity", path, i);
		}
		col[i] = column(fl, c, i, id);
	}
	/* columns may have grown: size the row now */
	nd->ncell = fl->nchecks;
	nd->cell = xmalloc(nd->ncell ? nd->ncell : 1);
	memset(nd->cell, -1, nd->ncell ? nd->ncell : 1);
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(arr, i);
		enum status st = ST_ERROR;
		int s = strategy_index(json_string_value(json_object_get(c, "strategy")));
		const struct fcheck *k = &fl->checks[col[i]];

		status_of(json_string_value(json_object_get(c, "status")), &st);
		nd->cell[col[i]] = (signed char)st;
		nd->count[st]++;
		if (st == ST_FAIL)
			nd->rank[k->severity]++;
		if (s >= 0 && st != ST_SKIP) {
			ran[s]++;
			ok[s] += st == ST_PASS;
		}
	}
	for (int s = 0; s < FLEET_NSTRAT; s++)
		nd->score[s] = ran[s] ? (double)ok[s] / (double)ran[s] : -1;
	free(col);
	return 0;
}

static int
node_read(struct fleet *fl, struct fnode *nd, json_t *doc, const char *path)
{
	json_t *node = json_object_get(doc, "node"), *checks = json_object_get(doc, "checks");
	json_t *c = json_object_get(doc, "cluster");
	const char *name = NULL;

	if (!json_is_object(doc) || strcmp(json_string_value(json_object_get(doc, "tool")) ?
	    json_string_value(json_object_get(doc, "tool")) : "", "k3sguard"))
		return error("%s: not a k3sguard audit report (no \"tool\": \"k3sguard\")", path);
	if (!json_is_object(node) || !json_is_array(checks))
		return error("%s: not a k3sguard audit report (no \"node\" or \"checks\")", path);
	nd->file = xstrdup(path);
	nd->role = jdup(node, "role");
	if (!nd->role)
		nd->role = xstrdup("unknown");
	nd->k3s_version = jdup(node, "k3s_version");
	nd->datastore = jdup(node, "datastore");
	if (!nd->datastore)
		nd->datastore = xstrdup("unknown");
	nd->nerrors = (int)json_array_size(json_object_get(doc, "errors"));
	facts_read(&nd->f, c);
	if (json_is_object(c))
		name = json_string_value(json_object_get(c, "node_name"));
	nd->name = xstrdup(name ? name : path);
	return checks_read(fl, nd, checks, path);
}

static void fnode_free(struct fnode *nd);

int
fleet_add(struct fleet *fl, const char *path)
{
	struct buf b = BUF_INIT;
	int ret;

	if (file_read(path, REPORT_MAX, &b, NULL) < 0)
		return -1;
	ret = fleet_add_text(fl, path, b.s, b.len);
	buf_release(&b);
	return ret;
}

int
fleet_add_text(struct fleet *fl, const char *path, const char *text, size_t len)
{
	json_error_t je;
	json_t *doc;
	struct fnode *nd;
	int ret;

	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return error("%s:%d: not JSON: %s", path, je.line, je.text);
	if (fl->n == fl->cap) {
		fl->cap = fl->cap ? fl->cap * 2 : 16;
		fl->nodes = xrealloc(fl->nodes, fl->cap * sizeof(*fl->nodes));
	}
	nd = &fl->nodes[fl->n];
	memset(nd, 0, sizeof(*nd));
	ret = node_read(fl, nd, doc, path);
	json_decref(doc);
	if (ret == 0)
		fl->n++;
	else
		fnode_free(nd);
	return ret;
}

/* Worst first: the node's own errors, failures by severity, warnings. */
static int
cmp_node(const void *pa, const void *pb)
{
	const struct fnode *a = pa, *b = pb;
	size_t ea = a->count[ST_ERROR] + (size_t)a->nerrors;
	size_t eb = b->count[ST_ERROR] + (size_t)b->nerrors;

	for (int s = SEV_CRITICAL; s >= SEV_LOW; s--)
		if (a->rank[s] != b->rank[s])
			return b->rank[s] - a->rank[s];
	if (ea != eb)
		return ea < eb ? 1 : -1;
	if (a->count[ST_WARN] != b->count[ST_WARN])
		return a->count[ST_WARN] < b->count[ST_WARN] ? 1 : -1;
	return strcmp(a->name, b->name);
}

void
fleet_finish(struct fleet *fl)
{
	/* rows read before a column appeared: mark the new columns absent */
	for (size_t i = 0; i < fl->n; i++) {
		struct fnode *nd = &fl->nodes[i];

		nd->cell = xrealloc(nd->cell, fl->nchecks ? fl->nchecks : 1);
		if (fl->nchecks > nd->ncell)
			memset(nd->cell + nd->ncell, -1, fl->nchecks - nd->ncell);
		nd->ncell = fl->nchecks;
		for (size_t k = 0; k < fl->nchecks; k++) {
			if (nd->cell[k] != ST_PASS && nd->cell[k] != ST_SKIP && nd->cell[k] >= 0)
				fl->checks[k].bad++;
			if (nd->cell[k] >= 0)
				fl->count[nd->cell[k]]++;
		}
	}
	if (fl->n > 1)
		qsort(fl->nodes, fl->n, sizeof(*fl->nodes), cmp_node);
	fleet_cross(fl);
	for (size_t i = 0; i < fl->ncross; i++)
		fl->count[fl->cross[i].status]++;
}

static void
facts_free(struct ffacts *f)
{
	free(f->endpoints);
	free(f->ds_ca);
	free(f->cluster_ca);
	free(f->token_form);
	free(f->token_ca);
	free(f->traefik_state);
	free(f->traefik_chart);
	free(f->traefik_values);
}

static void
fnode_free(struct fnode *nd)
{
	free(nd->file);
	free(nd->name);
	free(nd->role);
	free(nd->k3s_version);
	free(nd->datastore);
	free(nd->cell);
	facts_free(&nd->f);
	memset(nd, 0, sizeof(*nd));
}

void
fleet_free(struct fleet *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		fnode_free(&fl->nodes[i]);
	for (size_t i = 0; i < fl->nchecks; i++) {
		free(fl->checks[i].id);
		free(fl->checks[i].strategy);
		free(fl->checks[i].title);
	}
	for (size_t i = 0; i < fl->ncross; i++)
		free(fl->cross[i].evidence);
	free(fl->nodes);
	free(fl->checks);
	free(fl->cross);
	memset(fl, 0, sizeof(*fl));
}
