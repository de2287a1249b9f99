/*
 * manifests-fs.c: opening and replacing files below a directory fd without
 * ever following a symlink (see manifests.h for the invariants).
 *
 * Temporary files are dotfiles (".k3sguard-*.tmp"): K3s skips dotfiles, so
 * it can never apply a half-written manifest.
 */
#include "core/k3sguard.h"
#include "manifests/manifests.h"

#include <linux/openat2.h>
#include <sys/syscall.h>

static int no_openat2;

/* The per-component fallback for kernels without openat2 (before 5.6). */
static int
open_walk(int dirfd, const char *rel, int flags, mode_t mode)
{
	char *copy = xstrdup(rel), *p = copy, *slash;
	int fd = dup(dirfd), nfd;

	if (fd < 0) {
		free(copy);
		return -1;
	}
	while ((slash = strchr(p, '/'))) {
		*slash = '\0';
		if (!strcmp(p, "..")) {
			errno = EXDEV;
			goto fail;
		}
		nfd = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			goto fail;
		close(fd);
		fd = nfd;
		p = slash + 1;
	}
	if (!strcmp(p, "..")) {
		errno = EXDEV;
		goto fail;
	}
	nfd = openat(fd, p, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	close(fd);
	free(copy);
	return nfd;
fail:
	{
		int e = errno;

		close(fd);
		free(copy);
		errno = e;
	}
	return -1;
}

int
open_beneath(int dirfd, const char *rel, int flags, mode_t mode)
{
	struct open_how how;
	long fd;

	if (!strcmp(rel, "."))
		return openat(dirfd, ".", flags | O_CLOEXEC);
	if (!no_openat2) {
		memset(&how, 0, sizeof(how));
		how.flags = (unsigned long long)(flags | O_CLOEXEC | O_NOFOLLOW);
		how.mode = (flags & O_CREAT) ? mode : 0;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
		fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return (int)fd;
		no_openat2 = 1;
	}
	return open_walk(dirfd, rel, flags, mode);
}

int
open_dir_nofollow(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		struct stat st;

		if (errno == ELOOP || (errno == ENOTDIR && lstat(path, &st) == 0 &&
		    S_ISLNK(st.st_mode)))
			return error("'%s' is a symlink (refused)", path);
		if (errno == ENOTDIR)
			return error("'%s' is not a directory", path);
		return error_errno("cannot open '%s'", path);
	}
	return fd;
}

int
mkdirs_beneath(int dirfd, const char *rel, mode_t mode)
{
	char *copy = xstrdup(rel), *p = copy, *slash;
	int fd = dup(dirfd), nfd, ret = 0;

	if (fd < 0) {
		free(copy);
		return error_errno("dup");
	}
	/* one component at a time, each opened O_NOFOLLOW from its parent's fd */
	for (;;) {
		slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		if (*p && strcmp(p, ".")) {
			if (!strcmp(p, "..")) {
				ret = error("'%s' leaves the directory (refused)", rel);
				break;
			}
			if (mkdirat(fd, p, mode) < 0 && errno != EEXIST) {
				ret = error_errno("cannot create directory '%s'", p);
				break;
			}
			nfd = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (nfd < 0) {
				if (errno == ELOOP || errno == ENOTDIR)
					ret = error("'%s' in '%s' is a symlink or not a directory (refused)", p, rel);
				else
					ret = error_errno("cannot open directory '%s'", p);
				break;
			}
			close(fd);
			fd = nfd;
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	close(fd);
	free(copy);
	return ret;
}

int
write_beneath(int dirfd, const char *rel, const void *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid)
{
	const char *slash = strrchr(rel, '/');
	const char *base = slash ? slash + 1 : rel;
	char *parent = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup(".");
	struct buf tmp = BUF_INIT;
	struct stat st;
	unsigned char rnd[6];
	char hex[13];
	int pfd = -1, fd = -1, ret = -1;

	if (slash && mkdirs_beneath(dirfd, parent, 0700) < 0)
		goto out;
	pfd = open_beneath(dirfd, parent, O_RDONLY | O_DIRECTORY, 0);
	if (pfd < 0) {
		error_errno("cannot open directory '%s'", parent);
		goto out;
	}
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
		error("'%s' is a %s; refusing to replace it", rel, type_str(st.st_mode));
		goto out;
	}
	for (int tries = 0; tries < 16 && fd < 0; tries++) {
		if (getentropy(rnd, sizeof(rnd)) < 0) {
			error_errno("getentropy");
			goto out;
		}
		hex_encode(rnd, sizeof(rnd), hex);
		buf_reset(&tmp);
		buf_addf(&tmp, ".k3sguard-%s.tmp", hex);
		fd = openat(pfd, tmp.s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0 && errno != EEXIST) {
			error_errno("cannot create a temporary file for '%s'", rel);
			goto out;
		}
	}
	if (fd < 0) {
		error("cannot create a temporary file for '%s'", rel);
		goto out;
	}
	if (fchmod(fd, mode) < 0 || (geteuid() == 0 && fchown(fd, uid, gid) < 0) ||
	    write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		error_errno("cannot write '%s'", rel);
		goto unlink;
	}
	if (close(fd) < 0) {
		fd = -1;
		error_errno("cannot write '%s'", rel);
		goto unlink;
	}
	fd = -1;
	if (renameat(pfd, tmp.s, pfd, base) < 0) {
		error_errno("cannot rename into '%s'", rel);
		goto unlink;
	}
	if (fsync(pfd) < 0) {
		error_errno("cannot sync the directory of '%s'", rel);
		goto out;
	}
	ret = 0;
	goto out;
unlink:
	unlinkat(pfd, tmp.s, 0);
out:
	if (fd >= 0)
		close(fd);
	if (pfd >= 0)
		close(pfd);
	free(parent);
	buf_release(&tmp);
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
