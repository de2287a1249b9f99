/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifests-watch.c: `manifests watch`: inotify on the whole manifests tree,
 * every change checked against the signed baseline within milliseconds,
 * an alert to every sink, and with --enforce the locked state put back
 * (or an unknown entry moved to a 0700 quarantine outside the tree) long
 * before K3s's ~15 s poll can apply it.
 *
 * MUST keep watching whatever happens: a failed check, restore or sink is
 * logged and the loop goes on.  The watch survives IN_Q_OVERFLOW (full
 * rescan), renames (a directory move is a full rescan), the directory being
 * removed or replaced (its parent is watched too), a new baseline (the
 * lock's directory is watched; a lock whose signature fails is refused and
 * the old baseline kept) and SIGHUP (reload and rescan).
 *
 * Every path (directory, lock, key, store, quarantine) is a node path that
 * reaches a file only through the gate; below the directory every step is
 * one gate_*at() from its parent's fd, never through a link; inotify
 * watches are added on the fds the gate returned (/proc/self/fd/N), never
 * on a path.  A file with more than one link is never changed in place.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "manifests/alert.h"
#include "manifests/manifests-ops.h"

#include <dirent.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <time.h>

#include <jansson.h>

#define DEFER_MS	20	/* a write still open: wait this long for its close */
#define DIR_MASK	(IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | \
			 IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | \
			 IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)

/*
 * The last state seen of one path (and whether a check is due).  One
 * allocation with the path; the entry is kept only while it differs from
 * the baseline (NULL: as the baseline's, or absent), so 10,000 quiet files
 * cost about 64 bytes each.
 */
struct wstate {
	struct wstate *next;
	struct mentry *e;	/* present and drifted: what was seen */
	long long due;		/* ms, for dirty == 2 */
	unsigned char known;	/* observed at least once */
	unsigned char present;
	unsigned char dirty;	/* 1 check now, 2 check at due */
	unsigned char drifted;	/* last check differed from the baseline */
	char path[];
};

