/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifests.h: the auto-deploy directory (<data-dir>/server/manifests) as
 * data: a scanned tree, a signed baseline (the lock) and the difference
 * between the two.
 *
 * Invariants kept by the code behind this header:
 *  - every path here (directory, lock, key, store, quarantine) is a node
 *    path: it reaches a file only through the gate (core/gate.h);
 *  - a scan MUST NOT follow a symlink anywhere below the directory: the
 *    directory is opened by the gate, every entry below it one
 *    gate_openat/gate_statat from its parent's fd (never followed); a
 *    symlink is recorded as one, never entered;
 *  - a regular file with more than one link is not read (its other name
 *    may be outside the node): it is an entry that could not be read;
 *  - what was hashed is what was fstat'ed (same fd), so size, mode, owner
 *    and content of one entry always describe one inode;
 *  - a lock whose signature does not verify is never used for anything but
 *    the message saying so (fail closed);
 *  - the lock and the content store live outside the directory, so nothing
 *    K3s applies can change them.
 */
#ifndef K3SGUARD_MANIFESTS_H
#define K3SGUARD_MANIFESTS_H

#include <dirent.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"

#define MANIFESTS_LOCK	"/var/lib/k3sguard/manifests.lock"
#define MANIFESTS_STORE	"/var/lib/k3sguard/manifests.store"
#define MANIFESTS_QUAR	"/var/lib/k3sguard/quarantine"
#define MANIFESTS_KEY	"/etc/k3sguard/manifests.key"
#define MANIFESTS_FILE_MAX	(64u << 20)	/* one file in the store */
#define MANIFESTS_MAX_ENTRIES	1000000u

/* Entry flags kept in the lock. */
#define MF_PACKAGED	0x1	/* written by K3s at every start */
#define MF_MANAGED	0x2	/* written by `manifests sync` */

struct mentry {
	char *path;		/* relative to the directory; "." is the directory */
	mode_t mode;		/* st_mode: type and permission bits */
	uid_t uid;
	gid_t gid;
	long long size;
	unsigned char sha[32];	/* regular files */
	int hashed;
	char *target;		/* symlinks */
	unsigned flags;
	char *err;		/* could not be read (scan only) */
	dev_t dev;		/* scan only */
	ino_t ino;
};

struct mtree {
	struct mentry *e;	/* sorted by path (strcmp) */
	size_t n, cap;
};

/* The node model (read once, quietly), or NULL when it could not be read. */
struct node;
const struct node *manifests_node(void);
/* Host path of the manifests directory (--data-dir, else the node's). */
const char *manifests_dir_host(void);
/* The node's K3s version (k3s --version), or NULL. */
char *manifests_k3s_version(void);

/*
 * Scan dir (a node path) into t: every entry, sorted, regular files hashed
 * with sha256 on `threads` threads (0: all cores).  Fails when dir cannot
 * be opened or is not a directory; an entry that cannot be read is kept
 * with err set.  mtree_scan_fd() scans a directory mdir_open() returned.
 */
int mtree_scan(const char *dir, struct mtree *t, int threads);
int mtree_scan_fd(int dfd, const char *shown, struct mtree *t, int threads);
void mtree_free(struct mtree *t);
struct mentry *mtree_find(const struct mtree *t, const char *path);
struct mentry *mtree_add(struct mtree *t, const char *path);
void mtree_sort(struct mtree *t);

/* Hash one file below dirfd (no symlinks anywhere); fills e. */
int mentry_stat_hash(int dirfd, const char *rel, struct mentry *e);

/* 1 when rel is one of the files K3s writes at start (ccm.yaml, metrics-server/...). */
int manifests_is_packaged(const char *rel);
/* 1 when K3s would apply rel: .yaml/.yml/.json, own name no dotfile, no <name>.skip in t. */
int manifests_k3s_applies(const char *rel, const struct mtree *t);
/* 1 when rel is a safe relative name: no "..", ".", empty or control-character component. */
int manifests_name_ok(const char *rel);

/*
 * A verifying key: the Ed25519 public key of the key at path (a node path:
 * <path>.pub, else the private key itself), loaded by the first
 * mkey_verify() that needs it and kept until mkey_release(); or one the
 * caller set in pkey (the fuzz harness).
 */
struct mkey {
	const char *path;
	void *pkey;		/* EVP_PKEY *; NULL: not loaded yet */
};
#define MKEY_INIT(path)	{ (path), NULL }

/* Signature state of a lock as read. */
enum sig_state { SIG_OK, SIG_BAD, SIG_MISSING, SIG_NOKEY };
const char *sig_state_name(enum sig_state s);

struct mlock {
	char *dir;		/* host path locked */
	char *k3s_version;	/* NULL: unknown */
	char *created;		/* RFC 3339 UTC */
	struct mtree tree;
};

