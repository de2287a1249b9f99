/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fleet-render.c: the cluster report as text, JSON, JUnit XML and the
 * Prometheus exposition format.  Every value that came from a node report
 * goes through escape.h here, for its format.
 */
#include "core/k3sguard.h"
#include "fleet/fleet.h"
#include "report/escape.h"

#include <jansson.h>

int
fleet_render(const struct fleet *fl, const char *format, FILE *out)
{
	if (!strcmp(format, "json"))
		return fleet_json(fl, out);
	if (!strcmp(format, "junit"))
		return fleet_junit(fl, out);
	if (!strcmp(format, "prom"))
		return fleet_prom(fl, out);
	if (!strcmp(format, "html"))
		return fleet_html(fl, out);
	return fleet_text(fl, out);
}

static int
flushed(FILE *out)
{
	if (fflush(out) == EOF || ferror(out))
		return error_errno("cannot write the cluster report");
	return 0;
}

static char
cell_char(int st)
{
	static const char c[NSTATUS] = { [ST_PASS] = '.', [ST_FAIL] = 'F', [ST_WARN] = 'W',
		[ST_SKIP] = 's', [ST_ERROR] = 'E' };

	return st < 0 ? ' ' : c[st];
}

int
fleet_text(const struct fleet *fl, FILE *out)
{
	struct esc_ring r;

	esc_ring_init(&r, ESC_TEXT);
	fprintf(out, "k3sguard cluster report: %zu nodes, %zu checks\n\n", fl->n, fl->nchecks);
	fputs("Across nodes:\n", out);
	for (size_t i = 0; i < fl->ncross; i++) {
		const struct fcross *x = &fl->cross[i];

		fprintf(out, "  %-5s %-8s %s: %s\n", status_name(x->status),
		    severity_name(x->severity), x->id, esc_ring(&r, x->evidence));
	}
	fputs("\nNodes, worst first (pass fail warn skip error; score per strategy: "
	    "etcd server-token agent-token manifests traefik updates):\n", out);
	for (size_t i = 0; i < fl->n; i++) {
		const struct fnode *nd = &fl->nodes[i];

		fprintf(out, "  %s (%s, %s): %zu %zu %zu %zu %zu;", esc_ring(&r, nd->name),
		    esc_ring(&r, nd->role), esc_ring(&r, nd->k3s_version ? nd->k3s_version : "version unknown"),
		    nd->count[ST_PASS], nd->count[ST_FAIL], nd->count[ST_WARN], nd->count[ST_SKIP],
		    nd->count[ST_ERROR]);
		for (int s = 0; s < FLEET_NSTRAT; s++)
			if (nd->score[s] < 0)
				fputs(" -", out);
			else
				fprintf(out, " %.0f%%", nd->score[s] * 100);
		fputc('\n', out);
	}
	fputs("\nMatrix (. pass, F fail, W warn, s skip, E error; columns = nodes above):\n", out);
	for (size_t k = 0; k < fl->nchecks; k++) {
		fprintf(out, "  %-40s ", esc_ring(&r, fl->checks[k].id));
		for (size_t i = 0; i < fl->n; i++)
			fputc(cell_char(fl->nodes[i].cell[k]), out);
		fputc('\n', out);
	}
	esc_ring_release(&r);
	return flushed(out);
}

static json_t *
jc(json_t *j)
{
	if (!j)
		fatal("out of memory");
	return j;
}

static void
jput(json_t *o, const char *k, json_t *v)
{
	if (json_object_set_new(o, k, jc(v)) < 0)
		fatal("out of memory");
}

static void
jpush(json_t *a, json_t *v)
{
	if (json_array_append_new(a, jc(v)) < 0)
		fatal("out of memory");
}

static json_t *
jutf8(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *j;

	if (!s)
		return json_null();
	esc_add(&b, s, ESC_UTF8);
	j = jc(json_string(b.s));
	buf_release(&b);
	return j;
}

