/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-scan.c: find hard-coded K3s tokens in files and trees.
 * k3sguard-command: scan | find hard-coded K3s tokens in files and trees (text, json, sarif)
 *
 * Walks and reads in parallel (one worker per online CPU): a shared stack
 * of jobs (a directory to list, or a batch of file names in a directory),
 * files opened with openat() relative to their directory, small files read
 * into a per-worker buffer that is reused, large ones mapped.  The rules
 * (scan.c) prefilter each buffer with a vector search for two-byte
 * literals before any line work.
 *
 * Invariants:
 *  - symlinks are never followed (O_NOFOLLOW, d_type / AT_SYMLINK_NOFOLLOW);
 *  - a file with a NUL byte in its first 8 KiB is binary and skipped;
 *  - output shows a token only as token_describe() text and fingerprint;
 *  - the read buffer that held a file with a finding is wiped before reuse,
 *    and every read buffer is wiped when its worker ends;
 *  - error() is not thread-safe (it keeps the last message): workers call
 *    it under out_lock only.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "cmd/cmd.h"
#include "report/escape.h"
#include "scan/scan.h"
#include "scan/scan-allow.h"
#include "scan/scan-git.h"
#include "scan/scan-report.h"

#include <dirent.h>
#include <fnmatch.h>
#include <jansson.h>
#include <pthread.h>
#include <sys/mman.h>

#define READ_MAX	(8u << 20)	/* larger files are mapped */
#define BINARY_PROBE	8192u
#define BATCH		64		/* file names per job */
#define MAX_WORKERS	64


struct job {
	struct job *next;
	char *dir;		/* directory (a DIR job) or the files' directory */
	char *names;		/* NUL-separated file names, or NULL for a DIR job */
	size_t nnames;
	int dir_ctx;		/* the directory's path has K3s context */
	int gated;		/* dir is a node path shown under --root: open it through the gate */
};

struct worker {
	pthread_t tid;
	struct scan_hits hits;
	char *rbuf;
	size_t rcap;
	struct finding *found;
	size_t nfound, capfound;
	struct buf path;
	struct stats st;
};

static const char usage[] =
"usage: k3sguard scan [--format text|json|sarif] [--exclude GLOB]... [--baseline FILE]\n"
"                     [--write-baseline FILE] [-j N] [-o FILE] [PATH... | --git [RANGE]]\n"
"\n"
"Find hard-coded K3s tokens in files and trees (default: the current directory):\n"
"secure-form tokens (K10<CA hash>::server:..., ::node:..., bootstrap tokens)\n"
"anywhere, and literal values of K3S_TOKEN/K3S_AGENT_TOKEN, --token/-t/--agent-token,\n"
"token:/agent-token: keys and datastore endpoint passwords in K3s contexts.\n"
"Values are shown redacted (form and fingerprint).  Symlinks are not followed,\n"
"binary files and .git directories are skipped.\n"
"\n"
"  --format FMT     text (default), json, or sarif (SARIF 2.1.0)\n"
"  --exclude GLOB   skip entries whose name matches GLOB (a GLOB with '/'\n"
"                   is matched against the path); may be repeated\n"
"  --baseline FILE  report only findings not in FILE (written by\n"
"                   --write-baseline); the others are suppressed\n"
"  --write-baseline FILE\n"
"                   write the findings (rule, secret fingerprint, path below\n"
"                   the scan root; no secret) to FILE as a baseline\n"
"  --git [RANGE]    scan every blob of the history of the current directory's\n"
"                   repository (RANGE: a revision or A..B; default: all refs),\n"
"                   each finding once, with the commit that introduced it\n"
"  -j, --jobs N     worker threads (default: online CPUs)\n"
"  -o, --output FILE  write the findings to FILE (atomically, mode 0600), not stdout\n"
"\n"
"Allowing: a 'k3sguard:allow <reason>' comment on the line or the line above,\n"
"and path patterns in a .k3sguardignore at the scan root, suppress findings;\n"
"suppressed findings are left out of the text list and the exit code and\n"
"shown in JSON and SARIF (as suppressions).\n"
"\n"
"exit: 0 nothing found, 1 findings, 2 a path could not be read, 64 usage\n";

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *stack;
	size_t pending;		/* jobs queued or running */
} q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0 };

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/* A path given on the command line: findings below it are shown relative to it. */
struct scan_root {
	char *prefix;			/* as shown; a file's directory for a file argument */
	int absolute;			/* a node path */
	struct scan_ignore ig;		/* its .k3sguardignore */
};
static struct scan_root *roots;
static size_t nroots;
static char *git_workdir;	/* scan --git: the repository's work tree */
static const char **excludes;
static size_t nexcludes;
static int have_path_excludes;

