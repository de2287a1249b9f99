/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifests-lock.c: the signed baseline and the content store.
 *
 * The lock is text, one entry a line, names %-escaped, then one line
 * "signature ed25519 <base64>" over every byte before it:
 *
 *   k3sguard-manifests-lock 1
 *   dir /var/lib/rancher/k3s/server/manifests
 *   k3s-version v1.32.11+k3s3
 *   created 2026-11-28T10:00:00Z
 *   entries 3
 *   d 0700 0 0 0 - - .
 *   f 0600 0 0 1234 <sha256 hex> p coredns.yaml
 *   l 0777 0 0 9 - - link.yaml %2e%2e/target
 *   signature ed25519 <base64>
 *
 * MUST: nothing of a lock is used before its signature verified; a parse
 * error names the file and line; the store checks a blob's hash on every
 * read, so a tampered blob is never restored.  The lock, the key and the
 * store are node paths: read and written through the gate only; a lock
 * with more than one link is refused (its other name may be outside).
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "manifests/manifests.h"

#include <openssl/evp.h>

#define LOCK_MAGIC "k3sguard-manifests-lock 1"

const char *
sig_state_name(enum sig_state s)
{
	switch (s) {
	case SIG_OK:
		return "ok";
	case SIG_BAD:
		return "bad";
	case SIG_MISSING:
		return "missing";
	case SIG_NOKEY:
		return "no-key";
	}
	return "?";
}

static char
type_letter(mode_t m)
{
	return S_ISREG(m) ? 'f' : S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : 'o';
}

void
mlock_format(const struct mlock *l, struct buf *out)
{
	char hex[65];

	buf_addf(out, "%s\n", LOCK_MAGIC);
	buf_adds(out, "dir ");
	name_escape(out, l->dir);
	buf_addf(out, "\nk3s-version %s\n", l->k3s_version ? l->k3s_version : "-");
	buf_addf(out, "created %s\n", l->created ? l->created : "-");
	buf_addf(out, "entries %zu\n", l->tree.n);
	for (size_t i = 0; i < l->tree.n; i++) {
		const struct mentry *e = &l->tree.e[i];

		if (e->hashed)
			hex_encode(e->sha, 32, hex);
		buf_addf(out, "%c %04o %u %u %lld %s %s%s ", type_letter(e->mode),
		    (unsigned)(e->mode & 07777), (unsigned)e->uid, (unsigned)e->gid,
		    e->size, e->hashed ? hex : "-",
		    (e->flags & MF_PACKAGED) ? "p" : "",
		    (e->flags & MF_MANAGED) ? "m" : (e->flags ? "" : "-"));
		name_escape(out, e->path);
		if (S_ISLNK(e->mode)) {
			buf_addch(out, ' ');
			name_escape(out, e->target ? e->target : "");
		}
		buf_addch(out, '\n');
	}
}

static int
hex_decode32(const char *s, unsigned char out[32])
{
	for (int i = 0; i < 32; i++) {
		int v = 0;

		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + k];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= c - '0';
			else if (c >= 'a' && c <= 'f')
				v |= c - 'a' + 10;
			else
				return -1;
		}
		out[i] = (unsigned char)v;
	}
	return s[64] == '\0' ? 0 : -1;
}

/* Split line into at most max space-separated fields (in place). */
static size_t
split(char *line, char **f, size_t max)
{
	size_t n = 0;

	while (*line && n < max) {
		f[n++] = line;
		while (*line && *line != ' ')
			line++;
		if (*line)
			*line++ = '\0';
	}
	return *line ? max + 1 : n;
}

