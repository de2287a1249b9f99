/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifests-sync.c: `manifests sync --from DIR`: make the manifests
 * directory equal, for the files sync manages, to a reviewed source
 * (typically a Git checkout), then lock the result.
 *
 * MUST refuse, before changing anything, a source holding a symlink, a
 * special file, an oversized file or a name that could leave the
 * directory, and a destination path that goes through a symlink or a
 * non-directory.  The source is a LOCAL directory (read as given, not
 * under --root); the manifests directory, the lock and the store are node
 * paths, reached through the gate only.  Files are written with the
 * gate's atomic write (dotfile temp, fsync, rename, fsync of the
 * directory), 0600, owned by root; K3s's packaged files are never written or
 * removed (a <name>.skip marker from the source is how to switch one off).
 * The new baseline is the old one with the managed entries replaced: what
 * someone else dropped into the directory stays drift.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "manifests/manifests-ops.h"

#include <dirent.h>

#include <openssl/evp.h>

struct sfile {
	char *rel;
	int is_dir;
	struct buf data;
	unsigned char sha[32];
};

struct source {
	struct sfile *f;
	size_t n;
	size_t refused;
	struct buf first_refusal;
	size_t ignored;
	size_t packaged;
};

static void
refuse(struct source *s, const char *fmt, ...) PRINTF(2, 3);

static void
refuse(struct source *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->refused++) {
		va_start(ap, fmt);
		buf_vaddf(&s->first_refusal, fmt, ap);
		va_end(ap);
	}
}

static struct sfile *
sadd(struct source *s, const char *rel)
{
	struct sfile *f;

	s->f = xrealloc(s->f, (s->n + 1) * sizeof(*s->f));
	f = &s->f[s->n++];
	memset(f, 0, sizeof(*f));
	f->rel = xstrdup(rel);
	buf_init(&f->data);
	return f;
}

static int
sfile_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sfile *)a)->rel, ((const struct sfile *)b)->rel);
}

static void
read_source(int dfd, const char *from, const char *prefix, struct source *s, int depth)
{
	DIR *d;
	struct dirent *de;

	if (depth > 64) {
		refuse(s, "'%s/%s' is nested too deep", from, prefix);
		return;
	}
	if (!(d = mt_opendir(dfd))) {
		refuse(s, "cannot read '%s/%s': %s", from, prefix, strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;
		char *rel;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		rel = *prefix ? xasprintf("%s/%s", prefix, de->d_name) : xstrdup(de->d_name);
		if (de->d_name[0] == '.') {
			/* .git, .gitignore, editors' files: K3s skips dotfiles too */
			s->ignored++;
		} else if (!manifests_name_ok(rel)) {
			refuse(s, "source name '%s/%s' is not a plain relative name (refused)", from, rel);
		} else if (gate_statat(dfd, de->d_name, &st) < 0) {
			refuse(s, "cannot stat '%s/%s': %s", from, rel, strerror(errno));
		} else if (S_ISLNK(st.st_mode)) {
			refuse(s, "source '%s/%s' is a symlink (refused)", from, rel);
		} else if (S_ISDIR(st.st_mode)) {
			int sub = gate_openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY);

			if (sub < 0) {
				refuse(s, "cannot open '%s/%s': %s", from, rel, strerror(errno));
			} else {
				sadd(s, rel)->is_dir = 1;
				read_source(sub, from, rel, s, depth + 1);
				close(sub);
			}
		} else if (!S_ISREG(st.st_mode)) {
			refuse(s, "source '%s/%s' is a %s (refused)", from, rel, type_str(st.st_mode));
		} else if (manifests_is_packaged(rel)) {
			s->packaged++;
			printf("= %s: packaged K3s file, left alone (K3s rewrites it at start; "
			    "switch it off with %s.skip, customise it with a HelmChartConfig)\n",
			    rel, rel);
		} else {
			int fd = gate_openat(dfd, de->d_name, O_RDONLY | O_NONBLOCK);
			struct sfile *f = sadd(s, rel);
			unsigned int len = 0;

			quiet_errors++;
			if (fd < 0 || fd_read_all(fd, rel, CONFIG_MAX, &f->data) < 0)
				refuse(s, "cannot read '%s/%s' (larger than %u bytes, or unreadable)",
				    from, rel, CONFIG_MAX);
			quiet_errors--;
			if (fd >= 0)
				close(fd);
			EVP_Digest(f->data.s, f->data.len, f->sha, &len, EVP_sha256(), NULL);
		}
		free(rel);
	}
	closedir(d);
}

