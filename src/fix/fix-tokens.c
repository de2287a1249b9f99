/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fix-tokens.c: see fix-tokens.h.
 *
 * Invariants:
 *  - a token is moved only when the store then holds it: the file is
 *    rewritten after store_put() succeeded (or found the same fingerprint);
 *  - a store whose current version is a different token is never
 *    overwritten from a file (the file may be stale after a rotation): that
 *    token is reported and left in place;
 *  - order: tokens into the store, then the drop-in, then the files, so a
 *    crash at any point leaves K3s able to start;
 *  - a rewrite removes only the assignment, flag or key that held the
 *    token (whole lines when nothing else is on them), keeps every other
 *    byte and the file's mode, and is atomic (gate_atomic_*), of the very
 *    file that was read (same inode), never of a file with more than one
 *    link (read neither); the original is kept encrypted in the store;
 *  - every file is reached through the gate (core/gate.h);
 *  - file contents live in secret memory (secret_read_fd) and are wiped;
 *    output shows values only through token_describe().
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "token/agent.h"
#include "fix/fix.h"
#include "fix/fix-tokens.h"
#include "node/node.h"
#include "scan/scan.h"
#include "core/secret.h"
#include "store/store.h"
#include "token/token.h"

#define BACKUP_PREFIX	"fix-backup."
#define DROPIN_BASENAME	AGENT_DROPIN_NAME

struct span {
	size_t start, end;
};

struct ffile {
	char *host;
	mode_t mode;
	dev_t dev;		/* the file read, and the only one rewritten */
	ino_t ino;
	struct buf data;	/* secret memory */
	struct scan_hits hits;
	struct span *sp;
	size_t nsp;
};

struct mig {
	const struct node *n;
	int dry_run;
	json_t *actions;
	size_t changes;
	int errors;
	int have_server, have_agent;	/* the store holds (or will hold) it */
	struct { const char *name; char fp[13]; } *planned;	/* --dry-run: "stored" so far */
	size_t nplanned;
};

static void
act(struct mig *m, const char *action, const char *path, const char *from, const char *to,
    int changed)
{
	json_t *a;

	if (changed)
		m->changes++;
	if (!m->actions) {
		printf("%s%s %s: %s -> %s\n", m->dry_run && changed ? "would " : "", action,
		    path, from, to);
		return;
	}
	a = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "check", "agent-token.plaintext",
	    "action", action, "path", path, "from", from, "to", to,
	    "done", changed && !m->dry_run);
	if (!a)
		fatal("out of memory");
	json_array_append_new(m->actions, a);
}

/* ---- where a token sits, and what to cut ------------------------------- */

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int
is_keych(int c)
{
	return isalnum(c) || c == '_' || c == '-';
}

static size_t
line_start(const char *d, size_t p)
{
	while (p > 0 && d[p - 1] != '\n')
		p--;
	return p;
}

/* index of the '\n' ending p's line, or len */
static size_t
line_end(const char *d, size_t len, size_t p)
{
	const char *nl = memchr(d + p, '\n', len - p);

	return nl ? (size_t)(nl - d) : len;
}

/* [s, e) holds only blanks (and a '\r'), optionally one of the words */
static int
only(const char *d, size_t s, size_t e, const char *const *words)
{
	while (s < e && (is_blank(d[s]) || d[s] == '\r'))
		s++;
	while (e > s && (is_blank(d[e - 1]) || d[e - 1] == '\r'))
		e--;
	if (s == e)
		return 1;
	for (; words && *words; words++)
		if (strlen(*words) == e - s && !memcmp(d + s, *words, e - s))
			return 1;
	return 0;
}

static const char *const prefix_words[] = {
	"export", "Environment=", "Environment=\"", "Environment='", "ENV", NULL
};
static const char *const suffix_words[] = { "\"", "'", "\\", NULL };

/* After a value: nothing, a closing quote, a continuation or a comment. */
static int
tail_ok(const char *d, size_t s, size_t e)
{
	size_t p = s;

	while (p < e && is_blank(d[p]))
		p++;
	return only(d, s, e, suffix_words) || (p < e && d[p] == '#');
}

