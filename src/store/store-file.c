/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-file.c: the file backend of the secret store.
 *
 * One file per secret, STORE_DIR/NAME.sec, mode 0600, replaced atomically:
 *
 *   "K3GS" 0x02        magic and format version (0x01: no write generation)
 *   0x01               algorithm: AES-256-GCM
 *   u8 namelen, name   the secret's name
 *   u32 generation     the highest version number in the file
 *   u64 written        the write generation: 1 for the first write of the
 *                      name, one more for every write after (not in 0x01)
 *   12 bytes           random nonce, new for every write
 *   ciphertext         of the records below
 *   16 bytes           GCM tag
 *
 * Everything before the ciphertext (name and generations included) is the
 * associated data, so a file renamed to another secret, rolled to another
 * generation, truncated or changed in any byte fails to open.  Integers are
 * big-endian.  Plaintext, in locked memory only:
 *
 *   u32 count, then per version: u32 version, u8 state, i64 created,
 *   12 bytes fingerprint, u16 notelen, note, u32 vallen, value
 *
 * Rollback: STORE_DIR/NAME.gen (GEN_MAGIC, nonce, AES-256-GCM of the u64
 * write generation, tag; magic, name and nonce are its associated data)
 * records the last write generation of NAME, and stays when the secret is
 * removed.  A .sec file whose generation is lower than the record is an
 * older copy put back: an error, never data.  The .sec file is written
 * before the record, so a crash in between leaves a file one generation
 * ahead, which is accepted (only the key can make one).  Putting back an
 * old .sec and its old .gen together is not detected: that needs storage
 * an attacker of the disk cannot roll back (a TPM counter).
 *
 * Invariants: the master key and plaintext live in secret_alloc() memory;
 * a file that fails to decrypt is an error naming the file, never data; the
 * master key file MUST be a regular file, not a symlink, owned by root (or
 * us), with no group/other bits, and is created O_EXCL (temp + link).
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "core/secret.h"
#include "store/store-backend.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#define MAGIC		"K3GS\x02"
#define MAGIC_V1	"K3GS\x01"
#define MAGIC_LEN	5
#define GEN_MAGIC	"K3GG\x01"
#define GEN_SUFFIX	".gen"
#define ALG_AES256GCM	1
#define KEY_LEN		32
#define NONCE_LEN	12
#define TAG_LEN		16
#define FILE_MAX	(4u * 1024 * 1024)

const char *
sfile_path(const char *name, const char *suffix)
{
	static struct buf host;

	buf_reset(&host);
	buf_addf(&host, "%s/%s%s", STORE_DIR, name, suffix);
	return host.s;
}

/* ---- the master key ---- */

static int
key_decode(struct buf *raw, const char *path, unsigned char *key)
{
	size_t n = raw->len;

	while (n && (raw->s[n - 1] == '\n' || raw->s[n - 1] == '\r'))
		n--;
	if (raw->len == KEY_LEN) {
		memcpy(key, raw->s, KEY_LEN);
		return 0;
	}
	if (n == 2 * KEY_LEN) {
		for (size_t i = 0; i < KEY_LEN; i++) {
			int hi = raw->s[2 * i], lo = raw->s[2 * i + 1];

			if (!isxdigit(hi) || !isxdigit(lo))
				goto bad;
			hi = isdigit(hi) ? hi - '0' : (tolower(hi) - 'a' + 10);
			lo = isdigit(lo) ? lo - '0' : (tolower(lo) - 'a' + 10);
			key[i] = (unsigned char)(hi << 4 | lo);
		}
		return 0;
	}
bad:
	return error("'%s': a master key is 32 bytes (or 64 hex digits), found %zu bytes",
	    path, raw->len);
}

/* The checks of a key file read into raw (st its fstat); shown names it. */
static int
key_check(struct buf *raw, const struct stat *st, const char *shown, unsigned char *key)
{
	char m[8];

	if (file_trusted(st, shown) < 0)
		return -1;
	if (st->st_mode & 077)
		return error("'%s' is readable by group or others (mode %s); it must be 0400",
		    shown, mode_str(st->st_mode, m));
	return key_decode(raw, shown, key);
}

/* node: STORE_MASTER_KEY through the gate; else a local path (systemd credential) */
static int
key_read(const char *path, int node, unsigned char *key)
{
	struct buf raw = BUF_INIT;
	struct stat st;
	int ret = -1;

	secret_buf_reserve(&raw, 256);
	if ((node ? store_read_node(path, 255, &raw, &st) : file_read(path, 255, &raw, &st)) == 0)
		ret = key_check(&raw, &st, node ? root_path(path) : path, key);
	buf_wipe(&raw);
	return ret;
}

