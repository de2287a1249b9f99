/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gate.h: the one door to a node's files.
 *
 * A "node path" is a host path as K3s on the node sees it
 * ("/var/lib/rancher/k3s/server/token").  With --root DIR it names a file
 * of the tree at DIR; without, a file of this host.  This module is the
 * ONLY code that turns a node path into a file descriptor, a stat, or a
 * change on disk (make lint-gate proves it); every later operation is done
 * on what it returned (fstat, fchmod, fchown, read/write on the fd, *at()
 * calls relative to a directory fd from here).
 *
 * Invariants:
 *  - every component is resolved INSIDE the root: an absolute symlink
 *    points into the tree, ".." stops at its top, /proc magic links are
 *    refused.  openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) where the
 *    kernel has it; otherwise a component-by-component O_NOFOLLOW walk that
 *    resolves links itself, inside the root (never plain paths);
 *  - the last component is followed only when the caller leaves O_NOFOLLOW
 *    out, and then also inside the root;
 *  - with the root "/" the same code runs (the host is a root like any);
 *  - writes are atomic: a temp file beside the target (O_EXCL, final mode
 *    from the start), fsync, renameat in the same directory fd, fsync of
 *    that directory;
 *  - gate_fix_mode() changes only a regular file or directory with one
 *    link, on the fd that was inspected.
 * root_path() (file.h) only makes a path to SHOW to people.
 */
#ifndef K3SGUARD_GATE_H
#define K3SGUARD_GATE_H

#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "core/buf.h"

/*
 * Use dir as the root from now on (NULL, "" or "/": the host).  Opens it
 * once; -1 after error() when it is not a directory.  Called by main; the
 * first gate call without it opens gopt.root.
 */
int gate_set_root(const char *dir);
/* 1 when the root is this host's "/". */
int gate_root_is_host(void);
/*
 * 1 when a regular file the gate found may share its inode with a file
 * outside the root: more than one hard link under an image (on "/" there
 * is no outside; an ostree host's hard-linked /usr is read there).
 */
int gate_shared_outside(const struct stat *st);
/* 1 when openat2 is not used (old kernel, or K3SGUARD_GATE_WALK=1 in tests). */
int gate_walking(void);

/* open(2) of a node path inside the root (O_CLOEXEC added); -1 with errno, no message. */
int gate_open(const char *node_path, int flags);
/* Same, creating with mode (O_CREAT in flags). */
int gate_open_mode(const char *node_path, int flags, mode_t mode);
/*
 * gate_open() of a regular file only: the type is looked at on an O_PATH fd
 * first, so a FIFO or a device node is never opened (opening a device can
 * act: a watchdog, a tape, a tty), and the fd returned is checked to be the
 * file looked at.  O_NOFOLLOW in flags: a link is ELOOP.  st gets its
 * fstat.  -2 (st filled) when it is not a regular file; -1 with errno
 * (ESTALE: replaced between the look and the open), no message.
 */
int gate_open_regular(const char *node_path, int flags, struct stat *st);
/* lstat(2) / stat(2) inside the root; -1 with errno, no message. */
int gate_lstat(const char *node_path, struct stat *st);
int gate_stat(const char *node_path, struct stat *st);
/* 1 when the node path exists (without following its last component). */
int gate_exists(const char *node_path);
/* readlink(2) inside the root, NUL-terminated; -1 with errno. */
ssize_t gate_readlink(const char *node_path, char *buf, size_t len);
/* opendir(3) of a directory inside the root; NULL with errno. */
DIR *gate_opendir(const char *node_path);
/*
 * The directory holding node_path, resolved inside the root, as an
 * O_PATH|O_DIRECTORY fd, and the last name in *base (points into
 * node_path; "." for the root itself).  For *at() calls.  -1 with errno.
 */
int gate_open_parent(const char *node_path, const char **base);

/*
 * One step down from a directory fd the gate returned (a directory walk):
 * name must be a single component (no '/', not "." or ".."), never
 * followed when it is a link.  -1 with errno (EINVAL for a bad name).
 */
int gate_openat(int dirfd, const char *name, int flags);
int gate_statat(int dirfd, const char *name, struct stat *st);
int gate_unlinkat(int dirfd, const char *name, int flags);
/* linkat(2) of one name to another in gate directory fds (never following). */
int gate_linkat(int fromfd, const char *from, int tofd, const char *to);
/* The same one-name rule for mkdirat, symlinkat, readlinkat (NUL-terminated) and renameat. */
int gate_mkdirat(int dirfd, const char *name, mode_t mode);
int gate_symlinkat(const char *target, int dirfd, const char *name);
ssize_t gate_readlinkat(int dirfd, const char *name, char *buf, size_t len);
int gate_renameat(int fromfd, const char *from, int tofd, const char *to);

/*
 * Read a whole regular file: refuses a symlink as the last component,
 * anything not a regular file, more than cap bytes.  -1 after one error()
 * naming the file as shown to people.  st (may be NULL) gets its fstat.
 */
int gate_read(const char *node_path, size_t cap, struct buf *out, struct stat *st);
/*
 * Same, following a link as the last component, inside the root: what a
 * program opening the path reads (K3s's deploy controller reads a manifest
 * through its link).  Still only a regular file, at most cap bytes.
 */
int gate_read_follow(const char *node_path, size_t cap, struct buf *out, struct stat *st);

/*
 * Streaming atomic replacement of a node file.  begin opens a temp file
 * beside node_path (the directory must exist; it is resolved inside the
 * root), refusing when node_path exists and is not a regular file; write
 * through a.fd (write_all); commit fsyncs, renames over node_path, fsyncs
 * the directory; abort removes the temp file.  Both release a.
 */
struct gate_atomic {
	int dirfd;
	int fd;
	char tmp[64];
	char *base;
	char *shown;
};
int gate_atomic_begin(struct gate_atomic *a, const char *node_path, mode_t mode);
/*
 * The same below a directory fd (O_RDONLY|O_DIRECTORY) the caller got from
 * the gate, or for a local path from file_open_parent(); a owns dirfd from
 * here on (closed by commit/abort, also when this fails).  shown names the
 * target in messages.  The one atomic-write implementation: file.c's
 * file_write_atomic() uses it too.
 */
int gate_atomic_begin_at(struct gate_atomic *a, int dirfd, const char *base,
    const char *shown, mode_t mode);
int gate_atomic_commit(struct gate_atomic *a);
void gate_atomic_abort(struct gate_atomic *a);
/* begin + write_all + commit */
int gate_write_atomic(const char *node_path, const void *data, size_t len, mode_t mode);

/* mkdir -p inside the root; existing components untouched.  -1 after error(). */
int gate_mkdir_p(const char *node_path, mode_t mode);
/* unlink(2) / rmdir(2) of the last component; -1 with errno, no message. */
int gate_unlink(const char *node_path);
int gate_rmdir(const char *node_path);
/* rename(2) of two node paths inside the root; -1 with errno, no message. */
int gate_rename(const char *from, const char *to);

/*
 * Set mode (and owner when uid/gid are not (uid_t)-1/(gid_t)-1) of a node
 * file or directory, on the fd opened without following it.  Refuses a
 * symlink, anything but a regular file or directory, and a regular file
 * with more than one link (its other name may be outside the root).
 * -1 after one error() saying why.
 */
int gate_fix_mode(const char *node_path, mode_t mode, uid_t uid, gid_t gid);

#endif
