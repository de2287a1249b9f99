/* SPDX-License-Identifier: Apache-2.0 */
/*
 * update-rollback.c: `update rollback --kit DIR`: verify a kit made by
 * `update prepare` (every sha256) and put the node back: stop K3s, the
 * previous binary, the config/unit/env files with their modes, the
 * datastore (sqlite: state.db replaced, the current one kept aside;
 * embedded etcd: `k3s server --cluster-reset --cluster-reset-restore-path`
 * with the token the snapshot needs), start K3s.  External etcd: the
 * kit's encrypted snapshot is verified and the restore on the etcd hosts
 * is listed, not performed; K3s is left stopped for after it.
 *
 * Invariants: nothing changes unless the whole kit verifies and the token
 * the snapshot needs is at hand; every file is replaced atomically; the
 * token reaches K3s only through a 0600 --token-file, removed afterwards;
 * services are only stopped/started on the live host (--root "/").
 * The kit is a LOCAL directory (the path the user typed); every file of
 * the node it restores, renames, reads (server/token) or writes (the
 * token file) is a node path, reached through the gate only: a link in
 * the tree resolves inside it, a name with another link is replaced by a
 * rename, never written in place.
 *
 * The steps: rb_load (parse kit.json) -> rb_verify (every sha256) ->
 * rb_token (plan: where the snapshot's token comes from) -> rb_files,
 * rb_datastore, services (apply).
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "etcd/etcd-snapshot.h"
#include "node/node.h"
#include "core/run.h"
#include "store/store.h"
#include "token/token.h"
#include "token/token-rotate.h"
#include "update/update.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <time.h>

#define BIN_MAX (512u << 20)

static int
sha_file(const char *path, char hex[65], size_t cap)
{
	struct buf b = BUF_INIT;
	int ret = file_read(path, cap, &b, NULL);

	if (ret == 0)
		sha256_hex(b.s, b.len, hex);
	buf_release(&b);
	return ret;
}

static const char *
jget(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* 0 when kit/rel has sha256 want; -1 with error() otherwise. */
static int
verify(const char *kit, const char *rel, const char *want)
{
	char hex[65];
	char *p = xasprintf("%s/%s", kit, rel);
	int ret = -1;

	if (!want || strlen(want) != 64)
		error("kit '%s': no sha256 recorded for '%s'", kit, rel);
	else if (sha_file(p, hex, BIN_MAX) == 0) {
		if (strcmp(hex, want))
			error("kit '%s': '%s' does not match its sha256 (tampered or truncated)", kit, rel);
		else
			ret = 0;
	}
	free(p);
	return ret;
}

/* Replace the node file host with the local file src (mode, owner when root and uid >= 0). */
static int
restore_file(const char *src, const char *host, mode_t mode, long long uid, long long gid)
{
	struct buf b = BUF_INIT;
	struct gate_atomic a;
	char *dir = xstrdup(host), *slash = strrchr(dir, '/');
	int ret = -1;

	if (slash && slash != dir) {
		*slash = '\0';
		if (gate_mkdir_p(dir, 0700) < 0)
			goto out;
	}
	if (file_read(src, BIN_MAX, &b, NULL) < 0 || gate_atomic_begin(&a, host, mode) < 0)
		goto out;
	/* ownership as recorded, when we may set it; chown clears set-id bits: mode after */
	if ((geteuid() == 0 && uid >= 0 && (fchown(a.fd, (uid_t)uid, (gid_t)gid) < 0 ||
	    fchmod(a.fd, mode & 07777) < 0)) || write_all(a.fd, b.s, b.len) < 0) {
		error_errno("cannot write '%s'", a.shown);
		gate_atomic_abort(&a);
		goto out;
	}
	ret = gate_atomic_commit(&a);
out:
	buf_wipe(&b);	/* config files may hold a token */
	free(dir);
	return ret;
}

