/* SPDX-License-Identifier: Apache-2.0 */
/*
 * file.h: paths under --root, safe reads, atomic writes, trust checks.
 *
 * Invariants kept here:
 *  - reads MUST NOT follow a symlink in the last component (O_NOFOLLOW) and
 *    MUST check the opened fd (fstat), never the path, for type and size;
 *  - every read has a size cap; a larger file is an error, not a truncation;
 *  - a replaced file is always written to a temp file in the same directory
 *    (O_EXCL, final mode from the start), fsync'd, renamed over, and the
 *    directory fsync'd: a crash leaves the old or the new file, never a mix;
 *  - a file that grants authority must not be group/other writable and must
 *    be owned by root (or by the user running k3sguard, for tests as non-root).
 */
#ifndef K3SGUARD_FILE_H
#define K3SGUARD_FILE_H

#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "core/buf.h"

#define CONFIG_MAX	(1u << 20)	/* configs, manifests, units: 1 MiB */
#define TOKEN_MAX	4096u


/*
 * Map a host path ("/etc/rancher/k3s/config.yaml") under --root.  Returns a
 * pointer into one of a small ring of static buffers: copy it if you need
 * it for longer than a few calls.  root_path_buf() appends to a buf instead.
 */
const char *root_path(const char *host_path);
void root_path_buf(struct buf *out, const char *host_path);

/*
 * Read a whole regular file into out (appending).  Fails (-1, error() naming
 * the file) when it is a symlink, not a regular file, unreadable, or larger
 * than cap.  st receives the fstat of the opened fd when not NULL.
 */
int file_read(const char *path, size_t cap, struct buf *out, struct stat *st);

/* Same, for an fd already open; name is used in messages only. */
int fd_read_all(int fd, const char *name, size_t cap, struct buf *out);

/*
 * The checks and read of file_read() on an fd the caller opened (with
 * O_NOFOLLOW): fstat, regular file, size cap, read.  Does not close fd.
 */
int file_read_fd(int fd, const char *name, size_t cap, struct buf *out, struct stat *st);

/*
 * Replace path atomically with data, created with mode (and owned by the
 * caller).  Refuses when path exists and is a symlink or not a regular file.
 */
int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Write all of len bytes to fd, retrying on EINTR/short writes. */
int write_all(int fd, const void *data, size_t len);

/* mkdir -p with mode for the created components (existing ones untouched). */
int mkdir_p(const char *path, mode_t mode);

/*
 * A local directory (a path the user typed, not a node path), not followed
 * when it is a link: open(2) O_RDONLY|O_DIRECTORY|O_NOFOLLOW; -1 with errno.
 */
int file_open_dir(const char *path);
/* The local directory holding path (O_RDONLY, for *at and fsync), and its last name in *base. */
int file_open_parent(const char *path, const char **base);

/*
 * Local paths (typed by the user, never node paths): open(2) with
 * O_NOFOLLOW|O_CLOEXEC added, opendir(3), unlink(2).  -1/NULL with errno.
 */
int file_open(const char *path, int flags, mode_t mode);
DIR *file_opendir(const char *path);
int file_unlink(const char *path);
int file_rmdir(const char *path);
int file_rename(const char *from, const char *to);
/* mkdtemp(3) of a local template ending in XXXXXX; NULL with errno. */
char *file_mkdtemp(char *tmpl);

/* fsync the directory that holds path. */
int fsync_parent(const char *path);

/*
 * 0 when st describes something root (or the euid) owns that group and
 * other cannot write; otherwise -1 with a message naming path.
 */
int file_trusted(const struct stat *st, const char *path);

/* lstat without following; 0, or -1 with errno (no message). */
int path_lstat(const char *path, struct stat *st);

/* "0644"-style string of the permission bits. */
const char *mode_str(mode_t mode, char out[8]);
/* "regular file", "directory", "symlink", ... */
const char *type_str(mode_t mode);

#endif