static json_t *
node_json(const struct fleet *fl, const struct fnode *nd)
{
	json_t *o = jc(json_object()), *sc = jc(json_object()), *cells = jc(json_object());
	json_t *sum = jc(json_object());

	jput(o, "name", jutf8(nd->name));
	jput(o, "report", jutf8(nd->file));
	jput(o, "role", jutf8(nd->role));
	jput(o, "k3s_version", jutf8(nd->k3s_version));
	jput(o, "datastore", jutf8(nd->datastore));
	for (int s = 0; s < FLEET_NSTRAT; s++)
		jput(sc, fleet_strategy_ids[s], nd->score[s] < 0 ? json_null() :
		    json_real(nd->score[s]));
	jput(o, "scores", sc);
	for (int st = 0; st < NSTATUS; st++)
		jput(sum, status_name((enum status)st), json_integer((json_int_t)nd->count[st]));
	jput(o, "summary", sum);
	for (size_t k = 0; k < fl->nchecks; k++)
		if (nd->cell[k] >= 0)
			jput(cells, fl->checks[k].id, jutf8(status_name((enum status)nd->cell[k])));
	jput(o, "checks", cells);
	return o;
}

int
fleet_json(const struct fleet *fl, FILE *out)
{
	json_t *doc = jc(json_object()), *nodes = jc(json_array()), *cross = jc(json_array());
	json_t *checks = jc(json_array()), *sum = jc(json_object());
	int ret = 0;

	jput(doc, "tool", jutf8("k3sguard"));
	jput(doc, "version", jutf8(K3SGUARD_VERSION));
	jput(doc, "kind", jutf8("cluster"));
	for (size_t i = 0; i < fl->ncross; i++) {
		const struct fcross *x = &fl->cross[i];
		json_t *o = jc(json_object());

		jput(o, "id", jutf8(x->id));
		jput(o, "severity", jutf8(severity_name(x->severity)));
		jput(o, "status", jutf8(status_name(x->status)));
		jput(o, "title", jutf8(x->title));
		jput(o, "evidence", jutf8(x->evidence));
		jpush(cross, o);
	}
	jput(doc, "cross_node", cross);
	for (size_t k = 0; k < fl->nchecks; k++) {
		json_t *o = jc(json_object());

		jput(o, "id", jutf8(fl->checks[k].id));
		jput(o, "strategy", jutf8(fl->checks[k].strategy));
		jput(o, "severity", jutf8(severity_name(fl->checks[k].severity)));
		jput(o, "title", jutf8(fl->checks[k].title));
		jput(o, "nodes_not_passing", json_integer((json_int_t)fl->checks[k].bad));
		jpush(checks, o);
	}
	jput(doc, "checks", checks);
	for (size_t i = 0; i < fl->n; i++)
		jpush(nodes, node_json(fl, &fl->nodes[i]));
	jput(doc, "nodes", nodes);
	for (int st = 0; st < NSTATUS; st++)
		jput(sum, status_name((enum status)st), json_integer((json_int_t)fl->count[st]));
	jput(doc, "summary", sum);
	if (json_dumpf(doc, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER) < 0)
		ret = error("cannot write the cluster report");
	fputc('\n', out);
	json_decref(doc);
	return ret ? ret : flushed(out);
}

static void
junit_case(FILE *out, struct esc_ring *r, const char *cls, const char *name, int st,
    const char *sev, const char *ev)
{
	fprintf(out, "  <testcase classname=\"%s\" name=\"%s\">", esc_ring(r, cls), esc_ring(r, name));
	if (st == ST_FAIL || st == ST_WARN)
		fprintf(out, "<failure type=\"%s\" message=\"%s %s\">%s</failure>",
		    status_name((enum status)st), esc_ring(r, sev), status_name((enum status)st),
		    esc_ring(r, ev ? ev : ""));
	else if (st == ST_ERROR)
		fprintf(out, "<error message=\"%s\">%s</error>", esc_ring(r, "could not be checked"),
		    esc_ring(r, ev ? ev : ""));
	else if (st == ST_SKIP)
		fputs("<skipped/>", out);
	fputs("</testcase>\n", out);
}