/*
 * A new key at STORE_MASTER_KEY: written to a temp file beside it, then
 * linked (link is the O_EXCL of a complete file: it never replaces one),
 * all in the directory fd the gate resolved.
 */
static int
key_create(unsigned char *key)
{
	const char *shown = root_path(STORE_MASTER_KEY), *base;
	static const char tmp[] = "master.key.k3sguard-new";
	char *dir = xstrdup(STORE_MASTER_KEY), *slash = strrchr(dir, '/');
	int dfd = -1, fd, ret = -1;

	*slash = '\0';
	if (gate_mkdir_p(dir, 0700) < 0)
		goto out;
	if ((dfd = gate_open_parent(STORE_MASTER_KEY, &base)) < 0) {
		error_errno("cannot open the directory of '%s'", shown);
		goto out;
	}
	if (RAND_bytes(key, KEY_LEN) != 1) {
		error("cannot get random bytes for the master key");
		goto out;
	}
	gate_unlinkat(dfd, tmp, 0);	/* a leftover of a crash: never linked, never used */
	fd = gate_openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL);
	if (fd < 0) {
		error_errno("cannot create a temp file beside '%s'", shown);
		goto out;
	}
	if (fchmod(fd, 0400) < 0 || write_all(fd, key, KEY_LEN) < 0 || fsync(fd) < 0) {
		error_errno("cannot write a temp file beside '%s'", shown);
		close(fd);
		gate_unlinkat(dfd, tmp, 0);
		goto out;
	}
	close(fd);
	if (gate_linkat(dfd, tmp, dfd, base) < 0) {
		int e = errno;

		gate_unlinkat(dfd, tmp, 0);
		if (e == EEXIST) {
			/* someone else was first */
			ret = key_read(STORE_MASTER_KEY, 1, key);
			goto out;
		}
		errno = e;
		error_errno("cannot create '%s'", shown);
		goto out;
	}
	gate_unlinkat(dfd, tmp, 0);
	if (fsync(dfd) < 0) {
		error_errno("cannot sync the directory of '%s'", shown);
		goto out;
	}
	ret = 0;
out:
	if (dfd >= 0)
		close(dfd);
	free(dir);
	return ret;
}

/*
 * The key from $CREDENTIALS_DIRECTORY/k3sguard.key (systemd), else the key
 * file under --root, created when create is set and there is none.
 */
static int
master_key(unsigned char *key, int create)
{
	const char *cd = getenv("CREDENTIALS_DIRECTORY");
	struct stat st;

	if (cd && *cd) {
		struct buf p = BUF_INIT;
		int ret;

		buf_addf(&p, "%s/k3sguard.key", cd);
		if (path_lstat(p.s, &st) == 0) {
			ret = key_read(p.s, 0, key);
			buf_release(&p);
			return ret;
		}
		buf_release(&p);
	}
	if (gate_lstat(STORE_MASTER_KEY, &st) < 0 && errno == ENOENT) {
		if (!create)
			return error("no master key: '%s' does not exist",
			    root_path(STORE_MASTER_KEY));
		return key_create(key);
	}
	return key_read(STORE_MASTER_KEY, 1, key);
}

/* ---- serialisation ---- */

static void
put_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = { v >> 24, v >> 16, v >> 8, v };

	buf_add(b, x, 4);
}

static void
put_u64(struct buf *b, uint64_t v)
{
	put_u32(b, (uint32_t)(v >> 32));
	put_u32(b, (uint32_t)v);
}

struct rd {
	const unsigned char *p;
	size_t left;
};

static int
get_bytes(struct rd *r, void *out, size_t n)
{
	if (r->left < n)
		return -1;
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return 0;
}

static int
get_u32(struct rd *r, uint32_t *v)
{
	unsigned char x[4];

	if (get_bytes(r, x, 4) < 0)
		return -1;
	*v = (uint32_t)x[0] << 24 | (uint32_t)x[1] << 16 | (uint32_t)x[2] << 8 | x[3];
	return 0;
}

static size_t
plain_size(const struct sset *s)
{
	size_t n = 4;

	for (size_t i = 0; i < s->n; i++)
		n += 4 + 1 + 8 + 12 + 2 + strlen(s->v[i].m.note) + 4 + s->v[i].val.len;
	return n;
}

