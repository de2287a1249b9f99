/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifests-ops.h: the operations behind `manifests lock|verify|sync|watch`.
 * The command (src/cmd/manifests.c) parses argv into these structs and
 * calls one function; nothing here parses argv.
 *
 * Every path in struct mpaths is a node path (as K3s on the node sees it):
 * it reaches a file only through the gate, under --root the tree's file.
 * The operations print their results on stdout (the command's output) and
 * return 0 (done, no finding), 1 (a negative verdict: drift, a baseline
 * whose signature fails) or -1 (error, after error()).
 */
#ifndef K3SGUARD_MANIFESTS_OPS_H
#define K3SGUARD_MANIFESTS_OPS_H

#include "manifests/manifests.h"

struct mpaths {
	const char *dir;	/* --dir, default <data-dir>/server/manifests */
	const char *lock;	/* --lock, default MANIFESTS_LOCK */
	const char *key;	/* --key, default MANIFESTS_KEY */
	const char *store;	/* beside the lock: <lock>.store -> MANIFESTS_STORE */
	const char *quarantine;
};

void mpaths_default(struct mpaths *p);
/* After option parsing: fill in what depends on global options. */
void mpaths_finish(struct mpaths *p);
/* The content store: MANIFESTS_STORE, or <lock>.store for another --lock. */
const char *mp_store(const struct mpaths *p);

/*
 * Build a lock from a fresh scan of p->dir: packaged flags set, managed
 * flags carried over from prev (may be NULL).  Fails when an entry could
 * not be read (a lock must describe everything).
 */
int mlock_from_scan(const struct mpaths *p, const struct mlock *prev, struct mlock *out);
/* Write lock and store (store filled from dirfd when >= 0); the key is created on first use. */
int mlock_commit(const struct mpaths *p, const struct mlock *l, int dirfd);

/* Current UTC time, RFC 3339. */
char *utc_now(void);

struct mlock_opts {
	struct mpaths p;
	int dry;
};
int manifests_lock(const struct mlock_opts *o);

struct mverify_opts {
	struct mpaths p;
	int json;
};
int manifests_verify(const struct mverify_opts *o);

struct msync_opts {
	struct mpaths p;
	const char *from;	/* a LOCAL directory, read as given (not under --root) */
	int dry, prune;
};
int manifests_sync(const struct msync_opts *o);

struct mwatch_opts {
	struct mpaths p;
	int enforce, dry;
	const char *const *alerts;	/* sink specs; none: stdout */
	size_t nalerts;
	size_t queue;			/* per remote sink */
};
/* Runs until SIGTERM/SIGINT (0).  -2 when a sink spec is bad (a usage error). */
int manifests_watch(const struct mwatch_opts *o);

#endif
