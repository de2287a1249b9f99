/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifests-sign.c: the Ed25519 key that signs the manifests lock.
 *
 * The private key is PKCS#8 PEM, created on first use 0600 (the gate's
 * atomic write: O_EXCL temp + rename), refused when group/other can read
 * it, when it is not root's or has another link; its bytes are wiped after
 * parsing.  keypath is a node path: every access goes through the gate.  The public key
 * sits beside it as <key>.pub (0644) so a verifier does not need the
 * secret.  The lock never carries a key: a forger cannot bring their own.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "manifests/manifests.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#define KEY_MAX 16384u

/* Root's, not writable by others, one link (another name may be outside the node). */
static int
key_trusted(const struct stat *st, const char *keypath)
{
	if (file_trusted(st, root_path(keypath)) < 0)
		return -1;
	if (st->st_nlink != 1)
		return error("'%s' has %ju hard links; another name of it may be outside the "
		    "node (refused)", root_path(keypath), (uintmax_t)st->st_nlink);
	return 0;
}

static EVP_PKEY *
load_private(const char *keypath)
{
	struct buf pem = BUF_INIT;
	struct stat st;
	EVP_PKEY *k = NULL;
	BIO *bio = NULL;
	char m[8], *shown = NULL;

	if (gate_read(keypath, KEY_MAX, &pem, &st) < 0 || key_trusted(&st, keypath) < 0)
		goto out;
	keypath = shown = xstrdup(root_path(keypath));	/* from here on only shown */
	if (st.st_mode & 077) {
		error("'%s' is readable by group or others (mode %s); it must be 0600",
		    keypath, mode_str(st.st_mode, m));
		goto out;
	}
	if (!(bio = BIO_new_mem_buf(pem.s, (int)pem.len)))
		fatal("out of memory");
	k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	if (!k || EVP_PKEY_get_base_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		k = NULL;
		error("'%s' is not an Ed25519 private key (PEM)", keypath);
	}
out:
	BIO_free(bio);
	buf_wipe(&pem);
	free(shown);
	return k;
}

static int
create_key(const char *keypath)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	BIO *priv = BIO_new(BIO_s_secmem()), *pub = BIO_new(BIO_s_mem());
	struct buf pubpath = BUF_INIT;
	char *dir = xstrdup(keypath), *slash = strrchr(dir, '/');
	char *data;
	long len;
	int ret = -1;

	if (!k || !priv || !pub) {
		error("cannot create an Ed25519 key");
		goto out;
	}
	if (slash && slash != dir) {
		*slash = '\0';
		if (gate_mkdir_p(dir, 0700) < 0)
			goto out;
	}
	if (!PEM_write_bio_PKCS8PrivateKey(priv, k, NULL, NULL, 0, NULL, NULL) ||
	    !PEM_write_bio_PUBKEY(pub, k)) {
		error("cannot encode the Ed25519 key");
		goto out;
	}
	len = BIO_get_mem_data(priv, &data);
	if (gate_write_atomic(keypath, data, (size_t)len, 0600) < 0)
		goto out;
	len = BIO_get_mem_data(pub, &data);
	buf_addf(&pubpath, "%s.pub", keypath);
	if (gate_write_atomic(pubpath.s, data, (size_t)len, 0644) < 0)
		goto out;
	fprintf(stderr, "%s: created signing key '%s' (public key '%s')\n", progname,
	    root_path(keypath), root_path(pubpath.s));
	ret = 0;
out:
	EVP_PKEY_free(k);
	BIO_free(priv);	/* secmem: cleansed on free */
	BIO_free(pub);
	buf_release(&pubpath);
	free(dir);
	return ret;
}

int
mkey_sign(const char *keypath, int create, const void *msg, size_t len, struct buf *sig_b64)
{
	struct stat st;
	EVP_PKEY *k;
	EVP_MD_CTX *ctx = NULL;
	unsigned char sig[64];
	size_t siglen = sizeof(sig);
	char b64[4 * ((sizeof(sig) + 2) / 3) + 1];
	int ret = -1;

	if (gate_lstat(keypath, &st) < 0 && errno == ENOENT) {
		if (!create)
			return error("signing key '%s' does not exist", root_path(keypath));
		if (create_key(keypath) < 0)
			return -1;
	}
	if (!(k = load_private(keypath)))
		return -1;
	if (!(ctx = EVP_MD_CTX_new()) || !EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) ||
	    !EVP_DigestSign(ctx, sig, &siglen, msg, len) || siglen != 64) {
		error("cannot sign with '%s'", root_path(keypath));
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)b64, sig, (int)siglen);
	buf_adds(sig_b64, b64);
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return ret;
}

static EVP_PKEY *
load_public(const char *keypath)
{
	struct buf pem = BUF_INIT, pubpath = BUF_INIT;
	struct stat st;
	EVP_PKEY *k = NULL;
	BIO *bio;

	buf_addf(&pubpath, "%s.pub", keypath);
	if (gate_lstat(pubpath.s, &st) < 0 && errno == ENOENT) {
		/* no .pub: derive it from the private key */
		if (gate_lstat(keypath, &st) < 0 && errno == ENOENT) {
			char *pub = xstrdup(root_path(pubpath.s));

			error("no key to verify with: neither '%s' nor '%s' exists",
			    pub, root_path(keypath));
			free(pub);
		} else {
			k = load_private(keypath);
		}
		goto out;
	}
	if (gate_read(pubpath.s, KEY_MAX, &pem, &st) < 0 || key_trusted(&st, pubpath.s) < 0)
		goto out;
	if (!(bio = BIO_new_mem_buf(pem.s, (int)pem.len)))
		fatal("out of memory");
	k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!k || EVP_PKEY_get_base_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		k = NULL;
		error("'%s' is not an Ed25519 public key (PEM)", root_path(pubpath.s));
	}
out:
	buf_release(&pem);
	buf_release(&pubpath);
	return k;
}

void
mkey_release(struct mkey *k)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
}

int
mkey_verify(struct mkey *k, const void *msg, size_t len, const char *sig_b64)
{
	unsigned char sig[72];
	EVP_MD_CTX *ctx;
	int n, ret = 1;

	/* 64 bytes are 88 base64 characters, the last two "==" */
	if (strlen(sig_b64) != 88 || strcmp(sig_b64 + 86, "=="))
		return 1;
	n = EVP_DecodeBlock(sig, (const unsigned char *)sig_b64, 88);
	if (n != 66)
		return 1;
	if (!k->pkey && !(k->pkey = load_public(k->path)))
		return -1;
	if (!(ctx = EVP_MD_CTX_new()))
		fatal("out of memory");
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	    EVP_DigestVerify(ctx, sig, 64, msg, len) == 1)
		ret = 0;
	EVP_MD_CTX_free(ctx);
	return ret;
}