static int
service(const char *verb, json_t *units, int live, int dry)
{
	size_t i;
	json_t *u;

	json_array_foreach(units, i, u) {
		const char *name = jget(u, "name");
		int openrc = json_is_true(json_object_get(u, "openrc"));
		const char *sys[] = { "/usr/bin/systemctl", verb, name, NULL };
		const char *rc[] = { "/sbin/rc-service", name, verb, NULL };
		struct run_opts o = { .argv = openrc ? rc : sys, .inherit_stderr = 1,
			.timeout_ms = 300000 };
		int st;

		if (!name)
			continue;
		if (!live) {
			printf("  %s %s: skipped (--root is not the live host)\n", verb, name);
			continue;
		}
		printf("  %s %s\n", verb, name);
		if (dry)
			continue;
		if (run_cmd(&o, &st) < 0)
			return -1;
		if (st != 0)
			return error("'%s %s' exited with status %d", verb, name, st);
	}
	return 0;
}

/*
 * External etcd: the sidecar's sha256, then the snapshot itself (every
 * chunk's tag, etcd's sha256 trailer, the bbolt meta pages) with the key
 * from the secret store.
 */
static int
external_verify(const char *kit, json_t *ds)
{
	const char *side = jget(ds, "sidecar");
	char *p;
	uint64_t size = 0;
	int r;

	if (!side || strstr(side, "..") || verify(kit, side, jget(ds, "sidecar_sha256")) < 0)
		return side ? -1 : error("kit '%s': the external etcd snapshot has no sidecar", kit);
	p = xasprintf("%s/%s", kit, jget(ds, "file"));
	r = snap_verify_file(p, NULL, NULL, &size);
	if (r == 0)
		printf("  snapshot %s verifies: %llu bytes, every chunk, etcd's sha256 trailer, "
		    "bbolt\n", jget(ds, "file"), (unsigned long long)size);
	free(p);
	return r;
}

/*
 * External etcd: the cluster is restored on the etcd hosts, where its
 * members run; this node only lists the exact commands.
 */
static void
external_steps(const char *kit, json_t *ds)
{
	json_t *members = json_object_get(ds, "members"), *m, *kv = json_object_get(ds, "key_version");
	char cwd[PATH_MAX];
	const char *pre = "";
	size_t i;

	if (kit[0] != '/' && getcwd(cwd, sizeof(cwd)))
		pre = cwd;
	printf("  the external etcd cluster (%s) is restored on its etcd hosts, not by this "
	    "command; the steps:\n", jget(ds, "endpoints") ? jget(ds, "endpoints") : "?");
	printf("    1. stop etcd on every member\n");
	printf("    2. on one etcd host, with k3sguard's secret store holding '%s' version %lld: "
	    "copy %s%s%s/%s and its .json sidecar there\n",
	    jget(ds, "key_secret") ? jget(ds, "key_secret") : SNAP_SECRET,
	    json_is_integer(kv) ? json_integer_value(kv) : 0LL, pre, *pre ? "/" : "", kit,
	    jget(ds, "file"));
	printf("    3. k3sguard etcd snapshot restore %s%s%s/%s", pre, *pre ? "/" : "", kit,
	    jget(ds, "file"));
	if (json_is_array(members) && json_array_size(members)) {
		json_array_foreach(members, i, m)
			printf(" --member %s=%s", jget(m, "name") ? jget(m, "name") : "?",
			    jget(m, "peer_url") ? jget(m, "peer_url") : "?");
	} else {
		printf(" --member NAME=PEER_URL ... (every member; not recorded in the kit)");
	}
	printf(" --data-dir-base /var/lib/etcd-restored\n");
	printf("    4. copy each member's restored data dir /var/lib/etcd-restored/NAME to its host "
	    "and start the members on it as that command prints\n");
}

/* One rollback, from the kit's parse to the last service started. */
struct rollback {
	const struct node *n;
	const char *kit;
	int dry, live;
	json_t *kj, *files, *ds, *units;
	const char *kind, *kver;
	struct buf tok;		/* the token from the store, when the snapshot needs it */
	char *token_file;	/* node path of the --token-file for K3s, or NULL */
};

