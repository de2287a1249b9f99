/*
 * manifests-sync.c: `manifests sync --from DIR`: make the manifests
 * directory equal, for the files sync manages, to a reviewed source
 * (typically a Git checkout), then lock the result.
 *
 * MUST refuse, before changing anything, a source holding a symlink, a
 * special file, an oversized file or a name that could leave the
 * directory, and a destination path that goes through a symlink or a
 * non-directory.  Files are written atomically (dotfile temp, fsync,
 * rename), 0600, owned by root; K3s's packaged files are never written or
 * removed (a <name>.skip marker from the source is how to switch one off).
 * The new baseline is the old one with the managed entries replaced: what
 * someone else dropped into the directory stays drift.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "manifests/manifests-cli.h"

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
	int fd2;

	if (depth > 64) {
		refuse(s, "'%s/%s' is nested too deep", from, prefix);
		return;
	}
	if ((fd2 = dup(dfd)) < 0 || !(d = fdopendir(fd2))) {
		if (fd2 >= 0)
			close(fd2);
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
		} else if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			refuse(s, "cannot stat '%s/%s': %s", from, rel, strerror(errno));
		} else if (S_ISLNK(st.st_mode)) {
			refuse(s, "source '%s/%s' is a symlink (refused)", from, rel);
		} else if (S_ISDIR(st.st_mode)) {
			int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

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
			int fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
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
sfind(struct source *s, const char *rel)
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

static const char sync_usage[] =
"usage: k3sguard manifests sync --from DIR [--dry-run] [--prune] [--key FILE] [--lock FILE] [--dir DIR]\n"
"  Make the manifests directory equal, for the files sync manages, to a\n"
"  reviewed source DIR (a Git checkout; dotfiles such as .git are ignored):\n"
"  new and changed files written atomically, 0600 root; with --prune, managed\n"
"  files gone from DIR are removed.  K3s's packaged files are left alone (a\n"
"  <name>.skip in DIR switches one off).  Symlinks and names that leave the\n"
"  directory are refused and nothing is changed.  Then the result is locked.\n"
"  DIR is read as given (not under --root).  Prints the changes; idempotent.\n";

int
manifests_sync(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS, MANIFESTS_PATH_OPTIONS,
		{ "from", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "prune", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct mpaths p;
	struct source src;
	struct mlock old, nl;
	struct mtree cur;
	enum sig_state sig = SIG_MISSING;
	const char *from = NULL;
	char *dir = NULL, *lock = NULL, *key = NULL, *store = NULL;
	int c, dry = 0, prune = 0, sfd = -1, dfd = -1, have_old = 0, ret = EXIT_ERROR;
	size_t nwrite = 0, nremove = 0, nsame = 0, failed = 0;
	struct stat st;

	memset(&src, 0, sizeof(src));
	memset(&cur, 0, sizeof(cur));
	memset(&nl, 0, sizeof(nl));
	buf_init(&src.first_refusal);
	mpaths_default(&p);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg) || mpaths_option(&p, c, optarg))
			continue;
		switch (c) {
		case 'f':
			from = optarg;
			break;
		case 'n':
			dry = 1;
			break;
		case 'p':
			prune = 1;
			break;
		case 'h':
			print_usage_exit(sync_usage);
		default:
			bad_option(sync_usage);
		}
	}
	if (optind < argc)
		usage_error("manifests sync: unexpected argument '%s'", argv[optind]);
	if (!from)
		usage_error("manifests sync: --from DIR is required");
	mpaths_finish(&p);
	dir = mp_real(p.dir);
	lock = mp_real(p.lock);
	key = mp_real(p.key);
	store = mp_real(mp_store(&p));

	/* 1. the source, all of it, before anything is touched */
	if ((sfd = open_dir_nofollow(from)) < 0)
		goto out;
	read_source(sfd, from, "", &src, 0);
	if (src.refused) {
		if (src.refused > 1)
			buf_addf(&src.first_refusal, " (and %zu more)", src.refused - 1);
		error("%s; nothing changed", src.first_refusal.s);
		goto out;
	}
	qsort(src.f, src.n, sizeof(*src.f), sfile_cmp);

	/* 2. the baseline (it must verify) and the directory as it is */
	if (lstat(lock, &st) == 0) {
		if (mlock_read(lock, key, &old, &sig) < 0)
			goto out;
		if (sig != SIG_OK) {
			error("baseline '%s': signature %s; refusing to sync on top of it", p.lock,
			    sig_state_name(sig));
			ret = EXIT_FINDINGS;
			goto out;
		}
		have_old = 1;
	}
	if (lstat(dir, &st) < 0 && errno == ENOENT) {
		if (!dry && mkdir_p(dir, 0700) < 0)
			goto out;
		if (dry)
			printf("+ %s/ (created, 0700)\n", p.dir);
	}
	if (!(lstat(dir, &st) < 0 && dry)) {
		if (mtree_scan(dir, &cur, 0) < 0)
			goto out;
	}
	if (!have_old) {
		/* first sync: what is there now is the starting point */
		struct mpaths q = p;

		if (!dry || cur.n) {
			if (mlock_from_scan(&q, NULL, &old) < 0)
				goto out;
		} else {
			memset(&old, 0, sizeof(old));
		}
		have_old = 1;
		printf("no baseline yet: the directory as it is now is the starting point\n");
	}

	/* 3. the plan: refuse a destination that goes through a non-directory */
	for (size_t i = 0; i < src.n; i++) {
		const struct mentry *e = mtree_find(&cur, src.f[i].rel);
		const char *blk = dest_blocked(&cur, src.f[i].rel);

		if (blk) {
			error("destination '%s/%s' is not a directory (refused); nothing changed",
			    p.dir, blk);
			goto out;
		}
		if (e && (src.f[i].is_dir ? !S_ISDIR(e->mode) : !S_ISREG(e->mode))) {
			error("destination '%s/%s' is a %s (refused); nothing changed", p.dir,
			    src.f[i].rel, type_str(e->mode));
			goto out;
		}
	}
	nl.dir = xstrdup(p.dir);
	nl.k3s_version = manifests_k3s_version();
	nl.created = utc_now();
	for (size_t i = 0; i < old.tree.n; i++) {
		struct mentry *e = mtree_add(&nl.tree, old.tree.e[i].path);
		char *path = e->path;

		*e = old.tree.e[i];
		e->path = path;
		e->target = old.tree.e[i].target ? xstrdup(old.tree.e[i].target) : NULL;
		e->err = NULL;
	}
	mtree_sort(&nl.tree);
	for (size_t i = 0; i < src.n; i++) {
		struct sfile *f = &src.f[i];
		const struct mentry *e = mtree_find(&cur, f->rel);
		uid_t want_uid = geteuid() == 0 ? 0 : geteuid();
		char hex[65];

		if (f->is_dir) {
			if (!e) {
				printf("+ %s/ (directory, 0700)\n", f->rel);
				set_entry(&nl.tree, f->rel, S_IFDIR | 0700, NULL, 0);
				nwrite++;
			} else if (!mtree_find(&nl.tree, f->rel)) {
				set_entry(&nl.tree, f->rel, e->mode, NULL, 0);
			}
			continue;
		}
		hex_encode(f->sha, 32, hex);
		set_entry(&nl.tree, f->rel, S_IFREG | 0600, f->sha, (long long)f->data.len);
		if (e && e->hashed && !memcmp(e->sha, f->sha, 32) && (e->mode & 07777) == 0600 &&
		    e->uid == want_uid) {
			nsame++;
			continue;
		}
		nwrite++;
		if (!e) {
			printf("+ %s (sha256:%.12s, %zu bytes)\n", f->rel, hex, f->data.len);
		} else {
			char h2[65], m[8];

			hex_encode(e->sha, 32, h2);
			if (memcmp(e->sha, f->sha, 32))
				printf("~ %s: content (sha256:%.12s -> sha256:%.12s)\n", f->rel, h2, hex);
			else
				printf("~ %s: mode/owner (%s %u -> 0600 %u)\n", f->rel,
				    mode_str(e->mode, m), (unsigned)e->uid, (unsigned)want_uid);
		}
	}
	if (prune) {
		/* deepest first, so a managed directory is emptied before it goes */
		for (size_t i = old.tree.n; i-- > 0; ) {
			const struct mentry *o = &old.tree.e[i];
			const struct mentry *e = mtree_find(&cur, o->path);

			if (!(o->flags & MF_MANAGED) || sfind(&src, o->path) ||
			    manifests_is_packaged(o->path))
				continue;
			del_entry(&nl.tree, o->path);
			if (!e)
				continue;
			nremove++;
			if (S_ISDIR(e->mode))
				printf("- %s/ (directory, pruned when empty)\n", o->path);
			else {
				const char *b = strrchr(o->path, '/') ? strrchr(o->path, '/') + 1 : o->path;

				/* the Addon is named after the basename up to its first dot */
				printf("- %s (pruned; K3s does not delete what it deployed from it: "
				    "kubectl -n kube-system delete addon %.*s)\n", o->path,
				    (int)strcspn(b, "."), b);
			}
		}
	}
	if (!nwrite && !nremove) {
		printf("nothing to do: %zu managed file%s already match '%s'\n", nsame,
		    nsame == 1 ? "" : "s", from);
		ret = EXIT_OK;
		goto out;
	}
	if (dry) {
		printf("dry run: would write %zu, remove %zu, leave %zu unchanged, then lock '%s'\n",
		    nwrite, nremove, nsame, p.lock);
		ret = EXIT_OK;
		goto out;
	}

	/*
	 * 4. apply: contents into the store, the new (signed) baseline, then the
	 * files.  A watcher with --enforce picks the lock up and, if it gets
	 * there first, writes the same contents from the store.
	 */
	for (size_t i = 0; i < src.n; i++)
		if (!src.f[i].is_dir &&
		    mstore_put(store, src.f[i].sha, src.f[i].data.s, src.f[i].data.len) < 0)
			goto out;
	if (mlock_write(lock, key, 1, &nl) < 0)
		goto out;
	if ((dfd = open_dir_nofollow(dir)) < 0)
		goto out;
	for (size_t i = 0; i < src.n; i++) {
		struct sfile *f = &src.f[i];

		if (f->is_dir) {
			if (mkdirs_beneath(dfd, f->rel, 0700) < 0)
				failed++;
			continue;
		}
		if (write_beneath(dfd, f->rel, f->data.s, f->data.len, 0600, 0, 0) < 0)
			failed++;
	}
	if (prune) {
		for (size_t i = old.tree.n; i-- > 0; ) {
			const struct mentry *o = &old.tree.e[i];
			const char *slash = strrchr(o->path, '/'), *base;
			char *parent;
			int pfd;
			struct stat pst;

			if (!(o->flags & MF_MANAGED) || sfind(&src, o->path) ||
			    manifests_is_packaged(o->path) || !mtree_find(&cur, o->path))
				continue;
			parent = slash ? xstrndup(o->path, (size_t)(slash - o->path)) : xstrdup(".");
			base = slash ? slash + 1 : o->path;
			pfd = open_beneath(dfd, parent, O_RDONLY | O_DIRECTORY, 0);
			free(parent);
			if (pfd < 0) {
				failed++;
				continue;
			}
			if (fstatat(pfd, base, &pst, AT_SYMLINK_NOFOLLOW) == 0 &&
			    unlinkat(pfd, base, S_ISDIR(pst.st_mode) ? AT_REMOVEDIR : 0) < 0 &&
			    errno != ENOTEMPTY) {
				error_errno("cannot remove '%s'", o->path);
				failed++;
			}
			close(pfd);
		}
		if (fsync(dfd) < 0)
			failed++;
	}
	if (failed) {
		error("%zu change%s could not be made; the baseline describes the wanted state "
		    "(verify shows what is missing, sync again)", failed, failed == 1 ? "" : "s");
		goto out;
	}
	printf("synced: %zu written, %zu removed, %zu unchanged; locked %zu entries into '%s'\n",
	    nwrite, nremove, nsame, nl.tree.n, p.lock);
	ret = EXIT_OK;
out:
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	if (have_old)
		mlock_free(&old);
	mlock_free(&nl);
	mtree_free(&cur);
	source_free(&src);
	free(dir);
	free(lock);
	free(key);
	free(store);
	return ret;
}
