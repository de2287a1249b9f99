/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check.h: the check registry.  Checks are data: one row per check, in one
 * table per strategy (src/check-<strategy>.c), so the report, the man page
 * and the tests read one list.
 *
 * A check function fills in a result: status and evidence.  Evidence is one
 * line, points at the file (and line) it comes from, and MUST NOT contain a
 * secret (use token_describe() for tokens).  Unknown never passes: when the
 * input needed is missing or broken, the status is skip (with why) or error.
 */
#ifndef K3SGUARD_CHECK_H
#define K3SGUARD_CHECK_H

#include "core/buf.h"
#include "node/node.h"

enum severity { SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };
/* ST_WAIVED: a fail or warn accepted by a waiver (report_waive); never a pass. */
enum status { ST_PASS, ST_FAIL, ST_WARN, ST_SKIP, ST_ERROR, ST_WAIVED };

struct check_result {
	enum status status;
	struct buf evidence;
};

/*
 * What a check reads besides the node's files under --root.  An image
 * (--root DIR, DIR not /) is not the machine that runs it: probing the
 * endpoints it names is allowed only with 'audit --live', and this host's
 * kernel state is never the image's.  A check that reaches beyond the
 * root says so in its row and asks check_offline() first.
 */
enum check_reach {
	REACH_ROOT,		/* only files under --root (and k3sguard's own data) */
	REACH_NETWORK,		/* endpoints the node names (etcd's client URLs) */
	REACH_KERNEL,		/* this host's kernel: nftables ruleset, /proc, /sys */
};

struct check {
	const char *id;			/* stable: "server-token.file-mode" */
	const char *strategy;		/* "etcd", "server-token", ... */
	enum severity severity;
	const char *title;
	void (*fn)(const struct node *n, struct check_result *r);
	const char *remediation;
	const char *implemented;	/* "Currently implemented" phrase on pass */
	const char *missing;		/* "Missing implementation" phrase on fail/warn */
	enum check_reach reach;		/* what it reads: every row says it */
};

struct threat {
	const char *name;
	const char *severity;		/* as the seed says: "critical", "variable", ... */
};

struct strategy {
	const char *id;			/* "etcd", "server-token", "agent-token", "manifests", "traefik", "updates" */
	const char *title;
	const struct threat *threats;
	size_t nthreats;
	const struct check *checks;
	const size_t *nchecks;
};

extern const struct strategy strategies[];
extern const size_t nstrategies;

/* One table per strategy, each in its own file. */
#define DECLARE_CHECKS(name) \
	extern const struct check checks_##name[]; \
	extern const size_t nchecks_##name
DECLARE_CHECKS(etcd);
DECLARE_CHECKS(server_token);
DECLARE_CHECKS(agent_token);
DECLARE_CHECKS(manifests);
DECLARE_CHECKS(traefik);
DECLARE_CHECKS(updates);

/*
 * Set status and evidence (printf-style); each returns nothing.  The one
 * place a result is recorded: control characters in the evidence (values
 * from the node) are escaped here, so a value cannot forge a report line.
 */