static void
plain_encode(const struct sset *s, struct buf *b)
{
	put_u32(b, (uint32_t)s->n);
	for (size_t i = 0; i < s->n; i++) {
		const struct srec *r = &s->v[i];
		size_t nl = strlen(r->m.note);
		unsigned char x[2] = { nl >> 8, nl };

		put_u32(b, r->m.version);
		buf_addch(b, (int)r->m.state);
		put_u64(b, (uint64_t)r->m.created);
		buf_add(b, r->m.fingerprint, 12);
		buf_add(b, x, 2);
		buf_add(b, r->m.note, nl);
		put_u32(b, (uint32_t)r->val.len);
		buf_add(b, r->val.s, r->val.len);
	}
}

static int
plain_decode(const unsigned char *p, size_t len, struct sset *s, const char *path)
{
	struct rd r = { p, len };
	uint32_t count, hi, lo, vl;

	if (get_u32(&r, &count) < 0)
		goto bad;
	for (uint32_t i = 0; i < count; i++) {
		struct srec *e = sset_add(s);
		unsigned char st, nl[2];
		size_t notelen;

		if (get_u32(&r, &e->m.version) < 0 || get_bytes(&r, &st, 1) < 0 ||
		    get_u32(&r, &hi) < 0 || get_u32(&r, &lo) < 0 ||
		    get_bytes(&r, e->m.fingerprint, 12) < 0 || get_bytes(&r, nl, 2) < 0)
			goto bad;
		e->m.fingerprint[12] = '\0';
		e->m.created = (long long)((uint64_t)hi << 32 | lo);
		if (st > STORE_ABANDONED)
			goto bad;
		e->m.state = (enum store_state)st;
		notelen = (size_t)nl[0] << 8 | nl[1];
		if (notelen >= STORE_NOTE_MAX || get_bytes(&r, e->m.note, notelen) < 0)
			goto bad;
		e->m.note[notelen] = '\0';
		if (get_u32(&r, &vl) < 0 || vl > STORE_VALUE_MAX || r.left < vl)
			goto bad;
		secret_buf_reserve(&e->val, vl + 1);
		buf_add(&e->val, r.p, vl);
		r.p += vl;
		r.left -= vl;
	}
	if (r.left)
		goto bad;
	return 0;
bad:
	return error("'%s': malformed contents after decryption", path);
}

/* ---- AEAD ---- */

static int
aead(int enc, const unsigned char *key, const unsigned char *nonce,
    const unsigned char *ad, size_t adlen, const unsigned char *in, size_t inlen,
    unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	if (!c)
		fatal("out of memory (cipher context)");
	ok = EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
	    EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) == 1 &&
	    EVP_CipherUpdate(c, NULL, &n, ad, (int)adlen) == 1 &&
	    (inlen == 0 || EVP_CipherUpdate(c, out, &n, in, (int)inlen) == 1);
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1;
	if (ok)
		ok = EVP_CipherFinal_ex(c, out + (inlen ? (size_t)n : 0), &n) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static uint64_t
be64(const unsigned char *g)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | g[i];
	return v;
}

static void
header(struct buf *h, const char *name, uint32_t gen, uint64_t written,
    const unsigned char *nonce)
{
	buf_add(h, MAGIC, MAGIC_LEN);
	buf_addch(h, ALG_AES256GCM);
	buf_addch(h, (int)strlen(name));
	buf_adds(h, name);
	put_u32(h, gen);
	put_u64(h, written);
	buf_add(h, nonce, NONCE_LEN);
}

/* ---- the generation record ---- */

/* The record's associated data: magic, name, nonce. */
static void
gen_ad(struct buf *ad, const char *name, const unsigned char *nonce)
{
	buf_add(ad, GEN_MAGIC, MAGIC_LEN);
	buf_addch(ad, (int)strlen(name));
	buf_adds(ad, name);
	buf_add(ad, nonce, NONCE_LEN);
}