static void
source_free(struct source *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->f[i].rel);
		buf_release(&s->f[i].data);
	}
	free(s->f);
	buf_release(&s->first_refusal);
}

static struct sfile *
sfind(const struct source *s, const char *rel)
{
	struct sfile key = { .rel = (char *)rel };

	return s->n ? bsearch(&key, s->f, s->n, sizeof(*s->f), sfile_cmp) : NULL;
}

/* Every proper prefix of rel must be a directory (or absent) in cur. */
static const char *
dest_blocked(const struct mtree *cur, const char *rel)
{
	static struct buf p;

	buf_reset(&p);
	for (const char *s = rel; (s = strchr(s, '/')); s++) {
		const struct mentry *e;

		buf_reset(&p);
		buf_add(&p, rel, (size_t)(s - rel));
		if ((e = mtree_find(cur, p.s)) && !S_ISDIR(e->mode))
			return p.s;
	}
	return NULL;
}

static void
set_entry(struct mtree *t, const char *rel, mode_t mode, const unsigned char *sha,
    long long size)
{
	struct mentry *e = mtree_find(t, rel);

	if (!e) {
		e = mtree_add(t, rel);
		mtree_sort(t);
		e = mtree_find(t, rel);
	}
	free(e->target);
	e->target = NULL;
	e->mode = mode;
	e->uid = geteuid() == 0 ? 0 : geteuid();
	e->gid = geteuid() == 0 ? 0 : getegid();
	e->size = size;
	e->hashed = sha != NULL;
	if (sha)
		memcpy(e->sha, sha, 32);
	e->flags = MF_MANAGED;
}

static void
del_entry(struct mtree *t, const char *rel)
{
	struct mentry *e = mtree_find(t, rel);

	if (!e)
		return;
	free(e->path);
	free(e->target);
	free(e->err);
	*e = t->e[t->n - 1];
	t->n--;
	mtree_sort(t);
}

/*
 * The source directory: a LOCAL path the user typed (documented as read as
 * given, not under --root), so not a node path and not the gate's; the
 * directory itself must not be a link, and read_source() never follows one.
 */
static int
source_open(const char *from)
{
	int fd = file_open_dir(from);
	struct stat st;

	if (fd >= 0)
		return fd;
	if (errno == ELOOP || (errno == ENOTDIR && path_lstat(from, &st) == 0 &&
	    S_ISLNK(st.st_mode)))
		return error("'%s' is a symlink (refused)", from);
	if (errno == ENOTDIR)
		return error("'%s' is not a directory", from);
	return error_errno("cannot open '%s'", from);
}

/* One sync from parse to apply; the steps below fill it in order. */
struct sync_run {
	const struct msync_opts *o;
	const struct mpaths *p;
	struct source src;
	struct mlock old, nl;
	int have_old;
	struct mtree cur;
	size_t nwrite, nremove, nsame;
};

/* 1. the source, all of it, before anything is touched */
static int
sync_read_source(struct sync_run *r)
{
	int sfd = source_open(r->o->from);

	if (sfd < 0)
		return -1;
	read_source(sfd, r->o->from, "", &r->src, 0);
	close(sfd);
	if (r->src.refused) {
		if (r->src.refused > 1)
			buf_addf(&r->src.first_refusal, " (and %zu more)", r->src.refused - 1);
		return error("%s; nothing changed", r->src.first_refusal.s);
	}
	qsort(r->src.f, r->src.n, sizeof(*r->src.f), sfile_cmp);
	return 0;
}

/* 2. the baseline (it must verify: 1 when it does not) and the directory as it is */
static int
sync_read_node(struct sync_run *r)
{
	const struct mpaths *p = r->p;
	enum sig_state sig = SIG_MISSING;
	int have_dir;

	if (gate_exists(p->lock)) {
		if (mlock_read(p->lock, p->key, &r->old, &sig) < 0)
			return -1;
		if (sig != SIG_OK) {
			error("baseline '%s': signature %s; refusing to sync on top of it", p->lock,
			    sig_state_name(sig));
			return 1;
		}
		r->have_old = 1;
	}
	have_dir = gate_exists(p->dir);
	if (!have_dir && r->o->dry) {
		printf("+ %s/ (created, 0700)\n", p->dir);
	} else {
		if (!have_dir && gate_mkdir_p(p->dir, 0700) < 0)
			return -1;
		if (mtree_scan(p->dir, &r->cur, 0) < 0)
			return -1;
	}
	if (!r->have_old) {
		/* first sync: what is there now is the starting point */
		if (!r->o->dry || r->cur.n) {
			if (mlock_from_scan(p, NULL, &r->old) < 0)
				return -1;
		} else {
			memset(&r->old, 0, sizeof(r->old));
		}
		r->have_old = 1;
		printf("no baseline yet: the directory as it is now is the starting point\n");
	}
	return 0;
}

