/* rootfs.c: see rootfs.h for the invariants this file keeps. */
#include "core/k3sguard.h"
#include "core/rootfs.h"

#include <linux/openat2.h>
#include <sys/syscall.h>

static int no_openat2;	/* the kernel said ENOSYS once */

static int
root_is_host(void)
{
	return !gopt.root || !*gopt.root || !strcmp(gopt.root, "/");
}

/* openat2 relative to the root, or -2 when the kernel lacks it. */
static int
open_in_root(const char *host_path, int flags)
{
	struct open_how how;
	const char *rel = host_path;
	int rfd, fd, e;

	if (no_openat2)
		return -2;
	rfd = open(root_is_host() ? "/" : gopt.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -1;
	while (*rel == '/')
		rel++;
	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)(flags | O_CLOEXEC);
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	do
		fd = (int)syscall(SYS_openat2, rfd, *rel ? rel : ".", &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	e = errno;
	close(rfd);
	if (fd < 0 && e == ENOSYS) {
		no_openat2 = 1;
		return -2;
	}
	errno = e;
	return fd;
}

int
rootfs_open(const char *host_path, int flags)
{
	int fd = open_in_root(host_path, flags);

	if (fd == -2)
		fd = open(root_path(host_path), flags | O_CLOEXEC);
	return fd;
}

/* The directory that holds host_path (followed inside the root), and its last name. */
static int
open_parent(const char *host_path, const char **base, struct buf *dir)
{
	const char *slash = strrchr(host_path, '/');

	buf_reset(dir);
	if (!slash) {
		buf_addch(dir, '/');
		*base = host_path;
	} else {
		buf_add(dir, host_path, (size_t)(slash - host_path));
		if (!dir->len)
			buf_addch(dir, '/');
		*base = slash + 1;
	}
	return rootfs_open(dir->s, O_PATH | O_DIRECTORY);
}

int
rootfs_lstat(const char *host_path, struct stat *st)
{
	struct buf dir = BUF_INIT;
	const char *base;
	int pfd, ret, e;

	if (no_openat2 || root_is_host())
		return lstat(root_path(host_path), st);
	pfd = open_parent(host_path, &base, &dir);
	buf_release(&dir);
	if (pfd < 0)
		return -1;
	ret = fstatat(pfd, *base ? base : ".", st, AT_SYMLINK_NOFOLLOW);
	e = errno;
	close(pfd);
	errno = e;
	return ret;
}

ssize_t
rootfs_readlink(const char *host_path, char *buf, size_t len)
{
	struct buf dir = BUF_INIT;
	const char *base;
	ssize_t n;
	int pfd, e;

	if (!len)
		return errno = EINVAL, -1;
	if (no_openat2 || root_is_host()) {
		n = readlink(root_path(host_path), buf, len - 1);
	} else {
		pfd = open_parent(host_path, &base, &dir);
		buf_release(&dir);
		if (pfd < 0)
			return -1;
		n = readlinkat(pfd, base, buf, len - 1);
		e = errno;
		close(pfd);
		errno = e;
	}
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

DIR *
rootfs_opendir(const char *host_path)
{
	int fd = rootfs_open(host_path, O_RDONLY | O_DIRECTORY);
	DIR *d;

	if (fd < 0)
		return NULL;
	if (!(d = fdopendir(fd))) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return d;
}

int
rootfs_read(const char *host_path, size_t cap, struct buf *out, struct stat *st)
{
	const char *name = root_path(host_path);
	struct stat lst;
	int fd, ret;

	fd = rootfs_open(host_path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		/* ELOOP: the file itself is a link, or a loop on the way */
		if (errno == ELOOP && rootfs_lstat(host_path, &lst) == 0 &&
		    S_ISLNK(lst.st_mode))
			return error("'%s' is a symlink (refused)", name);
		return error_errno("cannot open '%s'", name);
	}
	ret = file_read_fd(fd, name, cap, out, st);
	close(fd);
	return ret;
}

char *
rootfs_exec_path(const char *host_path)
{
	struct stat in, plain;
	char proc[64], real[PATH_MAX];
	ssize_t len;
	int fd = rootfs_open(host_path, O_PATH);

	if (fd < 0)
		return NULL;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	len = readlink(proc, real, sizeof(real) - 1);
	if (len < 0 || fstat(fd, &in) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	close(fd);
	real[len] = '\0';
	/* the kernel's name for it must lead to the very same file */
	if (real[0] != '/' || stat(real, &plain) < 0)
		return NULL;
	if (in.st_dev != plain.st_dev || in.st_ino != plain.st_ino) {
		errno = EXDEV;
		return NULL;
	}
	return xstrdup(real);
}
