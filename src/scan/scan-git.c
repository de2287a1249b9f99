/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-git.c: `k3sguard scan --git` (see scan-git.h).
 *
 * Commits are walked oldest first (topological, reversed); for each, its
 * tree is walked, skipping every tree and blob already seen by object id:
 * an unchanged subtree costs one hash lookup, a blob is read and scanned
 * once in the whole history.  So the first commit that holds a blob is the
 * one that introduced it.
 * Invariant: the hit vector is the caller's contract of scan_buffer(); a
 * blob's content is only read through libgit2 (no checkout, no write).
 */
#include "core/k3sguard.h"
#include "scan/scan-git.h"

#include <git2.h>

#define BINARY_PROBE	8192u

/* ---- a set of object ids (open addressing) ------------------------------ */

struct oidset {
	git_oid *v;
	unsigned char *used;
	size_t cap, n;
};

static size_t
oid_hash(const git_oid *id)
{
	size_t h;

	memcpy(&h, id->id, sizeof(h));	/* an object id is already uniform */
	return h;
}

static void oidset_grow(struct oidset *s);

/* 1 when id was not in the set (and is now), 0 when it was. */
static int
oidset_add(struct oidset *s, const git_oid *id)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap)
		oidset_grow(s);
	for (i = oid_hash(id) & (s->cap - 1); s->used[i]; i = (i + 1) & (s->cap - 1))
		if (git_oid_equal(&s->v[i], id))
			return 0;
	s->used[i] = 1;
	git_oid_cpy(&s->v[i], id);
	s->n++;
	return 1;
}

static void
oidset_grow(struct oidset *s)
{
	struct oidset t = { 0 };

	t.cap = s->cap ? s->cap * 2 : 4096;
	t.v = xcalloc(t.cap, sizeof(*t.v));
	t.used = xcalloc(t.cap, 1);
	for (size_t i = 0; i < s->cap; i++)
		if (s->used[i])
			oidset_add(&t, &s->v[i]);
	free(s->v);
	free(s->used);
	*s = t;
}

static void
oidset_release(struct oidset *s)
{
	free(s->v);
	free(s->used);
	memset(s, 0, sizeof(*s));
}

/* ---- the walk ------------------------------------------------------------ */

struct walk {
	git_repository *repo;
	struct oidset trees, blobs;
	struct scan_hits hits;
	struct buf path;
	char commit[GIT_OID_HEXSZ + 1];
	scan_git_fn fn;
	void *arg;
	struct scan_git_stats *st;
};

static int
git_fail(const char *what)
{
	const git_error *e = git_error_last();

	return error("git: %s: %s", what, e && e->message ? e->message : "unknown error");
}

static int
scan_blob(struct walk *w, const git_oid *id)
{
	git_blob *blob;
	const char *data;
	size_t len;

	if (git_blob_lookup(&blob, w->repo, id) < 0)
		return git_fail("cannot read a blob");
	data = git_blob_rawcontent(blob);
	len = (size_t)git_blob_rawsize(blob);
	w->st->blobs++;
	if (memchr(data, '\0', len < BINARY_PROBE ? len : BINARY_PROBE)) {
		w->st->binary++;
	} else {
		w->st->bytes += len;
		w->hits.n = 0;
		scan_buffer(data, len, SCAN_REPOSITORY |
		    (scan_path_context(w->path.s) ? SCAN_PATH_CONTEXT : 0), &w->hits);
		if (w->hits.n)
			w->fn(w->arg, w->commit, w->path.s, data, len, &w->hits);
	}
	git_blob_free(blob);
	return 0;
}