/* 3a. refuse a destination that goes through, or is, something else */
static int
plan_check_dest(const struct sync_run *r)
{
	for (size_t i = 0; i < r->src.n; i++) {
		const struct mentry *e = mtree_find(&r->cur, r->src.f[i].rel);
		const char *blk = dest_blocked(&r->cur, r->src.f[i].rel);

		if (blk)
			return error("destination '%s/%s' is not a directory (refused); nothing changed",
			    r->p->dir, blk);
		if (e && (r->src.f[i].is_dir ? !S_ISDIR(e->mode) : !S_ISREG(e->mode)))
			return error("destination '%s/%s' is a %s (refused); nothing changed",
			    r->p->dir, r->src.f[i].rel, type_str(e->mode));
	}
	return 0;
}

/* 3b. the new baseline starts as the old one */
static void
plan_copy_baseline(struct sync_run *r)
{
	r->nl.dir = xstrdup(r->p->dir);
	r->nl.k3s_version = manifests_k3s_version();
	r->nl.created = utc_now();
	for (size_t i = 0; i < r->old.tree.n; i++) {
		struct mentry *e = mtree_add(&r->nl.tree, r->old.tree.e[i].path);
		char *path = e->path;

		*e = r->old.tree.e[i];
		e->path = path;
		e->target = r->old.tree.e[i].target ? xstrdup(r->old.tree.e[i].target) : NULL;
		e->err = NULL;
	}
	mtree_sort(&r->nl.tree);
}

/* 3c. each source entry: into the new baseline, and said when it is a change */
static void
plan_writes(struct sync_run *r)
{
	uid_t want_uid = geteuid() == 0 ? 0 : geteuid();

	for (size_t i = 0; i < r->src.n; i++) {
		struct sfile *f = &r->src.f[i];
		const struct mentry *e = mtree_find(&r->cur, f->rel);
		char hex[65], h2[65], m[8];

		if (f->is_dir) {
			if (!e) {
				printf("+ %s/ (directory, 0700)\n", f->rel);
				set_entry(&r->nl.tree, f->rel, S_IFDIR | 0700, NULL, 0);
				r->nwrite++;
			} else if (!mtree_find(&r->nl.tree, f->rel)) {
				set_entry(&r->nl.tree, f->rel, e->mode, NULL, 0);
			}
			continue;
		}
		hex_encode(f->sha, 32, hex);
		set_entry(&r->nl.tree, f->rel, S_IFREG | 0600, f->sha, (long long)f->data.len);
		if (e && e->hashed && !memcmp(e->sha, f->sha, 32) && (e->mode & 07777) == 0600 &&
		    e->uid == want_uid) {
			r->nsame++;
			continue;
		}
		r->nwrite++;
		if (!e) {
			printf("+ %s (sha256:%.12s, %zu bytes)\n", f->rel, hex, f->data.len);
			continue;
		}
		hex_encode(e->sha, 32, h2);
		if (memcmp(e->sha, f->sha, 32))
			printf("~ %s: content (sha256:%.12s -> sha256:%.12s)\n", f->rel, h2, hex);
		else
			printf("~ %s: mode/owner (%s %u -> 0600 %u)\n", f->rel,
			    mode_str(e->mode, m), (unsigned)e->uid, (unsigned)want_uid);
	}
}

/* A managed entry of the old baseline that the source no longer has. */
static int
prunable(const struct sync_run *r, const struct mentry *o)
{
	return (o->flags & MF_MANAGED) && !sfind(&r->src, o->path) &&
	    !manifests_is_packaged(o->path);
}