struct watch {
	struct mpaths p;			/* node paths */
	const char *store;
	char *parent, *base;			/* the directory's parent and name */
	char *lockdir, *lockbase;
	int enforce, dry;
	struct mlock bl;
	int rootfd, in;
	int parent_wd, lock_wd;
	char **wdpath;				/* by wd */
	size_t nwd;
	struct wstate **tab;
	size_t ntab, nstate;
	struct wstate **dirty;
	size_t ndirty, capdirty;
	int rescan;
	struct stat lock_st;			/* the lock file last loaded */
	int dir_missing_reported;
	unsigned long quarantined;
	struct alert_sinks sinks;
	char host[256];
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
utc_now_ms(void)
{
	struct timespec ts;
	struct tm tm;
	char s[40];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(s, 24, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(s + 19, sizeof(s) - 19, ".%03ldZ", ts.tv_nsec / 1000000);
	return xstrdup(s);
}

/* ---- state table ---- */

static size_t
hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct wstate *
state_get(struct watch *w, const char *path, int create)
{
	size_t h = hash_str(path);
	struct wstate *s;

	for (s = w->tab[h & (w->ntab - 1)]; s; s = s->next)
		if (!strcmp(s->path, path))
			return s;
	if (!create)
		return NULL;
	if (w->nstate >= w->ntab * 2) {
		size_t nn = w->ntab * 4;
		struct wstate **nt = xcalloc(nn, sizeof(*nt));

		for (size_t i = 0; i < w->ntab; i++) {
			while ((s = w->tab[i])) {
				w->tab[i] = s->next;
				s->next = nt[hash_str(s->path) & (nn - 1)];
				nt[hash_str(s->path) & (nn - 1)] = s;
			}
		}
		free(w->tab);
		w->tab = nt;
		w->ntab = nn;
	}
	s = xcalloc(1, sizeof(*s) + strlen(path) + 1);
	memcpy(s->path, path, strlen(path) + 1);
	s->next = w->tab[h & (w->ntab - 1)];
	w->tab[h & (w->ntab - 1)] = s;
	w->nstate++;
	return s;
}

static void
entry_clear(struct mentry *e)
{
	free(e->target);
	free(e->err);
	e->target = e->err = NULL;
}

/* Forget the entry a state kept. */
static void
state_drop_entry(struct wstate *s)
{
	if (s->e) {
		entry_clear(s->e);
		free(s->e);
		s->e = NULL;
	}
}

static void
mark_dirty(struct watch *w, const char *path, int defer)
{
	struct wstate *s = state_get(w, path, 1);

	if (s->dirty == 1)
		return;
	if (defer && s->dirty == 2)
		return;	/* already due */
	if (!s->dirty) {
		if (w->ndirty == w->capdirty) {
			w->capdirty = w->capdirty ? w->capdirty * 2 : 64;
			w->dirty = xrealloc(w->dirty, w->capdirty * sizeof(*w->dirty));
		}
		w->dirty[w->ndirty++] = s;
	}
	s->dirty = defer ? 2 : 1;
	if (defer)
		s->due = now_ms() + DEFER_MS;
}

/* ---- alerts ---- */

static json_t *
alert_new(struct watch *w, const char *event, const char *severity)
{
	json_t *a = json_object();
	char *t = utc_now_ms();

	json_object_set_new(a, "time", json_string(t));
	json_object_set_new(a, "host", json_string(w->host));
	json_object_set_new(a, "dir", json_string(w->p.dir));
	json_object_set_new(a, "event", json_string(event));
	json_object_set_new(a, "severity", json_string(severity));
	free(t);
	return a;
}

static void
alert_send(struct watch *w, json_t *a)
{
	alert_emit(&w->sinks, a);
	json_decref(a);
}

static void
info(struct watch *w, const char *event, const char *fmt, ...) PRINTF(3, 4);

static void
info(struct watch *w, const char *event, const char *fmt, ...)
{
	json_t *a = alert_new(w, event, "info");
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_set_new(a, "message", json_string(msg));
	alert_send(w, a);
}

static void
add_entry_fields(json_t *a, const struct mentry *old, const struct mentry *cur)
{
	char hex[65], m[8];

	if (old && old->hashed) {
		hex_encode(old->sha, 32, hex);
		json_object_set_new(a, "old_sha256", json_string(hex));
	}
	if (cur && cur->hashed) {
		hex_encode(cur->sha, 32, hex);
		json_object_set_new(a, "new_sha256", json_string(hex));
	}
	if (cur) {
		json_object_set_new(a, "type", json_string(type_str(cur->mode)));
		json_object_set_new(a, "mode", json_string(mode_str(cur->mode, m)));
		json_object_set_new(a, "uid", json_integer(cur->uid));
		json_object_set_new(a, "gid", json_integer(cur->gid));
		if (cur->target)
			json_object_set_new(a, "target", json_string(cur->target));
	}
	if (old) {
		json_object_set_new(a, "old_mode", json_string(mode_str(old->mode, m)));
		json_object_set_new(a, "old_owner", json_pack("{s:I,s:I}", "uid",
		    (json_int_t)old->uid, "gid", (json_int_t)old->gid));
	}
	/* inotify does not say who wrote; fanotify would, at a cost */
	json_object_set_new(a, "process", json_null());
}

/* ---- enforcement ---- */

static int
parent_fd(struct watch *w, const char *rel, const char **base)
{
	return mt_parent(w->rootfd, rel, base);
}

static int
remove_tree(int dfd, const char *name)
{
	int fd = gate_openat(dfd, name, O_RDONLY | O_DIRECTORY);

	if (fd >= 0) {
		DIR *d = mt_opendir(fd);
		struct dirent *de;

		while (d && (de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				remove_tree(fd, de->d_name);
		if (d)
			closedir(d);
		close(fd);
		return gate_unlinkat(dfd, name, AT_REMOVEDIR);
	}
	return gate_unlinkat(dfd, name, 0);
}

/* chmod a quarantined regular file or directory on its fd (nothing else is opened). */
static void
quarantine_private(int qfd, const char *name)
{
	struct stat st, fst;
	int fd;

	if (gate_statat(qfd, name, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)))
		return;
	fd = gate_openat(qfd, name, S_ISDIR(st.st_mode) ? O_RDONLY | O_DIRECTORY :
	    O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return;
	/* the inode renamed here, with no other name that could be outside */
	if (fstat(fd, &fst) == 0 && fst.st_ino == st.st_ino && fst.st_dev == st.st_dev &&
	    (S_ISDIR(fst.st_mode) || fst.st_nlink == 1) &&
	    fchmod(fd, S_ISDIR(fst.st_mode) ? 0700 : 0600) < 0)
		warning("cannot chmod quarantined '%s': %s", name, strerror(errno));
	close(fd);
}

/* Move rel out of the tree into the 0700 quarantine; sets *where. */
static int
quarantine(struct watch *w, const char *rel, struct buf *where)
{
	static unsigned long seq;
	const char *base;
	struct buf name = BUF_INIT;
	char *t = utc_now();
	int pfd = -1, qfd = -1, ret = -1;

	if (gate_mkdir_p(w->p.quarantine, 0700) < 0 || (qfd = mdir_open(w->p.quarantine)) < 0)
		goto out;
	buf_addf(&name, "%s-%lu-", t, ++seq);
	for (const char *p = rel; *p; p++)
		buf_addch(&name, *p == '/' ? '_' : *p);
	if ((pfd = parent_fd(w, rel, &base)) < 0) {
		error_errno("cannot open the directory of '%s'", rel);
		goto out;
	}
	if (gate_renameat(pfd, base, qfd, name.s) == 0) {
		/* the quarantine keeps it private (its directory is 0700 anyway) */
		quarantine_private(qfd, name.s);
		buf_addf(where, "%s/%s", w->p.quarantine, name.s);
		ret = 0;
	} else if (errno == EXDEV) {
		/* another filesystem: removing it is what matters */
		if (remove_tree(pfd, base) == 0) {
			buf_adds(where, "(removed: quarantine is on another filesystem)");
			ret = 0;
		} else {
			error_errno("cannot remove '%s'", rel);
		}
	} else {
		error_errno("cannot move '%s' into the quarantine", rel);
	}
out:
	if (pfd >= 0)
		close(pfd);
	if (qfd >= 0)
		close(qfd);
	buf_release(&name);
	free(t);
	return ret;
}

static int restore(struct watch *w, const struct mentry *b, int depth);

/* Parents first: a removed directory chain comes back as it was locked. */
static int
restore_parents(struct watch *w, const char *rel, int depth)
{
	const char *slash = strrchr(rel, '/');
	char *parent;
	const struct mentry *pb;
	int fd, ret = 0;

	if (!slash)
		return 0;
	parent = xstrndup(rel, (size_t)(slash - rel));
	fd = mt_open(w->rootfd, parent, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		close(fd);
	} else if ((pb = mtree_find(&w->bl.tree, parent)) && S_ISDIR(pb->mode)) {
		ret = restore(w, pb, depth + 1);
	} else {
		ret = mt_mkdirs(w->rootfd, parent, 0700);
	}
	free(parent);
	return ret;
}

static int
fix_attrs(struct watch *w, const struct mentry *b)
{
	struct stat st;
	int fd, ret = 0;

	/* a link itself: its owner only (AT_EMPTY_PATH on the fd of the link) */
	fd = mt_open(w->rootfd, b->path, S_ISLNK(b->mode) ? O_PATH :
	    O_RDONLY | O_NONBLOCK | O_NOCTTY | (S_ISDIR(b->mode) ? O_DIRECTORY : 0));
	if (fd < 0)
		return error_errno("cannot open '%s'", b->path);
	if (fstat(fd, &st) < 0) {
		ret = error_errno("cannot stat '%s'", b->path);
	} else if ((st.st_mode & S_IFMT) != (b->mode & S_IFMT)) {
		ret = error("'%s' is a %s, locked as a %s: not changed", b->path,
		    type_str(st.st_mode), type_str(b->mode));
	} else if (S_ISREG(st.st_mode) && st.st_nlink != 1) {
		ret = error("'%s' has %ju hard links; another name of it may be outside the node "
		    "(not changed)", b->path, (uintmax_t)st.st_nlink);
	} else if (S_ISLNK(st.st_mode)) {
		if (geteuid() == 0 && fchownat(fd, "", b->uid, b->gid, AT_EMPTY_PATH) < 0)
			ret = error_errno("cannot chown '%s'", b->path);
	} else if (fchmod(fd, b->mode & 07777) < 0 ||
	    (geteuid() == 0 && fchown(fd, b->uid, b->gid) < 0)) {
		ret = error_errno("cannot restore mode and owner of '%s'", b->path);
	}
	close(fd);
	return ret;
}

static int
restore(struct watch *w, const struct mentry *b, int depth)
{
	struct buf data = BUF_INIT;
	const char *base;
	int pfd, ret = -1;

	if (depth > 64)
		return error("'%s' is nested too deep to restore", b->path);
	if (!strcmp(b->path, "."))
		return fix_attrs(w, b);
	if (restore_parents(w, b->path, depth) < 0)
		return -1;
	if (S_ISREG(b->mode)) {
		if (mstore_get(w->store, b->sha, &data) < 0)
			goto out;
		ret = mt_write(w->p.dir, w->rootfd, b->path, data.s, data.len, b->mode & 07777,
		    b->uid, b->gid);
	} else if (S_ISDIR(b->mode)) {
		if ((pfd = parent_fd(w, b->path, &base)) < 0) {
			error_errno("cannot open the directory of '%s'", b->path);
			goto out;
		}
		if (gate_mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
			error_errno("cannot create '%s'", b->path);
		else
			ret = fix_attrs(w, b);
		close(pfd);
	} else if (S_ISLNK(b->mode)) {
		if ((pfd = parent_fd(w, b->path, &base)) < 0) {
			error_errno("cannot open the directory of '%s'", b->path);
			goto out;
		}
		gate_unlinkat(pfd, base, 0);
		if (gate_symlinkat(b->target ? b->target : "", pfd, base) < 0)
			error_errno("cannot create symlink '%s'", b->path);
		else
			ret = fix_attrs(w, b);
		close(pfd);
	} else {
		error("'%s' was locked as a %s: not restored", b->path, type_str(b->mode));
	}
out:
	buf_release(&data);
	return ret;
}

/* Put rel back as locked; returns the action taken (static text) or NULL. */
static const char *
enforce(struct watch *w, const char *rel, const struct mentry *b, unsigned what,
    struct buf *detail)
{
	int q = quiet_errors;
	const char *act;
	int r = 0;

	if (!(what & (CH_REMOVED)) && w->rootfd < 0)
		return NULL;
	if (w->dry) {
		if (!b)
			return "would-quarantine";
		return "would-restore";
	}
	quiet_errors++;
	clear_error();
	if (!b) {
		r = quarantine(w, rel, detail);
		act = "quarantined";
	} else if (what & (CH_TYPE | CH_TARGET)) {
		struct buf ignore = BUF_INIT;

		r = quarantine(w, rel, &ignore);
		buf_release(&ignore);
		if (r == 0)
			r = restore(w, b, 0);
		act = "restored";
	} else if (what & (CH_REMOVED | CH_CONTENT | CH_UNREADABLE)) {
		/* unreadable (a hard link, say): replaced by the locked copy, never changed in place */
		r = restore(w, b, 0);
		act = "restored";
	} else {
		r = fix_attrs(w, b);
		act = "restored";
	}
	quiet_errors = q;
	if (r < 0) {
		buf_reset(detail);
		buf_adds(detail, last_error());
		return "failed";
	}
	if (!b)
		w->quarantined++;
	return act;
}

/* ---- checking ---- */

static void check_path(struct watch *w, const char *rel, int depth);

/* Compare a freshly observed state of rel with the last one and the baseline. */
static void
observe(struct watch *w, const char *rel, int present, struct mentry *cur, int depth)
{
	struct wstate *s = state_get(w, rel, 1);
	const struct mentry *b, *last;
	unsigned what;
	json_t *a;
	struct buf detail = BUF_INIT;
	const char *act = NULL;

	b = mtree_find(&w->bl.tree, rel);
	last = s->e ? s->e : b;	/* no entry kept: it was as the baseline's */
	if (s->known && s->present == present &&
	    (!present || (last && !mentry_compare(last, cur))))
		return;	/* nothing new */
	state_drop_entry(s);
	s->known = 1;
	s->present = present;
	what = mentry_compare(b, present ? cur : NULL);
	if (present && what) {
		s->e = xmalloc(sizeof(*s->e));
		*s->e = *cur;
		s->e->path = s->path;
		cur->target = cur->err = NULL;	/* moved into s->e */
	}
	if (!what) {
		if (s->drifted)
			info(w, "resolved", "'%s' matches the baseline again", rel);
		s->drifted = 0;
		return;
	}
	s->drifted = 1;
	{
		struct buf wb = BUF_INIT;
		json_t *chg = json_array();
		char *p, *tok, *save = NULL;
		int applied = present && S_ISREG(s->e->mode) &&
		    manifests_k3s_applies(rel, NULL);

		if (!present && b && S_ISREG(b->mode) && manifests_k3s_applies(rel, NULL))
			applied = 1;
		mchange_what(what, &wb);
		for (p = wb.s; (tok = strtok_r(p, ",", &save)); p = NULL)
			json_array_append_new(chg, json_string(tok));
		a = alert_new(w, "drift", applied ? "critical" : "warning");
		json_object_set_new(a, "path", json_string(rel));
		json_object_set_new(a, "change", chg);
		json_object_set_new(a, "packaged", json_boolean(manifests_is_packaged(rel)));
		json_object_set_new(a, "applied_by_k3s", json_boolean(applied));
		add_entry_fields(a, b, present ? s->e : NULL);
		buf_release(&wb);
	}
	/* alert first: the enforcement that follows costs an fsync */
	if (w->enforce)
		json_object_set_new(a, "action", json_string(w->dry ? "would-enforce" : "enforcing"));
	alert_send(w, a);
	if (!w->enforce || depth > 0)
		return;
	act = enforce(w, rel, b, what, &detail);
	if (act) {
		a = alert_new(w, act, !strcmp(act, "failed") ? "critical" : "info");
		json_object_set_new(a, "path", json_string(rel));
		json_object_set_new(a, "action", json_string(act));
		if (detail.len)
			json_object_set_new(a, !strcmp(act, "failed") ? "error" : "quarantine",
			    json_string(detail.s));
		alert_send(w, a);
		if (strcmp(act, "failed") && !w->dry)
			check_path(w, rel, depth + 1);
	}
	buf_release(&detail);
}

/*
 * The temporaries of k3sguard's own atomic writes (sync, restores): dotfiles,
 * which K3s never applies; renamed into place within milliseconds, and the
 * rename is an event.  verify still reports one left behind.
 */
static int
own_temp(const char *rel)
{
	const char *b = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;

	return starts_with(b, ".k3sguard-tmp-", NULL) ||
	    (starts_with(b, ".k3sguard-", NULL) && ends_with(b, ".tmp"));
}

static void
check_path(struct watch *w, const char *rel, int depth)
{
	struct mentry e;
	int present;

	if (own_temp(rel))
		return;
	memset(&e, 0, sizeof(e));
	e.path = (char *)rel;
	present = w->rootfd >= 0 && mentry_stat_hash(w->rootfd, rel, &e) == 0;
	observe(w, rel, present, &e, depth);
	entry_clear(&e);
}

/* ---- watches ---- */

static void
wd_set(struct watch *w, int wd, const char *rel)
{
	if (wd < 0)
		return;
	if ((size_t)wd >= w->nwd) {
		size_t nn = (size_t)wd * 2 + 16;

		w->wdpath = xrealloc(w->wdpath, nn * sizeof(*w->wdpath));
		memset(w->wdpath + w->nwd, 0, (nn - w->nwd) * sizeof(*w->wdpath));
		w->nwd = nn;
	}
	free(w->wdpath[wd]);
	w->wdpath[wd] = rel ? xstrdup(rel) : NULL;
}

static const char *
wd_get(struct watch *w, int wd)
{
	return wd >= 0 && (size_t)wd < w->nwd ? w->wdpath[wd] : NULL;
}

/* Watch rel (a directory below the root) and everything below it; check each entry when walk_check. */
static void
watch_tree(struct watch *w, const char *rel, int walk_check, int depth)
{
	char proc[64];
	int fd, wd;
	DIR *d;
	struct dirent *de;

	if (depth > 64)
		return;
	fd = mt_open(w->rootfd, rel, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return;
	/* by fd: the directory opened, not whatever the path names now */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	wd = inotify_add_watch(w->in, proc, DIR_MASK & ~IN_DONT_FOLLOW);
	if (wd < 0) {
		warning("cannot watch '%s/%s': %s", w->p.dir, rel, strerror(errno));
	} else {
		wd_set(w, wd, rel);
	}
	if (!(d = mt_opendir(fd))) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		char *sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = strcmp(rel, ".") ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		if (walk_check)
			mark_dirty(w, sub, 0);
		if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) {
			struct stat st;

			if (gate_statat(fd, de->d_name, &st) == 0 && S_ISDIR(st.st_mode))
				watch_tree(w, sub, walk_check, depth + 1);
		}
		free(sub);
	}
	closedir(d);
	close(fd);
}

static int load_baseline(struct watch *w, const char *why);
static int lock_changed(struct watch *w);

/* An inotify watch on a directory the gate opens: by its fd, never by a path. */
static int
watch_node_dir(struct watch *w, const char *node_dir, uint32_t mask)
{
	char proc[64];
	int fd = gate_open(node_dir, O_PATH | O_DIRECTORY), wd, e;

	if (fd < 0)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	wd = inotify_add_watch(w->in, proc, mask);
	e = errno;
	close(fd);
	errno = e;
	return wd;
}

/* The directory itself is gone: put it back as locked (with --enforce). */
static void
recreate_dir(struct watch *w)
{
	const struct mentry *b = mtree_find(&w->bl.tree, ".");
	const char *base;
	int pfd;

	if (!b || (pfd = gate_open_parent(w->p.dir, &base)) < 0)
		return;
	if (gate_mkdirat(pfd, base, b->mode & 07777) == 0) {
		quiet_errors++;
		w->rootfd = mdir_open(w->p.dir);
		quiet_errors--;
		info(w, "restored", "recreated '%s'", w->p.dir);
	}
	close(pfd);
}

/* Every entry of a fresh scan observed; what it did not find checked again. */
static void
observe_scan(struct watch *w, struct mtree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct wstate *s = state_get(w, t->e[i].path, 0);

		if (own_temp(t->e[i].path))
			continue;
		if (s && s->dirty)
			s->dirty = 0;	/* checked here */
		observe(w, t->e[i].path, 1, &t->e[i], 0);
	}
	/* what the scan did not find is absent */
	for (size_t i = 0; i < w->ntab; i++)
		for (struct wstate *s = w->tab[i]; s; s = s->next)
			if (s->known && s->present && !mtree_find(t, s->path))
				mark_dirty(w, s->path, 0);
	for (size_t i = 0; i < w->bl.tree.n; i++) {
		struct wstate *s = state_get(w, w->bl.tree.e[i].path, 0);

		if (!mtree_find(t, w->bl.tree.e[i].path) && (!s || !s->known))
			mark_dirty(w, w->bl.tree.e[i].path, 0);
	}
}

/* Everything again: new inotify instance, new watches, a full scan. */
static void
full_rescan(struct watch *w)
{
	struct mtree t;

	w->rescan = 0;
	if (w->in >= 0)
		close(w->in);
	for (size_t i = 0; i < w->nwd; i++) {
		free(w->wdpath[i]);
		w->wdpath[i] = NULL;
	}
	w->in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->in < 0)
		fatal("inotify_init1: %s", strerror(errno));
	w->lock_wd = watch_node_dir(w, w->lockdir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR);
	w->parent_wd = watch_node_dir(w, w->parent,
	    IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR);
	if (lock_changed(w))
		load_baseline(w, "lock file replaced");
	if (w->rootfd >= 0)
		close(w->rootfd);
	quiet_errors++;
	w->rootfd = mdir_open(w->p.dir);
	quiet_errors--;
	if (w->rootfd < 0 && w->enforce && !w->dry)
		recreate_dir(w);
	if (w->rootfd < 0) {
		if (!w->dir_missing_reported) {
			json_t *a = alert_new(w, "drift", "critical");

			json_object_set_new(a, "path", json_string("."));
			json_object_set_new(a, "change", json_pack("[s]", "removed"));
			json_object_set_new(a, "message", json_string(
			    "the manifests directory is missing or not a directory"));
			alert_send(w, a);
			w->dir_missing_reported = 1;
		}
		return;
	}
	w->dir_missing_reported = 0;
	watch_tree(w, ".", 0, 0);
	/* the watches are in place: what changes from now on is an event */
	quiet_errors++;
	if (mtree_scan_fd(w->rootfd, root_path(w->p.dir), &t, 0) == 0) {
		quiet_errors--;
		observe_scan(w, &t);
		mtree_free(&t);
		/* the scan's transient memory goes back to the system: idle is small */
		malloc_trim(0);
	} else {
		quiet_errors--;
		w->rescan = 1;	/* try again on the next round */
	}
}

static void
run_dirty(struct watch *w, int all_due)
{
	long long now = now_ms();
	size_t keep = 0;

	/* check_path may add entries: iterate by index */
	for (size_t i = 0; i < w->ndirty; i++) {
		struct wstate *s = w->dirty[i];

		if (s->dirty == 2 && !all_due && s->due > now) {
			w->dirty[keep++] = s;
			continue;
		}
		s->dirty = 0;
		check_path(w, s->path, 0);
	}
	w->ndirty = keep;
}

static long long
next_due(struct watch *w)
{
	long long due = -1;

	for (size_t i = 0; i < w->ndirty; i++)
		if (w->dirty[i]->dirty == 2 && (due < 0 || w->dirty[i]->due < due))
			due = w->dirty[i]->due;
	return due;
}

static int
load_baseline(struct watch *w, const char *why)
{
	struct mlock l;
	enum sig_state sig;
	int q = quiet_errors;

	quiet_errors++;
	clear_error();
	if (gate_lstat(w->p.lock, &w->lock_st) < 0)
		memset(&w->lock_st, 0, sizeof(w->lock_st));
	if (mlock_read(w->p.lock, w->p.key, &l, &sig) < 0 || sig != SIG_OK) {
		json_t *a = alert_new(w, "baseline-rejected", "critical");

		quiet_errors = q;
		json_object_set_new(a, "path", json_string(w->p.lock));
		json_object_set_new(a, "message", json_string(sig != SIG_OK && !*last_error() ?
		    (sig == SIG_BAD ? "signature bad" : "signature missing") : last_error()));
		alert_send(w, a);
		if (sig == SIG_OK)
			mlock_free(&l);
		return -1;
	}
	quiet_errors = q;
	mlock_free(&w->bl);
	w->bl = l;
	/* every path is judged again against the new baseline */
	for (size_t i = 0; i < w->ntab; i++)
		for (struct wstate *s = w->tab[i]; s; s = s->next)
			s->known = 0;
	info(w, "baseline-loaded", "%s: %zu entries (%s), %s", w->p.lock, l.tree.n,
	    l.created ? l.created : "?", why);
	return 0;
}

/* Replaced since it was last read (events are lost while watches are re-made)? */
static int
lock_changed(struct watch *w)
{
	struct stat st;

	if (gate_lstat(w->p.lock, &st) < 0)
		return 0;
	return st.st_ino != w->lock_st.st_ino || st.st_dev != w->lock_st.st_dev ||
	    st.st_size != w->lock_st.st_size || st.st_mtim.tv_sec != w->lock_st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != w->lock_st.st_mtim.tv_nsec;
}

static void
handle_events(struct watch *w)
{
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t n = read(w->in, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;	/* EAGAIN: drained */
		}
		for (char *p = buf; p < buf + n; ) {
			struct inotify_event *ev = (struct inotify_event *)p;
			const char *dir;

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				w->rescan = 1;
				info(w, "overflow", "inotify queue overflowed: full rescan");
				continue;
			}
			if (ev->wd == w->lock_wd) {
				if (ev->len && !strcmp(ev->name, w->lockbase) &&
				    load_baseline(w, "lock file replaced") == 0)
					w->rescan = 1;
				continue;
			}
			if (ev->wd == w->parent_wd) {
				if (ev->len && !strcmp(ev->name, w->base)) {
					info(w, "dir-replaced", "'%s' was created, moved or removed",
					    w->p.dir);
					w->rescan = 1;
				}
				continue;
			}
			if (ev->mask & IN_IGNORED) {
				wd_set(w, ev->wd, NULL);
				continue;
			}
			if (!(dir = wd_get(w, ev->wd)))
				continue;
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
				/* a directory moved or removed: paths below it changed */
				if (ev->mask & IN_MOVE_SELF)
					w->rescan = 1;
				else
					mark_dirty(w, dir, 0);
				if (!strcmp(dir, "."))
					w->rescan = 1;
				continue;
			}
			if (!ev->len)
				continue;
			{
				char *rel = strcmp(dir, ".") ? xasprintf("%s/%s", dir, ev->name)
				    : xstrdup(ev->name);

				if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_MOVED_FROM | IN_MOVED_TO)))
					w->rescan = 1;
				if ((ev->mask & IN_ISDIR) && (ev->mask & IN_CREATE))
					watch_tree(w, rel, 1, 0);
				mark_dirty(w, rel, (ev->mask & (IN_MODIFY | IN_CREATE)) &&
				    !(ev->mask & IN_ISDIR) &&
				    !(ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_ATTRIB)));
				free(rel);
			}
		}
	}
}

