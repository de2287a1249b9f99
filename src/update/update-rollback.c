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
 */
#include "core/k3sguard.h"
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

static int
restore_file(const char *src, const char *host, mode_t mode, long long uid, long long gid)
{
	struct buf b = BUF_INIT;
	const char *dst = root_path(host);
	char *dir = xstrdup(dst), *slash = strrchr(dir, '/');
	int ret = -1;

	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir_p(dir, 0700) < 0)
			goto out;
	}
	if (file_read(src, BIN_MAX, &b, NULL) < 0 || file_write_atomic(dst, b.s, b.len, mode) < 0)
		goto out;
	/* ownership as recorded, when we may set it */
	if (geteuid() == 0 && uid >= 0 && lchown(dst, (uid_t)uid, (gid_t)gid) < 0) {
		error_errno("cannot set the owner of '%s'", dst);
		goto out;
	}
	ret = 0;
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

int
kit_rollback(const struct node *n, const char *kit, int dry)
{
	struct buf data = BUF_INIT, tok = BUF_INIT, old = BUF_INIT;
	json_t *kj = NULL, *files, *ds, *units, *f, *tj;
	json_error_t je;
	char *p = NULL, *token_file = NULL;
	const char *kind, *kver;
	int live = !gopt.root || !*gopt.root || !strcmp(gopt.root, "/");
	int ret = -1;
	size_t i;

	p = xasprintf("%s/kit.json", kit);
	if (file_read(p, CONFIG_MAX, &data, NULL) < 0)
		goto out;
	if (!(kj = json_loadb(data.s, data.len, 0, &je))) {
		error("'%s' line %d: invalid JSON: %s", p, je.line, je.text);
		goto out;
	}
	if (json_integer_value(json_object_get(kj, "format")) != 1 || !(kver = jget(kj, "k3s_version"))) {
		error("'%s': not a k3sguard rollback kit (format 1)", p);
		goto out;
	}
	if (!jget(kj, "data_dir") || strcmp(jget(kj, "data_dir"), n->data_dir)) {
		error("kit '%s' is for data dir '%s', this node uses '%s'", kit,
		    jget(kj, "data_dir") ? jget(kj, "data_dir") : "?", n->data_dir);
		goto out;
	}
	/* 1. verify everything before touching anything */
	files = json_object_get(kj, "files");
	ds = json_object_get(kj, "datastore");
	units = json_object_get(kj, "units");
	kind = jget(ds, "kind");
	if (!json_is_array(files) || !kind || !jget(kj, "k3s_bin")) {
		error("'%s': incomplete kit (files, datastore, k3s_bin)", p);
		goto out;
	}
	if (verify(kit, "k3s", jget(json_object_get(kj, "binary"), "sha256")) < 0)
		goto verify_failed;
	json_array_foreach(files, i, f) {
		char *rel;
		int r;

		if (!jget(f, "path") || jget(f, "link"))
			continue;
		rel = xasprintf("files%s", jget(f, "path"));
		r = verify(kit, rel, jget(f, "sha256"));
		free(rel);
		if (r < 0)
			goto verify_failed;
	}
	if (!jget(ds, "file") || strstr(jget(ds, "file"), "..") ||
	    verify(kit, jget(ds, "file"), jget(ds, "sha256")) < 0)
		goto verify_failed;
	if (!strcmp(kind, "external-etcd") && external_verify(kit, ds) < 0)
		goto verify_failed;
	/* 2. the token an etcd snapshot needs: here, or refuse now */
	tj = json_object_get(kj, "token");
	if (!strcmp(kind, "embedded-etcd") || !strcmp(kind, "external-etcd")) {
		const char *fp = jget(tj, "fingerprint");
		struct token_info ti;
		struct store_meta meta;

		if (!fp) {
			error("kit '%s' does not record the token its snapshot needs", kit);
			goto out;
		}
		quiet_errors++;
		if (file_read(root_path(node_data_path(n, "server/token")), TOKEN_MAX, &old, NULL) == 0 &&
		    token_parse(old.s, old.len, &ti) == 0 && !strcmp(ti.fingerprint, fp)) {
			quiet_errors--;
			printf("  the snapshot's token (fingerprint %s) is the current server/token\n", fp);
		} else {
			if (store_find_fingerprint(STORE_SERVER_TOKEN, fp, &meta) != 0 ||
			    store_get(STORE_SERVER_TOKEN, meta.version, &tok, NULL) != 0) {
				quiet_errors--;
				error("the snapshot needs the server token with fingerprint %s, which is "
				    "neither server/token nor in the store ('%s'): cannot restore", fp,
				    STORE_SERVER_TOKEN);
				goto out;
			}
			quiet_errors--;
			printf("  the snapshot's token (fingerprint %s) is version %u in the store\n", fp,
			    meta.version);
			if (!strcmp(kind, "embedded-etcd"))
				token_file = xstrdup(node_data_path(n, "server/k3sguard-restore-token"));
			else
				printf("  K3s must start with that token: put version %u of '%s' back "
				    "as the server token before starting it\n", meta.version,
				    STORE_SERVER_TOKEN);
		}
		buf_wipe(&old);
	}
	printf("%s K3s %s from kit %s:\n", dry ? "would roll back to" : "rolling back to", kver, kit);
	/* 3. act */
	if (service("stop", units, live, dry) < 0)
		goto out;
	printf("  restore %s (sha256 verified)\n", jget(kj, "k3s_bin"));
	if (!dry) {
		char *src = xasprintf("%s/k3s", kit);
		int r = restore_file(src, jget(kj, "k3s_bin"), 0755, 0, 0);

		free(src);
		if (r < 0)
			goto out;
	}
	json_array_foreach(files, i, f) {
		const char *path = jget(f, "path"), *mode = jget(f, "mode");
		long long m = 0600;

		if (!path)
			continue;
		if (jget(f, "link")) {
			printf("  keep link %s -> %s (links are recorded, not restored)\n", path,
			    jget(f, "link"));
			continue;
		}
		if (!mode || !*mode || strlen(mode) > 4 || strspn(mode, "01234567") != strlen(mode))
			m = 0600;	/* not an octal mode: the safe one */
		else
			m = strtol(mode, NULL, 8);
		{
			char ms[8];

			printf("  restore %s (mode %s)\n", path, mode_str((mode_t)m, ms));
		}
		if (!dry) {
			char *src = xasprintf("%s/files%s", kit, path);
			json_t *u = json_object_get(f, "uid"), *g = json_object_get(f, "gid");
			int r = restore_file(src, path, (mode_t)m, json_is_integer(u) ?
			    json_integer_value(u) : -1, json_is_integer(g) ? json_integer_value(g) : 0);

			free(src);
			if (r < 0)
				goto out;
		}
	}
	if (!strcmp(kind, "sqlite")) {
		const char *db = node_data_path(n, "server/db/state.db");
		char stamp[32];

		snprintf(stamp, sizeof(stamp), "%lld", (long long)time(NULL));
		printf("  keep the current %s as state.db.k3sguard-before-rollback-%s (and its -wal/-shm)\n",
		    db, stamp);
		printf("  restore %s from the kit's backup\n", db);
		if (!dry) {
			static const char *const sfx[] = { "", "-wal", "-shm" };
			char *src = xasprintf("%s/%s", kit, jget(ds, "file"));
			int r = 0;

			for (size_t s = 0; s < ARRAY_SIZE(sfx) && r == 0; s++) {
				char *from = xasprintf("%s%s", root_path(db), sfx[s]);
				char *to = xasprintf("%s.k3sguard-before-rollback-%s%s", root_path(db), stamp,
				    sfx[s]);

				if (rename(from, to) < 0 && errno != ENOENT)
					r = error_errno("cannot rename '%s'", from);
				free(from);
				free(to);
			}
			if (r == 0)
				r = restore_file(src, db, 0600, -1, 0);
			free(src);
			if (r < 0)
				goto out;
		}
	} else if (!strcmp(kind, "embedded-etcd")) {
		char cwd[PATH_MAX];
		char *snap = xasprintf("%s%s%s/%s", kit[0] == '/' || !getcwd(cwd, sizeof(cwd)) ? "" : cwd,
		    kit[0] == '/' ? "" : "/", kit, jget(ds, "file"));
		char *reset = xasprintf("--cluster-reset-restore-path=%s", snap);
		struct buf dd = BUF_INIT, tf = BUF_INIT;
		char bin[PATH_MAX];
		int st = 0, r = 0;

		if (root_path(n->data_dir)[0] != '/' && getcwd(cwd, sizeof(cwd)))
			buf_addf(&dd, "%s/", cwd);
		root_path_buf(&dd, n->data_dir);
		snprintf(bin, sizeof(bin), "%s", root_path(n->k3s_bin));
		printf("  run %s server --cluster-reset %s --data-dir %s%s\n", n->k3s_bin, reset,
		    n->data_dir, token_file ? " --token-file <0600 file, removed after>" : "");
		if (!dry) {
			const char *argv[10] = { bin, "server", "--cluster-reset", reset, "--data-dir",
				dd.s, NULL, NULL, NULL };
			struct run_opts o = { .argv = argv, .inherit_stderr = 1, .timeout_ms = 900000 };

			if (token_file) {
				if (root_path(token_file)[0] != '/' && getcwd(cwd, sizeof(cwd)))
					buf_addf(&tf, "%s/", cwd);
				root_path_buf(&tf, token_file);
				r = file_write_atomic(tf.s, tok.s, tok.len, 0600);
				argv[6] = "--token-file";
				argv[7] = tf.s;
			}
			if (r == 0)
				r = run_cmd(&o, &st);
			if (token_file)
				unlink(tf.s);
			if (r == 0 && st != 0)
				r = error("'%s server --cluster-reset' exited with status %d", n->k3s_bin, st);
		}
		buf_release(&dd);
		buf_release(&tf);
		free(snap);
		free(reset);
		if (r < 0)
			goto out;
	} else if (!strcmp(kind, "external-etcd")) {
		external_steps(kit, ds);
	} else {
		error("kit '%s': datastore kind '%s' cannot be restored", kit, kind);
		goto out;
	}
	if (!strcmp(kind, "external-etcd")) {
		json_array_foreach(units, i, f)
			if (jget(f, "name"))
				printf("  start %s: NOT done here: start K3s only after the etcd cluster "
				    "is restored and healthy\n", jget(f, "name"));
		printf("%s\n", dry ? "nothing was changed (--dry-run)" : "done on this node: restore "
		    "the etcd cluster as listed, then start K3s here and on the other servers");
		ret = 0;
		goto out;
	}
	if (service("start", units, live, dry) < 0)
		goto out;
	printf("%s\n", dry ? "nothing was changed (--dry-run)" : "done: restart the other nodes "
	    "of the cluster in the same order (servers first)");
	ret = 0;
	goto out;
verify_failed:
	ret = -2;
out:
	buf_wipe(&tok);
	buf_wipe(&old);
	buf_release(&data);
	json_decref(kj);
	free(token_file);
	free(p);
	return ret;
}