int
fleet_junit(const struct fleet *fl, FILE *out)
{
	struct esc_ring r;
	size_t fail = fl->count[ST_FAIL] + fl->count[ST_WARN], total = 0;

	for (int st = 0; st < NSTATUS; st++)
		total += fl->count[st];
	esc_ring_init(&r, ESC_MARKUP);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites name=\"k3sguard cluster\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
	    total, fail, fl->count[ST_ERROR]);
	fprintf(out, " <testsuite name=\"cross-node\" tests=\"%zu\">\n", fl->ncross);
	for (size_t i = 0; i < fl->ncross; i++)
		junit_case(out, &r, "cluster", fl->cross[i].id, fl->cross[i].status,
		    severity_name(fl->cross[i].severity), fl->cross[i].evidence);
	fputs(" </testsuite>\n", out);
	for (size_t i = 0; i < fl->n; i++) {
		const struct fnode *nd = &fl->nodes[i];

		fprintf(out, " <testsuite name=\"%s\">\n", esc_ring(&r, nd->name));
		for (size_t k = 0; k < fl->nchecks; k++)
			if (nd->cell[k] >= 0)
				junit_case(out, &r, nd->name, fl->checks[k].id, nd->cell[k],
				    severity_name(fl->checks[k].severity), "see the node's own report");
		fputs(" </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
	esc_ring_release(&r);
	return flushed(out);
}

int
fleet_prom(const struct fleet *fl, FILE *out)
{
	struct esc_ring r;

	esc_ring_init(&r, ESC_PROM);
	fputs("# HELP k3sguard_cluster_check Cross-node check status (1 for the status it has).\n"
	    "# TYPE k3sguard_cluster_check gauge\n", out);
	for (size_t i = 0; i < fl->ncross; i++)
		for (int st = 0; st < NSTATUS; st++)
			fprintf(out, "k3sguard_cluster_check{check=\"%s\",severity=\"%s\",status=\"%s\"} %d\n",
			    fl->cross[i].id, severity_name(fl->cross[i].severity),
			    status_name((enum status)st), fl->cross[i].status == (enum status)st);
	fputs("# HELP k3sguard_cluster_node_checks Checks per node and status.\n"
	    "# TYPE k3sguard_cluster_node_checks gauge\n", out);
	for (size_t i = 0; i < fl->n; i++)
		for (int st = 0; st < NSTATUS; st++)
			fprintf(out, "k3sguard_cluster_node_checks{node=\"%s\",report=\"%s\",role=\"%s\",status=\"%s\"} %zu\n",
			    esc_ring(&r, fl->nodes[i].name), esc_ring(&r, fl->nodes[i].file),
			    esc_ring(&r, fl->nodes[i].role),
			    status_name((enum status)st), fl->nodes[i].count[st]);
	fputs("# HELP k3sguard_cluster_node_score Passed over checks that ran, per node and strategy.\n"
	    "# TYPE k3sguard_cluster_node_score gauge\n", out);
	for (size_t i = 0; i < fl->n; i++)
		for (int s = 0; s < FLEET_NSTRAT; s++)
			if (fl->nodes[i].score[s] >= 0)
				fprintf(out, "k3sguard_cluster_node_score{node=\"%s\",report=\"%s\",strategy=\"%s\"} %g\n",
				    esc_ring(&r, fl->nodes[i].name), esc_ring(&r, fl->nodes[i].file),
				    fleet_strategy_ids[s],
				    fl->nodes[i].score[s]);
	fprintf(out, "# HELP k3sguard_cluster_nodes Node reports merged.\n"
	    "# TYPE k3sguard_cluster_nodes gauge\nk3sguard_cluster_nodes %zu\n", fl->n);
	esc_ring_release(&r);
	return flushed(out);
}
