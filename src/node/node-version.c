/* SPDX-License-Identifier: Apache-2.0 */
/*
 * node-version.c: the K3s version of the node, and where it came from.
 *
 * With a root other than "/" nothing of the image is run: the version is
 * read as data from the binary's bytes.  K3s's build sets
 * github.com/k3s-io/k3s/pkg/version.Version with -X ldflags (scripts/build,
 * scripts/package-cli) to the release tag, "v1.30.4+k3s1" or
 * "v1.31.0-rc1+k3s1"; Go keeps that string as plain bytes.  The other
 * versions in a K3s binary (containerd "v1.7.20-k3s1", Kubernetes
 * "v1.30.4-k3s1", ...) carry "-k3s", never "+k3s", and a development build
 * ("v1.30.4+k3s-0123abcd") is no release: neither matches
 *
 *	v<major>.<minor>.<patch>[-rc<n>]+k3s<build>
 *
 * Go packs strings without separators, so the build number may run into
 * digits of the next string ("v1.30.4+k3s1" then "0123abcd" reads
 * "+k3s10123abcd"): a match stands for every reading of its build number
 * that is a prefix of its digit run.  The version is the one reading that
 * every match allows; none (two different versions) or several (a build
 * number that may go on) leave it unknown: never a guess.
 *
 * Invariants:
 *  - with a root other than "/" NOTHING is executed: the binary is opened
 *    through the gate (a link is followed inside the root only) and read,
 *    1 MiB at a time, at most 256 MiB;
 *  - on the host, "k3s --version" runs only for a binary that root owns,
 *    in a directory root owns, neither writable by group or others, with
 *    a minimal env, no stdin and a 5 s limit;
 *  - --k3s-version wins; k3s_version_from always says which source gave
 *    the version (VERSION_FROM_* in node.h);
 *  - a version that cannot be told is NULL with a "version" source error
 *    naming --k3s-version, never a guess.
 */
#include "core/k3sguard.h"
#include "node/node.h"
#include "node/node-int.h"
#include "core/gate.h"
#include "core/run.h"

#define VERSION_TIMEOUT_MS	5000
#define VERSION_FIELD_DIGITS	4	/* major, minor, patch, rc */
#define VERSION_BUILD_DIGITS	9
#define VERSION_LEN		48	/* the longest match is 35 bytes */
#define VERSION_CANDIDATES	16	/* different matches kept */
#define VERSION_SCAN_CAP	((off_t)256 << 20)	/* K3s is ~70 MB */
#define VERSION_CHUNK		((size_t)1 << 20)

enum vstate { V_IDLE, V_MAJOR, V_MINOR, V_PATCH, V_RC, V_LIT, V_BUILD };

struct vscan {
	enum vstate st;
	const char *lit;	/* V_LIT: the bytes still expected */
	enum vstate after;	/* V_LIT: the state after them */
	char cur[VERSION_LEN];
	size_t len;		/* of cur */
	size_t ndig;		/* digits in the current field */
	char *cand[VERSION_CANDIDATES];
	size_t ncand;
	int too_many;
};

static void
vscan_start(struct vscan *s, unsigned char c)
{
	s->st = V_IDLE;
	if (c == 'v') {
		s->st = V_MAJOR;
		s->cur[0] = 'v';
		s->len = 1;
		s->ndig = 0;
	}
}

static void
vscan_keep(struct vscan *s)
{
	for (size_t i = 0; i < s->ncand; i++)
		if (strlen(s->cand[i]) == s->len && !memcmp(s->cand[i], s->cur, s->len))
			return;
	if (s->ncand == VERSION_CANDIDATES) {
		s->too_many = 1;
		return;
	}
	s->cand[s->ncand++] = xstrndup(s->cur, s->len);
}

static void
vscan_lit(struct vscan *s, const char *lit, enum vstate after)
{
	s->st = V_LIT;
	s->lit = lit;
	s->after = after;
}

/* One byte; a partial match that fails restarts at this byte. */
static void
vscan_byte(struct vscan *s, unsigned char c)
{
	int digit = c >= '0' && c <= '9';

	switch (s->st) {
	case V_IDLE:
		break;
	case V_LIT:
		if (c != (unsigned char)*s->lit)
			break;
		s->cur[s->len++] = (char)c;
		if (!*++s->lit) {
			s->st = s->after;
			s->ndig = 0;
		}
		return;
	case V_BUILD:
		if (digit && s->ndig < VERSION_BUILD_DIGITS) {
			s->cur[s->len++] = (char)c;
			s->ndig++;
			return;
		}
		if (s->ndig)
			vscan_keep(s);
		break;
	default:	/* V_MAJOR, V_MINOR, V_PATCH, V_RC */
		if (digit && s->ndig < VERSION_FIELD_DIGITS) {
			s->cur[s->len++] = (char)c;
			s->ndig++;
			return;
		}
		if (!s->ndig || digit)
			break;
		s->cur[s->len++] = (char)c;
		s->ndig = 0;
		if (c == '.' && s->st == V_MAJOR)
			s->st = V_MINOR;
		else if (c == '.' && s->st == V_MINOR)
			s->st = V_PATCH;
		else if (c == '-' && s->st == V_PATCH)
			vscan_lit(s, "rc", V_RC);
		else if (c == '+' && (s->st == V_PATCH || s->st == V_RC))
			vscan_lit(s, "k3s", V_BUILD);
		else
			break;
		return;
	}
	vscan_start(s, c);
}