/* The whole line(s) [ls, le], with its newline. */
static void
whole_lines(const char *d, size_t len, size_t ls, size_t le, struct span *s)
{
	s->start = ls;
	s->end = le < len ? le + 1 : le;
}

static int
token_flag_word(const char *d, size_t s, size_t e)
{
	static const char *const flags[] = { "--token", "-t", "--agent-token", "--new-token" };

	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (strlen(flags[i]) == e - s && !memcmp(d + s, flags[i], e - s))
			return 1;
	return 0;
}

/*
 * What to cut to remove the hit h from d: the span, and where its key or
 * flag starts (*key).  -1 when it cannot be cut out safely by rule.
 */
static int
edit_span(const char *d, size_t len, const struct scan_hit *h, struct span *s, size_t *key)
{
	size_t vs = h->off, ve = h->off + h->len, a, ls, le, e;
	char q = 0;

	if (vs > 0 && (d[vs - 1] == '"' || d[vs - 1] == '\'') && ve < len && d[ve] == d[vs - 1]) {
		vs--;
		ve++;
	}
	ls = line_start(d, vs);
	le = line_end(d, len, ve);
	a = vs;
	switch (h->rule) {
	case SCAN_ENV:
	case SCAN_CONFIG:
		while (a > ls && is_blank(d[a - 1]))
			a--;
		if (a > ls && (d[a - 1] == '=' || d[a - 1] == ':'))
			a--;
		while (a > ls && is_blank(d[a - 1]))
			a--;
		if (a > ls && (d[a - 1] == '"' || d[a - 1] == '\''))
			q = d[--a];
		e = a;
		while (a > ls && is_keych((unsigned char)d[a - 1]))
			a--;
		if (a == e)
			return -1;
		if (q && a > ls && d[a - 1] == q)
			a--;
		*key = a;
		if (only(d, ls, a, prefix_words) && tail_ok(d, ve, le)) {
			whole_lines(d, len, ls, le, s);
			return 0;
		}
		if (h->rule == SCAN_CONFIG)
			return -1;
		/* one assignment among others ("K3S_TOKEN=x" quoted as one word
		 * included): cut it and the blank before it */
		if (a > ls && (d[a - 1] == '"' || d[a - 1] == '\'') && ve < le && d[ve] == d[a - 1]) {
			a--;
			ve++;
		}
		while (a > ls && is_blank(d[a - 1]))
			a--;
		s->start = a;
		s->end = ve;
		return 0;
	case SCAN_FLAG:
		if (a > ls && d[a - 1] == '=') {
			a--;
		} else {
			size_t b = a;

			while (b > 0 && is_blank(d[b - 1]))
				b--;
			if (b > 0 && d[b - 1] == '\n') {
				/* the value opens a continuation line: "'--token' \" above */
				size_t fl, fle;

				b--;
				if (b > 0 && d[b - 1] == '\r')
					b--;
				while (b > 0 && is_blank(d[b - 1]))
					b--;
				if (b == 0 || d[b - 1] != '\\')
					return -1;
				b--;
				while (b > 0 && is_blank(d[b - 1]))
					b--;
				if (b > 0 && (d[b - 1] == '"' || d[b - 1] == '\''))
					q = d[--b];
				e = b;
				while (b > 0 && is_keych((unsigned char)d[b - 1]))
					b--;
				if (!token_flag_word(d, b, e))
					return -1;
				if (q && b > 0 && d[b - 1] == q)
					b--;
				fl = line_start(d, b);
				fle = line_end(d, len, b);
				/* both lines must hold nothing else */
				if (!only(d, fl, b, NULL) || !only(d, ls, vs, NULL) ||
				    !only(d, ve, le, suffix_words))
					return -1;
				(void)fle;
				*key = b;
				whole_lines(d, len, fl, le, s);
				return 0;
			}
			if (b == a || b <= ls)
				return -1;
			a = b;
		}
		if (a > ls && (d[a - 1] == '"' || d[a - 1] == '\''))
			q = d[--a];
		e = a;
		while (a > ls && is_keych((unsigned char)d[a - 1]))
			a--;
		if (!token_flag_word(d, a, e))
			return -1;
		if (q && a > ls && d[a - 1] == q)
			a--;
		*key = a;
		if (only(d, ls, a, NULL) && tail_ok(d, ve, le)) {
			whole_lines(d, len, ls, le, s);
			return 0;
		}
		while (a > ls && is_blank(d[a - 1]))
			a--;
		s->start = a;
		s->end = ve;
		return 0;
	default:
		return -1;
	}
}

