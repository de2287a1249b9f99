/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c: the secret store interface (store.h) over its two backends.
 *
 * Invariants: every call takes the store lock (STORE_DIR/.lock, flock:
 * shared to read, exclusive to change), so read-modify-write of a secret
 * is never interleaved; values are held only in secret_buf_reserve'd
 * buffers and wiped; a version number is never reused for a name.
 */
#include "core/k3sguard.h"
#include "core/config.h"
#include "core/gate.h"
#include "core/secret.h"
#include "store/store-backend.h"
#include "token/token.h"

#include <dirent.h>
#include <sys/file.h>
#include <time.h>

static const char *const state_names[] = {
	[STORE_CURRENT] = "current",
	[STORE_PREVIOUS] = "previous",
	[STORE_PENDING] = "pending",
	[STORE_OLD] = "old",
	[STORE_ABANDONED] = "abandoned",
};

const char *
store_state_name(enum store_state s)
{
	return (size_t)s < ARRAY_SIZE(state_names) ? state_names[s] : "unknown";
}

int
store_state_parse(const char *s, enum store_state *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(state_names); i++)
		if (!strcmp(s, state_names[i])) {
			*out = (enum store_state)i;
			return 0;
		}
	return -1;
}

static int
is_exec(void)
{
	const char *b = config_str("store.backend", "file");

	if (!strcmp(b, "file"))
		return 0;
	if (!strcmp(b, "exec"))
		return 1;
	fatal("'%s': store.backend must be 'file' or 'exec', not '%s'",
	    root_path(gopt.config), b);
}

const char *
store_backend_name(void)
{
	return is_exec() ? "exec" : "file";
}

void
store_fingerprint(const void *val, size_t len, char out[13])
{
	struct token_info t;
	char h[65];

	if (token_parse(val, len, &t) == 0) {
		memcpy(out, t.fingerprint, 13);
		return;
	}
	sha256_hex(val, len, h);
	memcpy(out, h, 12);
	out[12] = '\0';
}

int
store_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > STORE_NAME_MAX || !isalnum((unsigned char)name[0]))
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
			goto bad;
	return 0;
bad:
	return error("'%.80s' is not a valid secret name ([A-Za-z0-9][A-Za-z0-9._-], "
	    "at most %d characters)", name, STORE_NAME_MAX);
}