/* Serialise (without the signature line). */
void mlock_format(const struct mlock *l, struct buf *out);
/*
 * Read and check the lock at path (a node path, as keypath).  -1 (with error()) when it
 * cannot be read or is malformed (file and line named).  Otherwise 0, *sig
 * says whether the signature verified with the public key of keypath; l is
 * filled only when *sig == SIG_OK.
 */
int mlock_read(const char *path, const char *keypath, struct mlock *l, enum sig_state *sig);
/*
 * The parser of mlock_read(): the lock's text as read (len bytes, split in
 * place; no terminator needed), its signature checked with key; what names
 * it in messages.  The same results as mlock_read(), which adds the file's
 * owner and link checks.
 */
int mlock_parse(char *text, size_t len, const char *what, struct mkey *key, struct mlock *l,
    enum sig_state *sig);
/* Sign with the key at keypath (created 0600 when create and missing) and write atomically. */
int mlock_write(const char *path, const char *keypath, int create, const struct mlock *l);
void mlock_free(struct mlock *l);

/* Key handling (manifests-sign.c). */
int mkey_sign(const char *keypath, int create, const void *msg, size_t len, struct buf *sig_b64);
/*
 * 0 verified, 1 bad signature, -1 error (no key, unreadable).  The key is
 * loaded by the first call that needs it (a well-formed signature) and kept.
 */
int mkey_verify(struct mkey *k, const void *msg, size_t len, const char *sig_b64);
void mkey_release(struct mkey *k);

/* Content store (blobs by sha256, outside the directory). */
int mstore_put(const char *store, const unsigned char sha[32], const void *data, size_t len);
/* Read a blob and check its hash; -1 when missing or corrupt. */
int mstore_get(const char *store, const unsigned char sha[32], struct buf *out);
/* Fill the store with every hashed regular file of t under dirfd. */
int mstore_fill(const char *store, int dirfd, const struct mtree *t);

/* Differences. */
#define CH_ADDED	0x01
#define CH_REMOVED	0x02
#define CH_CONTENT	0x04
#define CH_MODE		0x08
#define CH_OWNER	0x10
#define CH_TYPE		0x20
#define CH_TARGET	0x40
#define CH_UNREADABLE	0x80

struct mchange {
	const char *path;
	unsigned what;
	const struct mentry *old;	/* NULL when added */
	const struct mentry *cur;	/* NULL when removed */
};

/* Compare one entry pair (either may be NULL); 0 when equal. */
unsigned mentry_compare(const struct mentry *old, const struct mentry *cur);
/* All changes from base to cur, in path order; returns the count. */
size_t mtree_diff(const struct mtree *base, const struct mtree *cur, struct mchange **out);

/* "content,mode" */
void mchange_what(unsigned what, struct buf *out);
/* "f 0600 0:0 sha256:abcd..." style one-word type letter etc. */
const char *mentry_type_name(const struct mentry *e);

/*
 * The tree below the manifests directory (manifests-fs.c).  dirfd is the
 * directory as mdir_open() returned it; rel is relative to it and no
 * component of it is ever followed when it is a link.
 */
/* The directory itself through the gate (inside the root), refusing a link. -1 after error(). */
int mdir_open(const char *node_dir);
/* readdir() of dirfd from its start (dirfd stays open); NULL with errno. */
DIR *mt_opendir(int dirfd);
/* open rel below dirfd (no link anywhere, no ".."); -1 with errno. */
int mt_open(int dirfd, const char *rel, int flags);
/* The directory holding rel as an fd, its last name in *base; -1 with errno. */
int mt_parent(int dirfd, const char *rel, const char **base);
/* Create the directories of rel below dirfd (mode for new ones), no links.  -1 after error(). */
int mt_mkdirs(int dirfd, const char *rel, mode_t mode);
/*
 * Replace rel below dirfd (node_dir/rel as the gate names it) atomically
 * with the gate's streaming write, owned by uid:gid when running as root;
 * parents created 0700; refused when the directory the gate opened is not
 * the one reached without links.  -1 after error().
 */
int mt_write(const char *node_dir, int dirfd, const char *rel, const void *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid);

/* Audit row "manifests.baseline" (check-manifests.c): signed lock present, verifies, no drift. */
struct node;
struct check_result;
void manifests_check_baseline(const struct node *n, struct check_result *r);
/* "manifests.watcher": the k3sguard-manifests-watch unit installed and enabled. */
void manifests_check_watcher(const struct node *n, struct check_result *r);
/* "manifests.apparmor": an AppArmor profile for the k3s binary in /etc/apparmor.d. */
void manifests_check_apparmor(const struct node *n, struct check_result *r);

/* The escaped (%XX) form of a name for the lock file, and back. */
void name_escape(struct buf *out, const char *s);
int name_unescape(const char *s, struct buf *out);

#endif
