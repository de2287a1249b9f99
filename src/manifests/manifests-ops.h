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
#include "cluster/cluster.h"

#include <jansson.h>

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

/*
 * What the cluster applied from the manifests dir (K3s's Addon objects,
 * read from the datastore: cluster.h) against the baseline's files: an
 * Addon whose spec.source is below dir and whose spec.checksum is not the
 * baseline's sha256 of that file (or that the baseline does not have) is
 * a drift.  The datastore's state (read, none, unknown and why) is kept
 * in cs; mapplied_compare() never fails.
 */
struct mapplied_drift {
	char *rel;		/* below dir */
	char *addon;		/* the Addon as evidence names it */
	char *checksum;		/* what the cluster applied (hex sha256) */
	const struct mentry *base;	/* the baseline's file, or NULL: not in it */
};
struct mapplied {
	struct cluster_state cs;
	struct mapplied_drift *d;
	size_t n;
	size_t same;		/* Addons whose file matches the baseline */
	size_t unparsed;	/* Addons without source and checksum */
};
struct node;
void mapplied_compare(const struct node *n, const char *dir, const struct mtree *base,
    struct mapplied *a);
void mapplied_text(const struct mapplied *a);
/* One line for the audit's evidence: the first drift, or the state read. */
void mapplied_evidence(const struct mapplied *a, struct buf *out);
void mapplied_free(struct mapplied *a);
json_t *mapplied_json(const struct mapplied *a);

#endif
