/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-snapfile.c: libFuzzer harness for the encrypted etcd snapshot reader
 * (snap_read_header() and snap_decrypt(), src/etcd/etcd-snapfile.c), with
 * a fixed test key.  The file is a memfd: the reader streams from an fd
 * (a snapshot may be gigabytes, so there is no buffer reader).
 *
 * Byte 0 picks the mode (mod 3):
 *   0  the rest is the whole file (header checks);
 *   1  a valid header for the test key, then the rest as is (chunk parsing);
 *   2  a valid header, then the rest as operations, each one byte op:
 *        op&3 == 0 or 3: a chunk sealed as the writer does: next byte its
 *                  counter, op bit 2 its final flag, next byte its
 *                  plaintext length L, then L plaintext bytes;
 *        op&3 == 1: the same, then one more byte: the offset of a bit flip
 *                  (op bits 3-5 pick the bit) in the sealed record;
 *        op&3 == 2: raw bytes: next byte the count, then the bytes.
 * In mode 2 the outcome is known: the file opens iff its records are
 * untampered chunks 0, 1, ..., n-1 (n >= 1), only the last one final, with
 * nothing else; the sink then got exactly their plaintext.  On failure it
 * got only the plaintext of the leading run of such chunks.
 */
#include "core/k3sguard.h"
#include "etcd/etcd-snapfile.h"

#include <sys/mman.h>
#include <openssl/evp.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char master[SNAP_KEY_LEN];
static unsigned char hdr[SNAP_HDR_LEN], key[SNAP_KEY_LEN];
static int memfd = -1;

/* The writer's key derivation, for a fixed salt (see etcd-snapfile.h). */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char kdf[] = "k3sguard etcd snapshot key v1";
	static const char chk[] = "k3sguard etcd snapshot key check";
	unsigned char in[sizeof(kdf) + 32], mac[32];
	size_t n;

	for (int i = 0; i < SNAP_KEY_LEN; i++)
		master[i] = (unsigned char)(i * 7 + 1);
	memcpy(hdr, "K3SGSNP1", 8);
	hdr[8] = 1;
	hdr[9] = 1;
	hdr[15] = 3;			/* key version 3 */
	hdr[17] = SNAP_CHUNK >> 16;	/* chunk size, big-endian */
	memset(hdr + 20, 0x5a, 32);	/* salt */
	memcpy(in, kdf, sizeof(kdf));
	memcpy(in + sizeof(kdf), hdr + 20, 32);
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, master, SNAP_KEY_LEN, in,
	    sizeof(in), key, SNAP_KEY_LEN, &n) ||
	    !EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, SNAP_KEY_LEN,
	    (const unsigned char *)chk, sizeof(chk), mac, sizeof(mac), &n))
		abort();
	memcpy(hdr + 52, mac, 12);
	if ((memfd = memfd_create("fuzz-snap", MFD_CLOEXEC)) < 0)
		abort();
	quiet_errors = 1;
	return 0;
}

/* Append one sealed record (length, ciphertext, tag) to out. */
static void
seal(struct buf *out, uint64_t counter, int final, const uint8_t *p, size_t len)
{
	static EVP_CIPHER_CTX *ctx;	/* the cipher and the key set once */
	unsigned char nonce[12] = { 0 }, aad[SNAP_HDR_LEN + 4], rec[4 + 256 + SNAP_TAG_LEN];
	int outl = 0, fl = 0;

	if (!ctx && (!(ctx = EVP_CIPHER_CTX_new()) ||
	    !EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, NULL)))
		abort();

	nonce[0] = final ? 1 : 0;
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (unsigned char)(counter >> (56 - 8 * i));
	rec[0] = rec[1] = 0;
	rec[2] = (unsigned char)(len >> 8);
	rec[3] = (unsigned char)len;
	memcpy(aad, hdr, SNAP_HDR_LEN);
	memcpy(aad + SNAP_HDR_LEN, rec, 4);
	if (!EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) ||
	    !EVP_EncryptUpdate(ctx, NULL, &outl, aad, sizeof(aad)) ||
	    !EVP_EncryptUpdate(ctx, rec + 4, &outl, p, (int)len) ||
	    !EVP_EncryptFinal_ex(ctx, rec + 4 + outl, &fl) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SNAP_TAG_LEN, rec + 4 + len))
		abort();
	buf_add(out, rec, 4 + len + SNAP_TAG_LEN);
}

static int
sink(void *arg, const unsigned char *p, size_t n)
{
	buf_add(arg, p, n);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf file = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	unsigned char h[SNAP_HDR_LEN];
	const uint8_t *p = data + 1, *end = data + size;
	int mode, good = 1, ok = 0, last_final = 0;
	uint64_t nchunks = 0, total = 0;
	uint32_t kv;

	if (!size)
		return 0;
	mode = data[0] % 3;
	if (mode)
		buf_add(&file, hdr, SNAP_HDR_LEN);
	if (mode < 2) {
		buf_add(&file, p, (size_t)(end - p));
	} else {
		while (p < end) {
			int op = *p++, kind = op & 3;
			size_t len;

			if (kind == 2) {
				len = p < end ? *p++ : 0;
				if (len > (size_t)(end - p))
					len = (size_t)(end - p);
				buf_add(&file, p, len);
				p += len;
				if (len)
					good = 0;
				continue;
			}
			{
				uint64_t counter = p < end ? *p++ : 0;
				int final = (op >> 2) & 1;
				size_t at = file.len;

				len = p < end ? *p++ : 0;
				if (len > (size_t)(end - p))
					len = (size_t)(end - p);
				seal(&file, counter, final, p, len);
				if (kind == 1) {
					size_t off = (p + len < end ? p[len] : 0) %
					    (4 + len + SNAP_TAG_LEN);

					file.s[at + off] ^= (char)(1 << ((op >> 3) & 7));
				}
				if (good && (kind == 1 || counter != nchunks || last_final))
					good = 0;
				if (good) {
					buf_add(&want, p, len);
					nchunks++;
					last_final = final;
				}
				p += len + (kind == 1 && p + len < end);
			}
		}
	}
	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, file.s, file.len, 0) != (ssize_t)file.len ||
	    lseek(memfd, 0, SEEK_SET) != 0)
		abort();
	if (snap_read_header(memfd, "fuzz", h, &kv) == 0) {
		if (memcmp(h, file.s, SNAP_HDR_LEN))
			abort();
		ok = snap_decrypt(memfd, "fuzz", h, master, sink, &got, &total) == 0;
		if (ok && total != got.len)
			abort();
	}
	if (mode == 2) {
		int expect = good && nchunks && last_final;

		if (ok != expect)
			abort();
		if (ok ? got.len != want.len : got.len > want.len)
			abort();
		if (memcmp(got.s, want.s, got.len))
			abort();
	}
	buf_wipe(&got);
	buf_release(&want);
	buf_release(&file);
	clear_error();
	return 0;
}