static void
vscan_bytes(struct vscan *s, const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;

	while (p < end) {
		if (s->st == V_IDLE) {
			/* most of a binary: skip to the next 'v' */
			const unsigned char *v = memchr(p, 'v', (size_t)(end - p));

			if (!v)
				return;
			p = v;
		}
		vscan_byte(s, *p++);
	}
}

static void
vscan_release(struct vscan *s)
{
	for (size_t i = 0; i < s->ncand; i++)
		free(s->cand[i]);
	s->ncand = 0;
}

/*
 * The end of the input; the version every match allows, or NULL with why
 * (a static string) in *why.
 */
static char *
vscan_finish(struct vscan *s, const char **why)
{
	size_t common, prefix;

	if (s->st == V_BUILD && s->ndig)
		vscan_keep(s);
	s->st = V_IDLE;
	if (s->too_many) {
		*why = "holds more than 16 different K3s version strings";
		return NULL;
	}
	if (!s->ncand) {
		*why = "holds no K3s release version (vX.Y.Z[-rcN]+k3sN)";
		return NULL;
	}
	prefix = (size_t)(strstr(s->cand[0], "+k3s") - s->cand[0]) + 4;
	common = strlen(s->cand[0]);
	for (size_t i = 1; i < s->ncand; i++) {
		size_t k = 0;

		while (k < common && s->cand[i][k] == s->cand[0][k])
			k++;
		common = k;
	}
	if (common <= prefix) {
		*why = "holds different K3s versions";
		return NULL;
	}
	if (common > prefix + 1) {
		*why = "holds a K3s version whose build number may run on into other digits";
		return NULL;
	}
	return xstrndup(s->cand[0], common);
}

int
k3s_version_valid(const char *v)
{
	struct vscan s;
	int ok;

	memset(&s, 0, sizeof(s));
	if (!v || *v != 'v' || strlen(v) >= VERSION_LEN)
		return 0;
	vscan_bytes(&s, (const unsigned char *)v, strlen(v));
	/* the whole string is one match: its build number ends with it */
	ok = s.st == V_BUILD && s.ndig && s.len == strlen(v);
	vscan_release(&s);
	return ok;
}

/*
 * The k3s binary opened inside the root (a link is followed there) and
 * fstat'ed.  -1 when it is absent (the version is then unknown, no error)
 * or after a "version" source error.
 */
static int
open_k3s_bin(struct node *n, int flags, struct stat *st)
{
	const char *shown = root_path(n->k3s_bin);
	struct stat lst;
	/* the type first, on an O_PATH fd: a FIFO or a device is never opened */
	int fd = gate_open_regular(n->k3s_bin, flags | O_CLOEXEC, st);

	if (fd == -2) {
		node_err(n, "version", n->k3s_bin, 0, "'%s' is a %s, not a K3s binary", shown,
		    type_str(st->st_mode));
		return -1;
	}
	if (fd < 0) {
		if ((errno == ENOENT || errno == ENOTDIR) && gate_lstat(n->k3s_bin, &lst) == 0 &&
		    S_ISLNK(lst.st_mode))
			node_err(n, "version", n->k3s_bin, 0,
			    "'%s' is a symlink to nothing inside the node root", shown);
		else if (errno != ENOENT && errno != ENOTDIR)
			node_err(n, "version", n->k3s_bin, 0, "cannot open '%s': %s", shown,
			    strerror(errno));
		return -1;
	}
	/* under an image, another name of a hard link may be a file outside the root */
	if (gate_shared_outside(st)) {
		node_err(n, "version", n->k3s_bin, 0, "'%s' has %lu hard links: another name may "
		    "be a file outside the node root; not read for the K3s version", shown,
		    (unsigned long)st->st_nlink);
		close(fd);
		return -1;
	}
	return fd;
}

