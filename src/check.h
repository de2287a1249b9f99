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

#include "buf.h"
#include "node.h"

enum severity { SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };
enum status { ST_PASS, ST_FAIL, ST_WARN, ST_SKIP, ST_ERROR };

struct check_result {
	enum status status;
	struct buf evidence;
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

/* Set status and evidence (printf-style); each returns nothing. */
void check_pass(struct check_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void check_fail(struct check_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void check_warn(struct check_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void check_skip(struct check_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void check_error(struct check_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

const char *severity_name(enum severity s);
int severity_parse(const char *s, enum severity *out);
const char *status_name(enum status s);

#endif
