/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fleet-cross.c: the checks across nodes that no single node can make.
 *
 *   cluster.datastore-shared  every server uses the same datastore: the same
 *                             kind, the same external endpoints and the same
 *                             datastore CA (embedded etcd: the same etcd CA);
 *                             sqlite on more than one server is not one
 *                             cluster (K3s: sqlite is single-server only)
 *   cluster.token-ca          every server's token pins the same CA hash,
 *                             and it is the hash of the servers' cluster CA
 *   cluster.version-skew      no agent newer than the oldest server, all
 *                             nodes within one minor (K3s follows the
 *                             Kubernetes version skew policy)
 *   cluster.traefik-once      Traefik either disabled on every server or
 *                             packaged with the same chart and the same merged
 *                             values everywhere, from at most one
 *                             HelmChartConfig per server (K3s applies every
 *                             server's manifests dir to the one cluster)
 * A value a report lacks makes the check "error" naming the node and the
 * field: unknown is never a pass.
 */
#include "core/k3sguard.h"
#include "fleet/fleet.h"

#define SHOW_NODES	5

/* Distinct values of one field over some nodes, with who holds each. */
struct group {
	const char *value;	/* NULL: unknown */
	size_t n;
	struct buf who;
};

struct groups {
	struct group *g;
	size_t n;
	size_t nodes;
};

static void
groups_add(struct groups *gs, const char *value, const char *name)
{
	struct group *g = NULL;

	gs->nodes++;
	for (size_t i = 0; i < gs->n; i++)
		if ((!value && !gs->g[i].value) ||
		    (value && gs->g[i].value && !strcmp(value, gs->g[i].value)))
			g = &gs->g[i];
	if (!g) {
		gs->g = xrealloc(gs->g, (gs->n + 1) * sizeof(*gs->g));
		g = &gs->g[gs->n++];
		g->value = value;
		g->n = 0;
		buf_init(&g->who);
	}
	if (g->n < SHOW_NODES)
		buf_addf(&g->who, "%s%s", g->n ? ", " : "", name);
	else if (g->n == SHOW_NODES)
		buf_adds(&g->who, ", ...");
	g->n++;
}

static struct group *
groups_unknown(struct groups *gs)
{
	for (size_t i = 0; i < gs->n; i++)
		if (!gs->g[i].value)
			return &gs->g[i];
	return NULL;
}

/* "what: 'v1' on 2 (a, b); 'v2' on 1 (c)" */
static void
groups_describe(const struct groups *gs, const char *what, struct buf *b)
{
	buf_addf(b, "%s: ", what);
	for (size_t i = 0; i < gs->n; i++) {
		const char *v = gs->g[i].value ? gs->g[i].value : "unknown";
		/* a sha256: its first 16 hex digits tell the groups apart */
		int w = strlen(v) == 64 && strspn(v, "0123456789abcdef") == 64 ? 16 : INT_MAX;

		buf_addf(b, "%s'%.*s%s' on %zu (%s)", i ? "; " : "", w, v, w == 16 ? "..." : "",
		    gs->g[i].n, gs->g[i].who.s);
	}
}

static void
groups_free(struct groups *gs)
{
	for (size_t i = 0; i < gs->n; i++)
		buf_release(&gs->g[i].who);
	free(gs->g);
	memset(gs, 0, sizeof(*gs));
}

static struct fcross *
cross_new(struct fleet *fl, const char *id, const char *title, enum severity sev)
{
	struct fcross *x;

	fl->cross = xrealloc(fl->cross, (fl->ncross + 1) * sizeof(*fl->cross));
	x = &fl->cross[fl->ncross++];
	x->id = id;
	x->title = title;
	x->severity = sev;
	x->status = ST_ERROR;
	x->evidence = NULL;
	return x;
}

static void
cross_set(struct fcross *x, enum status st, struct buf *ev)
{
	x->status = st;
	x->evidence = buf_detach(ev);
}

static int
is_server(const struct fnode *nd)
{
	return !strcmp(nd->role, "server");
}

static size_t
nservers(const struct fleet *fl)
{
	size_t n = 0;

	for (size_t i = 0; i < fl->n; i++)
		n += is_server(&fl->nodes[i]);
	return n;
}

/* Servers whose report has no "cluster" object: the check cannot be made. */
static int
facts_missing(const struct fleet *fl, struct buf *ev)
{
	size_t n = 0;

	for (size_t i = 0; i < fl->n; i++)
		if (is_server(&fl->nodes[i]) && !fl->nodes[i].f.present) {
			if (n < SHOW_NODES)
				buf_addf(ev, "%s%s", n ? ", " : "unknown: no \"cluster\" facts in the report of ",
				    fl->nodes[i].name);
			n++;
		}
	if (n)
		buf_addf(ev, " (%zu server%s: written by an older k3sguard)", n,
		    n == 1 ? "" : "s");
	return n > 0;
}

/* A field over the servers: NULL fields make it unknown, several values a failure. */
static enum status
servers_agree(const struct fleet *fl, size_t off, const char *what, struct buf *ev)
{
	struct groups gs = { 0 };
	enum status st;

	for (size_t i = 0; i < fl->n; i++)
		if (is_server(&fl->nodes[i]))
			groups_add(&gs, *(char *const *)((const char *)&fl->nodes[i].f + off),
			    fl->nodes[i].name);
	st = groups_unknown(&gs) ? ST_ERROR : gs.n > 1 ? ST_FAIL : ST_PASS;
	groups_describe(&gs, what, ev);
	groups_free(&gs);
	return st;
}

/*
 * Nodes whose role the report does not know: any of them may be a server
 * that disagrees, so the checks over servers (and the skew between servers
 * and agents) cannot pass.  Appends why; returns ST_ERROR or ST_PASS.
 */
static enum status
roles_unknown(const struct fleet *fl, struct buf *ev)
{
	size_t n = 0;

	for (size_t i = 0; i < fl->n; i++)
		if (strcmp(fl->nodes[i].role, "server") && strcmp(fl->nodes[i].role, "agent")) {
			if (n < SHOW_NODES)
				buf_addf(ev, "%s%s", n ? ", " : "; unknown: the role of ", fl->nodes[i].name);
			n++;
		}
	if (n)
		buf_addf(ev, " (%zu node%s: server or agent?)", n, n == 1 ? "" : "s");
	return n ? ST_ERROR : ST_PASS;
}

static enum status
worse(enum status a, enum status b)
{
	static const int rank[NSTATUS] = { [ST_PASS] = 0, [ST_SKIP] = 1, [ST_WARN] = 2,
		[ST_FAIL] = 3, [ST_ERROR] = 4 };

	return rank[b] > rank[a] ? b : a;
}

static void
cross_datastore(struct fleet *fl)
{
	struct fcross *x = cross_new(fl, "cluster.datastore-shared",
	    "All servers use the same datastore endpoints and CA", SEV_CRITICAL);
	struct buf ev = BUF_INIT;
	struct groups kinds = { 0 };
	enum status st;
	const char *kind;

	if (!nservers(fl)) {
		buf_adds(&ev, "unknown: no server report among the reports given");
		cross_set(x, ST_ERROR, &ev);
		return;
	}
	if (facts_missing(fl, &ev)) {
		cross_set(x, ST_ERROR, &ev);
		return;
	}
	for (size_t i = 0; i < fl->n; i++)
		if (is_server(&fl->nodes[i]))
			groups_add(&kinds, strcmp(fl->nodes[i].datastore, "unknown") ?
			    fl->nodes[i].datastore : NULL, fl->nodes[i].name);
	groups_describe(&kinds, "datastore", &ev);
	kind = kinds.g[0].value;
	st = groups_unknown(&kinds) ? ST_ERROR : kinds.n > 1 ? ST_FAIL : ST_PASS;
	if (st == ST_PASS && !strcmp(kind, "sqlite") && kinds.g[0].n > 1) {
		buf_adds(&ev, "; sqlite serves one server only: these servers do not share a datastore");
		st = ST_FAIL;
	}
	if (st == ST_PASS && !strncmp(kind, "external-", 9)) {
		buf_adds(&ev, "; ");
		st = worse(st, servers_agree(fl, offsetof(struct ffacts, endpoints), "endpoints", &ev));
	}
	if (st == ST_PASS && (!strcmp(kind, "embedded-etcd") || !strncmp(kind, "external-", 9))) {
		buf_adds(&ev, "; ");
		st = worse(st, servers_agree(fl, offsetof(struct ffacts, ds_ca),
		    "datastore CA sha256", &ev));
	}
	groups_free(&kinds);
	st = worse(st, roles_unknown(fl, &ev));
	cross_set(x, st, &ev);
}

/* The servers' token CA hashes; a short token is "none", not unknown. */
static enum status
token_hashes(const struct fleet *fl, struct buf *ev)
{
	struct groups gs = { 0 };
	enum status st;

	for (size_t i = 0; i < fl->n; i++) {
		const struct fnode *nd = &fl->nodes[i];
		const char *v = nd->f.token_ca;

		if (!is_server(nd))
			continue;
		if (!v && nd->f.token_form && !strcmp(nd->f.token_form, "short"))
			v = "none (short token)";
		groups_add(&gs, v, nd->name);
	}
	st = groups_unknown(&gs) ? ST_ERROR : gs.n > 1 ? ST_FAIL : ST_PASS;
	groups_describe(&gs, "token CA hash", ev);
	groups_free(&gs);
	return st;
}

static void
cross_token(struct fleet *fl)
{
	struct fcross *x = cross_new(fl, "cluster.token-ca",
	    "All servers' tokens pin the same cluster CA", SEV_CRITICAL);
	struct buf ev = BUF_INIT;
	enum status st = ST_PASS;
	size_t nshort = 0;

	if (!nservers(fl)) {
		buf_adds(&ev, "unknown: no server report among the reports given");
		cross_set(x, ST_ERROR, &ev);
		return;
	}
	if (facts_missing(fl, &ev)) {
		cross_set(x, ST_ERROR, &ev);
		return;
	}
	for (size_t i = 0; i < fl->n; i++) {
		const struct fnode *nd = &fl->nodes[i];

		if (is_server(nd) && nd->f.token_form && !strcmp(nd->f.token_form, "short")) {
			buf_addf(&ev, "%s%s", nshort++ ? ", " : "short token (no CA pin) on ", nd->name);
			st = ST_WARN;
		}
	}
	if (nshort)
		buf_adds(&ev, "; ");
	st = worse(st, token_hashes(fl, &ev));
	buf_adds(&ev, "; ");
	st = worse(st, servers_agree(fl, offsetof(struct ffacts, cluster_ca),
	    "server-ca.crt sha256", &ev));
	for (size_t i = 0; st == ST_PASS && i < fl->n; i++) {
		const struct fnode *nd = &fl->nodes[i];

		if (is_server(nd) && nd->f.token_ca && strcmp(nd->f.token_ca, nd->f.cluster_ca)) {
			buf_addf(&ev, "; on %s the token pins a CA other than its server-ca.crt",
			    nd->name);
			st = ST_FAIL;
		}
	}
	st = worse(st, roles_unknown(fl, &ev));
	cross_set(x, st, &ev);
}

/* "v1.32.11+k3s3" -> 1, 32, 11; -1 when not a K3s version. */
static int
version_parse(const char *v, long m[3])
{
	char *end;

	if (!v || *v != 'v')
		return -1;
	v++;
	for (int i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*v))
			return -1;
		m[i] = strtol(v, &end, 10);
		v = end;
		if (i < 2 && *v++ != '.')
			return -1;
	}
	return 0;
}

