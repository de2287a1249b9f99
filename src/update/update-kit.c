/* SPDX-License-Identifier: Apache-2.0 */
/*
 * update-kit.c: rollback kits.  `update prepare` saves what going back
 * needs before an upgrade; `update rollback` verifies the kit and puts it
 * back.  system-upgrade-controller has no rollback (shared/reference/k3s.md).
 *
 * A kit (directory, 0700; files 0600, the binary 0700):
 *   kit.json      what is in it, with the sha256 of every file
 *   k3s           the k3s binary that ran before the upgrade
 *   files/...     /etc/rancher/k3s, the units and env files (host paths)
 *   datastore/    sqlite: state.db (online backup API: consistent while K3s
 *                 writes, WAL included); embedded etcd: the output of
 *                 `k3s etcd-snapshot save`; external etcd: this tool's
 *                 encrypted snapshot (external-etcd.ksnap + .json sidecar,
 *                 `k3sguard etcd snapshot save`), the members' names and
 *                 peer URLs for the restore that happens on the etcd hosts
 * and records the server token version the datastore needs (its
 * fingerprint, and its version in k3sguard's secret store when there):
 * bootstrap data in a snapshot is encrypted with the token of its time.
 *
 * Invariants: a kit is built in a temporary directory beside its final
 * name and renamed into place only when complete (no partial kit); nothing
 * secret goes to argv or a child's environment (a token the restore needs
 * is handed to K3s in a 0600 --token-file that is removed afterwards);
 * rollback verifies every sha256 before it changes anything.
 */
#include "core/k3sguard.h"
#include "etcd/etcd-cli.h"
#include "etcd/etcd-snapshot.h"
#include "node/node.h"
#include "core/gate.h"
#include "core/run.h"
#include "core/secret.h"
#include "store/host-config.h"
#include "store/store.h"
#include "token/token.h"
#include "token/token-rotate.h"
#include "update/update.h"

#include <dirent.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <time.h>

#define KIT_FORMAT 1
#define BIN_MAX (512u << 20)	/* a k3s binary is ~70 MiB */

/*
 * Hash what fd in (named src in messages) holds and copy it to dst (a
 * local path in the kit, created O_EXCL with mode; NULL: hash only), the
 * sha256 into hex.  Closes in.
 */
static int
copy_hash_fd(int in, const char *src, const char *dst, mode_t mode, char hex[65])
{
	unsigned char buf[65536], md[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int out = -1, ret = -1;
	unsigned mdlen = 0;
	size_t total = 0;

	if (!ctx)
		fatal("out of memory");
	if (dst && (out = file_open(dst, O_WRONLY | O_CREAT | O_EXCL, mode)) < 0) {
		error_errno("cannot create '%s'", dst);
		goto out;
	}
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_errno("cannot read '%s'", src);
			goto out;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > BIN_MAX) {
			error("'%s' is larger than %u bytes", src, BIN_MAX);
			goto out;
		}
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		if (out >= 0 && write_all(out, buf, (size_t)n) < 0) {
			error_errno("cannot write '%s'", dst);
			goto out;
		}
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	hex_encode(md, 32, hex);
	if (out >= 0 && (fchmod(out, mode) < 0 || fsync(out) < 0)) {
		error_errno("cannot write '%s'", dst);
		goto out;
	}
	ret = 0;
out:
	close(in);
	if (out >= 0 && close(out) < 0 && ret == 0)
		ret = error_errno("cannot write '%s'", dst);
	EVP_MD_CTX_free(ctx);
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

/*
 * A regular file opened for reading, checked on the fd: a node file through
 * the gate (node != 0; refused when it has more than one link: its other
 * name may be a file outside the root), or a local file of the kit.  st
 * (may be NULL) gets its fstat.  -1 after error().
 */
static int
open_regular(int node, const char *path, struct stat *st)
{
	const char *shown = node ? root_path(path) : path;
	int fl = O_RDONLY | O_NOCTTY | O_NONBLOCK;
	int fd = node ? gate_open(path, fl | O_NOFOLLOW) : file_open(path, fl, 0);
	struct stat sb;

	if (!st)
		st = &sb;
	if (fd < 0)
		return error_errno("cannot open '%s'", shown);
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return error("'%s' is not a regular file", shown);
	}
	if (node && st->st_nlink > 1) {
		close(fd);
		return error("'%s' has %ju links: one may name a file outside the root "
		    "(refused)", shown, (uintmax_t)st->st_nlink);
	}
	return fd;
}

