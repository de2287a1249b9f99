/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kine.c: read K3s's SQLite datastore (kine's state.db) without changing it.
 *
 * Invariants:
 *  - the node's files are opened only through the gate: state.db with
 *    its directory's fd, never followed (a symlink, even one pointing
 *    inside the root, is refused: sqlite would open it by name), and only
 *    when it is a regular file with one link (a hard link's other name may
 *    be outside the root): a FIFO or device node is never opened; its -wal
 *    and -journal below the same directory fd, the same way;
 *  - the copy keeps holes (a huge sparse state.db costs no disk) and is
 *    made only when its filesystem has room for it;
 *  - sqlite never gets a node path: the files are copied through those fds
 *    into a private temp dir (mkdtemp, 0700) and sqlite opens the copy.
 *    Why not "file:/proc/self/fd/N?immutable=1": kine runs in WAL mode
 *    (pkg/drivers/sqlite/sqlite.go DefaultParams _journal_mode=WAL) and
 *    what K3s wrote last may still be in state.db-wal; immutable=1 ignores
 *    the WAL, and opening the node's file without it makes sqlite create
 *    -shm (and, read-write, replay the WAL) in the image.  The copy keeps
 *    the image byte-identical and still sees the WAL's committed frames;
 *  - sqlite opens the copy read-only, never following a link, with
 *    defensive mode, an untrusted schema, no extension loading, no
 *    triggers, no views and no ATTACH: only the fixed queries below run;
 *  - the temp dir is removed before returning, whatever happened.
 * On a live host a copy taken while kine writes may be torn; sqlite then
 * reports corruption (unknown), and the WAL's checksums drop a frame that
 * was half copied.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "cluster/cluster.h"

#include <sqlite3.h>
#include <sys/statvfs.h>

/* state.db larger than this is not copied (unknown): 8 GiB */
#define KINE_MAX_DB	((off_t)8 << 30)

/* Side files sqlite reads beside the database: kine's WAL, a hot rollback journal. */
static const char *const kine_side[] = { "-wal", "-journal" };

/*
 * Open name below the gate directory fd dfd for reading, only when it is
 * a regular file: its type is looked at (never following it) BEFORE it
 * is opened, so a FIFO or a device node planted in the image is never
 * opened (opening a device can act: a watchdog, a tape, a tty), and the
 * fd opened is checked to be that very file.  0 with *fd, 1 when name
 * does not exist, -1 after error().
 */
static int
open_regular(int dfd, const char *name, const char *shown, int *fd)
{
	struct stat lst, st;

	*fd = -1;
	if (gate_statat(dfd, name, &lst) < 0) {
		if (errno == ENOENT)
			return 1;
		return error_errno("cannot examine '%s'", shown);
	}
	if (S_ISLNK(lst.st_mode))
		return error("'%s' is a symlink: not read (sqlite would open it by name)", shown);
	if (!S_ISREG(lst.st_mode))
		return error("'%s' is not a regular file (not opened)", shown);
	if ((*fd = gate_openat(dfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY)) < 0)
		return error_errno("cannot open '%s'", shown);
	if (fstat(*fd, &st) < 0 || st.st_dev != lst.st_dev || st.st_ino != lst.st_ino) {
		close(*fd);
		*fd = -1;
		return error("'%s' was replaced while it was opened", shown);
	}
	return 0;
}

/*
 * Room in the directory dir for a copy taking blocks 512-byte blocks,
 * with 64 MiB to spare: a state.db must not fill the disk it is copied to.
 */
static int
room_for(const char *dir, blkcnt_t blocks, const char *shown)
{
	struct statvfs vfs;
	unsigned long long need = (unsigned long long)blocks * 512ull + (64ull << 20);

	if (statvfs(dir, &vfs) < 0)
		return error_errno("cannot examine '%s'", dir);
	if ((unsigned long long)vfs.f_bavail * vfs.f_frsize < need)
		return error("no room in '%s' for a copy of '%s' (%llu MiB needed): not read",
		    dir, shown, need >> 20);
	return 0;
}

