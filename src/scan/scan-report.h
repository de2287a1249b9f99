/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-report.h: the findings of `k3sguard scan` and their renderers
 * (text, JSON, SARIF 2.1.0).
 *
 * Contract: a finding owns its path and justification (scan_findings_free);
 * rel points into path at the part relative to the scan root the file was
 * found under; renderers escape every file-derived string; a suppressed
 * finding (inline allow, ignore file, baseline) is shown in JSON and SARIF
 * with its suppression and left out of the text list and the exit code.
 */
#ifndef K3SGUARD_SCAN_REPORT_H
#define K3SGUARD_SCAN_REPORT_H

#include <stddef.h>

#include "scan/scan.h"

struct finding {
	char *path;			/* as shown */
	const char *rel;		/* path below its scan root (points into path) */
	size_t line, col, end_col;
	struct scan_hit hit;
	const char *supp_kind;		/* NULL, "inSource" or "external" */
	char *justification;		/* why it is suppressed */
	char commit[41];		/* scan --git: the commit that introduced it, or "" */
};

struct stats {
	unsigned long long files, bytes, binary, symlinks, excluded, errors;
};

int finding_cmp(const void *a, const void *b);

/* sha256(rel path, rule, secret fingerprint)[:32]: one per location. */
void finding_location_fp(const struct finding *f, char out[33]);

void print_text(const struct finding *f, size_t n, const struct stats *st);
int print_json(const struct finding *f, size_t n, const struct stats *st);

/* srcroot: the file:// URI %SRCROOT% stands for, or NULL (the working directory). */
int print_sarif(const struct finding *f, size_t n, int ok, const char *srcroot);

void scan_findings_free(struct finding *f, size_t n);

#endif
