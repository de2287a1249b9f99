/* SPDX-License-Identifier: Apache-2.0 */
/* gate.c: see gate.h for the invariants this file keeps. */
#include "core/k3sguard.h"
#include "core/gate.h"

#include <linux/openat2.h>
#include <sys/random.h>
#include <sys/syscall.h>

#define GATE_MAX_LINKS	40	/* as the kernel's MAXSYMLINKS */
#define GATE_MAX_DEPTH	256	/* directories deep, for the walk's ".." stack */

static int root_fd = -1;
static int use_walk = -1;	/* -1: not decided yet */

int
gate_set_root(const char *dir)
{
	int fd;

	if (!dir || !*dir)
		dir = "/";
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_errno("cannot open the root '%s'", dir);
	if (root_fd >= 0)
		close(root_fd);
	root_fd = fd;
	return 0;
}

static int
get_root(void)
{
	if (root_fd < 0 && gate_set_root(gopt.root) < 0)
		return -1;
	return root_fd;
}

int
gate_root_is_host(void)
{
	return !gopt.root || !*gopt.root || strcmp(gopt.root, "/") == 0;
}

int
gate_shared_outside(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_nlink > 1 && !gate_root_is_host();
}

int
gate_walking(void)
{
	if (use_walk < 0) {
		const char *e = getenv("K3SGUARD_GATE_WALK");

		use_walk = e && strcmp(e, "1") == 0;
	}
	return use_walk;
}

/* openat2 relative to the root; -2 when the kernel lacks it. */
static int
open_openat2(int rfd, const char *rel, int flags, mode_t mode)
{
	struct open_how how;
	int fd;

	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)(unsigned)(flags | O_CLOEXEC);
	if (flags & O_CREAT)
		how.mode = mode & 07777;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	do
		fd = (int)syscall(SYS_openat2, rfd, *rel ? rel : ".", &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	if (fd < 0 && errno == ENOSYS) {
		use_walk = 1;
		return -2;
	}
	return fd;
}

/*
 * The walk: what RESOLVE_IN_ROOT does, done here one component at a time
 * with O_NOFOLLOW, for kernels without openat2.  The remaining path lives
 * in todo (components are taken from its front; a link's target is put in
 * front of the rest); stack holds the directories walked so ".." can go
 * back without ever leaving the root.
 */
struct walk {
	int stack[GATE_MAX_DEPTH];
	int depth;		/* stack[0] is the root (not ours to close) */
	int links;
	struct buf todo;
};

static void
todo_drop(struct buf *b, size_t n)
{
	memmove(b->s, b->s + n, b->len - n);
	buf_setlen(b, b->len - n);
}

static void
walk_release(struct walk *w)
{
	while (w->depth > 0)
		close(w->stack[w->depth--]);
	buf_release(&w->todo);
}

static int
walk_cur(const struct walk *w)
{
	return w->stack[w->depth];
}

/* The next component of todo into name (at most NAME_MAX); 0 when none left. */
static int
walk_next(struct walk *w, char name[NAME_MAX + 1])
{
	size_t i = 0, n;

	while (i < w->todo.len && w->todo.s[i] == '/')
		i++;
	if (i == w->todo.len) {
		buf_reset(&w->todo);
		return 0;
	}
	n = strcspn(w->todo.s + i, "/");
	if (n > NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, w->todo.s + i, n);
	name[n] = '\0';
	todo_drop(&w->todo, i + n);
	return 1;
}

/* todo = target + "/" + todo; an absolute target goes back to the root. */
static int
walk_follow(struct walk *w, int linkfd)
{
	char target[PATH_MAX];
	struct buf rest = BUF_INIT;
	ssize_t len;

	if (++w->links > GATE_MAX_LINKS) {
		errno = ELOOP;
		return -1;
	}
	len = readlinkat(linkfd, "", target, sizeof(target) - 1);
	if (len < 0)
		return -1;
	target[len] = '\0';
	if (target[0] == '/')
		while (w->depth > 0)
			close(w->stack[w->depth--]);
	buf_adds(&rest, target);
	buf_addch(&rest, '/');
	buf_add(&rest, w->todo.s, w->todo.len);
	buf_release(&w->todo);
	w->todo = rest;
	return 0;
}