/* Under a node root: the version from the binary's bytes, nothing run. */
static void
scan_version(struct node *n)
{
	const char *shown = root_path(n->k3s_bin), *why = NULL;
	unsigned char *chunk = NULL;
	struct vscan s;
	struct stat st;
	off_t total = 0;
	ssize_t got;
	int fd;

	memset(&s, 0, sizeof(s));
	if ((fd = open_k3s_bin(n, O_RDONLY | O_NOCTTY | O_NONBLOCK, &st)) < 0)
		return;
	if (st.st_size > VERSION_SCAN_CAP) {
		node_err(n, "version", n->k3s_bin, 0,
		    "'%s' is larger than 256 MiB; not read for the K3s version", shown);
		goto out;
	}
	chunk = xmalloc(VERSION_CHUNK);
	while ((got = read(fd, chunk, VERSION_CHUNK)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			node_err(n, "version", n->k3s_bin, 0, "cannot read '%s': %s", shown,
			    strerror(errno));
			goto out;
		}
		/* it may grow while we read: the cap holds for what is read */
		if ((total += got) > VERSION_SCAN_CAP) {
			node_err(n, "version", n->k3s_bin, 0,
			    "'%s' is larger than 256 MiB; not read for the K3s version", shown);
			goto out;
		}
		vscan_bytes(&s, chunk, (size_t)got);
	}
	if ((n->k3s_version = vscan_finish(&s, &why)))
		n->k3s_version_from = VERSION_FROM_BYTES;
	else
		node_err(n, "version", n->k3s_bin, 0,
		    "'%s' %s: the K3s version is unknown (give --k3s-version)", shown, why);
out:
	vscan_release(&s);
	free(chunk);
	close(fd);
}

/* "k3s version v1.32.11+k3s3 (abc123)" -> "v1.32.11+k3s3", or NULL. */
static char *
parse_version(const char *out)
{
	const char *p;
	char *v;

	if (!starts_with(out, "k3s version ", &p))
		return NULL;
	v = xstrndup(p, strcspn(p, " \n"));
	if (!k3s_version_valid(v)) {
		free(v);
		return NULL;
	}
	return v;
}

/*
 * On the host ("/" as the root): run "k3s --version", only when the binary
 * and its directory are root's and closed to others.
 */
static void
run_version(struct node *n)
{
	const char *path = n->k3s_bin;
	const char *argv[] = { path, "--version", NULL };
	char *hdir = xstrdup(n->k3s_bin), *slash;
	struct buf out = BUF_INIT;
	struct stat st, dst;
	struct run_opts o = {
		.argv = argv, .out = &out, .out_cap = 65536,
		.timeout_ms = VERSION_TIMEOUT_MS,
	};
	int status = -1, fd, trusted;

	if ((fd = open_k3s_bin(n, O_PATH, &st)) < 0)
		goto out;
	close(fd);
	slash = strrchr(hdir, '/');
	if (slash)
		*(slash == hdir ? slash + 1 : slash) = '\0';
	if ((fd = gate_open(hdir, O_PATH | O_DIRECTORY)) < 0 || fstat(fd, &dst) < 0) {
		node_err(n, "version", n->k3s_bin, 0, "cannot examine '%s': %s", hdir,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	/* the binary and its directory must be root's and closed to others */
	quiet_errors++;
	trusted = file_trusted(&st, path) == 0 && file_trusted(&dst, hdir) == 0;
	quiet_errors--;
	if (!trusted) {
		node_err(n, "version", n->k3s_bin, 0, "%s; not run to read the K3s version",
		    last_error());
		goto out;
	}
	quiet_errors++;
	if (run_cmd(&o, &status) < 0) {
		quiet_errors--;
		node_err_last(n, "version", n->k3s_bin, 0);
		goto out;
	}
	quiet_errors--;
	if (status != 0) {
		node_err(n, "version", n->k3s_bin, 0, "'%s --version' exited with status %d",
		    path, status);
		goto out;
	}
	if ((n->k3s_version = parse_version(out.s)))
		n->k3s_version_from = VERSION_FROM_RUN;
	else
		node_err(n, "version", n->k3s_bin, 0,
		    "'%s --version' printed no 'k3s version vX.Y.Z+k3sN' line", path);
out:
	buf_release(&out);
	free(hdir);
}

/*
 * --k3s-version when given; else on the host "k3s --version" (trusted
 * binary only), under a node root the binary's bytes.
 */
void
node_read_version(struct node *n)
{
	n->k3s_version_from = VERSION_FROM_UNKNOWN;
	if (gopt.k3s_version && *gopt.k3s_version) {
		if (!k3s_version_valid(gopt.k3s_version)) {
			node_err(n, "version", "", 0, "--k3s-version '%s' is not a K3s version "
			    "(vX.Y.Z[-rcN]+k3sN)", gopt.k3s_version);
			return;
		}
		n->k3s_version = xstrdup(gopt.k3s_version);
		n->k3s_version_from = VERSION_FROM_OPTION;
	} else if (gate_root_is_host()) {
		run_version(n);
	} else {
		scan_version(n);
	}
}
