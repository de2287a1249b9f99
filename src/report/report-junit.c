/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report-junit.c: JUnit XML for CI systems: one testsuite per strategy,
 * one testcase per check.  fail -> <failure>, error -> <error>,
 * skip -> <skipped>; warn passes with the warning in <system-out>.
 * k3sguard-report-format: junit | JUnit XML for CI (one testsuite per strategy)
 */
#include "core/k3sguard.h"
#include "report/escape.h"
#include "report/report.h"

/*
 * The one escape of this renderer: every string between the tags and in
 * attribute values, as well-formed XML 1.0 in UTF-8 (escape.h ESC_MARKUP).
 */
static void
xml(FILE *out, const char *s)
{
	esc_fputs(s, ESC_MARKUP, out);
}

int
report_junit(const struct report *rp, FILE *out)
{
	size_t fails = rp->count[ST_FAIL], errs = rp->count[ST_ERROR];

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites name=\"k3sguard audit\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n",
	    rp->nitems, fails, errs, rp->count[ST_SKIP] + rp->count[ST_WAIVED]);
	for (size_t si = 0; si < nstrategies; si++) {
		const struct strategy *s = &strategies[si];
		size_t c[NSTATUS] = { 0 }, total = 0;

		if (!report_has_strategy(rp, si))
			continue;
		for (size_t i = 0; i < rp->nitems; i++)
			if (rp->items[i].strategy == s)
				c[rp->items[i].result.status]++, total++;
		fputs("  <testsuite name=\"", out);
		xml(out, s->id);
		fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n",
		    total, c[ST_FAIL], c[ST_ERROR], c[ST_SKIP] + c[ST_WAIVED]);
		for (size_t i = 0; i < rp->nitems; i++) {
			const struct report_item *it = &rp->items[i];
			const char *tag = NULL;

			if (it->strategy != s)
				continue;
			fputs("    <testcase classname=\"k3sguard.", out);
			xml(out, s->id);
			fputs("\" name=\"", out);
			xml(out, it->check->id);
			fputs("\">\n", out);
			switch (it->result.status) {
			case ST_FAIL:
				tag = "failure";
				break;
			case ST_ERROR:
				tag = "error";
				break;
			case ST_SKIP:
			case ST_WAIVED:
				fputs("      <skipped message=\"", out);
				xml(out, it->result.evidence.s);
				fputs("\"/>\n", out);
				break;
			default:
				break;
			}
			if (tag) {
				fprintf(out, "      <%s type=\"", tag);
				xml(out, severity_name(it->check->severity));
				fputs("\" message=\"", out);
				xml(out, it->result.evidence.s);
				fputs("\">", out);
				xml(out, it->check->title);
				fputs("\nRemediation: ", out);
				xml(out, it->check->remediation);
				fprintf(out, "</%s>\n", tag);
			}
			fputs("      <system-out>", out);
			xml(out, status_name(it->result.status));
			fputs(": ", out);
			xml(out, it->result.evidence.s);
			fputs("</system-out>\n    </testcase>\n", out);
		}
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
	return 0;
}