void
sset_free(struct sset *s)
{
	for (size_t i = 0; i < s->n; i++)
		buf_wipe(&s->v[i].val);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

struct srec *
sset_add(struct sset *s)
{
	struct srec *r;
	size_t sz;

	if (size_mul(s->n + 1, sizeof(*s->v), &sz) < 0)
		fatal("too many versions");
	/* metadata and buf headers only: the values' memory does not move */
	s->v = xrealloc(s->v, sz);
	r = &s->v[s->n++];
	memset(r, 0, sizeof(*r));
	buf_init(&r->val);
	return r;
}

int
store_read_node(const char *node_path, size_t cap, struct buf *out, struct stat *st)
{
	struct stat own;

	if (!st)
		st = &own;
	if (gate_read(node_path, cap, out, st) < 0)
		return -1;
	if (node_one_link(st, root_path(node_path)) < 0) {
		buf_wipe(out);
		return -1;
	}
	return 0;
}

int
node_one_link(const struct stat *st, const char *shown)
{
	if (st->st_nlink == 1 || S_ISDIR(st->st_mode))
		return 0;
	return error("'%s' has %ju hard links; another name of it may be outside the node "
	    "(refused)", shown, (uintmax_t)st->st_nlink);
}

/* ---- locking ---- */

static int lock_fd = -1;

static int
store_lock(int exclusive)
{
	const char *dir = root_path(STORE_DIR);
	struct stat st;
	int dfd, ret = -1;

	if (exclusive && gate_mkdir_p(STORE_DIR, 0700) < 0)
		return -1;
	/* the directory itself must not be a link; links on the way stay inside the root */
	dfd = gate_open(STORE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	if (dfd < 0) {
		if (errno == ENOENT && !exclusive)
			return 1;	/* no store yet: nothing to read */
		if ((errno == ELOOP || errno == ENOTDIR) && gate_lstat(STORE_DIR, &st) == 0)
			return error("'%s' is a %s, not a directory", dir, type_str(st.st_mode));
		return error_errno("cannot open '%s'", dir);
	}
	if (fstat(dfd, &st) < 0) {
		error_errno("cannot examine '%s'", dir);
		goto out;
	}
	if (file_trusted(&st, dir) < 0)
		goto out;
	/* never opened when it is a device or FIFO an image put there */
	if (gate_statat(dfd, ".lock", &st) == 0 && !S_ISREG(st.st_mode)) {
		error("'%s/.lock' is a %s, not a regular file", dir, type_str(st.st_mode));
		goto out;
	}
	lock_fd = gate_openat(dfd, ".lock", O_RDWR | O_CREAT | O_NONBLOCK | O_NOCTTY);
	if (lock_fd < 0) {
		if (errno == EROFS || errno == EACCES) {
			/* a read-only copy of a node: reading needs no lock */
			ret = exclusive ? error_errno("cannot open '%s/.lock'", dir) : 0;
			goto out;
		}
		error_errno("cannot open '%s/.lock'", dir);
		goto out;
	}
	if (flock(lock_fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		error_errno("cannot lock '%s/.lock'", dir);
		close(lock_fd);
		lock_fd = -1;
		goto out;
	}
	ret = 0;
out:
	close(dfd);
	return ret;
}

int
store_dir_sync(void)
{
	int fd = gate_open(STORE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

	if (fd < 0 || fsync(fd) < 0) {
		error_errno("cannot sync '%s'", root_path(STORE_DIR));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void
store_unlock(void)
{
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
}

static int
load(const char *name, struct sset *s)
{
	memset(s, 0, sizeof(*s));
	return is_exec() ? sexec_load(name, s) : sfile_load(name, s);
}

static int
save(const struct sset *s)
{
	return is_exec() ? sexec_save(s) : sfile_save(s);
}

/* Make version v (index i) current: current -> previous -> old. */
static void
promote(struct sset *s, size_t i)
{
	for (size_t k = 0; k < s->n; k++) {
		if (k == i)
			continue;
		if (s->v[k].m.state == STORE_PREVIOUS)
			s->v[k].m.state = STORE_OLD;
	}
	for (size_t k = 0; k < s->n; k++) {
		if (k == i)
			continue;
		if (s->v[k].m.state == STORE_CURRENT)
			s->v[k].m.state = STORE_PREVIOUS;
	}
	s->v[i].m.state = STORE_CURRENT;
}

static int
note_ok(const char *note)
{
	if (strlen(note) >= STORE_NOTE_MAX)
		return error("a note is at most %d characters", STORE_NOTE_MAX - 1);
	for (const char *p = note; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return error("a note must be printable ASCII on one line");
	return 0;
}

int
store_put(const char *name, const void *val, size_t len, enum store_state state,
    const char *note, unsigned *version)
{
	struct sset s;
	struct srec *r;
	unsigned v;
	int rc, ret = -1;

	if (store_name_ok(name) < 0 || note_ok(note ? note : "") < 0)
		return -1;
	if (state != STORE_CURRENT && state != STORE_PENDING)
		return error("a new version is stored as current or pending");
	if (len == 0)
		return error("refusing to store an empty value for '%s'", name);
	if (len > STORE_VALUE_MAX)
		return error("the value for '%s' is larger than %u bytes", name, STORE_VALUE_MAX);
	if (store_lock(1) < 0)
		return -1;
	if ((rc = load(name, &s)) < 0)
		goto out;
	v = s.n ? s.v[s.n - 1].m.version + 1 : 1;
	if (v == 0) {
		error("'%s' has run out of version numbers", name);
		goto out;
	}
	if (is_exec() && sexec_store(name, v, val, len) < 0)
		goto out;
	r = sset_add(&s);
	r->m.version = v;
	r->m.created = (long long)time(NULL);
	r->m.state = STORE_PENDING;
	store_fingerprint(val, len, r->m.fingerprint);
	snprintf(r->m.note, sizeof(r->m.note), "%s", note ? note : "");
	if (!is_exec()) {
		secret_buf_reserve(&r->val, len + 1);
		buf_add(&r->val, val, len);
	}
	if (state == STORE_CURRENT)
		promote(&s, s.n - 1);
	if (save(&s) < 0)
		goto out;
	if (version)
		*version = v;
	ret = 0;
out:
	sset_free(&s);
	store_unlock();
	return ret;
}

static struct srec *
find(struct sset *s, unsigned version)
{
	for (size_t i = 0; i < s->n; i++) {
		if (version ? s->v[i].m.version == version : s->v[i].m.state == STORE_CURRENT)
			return &s->v[i];
	}
	return NULL;
}

int
store_get(const char *name, unsigned version, struct buf *out, struct store_meta *meta)
{
	struct sset s = { 0 };
	struct srec *r;
	int rc, ret = -1;

	if (store_name_ok(name) < 0)
		return -1;
	if (out->len)
		return error("store_get: output buffer not empty");
	if ((rc = store_lock(0)) != 0) {
		return rc;
	}
	if ((rc = load(name, &s)) != 0) {
		ret = rc;
		goto out;
	}
	if (!(r = find(&s, version))) {
		ret = 1;
		goto out;
	}
	if (is_exec()) {
		if (sexec_get(name, r->m.version, out) < 0)
			goto out;
	} else {
		secret_buf_reserve(out, r->val.len + 1);
		buf_add(out, r->val.s, r->val.len);
	}
	if (meta)
		*meta = r->m;
	ret = 0;
out:
	sset_free(&s);
	store_unlock();
	return ret;
}

int
store_set_state(const char *name, unsigned version, enum store_state state)
{
	struct sset s;
	struct srec *r;
	int rc, ret = -1;

	if (store_name_ok(name) < 0)
		return -1;
	if (store_lock(1) < 0)
		return -1;
	if ((rc = load(name, &s)) != 0) {
		if (rc > 0)
			error("no secret '%s' in the store", name);
		goto out;
	}
	if (!version || !(r = find(&s, version))) {
		error("'%s' has no version %u", name, version);
		goto out;
	}
	if (r->m.state == state) {
		ret = 0;
		goto out;
	}
	if (state == STORE_CURRENT)
		promote(&s, (size_t)(r - s.v));
	else
		r->m.state = state;
	ret = save(&s);
out:
	sset_free(&s);
	store_unlock();
	return ret;
}

int
store_history(const char *name, struct store_meta **out, size_t *n)
{
	struct sset s = { 0 };
	int rc;

	*out = NULL;
	*n = 0;
	if (store_name_ok(name) < 0)
		return -1;
	if ((rc = store_lock(0)) != 0)
		return rc;
	if ((rc = load(name, &s)) == 0) {
		*out = xcalloc(s.n ? s.n : 1, sizeof(**out));
		for (size_t i = 0; i < s.n; i++)
			(*out)[i] = s.v[i].m;
		*n = s.n;
	}
	sset_free(&s);
	store_unlock();
	return rc;
}

int
store_find_fingerprint(const char *name, const char *fp, struct store_meta *meta)
{
	struct store_meta *h;
	size_t n;
	int rc = store_history(name, &h, &n);

	if (rc != 0)
		return rc;
	rc = 1;
	for (size_t i = n; i-- > 0;) {
		if (!strcmp(h[i].fingerprint, fp)) {
			if (meta)
				*meta = h[i];
			rc = 0;
			break;
		}
	}
	free(h);
	return rc;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
store_list(char ***names, size_t *n)
{
	const char *suffix = is_exec() ? ".meta" : ".sec";
	DIR *d;
	struct dirent *e;
	size_t cap = 0;
	int rc;

	*names = NULL;
	*n = 0;
	if ((rc = store_lock(0)) != 0)
		return rc > 0 ? 0 : -1;
	if (!(d = gate_opendir(STORE_DIR))) {
		store_unlock();
		return error_errno("cannot read '%s'", root_path(STORE_DIR));
	}
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name), sl = strlen(suffix);
		char *nm;

		if (l <= sl || strcmp(e->d_name + l - sl, suffix) != 0)
			continue;
		nm = xstrndup(e->d_name, l - sl);
		quiet_errors++;
		rc = store_name_ok(nm);
		quiet_errors--;
		if (rc < 0) {
			free(nm);
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*names = xrealloc(*names, cap * sizeof(**names));
		}
		(*names)[(*n)++] = nm;
	}
	closedir(d);
	store_unlock();
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_names);
	return 0;
}

void
store_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
store_remove(const char *name, unsigned version)
{
	struct sset s;
	int rc, ret = -1;

	if (store_name_ok(name) < 0)
		return -1;
	if (store_lock(1) < 0)
		return -1;
	if ((rc = load(name, &s)) != 0) {
		ret = rc;
		goto out;
	}
	if (version) {
		struct srec *r = find(&s, version);
		size_t i;

		if (!r) {
			ret = 1;
			goto out;
		}
		if (r->m.state == STORE_CURRENT) {
			error("version %u of '%s' is current; remove the whole secret or "
			    "store a new version first", version, name);
			goto out;
		}
		if (is_exec() && sexec_erase(name, version) < 0)
			goto out;
		i = (size_t)(r - s.v);
		buf_wipe(&r->val);
		memmove(&s.v[i], &s.v[i + 1], (s.n - i - 1) * sizeof(s.v[0]));
		s.n--;
		if (s.n) {
			/* keep the generation = last version invariant of the file backend */
			ret = save(&s);
			goto out;
		}
	} else if (is_exec()) {
		for (size_t i = 0; i < s.n; i++)
			if (sexec_erase(name, s.v[i].m.version) < 0)
				goto out;
	}
	if (!is_exec() && sfile_forget(&s) < 0)
		goto out;
	{
		const char *path = sfile_path(name, is_exec() ? ".meta" : ".sec");

		if (gate_unlink(path) < 0) {
			error_errno("cannot remove '%s'", root_path(path));
			goto out;
		}
		ret = store_dir_sync();
	}
out:
	sset_free(&s);
	store_unlock();
	return ret;
}
