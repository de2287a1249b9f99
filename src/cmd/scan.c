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

#include <dirent.h>
#include <fnmatch.h>
#include <jansson.h>
#include <pthread.h>
#include <sys/mman.h>

#define READ_MAX	(8u << 20)	/* larger files are mapped */
#define BINARY_PROBE	8192u
#define BATCH		64		/* file names per job */
#define MAX_WORKERS	64


struct finding {
	char *path;
	size_t line, col, end_col;
	struct scan_hit hit;
};

struct job {
	struct job *next;
	char *dir;		/* directory (a DIR job) or the files' directory */
	char *names;		/* NUL-separated file names, or NULL for a DIR job */
	size_t nnames;
	int dir_ctx;		/* the directory's path has K3s context */
	int gated;		/* dir is a node path shown under --root: open it through the gate */
};

struct stats {
	unsigned long long files, bytes, binary, symlinks, excluded, errors;
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
"usage: k3sguard scan [--format text|json|sarif] [--exclude GLOB]... [-j N] [PATH...]\n"
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
"  -j, --jobs N     worker threads (default: online CPUs)\n"
"\n"
"exit: 0 nothing found, 1 findings, 2 a path could not be read, 64 usage\n";

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *stack;
	size_t pending;		/* jobs queued or running */
} q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0 };

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
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
locate(struct worker *w, const char *path, const char *data)
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
	scan_buffer(data, len, ctx || scan_path_context(name), &w->hits);
	if (w->hits.n) {
		locate(w, path, data);
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

static const char *
sev_name(enum scan_severity s)
{
	return s == SCAN_CRITICAL ? "critical" : "high";
}

static int
finding_cmp(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

/*
 * Output escaping, one place per format: file names and the text of a hit
 * (a datastore URL's scheme comes from the file) go through escape.h, as
 * text for the terminal, as valid UTF-8 for jansson.
 */
static void
print_text(const struct finding *f, size_t n, const struct stats *st)
{
	struct esc_ring r;

	esc_ring_init(&r, ESC_TEXT);
	for (size_t i = 0; i < n; i++)
		printf("%s:%zu:%zu: %s %s: %s\n", esc_ring(&r, f[i].path), f[i].line, f[i].col,
		    sev_name(f[i].hit.severity), scan_rules[f[i].hit.rule].id,
		    esc_ring(&r, f[i].hit.desc));
	esc_ring_release(&r);
	printf("scanned %llu files (%llu bytes), skipped %llu binary, %llu symlinks, "
	    "%llu excluded: %zu finding%s\n", st->files, st->bytes, st->binary,
	    st->symlinks, st->excluded, n, n == 1 ? "" : "s");
}

static json_t *
jstr(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *v;

	esc_add(&b, s, ESC_UTF8);	/* json_string() refuses invalid UTF-8 */
	v = json_string(b.s);
	buf_release(&b);
	if (!v)
		fatal("out of memory");
	return v;
}

static int
dump_json(json_t *root)
{
	int rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	putchar('\n');
	json_decref(root);
	return rc;
}

static int
print_json(const struct finding *f, size_t n, const struct stats *st)
{
	json_t *root = json_object(), *arr = json_array(), *s = json_object();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "file", jstr(f[i].path));
		json_object_set_new(o, "line", json_integer((json_int_t)f[i].line));
		json_object_set_new(o, "column", json_integer((json_int_t)f[i].col));
		json_object_set_new(o, "end_column", json_integer((json_int_t)f[i].end_col));
		json_object_set_new(o, "rule", json_string(scan_rules[f[i].hit.rule].id));
		json_object_set_new(o, "severity", json_string(sev_name(f[i].hit.severity)));
		json_object_set_new(o, "value", jstr(f[i].hit.desc));
		json_object_set_new(o, "fingerprint", json_string(f[i].hit.fingerprint));
		json_array_append_new(arr, o);
	}
	json_object_set_new(s, "files", json_integer((json_int_t)st->files));
	json_object_set_new(s, "bytes", json_integer((json_int_t)st->bytes));
	json_object_set_new(s, "binary_skipped", json_integer((json_int_t)st->binary));
	json_object_set_new(s, "symlinks_skipped", json_integer((json_int_t)st->symlinks));
	json_object_set_new(s, "excluded", json_integer((json_int_t)st->excluded));
	json_object_set_new(s, "errors", json_integer((json_int_t)st->errors));
	json_object_set_new(root, "findings", arr);
	json_object_set_new(root, "stats", s);
	return dump_json(root);
}

/* RFC 3986: keep unreserved characters and '/', percent-encode the rest. */
static void
uri_encode(struct buf *b, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (isalnum(*p) || strchr("-._~/", *p))
			buf_addch(b, (char)*p);
		else
			buf_addf(b, "%%%02X", *p);
	}
}

static json_t *
text_obj(const char *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "text", jstr(s));
	return o;
}

