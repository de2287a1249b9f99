/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-manifests-lock.c: libFuzzer harness for the manifests lock parser
 * (mlock_parse(), src/manifests/manifests-lock.c, what mlock_read() runs
 * on the file it read: the signature line, mkey_verify(), then parse_body()
 * and parse_entry()), from a buffer, with a fixed Ed25519 test key.  What
 * mlock_read() adds (the lock's and the key files' owner, mode and links,
 * the key files themselves) is tested by t4000-manifests-lock-verify.sh
 * and t4900-manifests-hostile.sh.
 *
 * Byte 0 picks the mode: even, the rest is the whole lock (signature line
 * handling, base64); odd, the rest is the body and the harness appends a
 * valid signature line, so the parser sees arbitrary bodies.  In that mode
 * a body ending in a newline must verify (SIG_OK), and a body that parses
 * must survive a round trip: mlock_format() of it, signed and read again,
 * formats to the same bytes.
 */
#include "core/k3sguard.h"
#include "manifests/manifests.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *pkey;		/* signs */
static struct mkey key;		/* verifies: its public key, from PEM as mlock_read() loads it */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char seed[32];
	BIO *pub = BIO_new(BIO_s_mem());

	for (int i = 0; i < 32; i++)
		seed[i] = (unsigned char)(i * 13 + 5);
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
	if (!pkey || !pub || !PEM_write_bio_PUBKEY(pub, pkey) ||
	    !(key.pkey = PEM_read_bio_PUBKEY(pub, NULL, NULL, NULL)))
		abort();
	BIO_free(pub);
	quiet_errors = 1;
	return 0;
}

/* f gets body plus its signature line: a lock. */
static void
put_signed(struct buf *f, const void *body, size_t len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[64];
	char b64[89];
	size_t siglen = sizeof(sig);

	if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, body, len) != 1 || siglen != 64)
		abort();
	EVP_MD_CTX_free(ctx);
	EVP_EncodeBlock((unsigned char *)b64, sig, 64);
	buf_add(f, body, len);
	buf_addf(f, "signature ed25519 %s\n", b64);
}

static void
round_trip(const struct mlock *l)
{
	struct buf a = BUF_INIT, b = BUF_INIT, f = BUF_INIT;
	struct mlock l2;
	enum sig_state sig;

	mlock_format(l, &a);
	put_signed(&f, a.s, a.len);
	if (mlock_parse(f.s, f.len, "lock", &key, &l2, &sig) < 0 || sig != SIG_OK)
		abort();	/* what we wrote does not read back */
	mlock_format(&l2, &b);
	if (a.len != b.len || memcmp(a.s, b.s, a.len))
		abort();
	mlock_free(&l2);
	buf_release(&a);
	buf_release(&b);
	buf_release(&f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *body = data + 1;
	size_t blen = size ? size - 1 : 0;
	struct buf f = BUF_INIT;
	struct mlock l;
	enum sig_state sig;
	int r;

	if (!size)
		return 0;
	if (data[0] & 1)
		put_signed(&f, body, blen);
	else
		buf_add(&f, body, blen);
	r = mlock_parse(f.s, f.len, "lock", &key, &l, &sig);
	if (data[0] & 1 && (!blen || body[blen - 1] == '\n') && !memchr(body, 0, blen) &&
	    sig != SIG_OK)
		abort();	/* our signature did not verify */
	if (r == 0 && sig == SIG_OK) {
		for (size_t i = 1; i < l.tree.n; i++)
			if (strcmp(l.tree.e[i - 1].path, l.tree.e[i].path) >= 0)
				abort();
		round_trip(&l);
		mlock_free(&l);
	} else if (r == 0) {
		if (l.dir || l.tree.n)
			abort();	/* unverified data was used */
	}
	buf_release(&f);
	clear_error();
	return 0;
}
