/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fleet-html.c: the cluster report as one self-contained HTML page (no
 * script, no link, no image: inline CSS only), like the node report.
 * The cross-node checks first, then one table: a row per node, worst
 * first, with its role, version and score per strategy, then one small
 * cell per check (letter and colour; the check id and status in the
 * title).  Check columns are ordered by how many nodes do not pass them.
 * A header row and the node column stay in view while scrolling, so 500
 * nodes stay readable.  Every node value is escaped (ESC_MARKUP).
 */
#include "core/k3sguard.h"
#include "fleet/fleet.h"
#include "report/escape.h"

static const char css[] =
":root{--ok:#1a7f37;--fail:#cf222e;--warn:#9a6700;--err:#8250df;--skip:#6e7781;"
"--line:#d0d7de;font-family:system-ui,sans-serif;color:#1f2328}\n"
"body{margin:16px}h1{font-size:1.5em}\n"
"table{border-collapse:collapse}td,th{border:1px solid var(--line);padding:2px 6px;"
"text-align:left;vertical-align:top}\n"
".cross td{max-width:70ch}\n"
".st{font-weight:600;text-transform:uppercase}\n"
".st-pass{color:var(--ok)}.st-fail{color:var(--fail)}.st-warn{color:var(--warn)}"
".st-error{color:var(--err)}.st-skip{color:var(--skip)}\n"
".wrap{overflow:auto;max-height:85vh;border:1px solid var(--line)}\n"
".m th{position:sticky;top:0;background:#f6f8fa;z-index:1}\n"
".m th.c{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:400;font-size:11px;"
"white-space:nowrap;padding:4px 1px}\n"
".m td.n{position:sticky;left:0;background:#fff;white-space:nowrap}\n"
".m td.k{padding:0;width:14px;height:16px;text-align:center;font:11px monospace;color:#fff}\n"
".k.p{background:var(--ok)}.k.f{background:var(--fail)}.k.w{background:var(--warn)}"
".k.e{background:var(--err)}.k.s{background:#eaeef2;color:var(--skip)}.k.a{background:#fff}\n"
".sc{font-variant-numeric:tabular-nums;text-align:right}\n";

static int
flushed(FILE *out)
{
	if (fflush(out) == EOF || ferror(out))
		return error_errno("cannot write the cluster report");
	return 0;
}

static void
cross_html(const struct fleet *fl, struct esc_ring *r, FILE *out)
{
	fputs("<h2>Across nodes</h2>\n<table class=\"cross\"><thead><tr><th>Status</th>"
	    "<th>Severity</th><th>Check</th><th>Evidence</th></tr></thead><tbody>\n", out);
	for (size_t i = 0; i < fl->ncross; i++) {
		const struct fcross *x = &fl->cross[i];
		const char *st = status_name(x->status);

		fprintf(out, "<tr id=\"cross-%s\"><td class=\"st st-%s\">%s</td><td>%s</td>"
		    "<td>%s<br><small>%s</small></td><td>%s</td></tr>\n", x->id, st, st,
		    severity_name(x->severity), esc_ring(r, x->title), x->id,
		    esc_ring(r, x->evidence));
	}
	fputs("</tbody></table>\n", out);
}

static const struct fleet *sort_fl;

/* Columns: most nodes not passing first, then by id. */
static int
cmp_col(const void *pa, const void *pb)
{
	const struct fcheck *a = &sort_fl->checks[*(const size_t *)pa];
	const struct fcheck *b = &sort_fl->checks[*(const size_t *)pb];

	if (a->bad != b->bad)
		return a->bad < b->bad ? 1 : -1;
	if (a->severity != b->severity)
		return a->severity < b->severity ? 1 : -1;
	return strcmp(a->id, b->id);
}

static void
node_row(const struct fleet *fl, const struct fnode *nd, const size_t *col,
    struct esc_ring *r, FILE *out)
{
	static const char cls[NSTATUS] = { [ST_PASS] = 'p', [ST_FAIL] = 'f', [ST_WARN] = 'w',
		[ST_SKIP] = 's', [ST_ERROR] = 'e' };
	static const char let[NSTATUS] = { [ST_PASS] = ' ', [ST_FAIL] = 'F', [ST_WARN] = 'W',
		[ST_SKIP] = ' ', [ST_ERROR] = 'E' };
	const char *name = esc_ring(r, nd->name);

	fprintf(out, "<tr><td class=\"n\" title=\"%s\">%s</td><td>%s</td><td>%s</td>", esc_ring(r, nd->file),
	    name, esc_ring(r, nd->role), esc_ring(r, nd->k3s_version ? nd->k3s_version : "unknown"));
	for (int s = 0; s < FLEET_NSTRAT; s++)
		if (nd->score[s] < 0)
			fputs("<td class=\"sc\">-</td>", out);
		else
			fprintf(out, "<td class=\"sc\">%.0f%%</td>", nd->score[s] * 100);
	for (size_t j = 0; j < fl->nchecks; j++) {
		int st = nd->cell[col[j]];

		if (st < 0)
			fprintf(out, "<td class=\"k a\" title=\"%s: not in this report\"></td>",
			    esc_ring(r, fl->checks[col[j]].id));
		else
			fprintf(out, "<td class=\"k %c\" title=\"%s: %s\">%c</td>", cls[st],
			    esc_ring(r, fl->checks[col[j]].id), status_name((enum status)st), let[st]);
	}
	fputs("</tr>\n", out);
}

int
fleet_html(const struct fleet *fl, FILE *out)
{
	struct esc_ring r;
	size_t *col = xcalloc(fl->nchecks ? fl->nchecks : 1, sizeof(*col));

	for (size_t k = 0; k < fl->nchecks; k++)
		col[k] = k;
	sort_fl = fl;
	qsort(col, fl->nchecks, sizeof(*col), cmp_col);
	esc_ring_init(&r, ESC_MARKUP);
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
	    "<title>k3sguard cluster report</title><style>\n%s</style></head><body>\n"
	    "<h1>k3sguard cluster report</h1>\n<p id=\"summary\">%zu nodes, %zu checks per node; "
	    "%zu pass, %zu fail, %zu warn, %zu skip, %zu error (cross-node checks included).</p>\n",
	    css, fl->n, fl->nchecks, fl->count[ST_PASS], fl->count[ST_FAIL], fl->count[ST_WARN],
	    fl->count[ST_SKIP], fl->count[ST_ERROR]);
	cross_html(fl, &r, out);
	fputs("<h2>Nodes, worst first</h2>\n<p>Scores: passed over checks that ran, per strategy. "
	    "Cells: F fail, W warn, E error (could not be checked), green pass, grey skip, "
	    "white not in that node's report.</p>\n<div class=\"wrap\"><table class=\"m\"><thead><tr>"
	    "<th>Node</th><th>Role</th><th>K3s</th>", out);
	for (int s = 0; s < FLEET_NSTRAT; s++)
		fprintf(out, "<th class=\"c\">%s</th>", fleet_strategy_ids[s]);
	for (size_t j = 0; j < fl->nchecks; j++)
		fprintf(out, "<th class=\"c\" title=\"%s\">%s</th>", esc_ring(&r, fl->checks[col[j]].title),
		    esc_ring(&r, fl->checks[col[j]].id));
	fputs("</tr></thead><tbody>\n", out);
	for (size_t i = 0; i < fl->n; i++)
		node_row(fl, &fl->nodes[i], col, &r, out);
	fputs("</tbody></table></div>\n</body></html>\n", out);
	esc_ring_release(&r);
	free(col);
	return flushed(out);
}
