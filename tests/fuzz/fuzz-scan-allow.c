/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-scan-allow.c: libFuzzer harness for what a scanned repository (or
 * its user) says to allow in `k3sguard scan` (src/scan/scan-allow.c): the
 * ignore file (.k3sguardignore, part of the repository: attacker input),
 * a baseline, and inline "k3sguard:allow <reason>" comments.  The input is
 * four texts split at NUL: ignore file, baseline, a path below the scan
 * root, a file's content.
 * Invariants besides crashes and leaks: an inline allow's reason is not
 * empty and stays on its line (no newline); every key a baseline holds is
 * found again; a baseline rendered for a finding at the path parses back
 * and holds that finding; the empty ignore file matches nothing.
 */
#include "core/k3sguard.h"
#include "scan/scan.h"
#include "scan/scan-allow.h"
#include "scan/scan-report.h"
#include "parts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
ignore_file(const struct part *ig_text, const char *rel)
{
	struct scan_ignore ig = { NULL, 0 }, none = { NULL, 0 };

	scan_ignore_parse(ig_text->text.s, ig_text->text.len, &ig);
	(void)scan_ignore_match(&ig, rel);
	if (scan_ignore_match(&none, rel))
		abort();
	scan_ignore_release(&ig);
}

/* Every key splits back into (rule, fingerprint, path) that has() finds. */
static void
baseline_keys(const struct scan_baseline *bl)
{
	for (size_t i = 0; i < bl->n; i++) {
		char *k = xstrdup(bl->keys[i]), *t1 = strchr(k, '\t'), *t2;

		if (!t1 || !(t2 = strchr(t1 + 1, '\t')))
			abort();
		*t1 = *t2 = '\0';
		if (!scan_baseline_has(bl, k, t1 + 1, t2 + 1))
			abort();
		free(k);
	}
}

static void
baseline(const struct part *text, const char *rel)
{
	struct scan_baseline bl = { NULL, 0 }, back = { NULL, 0 };
	struct finding f;
	char *out;

	if (scan_baseline_parse(text->text.s, text->text.len, "fuzz", &bl) == 0)
		baseline_keys(&bl);
	scan_baseline_release(&bl);
	clear_error();
	memset(&f, 0, sizeof(f));
	f.hit.rule = (enum scan_rule)(strlen(rel) % SCAN_NRULES);
	snprintf(f.hit.fingerprint, sizeof(f.hit.fingerprint), "%.12s", rel);
	f.rel = rel;
	out = scan_baseline_render(&f, 1);
	/* jansson refuses invalid UTF-8 in a string: such a path has no baseline */
	if (scan_baseline_parse(out, strlen(out), "rendered", &back) == 0) {
		if (back.n == 1 && !scan_baseline_has(&back, scan_rules[f.hit.rule].id,
		    f.hit.fingerprint, rel))
			abort();
	}
	clear_error();
	scan_baseline_release(&back);
	free(out);
}

static void
inline_allows(const struct part *content)
{
	const char *s = content->text.s;
	size_t len = content->text.len;

	for (size_t off = 0; off < len; off += 1 + off / 4) {
		char *r = scan_allow_inline(s, len, off);

		if (r && (!r[0] || strchr(r, '\n')))
			abort();
		free(r);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct part p[4];

	quiet_errors = 1;
	parts_split(data, size, p, 4);
	if (p[2].present) {
		ignore_file(&p[0], p[2].text.s);
		baseline(&p[1], p[2].text.s);
	}
	if (p[3].present)
		inline_allows(&p[3]);
	parts_free(p, 4);
	return 0;
}
