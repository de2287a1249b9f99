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
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "manifests/alert.h"
#include "manifests/manifests-cli.h"

#include <dirent.h>
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

/* The last state seen of one path (and whether a check is due). */
struct wstate {
	struct wstate *next;
	char *path;
	int known;		/* observed at least once */
	int present;
	struct mentry e;
	int dirty;		/* 1 check now, 2 check at due */
	long long due;		/* ms, for dirty == 2 */
	int drifted;		/* last check differed from the baseline */
};

struct watch {
	struct mpaths p;
	char *dir, *lock, *key, *store, *quar;	/* real paths */
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
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
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
	const char *slash = strrchr(rel, '/');
	char *parent;
	int fd;

	*base = slash ? slash + 1 : rel;
	if (!slash)
		return dup(w->rootfd);
	parent = xstrndup(rel, (size_t)(slash - rel));
	fd = open_beneath(w->rootfd, parent, O_RDONLY | O_DIRECTORY, 0);
	free(parent);
	return fd;
}

static int
remove_tree(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0) {
		int fd2 = dup(fd);
		DIR *d = fd2 >= 0 ? fdopendir(fd2) : NULL;
		struct dirent *de;

		while (d && (de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				remove_tree(fd, de->d_name);
		if (d)
			closedir(d);
		else if (fd2 >= 0)
			close(fd2);
		close(fd);
		return unlinkat(dfd, name, AT_REMOVEDIR);
	}
	return unlinkat(dfd, name, 0);
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

	if (mkdir_p(w->quar, 0700) < 0 || (qfd = open_dir_nofollow(w->quar)) < 0)
		goto out;
	buf_addf(&name, "%s-%lu-", t, ++seq);
	for (const char *p = rel; *p; p++)
		buf_addch(&name, *p == '/' ? '_' : *p);
	if ((pfd = parent_fd(w, rel, &base)) < 0) {
		error_errno("cannot open the directory of '%s'", rel);
		goto out;
	}
	if (renameat(pfd, base, qfd, name.s) == 0) {
		struct stat st;

		/* the quarantine keeps it private (its directory is 0700 anyway) */
		if (fstatat(qfd, name.s, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(st.st_mode) &&
		    fchmodat(qfd, name.s, S_ISDIR(st.st_mode) ? 0700 : 0600, 0) < 0)
			warning("cannot chmod quarantined '%s': %s", name.s, strerror(errno));
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
	fd = open_beneath(w->rootfd, parent, O_RDONLY | O_DIRECTORY, 0);
	if (fd >= 0) {
		close(fd);
	} else if ((pb = mtree_find(&w->bl.tree, parent)) && S_ISDIR(pb->mode)) {
		ret = restore(w, pb, depth + 1);
	} else {
		ret = mkdirs_beneath(w->rootfd, parent, 0700);
	}
	free(parent);
	return ret;
}

static int
fix_attrs(struct watch *w, const struct mentry *b)
{
	const char *base;
	int pfd, ret = 0;

	if (S_ISLNK(b->mode)) {
		if ((pfd = parent_fd(w, b->path, &base)) < 0)
			return error_errno("cannot open the directory of '%s'", b->path);
		if (geteuid() == 0 && fchownat(pfd, base, b->uid, b->gid, AT_SYMLINK_NOFOLLOW) < 0)
			ret = error_errno("cannot chown '%s'", b->path);
		close(pfd);
		return ret;
	}
	pfd = open_beneath(w->rootfd, b->path, O_RDONLY | O_NONBLOCK |
	    (S_ISDIR(b->mode) ? O_DIRECTORY : 0), 0);
	if (pfd < 0)
		return error_errno("cannot open '%s'", b->path);
	if (fchmod(pfd, b->mode & 07777) < 0 ||
	    (geteuid() == 0 && fchown(pfd, b->uid, b->gid) < 0))
		ret = error_errno("cannot restore mode and owner of '%s'", b->path);
	close(pfd);
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
		ret = write_beneath(w->rootfd, b->path, data.s, data.len, b->mode & 07777,
		    b->uid, b->gid);
	} else if (S_ISDIR(b->mode)) {
		if ((pfd = parent_fd(w, b->path, &base)) < 0) {
			error_errno("cannot open the directory of '%s'", b->path);
			goto out;
		}
		if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
			error_errno("cannot create '%s'", b->path);
		else
			ret = fix_attrs(w, b);
		close(pfd);
	} else if (S_ISLNK(b->mode)) {
		if ((pfd = parent_fd(w, b->path, &base)) < 0) {
			error_errno("cannot open the directory of '%s'", b->path);
			goto out;
		}
		unlinkat(pfd, base, 0);
		if (symlinkat(b->target ? b->target : "", pfd, base) < 0)
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
	} else if (what & (CH_REMOVED | CH_CONTENT)) {
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
	const struct mentry *b;
	unsigned what;
	json_t *a;
	struct buf detail = BUF_INIT;
	const char *act = NULL;

	if (s->known && s->present == present &&
	    (!present || !mentry_compare(&s->e, cur)))
		return;	/* nothing new */
	entry_clear(&s->e);
	s->known = 1;
	s->present = present;
	if (present) {
		s->e = *cur;
		s->e.path = s->path;
		cur->target = cur->err = NULL;	/* moved into s->e */
	} else {
		memset(&s->e, 0, sizeof(s->e));
	}
	b = mtree_find(&w->bl.tree, rel);
	what = mentry_compare(b, present ? &s->e : NULL);
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
		int applied = present && S_ISREG(s->e.mode) &&
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
		add_entry_fields(a, b, present ? &s->e : NULL);
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

	return starts_with(b, ".k3sguard-", NULL) && ends_with(b, ".tmp");
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
	int fd, fd2, wd;
	DIR *d;
	struct dirent *de;

	if (depth > 64)
		return;
	fd = open_beneath(w->rootfd, rel, O_RDONLY | O_DIRECTORY, 0);
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
	if ((fd2 = dup(fd)) < 0 || !(d = fdopendir(fd2))) {
		if (fd2 >= 0)
			close(fd2);
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

			if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
				watch_tree(w, sub, walk_check, depth + 1);
		}
		free(sub);
	}
	closedir(d);
	close(fd);
}

static int load_baseline(struct watch *w, const char *why);
static int lock_changed(struct watch *w);

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
	w->lock_wd = inotify_add_watch(w->in, w->lockdir,
	    IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR);
	w->parent_wd = inotify_add_watch(w->in, w->parent,
	    IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR);
	if (lock_changed(w))
		load_baseline(w, "lock file replaced");
	if (w->rootfd >= 0)
		close(w->rootfd);
	quiet_errors++;
	w->rootfd = open_dir_nofollow(w->dir);
	quiet_errors--;
	if (w->rootfd < 0 && w->enforce && !w->dry) {
		const struct mentry *b = mtree_find(&w->bl.tree, ".");

		/* the directory itself is gone: put it back as locked */
		if (b && mkdir(w->dir, b->mode & 07777) == 0) {
			quiet_errors++;
			w->rootfd = open_dir_nofollow(w->dir);
			quiet_errors--;
			info(w, "restored", "recreated '%s'", w->p.dir);
		}
	}
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
	if (mtree_scan(w->dir, &t, 0) == 0) {
		quiet_errors--;
		for (size_t i = 0; i < t.n; i++) {
			struct wstate *s = state_get(w, t.e[i].path, 0);

			if (own_temp(t.e[i].path))
				continue;
			if (s && s->dirty)
				s->dirty = 0;	/* checked here */
			observe(w, t.e[i].path, 1, &t.e[i], 0);
		}
		/* what the scan did not find is absent */
		for (size_t i = 0; i < w->ntab; i++)
			for (struct wstate *s = w->tab[i]; s; s = s->next)
				if (s->known && s->present && !mtree_find(&t, s->path))
					mark_dirty(w, s->path, 0);
		for (size_t i = 0; i < w->bl.tree.n; i++) {
			struct wstate *s = state_get(w, w->bl.tree.e[i].path, 0);

			if (!mtree_find(&t, w->bl.tree.e[i].path) && (!s || !s->known))
				mark_dirty(w, w->bl.tree.e[i].path, 0);
		}
		mtree_free(&t);
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
	if (lstat(w->lock, &w->lock_st) < 0)
		memset(&w->lock_st, 0, sizeof(w->lock_st));
	if (mlock_read(w->lock, w->key, &l, &sig) < 0 || sig != SIG_OK) {
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

	if (lstat(w->lock, &st) < 0)
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

static const char watch_usage[] =
"usage: k3sguard manifests watch [--enforce [--dry-run]] [--alert SINK ...] [--queue N]\n"
"                                [--key FILE] [--lock FILE] [--dir DIR]\n"
"  Watch the manifests directory (inotify, the whole tree) and alert on every\n"
"  change against the signed baseline, as one JSON line per event.\n"
"  SINK: stdout (default), syslog, exec:CMD [ARGS] (JSON on stdin),\n"
"        alertmanager:URL (Alertmanager v2 API, POST URL/api/v2/alerts).\n"
"  --enforce  restore the locked version, quarantine unknown entries into\n"
"             " MANIFESTS_QUAR " (0700); --dry-run only says so.\n"
"  --queue N  alerts queued per remote sink (exec, alertmanager) while it is\n"
"             down or slow (default 1024; the oldest is dropped when full).\n"
"  SIGHUP reloads the baseline; a new lock file is picked up by itself.\n";

int
manifests_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS, MANIFESTS_PATH_OPTIONS,
		{ "enforce", no_argument, NULL, 'e' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "alert", required_argument, NULL, 'a' },
		{ "queue", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct watch w;
	const char **specs = NULL;
	size_t nspecs = 0;
	long long qmax = 1024;
	sigset_t mask;
	int c, sfd = -1, ret = EXIT_ERROR;
	char *slash;

	memset(&w, 0, sizeof(w));
	w.rootfd = w.in = w.lock_wd = w.parent_wd = -1;
	mpaths_default(&w.p);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg) || mpaths_option(&w.p, c, optarg))
			continue;
		switch (c) {
		case 'e':
			w.enforce = 1;
			break;
		case 'n':
			w.dry = 1;
			break;
		case 'a':
			specs = xrealloc(specs, (nspecs + 1) * sizeof(*specs));
			specs[nspecs++] = optarg;
			break;
		case 'q':
			if (parse_num(optarg, 1, 1000000, &qmax) < 0)
				usage_error("manifests watch: --queue wants a number from 1 to 1000000, not '%s'", optarg);
			break;
		case 'h':
			print_usage_exit(watch_usage);
		default:
			bad_option(watch_usage);
		}
	}
	if (optind < argc)
		usage_error("manifests watch: unexpected argument '%s'", argv[optind]);
	if (w.dry && !w.enforce)
		usage_error("manifests watch: --dry-run goes with --enforce (watching changes nothing)");
	mpaths_finish(&w.p);
	w.dir = mp_real(w.p.dir);
	w.lock = mp_real(w.p.lock);
	w.key = mp_real(w.p.key);
	w.store = mp_real(mp_store(&w.p));
	w.quar = mp_real(w.p.quarantine);
	w.parent = xstrdup(w.dir);
	while (strlen(w.parent) > 1 && w.parent[strlen(w.parent) - 1] == '/')
		w.parent[strlen(w.parent) - 1] = '\0';
	slash = strrchr(w.parent, '/');
	w.base = xstrdup(slash ? slash + 1 : w.parent);
	if (slash)
		*(slash == w.parent ? slash + 1 : slash) = '\0';
	w.lockdir = xstrdup(w.lock);
	slash = strrchr(w.lockdir, '/');
	w.lockbase = xstrdup(slash ? slash + 1 : w.lockdir);
	if (slash)
		*(slash == w.lockdir ? slash + 1 : slash) = '\0';
	if (gethostname(w.host, sizeof(w.host) - 1) < 0)
		snprintf(w.host, sizeof(w.host), "unknown");
	w.ntab = 1024;
	w.tab = xcalloc(w.ntab, sizeof(*w.tab));

	/* the signals are read from a signalfd; threads started later inherit the mask */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		error_errno("cannot set up signal handling");
		goto out;
	}
	if (alert_global_init() < 0)
		goto out;
	if (!nspecs && alert_sink_add(&w.sinks, "stdout", (size_t)qmax) < 0)
		goto out;
	for (size_t i = 0; i < nspecs; i++)
		if (alert_sink_add(&w.sinks, specs[i], (size_t)qmax) < 0) {
			ret = EXIT_USAGE;
			goto out;
		}
	{
		struct stat st;
		enum sig_state sig;

		if (lstat(w.lock, &st) < 0 && errno == ENOENT) {
			error("no baseline at '%s': run 'k3sguard manifests lock' first", w.p.lock);
			goto out;
		}
		if (lstat(w.lock, &w.lock_st) < 0 || mlock_read(w.lock, w.key, &w.bl, &sig) < 0)
			goto out;
		if (sig != SIG_OK) {
			error("baseline '%s': signature %s; refusing to watch against it",
			    w.p.lock, sig_state_name(sig));
			ret = EXIT_FINDINGS;
			goto out;
		}
	}
	full_rescan(&w);
	run_dirty(&w, 1);
	info(&w, "watching", "%zu entries in the baseline, enforce %s", w.bl.tree.n,
	    w.enforce ? (w.dry ? "dry-run" : "on") : "off");

	for (;;) {
		struct pollfd pfd[2];
		long long due = next_due(&w), now = now_ms();
		int timeout = due < 0 ? -1 : (due > now ? (int)(due - now) : 0);

		if (w.rescan)
			timeout = 0;
		if (w.rootfd < 0 && timeout < 0)
			timeout = 1000;	/* the directory may come back */
		pfd[0].fd = w.in;
		pfd[0].events = POLLIN;
		pfd[1].fd = sfd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			error_errno("poll");
			break;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			int stop = 0;

			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					if (load_baseline(&w, "SIGHUP") == 0)
						w.rescan = 1;
				} else {
					stop = 1;
				}
			}
			if (stop) {
				info(&w, "stopping", "signal received");
				ret = EXIT_OK;
				break;
			}
		}
		if (pfd[0].revents & POLLIN)
			handle_events(&w);
		run_dirty(&w, 0);
		if (w.rescan || (w.rootfd < 0 && timeout == 1000)) {
			full_rescan(&w);
			run_dirty(&w, 1);
		}
	}
out:
	alert_sinks_stop(&w.sinks, 2000);
	if (sfd >= 0)
		close(sfd);
	if (w.in >= 0)
		close(w.in);
	if (w.rootfd >= 0)
		close(w.rootfd);
	for (size_t i = 0; i < w.nwd; i++)
		free(w.wdpath[i]);
	free(w.wdpath);
	for (size_t i = 0; i < w.ntab; i++) {
		struct wstate *s, *nx;

		for (s = w.tab[i]; s; s = nx) {
			nx = s->next;
			entry_clear(&s->e);
			free(s->path);
			free(s);
		}
	}
	free(w.tab);
	free(w.dirty);
	mlock_free(&w.bl);
	free(specs);
	free(w.dir);
	free(w.lock);
	free(w.key);
	free(w.store);
	free(w.quar);
	free(w.parent);
	free(w.base);
	free(w.lockdir);
	free(w.lockbase);
	return ret;
}
