/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report-html.c: the report as one self-contained HTML page, for people
 * who review a node: inline CSS and SVG, no script, no external fetch.
 * k3sguard-report-format: html | one self-contained HTML page (inline CSS and SVG, prints on A4)
 *
 * A header (node, K3s version, datastore, date, totals); per strategy a
 * score bar (passed over checks that ran, coloured by the worst severity
 * that did not pass), the seed's "Currently implemented" and "Missing
 * implementation", and the threats with their severity; then the findings
 * (every check that failed, warned or could not be decided) sorted by
 * severity, and every check at the end.  Everything from the node (paths,
 * evidence) is escaped; evidence never holds a secret (check.h).
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "report/escape.h"
#include "report/report.h"

#include <time.h>

static const char css[] =
":root{--fg:#1d2329;--muted:#5b6670;--line:#d8dee4;--bg:#fff;--soft:#f4f6f8;"
"--critical:#a4161a;--high:#d9480f;--medium:#b7791f;--low:#3b5bdb;--ok:#2b8a3e;--skip:#868e96}\n"
"*{box-sizing:border-box}\n"
"body{margin:0;font:15px/1.45 \"DejaVu Sans\",system-ui,sans-serif;color:var(--fg);background:var(--bg)}\n"
"header,main,footer{max-width:1100px;margin:0 auto;padding:0 20px}\n"
"header{padding-top:18px;border-bottom:3px solid var(--fg)}\n"
"h1{font-size:1.5em;margin:0 0 6px}h2{font-size:1.2em;margin:0 0 8px}"
"h3{font-size:.95em;margin:10px 0 4px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}\n"
"dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}\n"
"dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;word-break:break-all}\n"
".totals{display:flex;flex-wrap:wrap;gap:8px;margin:10px 0 14px}\n"
".totals span{padding:3px 10px;border-radius:12px;background:var(--soft);font-weight:600}\n"
".st-pass{color:var(--ok)}.st-fail{color:var(--critical)}.st-warn{color:var(--medium)}"
".st-skip{color:var(--skip)}.st-error{color:var(--high)}.st-waived{color:var(--medium)}\n"
"section.strategy{border:1px solid var(--line);border-radius:6px;padding:14px 16px;margin:16px 0;"
"break-inside:avoid}\n"
".score{display:flex;align-items:center;gap:12px;margin:4px 0 6px}\n"
".score svg{flex:1;max-width:420px;height:14px}\n"
".score .n{font-weight:600;white-space:nowrap}\n"
".fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 24px}\n"
"ul{margin:0;padding-left:20px}li{margin:2px 0}\n"
".none{color:var(--muted);font-style:italic}\n"
".sev{display:inline-block;min-width:5.2em;text-align:center;padding:0 6px;border-radius:3px;"
"color:#fff;font-size:.8em;font-weight:700;text-transform:uppercase}\n"
".sev-critical{background:var(--critical)}.sev-high{background:var(--high)}"
".sev-medium{background:var(--medium)}.sev-low{background:var(--low)}"
".sev-other{background:var(--skip)}\n"
"table{width:100%;border-collapse:collapse;margin:6px 0 18px;font-size:.92em}\n"
"th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line);overflow-wrap:anywhere}\n"
"th{background:var(--soft)}td code{font-size:.95em}\n"
"table.findings{table-layout:fixed}table.findings th:nth-child(1){width:11%}"
"table.findings th:nth-child(2){width:24%}table.findings th:nth-child(3){width:33%}\n"
"table.all{table-layout:fixed}table.all th:nth-child(1){width:14%}table.all th:nth-child(2){width:32%}\n"
"td.ev{word-break:break-word;font-family:\"DejaVu Sans Mono\",monospace;font-size:.88em}\n"
"footer{color:var(--muted);font-size:.85em;padding:10px 20px 24px}\n"
"@media (max-width:700px){body{font-size:14px}.fields{grid-template-columns:1fr}"
".score{flex-wrap:wrap;gap:4px 10px}.score svg{flex:0 0 100%;max-width:none}"
"table,thead,tbody,tr,td{display:block}thead{display:none}"
"tr{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:4px 0}"
"td{border:0;padding:3px 10px}td::before{content:attr(data-label);display:block;"
"color:var(--muted);font-size:.8em;text-transform:uppercase}}\n"
"@page{size:A4;margin:14mm}\n"
"@media print{body{font-size:10pt}header,main,footer{max-width:none;padding:0}"
"section.strategy{border-color:#999}tr{break-inside:avoid}thead{display:table-header-group}"
".sev,.totals span,th{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

/*
 * The one escape of this renderer: every string in text and in attribute
 * values (escape.h ESC_MARKUP: entities, visible controls, valid UTF-8).
 */
