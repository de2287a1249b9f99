/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-allow.h: what a user allows in `k3sguard scan`: an inline
 * "k3sguard:allow <reason>" comment, an ignore file of path patterns
 * (.k3sguardignore at the scan root) and a baseline of known findings.
 *
 * Contract: parsers take text the caller read (through the gate for node
 * paths, file.c for local ones); nothing here opens a file.  A baseline
 * holds (path below the root, rule, secret fingerprint) only: no secret.
 */
#ifndef K3SGUARD_SCAN_ALLOW_H
#define K3SGUARD_SCAN_ALLOW_H

#include <stddef.h>

#include "core/buf.h"

#define SCAN_IGNORE_FILE	".k3sguardignore"

/*
 * The reason of a "k3sguard:allow <reason>" on the line holding buf[off]
 * or on the line above it, as a malloc'd string; NULL when there is none
 * or the reason is empty (an allow must say why).
 */
char *scan_allow_inline(const char *buf, size_t len, size_t off);

struct scan_ignore {
	char **pat;
	size_t n;
};

/*
 * Parse an ignore file: one pattern a line (fnmatch(3) globs), '#'
 * comments and blank lines skipped.  A pattern without '/' matches any
 * component of the path; one with '/' matches the path from the root (a
 * leading '/' anchors nothing more) or any directory above the file.
 */
void scan_ignore_parse(const char *text, size_t len, struct scan_ignore *ig);
int scan_ignore_match(const struct scan_ignore *ig, const char *rel);
void scan_ignore_release(struct scan_ignore *ig);

struct scan_baseline {
	char **keys;		/* "rule\tfingerprint\tpath", sorted */
	size_t n;
};

/* Parse a baseline written by scan_baseline_render(); -1 with error() when malformed. */
int scan_baseline_parse(const char *text, size_t len, const char *name, struct scan_baseline *bl);
int scan_baseline_has(const struct scan_baseline *bl, const char *rule, const char *fp,
    const char *rel);
void scan_baseline_release(struct scan_baseline *bl);

struct finding;

/* The baseline of findings f[0..n) as JSON text (malloc'd, ends in '\n'). */
char *scan_baseline_render(const struct finding *f, size_t n);

#endif
