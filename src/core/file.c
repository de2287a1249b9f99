/* SPDX-License-Identifier: Apache-2.0 */
/* file.c: see file.h for the invariants this file keeps. */
#include "core/k3sguard.h"
#include "core/gate.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static int
root_is_host(void)
{
	return !gopt.root || !*gopt.root || strcmp(gopt.root, "/") == 0;
}

void
root_path_buf(struct buf *out, const char *host_path)
{
	if (!root_is_host() && host_path[0] == '/') {
		size_t n = strlen(gopt.root);

		while (n > 1 && gopt.root[n - 1] == '/')
			n--;
		buf_add(out, gopt.root, n);
	}
	buf_adds(out, host_path);
}

const char *
root_path(const char *host_path)
{
	static struct buf ring[8];
	static unsigned next;
	struct buf *b = &ring[next++ % ARRAY_SIZE(ring)];

	buf_reset(b);
	root_path_buf(b, host_path);
	return b->s;
}

int
fd_read_all(int fd, const char *name, size_t cap, struct buf *out)
{
	size_t got = 0;

	for (;;) {
		ssize_t n;

		buf_grow(out, 65536);
		n = read(fd, out->s + out->len, out->cap - out->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error_errno("cannot read '%s'", name);
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > cap)
			return error("'%s' is larger than %zu bytes", name, cap);
		out->len += (size_t)n;
		out->s[out->len] = '\0';
	}
	return 0;
}

int
file_read(const char *path, size_t cap, struct buf *out, struct stat *st)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP)
			return error("'%s' is a symlink (refused)", path);
		return error_errno("cannot open '%s'", path);
	}
	ret = file_read_fd(fd, path, cap, out, st);
	close(fd);
	return ret;
}

int
file_read_fd(int fd, const char *path, size_t cap, struct buf *out, struct stat *st)
{
	struct stat sb;
	int ret = -1;

	if (fstat(fd, &sb) < 0) {
		error_errno("cannot stat '%s'", path);
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		error("'%s' is a %s, not a regular file", path, type_str(sb.st_mode));
		goto out;
	}
	if ((unsigned long long)sb.st_size > cap) {
		error("'%s' is larger than %zu bytes", path, cap);
		goto out;
	}
	if (fd_read_all(fd, path, cap, out) < 0)
		goto out;
	if (st)
		*st = sb;
	ret = 0;
out:
	return ret;
}

int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
fsync_parent(const char *path)
{
	char *copy = xstrdup(path);
	int fd, ret = 0;

	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		ret = error_errno("cannot sync directory of '%s'", path);
	if (fd >= 0)
		close(fd);
	free(copy);
	return ret;
}

int
file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	struct gate_atomic a;
	const char *base;
	int dirfd = file_open_parent(path, &base);

	if (dirfd < 0)
		return error_errno("cannot open the directory of '%s'", path);
	if (gate_atomic_begin_at(&a, dirfd, base, path, mode) < 0)
		return -1;
	if (write_all(a.fd, data, len) < 0) {
		error_errno("cannot write '%s'", path);
		gate_atomic_abort(&a);
		return -1;
	}
	return gate_atomic_commit(&a);
}

int
mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	int ret = 0;

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				ret = error_errno("cannot create directory '%s'", p);
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return ret;
}

int
file_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode);
}

DIR *
file_opendir(const char *path)
{
	return opendir(path);
}

int
file_unlink(const char *path)
{
	return unlink(path);
}

int
file_rmdir(const char *path)
{
	return rmdir(path);
}

int
file_rename(const char *from, const char *to)
{
	return rename(from, to);
}

char *
file_mkdtemp(char *tmpl)
{
	return mkdtemp(tmpl);
}

int
file_open_dir(const char *path)
{
	return open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

int
file_open_parent(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, e;

	if (!slash) {
		*base = path;
		return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	*base = slash + 1;
	dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	e = errno;
	free(dir);
	errno = e;
	return fd;
}

int
file_trusted(const struct stat *st, const char *path)
{
	char m[8];

	if (st->st_uid != 0 && st->st_uid != geteuid())
		return error("'%s' is owned by uid %u, not root", path,
		    (unsigned)st->st_uid);
	if (!S_ISLNK(st->st_mode) && (st->st_mode & (S_IWGRP | S_IWOTH)))
		return error("'%s' is writable by group or others (mode %s)", path,
		    mode_str(st->st_mode, m));
	return 0;
}

int
path_lstat(const char *path, struct stat *st)
{
	return lstat(path, st);
}

const char *
mode_str(mode_t mode, char out[8])
{
	snprintf(out, 8, "%04o", (unsigned)(mode & 07777));
	return out;
}

const char *
type_str(mode_t mode)
{
	if (S_ISREG(mode))
		return "regular file";
	if (S_ISDIR(mode))
		return "directory";
	if (S_ISLNK(mode))
		return "symlink";
	if (S_ISFIFO(mode))
		return "fifo";
	if (S_ISSOCK(mode))
		return "socket";
	if (S_ISCHR(mode))
		return "character device";
	if (S_ISBLK(mode))
		return "block device";
	return "unknown file type";
}