/* The recorded write generation of name into *written; 1 when there is no record. */
static int
gen_load(const unsigned char *key, const char *name, uint64_t *written)
{
	const char *path = sfile_path(name, GEN_SUFFIX);
	char *shown = xstrdup(root_path(path));
	struct buf raw = BUF_INIT, ad = BUF_INIT;
	unsigned char plain[8];
	struct stat st;
	int ret = -1;

	if (gate_lstat(path, &st) < 0 && errno == ENOENT) {
		ret = 1;
		goto out;
	}
	if (store_read_node(path, 4096, &raw, &st) < 0 || file_trusted(&st, shown) < 0)
		goto out;
	if (raw.len != MAGIC_LEN + NONCE_LEN + 8 + TAG_LEN ||
	    memcmp(raw.s, GEN_MAGIC, MAGIC_LEN) != 0) {
		error("'%s' is not a k3sguard generation record (truncated or damaged)", shown);
		goto out;
	}
	gen_ad(&ad, name, (unsigned char *)raw.s + MAGIC_LEN);
	if (aead(0, key, (unsigned char *)raw.s + MAGIC_LEN, (unsigned char *)ad.s, ad.len,
	    (unsigned char *)raw.s + MAGIC_LEN + NONCE_LEN, 8, plain,
	    (unsigned char *)raw.s + raw.len - TAG_LEN) < 0) {
		error("'%s' cannot be decrypted: wrong master key, or the file was changed", shown);
		goto out;
	}
	*written = be64(plain);
	ret = 0;
out:
	buf_release(&raw);
	buf_release(&ad);
	free(shown);
	return ret;
}

static int
gen_save(const unsigned char *key, const char *name, uint64_t written)
{
	struct buf plain = BUF_INIT, ad = BUF_INIT, file = BUF_INIT;
	unsigned char nonce[NONCE_LEN], tag[TAG_LEN];
	char *path = xstrdup(sfile_path(name, GEN_SUFFIX));
	int ret = -1;

	put_u64(&plain, written);
	if (RAND_bytes(nonce, NONCE_LEN) != 1) {
		error("cannot get random bytes for a nonce");
		goto out;
	}
	gen_ad(&ad, name, nonce);
	buf_add(&file, GEN_MAGIC, MAGIC_LEN);
	buf_add(&file, nonce, NONCE_LEN);
	buf_grow(&file, 8 + TAG_LEN);
	if (aead(1, key, nonce, (unsigned char *)ad.s, ad.len, (unsigned char *)plain.s, 8,
	    (unsigned char *)file.s + file.len, tag) < 0) {
		error("cannot encrypt '%s'", root_path(path));
		goto out;
	}
	file.len += 8;
	buf_add(&file, tag, TAG_LEN);
	ret = gate_write_atomic(path, file.s, file.len, 0600);
out:
	buf_release(&plain);
	buf_release(&ad);
	buf_release(&file);
	free(path);
	return ret;
}

/*
 * The write generation of the file against the record: an older copy (or,
 * past the first write, a name without a record) is refused.
 */
static int
gen_check(const unsigned char *key, const char *name, uint64_t written, const char *shown)
{
	uint64_t known = 0;
	int rc = gen_load(key, name, &known);

	if (rc < 0)
		return -1;
	if (rc == 0 && written < known)
		return error("'%s' is an older copy (generation %llu, the store recorded %llu): "
		    "rolled back, refused", shown, (unsigned long long)written,
		    (unsigned long long)known);
	if (rc == 1 && written > 1)
		return error("'%s' has generation %llu but no record '%s%s': the record was "
		    "removed, refused", shown, (unsigned long long)written, name, GEN_SUFFIX);
	return 0;
}

int
sfile_parse(const char *name, const unsigned char *raw, size_t len, unsigned char *key,
    int load_key, const char *shown, struct sset *s)
{
	unsigned char *plain = NULL, tag[TAG_LEN];
	size_t hlen, ctlen = 0, nlen = strlen(name);
	uint32_t gen;
	uint64_t written = 0;
	int v1, ret = -1;

	snprintf(s->name, sizeof(s->name), "%s", name);
	v1 = len >= MAGIC_LEN && memcmp(raw, MAGIC_V1, MAGIC_LEN) == 0;
	hlen = MAGIC_LEN + 2 + nlen + 4 + (v1 ? 0 : 8) + NONCE_LEN;
	if (len < hlen + TAG_LEN ||
	    (!v1 && memcmp(raw, MAGIC, MAGIC_LEN) != 0) ||
	    raw[MAGIC_LEN] != ALG_AES256GCM || raw[MAGIC_LEN + 1] != nlen ||
	    memcmp(raw + MAGIC_LEN + 2, name, nlen) != 0) {
		error("'%s' is not a k3sguard secret file for '%s' (truncated or damaged)",
		    shown, name);
		goto out;
	}
	{
		const unsigned char *g = raw + MAGIC_LEN + 2 + nlen;

		gen = (uint32_t)g[0] << 24 | (uint32_t)g[1] << 16 | (uint32_t)g[2] << 8 | g[3];
		if (!v1)
			written = be64(g + 4);
	}
	ctlen = len - hlen - TAG_LEN;
	plain = secret_alloc(ctlen + 1);
	if (load_key && master_key(key, 0) < 0)
		goto out;
	memcpy(tag, raw + len - TAG_LEN, TAG_LEN);
	if (aead(0, key, raw + hlen - NONCE_LEN, raw, hlen, raw + hlen, ctlen, plain, tag) < 0) {
		error("'%s' cannot be decrypted: wrong master key, or the file was changed "
		    "or truncated", shown);
		goto out;
	}
	if (plain_decode(plain, ctlen, s, shown) < 0)
		goto out;
	if (s->n && s->v[s->n - 1].m.version != gen) {
		error("'%s': generation %u does not match its last version", shown, gen);
		goto out;
	}
	s->wgen = written;
	ret = 0;
out:
	if (ret < 0)
		sset_free(s);
	secret_free(plain, ctlen + 1);
	return ret;
}