static void
esc(FILE *out, const char *s)
{
	esc_fputs(s, ESC_MARKUP, out);
}

/* The node's name: its /etc/hostname (through the gate), or this host's name for "/". */
static void
node_name(const struct report *rp, struct buf *out)
{
	const char *root = rp->node->root ? rp->node->root : "/";
	struct buf b = BUF_INIT;

	quiet_errors++;
	if (gate_read("/etc/hostname", 256, &b, NULL) == 0) {
		buf_trim(&b);
		buf_add(out, b.s, strcspn(b.s, "\n"));
	}
	quiet_errors--;
	clear_error();
	if (!out->len && !strcmp(root, "/")) {
		char h[256];

		if (gethostname(h, sizeof(h)) == 0) {
			h[sizeof(h) - 1] = '\0';
			buf_adds(out, h);
		}
	}
	if (!out->len)
		buf_adds(out, "(unnamed node)");
	if (strcmp(root, "/"))
		buf_addf(out, " (node root %s)", root);
	buf_release(&b);
}

/* -1: nothing failed; else the worst severity that failed, warned or errored. */
static int
worst(const struct report *rp, const struct strategy *s)
{
	int w = -1;

	for (size_t i = 0; i < rp->nitems; i++) {
		const struct report_item *it = &rp->items[i];
		enum status st = it->result.status;

		if (it->strategy == s && (st == ST_FAIL || st == ST_WARN || st == ST_ERROR || st == ST_WAIVED) &&
		    (int)it->check->severity > w)
			w = (int)it->check->severity;
	}
	return w;
}

static void
list(FILE *out, const struct phrases *p)
{
	if (!p->n) {
		fputs("<p class=\"none\">Nothing.</p>\n", out);
		return;
	}
	fputs("<ul>\n", out);
	for (size_t i = 0; i < p->n; i++) {
		fputs("<li>", out);
		esc(out, p->v[i]);
		fputs("</li>\n", out);
	}
	fputs("</ul>\n", out);
}

static const char *
sev_class(const char *sev)
{
	static const char *const known[] = { "critical", "high", "medium", "low" };

	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (!strcmp(sev, known[i]))
			return known[i];
	return "other";
}

static void
strategy_section(const struct report *rp, FILE *out, size_t si)
{
	static const char *const colour[] = { "var(--low)", "var(--medium)", "var(--high)",
		"var(--critical)" };
	const struct strategy *s = &strategies[si];
	size_t pass = 0, ran = 0, skipped = 0;
	struct phrases impl, miss;
	int w = worst(rp, s);
	double pct;

	for (size_t i = 0; i < rp->nitems; i++) {
		if (rp->items[i].strategy != s)
			continue;
		if (rp->items[i].result.status == ST_SKIP) {
			skipped++;
			continue;
		}
		ran++;
		pass += rp->items[i].result.status == ST_PASS;
	}
	pct = ran ? 100.0 * (double)pass / (double)ran : 0;
	fputs("<section class=\"strategy\" id=\"strategy-", out);
	esc(out, s->id);
	fputs("\">\n<h2>", out);
	esc(out, s->title);
	fputs("</h2>\n<div class=\"score\">", out);
	fprintf(out, "<svg viewBox=\"0 0 100 6\" preserveAspectRatio=\"none\" role=\"img\" "
	    "aria-label=\"%zu of %zu checks passed\"><rect width=\"100\" height=\"6\" rx=\"1\" "
	    "fill=\"#e9ecef\"/><rect width=\"%.1f\" height=\"6\" rx=\"1\" fill=\"%s\"/></svg>",
	    pass, ran, pct, w < 0 ? "var(--ok)" : colour[w]);
	fprintf(out, "<span class=\"n\">%zu / %zu passed</span>", pass, ran);
	if (skipped)
		fprintf(out, "<span class=\"none\">%zu not applicable</span>", skipped);
	if (w >= 0)
		fprintf(out, "<span class=\"sev sev-%s\">worst: %s</span>",
		    severity_name((enum severity)w), severity_name((enum severity)w));
	fputs("</div>\n<div class=\"fields\"><div><h3>Currently implemented</h3>\n", out);
	report_fields(rp, si, &impl, &miss);
	list(out, &impl);
	fputs("</div><div><h3>Missing implementation</h3>\n", out);
	list(out, &miss);
	phrases_free(&impl);
	phrases_free(&miss);
	fputs("</div></div>\n<h3>Threats mitigated</h3>\n<ul>\n", out);
	for (size_t t = 0; t < s->nthreats; t++) {
		fprintf(out, "<li><span class=\"sev sev-%s\">", sev_class(s->threats[t].severity));
		esc(out, s->threats[t].severity);
		fputs("</span> ", out);
		esc(out, s->threats[t].name);
		fputs("</li>\n", out);
	}
	fputs("</ul>\n</section>\n", out);
}

