/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifests-ops.c: `manifests lock` and `manifests verify` (see
 * manifests-ops.h), and what every operation shares: the paths, a lock
 * made from a scan.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "manifests/manifests-ops.h"

#include <time.h>

#include <jansson.h>

void
mpaths_default(struct mpaths *p)
{
	p->dir = NULL;	/* mpaths_finish(): --data-dir may come later */
	p->lock = MANIFESTS_LOCK;
	p->key = MANIFESTS_KEY;
	p->store = NULL;
	p->quarantine = MANIFESTS_QUAR;
}

void
mpaths_finish(struct mpaths *p)
{
	if (!p->dir)
		p->dir = manifests_dir_host();
}

const char *
mp_store(const struct mpaths *p)
{
	static char *s;

	if (p->store)
		return p->store;
	if (!strcmp(p->lock, MANIFESTS_LOCK))
		return MANIFESTS_STORE;
	if (!s)
		s = xasprintf("%s.store", p->lock);
	return s;
}

char *
utc_now(void)
{
	char s[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(s);
}

int
mlock_from_scan(const struct mpaths *p, const struct mlock *prev, struct mlock *out)
{
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (mtree_scan(p->dir, &out->tree, 0) < 0)
		goto out;
	for (size_t i = 0; i < out->tree.n; i++) {
		struct mentry *e = &out->tree.e[i];
		const struct mentry *old;

		if (e->err) {
			error("cannot lock '%s/%s': %s", root_path(p->dir), e->path, e->err);
			goto out;
		}
		if (manifests_is_packaged(e->path))
			e->flags |= MF_PACKAGED;
		if (prev && (old = mtree_find(&prev->tree, e->path)))
			e->flags |= old->flags & MF_MANAGED;
	}
	out->dir = xstrdup(p->dir);
	out->k3s_version = manifests_k3s_version();
	out->created = utc_now();
	ret = 0;
out:
	if (ret < 0)
		mlock_free(out);
	return ret;
}

int
mlock_commit(const struct mpaths *p, const struct mlock *l, int dirfd)
{
	if (dirfd >= 0 && mstore_fill(mp_store(p), dirfd, &l->tree) < 0)
		return -1;
	return mlock_write(p->lock, p->key, 1, l);
}

static void
entry_desc(struct buf *b, const struct mentry *e)
{
	char m[8], hex[65];

	buf_addf(b, "%s %s %u:%u", type_str(e->mode), mode_str(e->mode, m),
	    (unsigned)e->uid, (unsigned)e->gid);
	if (e->hashed) {
		hex_encode(e->sha, 32, hex);
		buf_addf(b, " sha256:%.12s", hex);
	}
	if (e->target) {
		buf_adds(b, " -> ");
		buf_add_printable(b, e->target);
	}
}

static json_t *
entry_json(const struct mentry *e)
{
	char m[8], hex[65];
	json_t *o = json_object();

	json_object_set_new(o, "type", json_string(type_str(e->mode)));
	json_object_set_new(o, "mode", json_string(mode_str(e->mode, m)));
	json_object_set_new(o, "uid", json_integer(e->uid));
	json_object_set_new(o, "gid", json_integer(e->gid));
	json_object_set_new(o, "size", json_integer(e->size));
	if (e->hashed) {
		hex_encode(e->sha, 32, hex);
		json_object_set_new(o, "sha256", json_string(hex));
	}
	if (e->target)
		json_object_set_new(o, "target", json_string(e->target));
	if (e->err)
		json_object_set_new(o, "error", json_string(e->err));
	return o;
}

/* "managed" marks are kept from a previous lock whose signature verifies. */
static int
read_prev(const struct mpaths *p, struct mlock *prev)
{
	enum sig_state sig = SIG_MISSING;
	int q = quiet_errors, ok;

	quiet_errors++;
	ok = mlock_read(p->lock, p->key, prev, &sig) == 0 && sig == SIG_OK;
	quiet_errors = q;
	clear_error();
	return ok;
}

int
manifests_lock(const struct mlock_opts *o)
{
	const struct mpaths *p = &o->p;
	struct mlock l, prev;
	int have_prev, dfd = -1, ret = -1;
	size_t npack = 0;
	struct stat st;

	have_prev = read_prev(p, &prev);
	if (mlock_from_scan(p, have_prev ? &prev : NULL, &l) < 0)
		goto out;
	for (size_t i = 0; i < l.tree.n; i++)
		npack += !!(l.tree.e[i].flags & MF_PACKAGED);
	if (o->dry) {
		printf("would lock %zu entries of '%s' (%zu packaged K3s files) into '%s'\n",
		    l.tree.n, p->dir, npack, p->lock);
		printf("would sign with '%s'%s\n", p->key,
		    gate_lstat(p->key, &st) < 0 ? " (created now, mode 0600)" : "");
		printf("would copy locked file contents into '%s'\n", mp_store(p));
		ret = 0;
	} else if ((dfd = mdir_open(p->dir)) >= 0 && mlock_commit(p, &l, dfd) == 0) {
		printf("locked %zu entries of '%s' (%zu packaged K3s files) into '%s'\n",
		    l.tree.n, p->dir, npack, p->lock);
		ret = 0;
	}
	mlock_free(&l);
out:
	if (dfd >= 0)
		close(dfd);
	if (have_prev)
		mlock_free(&prev);
	return ret;
}

struct verify_result {
	const struct mpaths *p;
	enum sig_state sig;
	struct mlock l;
	struct mtree cur;
	struct mchange *ch;
	size_t n;
	struct mapplied applied;	/* what the cluster applied (sig ok only) */
};

static void
verify_json(const struct verify_result *v)
{
	const struct mchange *ch = v->ch;
	json_t *o = json_object(), *arr = json_array();
	char *s;

	json_object_set_new(o, "dir", json_string(v->p->dir));
	json_object_set_new(o, "lock", json_string(v->p->lock));
	json_object_set_new(o, "signature", json_string(sig_state_name(v->sig)));
	if (v->sig == SIG_OK) {
		json_object_set_new(o, "locked_at", json_string(v->l.created ? v->l.created : ""));
		json_object_set_new(o, "entries", json_integer((json_int_t)v->l.tree.n));
	}
	json_object_set_new(o, "drift", json_boolean(v->sig != SIG_OK || v->n > 0 ||
	    v->applied.n > 0));
	if (v->sig == SIG_OK)
		json_object_set_new(o, "applied", mapplied_json(&v->applied));
	for (size_t i = 0; i < v->n; i++) {
		json_t *e = json_object(), *what = json_array();
		static const char *const names[] = { "added", "removed", "content",
			"mode", "owner", "type", "target", "unreadable" };

		for (unsigned b = 0; b < ARRAY_SIZE(names); b++)
			if (ch[i].what & (1u << b))
				json_array_append_new(what, json_string(names[b]));
		json_object_set_new(e, "path", json_string(ch[i].path));
		json_object_set_new(e, "change", what);
		if (ch[i].old)
			json_object_set_new(e, "old", entry_json(ch[i].old));
		if (ch[i].cur)
			json_object_set_new(e, "new", entry_json(ch[i].cur));
		json_object_set_new(e, "packaged",
		    json_boolean(manifests_is_packaged(ch[i].path)));
		json_object_set_new(e, "applied_by_k3s", json_boolean(ch[i].cur &&
		    S_ISREG(ch[i].cur->mode) && manifests_k3s_applies(ch[i].path, &v->cur)));
		json_array_append_new(arr, e);
	}
	json_object_set_new(o, "changes", arr);
	s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (!s)
		fatal("out of memory");
	puts(s);
	free(s);
	json_decref(o);
}

static void
verify_text(const struct verify_result *v)
{
	const struct mchange *ch = v->ch;

	printf("manifests: %s\n", v->p->dir);
	if (v->sig != SIG_OK) {
		printf("baseline: %s: signature %s%s\n", v->p->lock, sig_state_name(v->sig),
		    v->sig == SIG_BAD ? " (edited without the key, or a different key): "
		    "nothing in it is trusted" : ": nothing in it is trusted");
	} else {
		printf("baseline: %s (%s, %zu entries), signature ok\n", v->p->lock,
		    v->l.created ? v->l.created : "?", v->l.tree.n);
	}
	for (size_t i = 0; i < v->n; i++) {
		struct buf line = BUF_INIT;
		const char *verb = (ch[i].what & CH_ADDED) ? "added" :
		    (ch[i].what & CH_REMOVED) ? "removed" : "changed";

		buf_addf(&line, "%-8s ", verb);
		buf_add_printable(&line, ch[i].path);
		if (ch[i].what & CH_ADDED) {
			buf_adds(&line, " (");
			entry_desc(&line, ch[i].cur);
			buf_adds(&line, ")");
			if (S_ISREG(ch[i].cur->mode) && manifests_k3s_applies(ch[i].path, &v->cur))
				buf_adds(&line, " [K3s applies it]");
		} else if (ch[i].what & CH_REMOVED) {
			buf_adds(&line, " (was ");
			entry_desc(&line, ch[i].old);
			buf_adds(&line, ")");
		} else {
			buf_adds(&line, ": ");
			mchange_what(ch[i].what, &line);
			buf_adds(&line, " (");
			entry_desc(&line, ch[i].old);
			buf_adds(&line, " -> ");
			entry_desc(&line, ch[i].cur);
			buf_adds(&line, ")");
			if (ch[i].cur->err) {
				buf_adds(&line, ": ");
				buf_add_printable(&line, ch[i].cur->err);
			}
		}
		if (manifests_is_packaged(ch[i].path))
			buf_adds(&line, (ch[i].what & CH_CONTENT) ?
			    " [packaged: not what K3s wrote when locked]" : " [packaged]");
		puts(line.s);
		buf_release(&line);
	}
	if (v->sig == SIG_OK)
		mapplied_text(&v->applied);
	if (v->sig != SIG_OK)
		printf("verification failed: baseline signature %s\n", sig_state_name(v->sig));
	else if (v->n || v->applied.n)
		printf("drift: %zu change%s\n", v->n + v->applied.n,
		    v->n + v->applied.n == 1 ? "" : "s");
	else
		printf("no drift: %zu entries match the baseline\n", v->l.tree.n);
}

int
manifests_verify(const struct mverify_opts *o)
{
	struct verify_result v;
	int ret = -1;

	memset(&v, 0, sizeof(v));
	v.p = &o->p;
	if (!gate_exists(o->p.lock)) {
		error("no baseline at '%s': run 'k3sguard manifests lock' first", o->p.lock);
		return -1;
	}
	if (mlock_read(o->p.lock, o->p.key, &v.l, &v.sig) < 0)
		goto out;
	if (v.sig == SIG_OK) {
		if (mtree_scan(o->p.dir, &v.cur, 0) < 0)
			goto out;
		v.n = mtree_diff(&v.l.tree, &v.cur, &v.ch);
		mapplied_compare(manifests_node(), o->p.dir, &v.l.tree, &v.applied);
	}
	if (o->json)
		verify_json(&v);
	else
		verify_text(&v);
	ret = (v.sig != SIG_OK || v.n || v.applied.n) ? 1 : 0;
out:
	mapplied_free(&v.applied);
	free(v.ch);
	mtree_free(&v.cur);
	mlock_free(&v.l);
	return ret;
}
