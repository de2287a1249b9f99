/*
 * tree.h: a throwaway node tree for the harnesses that can reach their
 * parser only through files (node_load(), sfile_load(), mlock_read(), ...).
 * Included by one harness each (static functions, no library).
 *
 * tree_setup() makes a temp dir once and removes it, with all it holds, at
 * exit; tree_put() writes a file below it (plain write, no fsync: this runs
 * thousands of times a second), or removes it when d is NULL.  Paths are
 * host paths: "/etc/systemd/system/k3s.service".
 */
#ifndef FUZZ_TREE_H
#define FUZZ_TREE_H

#include <ftw.h>

#define TREE_FN static __attribute__((unused))

static char tree_root[64];

TREE_FN int
tree_rm(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP)
		rmdir(p);
	else
		unlink(p);
	return 0;
}

TREE_FN void
tree_cleanup(void)
{
	if (tree_root[0])
		nftw(tree_root, tree_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Make the root and the directories dirs (NULL-terminated host paths). */
TREE_FN void
tree_setup(const char *const *dirs)
{
	struct buf p = BUF_INIT;

	snprintf(tree_root, sizeof(tree_root), "/dev/shm/fuzz-tree.XXXXXX");
	if (!mkdtemp(tree_root))
		abort();
	atexit(tree_cleanup);
	for (; dirs && *dirs; dirs++) {
		buf_reset(&p);
		buf_addf(&p, "%s%s", tree_root, *dirs);
		if (mkdir_p(p.s, 0700) < 0)
			abort();
	}
	buf_release(&p);
}

/* A node tree for node_load(): the root is --root, no k3s binary runs. */
TREE_FN void
tree_node_setup(const char *const *dirs)
{
	tree_setup(dirs);
	gopt.root = tree_root;
	gopt.k3s_bin = "/usr/local/bin/k3s";	/* absent: never run */
	quiet_errors = 1;
}

/* The local path of host path host in the tree (static ring of 4). */
TREE_FN const char *
tree_path(const char *host)
{
	static struct buf ring[4];
	static size_t next;
	struct buf *b = &ring[next++ % 4];

	buf_reset(b);
	buf_addf(b, "%s%s", tree_root, host);
	return b->s;
}

TREE_FN void
tree_put(const char *host, const void *d, size_t n, mode_t mode)
{
	const char *p = tree_path(host);
	int fd;

	unlink(p);
	if (!d)
		return;
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write_all(fd, d, n) < 0)
		abort();
	close(fd);
}

/*
 * Split data at NUL bytes into up to nparts pieces and write piece i to
 * parts[i]; the parts after the last piece are removed (no file).
 */
TREE_FN void
tree_put_parts(const char *const *parts, size_t nparts, const uint8_t *data,
    size_t size)
{
	const uint8_t *p = data, *end = data + size;

	for (size_t i = 0; i < nparts; i++) {
		const uint8_t *z;

		if (!p) {
			tree_put(parts[i], NULL, 0, 0);
			continue;
		}
		z = i + 1 < nparts ? memchr(p, 0, (size_t)(end - p)) : NULL;
		tree_put(parts[i], p, (size_t)((z ? z : end) - p), 0600);
		p = z ? z + 1 : NULL;
	}
}

#endif