/* ---- the store --------------------------------------------------------- */

/* server-token for a server's token/K3S_TOKEN, else agent-token */
static const char *
secret_for(const struct node *n, const char *d, size_t key, size_t value)
{
	for (size_t i = key; i + 5 <= value; i++)
		if (!strncasecmp(d + i, "agent", 5))
			return "agent-token";
	return n->role == ROLE_SERVER ? "server-token" : "agent-token";
}

/*
 * Put the token v into name unless the store has it already (same
 * fingerprint).  -1 when the store holds a different current token.
 */
/*
 * K3s's own server/token when it holds the password with fingerprint fp:
 * the same token in secure form (with the CA pin), into out (secret memory).
 */
static int
secure_server_token(const struct node *n, const char *fp, struct buf *out)
{
	struct token_info t;
	struct stat st;
	int fd, rc = -1;

	fd = gate_open(node_data_path(n, "server/token"), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -1;
	/* a hard link may be a file outside the node: not used */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
	    secret_read_fd(fd, "server/token", TOKEN_MAX, out) == 0) {
		buf_trim(out);
		if (token_parse(out->s, out->len, &t) == 0 && t.form == TOKEN_SECURE &&
		    !strcmp(t.fingerprint, fp))
			rc = 0;
		explicit_bzero(&t, sizeof(t));
	}
	close(fd);
	if (rc < 0)
		buf_wipe(out);
	return rc;
}

static int
put_token(struct mig *m, const char *name, const char *v, size_t len, const char *where,
    const char *desc)
{
	struct store_meta meta;
	struct buf val = BUF_INIT, cur = BUF_INIT, sec = BUF_INIT;
	char fp[13], to[160], note[STORE_NOTE_MAX];
	const char *pinned = "";
	unsigned ver = 0;
	int rc;

	store_fingerprint(v, len, fp);
	if (!strcmp(name, "server-token") && m->n->role == ROLE_SERVER &&
	    secure_server_token(m->n, fp, &sec) == 0) {
		/* the same password in K3s's own server/token, with the CA pin */
		v = sec.s;
		len = sec.len;
		pinned = " (secure form, from server/token)";
	}
	rc = store_find_fingerprint(name, fp, &meta);
	for (size_t i = 0; rc == 1 && i < m->nplanned; i++)
		if (!strcmp(m->planned[i].name, name) && !strcmp(m->planned[i].fp, fp))
			rc = 0;
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		snprintf(to, sizeof(to), "already in secret '%s'", name);
		act(m, "keep", where, desc, to, 0);
		goto ok;
	}
	secret_buf_reserve(&cur, STORE_VALUE_MAX + 2);
	rc = store_get(name, 0, &cur, &meta);
	buf_wipe(&cur);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		error("'%s': %s differs from the current '%s' in the secret store "
		    "(fingerprint %s); left in place: find out which one K3s uses",
		    where, desc, name, meta.fingerprint);
		goto fail;
	}
	snprintf(to, sizeof(to), "secret '%s'%s", name, pinned);
	if (m->dry_run) {
		m->planned = xrealloc(m->planned, (m->nplanned + 1) * sizeof(*m->planned));
		m->planned[m->nplanned].name = name;
		memcpy(m->planned[m->nplanned++].fp, fp, sizeof(fp));
		act(m, "store", where, desc, to, 1);
		goto ok;
	}
	snprintf(note, sizeof(note), "moved by k3sguard fix from %.200s", where);
	secret_buf_reserve(&val, len + 1);
	buf_add(&val, v, len);
	rc = store_put(name, val.s, val.len, STORE_CURRENT, note, &ver);
	(void)ver;
	buf_wipe(&val);
	if (rc < 0)
		goto fail;
	act(m, "store", where, desc, to, 1);
