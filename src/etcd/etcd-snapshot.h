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

int etcd_cmd_snapshot(int argc, char **argv);
/* `snapshot save` (argv[0] "save"); also called in-process by `update prepare`. */
int etcd_cmd_snapshot_save(int argc, char **argv);

/* sub-verbs (etcd-snapshot-ops.c) */
int snapshot_ls(int argc, char **argv);
int snapshot_verify(int argc, char **argv);
int snapshot_prune(int argc, char **argv);
int snapshot_restore(int argc, char **argv);
int snapshot_schedule(int argc, char **argv);

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

/* The directory (root-mapped) from --dir or the default, into out. */
void snap_dir(const char *opt, struct buf *out);

#endif
