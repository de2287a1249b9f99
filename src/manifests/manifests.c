/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifests.c: scanning the auto-deploy directory and comparing two scans.
 * See manifests.h for the invariants.  Hashing runs on one pthread per core:
 * the walk (cheap: readdir + gate_statat) is sequential, the reads and sha256
 * of regular files are shared out by an atomic counter.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "manifests/manifests.h"
#include "node/node.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>

#include <openssl/evp.h>

#define WALK_MAX_DEPTH	64
#define HASH_CHUNK	(256u * 1024u)

/* The node model, read once (quietly: its errors belong to audit). */
static const struct node *
mnode(void)
{
	static struct node n;
	static int state;	/* 0 unread, 1 read, -1 failed */

	if (!state) {
		quiet_errors++;
		state = node_load(&n) == 0 ? 1 : -1;
		quiet_errors--;
		clear_error();
	}
	return state > 0 ? &n : NULL;
}

const struct node *
manifests_node(void)
{
	return mnode();
}

const char *
manifests_dir_host(void)
{
	static char *dir;
	const struct node *n;
	const char *dd;
	size_t len;

	if (!dir) {
		if (gopt.data_dir && *gopt.data_dir)
			dd = gopt.data_dir;
		else if ((n = mnode()) && n->data_dir)
			dd = n->data_dir;
		else
			dd = "/var/lib/rancher/k3s";
		len = strlen(dd);
		while (len > 1 && dd[len - 1] == '/')
			len--;
		dir = xasprintf("%.*s/server/manifests", (int)len, dd);
	}
	return dir;
}

char *
manifests_k3s_version(void)
{
	const struct node *n = mnode();

	return n && n->k3s_version ? xstrdup(n->k3s_version) : NULL;
}

struct mentry *
mtree_add(struct mtree *t, const char *path)
{
	struct mentry *e;

	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64, bytes;

		if (size_mul(ncap, sizeof(*t->e), &bytes) < 0)
			fatal("too many entries");
		t->e = xrealloc(t->e, bytes);
		t->cap = ncap;
	}
	e = &t->e[t->n++];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(path);
	return e;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mentry *)a)->path, ((const struct mentry *)b)->path);
}

void
mtree_sort(struct mtree *t)
{
	if (t->n > 1)
		qsort(t->e, t->n, sizeof(*t->e), entry_cmp);
}

struct mentry *
mtree_find(const struct mtree *t, const char *path)
{
	struct mentry key = { .path = (char *)path };

	if (!t->n)
		return NULL;
	return bsearch(&key, t->e, t->n, sizeof(*t->e), entry_cmp);
}

void
mtree_free(struct mtree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->e[i].path);
		free(t->e[i].target);
		free(t->e[i].err);
	}
	free(t->e);
	memset(t, 0, sizeof(*t));
}

static void
fill_stat(struct mentry *e, const struct stat *st)
{
	e->mode = st->st_mode;
	e->uid = st->st_uid;
	e->gid = st->st_gid;
	e->size = S_ISREG(st->st_mode) ? (long long)st->st_size : 0;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
}

static int
walk(int dfd, const char *prefix, struct mtree *t, int depth)
{
	DIR *d;
	struct dirent *de;
	int ret = 0;

	if (depth > WALK_MAX_DEPTH)
		return error("'%s' is nested more than %d deep", prefix, WALK_MAX_DEPTH);
	if (!(d = mt_opendir(dfd)))
		return error_errno("cannot read directory '%s'", prefix);
	while ((errno = 0, de = readdir(d))) {
		struct stat st;
		struct mentry *e;
		char *rel;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (t->n >= MANIFESTS_MAX_ENTRIES) {
			ret = error("more than %u entries below the manifests directory",
			    MANIFESTS_MAX_ENTRIES);
			break;
		}
		rel = strcmp(prefix, ".") ? xasprintf("%s/%s", prefix, de->d_name)
		    : xstrdup(de->d_name);
		e = mtree_add(t, rel);
		if (gate_statat(dfd, de->d_name, &st) < 0) {
			/* vanished between readdir and stat: not there */
			if (errno == ENOENT) {
				free(e->path);
				t->n--;
			} else {
				e->err = xasprintf("cannot stat: %s", strerror(errno));
			}
			free(rel);
			continue;
		}
		fill_stat(e, &st);
		if (S_ISLNK(st.st_mode)) {
			char tgt[PATH_MAX];
			ssize_t n = gate_readlinkat(dfd, de->d_name, tgt, sizeof(tgt));

			if (n >= 0) {
				e->target = xstrdup(tgt);
				e->size = n;
			}
		} else if (S_ISDIR(st.st_mode)) {
			int sub = gate_openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY);

			if (sub < 0) {
				e->err = xasprintf("cannot open: %s", strerror(errno));
			} else {
				/* e may move when t grows: do not use it after this */
				if (walk(sub, rel, t, depth + 1) < 0)
					ret = -1;
				close(sub);
			}
		}
		free(rel);
		if (ret < 0)
			break;
	}
	if (!de && errno && ret == 0)
		ret = error_errno("cannot read directory '%s'", prefix);
	closedir(d);
	return ret;
}

