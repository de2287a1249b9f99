/*
 * rootfs.h: reading a node tree under --root the way K3s on that node would
 * see it, without ever leaving it.
 *
 * Invariants:
 *  - every path component is resolved INSIDE the root (openat2 with
 *    RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): an absolute symlink in the
 *    tree points into the tree, ".." stops at its top, /proc magic links are
 *    refused.  A node root may be a disk image nobody vouched for; with plain
 *    paths, a link like <root>/etc/rancher -> /etc/rancher would make us read
 *    the host's files and report them as the image's;
 *  - the last component is followed only where the caller says so
 *    (rootfs_read and rootfs_lstat never follow it);
 *  - on a kernel without openat2 (before Linux 5.6) these fall back to the
 *    plain paths of root_path(), and say nothing.
 * Paths are HOST paths ("/etc/rancher/k3s/config.yaml"); messages name the
 * mapped path, as file_read() does.
 */
#ifndef K3SGUARD_ROOTFS_H
#define K3SGUARD_ROOTFS_H

#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "core/buf.h"

/* open(2) of host_path inside the root; -1 with errno, no message. */
int rootfs_open(const char *host_path, int flags);
/* lstat(2) inside the root; -1 with errno, no message. */
int rootfs_lstat(const char *host_path, struct stat *st);
/* readlink(2) inside the root, NUL-terminated; -1 with errno. */
ssize_t rootfs_readlink(const char *host_path, char *buf, size_t len);
/* opendir(3) inside the root (the directory itself may be a link in it). */
DIR *rootfs_opendir(const char *host_path);
/*
 * file_read() inside the root: refuses a symlink, anything not a regular
 * file, more than cap bytes; -1 after one error() naming the file.
 */
int rootfs_read(const char *host_path, size_t cap, struct buf *out, struct stat *st);
/*
 * The path to hand to exec(2) for host_path: where host_path resolves
 * inside the root (an in-root link /usr/local/bin -> /opt/bin gives
 * <root>/opt/bin/...), checked to be that same file when exec follows it.
 * NULL (errno set) when it cannot be resolved.  The caller frees it.
 */
char *rootfs_exec_path(const char *host_path);

#endif
