/*
 * k3sguard-command: manifests | lock, verify, sync and watch K3s's auto-deploy directory
 *
 * Anyone who can write <data-dir>/server/manifests is cluster-admin within
 * K3s's ~15 s poll.  `lock` records a signed baseline of the directory
 * outside it, `verify` compares against it, `sync` makes it equal to a
 * reviewed source and `watch` alerts (and restores) within milliseconds.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "manifests/manifests-cli.h"

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

int
mpaths_option(struct mpaths *p, int c, const char *arg)
{
	switch (c) {
	case 'D':
		p->dir = arg;
		return 1;
	case 'L':
		p->lock = arg;
		return 1;
	case 'K':
		p->key = arg;
		return 1;
	}
	return 0;
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
mp_real(const char *host_path)
{
	return xstrdup(root_path(host_path));
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
	char *dir = mp_real(p->dir);
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (mtree_scan(dir, &out->tree, 0) < 0)
		goto out;
	for (size_t i = 0; i < out->tree.n; i++) {
		struct mentry *e = &out->tree.e[i];
		const struct mentry *old;

		if (e->err) {
			error("cannot lock '%s/%s': %s", p->dir, e->path, e->err);
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
	free(dir);
	return ret;
}

int
mlock_commit(const struct mpaths *p, const struct mlock *l, int dirfd)
{
	char *lock = mp_real(p->lock), *key = mp_real(p->key), *store = mp_real(mp_store(p));
	int ret = -1;

	if (dirfd >= 0 && mstore_fill(store, dirfd, &l->tree) < 0)
		goto out;
	ret = mlock_write(lock, key, 1, l);
out:
	free(lock);
	free(key);
	free(store);
	return ret;
}

static const char lock_usage[] =
"usage: k3sguard manifests lock [--key FILE] [--lock FILE] [--dir DIR] [--dry-run]\n"
"  Record every entry of the manifests directory (type, sha256, size, mode,\n"
"  owner) in a baseline signed with Ed25519, stored outside the directory\n"
"  (default " MANIFESTS_LOCK ", key " MANIFESTS_KEY ", created 0600 on first use).\n";

static int
cmd_lock(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS, MANIFESTS_PATH_OPTIONS,
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct mpaths p;
	struct mlock l, prev;
	enum sig_state sig = SIG_MISSING;
	int c, dry = 0, have_prev = 0, dfd = -1, ret = EXIT_ERROR, q;
	size_t npack = 0;
	char *lockreal, *keyreal, *dir;

	mpaths_default(&p);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg) || mpaths_option(&p, c, optarg))
			continue;
		if (c == 'n')
			dry = 1;
		else if (c == 'h')
			print_usage_exit(lock_usage);
		else
			bad_option(lock_usage);
	}
	if (optind < argc)
		usage_error("manifests lock: unexpected argument '%s'", argv[optind]);
	mpaths_finish(&p);
	lockreal = mp_real(p.lock);
	keyreal = mp_real(p.key);
	dir = mp_real(p.dir);
	/* keep the "managed" marks of a previous, valid lock */
	q = quiet_errors;
	quiet_errors++;
	if (mlock_read(lockreal, keyreal, &prev, &sig) == 0 && sig == SIG_OK)
		have_prev = 1;
	quiet_errors = q;
	clear_error();
	if (mlock_from_scan(&p, have_prev ? &prev : NULL, &l) < 0)
		goto out;
	for (size_t i = 0; i < l.tree.n; i++)
		npack += !!(l.tree.e[i].flags & MF_PACKAGED);
	if (dry) {
		struct stat st;

		printf("would lock %zu entries of '%s' (%zu packaged K3s files) into '%s'\n",
		    l.tree.n, p.dir, npack, p.lock);
		printf("would sign with '%s'%s\n", p.key,
		    lstat(keyreal, &st) < 0 ? " (created now, mode 0600)" : "");
		printf("would copy locked file contents into '%s'\n", mp_store(&p));
		ret = EXIT_OK;
		mlock_free(&l);
		goto out;
	}
	if ((dfd = open_dir_nofollow(dir)) < 0 || mlock_commit(&p, &l, dfd) < 0) {
		mlock_free(&l);
		goto out;
	}
	printf("locked %zu entries of '%s' (%zu packaged K3s files) into '%s'\n",
	    l.tree.n, p.dir, npack, p.lock);
	mlock_free(&l);
	ret = EXIT_OK;
out:
	if (dfd >= 0)
		close(dfd);
	if (have_prev)
		mlock_free(&prev);
	free(lockreal);
	free(keyreal);
	free(dir);
	return ret;
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

static const char verify_usage[] =
"usage: k3sguard manifests verify [--format text|json] [--key FILE] [--lock FILE] [--dir DIR]\n"
"  Compare the manifests directory with its signed baseline: added, removed,\n"
"  changed (content, mode, owner, type) entries; a bad or missing signature.\n"
"  Exit 0 when it matches, 1 on drift or a bad signature, 2 on error.\n";