ok:
	if (!strcmp(name, "server-token"))
		m->have_server = 1;
	else
		m->have_agent = 1;
	buf_wipe(&sec);
	return 0;
fail:
	buf_wipe(&sec);
	return -1;
}

/* fix-backup.<path with '/' as '_'>, cut to a valid secret name */
static void
backup_name(const char *host, char out[STORE_NAME_MAX + 1])
{
	char h[65];
	size_t k = 0, max = STORE_NAME_MAX - 9;	/* room for ".<8 hex>" */

	while (*host == '/')
		host++;
	k = (size_t)snprintf(out, STORE_NAME_MAX + 1, "%s", BACKUP_PREFIX);
	for (const char *p = host; *p && k < STORE_NAME_MAX; p++)
		out[k++] = (isalnum((unsigned char)*p) || *p == '.' || *p == '-') ? *p : '_';
	out[k] = '\0';
	if (strlen(BACKUP_PREFIX) + strlen(host) > STORE_NAME_MAX) {
		sha256_hex(host, strlen(host), h);
		snprintf(out + max, STORE_NAME_MAX + 1 - max, ".%.8s", h);
	}
}

/* ---- the diff ---------------------------------------------------------- */

static int
in_spans(const struct ffile *f, size_t p)
{
	for (size_t i = 0; i < f->nsp; i++)
		if (p >= f->sp[i].start && p < f->sp[i].end)
			return 1;
	return 0;
}

/* [x, y) of f, each line prefixed with c; dropped spans cut when cut; hits redacted */
static void
emit(struct buf *o, const struct ffile *f, size_t x, size_t y, char c, int cut)
{
	const char *d = f->data.s;
	int bol = 1;

	for (size_t p = x; p < y;) {
		const struct scan_hit *h = NULL;

		if (cut && in_spans(f, p)) {
			p++;
			continue;
		}
		for (size_t i = 0; i < f->hits.n; i++)
			if (f->hits.v[i].off == p)
				h = &f->hits.v[i];
		if (bol) {
			buf_addch(o, c);
			bol = 0;
		}
		if (h) {
			buf_addf(o, "<%s>", h->desc);
			p += h->len;
			continue;
		}
		if (d[p] == '\n')
			bol = 1;
		buf_addch(o, d[p] == '\n' || isprint((unsigned char)d[p]) || d[p] == '\t' ? d[p] : '?');
		p++;
	}
	if (!bol)
		buf_addch(o, '\n');
}

static void
diff(struct buf *o, const struct ffile *f)
{
	const char *d = f->data.s;
	size_t len = f->data.len;

	buf_addf(o, "--- %s\n+++ %s (k3sguard fix)\n", f->host, f->host);
	for (size_t i = 0; i < f->nsp;) {
		size_t x = line_start(d, f->sp[i].start), y = f->sp[i].end, lineno = 1;

		/* one hunk: every span whose lines touch */
		for (; i < f->nsp && line_start(d, f->sp[i].start) <= y; i++)
			if (f->sp[i].end > y)
				y = f->sp[i].end;
		if (y > 0 && d[y - 1] != '\n')
			y = line_end(d, len, y) < len ? line_end(d, len, y) + 1 : len;
		for (size_t p = 0; p < x; p++)
			lineno += d[p] == '\n';
		buf_addf(o, "@@ line %zu @@\n", lineno);
		emit(o, f, x, y, '-', 0);
		emit(o, f, x, y, '+', 1);
	}
}

/* ---- one file ---------------------------------------------------------- */

static int
span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static size_t
line_of(const char *d, size_t off)
{
	size_t n = 1;

	for (size_t i = 0; i < off; i++)
		n += d[i] == '\n';
	return n;
}