/* ---- the job stack ------------------------------------------------------ */

static void
push_job(struct job *j)
{
	pthread_mutex_lock(&q.lock);
	j->next = q.stack;
	q.stack = j;
	q.pending++;
	pthread_cond_signal(&q.cond);
	pthread_mutex_unlock(&q.lock);
}

static struct job *
pop_job(void)
{
	struct job *j;

	pthread_mutex_lock(&q.lock);
	while (!q.stack && q.pending)
		pthread_cond_wait(&q.cond, &q.lock);
	j = q.stack;
	if (j)
		q.stack = j->next;
	pthread_mutex_unlock(&q.lock);
	return j;
}

static void
job_done(struct job *j)
{
	free(j->dir);
	free(j->names);
	free(j);
	pthread_mutex_lock(&q.lock);
	if (--q.pending == 0)
		pthread_cond_broadcast(&q.cond);
	pthread_mutex_unlock(&q.lock);
}

static struct job *
new_job(const char *dir, int dir_ctx, int gated)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->dir = xstrdup(dir);
	j->dir_ctx = dir_ctx;
	j->gated = gated;
	return j;
}

/*
 * A job's directory: a node path (an absolute argument, shown under
 * --root) through the gate, or a local path the user typed.  Never
 * followed when its last component is a link.
 */
static size_t root_prefix_len;	/* strlen of --root as shown before a node path */