int
sfile_load(const char *name, struct sset *s)
{
	const char *path = sfile_path(name, ".sec");
	char *shown = xstrdup(root_path(path));
	struct buf raw = BUF_INIT;
	unsigned char *key = NULL;
	struct stat st;
	int ret = -1;
	char m[8];

	snprintf(s->name, sizeof(s->name), "%s", name);
	if (gate_lstat(path, &st) < 0 && errno == ENOENT) {
		ret = 1;
		goto out;
	}
	if (store_read_node(path, FILE_MAX, &raw, &st) < 0 || file_trusted(&st, shown) < 0)
		goto out;
	if (st.st_mode & 077) {
		error("'%s' is readable by group or others (mode %s)", shown,
		    mode_str(st.st_mode, m));
		goto out;
	}
	key = secret_alloc(KEY_LEN);
	if (sfile_parse(name, (unsigned char *)raw.s, raw.len, key, 1, shown, s) < 0)
		goto out;
	/* the rollback check: the record of the last write */
	if (gen_check(key, name, s->wgen, shown) < 0) {
		sset_free(s);
		goto out;
	}
	ret = 0;
out:
	secret_free(key, KEY_LEN);
	buf_release(&raw);
	free(shown);
	return ret;
}

int
sfile_save(const struct sset *s)
{
	char *path = xstrdup(sfile_path(s->name, ".sec"));
	unsigned char *key = NULL, *out = NULL, nonce[NONCE_LEN], tag[TAG_LEN];
	struct buf plain = BUF_INIT, file = BUF_INIT;
	size_t plen = plain_size(s), hlen;
	uint32_t gen = s->n ? s->v[s->n - 1].m.version : 0;
	uint64_t known = 0, written;
	int ret = -1;

	key = secret_alloc(KEY_LEN);
	if (gate_mkdir_p(STORE_DIR, 0700) < 0 || master_key(key, 1) < 0 ||
	    gen_load(key, s->name, &known) < 0)
		goto out;
	/* past both the record and the file: a crash between them left it behind */
	written = (known > s->wgen ? known : s->wgen) + 1;
	if (RAND_bytes(nonce, NONCE_LEN) != 1) {
		error("cannot get random bytes for a nonce");
		goto out;
	}
	secret_buf_reserve(&plain, plen + 1);
	plain_encode(s, &plain);
	header(&file, s->name, gen, written, nonce);
	hlen = file.len;
	buf_grow(&file, plen + TAG_LEN);
	out = (unsigned char *)file.s + hlen;
	if (aead(1, key, nonce, (unsigned char *)file.s, hlen, (unsigned char *)plain.s,
	    plain.len, out, tag) < 0) {
		error("cannot encrypt '%s'", root_path(path));
		goto out;
	}
	file.len += plain.len;
	buf_add(&file, tag, TAG_LEN);
	if (gate_write_atomic(path, file.s, file.len, 0600) < 0)
		goto out;
	/* then the record: a crash before it leaves the file one ahead (accepted) */
	ret = gen_save(key, s->name, written);
out:
	secret_free(key, KEY_LEN);
	buf_wipe(&plain);
	buf_release(&file);
	free(path);
	return ret;
}

int
sfile_forget(const struct sset *s)
{
	unsigned char *key = secret_alloc(KEY_LEN);
	uint64_t known = 0;
	int ret = -1;

	/* the removal is a write: no copy from before it is current again */
	if (master_key(key, 0) == 0 && gen_load(key, s->name, &known) >= 0)
		ret = gen_save(key, s->name, (known > s->wgen ? known : s->wgen) + 1);
	secret_free(key, KEY_LEN);
	return ret;
}