/* 1. kit.json: a kit of format 1 for this node's data dir */
static int
rb_load(struct rollback *r)
{
	struct buf data = BUF_INIT;
	json_error_t je;
	char *p = xasprintf("%s/kit.json", r->kit);
	int ret = -1;

	if (file_read(p, CONFIG_MAX, &data, NULL) < 0)
		goto out;
	if (!(r->kj = json_loadb(data.s, data.len, 0, &je))) {
		error("'%s' line %d: invalid JSON: %s", p, je.line, je.text);
		goto out;
	}
	if (json_integer_value(json_object_get(r->kj, "format")) != 1 ||
	    !(r->kver = jget(r->kj, "k3s_version"))) {
		error("'%s': not a k3sguard rollback kit (format 1)", p);
		goto out;
	}
	if (!jget(r->kj, "data_dir") || strcmp(jget(r->kj, "data_dir"), r->n->data_dir)) {
		error("kit '%s' is for data dir '%s', this node uses '%s'", r->kit,
		    jget(r->kj, "data_dir") ? jget(r->kj, "data_dir") : "?", r->n->data_dir);
		goto out;
	}
	r->files = json_object_get(r->kj, "files");
	r->ds = json_object_get(r->kj, "datastore");
	r->units = json_object_get(r->kj, "units");
	r->kind = jget(r->ds, "kind");
	if (!json_is_array(r->files) || !r->kind || !jget(r->kj, "k3s_bin")) {
		error("'%s': incomplete kit (files, datastore, k3s_bin)", p);
		goto out;
	}
	ret = 0;
out:
	buf_release(&data);
	free(p);
	return ret;
}

/* 2. every sha256 before anything is touched (-2: the kit does not verify) */
static int
rb_verify(const struct rollback *r)
{
	json_t *f;
	size_t i;

	if (verify(r->kit, "k3s", jget(json_object_get(r->kj, "binary"), "sha256")) < 0)
		return -2;
	json_array_foreach(r->files, i, f) {
		char *rel;
		int v;

		if (!jget(f, "path") || jget(f, "link"))
			continue;
		rel = xasprintf("files%s", jget(f, "path"));
		v = verify(r->kit, rel, jget(f, "sha256"));
		free(rel);
		if (v < 0)
			return -2;
	}
	if (!jget(r->ds, "file") || strstr(jget(r->ds, "file"), "..") ||
	    verify(r->kit, jget(r->ds, "file"), jget(r->ds, "sha256")) < 0)
		return -2;
	if (!strcmp(r->kind, "external-etcd") && external_verify(r->kit, r->ds) < 0)
		return -2;
	return 0;
}

/* 3. the token an etcd snapshot needs: server/token, the store, or refuse now */
static int
rb_token(struct rollback *r)
{
	json_t *tj = json_object_get(r->kj, "token");
	const char *fp = jget(tj, "fingerprint");
	struct buf old = BUF_INIT;
	struct token_info ti;
	struct store_meta meta;
	int found;

	if (strcmp(r->kind, "embedded-etcd") && strcmp(r->kind, "external-etcd"))
		return 0;
	if (!fp)
		return error("kit '%s' does not record the token its snapshot needs", r->kit);
	quiet_errors++;
	found = gate_read(node_data_path(r->n, "server/token"), TOKEN_MAX, &old, NULL) == 0 &&
	    token_parse(old.s, old.len, &ti) == 0 && !strcmp(ti.fingerprint, fp);
	buf_wipe(&old);
	if (found) {
		quiet_errors--;
		printf("  the snapshot's token (fingerprint %s) is the current server/token\n", fp);
		return 0;
	}
	if (store_find_fingerprint(STORE_SERVER_TOKEN, fp, &meta) != 0 ||
	    store_get(STORE_SERVER_TOKEN, meta.version, &r->tok, NULL) != 0) {
		quiet_errors--;
		return error("the snapshot needs the server token with fingerprint %s, which is "
		    "neither server/token nor in the store ('%s'): cannot restore", fp,
		    STORE_SERVER_TOKEN);
	}
	quiet_errors--;
	printf("  the snapshot's token (fingerprint %s) is version %u in the store\n", fp,
	    meta.version);
	if (!strcmp(r->kind, "embedded-etcd"))
		r->token_file = xstrdup(node_data_path(r->n, "server/k3sguard-restore-token"));
	else
		printf("  K3s must start with that token: put version %u of '%s' back "
		    "as the server token before starting it\n", meta.version, STORE_SERVER_TOKEN);
	return 0;
}