void check_set(struct check_result *r, enum status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void check_pass(struct check_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void check_fail(struct check_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void check_warn(struct check_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void check_skip(struct check_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void check_error(struct check_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "root", "network" or "kernel" (audit --list-checks, the man page) */
const char *check_reach_name(enum check_reach reach);
/*
 * Called by the running check just before it reads beyond the root.  0:
 * go on (the live host, or --live for the network).  1: r is set: skip
 * "offline image ..." under an image, or error when the check's row does
 * not declare what it reaches (a row that lies is a bug, never a pass).
 */
int check_offline(struct check_result *r);

const char *severity_name(enum severity s);
int severity_parse(const char *s, enum severity *out);
const char *status_name(enum status s);
/*
 * 1 when 'k3sguard fix' has a rule for the check (src/cmd/fix.c rules[];
 * t1120 keeps the two lists equal).
 */
int check_fixable(const char *id);

/*
 * Additions (audit): running checks and helpers the check files share.
 */

/* Initialise r; release it (evidence is never a secret, but wipe anyway). */
void check_result_init(struct check_result *r);
void check_result_release(struct check_result *r);
/*
 * Run c on n into r (initialised here).  A check function that sets no
 * status is reported as an error: unknown never passes.
 */
void check_run(const struct check *c, const struct node *n, struct check_result *r);

/* Registry lookups; NULL when absent.  *sp receives the check's strategy. */
const struct strategy *strategy_find(const char *id);
const struct check *check_find(const char *id, const struct strategy **sp);

/*
 * A file as a check sees it: lstat'ed through the gate (inside the root,
 * the last component not followed), from the node's file table when it
 * has the path.  exists: 1 found,
 * 0 ENOENT, -1 could not be examined (err says why, names the file).
 */
struct check_file {
	char path[1024];		/* host path */
	int exists;
	struct stat st;
	char target[256];		/* symlink target, "" otherwise */
	char err[320];
};
void check_stat(const struct node *n, const char *host_path, struct check_file *f);

/*
 * Read a node file a check needs, through the gate: the last component not
 * followed, a regular file with ONE link (a hard link's other name may be
 * outside the root: it is never read), at most cap bytes, appended to out.
 * ST_PASS when read; otherwise the status to report and why in *why
 * (fail: missing or hard-linked; skip: a symlink or not a regular file;
 * error: could not be read).
 */
enum status check_read(const char *host_path, size_t cap, struct buf *out, struct buf *why);
/*
 * The same for a token file (TOKEN_MAX), parsed into t; raw is secret
 * memory the caller wipes.  A file that does not parse: fail.
 */
struct token_info;
enum status check_read_token(const char *host_path, struct buf *raw, struct token_info *t,
    struct buf *why);

/* Append "path (mode 0644, owner uid 0, regular file)" to b. */
void check_describe_file(struct buf *b, const struct check_file *f);

/*
 * When the node recorded an error against source ("config", "unit", "env",
 * "version", "files"), set r to error naming it and return 1; else 0.
 */
int check_source_failed(const struct node *n, const char *source, struct check_result *r);
/*
 * The same for every source of K3s's options ("config", "unit", "env"): a
 * check that reads the merged options cannot tell them when one failed.
 */
int check_options_failed(const struct node *n, struct check_result *r);

/* 1 (and r set to skip) when the node is an agent: a server-only check. */
int check_skip_agent(const struct node *n, struct check_result *r);

/* origin_str() of an option's effective value, or "an unknown place". */
const char *check_origin(const struct node *n, const char *opt);

/*
 * Places where a token is written in plain text: every value seen for the
 * options named (e.g. "token", "agent-token"), from config files, units'
 * ExecStart= and Environment=, and env files.  value points into the node:
 * never print it, describe it with token_describe().
 */
struct token_hit {
	const char *opt;		/* "token", "agent-token" */
	const char *name;		/* as written: "K3S_TOKEN", "--token", "token" */
	const char *value;
	enum source_kind kind;
	char where[320];		/* "file:line" */
};
size_t check_token_hits(const struct node *n, const char *const *opts, size_t nopts,
    struct token_hit **out);
/* "K3S_TOKEN at f:3 (secure server token (CA ..., fingerprint ...))" */
void check_describe_hit(struct buf *b, const struct token_hit *h);

/*
 * The files that define the K3s services: each unit file (or OpenRC
 * script) and its drop-ins, and whether a token value is written in it
 * (ExecStart=, Environment=).  path points into the node.
 */
struct unit_file {
	const char *path;
	int openrc;		/* an init script: must stay executable */
	int has_token;
};
size_t check_unit_files(const struct node *n, struct unit_file **out);

/*
 * Walk the manifests directory (server/manifests under the data dir) as
 * K3s does, recursively, without following any symlink.  cb gets the host
 * path and lstat of every entry below the directory (not the directory
 * itself); a non-zero return stops the walk.  Returns 0, 1 when the
 * directory does not exist (or is not a directory), or -1 with a message
 * in err naming the path (unreadable, too deep, too many entries).
 */
typedef int (*manifest_cb)(void *ctx, const char *host_path, const struct stat *st,
    const char *link_target);
int manifests_walk(const struct node *n, manifest_cb cb, void *ctx, struct buf *err);

/* status counts indexed by enum status */
#define NSTATUS 6

#endif
