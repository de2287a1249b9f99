/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-snapshot.h: what the `etcd snapshot` verbs share.
 *
 * A snapshot is two files in the snapshot directory (default
 * /var/lib/k3sguard/etcd-snapshots, under --root):
 *   NAME.ksnap       the encrypted snapshot (etcd-snapfile.h); its plaintext
 *                    is exactly what `etcdctl snapshot save` writes: the bbolt
 *                    database followed by its 32-byte sha256;
 *   NAME.ksnap.json  the sidecar: time, cluster id, member, revision, size,
 *                    the database sha256, the store key version, and the
 *                    fingerprints of the K3s tokens whose /bootstrap/<id>
 *                    key the snapshot holds (with their store versions).
 * The key is the store secret "etcd-snapshot-key" (32 random bytes, made on
 * the first save).
 */
#ifndef K3SGUARD_ETCD_SNAPSHOT_H
#define K3SGUARD_ETCD_SNAPSHOT_H

#include <stdint.h>

#include "etcd/etcd-snapfile.h"

#define SNAP_SECRET	"etcd-snapshot-key"
#define SNAP_DIR	"/var/lib/k3sguard/etcd-snapshots"
#define SNAP_EXT	".ksnap"

#include <dirent.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/gate.h"
#include "etcd/etcd-cli.h"

/* `snapshot save`; also called by `update prepare` (update-kit.c). */
struct snap_save_opts {
	struct etcd_conn conn;		/* as root: Snapshot needs etcd's root role */
	const char *dir;		/* a local directory; NULL: SNAP_DIR on the node */
	const char *name;		/* NULL: etcd-YYYYmmddTHHMMSSZ */
};
int etcd_snapshot_save(const struct snap_save_opts *o);

/* `snapshot verify FILE` (a local file): exit 0 good, 1 bad, 2 could not check. */
int etcd_snapshot_verify(const char *file);

struct snap_ls_opts {
	const char *dir;		/* local; NULL: SNAP_DIR on the node */
	enum out_format fmt;
};
int etcd_snapshot_ls(const struct snap_ls_opts *o);

struct snap_prune_opts {
	const char *dir;		/* local; NULL: SNAP_DIR on the node */
	long long keep, keep_days;	/* keep_days -1: none */
	int dry_run;
};
int etcd_snapshot_prune(const struct snap_prune_opts *o);

struct snap_restore_opts {
	const char *file;		/* local */
	char *const *names, *const *peers;	/* NAME=PEER_URL, validated */
	size_t nm;
	const char *base, *token, *etcdctl;	/* local data-dir base */
	int dry_run;
};
int etcd_snapshot_restore(const struct snap_restore_opts *o);

/* `snapshot export FILE OUT`: both local paths. */
struct snap_export_opts {
	const char *file, *out;
	int force, dry_run;
};
int etcd_snapshot_export(const struct snap_export_opts *o);

struct snap_schedule_opts {
	const char *cal, *dir, *bin;	/* go into the unit: plain text, absolute paths */
	const char *unit_dir;		/* a node path */
	long long keep;
	int dry_run;
};
int etcd_snapshot_schedule(const struct snap_schedule_opts *o);

/*
 * A snapshot directory (etcd-snapdir.c): SNAP_DIR on the node (through the
 * gate) or a local directory the user gave.  Names are one component.
 */
struct snapdir {
	const char *path;
	int node;
};
void snapdir_init(struct snapdir *d, const char *local_dir);
/* DIR[/name] to show people, into out (returned). */
const char *snapdir_show(const struct snapdir *d, const char *name, struct buf *out);
int snapdir_mkdir(const struct snapdir *d);			/* -1 after error() */
int snapdir_lstat(const struct snapdir *d, const char *name, struct stat *st);	/* errno */
int snapdir_read(const struct snapdir *d, const char *name, size_t cap, struct buf *out);
int snapdir_write(const struct snapdir *d, const char *name, const void *data, size_t len);
int snapdir_unlink(const struct snapdir *d, const char *name);	/* errno */
DIR *snapdir_opendir(const struct snapdir *d);			/* errno */
/* A new file written in a stream: a temp file, renamed over name on commit. */
struct snapdir_stream {
	int fd;
	struct gate_atomic a;	/* the one atomic-write API, node or local */
	char *final;
};
int snapdir_stream_begin(struct snapdir_stream *s, const struct snapdir *d, const char *name);
int snapdir_stream_commit(struct snapdir_stream *s);
void snapdir_stream_abort(struct snapdir_stream *s);
/* A local file the user named: open to read (not following a link), or create 0600. */
int snap_local_open(const char *path);
int snap_local_create(const char *path);

/*
 * The snapshot key of version (0: current; create: make one when there is
 * none) into key (SNAP_KEY_LEN bytes, caller's secret memory).
 */
int snap_key(unsigned version, int create, unsigned char *key, uint32_t *got_version);

/*
 * Decrypt and check path: tags, the sha256 trailer against the database,
 * the bbolt meta pages.  sink gets the plaintext (NULL: nowhere).  0 good,
 * -1 with a message that says what is wrong.
 */
int snap_verify_file(const char *path, int (*sink)(void *, const unsigned char *, size_t),
    void *arg, uint64_t *size);

#endif
