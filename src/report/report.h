/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.h: the results of an audit, and the renderers that print them.
 *
 * A struct report holds the node and one item per check run, in registry
 * order.  Renderers only read it.  A renderer is a file src/report-<name>.c
 * whose opening comment has the line
 *     k3sguard-report-format: <name> | <one-line summary>
 * and which defines int report_<name>(const struct report *, FILE *); the
 * format table is generated from those lines (mk/audit.mk), so adding a
 * format (html, prom, ...) is adding a file.
 *
 * Evidence in a report never holds a secret (see check.h); renderers print
 * it as data, never interpret it.  Evidence, paths, the K3s version and
 * every other string may hold any byte whatever the check did with it: each
 * renderer passes every string it prints through escape.h, at one place.
 */
#ifndef K3SGUARD_REPORT_H
#define K3SGUARD_REPORT_H

#include <stdio.h>
#include <time.h>

#include "checks/check.h"

struct report_item {
	const struct strategy *strategy;
	const struct check *check;
	struct check_result result;
	double seconds;			/* the check's run time */
};

struct report {
	const struct node *node;
	struct report_item *items;	/* registry order */
	size_t nitems;
	size_t count[NSTATUS];		/* indexed by enum status */
	unsigned strategies;		/* bit i: strategies[i] was audited */
	time_t started;			/* when report_build began */
	int color;			/* text: ANSI colours on the status words */
};

/*
 * Run the checks of the strategies in mask (bit i = strategies[i]; 0 = all)
 * on n.  Never fails: a check that cannot decide says error.
 */
void report_build(struct report *rp, const struct node *n, unsigned mask);
void report_free(struct report *rp);

/* 1 when strategies[i] was audited. */
int report_has_strategy(const struct report *rp, size_t i);

/*
 * The seed's two fields for strategies[si], filled from the evidence: the
 * "implemented" phrase of each check that passed, the "missing" phrase of
 * each that failed or warned, "Not determined (error): TITLE." for errors;
 * skipped checks appear in neither.  Deduplicated, in registry order.
 */
struct phrases {
	char **v;
	size_t n;
};
void report_fields(const struct report *rp, size_t si, struct phrases *implemented,
    struct phrases *missing);
void phrases_free(struct phrases *p);

/* The node's datastore, role and version as words ("unknown" when NULL). */
const char *report_node_version(const struct report *rp);
/*
 * Apply the waivers of file (a local path), or of the node's
 * /etc/k3sguard/waivers.yaml when file is NULL (absent: none): a fail or
 * warn of the check named (on a node whose name matches the glob) becomes
 * waived, its evidence saying the reason, expiry and what it was.  An
 * expired waiver is not applied, and says so (stderr and the evidence).
 * A malformed file or an unknown check id is fatal (exit 2).
 */
void report_waive(struct report *rp, const char *file);
/* The node's name into out: K3s's node-name, else the host name ("" unknown). */
void report_node_name(const struct report *rp, struct buf *out);

struct report_format {
	const char *name;
	int (*render)(const struct report *rp, FILE *out);	/* 0, or -1 after error() */
	const char *summary;
};
extern const struct report_format report_formats[];
/*
 * Output plumbing (output.c), for every command that renders: colour
 * (auto: on a terminal, unless NO_COLOR is set and not empty, TERM=dumb,
 * or -o), quiet (nothing on standard output), -o FILE (a local path,
 * written atomically, mode 0600).
 */
enum report_color { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };
struct report_output_opts {
	const char *file;	/* -o, or NULL for standard output */
	int quiet;
	enum report_color color;
};
int report_color_choice(const char *arg, enum report_color *out);	/* -1: not one */
int report_color_on(enum report_color c, const char *outfile);
/* render(arg, stream) to where o says: 0, or -1 after error(). */
int report_output(const struct report_output_opts *o, int (*render)(const void *, FILE *),
    const void *arg);
/*
 * audit --diff: the failures of rp that OLD (a JSON report of an earlier
 * audit, a local file) did not have, and those it had that rp no longer
 * has, as text or JSON.  -1 (after error()) when OLD cannot be read.
 */
struct report_diff {
	char **added, **resolved;	/* check ids */
	size_t nadded, nresolved;
};
int report_diff_load(const struct report *rp, const char *old, struct report_diff *d);
int report_diff_render(const struct report *rp, const struct report_diff *d, int json,
    FILE *out);
void report_diff_free(struct report_diff *d);

/* Every renderer's prototype (build/report-formats.inc is generated). */
#define REPORT_FORMAT(name, fn, summary) int fn(const struct report *rp, FILE *out);
#include "report-formats.inc"
#undef REPORT_FORMAT

extern const size_t nreport_formats;
const struct report_format *report_format_find(const char *name);

#endif