static int
walk_push(struct walk *w, int fd)
{
	if (w->depth + 1 >= GATE_MAX_DEPTH) {
		close(fd);
		errno = ENAMETOOLONG;
		return -1;
	}
	w->stack[++w->depth] = fd;
	return 0;
}

/* One directory step: "..", or a name that is a directory or a link. */
static int
walk_step(struct walk *w, const char *name)
{
	struct stat st;
	int fd;

	if (strcmp(name, ".") == 0)
		return 0;
	if (strcmp(name, "..") == 0) {
		if (w->depth > 0)
			close(w->stack[w->depth--]);
		return 0;
	}
	fd = openat(walk_cur(w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		int r = walk_follow(w, fd);

		close(fd);
		return r;
	}
	if (!S_ISDIR(st.st_mode)) {
		close(fd);
		errno = ENOTDIR;
		return -1;
	}
	return walk_push(w, fd);
}

/* The last name: followed (inside the root) unless O_NOFOLLOW; then opened. */
static int
walk_last(struct walk *w, const char *name, int flags, mode_t mode, int *again)
{
	struct stat st;
	int fd;

	*again = 0;
	if (strcmp(name, "..") == 0 || strcmp(name, ".") == 0) {
		if (walk_step(w, name) < 0)
			return -1;
		return openat(walk_cur(w), ".", (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
	}
	if (!(flags & O_NOFOLLOW)) {
		fd = openat(walk_cur(w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
			int r = walk_follow(w, fd);

			close(fd);
			if (r < 0)
				return -1;
			*again = 1;
			return -1;
		}
		if (fd >= 0)
			close(fd);
	}
	return openat(walk_cur(w), name, flags | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
}

/* 1 when todo holds another component after the one just taken. */
static int
walk_more(const struct walk *w)
{
	return w->todo.len > strspn(w->todo.s, "/");
}

static int
open_walk(int rfd, const char *rel, int flags, mode_t mode)
{
	struct walk w = { .depth = 0, .links = 0, .todo = BUF_INIT };
	char name[NAME_MAX + 1];
	int fd = -1, r, again, e;

	w.stack[0] = rfd;
	buf_adds(&w.todo, rel);
	for (;;) {
		r = walk_next(&w, name);
		if (r < 0)
			break;
		if (r == 0) {
			/* nothing (left): the root, or where a link to "/" led */
			fd = openat(walk_cur(&w), ".",
			    (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC);
			break;
		}
		/*
		 * Look ahead without taking the next component: a link's
		 * target must go in front of ALL that is left of the path.
		 */
		if (walk_more(&w)) {
			if (walk_step(&w, name) < 0)
				break;
			continue;
		}
		fd = walk_last(&w, name, flags, mode, &again);
		if (fd < 0 && again)
			continue;	/* todo holds the link's target now */
		break;
	}
	e = errno;
	walk_release(&w);
	errno = e;
	return fd;
}

int
gate_open_mode(const char *node_path, int flags, mode_t mode)
{
	int rfd = get_root(), fd = -2;
	const char *rel = node_path;

	if (rfd < 0)
		return -1;
	while (*rel == '/')
		rel++;
	if (!gate_walking())
		fd = open_openat2(rfd, rel, flags, mode);
	if (fd == -2)
		fd = open_walk(rfd, rel, flags, mode);
	return fd;
}

int
gate_open(const char *node_path, int flags)
{
	return gate_open_mode(node_path, flags & ~O_CREAT, 0);
}

int
gate_open_parent(const char *node_path, const char **base)
{
	const char *slash = strrchr(node_path, '/');
	struct buf dir = BUF_INIT;
	int fd, e;

	if (!slash) {
		buf_addch(&dir, '/');
		*base = node_path;
	} else {
		buf_add(&dir, node_path, (size_t)(slash - node_path));
		if (!dir.len)
			buf_addch(&dir, '/');
		*base = slash + 1;
	}
	if (!**base)
		*base = ".";
	if (strcmp(*base, "..") == 0) {
		buf_release(&dir);
		errno = EINVAL;
		return -1;
	}
	fd = gate_open(dir.s, O_RDONLY | O_DIRECTORY);
	e = errno;
	buf_release(&dir);
	errno = e;
	return fd;
}

/* Run one *at() call on the parent of node_path. */
#define AT_PARENT(node_path, call) do { \
	const char *base; \
	int pfd = gate_open_parent((node_path), &base), r_, e_; \
	if (pfd < 0) \
		return -1; \
	r_ = (call); \
	e_ = errno; \
	close(pfd); \
	errno = e_; \
	return r_; \
} while (0)

static int
one_name(const char *name)
{
	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}

int
gate_openat(int dirfd, const char *name, int flags)
{
	if (!one_name(name))
		return -1;
	return openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
}

int
gate_statat(int dirfd, const char *name, struct stat *st)
{
	if (!one_name(name))
		return -1;
	return fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW);
}

int
gate_unlinkat(int dirfd, const char *name, int flags)
{
	if (!one_name(name))
		return -1;
	return unlinkat(dirfd, name, flags);
}

int
gate_linkat(int fromfd, const char *from, int tofd, const char *to)
{
	if (!one_name(from) || !one_name(to))
		return -1;
	return linkat(fromfd, from, tofd, to, 0);
}

int
gate_mkdirat(int dirfd, const char *name, mode_t mode)
{
	if (!one_name(name))
		return -1;
	return mkdirat(dirfd, name, mode & 07777);
}

int
gate_symlinkat(const char *target, int dirfd, const char *name)
{
	if (!one_name(name))
		return -1;
	return symlinkat(target, dirfd, name);
}

ssize_t
gate_readlinkat(int dirfd, const char *name, char *buf, size_t len)
{
	ssize_t n;

	if (!len)
		return errno = EINVAL, -1;
	if (!one_name(name))
		return -1;
	n = readlinkat(dirfd, name, buf, len - 1);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

int
gate_renameat(int fromfd, const char *from, int tofd, const char *to)
{
	if (!one_name(from) || !one_name(to))
		return -1;
	return renameat(fromfd, from, tofd, to);
}

int
gate_lstat(const char *node_path, struct stat *st)
{
	AT_PARENT(node_path, fstatat(pfd, base, st, AT_SYMLINK_NOFOLLOW));
}

int
gate_stat(const char *node_path, struct stat *st)
{
	int fd = gate_open(node_path, O_PATH), r, e;

	if (fd < 0)
		return -1;
	r = fstat(fd, st);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

int
gate_exists(const char *node_path)
{
	struct stat st;

	return gate_lstat(node_path, &st) == 0;
}

ssize_t
gate_readlink(const char *node_path, char *buf, size_t len)
{
	const char *base;
	ssize_t n;
	int pfd, e;

	if (!len)
		return errno = EINVAL, -1;
	if ((pfd = gate_open_parent(node_path, &base)) < 0)
		return -1;
	n = readlinkat(pfd, base, buf, len - 1);
	e = errno;
	close(pfd);
	errno = e;
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

DIR *
gate_opendir(const char *node_path)
{
	int fd = gate_open(node_path, O_RDONLY | O_DIRECTORY);
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
gate_open_regular(const char *node_path, int flags, struct stat *st)
{
	struct stat sb;
	int fd, e;

	if ((fd = gate_open(node_path, O_PATH | (flags & O_NOFOLLOW))) < 0)
		return -1;
	e = fstat(fd, st) < 0 ? errno : 0;
	close(fd);
	if (e)
		return errno = e, -1;
	if (S_ISLNK(st->st_mode))
		return errno = ELOOP, -1;	/* O_NOFOLLOW: what open(2) says */
	if (!S_ISREG(st->st_mode))
		return -2;
	if ((fd = gate_open(node_path, flags)) < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || sb.st_dev != st->st_dev || sb.st_ino != st->st_ino) {
		close(fd);
		return errno = ESTALE, -1;	/* replaced between the look and the open */
	}
	*st = sb;
	return fd;
}

/* gate_read(), following the last link (inside the root) unless nofollow. */
static int
read_node(const char *node_path, int nofollow, size_t cap, struct buf *out, struct stat *st)
{
	const char *name = root_path(node_path);
	struct stat sb;
	int fd, ret;

	fd = gate_open_regular(node_path, O_RDONLY | O_NOCTTY | O_NONBLOCK | nofollow, &sb);
	if (fd == -2)
		return error("'%s' is a %s, not a regular file", name, type_str(sb.st_mode));
	if (fd < 0) {
		/* ELOOP: the file itself is a link, or a loop on the way */
		int e = errno;
		char to[256];
		struct stat lst;

		if (gate_lstat(node_path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
			if (nofollow && e == ELOOP)
				return error("'%s' is a symlink (refused)", name);
			if (!nofollow && gate_readlink(node_path, to, sizeof(to)) >= 0)
				return error("cannot open '%s' (a symlink to '%s', resolved inside "
				    "the root): %s", name, to, strerror(e));
		}
		errno = e;
		if (e == ESTALE)
			return error("'%s' was replaced while it was opened", name);
		return error_errno("cannot open '%s'", name);
	}
	ret = file_read_fd(fd, name, cap, out, st);
	close(fd);
	return ret;
}

int
gate_read(const char *node_path, size_t cap, struct buf *out, struct stat *st)
{
	return read_node(node_path, O_NOFOLLOW, cap, out, st);
}

int
gate_read_follow(const char *node_path, size_t cap, struct buf *out, struct stat *st)
{
	return read_node(node_path, 0, cap, out, st);
}

static void
atomic_release(struct gate_atomic *a)
{
	if (a->fd >= 0)
		close(a->fd);
	if (a->dirfd >= 0)
		close(a->dirfd);
	free(a->base);
	free(a->shown);
	a->fd = a->dirfd = -1;
	a->base = a->shown = NULL;
}

int
gate_atomic_begin_at(struct gate_atomic *a, int dirfd, const char *base,
    const char *shown, mode_t mode)
{
	struct stat st;
	unsigned char rnd[8];

	a->fd = -1;
	a->dirfd = dirfd;
	a->tmp[0] = '\0';
	a->shown = xstrdup(shown);
	a->base = xstrdup(base);
	if (fstatat(a->dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode)) {
		error("'%s' is a %s, not a regular file (refused)", a->shown,
		    type_str(st.st_mode));
		goto fail;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		error_errno("cannot name a temp file for '%s'", a->shown);
		goto fail;
	}
	snprintf(a->tmp, sizeof(a->tmp), ".k3sguard-tmp-%02x%02x%02x%02x%02x%02x%02x%02x",
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	a->fd = openat(a->dirfd, a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode & 07777);
	if (a->fd < 0) {
		a->tmp[0] = '\0';
		error_errno("cannot create a temp file beside '%s'", a->shown);
		goto fail;
	}
	/* the mode asked for, whatever the umask */
	if (fchmod(a->fd, mode & 07777) < 0) {
		error_errno("cannot set the mode of a temp file beside '%s'", a->shown);
		gate_atomic_abort(a);
		return -1;
	}
	return 0;
fail:
	atomic_release(a);
	return -1;
}

int
gate_atomic_begin(struct gate_atomic *a, const char *node_path, mode_t mode)
{
	const char *base;
	int dirfd = gate_open_parent(node_path, &base);

	if (dirfd < 0) {
		a->fd = a->dirfd = -1;
		a->base = a->shown = NULL;
		return error_errno("cannot open the directory of '%s'", root_path(node_path));
	}
	return gate_atomic_begin_at(a, dirfd, base, root_path(node_path), mode);
}

int
gate_atomic_commit(struct gate_atomic *a)
{
	if (fsync(a->fd) < 0) {
		error_errno("cannot write '%s'", a->shown);
		gate_atomic_abort(a);
		return -1;
	}
	if (renameat(a->dirfd, a->tmp, a->dirfd, a->base) < 0) {
		error_errno("cannot replace '%s'", a->shown);
		gate_atomic_abort(a);
		return -1;
	}
	if (fsync(a->dirfd) < 0) {
		error_errno("cannot sync the directory of '%s'", a->shown);
		atomic_release(a);
		return -1;
	}
	atomic_release(a);
	return 0;
}

void
gate_atomic_abort(struct gate_atomic *a)
{
	int e = errno;

	if (a->dirfd >= 0 && a->tmp[0])
		unlinkat(a->dirfd, a->tmp, 0);
	atomic_release(a);
	errno = e;
}

int
gate_write_atomic(const char *node_path, const void *data, size_t len, mode_t mode)
{
	struct gate_atomic a;

	if (gate_atomic_begin(&a, node_path, mode) < 0)
		return -1;
	if (write_all(a.fd, data, len) < 0) {
		error_errno("cannot write '%s'", a.shown);
		gate_atomic_abort(&a);
		return -1;
	}
	return gate_atomic_commit(&a);
}

int
gate_mkdir_p(const char *node_path, mode_t mode)
{
	struct buf prefix = BUF_INIT;
	const char *p = node_path;
	int ret = 0;

	while (*p) {
		const char *base;
		size_t n;
		int fd;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		n = strcspn(p, "/");
		buf_addch(&prefix, '/');
		buf_add(&prefix, p, n);
		p += n;
		fd = gate_open(prefix.s, O_PATH | O_DIRECTORY);
		if (fd >= 0) {
			close(fd);
			continue;
		}
		if (errno != ENOENT ||
		    (fd = gate_open_parent(prefix.s, &base)) < 0) {
			ret = error_errno("cannot create '%s'", root_path(prefix.s));
			break;
		}
		if (mkdirat(fd, base, mode & 07777) < 0 && errno != EEXIST) {
			ret = error_errno("cannot create '%s'", root_path(prefix.s));
			close(fd);
			break;
		}
		close(fd);
	}
	buf_release(&prefix);
	return ret;
}

int
gate_unlink(const char *node_path)
{
	AT_PARENT(node_path, unlinkat(pfd, base, 0));
}

int
gate_rmdir(const char *node_path)
{
	AT_PARENT(node_path, unlinkat(pfd, base, AT_REMOVEDIR));
}

int
gate_rename(const char *from, const char *to)
{
	const char *fbase, *tbase;
	int ffd, tfd, r, e;

	if ((ffd = gate_open_parent(from, &fbase)) < 0)
		return -1;
	if ((tfd = gate_open_parent(to, &tbase)) < 0) {
		e = errno;
		close(ffd);
		errno = e;
		return -1;
	}
	r = renameat(ffd, fbase, tfd, tbase);
	e = errno;
	close(ffd);
	close(tfd);
	errno = e;
	return r;
}

/* Open the very file an O_PATH look found, for fchmod/fchown. */
static int
reopen_same(int pfd, const char *base, const struct stat *want, const char *shown)
{
	struct stat st;
	int flags = S_ISDIR(want->st_mode) ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NONBLOCK | O_NOCTTY;
	int fd = openat(pfd, base, flags | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return error_errno("cannot open '%s'", shown);
	if (fstat(fd, &st) < 0 || st.st_dev != want->st_dev || st.st_ino != want->st_ino) {
		close(fd);
		return error("'%s' changed while it was fixed (refused)", shown);
	}
	return fd;
}

int
gate_fix_mode(const char *node_path, mode_t mode, uid_t uid, gid_t gid)
{
	const char *shown = root_path(node_path), *base;
	struct stat st;
	int pfd, fd, ret = -1;

	if ((pfd = gate_open_parent(node_path, &base)) < 0)
		return error_errno("cannot open the directory of '%s'", shown);
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		error_errno("cannot stat '%s'", shown);
		goto out;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		error("'%s' is a %s, not a regular file or directory (refused)",
		    shown, type_str(st.st_mode));
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_nlink != 1) {
		error("'%s' has %ju hard links; another name of it may be outside the node (refused)",
		    shown, (uintmax_t)st.st_nlink);
		goto out;
	}
	if ((fd = reopen_same(pfd, base, &st, shown)) < 0)
		goto out;
	if (((uid != (uid_t)-1 && uid != st.st_uid) ||
	    (gid != (gid_t)-1 && gid != st.st_gid)) && fchown(fd, uid, gid) < 0) {
		error_errno("cannot change the owner of '%s'", shown);
		close(fd);
		goto out;
	}
	if ((st.st_mode & 07777) != (mode & 07777) && fchmod(fd, mode & 07777) < 0) {
		error_errno("cannot change the mode of '%s'", shown);
		close(fd);
		goto out;
	}
	close(fd);
	ret = 0;
out:
	close(pfd);
	return ret;
}