static void
check_row(FILE *out, const struct report_item *it, int with_fix)
{
	const char *sev = severity_name(it->check->severity);
	const char *st = status_name(it->result.status);

	fprintf(out, "<tr id=\"%s-", with_fix ? "finding" : "check");
	esc(out, it->check->id);
	fprintf(out, "\"><td data-label=\"Severity\"><span class=\"sev sev-%s\">%s"
	    "</span> <strong class=\"st-%s\">%s</strong></td>", sev, sev, st, st);
	fputs("<td data-label=\"Check\"><code>", out);
	esc(out, it->check->id);
	fputs("</code><br>", out);
	esc(out, it->check->title);
	fputs("</td><td class=\"ev\" data-label=\"Evidence\">", out);
	esc(out, it->result.evidence.s);
	fputs("</td>", out);
	if (with_fix) {
		fputs("<td data-label=\"Remediation\">", out);
		esc(out, it->check->remediation);
		fputs("</td>", out);
	}
	fputs("</tr>\n", out);
}

int
report_html(const struct report *rp, FILE *out)
{
	const struct node *n = rp->node;
	struct buf name = BUF_INIT;
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	size_t nfind = 0;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm);
	node_name(rp, &name);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"generator\" content=\"k3sguard " K3SGUARD_VERSION "\">\n<title>k3sguard audit: ", out);
	esc(out, name.s);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n"
	    "<h1>k3sguard audit</h1>\n<dl class=\"meta\">\n<dt>Node</dt><dd id=\"node\">", css);
	esc(out, name.s);
	fprintf(out, "</dd>\n<dt>Role</dt><dd>%s</dd>\n<dt>K3s version</dt><dd>", role_name(n->role));
	esc(out, report_node_version(rp));
	fprintf(out, "</dd>\n<dt>Datastore</dt><dd>%s</dd>\n<dt>Date</dt><dd>%s</dd>\n"
	    "</dl>\n<div class=\"totals\">", datastore_name(n->datastore), date);
	for (int st = 0; st < NSTATUS; st++)
		fprintf(out, "<span class=\"st-%s\">%zu %s</span>", status_name((enum status)st),
		    rp->count[st], status_name((enum status)st));
	fputs("</div>\n</header>\n<main>\n", out);
	for (size_t si = 0; si < nstrategies; si++)
		if (report_has_strategy(rp, si))
			strategy_section(rp, out, si);
	fputs("<section id=\"findings\">\n<h2>Findings</h2>\n", out);
	for (size_t i = 0; i < rp->nitems; i++) {
		enum status st = rp->items[i].result.status;

		nfind += st == ST_FAIL || st == ST_WARN || st == ST_ERROR || st == ST_WAIVED;
	}
	if (!nfind) {
		fputs("<p class=\"none\">No check failed.</p>\n", out);
	} else {
		fputs("<table class=\"findings\">\n<thead><tr><th>Severity</th><th>Check</th><th>Evidence</th>"
		    "<th>Remediation</th></tr></thead>\n<tbody>\n", out);
		for (int sev = SEV_CRITICAL; sev >= SEV_LOW; sev--)
			for (size_t i = 0; i < rp->nitems; i++) {
				const struct report_item *it = &rp->items[i];
				enum status st = it->result.status;

				if ((int)it->check->severity == sev &&
				    (st == ST_FAIL || st == ST_WARN || st == ST_ERROR || st == ST_WAIVED))
					check_row(out, it, 1);
			}
		fputs("</tbody>\n</table>\n", out);
	}
	fputs("</section>\n<section id=\"checks\">\n<h2>Every check</h2>\n<table class=\"all\">\n<thead><tr>"
	    "<th>Result</th><th>Check</th><th>Evidence</th></tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i < rp->nitems; i++)
		check_row(out, &rp->items[i], 0);
	fputs("</tbody>\n</table>\n</section>\n</main>\n<footer>", out);
	fprintf(out, "k3sguard %s &middot; %zu checks &middot; ", K3SGUARD_VERSION, rp->nitems);
	for (size_t i = 0; i < n->nerrors; i++) {
		fputs("<br>could not read ", out);
		esc(out, n->errors[i].source);
		fputs(": ", out);
		esc(out, n->errors[i].msg);
	}
	fputs("'k3sguard audit' exits 1 when a check fails, 2 when something could not be checked."
	    "</footer>\n</body>\n</html>\n", out);
	buf_release(&name);
	return ferror(out) ? error("cannot write the HTML report") : 0;
}
