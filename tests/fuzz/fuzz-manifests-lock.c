/*
 * fuzz-manifests-lock.c: libFuzzer harness for the manifests lock reader
 * (mlock_read(), src/manifests/manifests-lock.c: the signature line, then
 * parse_body() and parse_entry()), with a fixed Ed25519 test key.  The
 * reader takes a path, so the lock is a file of a temp dir (tree.h).
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
#include "tree.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LOCK	"/manifests.lock"
#define KEY	"/lock.key"

static EVP_PKEY *pkey;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char seed[32];
	BIO *pub = BIO_new(BIO_s_mem());
	char *pem;
	long len;

	tree_setup(NULL);
	for (int i = 0; i < 32; i++)
		seed[i] = (unsigned char)(i * 13 + 5);
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
	if (!pkey || !pub || !PEM_write_bio_PUBKEY(pub, pkey))
		abort();
	len = BIO_get_mem_data(pub, &pem);
	tree_put(KEY ".pub", pem, (size_t)len, 0644);
	BIO_free(pub);
	quiet_errors = 1;
	return 0;
}

/* Write body plus its signature line as the lock. */
static void
put_signed(const void *body, size_t len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[64];
	char b64[89];
	size_t siglen = sizeof(sig);
	struct buf f = BUF_INIT;

	if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, body, len) != 1 || siglen != 64)
		abort();
	EVP_MD_CTX_free(ctx);
	EVP_EncodeBlock((unsigned char *)b64, sig, 64);
	buf_add(&f, body, len);
	buf_addf(&f, "signature ed25519 %s\n", b64);
	tree_put(LOCK, f.s, f.len, 0600);
	buf_release(&f);
}

static void
round_trip(const struct mlock *l)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct mlock l2;
	enum sig_state sig;

	mlock_format(l, &a);
	put_signed(a.s, a.len);
	if (mlock_read(tree_path(LOCK), tree_path(KEY), &l2, &sig) < 0 || sig != SIG_OK)
		abort();	/* what we wrote does not read back */
	mlock_format(&l2, &b);
	if (a.len != b.len || memcmp(a.s, b.s, a.len))
		abort();
	mlock_free(&l2);
	buf_release(&a);
	buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *body = data + 1;
	size_t blen = size ? size - 1 : 0;
	struct mlock l;
	enum sig_state sig;
	int r;

	if (!size)
		return 0;
	if (data[0] & 1)
		put_signed(body, blen);
	else
		tree_put(LOCK, body, blen, 0600);
	r = mlock_read(tree_path(LOCK), tree_path(KEY), &l, &sig);
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
	clear_error();
	return 0;
}