/* The directory's parent and name, and the lock's, for the two extra watches. */
static void
split_path(const char *path, char **dir, char **base)
{
	char *slash;

	*dir = xstrdup(path);
	while (strlen(*dir) > 1 && (*dir)[strlen(*dir) - 1] == '/')
		(*dir)[strlen(*dir) - 1] = '\0';
	slash = strrchr(*dir, '/');
	*base = xstrdup(slash ? slash + 1 : *dir);
	if (slash)
		*(slash == *dir ? slash + 1 : slash) = '\0';
}

static void
watch_init(struct watch *w, const struct mwatch_opts *o)
{
	memset(w, 0, sizeof(*w));
	w->rootfd = w->in = w->lock_wd = w->parent_wd = -1;
	w->p = o->p;
	w->enforce = o->enforce;
	w->dry = o->dry;
	w->store = mp_store(&w->p);
	split_path(w->p.dir, &w->parent, &w->base);
	split_path(w->p.lock, &w->lockdir, &w->lockbase);
	if (gethostname(w->host, sizeof(w->host) - 1) < 0)
		snprintf(w->host, sizeof(w->host), "unknown");
	w->ntab = 1024;
	w->tab = xcalloc(w->ntab, sizeof(*w->tab));
}

static void
watch_free(struct watch *w)
{
	alert_sinks_stop(&w->sinks, 2000);
	if (w->in >= 0)
		close(w->in);
	if (w->rootfd >= 0)
		close(w->rootfd);
	for (size_t i = 0; i < w->nwd; i++)
		free(w->wdpath[i]);
	free(w->wdpath);
	for (size_t i = 0; i < w->ntab; i++) {
		struct wstate *s, *nx;

		for (s = w->tab[i]; s; s = nx) {
			nx = s->next;
			state_drop_entry(s);
			free(s);
		}
	}
	free(w->tab);
	free(w->dirty);
	mlock_free(&w->bl);
	free(w->parent);
	free(w->base);
	free(w->lockdir);
	free(w->lockbase);
}

