/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifests-fs.c: opening and replacing files below the manifests
 * directory without ever following a symlink (see manifests.h for the
 * invariants).  The directory itself is opened by the gate (inside the
 * root, the directory not a link); every step below it is one
 * gate_openat/gate_statat/gate_mkdirat from its parent's fd.
 *
 * Replacements go through the gate's atomic write, whose temporary files
 * are dotfiles (".k3sguard-tmp-*"): K3s skips dotfiles, so it can never
 * apply a half-written manifest.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "manifests/manifests.h"

int
mdir_open(const char *node_dir)
{
	int fd = gate_open(node_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	struct stat st;

	if (fd >= 0)
		return fd;
	if (errno == ELOOP || (errno == ENOTDIR && gate_lstat(node_dir, &st) == 0 &&
	    S_ISLNK(st.st_mode)))
		return error("'%s' is a symlink (refused)", root_path(node_dir));
	if (errno == ENOTDIR)
		return error("'%s' is not a directory", root_path(node_dir));
	return error_errno("cannot open '%s'", root_path(node_dir));
}

DIR *
mt_opendir(int dirfd)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	DIR *d;

	if (fd < 0)
		return NULL;
	if (!(d = fdopendir(fd))) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	/* a dup shares the offset: an earlier walk of the same fd left it at the end */
	rewinddir(d);
	return d;
}

/* Step into the directory name below fd (closed); the new fd, or -1 with errno. */
static int
step_down(int fd, const char *name)
{
	int nfd;

	if (!strcmp(name, ".") || !*name)
		return fd;
	nfd = gate_openat(fd, name, O_RDONLY | O_DIRECTORY);
	if (nfd < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return nfd;
}

int
mt_open(int dirfd, const char *rel, int flags)
{
	char *copy, *p, *slash;
	int fd, nfd;

	if ((fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0)) < 0)
		return -1;
	if (!strcmp(rel, "."))
		return fd;
	copy = xstrdup(rel);
	p = copy;
	/* every component one gate_openat from its parent: no link followed, no ".." */
	while ((slash = strchr(p, '/'))) {
		*slash = '\0';
		if ((fd = step_down(fd, p)) < 0)
			goto out;
		p = slash + 1;
	}
	nfd = gate_openat(fd, p, flags & ~O_CREAT);
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	fd = nfd;
out:
	free(copy);
	return fd;
}

int
mt_parent(int dirfd, const char *rel, const char **base)
{
	const char *slash = strrchr(rel, '/');
	char *parent;
	int fd;

	*base = slash ? slash + 1 : rel;
	if (!slash)
		return fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	parent = xstrndup(rel, (size_t)(slash - rel));
	fd = mt_open(dirfd, parent, O_RDONLY | O_DIRECTORY);
	free(parent);
	return fd;
}

int
mt_mkdirs(int dirfd, const char *rel, mode_t mode)
{
	char *copy = xstrdup(rel), *p = copy, *slash;
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0), ret = 0;

	if (fd < 0) {
		free(copy);
		return error_errno("dup");
	}
	/* one component at a time, each opened from its parent's fd, never followed */
	for (;;) {
		slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		if (*p && strcmp(p, ".")) {
			if (!strcmp(p, "..")) {
				ret = error("'%s' leaves the directory (refused)", rel);
				break;
			}
			if (gate_mkdirat(fd, p, mode) < 0 && errno != EEXIST) {
				ret = error_errno("cannot create directory '%s'", p);
				break;
			}
			if ((fd = step_down(fd, p)) < 0) {
				if (errno == ELOOP || errno == ENOTDIR)
					ret = error("'%s' in '%s' is a symlink or not a directory (refused)", p, rel);
				else
					ret = error_errno("cannot open directory '%s'", p);
				break;
			}
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	if (fd >= 0)
		close(fd);
	free(copy);
	return ret;
}

int
mt_write(const char *node_dir, int dirfd, const char *rel, const void *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid)
{
	struct gate_atomic a;
	struct stat want, got;
	const char *base;
	char *node = xasprintf("%s/%s", node_dir, rel);
	int pfd = -1, ret = -1;

	if (strchr(rel, '/')) {
		char *parent = xstrndup(rel, (size_t)(strrchr(rel, '/') - rel));

		ret = mt_mkdirs(dirfd, parent, 0700);
		free(parent);
		if (ret < 0)
			goto out;
		ret = -1;
	}
	if ((pfd = mt_parent(dirfd, rel, &base)) < 0) {
		error_errno("cannot open the directory of '%s'", rel);
		goto out;
	}
	if (gate_atomic_begin(&a, node, mode) < 0)
		goto out;
	/* the gate's directory is the one walked without links, or nothing is written */
	if (fstat(pfd, &want) < 0 || fstat(a.dirfd, &got) < 0 ||
	    want.st_dev != got.st_dev || want.st_ino != got.st_ino) {
		gate_atomic_abort(&a);
		error("the directory of '%s' changed while it was written (refused)", rel);
		goto out;
	}
	if ((geteuid() == 0 && fchown(a.fd, uid, gid) < 0) || write_all(a.fd, data, len) < 0) {
		error_errno("cannot write '%s'", rel);
		gate_atomic_abort(&a);
		goto out;
	}
	ret = gate_atomic_commit(&a);
out:
	if (pfd >= 0)
		close(pfd);
	free(node);
	return ret;
}

void
name_escape(struct buf *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p == 0x7f || *p == '%')
			buf_addf(out, "%%%02x", *p);
		else
			buf_addch(out, *p);
	}
}

int
name_unescape(const char *s, struct buf *out)
{
	for (; *s; s++) {
		if (*s == '%') {
			int h = s[1] ? hex_digit(s[1]) : -1;
			int l = h >= 0 && s[2] ? hex_digit(s[2]) : -1;

			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return -1;
			buf_addch(out, h * 16 + l);
			s += 2;
		} else if ((unsigned char)*s <= 0x20 || *s == 0x7f) {
			return -1;
		} else {
			buf_addch(out, *s);
		}
	}
	return 0;
}