/*
 * Copy len bytes of in from *off to the same offset of out, *off moved
 * past them.  0 done, 1 at an end of file before len (the file shrank
 * while read, as a live WAL may: the copy ends there, and sqlite judges
 * it as it would a torn copy), -1 after error().
 */
static int
copy_range(int in, int out, off_t *off, off_t len, const char *shown, const char *dst)
{
	char chunk[65536];

	while (len > 0) {
		size_t want = len < (off_t)sizeof(chunk) ? (size_t)len : sizeof(chunk);
		ssize_t r = pread(in, chunk, want, *off), w;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_errno("cannot read '%s'", shown);
		if (r == 0)
			return 1;
		for (ssize_t done = 0; done < r; done += w) {
			w = pwrite(out, chunk + done, (size_t)(r - done), *off + done);
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w <= 0)
				return error_errno("cannot write '%s'", dst);
		}
		*off += r;
		len -= r;
	}
	return 0;
}

/*
 * Copy the open node file in (regular, one link: checked here) to a new
 * local file dst in tmpdir, hole for hole: only its data extents are read
 * and written (SEEK_DATA/SEEK_HOLE), so a huge sparse file planted as
 * state.db costs no disk; dst gets in's size.
 */
static int
copy_out(int in, const char *shown, const char *dst, const char *tmpdir)
{
	struct stat st;
	off_t off = 0, end, size;
	int out, r, ret = -1;

	if (fstat(in, &st) < 0)
		return error_errno("cannot examine '%s'", shown);
	if (!S_ISREG(st.st_mode))
		return error("'%s' is not a regular file", shown);
	if (st.st_nlink != 1)
		return error("'%s' has %ju hard links: not read (its other name may be outside "
		    "the root)", shown, (uintmax_t)st.st_nlink);
	if (st.st_size > KINE_MAX_DB)
		return error("'%s' is larger than %lld bytes: not read", shown,
		    (long long)KINE_MAX_DB);
	if (room_for(tmpdir, st.st_blocks, shown) < 0)
		return -1;
	if ((out = file_open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
		return error_errno("cannot create '%s'", dst);
	size = st.st_size;
	while (off < size) {
		if ((off = lseek(in, off, SEEK_DATA)) < 0) {
			if (errno != ENXIO) {
				error_errno("cannot read '%s'", shown);
				goto out;
			}
			off = size;	/* a hole up to the end */
			break;
		}
		if ((end = lseek(in, off, SEEK_HOLE)) < 0) {
			error_errno("cannot read '%s'", shown);
			goto out;
		}
		if (end > size)
			end = size;
		if ((r = copy_range(in, out, &off, end - off, shown, dst)) < 0)
			goto out;
		if (r == 1)
			size = off;	/* shorter now: the copy ends where the file did */
	}
	if (ftruncate(out, size) < 0) {
		error_errno("cannot write '%s'", dst);
		goto out;
	}
	ret = 0;
out:
	if (close(out) < 0 && ret == 0)
		ret = error_errno("cannot write '%s'", dst);
	return ret;
}

/*
 * state.db and its side files into tmpdir.  1 copied, 0 when state.db does
 * not exist or it and its side files are empty (kine creates its table at
 * its first start: nothing was applied yet), -1 after error().
 */
static int
copy_db(const char *db, const char *tmpdir)
{
	const char *base;
	int fd, dfd, r, ret = 0;
	off_t bytes = 0;
	struct stat st;

	if ((dfd = gate_open_parent(db, &base)) < 0) {
		if (errno == ENOENT)
			return 0;
		return error_errno("cannot open the directory of '%s'", root_path(db));
	}
	for (size_t i = 0; i <= ARRAY_SIZE(kine_side) && ret == 0; i++) {
		const char *side = i ? kine_side[i - 1] : "";
		char name[NAME_MAX + 1];
		char *shown = xasprintf("%s%s", root_path(db), side);

		r = 1;
		if ((size_t)snprintf(name, sizeof(name), "%s%s", base, side) >= sizeof(name))
			ret = error("'%s': the name is too long", shown);
		else if ((r = open_regular(dfd, name, shown, &fd)) < 0)
			ret = -1;
		if (r == 0) {
			char *dst = xasprintf("%s/state.db%s", tmpdir, side);

			if (fstat(fd, &st) == 0)
				bytes += st.st_size;
			ret = copy_out(fd, shown, dst, tmpdir);
			close(fd);
			free(dst);
		}
		free(shown);
		if (r == 1 && i == 0)
			break;	/* no state.db: nothing applied yet */
	}
	close(dfd);
	return ret < 0 ? -1 : bytes > 0;
}

/*
 * 0 when state.db does not exist, or it and its side files are empty
 * (kine creates its table at its first start: nothing applied yet); 1
 * when there is something to read (copy_db() checks it all again on the
 * fds it reads); -1 after error().  Before any temp dir is made: a
 * container without /tmp still tells a fresh node.
 */
static int
db_probe(const char *db)
{
	struct stat st;
	off_t bytes;

	if (gate_lstat(db, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return error_errno("cannot examine '%s'", root_path(db));
	}
	bytes = S_ISREG(st.st_mode) ? st.st_size : 1;
	for (size_t i = 0; i < ARRAY_SIZE(kine_side) && !bytes; i++) {
		char *p = xasprintf("%s%s", db, kine_side[i]);

		if (gate_lstat(p, &st) == 0)
			bytes += S_ISREG(st.st_mode) ? st.st_size : 1;
		free(p);
	}
	return bytes > 0;
}

/* Remove what sqlite and copy_db() left in tmpdir, then tmpdir. */
static void
remove_tmp(const char *tmpdir)
{
	static const char *const names[] = { "state.db", "state.db-wal", "state.db-journal",
		"state.db-shm" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *p = xasprintf("%s/%s", tmpdir, names[i]);

		(void)file_unlink(p);
		free(p);
	}
	(void)file_rmdir(tmpdir);
}

/* The end of a prefix range: the prefix with its last byte incremented (etcd's rule). */
static char *
prefix_end(const char *prefix)
{
	char *e = xstrdup(prefix);
	size_t n = strlen(e);

	e[n - 1]++;
	return e;
}

/*
 * The latest row of each name under prefix that is not a deletion: kine's
 * pkg/drivers/generic/generic.go ListCurrentValSQL (ListFmt with
 * BetweenNameSQL: MAX(id) per name in [prefix, end), then deleted = 0).
 */
static const char list_sql[] =
	"SELECT kv.id, kv.name, kv.value FROM kine AS kv "
	"INNER JOIN (SELECT MAX(mkv.id) AS id FROM kine AS mkv "
	"WHERE mkv.name >= ?1 AND mkv.name < ?2 GROUP BY mkv.name) AS maxkv USING (id) "
	"WHERE kv.deleted = 0 ORDER BY kv.name ASC";

static int
list_prefix(sqlite3 *s, const char *shown, const char *prefix, struct cluster_state *cs)
{
	sqlite3_stmt *st = NULL;
	char *end = prefix_end(prefix);
	int rc, ret = -1;

	if (sqlite3_prepare_v2(s, list_sql, -1, &st, NULL) != SQLITE_OK) {
		error("'%s' is not a kine database: %s", shown, sqlite3_errmsg(s));
		goto out;
	}
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, end, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(st, 1);
		int nlen = sqlite3_column_bytes(st, 1);
		const void *val = sqlite3_column_blob(st, 2);
		int vlen = sqlite3_column_bytes(st, 2);

		if (!name || nlen <= 0 || vlen < 0) {
			error("'%s': a row of table kine without a name", shown);
			goto out;
		}
		if (cluster_add(cs, (const char *)name, (size_t)nlen, val ? val : "",
		    (size_t)vlen, sqlite3_column_int64(st, 0)) < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		error("cannot read '%s': %s", shown, sqlite3_errmsg(s));
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	free(end);
	return ret;
}

/*
 * The database is the node's, so hostile: sqlite's own advice for
 * untrusted files (defensive mode, no trust in the schema's functions,
 * cell size checks, bounded lengths); and "kine" must be a table (a view
 * could make up rows).
 */
static int
harden_db(sqlite3 *s, const char *shown)
{
	sqlite3_stmt *st = NULL;
	int ok;

	sqlite3_db_config(s, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(s, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	/* nothing of the schema runs, nothing else is opened: the queries need none of it */
	sqlite3_db_config(s, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(s, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(s, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
	sqlite3_limit(s, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_limit(s, SQLITE_LIMIT_LENGTH, (int)CLUSTER_MAX_VALUE + 4096);
	if (sqlite3_exec(s, "PRAGMA cell_size_check = ON; PRAGMA mmap_size = 0", NULL, NULL,
	    NULL) != SQLITE_OK)
		return error("cannot read '%s': %s", shown, sqlite3_errmsg(s));
	if (sqlite3_prepare_v2(s, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
	    "name = 'kine'", -1, &st, NULL) != SQLITE_OK) {
		error("cannot read '%s' as a database: %s", shown, sqlite3_errmsg(s));
		sqlite3_finalize(st);
		return -1;
	}
	ok = sqlite3_step(st) == SQLITE_ROW;
	if (!ok && sqlite3_errcode(s) != SQLITE_DONE)
		error("cannot read '%s' as a database: %s", shown, sqlite3_errmsg(s));
	else if (!ok)
		error("'%s' is not a kine database: no table 'kine'", shown);
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

static int
query_copy(const char *path, const char *shown, const char *tmpdir,
    const char *const *prefixes, size_t np, struct cluster_state *cs)
{
	sqlite3 *s = NULL;
	int ret = -1;

	if (sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) !=
	    SQLITE_OK) {
		error("cannot open '%s' as a database: %s", shown, s ? sqlite3_errmsg(s) :
		    "no memory");
		goto out;
	}
	sqlite3_busy_timeout(s, 2000);
	if (harden_db(s, shown) < 0)
		goto out;
	/*
	 * The copy holds the whole datastore (Secrets too): sqlite has its
	 * files open now (the WAL read and indexed by the query above), so
	 * their names go at once, not after the queries.
	 */
	remove_tmp(tmpdir);
	for (size_t i = 0; i < np; i++)
		if (list_prefix(s, shown, prefixes[i], cs) < 0)
			goto out;
	ret = 0;
out:
	sqlite3_close(s);
	return ret;
}

int
kine_read(const char *db, const char *const *prefixes, size_t np, struct cluster_state *cs)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpdir, *copy;
	int r, ret = -1;

	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	if ((r = db_probe(db)) <= 0) {
		if (r == 0) {
			cs->kind = CLUSTER_NONE;
			cs->why = xasprintf("'%s' does not exist or is empty: K3s has not written "
			    "its datastore yet", root_path(db));
		}
		return r;
	}
	tmpdir = xasprintf("%s/k3sguard-kine-XXXXXX", tmp);
	if (!file_mkdtemp(tmpdir)) {
		error_errno("cannot create a temp directory in '%s'", tmp);
		free(tmpdir);
		return -1;
	}
	copy = xasprintf("%s/state.db", tmpdir);
	if ((r = copy_db(db, tmpdir)) == 0) {
		cs->kind = CLUSTER_NONE;
		cs->why = xasprintf("'%s' does not exist or is empty: K3s has not written its "
		    "datastore yet", root_path(db));
		ret = 0;
	} else if (r > 0 && query_copy(copy, root_path(db), tmpdir, prefixes, np, cs) == 0) {
		cs->kind = CLUSTER_READ;
		ret = 0;
	}
	remove_tmp(tmpdir);
	free(copy);
	free(tmpdir);
	return ret;
}