/* The signals are read from a signalfd; threads started later inherit the mask. */
static int
signals_open(void)
{
	sigset_t mask;
	int sfd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return error_errno("cannot set up signal handling");
	return sfd;
}

/* -2 for a bad sink spec (a usage error) */
static int
sinks_start(struct watch *w, const struct mwatch_opts *o)
{
	size_t qmax = o->queue ? o->queue : 1024;

	if (alert_global_init() < 0)
		return -1;
	if (!o->nalerts && alert_sink_add(&w->sinks, "stdout", qmax) < 0)
		return -1;
	for (size_t i = 0; i < o->nalerts; i++)
		if (alert_sink_add(&w->sinks, o->alerts[i], qmax) < 0)
			return -2;
	return 0;
}

/* The baseline to start with: it must exist and verify (1 when it does not). */
static int
first_baseline(struct watch *w)
{
	enum sig_state sig;

	if (!gate_exists(w->p.lock))
		return error("no baseline at '%s': run 'k3sguard manifests lock' first", w->p.lock);
	if (gate_lstat(w->p.lock, &w->lock_st) < 0 ||
	    mlock_read(w->p.lock, w->p.key, &w->bl, &sig) < 0)
		return -1;
	if (sig != SIG_OK) {
		error("baseline '%s': signature %s; refusing to watch against it",
		    w->p.lock, sig_state_name(sig));
		return 1;
	}
	return 0;
}