/* Read, find, store: fills f->sp.  0, or -1 when a token was left. */
static int
collect(struct mig *m, struct ffile *f)
{
	struct stat st;
	int fd, rc = 0;

	fd = gate_open(f->host, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return error_errno("cannot open '%s'", f->host);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error("'%s' is not a regular file", f->host);
	}
	if (node_one_link(&st, f->host) < 0) {
		/* its other name may be outside the node: not read, not moved */
		close(fd);
		return -1;
	}
	f->mode = st.st_mode & 07777;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	rc = secret_read_fd(fd, f->host, CONFIG_MAX, &f->data);
	close(fd);
	if (rc < 0)
		return -1;
	scan_buffer(f->data.s, f->data.len, 1, &f->hits);
	for (size_t i = 0; i < f->hits.n; i++) {
		const struct scan_hit *h = &f->hits.v[i];
		struct span s;
		size_t key = h->off;
		char where[PATH_MAX + 32];

		if (h->rule == SCAN_DATASTORE)
			continue;	/* a password, not a token: audit reports it */
		snprintf(where, sizeof(where), "%s:%zu", f->host, line_of(f->data.s, h->off));
		if (edit_span(f->data.s, f->data.len, h, &s, &key) < 0) {
			error("'%s': %s not removed: this place (%s) is not edited automatically",
			    where, h->desc, scan_rules[h->rule].id);
			rc = -1;
			continue;
		}
		if (put_token(m, secret_for(m->n, f->data.s, key, h->off),
		    f->data.s + h->off, h->len, where, h->desc) < 0) {
			rc = -1;
			continue;
		}
		f->sp = xrealloc(f->sp, (f->nsp + 1) * sizeof(*f->sp));
		f->sp[f->nsp++] = s;
	}
	if (f->nsp > 1) {
		size_t j = 0;

		qsort(f->sp, f->nsp, sizeof(*f->sp), span_cmp);
		for (size_t i = 1; i < f->nsp; i++) {
			if (f->sp[i].start <= f->sp[j].end) {
				if (f->sp[i].end > f->sp[j].end)
					f->sp[j].end = f->sp[i].end;
			} else {
				f->sp[++j] = f->sp[i];
			}
		}
		f->nsp = j + 1;
	}
	return rc;
}

/* Replace f with out, when its name still holds the file collect() read. */
static int
replace_same(const struct ffile *f, const struct buf *out)
{
	struct gate_atomic a;
	struct stat st;

	if (gate_atomic_begin(&a, f->host, f->mode) < 0)
		return -1;
	if (gate_statat(a.dirfd, a.base, &st) < 0 || st.st_dev != f->dev ||
	    st.st_ino != f->ino) {
		gate_atomic_abort(&a);
		return error("'%s' changed while k3sguard was looking at it; not rewritten",
		    f->host);
	}
	if (write_all(a.fd, out->s, out->len) < 0) {
		error_errno("cannot write '%s'", f->host);
		gate_atomic_abort(&a);
		return -1;
	}
	return gate_atomic_commit(&a);
}

/* Back the original up into the store, then rewrite without the spans. */
static int
rewrite(struct mig *m, struct ffile *f)
{
	struct buf out = BUF_INIT, shown = BUF_INIT;
	char bname[STORE_NAME_MAX + 1], to[STORE_NAME_MAX + 64];
	unsigned ver = 0;
	size_t at = 0;
	int rc = -1;

	diff(&shown, f);
	backup_name(f->host, bname);
	snprintf(to, sizeof(to), "removed, original kept in secret '%s'", bname);
	if (m->dry_run) {
		if (!m->actions)
			fputs(shown.s, stdout);
		act(m, "rewrite", f->host, "plain-text token", to, 1);
		buf_release(&shown);
		return 0;
	}
	if (f->data.len > STORE_VALUE_MAX) {
		error("'%s' is too large to back up in the secret store; not rewritten", f->host);
		goto out;
	}
	if (store_put(bname, f->data.s, f->data.len, STORE_CURRENT,
	    "original before k3sguard fix removed its tokens", &ver) < 0)
		goto out;
	secret_buf_reserve(&out, f->data.len + 1);
	for (size_t i = 0; i < f->nsp; i++) {
		buf_add(&out, f->data.s + at, f->sp[i].start - at);
		at = f->sp[i].end;
	}
	buf_add(&out, f->data.s + at, f->data.len - at);
	if (replace_same(f, &out) < 0)
		goto out;
	if (!m->actions)
		fputs(shown.s, stdout);
	act(m, "rewrite", f->host, "plain-text token", to, 1);
	rc = 0;
out:
	buf_wipe(&out);
	buf_release(&shown);
	return rc;
}