/* An octal mode of at most 4 digits, else the safe one. */
static mode_t
file_mode(const char *mode)
{
	if (!mode || !*mode || strlen(mode) > 4 || strspn(mode, "01234567") != strlen(mode))
		return 0600;
	return (mode_t)strtol(mode, NULL, 8);
}

/* 4a. the binary, then the config/unit/env files with their modes and owners */
static int
rb_files(const struct rollback *r)
{
	json_t *f;
	size_t i;

	printf("  restore %s (sha256 verified)\n", jget(r->kj, "k3s_bin"));
	if (!r->dry) {
		char *src = xasprintf("%s/k3s", r->kit);
		int v = restore_file(src, jget(r->kj, "k3s_bin"), 0755, 0, 0);

		free(src);
		if (v < 0)
			return -1;
	}
	json_array_foreach(r->files, i, f) {
		const char *path = jget(f, "path");
		mode_t m = file_mode(jget(f, "mode"));
		json_t *u = json_object_get(f, "uid"), *g = json_object_get(f, "gid");
		char ms[8], *src;
		int v;

		if (!path)
			continue;
		if (jget(f, "link")) {
			printf("  keep link %s -> %s (links are recorded, not restored)\n", path,
			    jget(f, "link"));
			continue;
		}
		printf("  restore %s (mode %s)\n", path, mode_str(m, ms));
		if (r->dry)
			continue;
		src = xasprintf("%s/files%s", r->kit, path);
		v = restore_file(src, path, m, json_is_integer(u) ? json_integer_value(u) : -1,
		    json_is_integer(g) ? json_integer_value(g) : 0);
		free(src);
		if (v < 0)
			return -1;
	}
	return 0;
}

/* 4b. sqlite: the current state.db (and -wal/-shm) kept aside, the kit's backup put in */
static int
rb_sqlite(const struct rollback *r)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	const char *db = node_data_path(r->n, "server/db/state.db");
	char stamp[32], *src;
	int v = 0;

	snprintf(stamp, sizeof(stamp), "%lld", (long long)time(NULL));
	printf("  keep the current %s as state.db.k3sguard-before-rollback-%s (and its -wal/-shm)\n",
	    db, stamp);
	printf("  restore %s from the kit's backup\n", db);
	if (r->dry)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(sfx) && v == 0; i++) {
		char *from = xasprintf("%s%s", db, sfx[i]);
		char *to = xasprintf("%s.k3sguard-before-rollback-%s%s", db, stamp, sfx[i]);

		if (gate_rename(from, to) < 0 && errno != ENOENT)
			v = error_errno("cannot rename '%s'", root_path(from));
		free(from);
		free(to);
	}
	src = xasprintf("%s/%s", r->kit, jget(r->ds, "file"));
	if (v == 0)
		v = restore_file(src, db, 0600, -1, 0);
	free(src);
	return v;
}

/* An absolute path for K3s (a child with another working directory). */
static void
abs_path(struct buf *out, const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)))
		buf_addf(out, "%s/", cwd);
	buf_adds(out, path);
}

