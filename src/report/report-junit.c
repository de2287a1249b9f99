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

/* The seconds of the checks of strategy s (NULL: all). */
static double
suite_seconds(const struct report *rp, const struct strategy *s)
{
	double t = 0;

	for (size_t i = 0; i < rp->nitems; i++)
		if (!s || rp->items[i].strategy == s)
			t += rp->items[i].seconds;
	return t;
}

int
report_junit(const struct report *rp, FILE *out)
{
	size_t fails = rp->count[ST_FAIL], errs = rp->count[ST_ERROR];
	struct buf host = BUF_INIT;
	char stamp[32];
	struct tm tm;

	if (!gmtime_r(&rp->started, &tm) ||
	    !strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(stamp, sizeof(stamp), "1970-01-01T00:00:00");
	report_node_name(rp, &host);

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites name=\"k3sguard audit\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.6f\">\n",
	    rp->nitems, fails, errs, suite_seconds(rp, NULL));
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
		fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
		    "time=\"%.6f\" timestamp=\"%s\" hostname=\"", total, c[ST_FAIL], c[ST_ERROR],
		    c[ST_SKIP] + c[ST_WAIVED], suite_seconds(rp, s), stamp);
		xml(out, host.s && host.s[0] ? host.s : "unknown");
		fputs("\">\n", out);
		for (size_t i = 0; i < rp->nitems; i++) {
			const struct report_item *it = &rp->items[i];
			const char *tag = NULL;

			if (it->strategy != s)
				continue;
			fputs("    <testcase classname=\"k3sguard.", out);
			xml(out, s->id);
			fputs("\" name=\"", out);
			xml(out, it->check->id);
			fprintf(out, "\" time=\"%.6f\">\n", it->seconds);
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
	buf_release(&host);
	return 0;
}