/* Read the signalfd: 1 when asked to stop. */
static int
read_signals(struct watch *w, int sfd)
{
	struct signalfd_siginfo si;
	int stop = 0;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo != SIGHUP)
			stop = 1;
		else if (load_baseline(w, "SIGHUP") == 0)
			w->rescan = 1;
	}
	return stop;
}

/* Events, due checks and rescans until a signal says stop (0) or poll fails (-1). */
static int
watch_loop(struct watch *w, int sfd)
{
	for (;;) {
		struct pollfd pfd[2];
		long long due = next_due(w), now = now_ms();
		int timeout = due < 0 ? -1 : (due > now ? (int)(due - now) : 0);

		if (w->rescan)
			timeout = 0;
		if (w->rootfd < 0 && timeout < 0)
			timeout = 1000;	/* the directory may come back */
		pfd[0].fd = w->in;
		pfd[0].events = POLLIN;
		pfd[1].fd = sfd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
			return error_errno("poll");
		if ((pfd[1].revents & POLLIN) && read_signals(w, sfd)) {
			info(w, "stopping", "signal received");
			return 0;
		}
		if (pfd[0].revents & POLLIN)
			handle_events(w);
		run_dirty(w, 0);
		if (w->rescan || (w->rootfd < 0 && timeout == 1000)) {
			full_rescan(w);
			run_dirty(w, 1);
		}
	}
}

int
manifests_watch(const struct mwatch_opts *o)
{
	struct watch w;
	int sfd, ret;

	/*
	 * One malloc arena: the scan's hashing threads would otherwise each
	 * keep an arena of freed memory for as long as the watch runs.
	 */
	mallopt(M_ARENA_MAX, 1);
	watch_init(&w, o);
	if ((sfd = signals_open()) < 0) {
		watch_free(&w);
		return -1;
	}
	if ((ret = sinks_start(&w, o)) == 0 && (ret = first_baseline(&w)) == 0) {
		full_rescan(&w);
		run_dirty(&w, 1);
		info(&w, "watching", "%zu entries in the baseline, enforce %s", w.bl.tree.n,
		    w.enforce ? (w.dry ? "dry-run" : "on") : "off");
		ret = watch_loop(&w, sfd);
	}
	watch_free(&w);
	close(sfd);
	return ret;
}
