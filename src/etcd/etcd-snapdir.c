/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-snapdir.c: the files of a snapshot directory, in one place.
 *
 * The default directory SNAP_DIR is a node path: every access goes
 * through the gate (inside --root; a symlinked directory or file is
 * resolved inside the root, never out of it).  A directory given with
 * --dir, and a FILE given to verify or restore, are local paths the user
 * typed: the file.c functions where it has them, otherwise the plain
 * calls below, each with O_NOFOLLOW / no following on the last name.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "etcd/etcd-snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
snapdir_init(struct snapdir *d, const char *local_dir)
{
	d->node = local_dir == NULL;
	d->path = local_dir ? local_dir : SNAP_DIR;
}

const char *
snapdir_show(const struct snapdir *d, const char *name, struct buf *out)
{
	buf_reset(out);
	if (d->node)
		root_path_buf(out, d->path);
	else
		buf_adds(out, d->path);
	if (name)
		buf_addf(out, "/%s", name);
	return out->s;
}

/* DIR/name: a node path or a local path, as the directory is. */
static char *
join(const struct snapdir *d, const char *name)
{
	return xasprintf("%s/%s", d->path, name);
}

int
snapdir_mkdir(const struct snapdir *d)
{
	return d->node ? gate_mkdir_p(d->path, 0700) : mkdir_p(d->path, 0700);
}

int
snapdir_lstat(const struct snapdir *d, const char *name, struct stat *st)
{
	char *p = join(d, name);
	int r = d->node ? gate_lstat(p, st) : path_lstat(p, st);

	free(p);
	return r;
}

int
snapdir_read(const struct snapdir *d, const char *name, size_t cap, struct buf *out)
{
	char *p = join(d, name);
	int r = d->node ? gate_read(p, cap, out, NULL) : file_read(p, cap, out, NULL);

	free(p);
	return r;
}

int
snapdir_write(const struct snapdir *d, const char *name, const void *data, size_t len)
{
	char *p = join(d, name);
	int r = d->node ? gate_write_atomic(p, data, len, 0600) :
	    file_write_atomic(p, data, len, 0600);

	free(p);
	return r;
}

int
snapdir_unlink(const struct snapdir *d, const char *name)
{
	char *p = join(d, name);
	int r = d->node ? gate_unlink(p) : file_unlink(p);

	free(p);
	return r;
}

DIR *
snapdir_opendir(const struct snapdir *d)
{
	return d->node ? gate_opendir(d->path) : file_opendir(d->path);
}

int
snap_local_open(const char *path)
{
	return file_open(path, O_RDONLY, 0);
}

int
snap_local_create(const char *path)
{
	return file_open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
}

int
snapdir_stream_begin(struct snapdir_stream *s, const struct snapdir *d, const char *name)
{
	const char *base;
	int dirfd, r;

	memset(s, 0, sizeof(*s));
	s->final = join(d, name);
	if (d->node) {
		r = gate_atomic_begin(&s->a, s->final, 0600);
	} else if ((dirfd = file_open_parent(s->final, &base)) < 0) {
		r = error_errno("cannot open the directory of '%s'", s->final);
	} else {
		r = gate_atomic_begin_at(&s->a, dirfd, base, s->final, 0600);
	}
	free(s->final);
	s->final = NULL;
	s->fd = r < 0 ? -1 : s->a.fd;
	return r;
}

int
snapdir_stream_commit(struct snapdir_stream *s)
{
	s->fd = -1;
	return gate_atomic_commit(&s->a);
}

void
snapdir_stream_abort(struct snapdir_stream *s)
{
	s->fd = -1;
	gate_atomic_abort(&s->a);
}