static int
open_job_dir(const struct job *j)
{
	if (j->gated)
		return gate_open(j->dir + root_prefix_len, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	return file_open_dir(j->dir);
}

/* ---- reporting from workers -------------------------------------------- */

static void
report_errno(struct worker *w, const char *what, const char *path)
{
	int e = errno;

	pthread_mutex_lock(&out_lock);
	errno = e;
	error_errno("%s '%s'", what, path);
	pthread_mutex_unlock(&out_lock);
	w->st.errors++;
}

static void
join_path(struct buf *out, const char *dir, const char *name)
{
	size_t n = strlen(dir);

	buf_reset(out);
	buf_add(out, dir, n);
	if (n && dir[n - 1] != '/')
		buf_addch(out, '/');
	buf_adds(out, name);
}

/* --exclude: a GLOB without '/' matches a name; one with '/' matches the
 * path or any tail of it that starts after a '/'. */
static int
excluded(const char *name, const char *path)
{
	for (size_t i = 0; i < nexcludes; i++) {
		const char *g = excludes[i];

		if (!strchr(g, '/')) {
			if (fnmatch(g, name, 0) == 0)
				return 1;
			continue;
		}
		for (const char *p = path; p; p = strchr(p, '/')) {
			if (*p == '/')
				p++;
			if (fnmatch(g, p, 0) == 0)
				return 1;
		}
	}
	return 0;
}

/* ---- one file ---------------------------------------------------------- */

static void
add_finding(struct worker *w, const char *path, const struct scan_hit *h,
    size_t line, size_t col, size_t end_col)
{
	struct finding *f;

	if (w->nfound == w->capfound) {
		size_t cap = w->capfound ? w->capfound * 2 : 32, bytes;

		if (size_mul(cap, sizeof(*w->found), &bytes) < 0)
			fatal("out of memory");
		w->found = xrealloc(w->found, bytes);
		w->capfound = cap;
	}
	f = &w->found[w->nfound++];
	f->path = xstrdup(path);
	f->line = line;
	f->col = col;
	f->end_col = end_col;
	f->hit = *h;
	f->rel = f->path;
	f->supp_kind = NULL;
	f->justification = NULL;
	f->commit[0] = '\0';
}

/* Characters (code points) in [s, e): UTF-8 continuation bytes do not count. */
static size_t
chars(const char *s, const char *e)
{
	size_t n = 0;

	for (; s < e; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Turn the hits of one buffer into findings with line and column. */
static void
locate(struct worker *w, const char *path, const char *data, size_t len)
{
	const char *pos = data, *ls = data;
	size_t line = 1;

	for (size_t i = 0; i < w->hits.n; i++) {
		const struct scan_hit *h = &w->hits.v[i];
		const char *at = data + h->off, *nl;
		size_t col;

		while ((nl = memchr(pos, '\n', (size_t)(at - pos)))) {
			line++;
			pos = ls = nl + 1;
		}
		pos = at;
		col = chars(ls, at) + 1;
		add_finding(w, path, h, line, col, col + chars(at, at + h->len));
		w->found[w->nfound - 1].justification = scan_allow_inline(data, len, h->off);
		if (w->found[w->nfound - 1].justification)
			w->found[w->nfound - 1].supp_kind = "inSource";
	}
}

static void
scan_file(struct worker *w, int dirfd, const char *name, const char *path, int ctx)
{
	struct stat st;
	const char *data;
	void *map = NULL;
	size_t len = 0;
	int fd;

	fd = gate_openat(dirfd, name, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP)
			w->st.symlinks++;
		else if (errno != ENOENT)	/* gone since the listing: not an error */
			report_errno(w, "cannot open", path);
		return;
	}
	if (fstat(fd, &st) < 0) {
		report_errno(w, "cannot stat", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		goto out;
	if ((unsigned long long)st.st_size > READ_MAX) {
		len = (size_t)st.st_size;
		map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			map = NULL;
			report_errno(w, "cannot map", path);
			goto out;
		}
		madvise(map, len, MADV_SEQUENTIAL);
		data = map;
	} else {
		size_t want = (size_t)st.st_size;

		if (w->rcap < want) {
			if (w->rbuf)
				explicit_bzero(w->rbuf, w->rcap);
			free(w->rbuf);
			w->rcap = want < 65536 ? 65536 : want;
			w->rbuf = xmalloc(w->rcap);
		}
		while (len < want) {
			ssize_t n = read(fd, w->rbuf + len, want - len);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				report_errno(w, "cannot read", path);
				goto out;
			}
			if (n == 0)
				break;	/* shrank while we read: scan what is there */
			len += (size_t)n;
		}
		data = w->rbuf;
	}
	if (memchr(data, '\0', len < BINARY_PROBE ? len : BINARY_PROBE)) {
		w->st.binary++;
		goto out;
	}
	w->st.files++;
	w->st.bytes += len;
	w->hits.n = 0;
	scan_buffer(data, len, SCAN_REPOSITORY |
	    (ctx || scan_path_context(name) ? SCAN_PATH_CONTEXT : 0), &w->hits);
	if (w->hits.n) {
		locate(w, path, data, len);
		if (!map)
			explicit_bzero(w->rbuf, len);
	}
out:
	if (map)
		munmap(map, len);
	close(fd);
}

/* ---- jobs -------------------------------------------------------------- */

static void
run_files(struct worker *w, int dirfd, const char *dir, const char *names,
    size_t n, int ctx)
{
	for (size_t i = 0; i < n; i++) {
		join_path(&w->path, dir, names);
		scan_file(w, dirfd, names, w->path.s, ctx);
		names += strlen(names) + 1;
	}
}

static void
run_batch(struct worker *w, struct job *j)
{
	int fd = open_job_dir(j);

	if (fd < 0) {
		report_errno(w, "cannot open directory", j->dir);
		return;
	}
	run_files(w, fd, j->dir, j->names, j->nnames, j->dir_ctx);
	close(fd);
}

/* Queue the names [names, names + len) (count n) as one batch job. */
static void
push_batch(const char *dir, int ctx, int gated, const char *names, size_t len, size_t n)
{
	struct job *j = new_job(dir, ctx, gated);

	j->names = xmalloc(len);
	memcpy(j->names, names, len);
	j->nnames = n;
	push_job(j);
}

static void
run_dir(struct worker *w, struct job *j)
{
	struct buf names = BUF_INIT;
	struct dirent *de;
	DIR *d;
	size_t n = 0, first_len = 0, first_n = 0, start = 0, in_batch = 0;
	int fd;

	fd = open_job_dir(j);
	if (fd < 0) {
		report_errno(w, "cannot open directory", j->dir);
		return;
	}
	if (!(d = fdopendir(fd))) {
		report_errno(w, "cannot read directory", j->dir);
		close(fd);
		return;
	}
	for (;;) {
		unsigned char type;

		errno = 0;
		if (!(de = readdir(d))) {
			if (errno)
				report_errno(w, "cannot read directory", j->dir);
			break;
		}
		if (de->d_name[0] == '.' && (!de->d_name[1] ||
		    (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (have_path_excludes || nexcludes)
			join_path(&w->path, j->dir, de->d_name);
		if (nexcludes && excluded(de->d_name, w->path.s)) {
			w->st.excluded++;
			continue;
		}
		type = de->d_type;
		if (type == DT_UNKNOWN) {
			struct stat st;

			if (gate_statat(fd, de->d_name, &st) < 0)
				continue;
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG :
			    S_ISLNK(st.st_mode) ? DT_LNK : DT_UNKNOWN;
		}
		if (type == DT_LNK) {
			w->st.symlinks++;
		} else if (type == DT_DIR) {
			if (!strcmp(de->d_name, ".git"))
				continue;	/* compressed objects: nothing to read */
			join_path(&w->path, j->dir, de->d_name);
			push_job(new_job(w->path.s, j->dir_ctx || scan_path_context(de->d_name),
			    j->gated));
		} else if (type == DT_REG) {
			buf_add(&names, de->d_name, strlen(de->d_name) + 1);
			n++;
			if (++in_batch == BATCH) {
				/* the first batch stays here, the rest go to idle workers */
				if (!first_n) {
					first_n = in_batch;
					first_len = names.len;
				} else {
					push_batch(j->dir, j->dir_ctx, j->gated, names.s + start,
					    names.len - start, in_batch);
				}
				start = names.len;
				in_batch = 0;
			}
		}
	}
	if (in_batch && first_n)
		push_batch(j->dir, j->dir_ctx, j->gated, names.s + start, names.len - start, in_batch);
	else if (in_batch) {
		first_n = in_batch;
		first_len = names.len;
	}
	(void)first_len;
	run_files(w, fd, j->dir, names.s, first_n, j->dir_ctx);
	closedir(d);
	buf_release(&names);
	(void)n;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct job *j;

	while ((j = pop_job())) {
		if (j->names)
			run_batch(w, j);
		else
			run_dir(w, j);
		job_done(j);
	}
	if (w->rbuf)
		explicit_bzero(w->rbuf, w->rcap);
	free(w->rbuf);
	w->rbuf = NULL;
	scan_hits_release(&w->hits);
	buf_release(&w->path);
	return NULL;
}

/* ---- output ------------------------------------------------------------ */

/* ---- the command ------------------------------------------------------- */

int cmd_scan(int argc, char **argv);

/* One file named on the command line: opened below its directory's fd. */
static int
start_file(struct worker *w, const char *arg, const char *shown, int gated)
{
	const char *base;
	int pfd = gated ? gate_open_parent(arg, &base) : file_open_parent(arg, &base);

	if (pfd < 0)
		return error_errno("cannot scan '%s'", shown);
	/* the scan root is the file's directory: only its own name counts */
	scan_file(w, pfd, base, shown, scan_path_context(base));
	close(pfd);
	return 0;
}

/* Read DIR/.k3sguardignore when there is one (a node path through the gate). */
static int
load_ignore(const char *dir, int gated, struct scan_ignore *ig)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct stat st;
	int rc = 0;

	join_path(&path, dir, SCAN_IGNORE_FILE);
	if ((gated ? gate_lstat(path.s, &st) : path_lstat(path.s, &st)) == 0) {
		if ((gated ? gate_read(path.s, 1u << 20, &text, NULL) :
		    file_read(path.s, 1u << 20, &text, NULL)) < 0)
			rc = -1;
		else
			scan_ignore_parse(text.s, text.len, ig);
	}
	buf_release(&path);
	buf_release(&text);
	return rc;
}

static struct scan_root *
add_root(const char *prefix, size_t n, int absolute)
{
	struct scan_root *r;

	roots = xrealloc(roots, (nroots + 1) * sizeof(*roots));
	r = &roots[nroots++];
	memset(r, 0, sizeof(*r));
	r->prefix = xstrndup(prefix, n);
	r->absolute = absolute;
	return r;
}

/*
 * An absolute argument is a node path (under --root, inside the root,
 * through the gate); a relative one is a local path the user typed.
 */
static int
start_path(struct worker *w, const char *arg)
{
	struct stat st;
	struct buf p = BUF_INIT;
	int rc = 0, gated = arg[0] == '/';

	root_path_buf(&p, arg);
	if ((gated ? gate_lstat(arg, &st) : path_lstat(arg, &st)) < 0) {
		rc = error_errno("cannot scan '%s'", p.s);
	} else if (S_ISLNK(st.st_mode)) {
		warning("not following symlink '%s'", p.s);
		w->st.symlinks++;
	} else if (S_ISDIR(st.st_mode)) {
		/*
		 * The root itself gives no context: where a checkout sits
		 * (~/src/k3s-infra/...) says nothing about its files.  Names
		 * below it do (scan_path_context() on each component).
		 */
		if (load_ignore(arg, gated, &add_root(p.s, p.len, gated)->ig) < 0)
			rc = -1;
		push_job(new_job(p.s, 0, gated));
	} else if (S_ISREG(st.st_mode)) {
		const char *sl = strrchr(p.s, '/');

		add_root(p.s, sl ? (size_t)(sl - p.s) : 0, gated);
		rc = start_file(w, arg, p.s, gated);
	} else {
		rc = error("cannot scan '%s': %s", p.s, type_str(st.st_mode));
	}
	buf_release(&p);
	return rc;
}

/* ---- scan --git --------------------------------------------------------- */

static void
git_blob_hits(void *arg, const char *commit, const char *path, const char *data,
    size_t len, const struct scan_hits *hits)
{
	struct worker *w = arg;
	size_t first = w->nfound;
	const char *base = strrchr(path, '/');

	if (nexcludes && excluded(base ? base + 1 : path, path)) {
		w->st.excluded++;
		return;
	}
	w->hits.n = 0;
	for (size_t i = 0; i < hits->n; i++)
		*scan_hit_add(&w->hits) = hits->v[i];
	locate(w, path, data, len);
	for (size_t i = first; i < w->nfound; i++)
		snprintf(w->found[i].commit, sizeof(w->found[i].commit), "%s", commit);
}

static int
seq_key_cmp(const void *a, const void *b)
{
	const struct finding *x = *(const struct finding *const *)a;
	const struct finding *y = *(const struct finding *const *)b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (x->hit.rule != y->hit.rule)
		return x->hit.rule < y->hit.rule ? -1 : 1;
	if ((c = strcmp(x->hit.fingerprint, y->hit.fingerprint)))
		return c;
	return x < y ? -1 : x > y;	/* walk order: the oldest commit first */
}

/*
 * One finding per (path, rule, secret): the one of the oldest commit.  A
 * later version of the file that keeps the token is a new blob with the
 * same finding.
 */
static void
git_dedupe(struct worker *w)
{
	struct finding **idx;
	unsigned char *drop;
	size_t k = 0;

	if (w->nfound < 2)
		return;
	idx = xcalloc(w->nfound, sizeof(*idx));
	drop = xcalloc(w->nfound, 1);
	for (size_t i = 0; i < w->nfound; i++)
		idx[i] = &w->found[i];
	qsort(idx, w->nfound, sizeof(*idx), seq_key_cmp);
	for (size_t i = 1; i < w->nfound; i++) {
		const struct finding *x = idx[i - 1], *y = idx[i];

		if (!strcmp(x->path, y->path) && x->hit.rule == y->hit.rule &&
		    !strcmp(x->hit.fingerprint, y->hit.fingerprint))
			drop[y - w->found] = 1;
	}
	for (size_t i = 0; i < w->nfound; i++) {
		if (drop[i]) {
			free(w->found[i].path);
			free(w->found[i].justification);
			continue;
		}
		w->found[k++] = w->found[i];
	}
	w->nfound = k;
	free(idx);
	free(drop);
}

static int
start_git(struct worker *w, const char *range)
{
	struct scan_git_stats gs = { 0 };
	int rc;

	if (load_ignore(".", 0, &add_root("", 0, 0)->ig) < 0)
		return -1;
	rc = scan_git(".", range, git_blob_hits, w, &gs);
	git_dedupe(w);
	git_workdir = gs.workdir;	/* paths are relative to it: SARIF's %SRCROOT% */
	w->st.files = gs.blobs - gs.binary;
	w->st.bytes = gs.bytes;
	w->st.binary = gs.binary;	/* --exclude: only blobs with hits are matched */
	return rc;
}

/* The root a finding was found under: the longest prefix of its path. */
static const struct scan_root *
root_of(const char *path)
{
	const struct scan_root *best = NULL;
	size_t bl = 0;

	for (size_t i = 0; i < nroots; i++) {
		size_t n = strlen(roots[i].prefix);

		if ((n == 0 || (!strncmp(path, roots[i].prefix, n) && path[n] == '/')) &&
		    (!best || n > bl)) {
			best = &roots[i];
			bl = n;
		}
	}
	return best;
}

/*
 * Each finding's path below its root, then what the ignore file and the
 * baseline allow (an inline allow was seen when the file was read).
 */
static void
apply_allows(struct finding *f, size_t n, const struct scan_baseline *bl)
{
	for (size_t i = 0; i < n; i++) {
		const struct scan_root *r = root_of(f[i].path);
		size_t pl = r ? strlen(r->prefix) : 0;

		f[i].rel = f[i].path + (pl ? pl + 1 : 0);
		while (f[i].rel[0] == '.' && f[i].rel[1] == '/')
			f[i].rel += 2;
		if (f[i].supp_kind)
			continue;
		if (r && scan_ignore_match(&r->ig, f[i].rel)) {
			f[i].supp_kind = "external";
			f[i].justification = xstrdup("path listed in " SCAN_IGNORE_FILE);
		} else if (scan_baseline_has(bl, scan_rules[f[i].hit.rule].id,
		    f[i].hit.fingerprint, f[i].rel)) {
			f[i].supp_kind = "external";
			f[i].justification = xstrdup("in the baseline");
		}
	}
}

/* SARIF's %SRCROOT%: the one absolute root, "/" for several, NULL for relative ones. */
static char *
sarif_srcroot(void)
{
	struct buf b = BUF_INIT;
	int any = 0;
	const char *dir = git_workdir ? git_workdir : nroots == 1 ? roots[0].prefix : "";

	for (size_t i = 0; i < nroots; i++)
		any |= roots[i].absolute;
	if (!any && !git_workdir)
		return NULL;
	buf_adds(&b, "file://");
	if (nroots == 1) {
		for (const unsigned char *p = (const unsigned char *)dir; *p; p++) {
			if (isalnum(*p) || strchr("-._~/", *p))
				buf_addch(&b, (char)*p);
			else
				buf_addf(&b, "%%%02X", *p);
		}
	}
	if (b.s[b.len - 1] != '/')
		buf_addch(&b, '/');
	return b.s;
}

static int
write_baseline(const char *file, const struct finding *f, size_t n)
{
	struct finding *keep = xcalloc(n ? n : 1, sizeof(*keep));
	size_t k = 0;
	char *text;
	int rc;

	/* inline allows and ignored paths are allowed already: not in the baseline */
	for (size_t i = 0; i < n; i++)
		if (!f[i].supp_kind || !strcmp(f[i].justification, "in the baseline"))
			keep[k++] = f[i];
	text = scan_baseline_render(keep, k);
	rc = file_write_atomic(file, text, strlen(text), 0644);
	free(text);
	free(keep);
	return rc;
}

static void
release_roots(void)
{
	for (size_t i = 0; i < nroots; i++) {
		free(roots[i].prefix);
		scan_ignore_release(&roots[i].ig);
	}
	free(roots);
	roots = NULL;
	nroots = 0;
}

struct render_args {
	const struct finding *all;
	size_t nall, nshown;
	const struct stats *st;
	enum out_format fmt;
	int bad;
	const char *srcroot;
};

/* The findings in their format (cmd_output runs it): the exit code. */
static int
render_run(void *p)
{
	const struct render_args *a = p;
	int bad = a->bad;

	switch (a->fmt) {
	case FMT_TEXT:
		print_text(a->all, a->nall, a->st);
		break;
	case FMT_JSON:
		if (print_json(a->all, a->nall, a->st) < 0)
			bad = 1;
		break;
	case FMT_SARIF:
		if (print_sarif(a->all, a->nall, !bad, a->srcroot) < 0)
			bad = 1;
		break;
	default:
		break;	/* format_arg() allowed only the three above */
	}
	return bad ? EXIT_ERROR : a->nshown ? EXIT_FINDINGS : EXIT_OK;
}

int
cmd_scan(int argc, char **argv)
{
	enum { OPT_FORMAT = OPT_GLOBAL_LAST, OPT_EXCLUDE, OPT_BASELINE, OPT_WRITE_BASELINE, OPT_GIT };
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "exclude", required_argument, NULL, OPT_EXCLUDE },
		{ "baseline", required_argument, NULL, OPT_BASELINE },
		{ "write-baseline", required_argument, NULL, OPT_WRITE_BASELINE },
		{ "git", no_argument, NULL, OPT_GIT },
		{ "jobs", required_argument, NULL, 'j' },
		OUTPUT_LONG_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const dot[] = { ".", NULL };
	struct worker *ws;
	struct finding *all = NULL;
	struct stats st = { 0 };
	enum out_format fmt = FMT_TEXT;
	long long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nall = 0, nw;
	int c, bad = 0, ret, git = 0;
	const char *const *paths, *baseline_file = NULL, *write_file = NULL, *output = NULL;
	struct scan_baseline bl = { 0 };
	char *srcroot;
	size_t nshown = 0;

	root_prefix_len = strlen(root_path("/")) - 1;

	while ((c = getopt_long(argc, argv, "hj:o:", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_FORMAT:
			fmt = format_arg(optarg, FMT_TEXT_JSON | FMT_BIT(FMT_SARIF));
			break;
		case OPT_EXCLUDE:
			excludes = xrealloc(excludes, (nexcludes + 1) * sizeof(*excludes));
			excludes[nexcludes++] = optarg;
			if (strchr(optarg, '/'))
				have_path_excludes = 1;
			break;
		case OPT_BASELINE:
			baseline_file = optarg;
			break;
		case OPT_WRITE_BASELINE:
			write_file = optarg;
			break;
		case OPT_GIT:
			git = 1;
			break;
		case 'j':
			if (parse_num(optarg, 1, MAX_WORKERS, &jobs) < 0)
				usage_error("-j: '%s' is not a number from 1 to %d", optarg, MAX_WORKERS);
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			print_usage_exit(usage);
		default:
			bad_option(usage);
		}
	}
	if (git && argc - optind > 1)
		usage_error("--git takes at most one RANGE (the repository is the current directory's)");
	if (jobs < 1)
		jobs = 1;
	if (jobs > MAX_WORKERS)
		jobs = MAX_WORKERS;
	if (baseline_file) {
		struct buf text = BUF_INIT;

		if (file_read(baseline_file, 64u << 20, &text, NULL) < 0 ||
		    scan_baseline_parse(text.s, text.len, baseline_file, &bl) < 0) {
			buf_release(&text);
			return EXIT_ERROR;
		}
		buf_release(&text);
	}
	nw = (size_t)jobs;
	ws = xcalloc(nw, sizeof(*ws));
	paths = optind < argc ? (const char *const *)argv + optind : dot;
	if (git) {
		if (start_git(&ws[0], optind < argc ? argv[optind] : NULL) < 0)
			bad = 1;
		paths = dot + 1;	/* no tree walk */
	}
	for (; *paths; paths++)
		if (start_path(&ws[0], *paths) < 0)
			bad = 1;
	for (size_t i = 1; i < nw; i++) {
		int e = pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]);

		if (e)
			fatal("cannot start a scan thread: %s", strerror(e));
	}
	worker_main(&ws[0]);
	for (size_t i = 1; i < nw; i++)
		pthread_join(ws[i].tid, NULL);

	for (size_t i = 0; i < nw; i++) {
		st.files += ws[i].st.files;
		st.bytes += ws[i].st.bytes;
		st.binary += ws[i].st.binary;
		st.symlinks += ws[i].st.symlinks;
		st.excluded += ws[i].st.excluded;
		st.errors += ws[i].st.errors;
		nall += ws[i].nfound;
	}
	if (nall) {
		size_t k = 0, bytes;

		if (size_mul(nall, sizeof(*all), &bytes) < 0)
			fatal("out of memory");
		all = xmalloc(bytes);
		for (size_t i = 0; i < nw; i++) {
			if (ws[i].nfound)
				memcpy(all + k, ws[i].found, ws[i].nfound * sizeof(*all));
			k += ws[i].nfound;
			free(ws[i].found);
		}
		qsort(all, nall, sizeof(*all), finding_cmp);
	}
	if (st.errors)
		bad = 1;
	apply_allows(all, nall, &bl);
	scan_baseline_release(&bl);
	if (write_file && write_baseline(write_file, all, nall) < 0)
		bad = 1;
	for (size_t i = 0; i < nall; i++)
		nshown += !all[i].supp_kind;
	srcroot = sarif_srcroot();
	{
		struct render_args ra = { all, nall, nshown, &st, fmt, bad, srcroot };

		ret = cmd_output(output, render_run, &ra);
	}
	free(srcroot);
	free(git_workdir);
	git_workdir = NULL;
	scan_findings_free(all, nall);
	release_roots();
	free(ws);
	free(excludes);
	excludes = NULL;
	nexcludes = 0;
	return ret;
}
