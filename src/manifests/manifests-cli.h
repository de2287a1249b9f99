/*
 * manifests-cli.h: what the `manifests` sub-verbs share (paths from the
 * command line, the lock made from a scan) and the verbs that live in
 * their own files.
 */
#ifndef K3SGUARD_MANIFESTS_CLI_H
#define K3SGUARD_MANIFESTS_CLI_H

#include "manifests/manifests.h"

/* Host paths as given (or defaulted); mp_real() maps one under --root. */
struct mpaths {
	const char *dir;	/* --dir, default <data-dir>/server/manifests */
	const char *lock;	/* --lock, default MANIFESTS_LOCK */
	const char *key;	/* --key, default MANIFESTS_KEY */
	const char *store;	/* beside the lock: <lock>.store -> MANIFESTS_STORE */
	const char *quarantine;
};

#define MANIFESTS_PATH_OPTIONS \
	{ "dir", required_argument, NULL, 'D' }, \
	{ "lock", required_argument, NULL, 'L' }, \
	{ "key", required_argument, NULL, 'K' }

void mpaths_default(struct mpaths *p);
/* After option parsing: fill in what depends on global options. */
void mpaths_finish(struct mpaths *p);
/* 1 when c was one of MANIFESTS_PATH_OPTIONS (and applied). */
int mpaths_option(struct mpaths *p, int c, const char *arg);
/* Host path of the content store: MANIFESTS_STORE, or <lock>.store for another --lock. */
const char *mp_store(const struct mpaths *p);
/* Real (root-mapped) path, newly allocated. */
char *mp_real(const char *host_path);


/*
 * Build a lock from a fresh scan of p->dir: packaged flags set, managed
 * flags carried over from prev (may be NULL).  Fails when an entry could
 * not be read (a lock must describe everything).
 */
int mlock_from_scan(const struct mpaths *p, const struct mlock *prev, struct mlock *out);
/* Write lock and store; the key is created on first use. */
int mlock_commit(const struct mpaths *p, const struct mlock *l, int dirfd);

/* Current UTC time, RFC 3339. */
char *utc_now(void);

int manifests_sync(int argc, char **argv);
int manifests_watch(int argc, char **argv);

#endif
