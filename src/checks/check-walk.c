/* SPDX-License-Identifier: Apache-2.0 */
/* check-walk.c: see check-walk.h. */
#include "core/k3sguard.h"
#include "checks/check-walk.h"
#include "core/gate.h"

#include <dirent.h>

struct walk {
	manifest_cb cb;
	void *ctx;
	struct buf *err;
	size_t entries;
	int stop;
};

static int
walk_dir(struct walk *w, int dfd, struct buf *host, int depth)
{
	DIR *d;
	struct dirent *de;
	size_t base = host->len;
	int ret = 0;

	if (!(d = fdopendir(dfd))) {
		close(dfd);
		buf_addf(w->err, "cannot read directory '%s': %s", host->s, strerror(errno));
		return -1;
	}
	while (!w->stop && (errno = 0, de = readdir(d))) {
		struct stat st;
		char target[256] = "";

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		buf_setlen(host, base);
		buf_addf(host, "/%s", de->d_name);
		if (++w->entries > WALK_MAX_ENTRIES) {
			buf_addf(w->err, "'%s': more than %d entries", host->s, WALK_MAX_ENTRIES);
			ret = -1;
			break;
		}
		if (gate_statat(dirfd(d), de->d_name, &st) < 0) {
			buf_addf(w->err, "cannot examine '%s': %s", host->s, strerror(errno));
			ret = -1;
			break;
		}
		/* the target only for evidence: read by name, inside the root */
		if (S_ISLNK(st.st_mode) && gate_readlink(host->s, target, sizeof(target)) < 0)
			target[0] = '\0';
		if (w->cb(w->ctx, host->s, &st, target)) {
			w->stop = 1;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub;

			if (depth >= WALK_MAX_DEPTH) {
				buf_addf(w->err, "'%s': directories nested deeper than %d", host->s,
				    WALK_MAX_DEPTH);
				ret = -1;
				break;
			}
			sub = gate_openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY);
			if (sub < 0) {
				buf_addf(w->err, "cannot open directory '%s': %s", host->s,
				    strerror(errno));
				ret = -1;
				break;
			}
			if (walk_dir(w, sub, host, depth + 1) < 0) {
				ret = -1;
				break;
			}
		}
	}
	if (!ret && !w->stop && errno) {
		buf_setlen(host, base);
		buf_addf(w->err, "cannot read directory '%s': %s", host->s, strerror(errno));
		ret = -1;
	}
	buf_setlen(host, base);
	closedir(d);
	return ret;
}

int
check_walk(const char *host_dir, manifest_cb cb, void *ctx, struct buf *err)
{
	struct walk w = { cb, ctx, err, 0, 0 };
	struct buf host = BUF_INIT;
	int fd, ret;

	buf_adds(&host, host_dir);
	fd = gate_open(host.s, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	if (fd < 0) {
		ret = (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) ? 1 : -1;
		if (ret < 0)
			buf_addf(err, "cannot open directory '%s': %s", host.s, strerror(errno));
		buf_release(&host);
		return ret;
	}
	ret = walk_dir(&w, fd, &host, 0);
	buf_release(&host);
	return ret;
}