/* 3d. --prune: deepest first, so a managed directory is emptied before it goes */
static void
plan_prune(struct sync_run *r)
{
	for (size_t i = r->old.tree.n; i-- > 0; ) {
		const struct mentry *o = &r->old.tree.e[i];
		const struct mentry *e = mtree_find(&r->cur, o->path);
		const char *b;

		if (!prunable(r, o))
			continue;
		del_entry(&r->nl.tree, o->path);
		if (!e)
			continue;
		r->nremove++;
		if (S_ISDIR(e->mode)) {
			printf("- %s/ (directory, pruned when empty)\n", o->path);
			continue;
		}
		b = strrchr(o->path, '/') ? strrchr(o->path, '/') + 1 : o->path;
		/* the Addon is named after the basename up to its first dot */
		printf("- %s (pruned; K3s does not delete what it deployed from it: "
		    "kubectl -n kube-system delete addon %.*s)\n", o->path,
		    (int)strcspn(b, "."), b);
	}
}

/* 4b. the files, below the directory's fd, never through a link */
static size_t
apply_files(const struct sync_run *r, int dfd)
{
	size_t failed = 0;

	for (size_t i = 0; i < r->src.n; i++) {
		const struct sfile *f = &r->src.f[i];

		if (f->is_dir) {
			if (mt_mkdirs(dfd, f->rel, 0700) < 0)
				failed++;
		} else if (mt_write(r->p->dir, dfd, f->rel, f->data.s, f->data.len, 0600, 0, 0) < 0) {
			failed++;
		}
	}
	return failed;
}

/* 4c. --prune: remove what the plan said, deepest first */
static size_t
apply_prune(const struct sync_run *r, int dfd)
{
	size_t failed = 0;

	for (size_t i = r->old.tree.n; i-- > 0; ) {
		const struct mentry *o = &r->old.tree.e[i];
		const char *base;
		struct stat pst;
		int pfd;

		if (!prunable(r, o) || !mtree_find(&r->cur, o->path))
			continue;
		if ((pfd = mt_parent(dfd, o->path, &base)) < 0) {
			failed++;
			continue;
		}
		if (gate_statat(pfd, base, &pst) == 0 &&
		    gate_unlinkat(pfd, base, S_ISDIR(pst.st_mode) ? AT_REMOVEDIR : 0) < 0 &&
		    errno != ENOTEMPTY) {
			error_errno("cannot remove '%s'", o->path);
			failed++;
		}
		close(pfd);
	}
	if (fsync(dfd) < 0)
		failed++;
	return failed;
}

/*
 * 4. apply: contents into the store, the new (signed) baseline, then the
 * files.  A watcher with --enforce picks the lock up and, if it gets there
 * first, writes the same contents from the store.
 */
static int
sync_apply(const struct sync_run *r)
{
	size_t failed;
	int dfd;

	for (size_t i = 0; i < r->src.n; i++)
		if (!r->src.f[i].is_dir && mstore_put(mp_store(r->p), r->src.f[i].sha,
		    r->src.f[i].data.s, r->src.f[i].data.len) < 0)
			return -1;
	if (mlock_write(r->p->lock, r->p->key, 1, &r->nl) < 0)
		return -1;
	if ((dfd = mdir_open(r->p->dir)) < 0)
		return -1;
	failed = apply_files(r, dfd);
	if (r->o->prune)
		failed += apply_prune(r, dfd);
	close(dfd);
	if (failed)
		return error("%zu change%s could not be made; the baseline describes the wanted "
		    "state (verify shows what is missing, sync again)", failed,
		    failed == 1 ? "" : "s");
	return 0;
}

int
manifests_sync(const struct msync_opts *o)
{
	struct sync_run r;
	int ret;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.p = &o->p;
	buf_init(&r.src.first_refusal);
	if ((ret = sync_read_source(&r)) != 0 || (ret = sync_read_node(&r)) != 0 ||
	    (ret = plan_check_dest(&r)) != 0)
		goto out;
	plan_copy_baseline(&r);
	plan_writes(&r);
	if (o->prune)
		plan_prune(&r);
	if (!r.nwrite && !r.nremove) {
		printf("nothing to do: %zu managed file%s already match '%s'\n", r.nsame,
		    r.nsame == 1 ? "" : "s", o->from);
	} else if (o->dry) {
		printf("dry run: would write %zu, remove %zu, leave %zu unchanged, then lock '%s'\n",
		    r.nwrite, r.nremove, r.nsame, r.p->lock);
	} else if ((ret = sync_apply(&r)) == 0) {
		printf("synced: %zu written, %zu removed, %zu unchanged; locked %zu entries "
		    "into '%s'\n", r.nwrite, r.nremove, r.nsame, r.nl.tree.n, r.p->lock);
	}
out:
	if (r.have_old)
		mlock_free(&r.old);
	mlock_free(&r.nl);
	mtree_free(&r.cur);
	source_free(&r.src);
	return ret;
}
