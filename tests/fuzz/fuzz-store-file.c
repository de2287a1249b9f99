/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-store-file.c: libFuzzer harness for the secret store's file parser
 * (sfile_parse(), src/store/store-file.c, what sfile_load() runs on the
 * .sec file it read: the header, AES-256-GCM and the plaintext record
 * parser), from a buffer, with a fixed test master key.  What sfile_load()
 * does around it (the file's mode and owner, the master key file, the
 * .gen rollback record) is tested by t2000-secrets-file.sh.
 *
 * Byte 0 picks the mode: even, the rest is the whole file (header checks);
 * odd, the next 4 bytes are the generation and the rest the plaintext,
 * encrypted into a valid file for the test key, so the record parser sees
 * arbitrary bytes.  In that mode a reference decoder of the format in
 * store-file.c says whether the load must succeed, and then every field
 * must be what it decoded.
 */
#include "core/k3sguard.h"
#include "store/store-backend.h"
#include "core/secret.h"

#include <openssl/evp.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME		"fuzz"

static unsigned char *master;	/* secret memory, as sfile_load() holds it */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	master = secret_alloc(32);
	for (int i = 0; i < 32; i++)
		master[i] = (unsigned char)(0xa0 ^ i);
	quiet_errors = 1;
	return 0;
}

/* A valid file for the test key around plaintext p. */
static void
encrypt(struct buf *f, uint32_t gen, const uint8_t *p, size_t len)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	unsigned char nonce[12], tag[16], g[4] = { gen >> 24, gen >> 16, gen >> 8, gen };
	int n = 0;
	size_t hlen;

	memset(nonce, 0x33, sizeof(nonce));
	buf_add(f, "K3GS\x01\x01", 6);
	buf_addch(f, (int)strlen(NAME));
	buf_adds(f, NAME);
	buf_add(f, g, 4);
	buf_add(f, nonce, 12);
	hlen = f->len;
	buf_grow(f, len + 16);
	if (!c || EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, master, nonce) != 1 ||
	    EVP_EncryptUpdate(c, NULL, &n, (unsigned char *)f->s, (int)hlen) != 1 ||
	    (len && EVP_EncryptUpdate(c, (unsigned char *)f->s + hlen, &n, p, (int)len) != 1) ||
	    EVP_EncryptFinal_ex(c, (unsigned char *)f->s + hlen + len, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		abort();
	EVP_CIPHER_CTX_free(c);
	f->len = hlen + len;
	buf_add(f, tag, 16);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * The reference decoder: 1 when p is a valid plaintext whose last version
 * is gen, checking s (what sfile_parse() returned) field by field when s.
 */
static int
reference(const uint8_t *p, size_t len, uint32_t gen, const struct sset *s)
{
	size_t off = 4, nl, vl;
	uint32_t count, i, last = 0;

	if (len < 4)
		return 0;
	count = be32(p);
	for (i = 0; i < count; i++) {
		const struct srec *r = s && i < s->n ? &s->v[i] : NULL;

		if (len - off < 4 + 1 + 8 + 12 + 2)
			return 0;
		last = be32(p + off);
		if (p[off + 4] > STORE_ABANDONED)
			return 0;
		if (r && (r->m.version != last || r->m.state != p[off + 4] ||
		    (uint64_t)r->m.created != ((uint64_t)be32(p + off + 5) << 32 |
		    be32(p + off + 9)) || memcmp(r->m.fingerprint, p + off + 13, 12) ||
		    r->m.fingerprint[12]))
			abort();
		off += 25;
		nl = (size_t)p[off] << 8 | p[off + 1];
		off += 2;
		if (nl >= STORE_NOTE_MAX || len - off < nl)
			return 0;
		if (r && (memcmp(r->m.note, p + off, nl) || r->m.note[nl]))
			abort();
		off += nl;
		if (len - off < 4)
			return 0;
		vl = be32(p + off);
		off += 4;
		if (vl > STORE_VALUE_MAX || len - off < vl)
			return 0;
		if (r && (r->val.len != vl || memcmp(r->val.s, p + off, vl)))
			abort();
		off += vl;
	}
	return off == len && (!count || last == gen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf f = BUF_INIT;
	struct sset s = { .n = 0 };
	int r;

	if (!size)
		return 0;
	if (data[0] & 1) {
		if (size < 5)
			return 0;
		encrypt(&f, be32(data + 1), data + 5, size - 5);
	} else {
		buf_add(&f, data + 1, size - 1);
	}
	r = sfile_parse(NAME, (unsigned char *)f.s, f.len, master, 0, "fuzz.sec", &s);
	if (r != 0 && r != -1)
		abort();
	if (r == 0 && strcmp(s.name, NAME))
		abort();
	if (data[0] & 1) {
		int ok = reference(data + 5, size - 5, be32(data + 1), r == 0 ? &s : NULL);

		if (ok != (r == 0))
			abort();
	}
	sset_free(&s);
	buf_release(&f);
	clear_error();
	return 0;
}