/* ---- all of it --------------------------------------------------------- */

static void
add_file(struct ffile **fs, size_t *n, const char *host)
{
	if (!host || !*host || ends_with(host, "/" DROPIN_BASENAME))
		return;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*fs)[i].host, host))
			return;
	*fs = xrealloc(*fs, (*n + 1) * sizeof(**fs));
	memset(&(*fs)[*n], 0, sizeof(**fs));
	(*fs)[*n].host = xstrdup(host);
	buf_init(&(*fs)[*n].data);
	(*n)++;
}

int
fix_tokens(const struct node *n, const char *bin, int dry_run, json_t *actions, size_t *changes)
{
	static const struct node *done;	/* once per node model: fix runs a rule per check */
	struct mig m = { n, dry_run, actions, 0, 0, 0, 0, NULL, 0 };
	struct ffile *fs = NULL;
	size_t nf = 0, edits = 0;
	int changed = 0;

	*changes = 0;
	if (done == n)
		return 0;
	done = n;
	/* in K3s's precedence, highest first: the value K3s uses is stored
	 * first, and a different one below it is reported, not stored */
	for (size_t i = 0; i < n->nunits; i++) {
		for (size_t j = n->units[i].ndropins; j > 0; j--)
			add_file(&fs, &nf, n->units[i].dropins[j - 1]);
		add_file(&fs, &nf, n->units[i].path);
	}
	for (size_t i = n->nconfig_files; i > 0; i--)
		add_file(&fs, &nf, n->config_files[i - 1]);
	for (size_t i = 0; i < n->nenvfiles; i++)
		if (n->envfiles[i].exists)
			add_file(&fs, &nf, n->envfiles[i].path);

	/* 1: every token into the store */
	for (size_t i = 0; i < nf; i++) {
		if (collect(&m, &fs[i]) < 0)
			m.errors++;
		edits += fs[i].nsp;
	}
	/* 2: K3s gets its token from the store from its next start on */
	if (edits && m.errors) {
		error("tokens left in the files: fix the errors above first");
		edits = 0;
	}
	if (edits) {
		int need_server = n->role == ROLE_SERVER;

		if (need_server ? m.have_server : m.have_agent) {
			struct buf msg = BUF_INIT;

			if (agent_install_dropin(n, NULL, bin, dry_run, &changed,
			    actions ? &msg : NULL) < 0) {
				/* without the drop-in K3s would lose its token */
				error("tokens left in the files: K3s could not be set up to get "
				    "them from the store");
				m.errors++;
				edits = 0;
			} else if (actions) {
				buf_trim(&msg);
				act(&m, "drop-in", "K3s unit", "ExecStart= with the token",
				    msg.s, changed);
			} else if (changed) {
				m.changes++;
			}
			buf_release(&msg);
		} else {
			error("tokens left in the files: no '%s' in the secret store for the "
			    "drop-in (for a server: 'k3sguard token store')",
			    need_server ? "server-token" : "agent-token");
			m.errors++;
			edits = 0;
		}
	}
	/* 3: and out of the files */
	for (size_t i = 0; edits && i < nf; i++)
		if (fs[i].nsp && rewrite(&m, &fs[i]) < 0)
			m.errors++;
	for (size_t i = 0; i < nf; i++) {
		free(fs[i].host);
		buf_wipe(&fs[i].data);
		scan_hits_release(&fs[i].hits);
		free(fs[i].sp);
	}
	free(fs);
	free(m.planned);
	*changes = m.changes;
	return m.errors ? -1 : 0;
}

int
fix_tokens_rule(struct fix_ctx *ctx, const struct check *c)
{
	size_t n = 0;
	int rc = fix_tokens(ctx->node, ctx->bin, ctx->dry_run, ctx->json ? ctx->actions : NULL, &n);

	(void)c;
	ctx->changes += n;
	return rc;
}