static int
hash_fd(int fd, unsigned char sha[32], unsigned char *chunk, EVP_MD_CTX *ctx)
{
	unsigned int len = 0;

	if (!EVP_DigestInit_ex2(ctx, EVP_sha256(), NULL))
		return -1;
	for (;;) {
		ssize_t n = read(fd, chunk, HASH_CHUNK);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		if (!EVP_DigestUpdate(ctx, chunk, (size_t)n))
			return -1;
	}
	if (!EVP_DigestFinal_ex(ctx, sha, &len) || len != 32)
		return -1;
	return 0;
}

/* Open, fstat and hash one regular file; thread-safe (no error()). */
static void
hash_entry(int dirfd, struct mentry *e, unsigned char *chunk, EVP_MD_CTX *ctx)
{
	struct stat st;
	int fd = mt_open(dirfd, e->path, O_RDONLY | O_NONBLOCK | O_NOCTTY);

	if (fd < 0) {
		if (errno == ENOENT) {
			e->err = xstrdup("vanished during the scan");
		} else {
			e->err = xasprintf("cannot open: %s", strerror(errno));
		}
		return;
	}
	if (fstat(fd, &st) < 0) {
		e->err = xasprintf("cannot stat: %s", strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		e->err = xstrdup("replaced during the scan");
	} else if (st.st_nlink != 1) {
		fill_stat(e, &st);
		e->err = xasprintf("has %ju hard links; another name of it may be outside the "
		    "node (not read)", (uintmax_t)st.st_nlink);
	} else {
		/* describe the inode that was hashed, not the one walked */
		fill_stat(e, &st);
		if (hash_fd(fd, e->sha, chunk, ctx) < 0)
			e->err = xasprintf("cannot read: %s", strerror(errno));
		else
			e->hashed = 1;
	}
	close(fd);
}

int
mentry_stat_hash(int dirfd, const char *rel, struct mentry *e)
{
	unsigned char *chunk = xmalloc(HASH_CHUNK);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	struct stat st;
	int ret = 0;

	if (!ctx)
		fatal("out of memory");
	free(e->target);
	free(e->err);
	e->target = e->err = NULL;
	e->hashed = 0;
	if (!strcmp(rel, ".")) {
		if (fstat(dirfd, &st) < 0)
			ret = -1;
	} else {
		const char *base;
		int pfd = mt_parent(dirfd, rel, &base);

		if (pfd < 0) {
			ret = -1;
			goto out;
		}
		if (gate_statat(pfd, base, &st) < 0) {
			ret = -1;
		} else if (S_ISLNK(st.st_mode)) {
			char tgt[PATH_MAX];

			if (gate_readlinkat(pfd, base, tgt, sizeof(tgt)) >= 0)
				e->target = xstrdup(tgt);
		}
		close(pfd);
	}
	if (ret < 0)
		goto out;
	fill_stat(e, &st);
	if (S_ISLNK(st.st_mode) && e->target)
		e->size = (long long)strlen(e->target);
	if (S_ISREG(st.st_mode))
		hash_entry(dirfd, e, chunk, ctx);
out:
	EVP_MD_CTX_free(ctx);
	free(chunk);
	return ret;
}

struct hash_job {
	struct mtree *t;
	int dirfd;
	atomic_size_t next;
};

static void *
hash_worker(void *arg)
{
	struct hash_job *j = arg;
	unsigned char *chunk = xmalloc(HASH_CHUNK);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx)
		fatal("out of memory");
	for (;;) {
		size_t i = atomic_fetch_add(&j->next, 1);

		if (i >= j->t->n)
			break;
		if (S_ISREG(j->t->e[i].mode) && !j->t->e[i].err)
			hash_entry(j->dirfd, &j->t->e[i], chunk, ctx);
	}
	EVP_MD_CTX_free(ctx);
	free(chunk);
	return NULL;
}

int
mtree_scan(const char *dir, struct mtree *t, int threads)
{
	int dfd, ret;

	memset(t, 0, sizeof(*t));
	if ((dfd = mdir_open(dir)) < 0)
		return -1;
	ret = mtree_scan_fd(dfd, root_path(dir), t, threads);
	close(dfd);
	return ret;
}

int
mtree_scan_fd(int dfd, const char *shown, struct mtree *t, int threads)
{
	struct hash_job job;
	pthread_t tid[64];
	struct stat st;
	struct mentry *root;
	int nt = 0;

	memset(t, 0, sizeof(*t));
	if (fstat(dfd, &st) < 0)
		return error_errno("cannot stat '%s'", shown);
	root = mtree_add(t, ".");
	fill_stat(root, &st);
	if (walk(dfd, ".", t, 0) < 0) {
		mtree_free(t);
		return -1;
	}
	mtree_sort(t);

	if (threads <= 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		threads = cpus > 0 ? (int)cpus : 1;
	}
	if (threads > (int)ARRAY_SIZE(tid))
		threads = (int)ARRAY_SIZE(tid);
	job.t = t;
	job.dirfd = dfd;
	atomic_init(&job.next, 0);
	/* the calling thread works too */
	for (int i = 1; i < threads && (size_t)i * 32 < t->n; i++) {
		if (pthread_create(&tid[nt], NULL, hash_worker, &job) != 0)
			break;
		nt++;
	}
	hash_worker(&job);
	for (int i = 0; i < nt; i++)
		pthread_join(tid[i], NULL);
	return 0;
}

