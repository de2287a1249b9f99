/*
 * report-text.c: the default report, for people.
 * k3sguard-report-format: text | for people: grouped by strategy, the seed's two fields filled in
 *
 * Per strategy: the seed's title, the threats it names with their
 * severity, the two fields filled from the evidence, then every check with
 * its status, evidence and (when it did not pass) its remediation.
 */
#include "core/k3sguard.h"
#include "report/report.h"

static const char *const status_upper[] = { "PASS", "FAIL", "WARN", "SKIP", "ERROR" };

static void
print_list(FILE *out, const char *heading, const struct phrases *p)
{
	fprintf(out, "%s:\n", heading);
	if (!p->n)
		fputs("  (nothing)\n", out);
	for (size_t i = 0; i < p->n; i++)
		fprintf(out, "  - %s\n", p->v[i]);
}

int
report_text(const struct report *rp, FILE *out)
{
	const struct node *n = rp->node;

	fprintf(out, "k3sguard %s audit of %s: %s node, K3s %s, datastore %s\n",
	    K3SGUARD_VERSION, n->root ? n->root : "/", role_name(n->role),
	    report_node_version(rp), datastore_name(n->datastore));
	for (size_t si = 0; si < nstrategies; si++) {
		const struct strategy *s = &strategies[si];
		struct phrases impl, miss;

		if (!report_has_strategy(rp, si))
			continue;
		fprintf(out, "\n== %s: %s\n", s->id, s->title);
		fputs("Threats mitigated:\n", out);
		for (size_t t = 0; t < s->nthreats; t++)
			fprintf(out, "  - %s (severity: %s)\n", s->threats[t].name,
			    s->threats[t].severity);
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
			fprintf(out, "  %-5s %-8s %s  %s\n", status_upper[it->result.status],
			    severity_name(it->check->severity), it->check->id, it->check->title);
			fprintf(out, "        %s\n", it->result.evidence.s);
			if (it->result.status == ST_FAIL || it->result.status == ST_WARN ||
			    it->result.status == ST_ERROR)
				fprintf(out, "        fix: %s\n", it->check->remediation);
		}
	}
	fprintf(out, "\nsummary: %zu pass, %zu fail, %zu warn, %zu skip, %zu error\n",
	    rp->count[ST_PASS], rp->count[ST_FAIL], rp->count[ST_WARN], rp->count[ST_SKIP],
	    rp->count[ST_ERROR]);
	return 0;
}