/* Copy the node file host to dst in the kit (NULL: hash only), sha256 into hex. */
static int
copy_node(const char *host, const char *dst, mode_t mode, char hex[65])
{
	int fd = open_regular(1, host, NULL);

	return fd < 0 ? -1 : copy_hash_fd(fd, root_path(host), dst, mode, hex);
}

/* The sha256 of a file of the kit (a local path), after its mode is set. */
static int
hash_local(const char *path, mode_t mode, char hex[65])
{
	int fd = open_regular(0, path, NULL);

	if (fd < 0)
		return -1;
	if (mode && fchmod(fd, mode) < 0) {
		close(fd);
		return error_errno("cannot set the mode of '%s'", path);
	}
	return copy_hash_fd(fd, path, NULL, 0, hex);
}

/*
 * A node path handed to a child program (it opens it by path): under
 * --root that path names the gate's file only when no component of it is
 * a link (the gate resolves a link inside the tree, the child on the
 * host).  So none may be, checked through the gate.  -1 after error().
 */
static int
plain_node_path(const char *node_path)
{
	struct buf prefix = BUF_INIT;
	struct stat st;
	int ret = 0;

	if (gate_root_is_host())
		return 0;
	for (const char *p = node_path; *p && ret == 0; ) {
		size_t len;

		while (*p == '/')
			p++;
		if (!(len = strcspn(p, "/")))
			break;
		buf_addch(&prefix, '/');
		buf_add(&prefix, p, len);
		p += len;
		if (gate_lstat(prefix.s, &st) == 0 && S_ISLNK(st.st_mode))
			ret = error("'%s' is a symlink: a program run on it would leave the "
			    "root (refused)", root_path(prefix.s));
	}
	buf_release(&prefix);
	return ret;
}

/* path made absolute (children get no relative path: K3s may change dir). */
static void
abs_buf(struct buf *b, const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)))
		buf_addf(b, "%s/", cwd);
	buf_adds(b, path);
}

/* ---- prepare ---- */

struct kit {
	const struct node *n;
	char *dir;		/* the temporary directory being filled */
	json_t *files;
	int dry;
	const char *etcd_cert, *etcd_key;	/* external etcd: root's identity */
};