static const char *const packaged_files[] = {
	"ccm.yaml", "coredns.yaml", "local-storage.yaml", "rolebindings.yaml",
	"runtimes.yaml", "traefik.yaml",
};

int
manifests_is_packaged(const char *rel)
{
	const char *rest;

	for (size_t i = 0; i < ARRAY_SIZE(packaged_files); i++)
		if (!strcmp(rel, packaged_files[i]))
			return 1;
	if (!strcmp(rel, "metrics-server"))
		return 1;
	/* metrics-server/<name>.yaml, one level: K3s writes a flat directory */
	if (starts_with(rel, "metrics-server/", &rest) && *rest && !strchr(rest, '/') &&
	    rest[0] != '.' && ends_with(rest, ".yaml"))
		return 1;
	return 0;
}

static int
ends_with_ci(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* 1 when some entry of t, at any depth, is named "<name>.skip". */
static int
tree_skips(const struct mtree *t, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < t->n; i++) {
		const char *slash = strrchr(t->e[i].path, '/');
		const char *base = slash ? slash + 1 : t->e[i].path;

		if (!strncmp(base, name, n) && !strcmp(base + n, ".skip"))
			return 1;
	}
	return 0;
}

/*
 * As K3s pkg/deploy/controller.go shouldSkipFile() on what walkFiles()
 * found: dot-directories are walked into; only the file's own name may not
 * start with '.'; a "<name>.skip" anywhere in the tree skips every <name>.
 */
int
manifests_k3s_applies(const char *rel, const struct mtree *t)
{
	const char *slash = strrchr(rel, '/');
	const char *name = slash ? slash + 1 : rel;

	if (*name == '.')
		return 0;
	if (!ends_with_ci(name, ".yaml") && !ends_with_ci(name, ".yml") &&
	    !ends_with_ci(name, ".json"))
		return 0;
	return !t || !tree_skips(t, name);
}

int
manifests_name_ok(const char *rel)
{
	const char *p = rel;

	if (!*rel || rel[0] == '/')
		return 0;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
				return 0;
		if (!slash)
			return 1;
		p = slash + 1;
	}
}

unsigned
mentry_compare(const struct mentry *old, const struct mentry *cur)
{
	unsigned what = 0;

	if (!old && !cur)
		return 0;
	if (!old)
		return CH_ADDED;
	if (!cur)
		return CH_REMOVED;
	if (cur->err)
		what |= CH_UNREADABLE;
	if ((old->mode & S_IFMT) != (cur->mode & S_IFMT))
		return what | CH_TYPE;
	if ((old->mode & 07777) != (cur->mode & 07777))
		what |= CH_MODE;
	if (old->uid != cur->uid || old->gid != cur->gid)
		what |= CH_OWNER;
	if (S_ISREG(old->mode) && !cur->err &&
	    (old->size != cur->size || !cur->hashed || memcmp(old->sha, cur->sha, 32)))
		what |= CH_CONTENT;
	if (S_ISLNK(old->mode) &&
	    (!old->target || !cur->target || strcmp(old->target, cur->target)))
		what |= CH_TARGET;
	return what;
}

size_t
mtree_diff(const struct mtree *base, const struct mtree *cur, struct mchange **out)
{
	size_t i = 0, j = 0, n = 0, cap = 0;
	struct mchange *c = NULL;

	while (i < base->n || j < cur->n) {
		const struct mentry *a = i < base->n ? &base->e[i] : NULL;
		const struct mentry *b = j < cur->n ? &cur->e[j] : NULL;
		int cmp = !a ? 1 : !b ? -1 : strcmp(a->path, b->path);
		unsigned what;

		if (cmp < 0) {
			b = NULL;
			i++;
		} else if (cmp > 0) {
			a = NULL;
			j++;
		} else {
			i++;
			j++;
		}
		if (!(what = mentry_compare(a, b)))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			c = xrealloc(c, cap * sizeof(*c));
		}
		c[n].path = a ? a->path : b->path;
		c[n].what = what;
		c[n].old = a;
		c[n].cur = b;
		n++;
	}
	*out = c;
	return n;
}

void
mchange_what(unsigned what, struct buf *out)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ CH_ADDED, "added" }, { CH_REMOVED, "removed" }, { CH_TYPE, "type" },
		{ CH_CONTENT, "content" }, { CH_MODE, "mode" }, { CH_OWNER, "owner" },
		{ CH_TARGET, "target" }, { CH_UNREADABLE, "unreadable" },
	};
	int first = 1;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (!(what & names[i].bit))
			continue;
		if (!first)
			buf_addch(out, ',');
		buf_adds(out, names[i].name);
		first = 0;
	}
}

const char *
mentry_type_name(const struct mentry *e)
{
	return type_str(e->mode);
}
