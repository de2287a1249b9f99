/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-mut-lock.c: the manifests lock parser (mlock_parse()) at the edges the
 * mutation run (make mutate, docs/testing.md) found untested: validly
 * signed bodies that are still wrong (a link without its target, a file
 * with one, entries repeated or out of order, a regular file without its
 * sha256, an entry count that does not match) are refused; a bad
 * signature is SIG_BAD, never parsed; a mode with the set-id and sticky
 * bits survives a round trip.  Signed with a fixed Ed25519 test key, as
 * tests/fuzz/fuzz-manifests-lock.c does.
 */
#include "core/k3sguard.h"
#include "manifests/manifests.h"
#include "unit.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEAD "k3sguard-manifests-lock 1\ndir /var/lib/rancher/k3s/server/manifests\n" \
	"k3s-version -\ncreated -\n"

static EVP_PKEY *pkey;
static struct mkey key;

static void
keys(void)
{
	unsigned char seed[32];
	BIO *pub = BIO_new(BIO_s_mem());

	for (int i = 0; i < 32; i++)
		seed[i] = (unsigned char)(i * 7 + 1);
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
	if (!pkey || !pub || !PEM_write_bio_PUBKEY(pub, pkey) ||
	    !(key.pkey = PEM_read_bio_PUBKEY(pub, NULL, NULL, NULL))) {
		fprintf(stderr, "u-mut-lock: cannot make the test key\n");
		exit(2);
	}
	BIO_free(pub);
}

static void
sign(struct buf *f, const char *body)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[64];
	char b64[89];
	size_t siglen = sizeof(sig);

	if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)body, strlen(body)) != 1)
		abort();
	EVP_MD_CTX_free(ctx);
	EVP_EncodeBlock((unsigned char *)b64, sig, 64);
	buf_reset(f);
	buf_adds(f, body);
	buf_addf(f, "signature ed25519 %s\n", b64);
}

/* parse the signed body: 0 with sig OK, or -1 */
static int
parses(const char *body, struct mlock *out)
{
	struct buf f = BUF_INIT;
	struct mlock l;
	enum sig_state sig = SIG_MISSING;
	int r;

	sign(&f, body);
	r = mlock_parse(f.s, f.len, "lock", &key, &l, &sig);
	if (r == 0 && sig != SIG_OK)
		r = -1;
	if (r == 0 && out)
		*out = l;
	else if (r == 0)
		mlock_free(&l);
	buf_release(&f);
	return r;
}

static void
test_good(void)
{
	CHECK(parses(HEAD "entries 3\nd 0700 0 0 0 - - .\nf 0600 0 0 5 " SHA " p a.yaml\n"
	    "l 0777 0 0 6 - - b.yaml a.yaml\n", NULL) == 0);
}

static void
test_link_target_rule(void)
{
	/* a symlink entry without a target, a file entry with one */
	CHECK(parses(HEAD "entries 2\nd 0700 0 0 0 - - .\nl 0777 0 0 6 - - b.yaml\n", NULL) < 0);
	CHECK(parses(HEAD "entries 2\nd 0700 0 0 0 - - .\nf 0600 0 0 5 " SHA " p a.yaml x\n",
	    NULL) < 0);
}

static void
test_order(void)
{
	CHECK(parses(HEAD "entries 3\nd 0700 0 0 0 - - .\nf 0600 0 0 5 " SHA " - b.yaml\n"
	    "f 0600 0 0 5 " SHA " - a.yaml\n", NULL) < 0);
	CHECK(parses(HEAD "entries 3\nd 0700 0 0 0 - - .\nf 0600 0 0 5 " SHA " - a.yaml\n"
	    "f 0600 0 0 5 " SHA " - a.yaml\n", NULL) < 0);
}

static void
test_file_needs_sha(void)
{
	CHECK(parses(HEAD "entries 2\nd 0700 0 0 0 - - .\nf 0600 0 0 5 - - a.yaml\n", NULL) < 0);
}

static void
test_entry_count(void)
{
	CHECK(parses(HEAD "entries 3\nd 0700 0 0 0 - - .\nf 0600 0 0 5 " SHA " - a.yaml\n", NULL) < 0);
	CHECK(parses(HEAD "entries 1\nd 0700 0 0 0 - - .\nf 0600 0 0 5 " SHA " - a.yaml\n", NULL) < 0);
}

static void
test_bad_signature(void)
{
	struct buf f = BUF_INIT;
	struct mlock l;
	enum sig_state sig = SIG_OK;
	const char *body = HEAD "entries 1\nd 0700 0 0 0 - - .\n";
	char *p;

	sign(&f, body);
	p = strstr(f.s, "0700");
	p[2] = '5';	/* 0750 after signing */
	CHECK(mlock_parse(f.s, f.len, "lock", &key, &l, &sig) == 0 && sig == SIG_BAD);
	buf_release(&f);
}

static void
test_mode_bits_round_trip(void)
{
	struct mlock l;
	struct buf out = BUF_INIT;

	CHECK(parses(HEAD "entries 2\nd 1700 0 0 0 - - .\nf 4600 0 0 5 " SHA " - a.yaml\n", &l) == 0);
	mlock_format(&l, &out);
	CHECK(strstr(out.s, "d 1700 0 0 0 - - .\n") != NULL);
	CHECK(strstr(out.s, "f 4600 0 0 5 ") != NULL);
	mlock_free(&l);
	buf_release(&out);
}

int
main(void)
{
	keys();
	quiet_errors = 1;
	T(test_good);
	T(test_link_target_rule);
	T(test_order);
	T(test_file_needs_sha);
	T(test_entry_count);
	T(test_bad_signature);
	T(test_mode_bits_round_trip);
	return UNIT_DONE();
}