static int
walk_tree(struct walk *w, const git_tree *tree)
{
	size_t n = git_tree_entrycount(tree), base = w->path.len;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const git_oid *id = git_tree_entry_id(e);
		git_object_t type = git_tree_entry_type(e);

		if (type != GIT_OBJECT_TREE && type != GIT_OBJECT_BLOB)
			continue;	/* a submodule's commit */
		if (git_tree_entry_filemode(e) == GIT_FILEMODE_LINK)
			continue;	/* a symlink's target, not a file */
		if (!oidset_add(type == GIT_OBJECT_TREE ? &w->trees : &w->blobs, id))
			continue;
		w->path.len = base;
		if (base)
			buf_addch(&w->path, '/');
		buf_adds(&w->path, git_tree_entry_name(e));
		if (type == GIT_OBJECT_BLOB) {
			rc = scan_blob(w, id);
		} else {
			git_tree *sub;

			if (git_tree_lookup(&sub, w->repo, id) < 0)
				rc = git_fail("cannot read a tree");
			else {
				rc = walk_tree(w, sub);
				git_tree_free(sub);
			}
		}
	}
	w->path.len = base;
	if (w->path.s != buf_empty)
		w->path.s[base] = '\0';
	return rc;
}

static int
push_range(git_revwalk *walk, git_repository *repo, const char *range)
{
	git_object *obj;
	int rc;

	if (!range) {
		if (git_revwalk_push_glob(walk, "*") < 0)
			return git_fail("cannot list the refs");
		if (git_revwalk_push_head(walk) < 0 && git_error_last() &&
		    git_repository_head_unborn(repo) != 1)
			return git_fail("cannot read HEAD");
		return 0;
	}
	if (strstr(range, "..")) {
		if (git_revwalk_push_range(walk, range) < 0)
			return error("git: '%s' is not a commit range", range);
		return 0;
	}
	if (git_revparse_single(&obj, repo, range) < 0)
		return error("git: '%s' is not a revision", range);
	rc = git_revwalk_push(walk, git_object_id(obj));
	git_object_free(obj);
	return rc < 0 ? error("git: '%s' is not a commit", range) : 0;
}

static int
walk_commits(struct walk *w, git_revwalk *walk)
{
	git_oid id;
	int rc = 0, r;

	while (rc == 0 && (r = git_revwalk_next(&id, walk)) == 0) {
		git_commit *c;
		git_tree *t;

		if (git_commit_lookup(&c, w->repo, &id) < 0)
			return git_fail("cannot read a commit");
		git_oid_tostr(w->commit, sizeof(w->commit), &id);
		w->st->commits++;
		if (git_commit_tree(&t, c) < 0) {
			rc = git_fail("cannot read a commit's tree");
		} else {
			if (oidset_add(&w->trees, git_tree_id(t))) {
				buf_reset(&w->path);
				rc = walk_tree(w, t);
			}
			git_tree_free(t);
		}
		git_commit_free(c);
	}
	if (rc == 0 && r != GIT_ITEROVER)
		rc = git_fail("cannot walk the history");
	return rc;
}

int
scan_git(const char *repo, const char *range, scan_git_fn fn, void *arg,
    struct scan_git_stats *st)
{
	struct walk w = { .fn = fn, .arg = arg, .st = st, .path = BUF_INIT };
	git_revwalk *walk = NULL;
	int rc = -1;

	git_libgit2_init();
	if (git_repository_open_ext(&w.repo, repo, 0, NULL) < 0) {
		rc = error("git: '%s' is not a git repository", repo);
		goto out;
	}
	if (git_revwalk_new(&walk, w.repo) < 0) {
		rc = git_fail("cannot walk the history");
		goto out;
	}
	if (git_repository_workdir(w.repo))
		st->workdir = xstrdup(git_repository_workdir(w.repo));
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	if (push_range(walk, w.repo, range) == 0)
		rc = walk_commits(&w, walk);
out:
	git_revwalk_free(walk);
	git_repository_free(w.repo);
	oidset_release(&w.trees);
	oidset_release(&w.blobs);
	scan_hits_release(&w.hits);
	buf_release(&w.path);
	git_libgit2_shutdown();
	return rc;
}