/* 4c. embedded etcd: k3s server --cluster-reset from the kit's snapshot */
static int
rb_embedded_etcd(const struct rollback *r)
{
	struct buf snap = BUF_INIT, reset = BUF_INIT, dd = BUF_INIT, tf = BUF_INIT;
	char bin[PATH_MAX];
	int st = 0, v = 0;

	abs_path(&snap, r->kit);
	buf_addf(&snap, "/%s", jget(r->ds, "file"));
	buf_addf(&reset, "--cluster-reset-restore-path=%s", snap.s);
	/* paths handed to K3s, which sees the host: shown under --root, never opened here */
	abs_path(&dd, root_path(r->n->data_dir));
	if (update_k3s_program(r->n, bin, sizeof(bin)) < 0) {
		buf_release(&snap);
		buf_release(&reset);
		buf_release(&dd);
		return -1;
	}
	printf("  run %s server --cluster-reset %s --data-dir %s%s\n", bin, reset.s,
	    r->n->data_dir, r->token_file ? " --token-file <0600 file, removed after>" : "");
	if (!r->dry) {
		const char *argv[10] = { bin, "server", "--cluster-reset", reset.s, "--data-dir",
			dd.s, NULL, NULL, NULL };
		struct run_opts o = { .argv = argv, .inherit_stderr = 1, .timeout_ms = 900000 };

		if (r->token_file) {
			abs_path(&tf, root_path(r->token_file));
			v = gate_write_atomic(r->token_file, r->tok.s, r->tok.len, 0600);
			argv[6] = "--token-file";
			argv[7] = tf.s;
		}
		if (v == 0)
			v = run_cmd(&o, &st);
		if (r->token_file)
			gate_unlink(r->token_file);
		if (v == 0 && st != 0)
			v = error("'%s server --cluster-reset' exited with status %d", r->n->k3s_bin, st);
	}
	buf_release(&snap);
	buf_release(&reset);
	buf_release(&dd);
	buf_release(&tf);
	return v;
}

/* 4. the datastore, by kind */
static int
rb_datastore(const struct rollback *r)
{
	if (!strcmp(r->kind, "sqlite"))
		return rb_sqlite(r);
	if (!strcmp(r->kind, "embedded-etcd"))
		return rb_embedded_etcd(r);
	if (!strcmp(r->kind, "external-etcd")) {
		external_steps(r->kit, r->ds);
		return 0;
	}
	return error("kit '%s': datastore kind '%s' cannot be restored", r->kit, r->kind);
}

/* 5. K3s started again; with external etcd only after the cluster is restored */
static int
rb_start(const struct rollback *r)
{
	json_t *f;
	size_t i;

	if (!strcmp(r->kind, "external-etcd")) {
		json_array_foreach(r->units, i, f)
			if (jget(f, "name"))
				printf("  start %s: NOT done here: start K3s only after the etcd cluster "
				    "is restored and healthy\n", jget(f, "name"));
		printf("%s\n", r->dry ? "nothing was changed (--dry-run)" : "done on this node: "
		    "restore the etcd cluster as listed, then start K3s here and on the other "
		    "servers");
		return 0;
	}
	if (service("start", r->units, r->live, r->dry) < 0)
		return -1;
	printf("%s\n", r->dry ? "nothing was changed (--dry-run)" : "done: restart the other "
	    "nodes of the cluster in the same order (servers first)");
	return 0;
}

int
kit_rollback(const struct node *n, const char *kit, int dry)
{
	struct rollback r = { .n = n, .kit = kit, .dry = dry, .tok = BUF_INIT };
	int ret;

	r.live = gate_root_is_host();
	if ((ret = rb_load(&r)) < 0 || (ret = rb_verify(&r)) < 0 || (ret = rb_token(&r)) < 0)
		goto out;
	printf("%s K3s %s from kit %s:\n", dry ? "would roll back to" : "rolling back to",
	    r.kver, kit);
	if ((ret = service("stop", r.units, r.live, dry)) < 0 || (ret = rb_files(&r)) < 0 ||
	    (ret = rb_datastore(&r)) < 0)
		goto out;
	ret = rb_start(&r);
out:
	buf_wipe(&r.tok);
	json_decref(r.kj);
	free(r.token_file);
	return ret;
}