static int
print_sarif(const struct finding *f, size_t n, int ok)
{
	json_t *root = json_object(), *run = json_object(), *driver = json_object();
	json_t *tool = json_object(), *rules = json_array(), *results = json_array();
	json_t *inv = json_object();
	struct buf b = BUF_INIT;

	for (int r = 0; r < SCAN_NRULES; r++) {
		const struct scan_rule_info *ri = &scan_rules[r];
		json_t *o = json_object(), *conf = json_object(), *props = json_object();
		json_t *tags = json_array();

		json_object_set_new(o, "id", json_string(ri->id));
		json_object_set_new(o, "name", json_string(ri->name));
		json_object_set_new(o, "shortDescription", text_obj(ri->summary));
		json_object_set_new(o, "fullDescription", text_obj(ri->summary));
		json_object_set_new(o, "help", text_obj(ri->help));
		json_object_set_new(conf, "level", json_string("error"));
		json_object_set_new(o, "defaultConfiguration", conf);
		json_array_append_new(tags, json_string("security"));
		json_array_append_new(tags, json_string("secret"));
		json_object_set_new(props, "tags", tags);
		/* GitHub code scanning reads this to rank security results */
		json_object_set_new(props, "security-severity",
		    json_string(ri->severity == SCAN_CRITICAL ? "9.5" : "8.0"));
		json_object_set_new(o, "properties", props);
		json_array_append_new(rules, o);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object(), *loc = json_object(), *phys = json_object();
		json_t *art = json_object(), *reg = json_object(), *locs = json_array();
		json_t *fps = json_object(), *props = json_object();
		const char *p = f[i].path;

		json_object_set_new(o, "ruleId", json_string(scan_rules[f[i].hit.rule].id));
		json_object_set_new(o, "ruleIndex", json_integer(f[i].hit.rule));
		json_object_set_new(o, "level", json_string("error"));
		buf_reset(&b);
		buf_addf(&b, "%s: %s", scan_rules[f[i].hit.rule].summary, f[i].hit.desc);
		json_object_set_new(o, "message", text_obj(b.s));
		buf_reset(&b);
		while (p[0] == '.' && p[1] == '/')
			p += 2;
		if (*p == '/') {
			buf_adds(&b, "file://");
			uri_encode(&b, p);
		} else {
			uri_encode(&b, p);
			json_object_set_new(art, "uriBaseId", json_string("%SRCROOT%"));
		}
		json_object_set_new(art, "uri", json_string(b.s));
		json_object_set_new(phys, "artifactLocation", art);
		json_object_set_new(reg, "startLine", json_integer((json_int_t)f[i].line));
		json_object_set_new(reg, "startColumn", json_integer((json_int_t)f[i].col));
		json_object_set_new(reg, "endColumn", json_integer((json_int_t)f[i].end_col));
		json_object_set_new(phys, "region", reg);
		json_object_set_new(loc, "physicalLocation", phys);
		json_array_append_new(locs, loc);
		json_object_set_new(o, "locations", locs);
		json_object_set_new(fps, "k3sguardTokenFingerprint/v1",
		    json_string(f[i].hit.fingerprint));
		json_object_set_new(o, "partialFingerprints", fps);
		json_object_set_new(props, "severity", json_string(sev_name(f[i].hit.severity)));
		json_object_set_new(o, "properties", props);
		json_array_append_new(results, o);
	}
	buf_release(&b);
	json_object_set_new(driver, "name", json_string("k3sguard"));
	json_object_set_new(driver, "version", json_string(K3SGUARD_VERSION));
	json_object_set_new(driver, "rules", rules);
	json_object_set_new(tool, "driver", driver);
	json_object_set_new(run, "tool", tool);
	json_object_set_new(inv, "executionSuccessful", json_boolean(ok));
	json_object_set_new(run, "invocations", json_pack("[o]", inv));
	json_object_set_new(run, "columnKind", json_string("unicodeCodePoints"));
	json_object_set_new(run, "results", results);
	json_object_set_new(root, "$schema", json_string(
	    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"));
	json_object_set_new(root, "version", json_string("2.1.0"));
	json_object_set_new(root, "runs", json_pack("[o]", run));
	return dump_json(root);
}

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
		push_job(new_job(p.s, 0, gated));
	} else if (S_ISREG(st.st_mode)) {
		rc = start_file(w, arg, p.s, gated);
	} else {
		rc = error("cannot scan '%s': %s", p.s, type_str(st.st_mode));
	}
	buf_release(&p);
	return rc;
}

int
cmd_scan(int argc, char **argv)
{
	enum { OPT_FORMAT = OPT_GLOBAL_LAST, OPT_EXCLUDE };
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "exclude", required_argument, NULL, OPT_EXCLUDE },
		{ "jobs", required_argument, NULL, 'j' },
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
	int c, bad = 0, ret;
	const char *const *paths;

	root_prefix_len = strlen(root_path("/")) - 1;

	while ((c = getopt_long(argc, argv, "hj:", longopts, NULL)) != -1) {
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
		case 'j':
			if (parse_num(optarg, 1, MAX_WORKERS, &jobs) < 0)
				usage_error("-j: '%s' is not a number from 1 to %d", optarg, MAX_WORKERS);
			break;
		case 'h':
			print_usage_exit(usage);
		default:
			bad_option(usage);
		}
	}
	if (jobs < 1)
		jobs = 1;
	if (jobs > MAX_WORKERS)
		jobs = MAX_WORKERS;
	nw = (size_t)jobs;
	ws = xcalloc(nw, sizeof(*ws));
	paths = optind < argc ? (const char *const *)argv + optind : dot;
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
	switch (fmt) {
	case FMT_TEXT:
		print_text(all, nall, &st);
		break;
	case FMT_JSON:
		if (print_json(all, nall, &st) < 0)
			bad = 1;
		break;
	case FMT_SARIF:
		if (print_sarif(all, nall, !bad) < 0)
			bad = 1;
		break;
	default:
		break;	/* format_arg() allowed only the three above */
	}
	ret = bad ? EXIT_ERROR : nall ? EXIT_FINDINGS : EXIT_OK;
	for (size_t i = 0; i < nall; i++)
		free(all[i].path);
	free(all);
	free(ws);
	free(excludes);
	excludes = NULL;
	nexcludes = 0;
	return ret;
}