static int
cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS, MANIFESTS_PATH_OPTIONS,
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct mpaths p;
	struct mlock l;
	struct mtree cur;
	struct mchange *ch = NULL;
	enum sig_state sig;
	const char *format = "text";
	char *lockreal = NULL, *keyreal = NULL, *dir = NULL;
	size_t n = 0;
	int c, ret = EXIT_ERROR, json = 0;

	memset(&cur, 0, sizeof(cur));
	memset(&l, 0, sizeof(l));
	mpaths_default(&p);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg) || mpaths_option(&p, c, optarg))
			continue;
		if (c == 'f')
			format = optarg;
		else if (c == 'h')
			print_usage_exit(verify_usage);
		else
			bad_option(verify_usage);
	}
	if (optind < argc)
		usage_error("manifests verify: unexpected argument '%s'", argv[optind]);
	if (!strcmp(format, "json"))
		json = 1;
	else if (strcmp(format, "text"))
		usage_error("manifests verify: unknown format '%s' (text or json)", format);
	mpaths_finish(&p);
	lockreal = mp_real(p.lock);
	keyreal = mp_real(p.key);
	dir = mp_real(p.dir);
	{
		struct stat st;

		if (lstat(lockreal, &st) < 0 && errno == ENOENT) {
			error("no baseline at '%s': run 'k3sguard manifests lock' first", p.lock);
			goto out;
		}
	}
	if (mlock_read(lockreal, keyreal, &l, &sig) < 0)
		goto out;
	if (sig == SIG_OK && mtree_scan(dir, &cur, 0) < 0)
		goto out;
	if (sig == SIG_OK)
		n = mtree_diff(&l.tree, &cur, &ch);

	if (json) {
		json_t *o = json_object(), *arr = json_array();
		char *s;

		json_object_set_new(o, "dir", json_string(p.dir));
		json_object_set_new(o, "lock", json_string(p.lock));
		json_object_set_new(o, "signature", json_string(sig_state_name(sig)));
		if (sig == SIG_OK) {
			json_object_set_new(o, "locked_at", json_string(l.created ? l.created : ""));
			json_object_set_new(o, "entries", json_integer((json_int_t)l.tree.n));
		}
		json_object_set_new(o, "drift", json_boolean(sig != SIG_OK || n > 0));
		for (size_t i = 0; i < n; i++) {
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
			    S_ISREG(ch[i].cur->mode) && manifests_k3s_applies(ch[i].path, &cur)));
			json_array_append_new(arr, e);
		}
		json_object_set_new(o, "changes", arr);
		s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
		if (!s)
			fatal("out of memory");
		puts(s);
		free(s);
		json_decref(o);
	} else {
		printf("manifests: %s\n", p.dir);
		if (sig != SIG_OK) {
			printf("baseline: %s: signature %s%s\n", p.lock, sig_state_name(sig),
			    sig == SIG_BAD ? " (edited without the key, or a different key): "
			    "nothing in it is trusted" : ": nothing in it is trusted");
		} else {
			printf("baseline: %s (%s, %zu entries), signature ok\n", p.lock,
			    l.created ? l.created : "?", l.tree.n);
		}
		for (size_t i = 0; i < n; i++) {
			struct buf line = BUF_INIT;
			const char *verb = (ch[i].what & CH_ADDED) ? "added" :
			    (ch[i].what & CH_REMOVED) ? "removed" : "changed";

			buf_addf(&line, "%-8s ", verb);
			buf_add_printable(&line, ch[i].path);
			if (ch[i].what & CH_ADDED) {
				buf_adds(&line, " (");
				entry_desc(&line, ch[i].cur);
				buf_adds(&line, ")");
				if (S_ISREG(ch[i].cur->mode) && manifests_k3s_applies(ch[i].path, &cur))
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
		if (sig != SIG_OK)
			printf("verification failed: baseline signature %s\n", sig_state_name(sig));
		else if (n)
			printf("drift: %zu change%s\n", n, n == 1 ? "" : "s");
		else
			printf("no drift: %zu entries match the baseline\n", l.tree.n);
	}
	ret = (sig != SIG_OK || n) ? EXIT_FINDINGS : EXIT_OK;
out:
	free(ch);
	mtree_free(&cur);
	mlock_free(&l);
	free(lockreal);
	free(keyreal);
	free(dir);
	return ret;
}

static const struct subcmd manifests_verbs[] = {
	{ "lock", cmd_lock, "sign a baseline of the manifests directory" },
	{ "verify", cmd_verify, "compare the directory with its signed baseline" },
	{ "sync", manifests_sync, "make the directory equal to a reviewed source, then lock" },
	{ "watch", manifests_watch, "alert on (and with --enforce, undo) changes as they happen" },
};

int cmd_manifests(int argc, char **argv);

int
cmd_manifests(int argc, char **argv)
{
	return run_subcommand("manifests", manifests_verbs, ARRAY_SIZE(manifests_verbs),
	    argc, argv);
}