/* Copy a host file into the kit under files/<host path>. */
static int
kit_add_file(struct kit *k, const char *host)
{
	struct buf dst = BUF_INIT;
	struct stat st;
	char hex[65], m[8];
	int ret = -1;
	char *slash;

	if (gate_lstat(host, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return error_errno("cannot examine '%s'", root_path(host));
	}
	if (S_ISLNK(st.st_mode)) {
		/* a link is recorded, not followed: its target is outside the kit's promise */
		char target[PATH_MAX];
		if (gate_readlink(host, target, sizeof(target)) < 0)
			return error_errno("cannot read link '%s'", root_path(host));
		if (k->dry) {
			printf("  record link %s -> %s\n", host, target);
			return 0;
		}
		json_array_append_new(k->files, json_pack("{s:s, s:s}", "path", host, "link", target));
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	if (k->dry) {
		printf("  copy %s (mode %s)\n", host, mode_str(st.st_mode, m));
		return 0;
	}
	buf_addf(&dst, "%s/files%s", k->dir, host);
	slash = strrchr(dst.s, '/');
	*slash = '\0';
	if (mkdir_p(dst.s, 0700) < 0)
		goto out;
	*slash = '/';
	if (copy_node(host, dst.s, 0600, hex) < 0)
		goto out;
	json_array_append_new(k->files, json_pack("{s:s, s:s, s:s, s:I, s:I}", "path", host,
	    "sha256", hex, "mode", mode_str(st.st_mode, m), "uid", (json_int_t)st.st_uid,
	    "gid", (json_int_t)st.st_gid));
	ret = 0;
out:
	buf_release(&dst);
	return ret;
}

static int
kit_add_tree(struct kit *k, const char *host_dir, int depth)
{
	DIR *d;
	struct dirent *de;
	int ret = 0;

	if (depth > 8)
		return error("'%s': nested too deep", host_dir);
	if (!(d = gate_opendir(host_dir)))
		return errno == ENOENT ? 0 : error_errno("cannot read '%s'", root_path(host_dir));
	while ((de = readdir(d)) && ret == 0) {
		char *p;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = xasprintf("%s/%s", host_dir, de->d_name);
		if (gate_lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			ret = kit_add_tree(k, p, depth + 1);
		else
			ret = kit_add_file(k, p);
		free(p);
	}
	closedir(d);
	return ret;
}

/*
 * The node's sqlite database for sqlite, which opens by path (its -wal,
 * -shm and -journal too, beside it): the directory is opened through the
 * gate (resolved inside the root) and sqlite is given
 * "/proc/self/fd/N/state.db" of that fd.  sqlite's unix VFS reads the /proc
 * link, the kernel's name of that very directory (no link in it), and opens
 * the files there; each of them, when present, was first checked below the
 * same fd: a regular file with one link (not a symlink, which sqlite would
 * follow out of the root, nor a hard link to a file outside it: sqlite
 * writes the -shm).  Not a copy through the fd: that is not consistent
 * while K3s writes (the WAL, a page being written), the reason for the
 * online backup.  The fd stays open until sqlite is closed.  -1 after
 * error(), else the fd, the path for sqlite into path.
 */
static int
db_open_dir(const char *node_db, char *path, size_t len)
{
	static const char *const side[] = { "", "-wal", "-shm", "-journal" };
	const char *base;
	int dfd = gate_open_parent(node_db, &base);

	if (dfd < 0)
		return error_errno("cannot open the directory of '%s'", root_path(node_db));
	for (size_t i = 0; i < ARRAY_SIZE(side); i++) {
		char name[NAME_MAX + 1];
		struct stat st;

		snprintf(name, sizeof(name), "%s%s", base, side[i]);
		if (gate_statat(dfd, name, &st) < 0) {
			if (errno == ENOENT && i > 0)
				continue;
			error_errno("cannot examine '%s%s'", root_path(node_db), side[i]);
			goto fail;
		}
		if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
			error("'%s%s' is %s (refused: sqlite would open it by path)",
			    root_path(node_db), side[i], S_ISREG(st.st_mode) ?
			    "a file with more than one link" : "not a regular file");
			goto fail;
		}
	}
	snprintf(path, len, "/proc/self/fd/%d/%s", dfd, base);
	return dfd;
fail:
	close(dfd);
	return -1;
}

/*
 * sqlite: the online backup API copies a consistent snapshot page by page
 * while kine keeps writing (retrying on SQLITE_BUSY), WAL contents
 * included; a plain copy of state.db could miss the WAL or tear a page.
 * node_db is the node path, dst the kit's file (local).
 */
static int
sqlite_backup(const char *node_db, const char *dst)
{
	sqlite3 *s = NULL, *d = NULL;
	sqlite3_backup *b;
	char src[64 + NAME_MAX];
	const char *shown = root_path(node_db);
	int rc, ret = -1, tries = 0, dfd;

	if ((dfd = db_open_dir(node_db, src, sizeof(src))) < 0)
		return -1;
	/* no SQLITE_OPEN_NOFOLLOW: it refuses the /proc link (see db_open_dir) */
	if (sqlite3_open_v2(src, &s, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		error("cannot open sqlite datastore '%s': %s", shown, s ? sqlite3_errmsg(s) : "no memory");
		goto out;
	}
	if (sqlite3_open_v2(dst, &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		error("cannot create '%s': %s", dst, d ? sqlite3_errmsg(d) : "no memory");
		goto out;
	}
	if (!(b = sqlite3_backup_init(d, "main", s, "main"))) {
		error("cannot back up '%s': %s", shown, sqlite3_errmsg(d));
		goto out;
	}
	while ((rc = sqlite3_backup_step(b, 256)) == SQLITE_OK || rc == SQLITE_BUSY ||
	    rc == SQLITE_LOCKED) {
		if (rc != SQLITE_OK && ++tries > 300)
			break;
		if (rc != SQLITE_OK)
			sqlite3_sleep(100);
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		error("cannot back up '%s': %s", shown, sqlite3_errstr(rc));
		goto out;
	}
	{
		sqlite3_stmt *st;
		const char *res = NULL;

		if (sqlite3_prepare_v2(d, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			res = (const char *)sqlite3_column_text(st, 0);
		if (!res || strcmp(res, "ok")) {
			error("backup of '%s' fails its integrity check", shown);
			sqlite3_finalize(st);
			goto out;
		}
		sqlite3_finalize(st);
	}
	ret = 0;
out:
	sqlite3_close(s);
	sqlite3_close(d);
	close(dfd);
	return ret;
}

/* The snapshot file `k3s etcd-snapshot save --name N --dir D` left in D. */
static char *
find_snapshot(const char *dir, const char *name)
{
	DIR *d = file_opendir(dir);
	struct dirent *de;
	char *found = NULL;

	if (!d)
		return NULL;
	while ((de = readdir(d)))
		if (starts_with(de->d_name, name, NULL) && !found)
			found = xstrdup(de->d_name);
	closedir(d);
	return found;
}

/*
 * External etcd: the members' names and peer URLs (MemberList), so that
 * rollback can print the exact restore command.  NULL when not available
 * (the steps then name what to fill in).
 */
static json_t *
etcd_members(struct etcd_conn *conn)
{
	Etcdserverpb__MemberListRequest req = ETCDSERVERPB__MEMBER_LIST_REQUEST__INIT;
	ProtobufCMessage *resp = NULL;
	struct etcd_client cl;
	json_t *arr = NULL;

	memset(&cl, 0, sizeof(cl));
	quiet_errors++;
	if (etcd_connect(&cl, conn, 1) == 0 &&
	    etcd_unary(&cl, ETCD_CLUSTER_MEMBER_LIST, &req.base,
	    &etcdserverpb__member_list_response__descriptor, &resp) == 0 &&
	    cl.last_code == GRPC_OK && resp) {
		Etcdserverpb__MemberListResponse *r = (void *)resp;

		arr = json_array();
		for (size_t i = 0; i < r->n_members; i++) {
			const Etcdserverpb__Member *m = r->members[i];

			if (!m->name || !*m->name || m->n_peerurls == 0)
				continue;
			json_array_append_new(arr, json_pack("{s:s, s:s}", "name", m->name,
			    "peer_url", m->peerurls[0]));
		}
	}
	if (resp)
		protobuf_c_message_free_unpacked(resp, NULL);
	quiet_errors--;
	if (cl.nep)
		etcd_client_free(&cl);
	return arr;
}

/*
 * External etcd: this tool's encrypted snapshot of the cluster, made by the
 * code of `k3sguard etcd snapshot save` into KIT/datastore.  Endpoints and
 * CA from the node's datastore-endpoint / datastore-cafile; the client
 * identity from --etcd-cert/--etcd-key (root's: Snapshot needs etcd's root
 * role), else the node's datastore-certfile/keyfile.
 */
static int
kit_external_etcd(struct kit *k, json_t *kj)
{
	const struct node *n = k->n;
	const char *ep = node_get(n, "datastore-endpoint");
	const char *ca = node_get(n, "datastore-cafile");
	char *shown_cert = NULL;
	struct buf dd = BUF_INIT, snap = BUF_INIT, side = BUF_INIT, sj = BUF_INIT;
	struct etcd_conn conn = { 0 };
	json_t *sc = NULL, *members, *ds;
	char hex[65], shex[65];
	int ret = -1, r;

	if (!ep || !*ep)
		return error("external etcd: the node has no datastore-endpoint; no kit written");
	if (!ca || !*ca)
		return error("external etcd: the node has no datastore-cafile (the CA of the etcd "
		    "members); no kit written");
	if (!k->etcd_cert != !k->etcd_key)
		return error("--etcd-cert and --etcd-key go together");
	conn.cacert = ca;
	conn.ca_node = 1;	/* the node's files: through the gate, to curl as blobs */
	if (k->etcd_cert) {
		conn.cert = k->etcd_cert;	/* typed on the command line: local */
		conn.key = k->etcd_key;
		shown_cert = xstrdup(k->etcd_cert);
	} else {
		conn.cert = node_get(n, "datastore-certfile");
		conn.key = node_get(n, "datastore-keyfile");
		conn.id_node = 1;
		if (!conn.cert || !*conn.cert || !conn.key || !*conn.key) {
			error("external etcd: no client identity: give root's client certificate "
			    "with --etcd-cert FILE --etcd-key FILE (the node has no "
			    "datastore-certfile/keyfile); no kit written");
			goto out;
		}
		shown_cert = xstrdup(root_path(conn.cert));
	}
	if (k->dry) {
		printf("  save an encrypted snapshot of the external etcd cluster %s as client %s "
		    "('k3sguard etcd snapshot save': the Snapshot RPC needs etcd's root role) into "
		    "KIT/datastore/external-etcd.ksnap with its .ksnap.json sidecar\n", ep, shown_cert);
		ret = 0;
		goto out;
	}
	buf_addf(&dd, "%s/datastore", k->dir);
	if (mkdir_p(dd.s, 0700) < 0)
		goto out;
	conn.endpoints = ep;
	members = etcd_members(&conn);
	{
		struct snap_save_opts so = { .conn = conn, .dir = dd.s, .name = "external-etcd" };

		quiet_errors++;
		r = etcd_snapshot_save(&so);
		quiet_errors--;
	}
	if (r != EXIT_OK) {
		json_decref(members);
		if (strstr(last_error(), "permission denied"))
			error("external etcd refused the snapshot to '%s' (permission denied): the "
			    "Snapshot RPC needs etcd's root role; give root's client certificate with "
			    "--etcd-cert FILE --etcd-key FILE; no kit written", shown_cert);
		else
			error("external etcd snapshot: %s; no kit written", last_error());
		goto out;
	}
	buf_addf(&snap, "%s/external-etcd%s", dd.s, SNAP_EXT);
	buf_addf(&side, "%s.json", snap.s);
	if (hash_local(snap.s, 0, hex) < 0 || hash_local(side.s, 0, shex) < 0 ||
	    file_read(side.s, CONFIG_MAX, &sj, NULL) < 0) {
		json_decref(members);
		goto out;
	}
	if (!(sc = json_loadb(sj.s, sj.len, 0, NULL))) {
		json_decref(members);
		error("'%s': the snapshot's sidecar is not JSON", side.s);
		goto out;
	}
	ds = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kind", "external-etcd",
	    "file", "datastore/external-etcd" SNAP_EXT, "sha256", hex,
	    "sidecar", "datastore/external-etcd" SNAP_EXT ".json", "sidecar_sha256", shex,
	    "endpoints", ep, "cafile", ca);
	{
		static const char *const keep[] = { "key_secret", "key_version", "cluster_id",
			"revision", "etcd_version", "db_sha256", "size", "bootstrap" };

		for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
			json_t *v = json_object_get(sc, keep[i]);

			if (v)
				json_object_set(ds, keep[i], v);
		}
	}
	json_object_set_new(ds, "members", members ? members : json_null());
	json_object_set_new(kj, "datastore", ds);
	ret = 0;
out:
	json_decref(sc);
	buf_release(&dd);
	buf_release(&snap);
	buf_release(&side);
	buf_release(&sj);
	free(shown_cert);
	return ret;
}

static int
kit_datastore(struct kit *k, json_t *kj)
{
	const struct node *n = k->n;
	struct buf dst = BUF_INIT;
	char hex[65];
	int ret = -1;

	switch (n->datastore) {
	case DS_SQLITE: {
		const char *src = node_data_path(n, "server/db/state.db");

		if (k->dry) {
			printf("  back up the sqlite datastore %s (sqlite online backup, integrity "
			    "check)\n", src);
			return 0;
		}
		buf_addf(&dst, "%s/datastore", k->dir);
		if (mkdir_p(dst.s, 0700) < 0)
			goto out;
		buf_adds(&dst, "/state.db");
		if (sqlite_backup(src, dst.s) < 0 || hash_local(dst.s, 0600, hex) < 0)
			goto out;
		json_object_set_new(kj, "datastore", json_pack("{s:s, s:s, s:s, s:s}", "kind",
		    "sqlite", "source", src, "file", "datastore/state.db", "sha256", hex));
		ret = 0;
		break;
	}
	case DS_EMBEDDED_ETCD: {
		char *snap, bin[PATH_MAX];
		struct buf dd = BUF_INIT, err = BUF_INIT;
		int status;

		buf_addf(&dst, "%s/datastore", k->dir);
		if (update_k3s_program(n, bin, sizeof(bin)) < 0)
			goto out;
		if (k->dry) {
			printf("  run %s etcd-snapshot save --name k3sguard-rollback --dir KIT/datastore "
			    "--data-dir %s\n", bin, n->data_dir);
			return 0;
		}
		if (plain_node_path(n->data_dir) < 0 || mkdir_p(dst.s, 0700) < 0)
			goto out;
		/* the child opens these by path: plain_node_path() above */
		abs_buf(&dd, root_path(n->data_dir));
		{
			const char *argv[] = { bin, "etcd-snapshot", "save", "--name",
				"k3sguard-rollback", "--dir", dst.s, "--data-dir", dd.s, NULL };
			struct run_opts o = { .argv = argv, .err = &err, .timeout_ms = 600000 };

			if (run_cmd(&o, &status) < 0) {
				buf_release(&dd);
				buf_release(&err);
				goto out;
			}
			buf_trim(&err);
			if (status != 0) {
				char *nl = strchr(err.s, '\n');

				if (nl)
					*nl = '\0';
				error("'%s etcd-snapshot save' exited with status %d: %s", n->k3s_bin,
				    status, err.s);
				buf_release(&dd);
				buf_release(&err);
				goto out;
			}
		}
		buf_release(&dd);
		buf_release(&err);
		if (!(snap = find_snapshot(dst.s, "k3sguard-rollback"))) {
			error("'%s etcd-snapshot save' reported success but left no snapshot in '%s'",
			    n->k3s_bin, dst.s);
			goto out;
		}
		buf_addf(&dst, "/%s", snap);
		if (hash_local(dst.s, 0600, hex) < 0) {
			free(snap);
			goto out;
		}
		{
			char *rel = xasprintf("datastore/%s", snap);

			json_object_set_new(kj, "datastore", json_pack("{s:s, s:s, s:s}", "kind",
			    "embedded-etcd", "file", rel, "sha256", hex));
			free(rel);
		}
		free(snap);
		ret = 0;
		break;
	}
	case DS_EXTERNAL_ETCD:
		ret = kit_external_etcd(k, kj);
		break;
	case DS_EXTERNAL_SQL:
		error("external SQL datastore: back it up with the database's own tools; no kit "
		    "written");
		break;
	default:
		error("the datastore kind of this node is unknown; no kit written");
		break;
	}
out:
	buf_release(&dst);
	return ret;
}

/* The server token's fingerprint and its version in the store, when there. */
static void
kit_token(const struct node *n, json_t *kj, int dry)
{
	struct buf tok = BUF_INIT;
	struct token_info ti;
	struct store_meta meta;
	const char *path = node_data_path(n, "server/token");
	json_t *t = json_object();
	int fd = -1;

	quiet_errors++;
	if ((fd = open_regular(1, path, NULL)) < 0 ||
	    secret_read_fd(fd, root_path(path), TOKEN_MAX, &tok) < 0 ||
	    token_parse(tok.s, tok.len, &ti) < 0) {
		json_object_set_new(t, "error", json_string(last_error()));
	} else {
		json_object_set_new(t, "fingerprint", json_string(ti.fingerprint));
		json_object_set_new(t, "store_secret", json_string(STORE_SERVER_TOKEN));
		if (store_find_fingerprint(STORE_SERVER_TOKEN, ti.fingerprint, &meta) == 0)
			json_object_set_new(t, "store_version", json_integer(meta.version));
		else
			json_object_set_new(t, "store_version", json_null());
	}
	quiet_errors--;
	if (fd >= 0)
		close(fd);
	buf_wipe(&tok);
	if (dry) {
		json_t *fp = json_object_get(t, "fingerprint"), *v = json_object_get(t, "store_version");

		printf("  record the server token the datastore needs: %s%s\n",
		    fp ? "fingerprint " : "unknown: ", fp ? json_string_value(fp) :
		    json_string_value(json_object_get(t, "error")));
		if (fp)
			printf("    (%s)\n", json_is_integer(v) ? "in the store" :
			    "not in the store: 'k3sguard token store' keeps it");
		json_decref(t);
		return;
	}
	json_object_set_new(kj, "token", t);
}

int
update_k3s_program(const struct node *n, char *bin, size_t len)
{
	const char *p = host_k3s_program(n->k3s_bin, "embedded etcd");

	if (!p)
		return -1;
	snprintf(bin, len, "%s", p);
	return 0;
}

static void
remove_tree(const char *dir)
{
	const char *argv[] = { "/bin/rm", "-rf", "--", dir, NULL };
	struct run_opts o = { .argv = argv };
	int st;

	run_cmd(&o, &st);
}

int
kit_prepare(const struct node *n, const char *out, const char *etcd_cert, const char *etcd_key,
    int dry)
{
	struct kit k = { .n = n, .dry = dry, .etcd_cert = etcd_cert, .etcd_key = etcd_key };
	json_t *kj = NULL;
	struct stat st;
	char hex[65], *dump = NULL;
	unsigned char rnd[6];
	char rh[13];
	int ret = -1;

	if (!n->k3s_version)
		return error("the installed K3s version is unknown ('%s --version'): a kit must say "
		    "what it rolls back to", n->k3s_bin);
	if (path_lstat(out, &st) == 0)
		return error("'%s' exists: a kit is never written over another", out);
	if (dry) {
		printf("would write a rollback kit for K3s %s to %s:\n", n->k3s_version, out);
		printf("  copy the k3s binary %s with its sha256\n", n->k3s_bin);
		if (kit_add_tree(&k, "/etc/rancher/k3s", 0) < 0)
			return -1;
		for (size_t i = 0; i < n->nunits; i++)
			kit_add_file(&k, n->units[i].path);
		for (size_t i = 0; i < n->nenvfiles; i++)
			if (n->envfiles[i].exists)
				kit_add_file(&k, n->envfiles[i].path);
		if (kit_datastore(&k, NULL) < 0)
			return -1;
		kit_token(n, NULL, 1);
		return 0;
	}
	if (n->datastore == DS_EXTERNAL_SQL || n->datastore == DS_UNKNOWN)
		return kit_datastore(&k, NULL);	/* the error, before anything is written */
	if (getentropy(rnd, sizeof(rnd)) < 0)
		return error_errno("getentropy");
	hex_encode(rnd, sizeof(rnd), rh);
	{
		struct buf a = BUF_INIT;

		abs_buf(&a, out);
		k.dir = xasprintf("%s.k3sguard-%s.tmp", a.s, rh);
		buf_release(&a);
	}
	/* a fresh random name beside out (a local path) */
	if (path_lstat(k.dir, &st) == 0 ? error("'%s' exists", k.dir) : errno != ENOENT ?
	    error_errno("cannot examine '%s'", k.dir) : mkdir_p(k.dir, 0700)) {
		free(k.dir);
		return -1;
	}
	kj = json_object();
	k.files = json_array();
	json_object_set_new(kj, "format", json_integer(KIT_FORMAT));
	json_object_set_new(kj, "created", json_integer((json_int_t)time(NULL)));
	json_object_set_new(kj, "k3s_version", json_string(n->k3s_version));
	json_object_set_new(kj, "k3s_bin", json_string(n->k3s_bin));
	json_object_set_new(kj, "data_dir", json_string(n->data_dir));
	json_object_set_new(kj, "role", json_string(role_name(n->role)));
	{
		char *b = xasprintf("%s/k3s", k.dir);
		int r = copy_node(n->k3s_bin, b, 0700, hex);

		free(b);
		if (r < 0)
			goto out;
		json_object_set_new(kj, "binary", json_pack("{s:s, s:s}", "file", "k3s", "sha256", hex));
	}
	if (kit_add_tree(&k, "/etc/rancher/k3s", 0) < 0)
		goto out;
	for (size_t i = 0; i < n->nunits; i++)
		if (kit_add_file(&k, n->units[i].path) < 0)
			goto out;
	for (size_t i = 0; i < n->nenvfiles; i++)
		if (n->envfiles[i].exists && kit_add_file(&k, n->envfiles[i].path) < 0)
			goto out;
	json_object_set_new(kj, "files", k.files);
	k.files = NULL;
	{
		json_t *units = json_array();

		for (size_t i = 0; i < n->nunits; i++)
			json_array_append_new(units, json_pack("{s:s, s:b}", "name", n->units[i].name,
			    "openrc", n->units[i].openrc));
		json_object_set_new(kj, "units", units);
	}
	if (kit_datastore(&k, kj) < 0)
		goto out;
	kit_token(n, kj, 0);
	dump = json_dumps(kj, JSON_INDENT(2) | JSON_SORT_KEYS);
	{
		char *p = xasprintf("%s/kit.json", k.dir);
		int r = dump ? file_write_atomic(p, dump, strlen(dump), 0600) : error("cannot render kit.json");

		free(p);
		if (r < 0)
			goto out;
	}
	if (file_rename(k.dir, out) < 0) {
		error_errno("cannot rename '%s' to '%s'", k.dir, out);
		goto out;
	}
	if (fsync_parent(out) < 0)
		goto out;
	free(k.dir);
	k.dir = NULL;
	ret = 0;
out:
	if (k.dir) {
		remove_tree(k.dir);
		free(k.dir);
	}
	json_decref(k.files);
	json_decref(kj);
	free(dump);
	return ret;
}