static int
parse_entry(char *line, struct mtree *t, const char *path, int lineno)
{
	char *f[9];
	size_t n = split(line, f, 9);
	struct buf name = BUF_INIT, tgt = BUF_INIT;
	struct mentry *e;
	long long mode, uid, gid, size;
	char *end;
	mode_t type;

	if (n < 8 || n > 9 || strlen(f[0]) != 1)
		return error("'%s' line %d: malformed entry", path, lineno);
	switch (f[0][0]) {
	case 'f': type = S_IFREG; break;
	case 'd': type = S_IFDIR; break;
	case 'l': type = S_IFLNK; break;
	case 'o': type = S_IFIFO; break;
	default:
		return error("'%s' line %d: unknown entry type '%s'", path, lineno, f[0]);
	}
	errno = 0;
	mode = strtoll(f[1], &end, 8);
	if (*end || errno || mode < 0 || mode > 07777 ||
	    parse_num(f[2], 0, UINT32_MAX, &uid) < 0 || parse_num(f[3], 0, UINT32_MAX, &gid) < 0 ||
	    parse_num(f[4], 0, LLONG_MAX, &size) < 0)
		return error("'%s' line %d: malformed mode, owner or size", path, lineno);
	if ((type == S_IFLNK) != (n == 9))
		return error("'%s' line %d: a symlink entry needs a target (and only it)", path, lineno);
	if (name_unescape(f[7], &name) < 0 || !(name.len && (!strcmp(name.s, ".") ||
	    manifests_name_ok(name.s))) || (n == 9 && name_unescape(f[8], &tgt) < 0)) {
		buf_release(&name);
		buf_release(&tgt);
		return error("'%s' line %d: malformed name", path, lineno);
	}
	if (t->n && strcmp(t->e[t->n - 1].path, name.s) >= 0) {
		buf_release(&name);
		buf_release(&tgt);
		return error("'%s' line %d: entries out of order or repeated", path, lineno);
	}
	e = mtree_add(t, name.s);
	buf_release(&name);
	if (n == 9)
		e->target = buf_detach(&tgt);	/* the tree owns it, also on an error below */
	e->mode = type | (mode_t)mode;
	e->uid = (uid_t)uid;
	e->gid = (gid_t)gid;
	e->size = size;
	if (strcmp(f[5], "-")) {
		if (type != S_IFREG || hex_decode32(f[5], e->sha) < 0)
			return error("'%s' line %d: malformed sha256", path, lineno);
		e->hashed = 1;
	} else if (type == S_IFREG) {
		return error("'%s' line %d: a regular file needs its sha256", path, lineno);
	}
	for (const char *p = f[6]; *p; p++) {
		if (*p == 'p')
			e->flags |= MF_PACKAGED;
		else if (*p == 'm')
			e->flags |= MF_MANAGED;
		else if (*p != '-')
			return error("'%s' line %d: unknown flag '%c'", path, lineno, *p);
	}
	return 0;
}

static int
parse_body(char *text, const char *path, struct mlock *l)
{
	char *line = text, *next;
	int lineno = 0;
	long long want = -1;
	const char *rest;

	memset(l, 0, sizeof(*l));
	for (; *line; line = next) {
		next = strchr(line, '\n');
		if (!next)
			return error("'%s' line %d: missing newline", path, lineno + 1);
		*next++ = '\0';
		lineno++;
		if (lineno == 1) {
			if (strcmp(line, LOCK_MAGIC))
				return error("'%s' is not a k3sguard manifests lock (version 1)", path);
		} else if (starts_with(line, "dir ", &rest)) {
			struct buf b = BUF_INIT;

			if (l->dir || name_unescape(rest, &b) < 0) {
				buf_release(&b);
				return error("'%s' line %d: malformed dir", path, lineno);
			}
			l->dir = buf_detach(&b);
		} else if (starts_with(line, "k3s-version ", &rest)) {
			free(l->k3s_version);
			l->k3s_version = strcmp(rest, "-") ? xstrdup(rest) : NULL;
		} else if (starts_with(line, "created ", &rest)) {
			free(l->created);
			l->created = xstrdup(rest);
		} else if (starts_with(line, "entries ", &rest)) {
			if (parse_num(rest, 0, MANIFESTS_MAX_ENTRIES, &want) < 0)
				return error("'%s' line %d: malformed entry count", path, lineno);
		} else if (want >= 0) {
			if (parse_entry(line, &l->tree, path, lineno) < 0)
				return -1;
		} else {
			return error("'%s' line %d: unexpected line", path, lineno);
		}
	}
	if (!l->dir || want < 0 || (size_t)want != l->tree.n)
		return error("'%s': header incomplete or entry count does not match", path);
	return 0;
}

void
mlock_free(struct mlock *l)
{
	free(l->dir);
	free(l->k3s_version);
	free(l->created);
	mtree_free(&l->tree);
	memset(l, 0, sizeof(*l));
}

int
mlock_parse(char *text, size_t len, const char *what, struct mkey *key, struct mlock *l,
    enum sig_state *sig)
{
	char *sigline = NULL, *end;
	size_t body_len;
	int v;

	memset(l, 0, sizeof(*l));
	*sig = SIG_MISSING;
	/* the signature is the last line; everything before it is signed */
	if (len && text[len - 1] == '\n') {
		char *p = text + len - 1;

		while (p > text && p[-1] != '\n')
			p--;
		if (starts_with(p, "signature ", NULL))
			sigline = p;
	}
	if (!sigline)
		return 0;
	body_len = (size_t)(sigline - text);
	if (!starts_with(sigline, "signature ed25519 ", (const char **)&end)) {
		*sig = SIG_BAD;
		return 0;
	}
	end[strcspn(end, "\n")] = '\0';
	v = mkey_verify(key, text, body_len, end);
	if (v < 0)
		return -1;
	if (v > 0) {
		*sig = SIG_BAD;
		return 0;
	}
	*sig = SIG_OK;
	text[body_len] = '\0';
	if (memchr(text, '\0', body_len))
		return error("'%s' contains a NUL byte", what);
	if (parse_body(text, what, l) < 0) {
		mlock_free(l);
		return -1;
	}
	return 0;
}