static int
version_cmp(const long a[3], const long b[3])
{
	for (int i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

static void
cross_versions(struct fleet *fl)
{
	struct fcross *x = cross_new(fl, "cluster.version-skew",
	    "K3s versions respect the skew policy (servers not older than agents, one minor apart)",
	    SEV_HIGH);
	struct buf ev = BUF_INIT;
	struct groups vs = { 0 };
	long lo[3] = { 0 }, hi[3] = { 0 }, srv[3] = { 0 }, agt[3] = { 0 }, v[3];
	int any = 0, anys = 0, anya = 0;
	enum status st = ST_PASS;
	const char *old_srv = NULL, *new_agt = NULL;

	for (size_t i = 0; i < fl->n; i++) {
		const struct fnode *nd = &fl->nodes[i];
		int ok = version_parse(nd->k3s_version, v) == 0;

		groups_add(&vs, ok ? nd->k3s_version : NULL, nd->name);
		if (!ok)
			continue;
		if (!any || version_cmp(v, lo) < 0)
			memcpy(lo, v, sizeof(lo));
		if (!any || version_cmp(v, hi) > 0)
			memcpy(hi, v, sizeof(hi));
		any = 1;
		if (is_server(nd) && (!anys || version_cmp(v, srv) < 0)) {
			memcpy(srv, v, sizeof(srv));
			old_srv = nd->name;
			anys = 1;
		} else if (!is_server(nd) && (!anya || version_cmp(v, agt) > 0)) {
			memcpy(agt, v, sizeof(agt));
			new_agt = nd->name;
			anya = 1;
		}
	}
	groups_describe(&vs, "K3s versions", &ev);
	if (groups_unknown(&vs))
		st = ST_ERROR;
	if (anys && anya && version_cmp(agt, srv) > 0) {
		buf_addf(&ev, "; agent %s (v%ld.%ld.%ld) is newer than server %s (v%ld.%ld.%ld)",
		    new_agt, agt[0], agt[1], agt[2], old_srv, srv[0], srv[1], srv[2]);
		st = worse(st, ST_FAIL);
	}
	if (any && (lo[0] != hi[0] || hi[1] - lo[1] > 1)) {
		buf_addf(&ev, "; v%ld.%ld and v%ld.%ld are more than one minor apart",
		    lo[0], lo[1], hi[0], hi[1]);
		st = worse(st, ST_FAIL);
	}
	if (!anys) {
		buf_adds(&ev, "; unknown: no server report with a known version");
		st = worse(st, ST_ERROR);
	}
	groups_free(&vs);
	st = worse(st, roles_unknown(fl, &ev));
	cross_set(x, st, &ev);
}

static void
cross_traefik(struct fleet *fl)
{
	struct fcross *x = cross_new(fl, "cluster.traefik-once",
	    "Traefik is configured once, the same way on every server", SEV_MEDIUM);
	struct buf ev = BUF_INIT;
	struct groups states = { 0 };
	enum status st;

	if (!nservers(fl)) {
		buf_adds(&ev, "unknown: no server report among the reports given");
		cross_set(x, ST_ERROR, &ev);
		return;
	}
	if (facts_missing(fl, &ev)) {
		cross_set(x, ST_ERROR, &ev);
		return;
	}
	for (size_t i = 0; i < fl->n; i++) {
		const struct fnode *nd = &fl->nodes[i];
		const char *s = nd->f.traefik_state;

		if (is_server(nd))
			groups_add(&states, s && strcmp(s, "error") ? s : NULL, nd->name);
	}
	groups_describe(&states, "Traefik", &ev);
	st = groups_unknown(&states) ? ST_ERROR : states.n > 1 ? ST_FAIL : ST_PASS;
	if (st == ST_PASS && !strcmp(states.g[0].value, "packaged")) {
		buf_adds(&ev, "; ");
		st = worse(st, servers_agree(fl, offsetof(struct ffacts, traefik_chart), "chart", &ev));
		buf_adds(&ev, "; ");
		st = worse(st, servers_agree(fl, offsetof(struct ffacts, traefik_values),
		    "merged values sha256", &ev));
	}
	for (size_t i = 0; i < fl->n; i++) {
		const struct fnode *nd = &fl->nodes[i];

		if (!is_server(nd) || !nd->f.traefik_state ||
		    strcmp(nd->f.traefik_state, "packaged"))
			continue;
		if (nd->f.traefik_hcc < 0) {
			buf_addf(&ev, "; unknown: how many HelmChartConfig files on %s", nd->name);
			st = worse(st, ST_ERROR);
		} else if (nd->f.traefik_hcc > 1) {
			buf_addf(&ev, "; %s configures Traefik in %ld HelmChartConfig files",
			    nd->name, nd->f.traefik_hcc);
			st = worse(st, ST_FAIL);
		}
	}
	groups_free(&states);
	st = worse(st, roles_unknown(fl, &ev));
	cross_set(x, st, &ev);
}

void
fleet_cross(struct fleet *fl)
{
	cross_datastore(fl);
	cross_token(fl);
	cross_versions(fl);
	cross_traefik(fl);
}
