/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report-text.c: the default report, for people.
 * k3sguard-report-format: text | for people: grouped by strategy, the seed's two fields filled in
 *
 * Per strategy: the seed's title, the threats it names with their
 * severity, the two fields filled from the evidence, then every check with
 * its status, evidence and (when it did not pass) its remediation.
 *
 * Every string printed goes through T() (escape.h, ESC_TEXT): only this
 * file's own format strings end lines or hold control bytes, so a value
 * from the node cannot print a line of its own ("  PASS  ...") nor reach
 * the terminal with an escape sequence.
 */
#include "core/k3sguard.h"
#include "report/escape.h"
#include "report/report.h"

static const char *const status_upper[] = { "PASS", "FAIL", "WARN", "SKIP", "ERROR", "WAIVED" };

/* SGR colours per status, when rp->color: green, red, yellow, blue, bold red, magenta. */
static const char *const status_sgr[] = { "32", "31", "33", "34", "1;31", "35" };

static struct esc_ring ring;

/* The one escape of this renderer: s as text, for the current line. */
static const char *
T(const char *s)
{
	return esc_ring(&ring, s);
}

static void
print_list(FILE *out, const char *heading, const struct phrases *p)
{
	fprintf(out, "%s:\n", heading);
	if (!p->n)
		fputs("  (nothing)\n", out);
	for (size_t i = 0; i < p->n; i++)
		fprintf(out, "  - %s\n", T(p->v[i]));
}

int
report_text(const struct report *rp, FILE *out)
{
	const struct node *n = rp->node;

	esc_ring_init(&ring, ESC_TEXT);
	fprintf(out, "k3sguard %s audit of %s: %s node, K3s %s (from %s), datastore %s\n",
	    K3SGUARD_VERSION, T(n->root ? n->root : "/"), T(role_name(n->role)),
	    T(report_node_version(rp)),
	    T(n->k3s_version_from ? n->k3s_version_from : VERSION_FROM_UNKNOWN),
	    T(datastore_name(n->datastore)));
	for (size_t si = 0; si < nstrategies; si++) {
		const struct strategy *s = &strategies[si];
		struct phrases impl, miss;

		if (!report_has_strategy(rp, si))
			continue;
		fprintf(out, "\n== %s: %s\n", T(s->id), T(s->title));
		fputs("Threats mitigated:\n", out);
		for (size_t t = 0; t < s->nthreats; t++)
			fprintf(out, "  - %s (severity: %s)\n", T(s->threats[t].name),
			    T(s->threats[t].severity));
		report_fields(rp, si, &impl, &miss);
		print_list(out, "Currently implemented", &impl);
		print_list(out, "Missing implementation", &miss);
		phrases_free(&impl);
		phrases_free(&miss);
		fputs("Checks:\n", out);
		for (size_t i = 0; i < rp->nitems; i++) {
			const struct report_item *it = &rp->items[i];

			if (it->strategy != s)
				continue;
			if (rp->color)
				fprintf(out, "  \033[%sm%-6s\033[0m %-8s %s  %s\n",
				    status_sgr[it->result.status], status_upper[it->result.status],
				    severity_name(it->check->severity), T(it->check->id),
				    T(it->check->title));
			else
				fprintf(out, "  %-6s %-8s %s  %s\n", status_upper[it->result.status],
				    severity_name(it->check->severity), T(it->check->id),
				    T(it->check->title));
			fprintf(out, "        %s\n", T(it->result.evidence.s));
			if (it->result.status == ST_FAIL || it->result.status == ST_WARN ||
			    it->result.status == ST_ERROR)
				fprintf(out, "        fix: %s\n", T(it->check->remediation));
		}
	}
	fprintf(out, "\nsummary: %zu pass, %zu fail, %zu warn, %zu skip, %zu error, %zu waived\n",
	    rp->count[ST_PASS], rp->count[ST_FAIL], rp->count[ST_WARN], rp->count[ST_SKIP],
	    rp->count[ST_ERROR], rp->count[ST_WAIVED]);
	esc_ring_release(&ring);
	return 0;
}
