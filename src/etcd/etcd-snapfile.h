/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-snapfile.h: k3sguard's encrypted etcd snapshot file.
 *
 * Layout: a 64-byte header, then chunks.
 *   header: "K3SGSNP1" | format 1 | alg 1 (AES-256-GCM) | 2 zero bytes |
 *           key version (u32 BE, of the store secret) | chunk size (u32 BE) |
 *           salt (32 random bytes) | key check (12 bytes)
 *   chunk:  plaintext length L (u32 BE) | ciphertext (L bytes) | tag (16)
 * The file key is HMAC-SHA256(store key, "k3sguard etcd snapshot key v1" |
 * salt): a fresh key per file (and per restart of a save), so nonces never
 * repeat under one key.  The nonce of chunk i is: final flag (1 byte), 3
 * zero bytes, i (u64 BE).  Every chunk authenticates the header and its
 * own length (AAD).
 *
 * Invariants: the reader releases plaintext only after its chunk's tag
 * verified; a file without its final chunk is truncated; a chunk that
 * verifies only at another position was moved; nothing after the final
 * chunk is accepted; the key check tells a wrong key from tampering.
 * Plaintext and keys live in secret memory and are wiped.
 */
#ifndef K3SGUARD_ETCD_SNAPFILE_H
#define K3SGUARD_ETCD_SNAPFILE_H

#include <stddef.h>
#include <stdint.h>

#define SNAP_HDR_LEN	64
#define SNAP_CHUNK	(1u << 20)
#define SNAP_KEY_LEN	32
#define SNAP_TAG_LEN	16

/*
 * The writer is a pipeline: the caller's thread (receiving from etcd)
 * copies plaintext into one of SNAP_QUEUE chunk buffers (secret memory:
 * locked, wiped); a writer thread runs the hook (the sha256 of the
 * trailer check), seals and writes each full chunk in order, and starts
 * the disk's write-back as it goes so the final fsync has little left.
 * Errors of the writer thread surface at the next snap_write or at
 * snap_writer_finish, which drains the queue.
 */
#define SNAP_QUEUE	3

struct snap_slot {
	unsigned char *plain;		/* one chunk, secret memory */
	size_t len;
	int final;
};

struct snap_writer {
	int fd;
	const char *name;		/* for messages */
	unsigned char hdr[SNAP_HDR_LEN];
	unsigned char *key;		/* file key, secret memory */
	unsigned char *out;		/* 4 + chunk + tag */
	uint64_t counter;
	uint64_t total;			/* plaintext bytes taken */
	uint64_t written, flushed;	/* file bytes written, handed to write-back */
	void *ctx;			/* EVP_CIPHER_CTX */
	/* called by the writer thread with every chunk's plaintext, in order */
	void (*hook)(void *arg, const unsigned char *p, size_t n);
	void *hook_arg;
	struct snap_slot slot[SNAP_QUEUE];
	size_t head, count;		/* queued: slot[head .. head+count), ring */
	size_t fill;			/* the slot being filled (head + count) */
	void *pipe;			/* thread, lock, condition (etcd-snapfile.c) */
	int stop;			/* 1: drain and end, 2: discard and end */
	int err;			/* writer thread: 0, or errno (-1: encryption) */
};

/*
 * Start a file on fd (at offset 0, empty): writes the header and starts
 * the writer thread.  Set hook/hook_arg before the first snap_write.
 */
int snap_writer_start(struct snap_writer *w, int fd, const char *name,
    const unsigned char master[SNAP_KEY_LEN], uint32_t key_version);
int snap_write(struct snap_writer *w, const void *data, size_t n);
/* Write the final chunk and wait for the writer.  The caller fsyncs and renames. */
int snap_writer_finish(struct snap_writer *w);
/* Stop the writer (discarding what is queued) and wipe everything. */
void snap_writer_free(struct snap_writer *w);

/* Read and check a header: its key version.  -1 (error()) when not ours. */
int snap_read_header(int fd, const char *name, unsigned char hdr[SNAP_HDR_LEN],
    uint32_t *key_version);

/*
 * Decrypt the whole file from fd (positioned after the header, hdr as read)
 * and hand each verified chunk to sink (which may be NULL: verify only).
 * *total gets the plaintext size.  -1 with a message that says which
 * failure: wrong key, chunk N tampered, chunk N moved from M, truncated,
 * trailing data, or sink's error.
 */
int snap_decrypt(int fd, const char *name, const unsigned char hdr[SNAP_HDR_LEN],
    const unsigned char master[SNAP_KEY_LEN],
    int (*sink)(void *arg, const unsigned char *p, size_t n), void *arg,
    uint64_t *total);

/*
 * etcd's snapshot ends with the sha256 of the database before it.  Feed the
 * plaintext through trailer_update(); trailer_match() says whether the last
 * 32 bytes seen are the sha256 of everything before them (dg gets it).
 */
struct trailer_hash {
	void *md;			/* EVP_MD_CTX */
	unsigned char tail[32];		/* the last bytes seen, held back from the hash */
	size_t tail_len;
};
void trailer_init(struct trailer_hash *t);	/* (re)start */
void trailer_update(struct trailer_hash *t, const unsigned char *p, size_t n);
int trailer_match(struct trailer_hash *t, unsigned char dg[32]);
void trailer_free(struct trailer_hash *t);

#endif