int
mlock_read(const char *path, const char *keypath, struct mlock *l, enum sig_state *sig)
{
	struct buf text = BUF_INIT;
	struct mkey key = MKEY_INIT(keypath);
	struct stat st;
	char *shown = NULL;
	int ret = -1;

	memset(l, 0, sizeof(*l));
	*sig = SIG_MISSING;
	if (gate_read(path, 512u << 20, &text, &st) < 0)
		return -1;
	shown = xstrdup(root_path(path));
	if (file_trusted(&st, shown) < 0)
		goto out;
	if (st.st_nlink != 1) {
		error("'%s' has %ju hard links; another name of it may be outside the node (refused)",
		    shown, (uintmax_t)st.st_nlink);
		goto out;
	}
	ret = mlock_parse(text.s, text.len, shown, &key, l, sig);
out:
	mkey_release(&key);
	free(shown);
	buf_release(&text);
	return ret;
}

int
mlock_write(const char *path, const char *keypath, int create, const struct mlock *l)
{
	struct buf text = BUF_INIT, sig = BUF_INIT;
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int ret = -1;

	if (slash && slash != dir) {
		*slash = '\0';
		if (gate_mkdir_p(dir, 0700) < 0)
			goto out;
	}
	mlock_format(l, &text);
	if (mkey_sign(keypath, create, text.s, text.len, &sig) < 0)
		goto out;
	buf_addf(&text, "signature ed25519 %s\n", sig.s);
	ret = gate_write_atomic(path, text.s, text.len, 0600);
out:
	free(dir);
	buf_release(&text);
	buf_release(&sig);
	return ret;
}

static void
blob_path(struct buf *out, const char *store, const unsigned char sha[32])
{
	char hex[65];

	hex_encode(sha, 32, hex);
	buf_addf(out, "%s/%.2s/%s", store, hex, hex + 2);
}

int
mstore_get(const char *store, const unsigned char sha[32], struct buf *out)
{
	struct buf p = BUF_INIT;
	unsigned char got[32];
	unsigned int len = 0;
	int ret = -1;

	blob_path(&p, store, sha);
	buf_reset(out);
	if (gate_read(p.s, MANIFESTS_FILE_MAX, out, NULL) < 0)
		goto out;
	if (!EVP_Digest(out->s, out->len, got, &len, EVP_sha256(), NULL) || len != 32 ||
	    memcmp(got, sha, 32)) {
		error("stored copy '%s' does not match its sha256 (tampered store)", root_path(p.s));
		buf_reset(out);
		goto out;
	}
	ret = 0;
out:
	buf_release(&p);
	return ret;
}

int
mstore_put(const char *store, const unsigned char sha[32], const void *data, size_t len)
{
	struct buf p = BUF_INIT, old = BUF_INIT;
	int ret = 0, q = quiet_errors;
	char *slash;

	quiet_errors++;
	if (mstore_get(store, sha, &old) == 0) {
		quiet_errors = q;
		goto out;	/* present and intact */
	}
	quiet_errors = q;
	blob_path(&p, store, sha);
	slash = strrchr(p.s, '/');
	*slash = '\0';
	ret = gate_mkdir_p(p.s, 0700);
	*slash = '/';
	if (ret == 0)
		ret = gate_write_atomic(p.s, data, len, 0600);
out:
	buf_release(&p);
	buf_release(&old);
	return ret;
}

int
mstore_fill(const char *store, int dirfd, const struct mtree *t)
{
	struct buf data = BUF_INIT;
	int ret = 0;

	for (size_t i = 0; i < t->n && ret == 0; i++) {
		const struct mentry *e = &t->e[i];
		unsigned char got[32];
		unsigned int len = 0;
		struct stat st;
		int fd;

		if (!S_ISREG(e->mode) || !e->hashed)
			continue;
		fd = mt_open(dirfd, e->path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
		if (fd < 0) {
			ret = error_errno("cannot open '%s'", e->path);
			break;
		}
		buf_reset(&data);
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
		    fd_read_all(fd, e->path, MANIFESTS_FILE_MAX, &data) < 0) {
			close(fd);
			ret = error("cannot read '%s' for the content store", e->path);
			break;
		}
		close(fd);
		if (!EVP_Digest(data.s, data.len, got, &len, EVP_sha256(), NULL) ||
		    memcmp(got, e->sha, 32)) {
			ret = error("'%s' changed while it was being locked; lock again", e->path);
			break;
		}
		ret = mstore_put(store, e->sha, data.s, data.len);
	}
	buf_release(&data);
	return ret;
}
