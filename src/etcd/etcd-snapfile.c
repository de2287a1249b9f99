/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-snapfile.c: chunked AES-256-GCM for etcd snapshots.  See the header
 * for the format and the invariants.
 */
#include "core/k3sguard.h"
#include "etcd/etcd-snapfile.h"
#include "core/secret.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>

static const char magic[8] = { 'K', '3', 'S', 'G', 'S', 'N', 'P', '1' };
static const char kdf_label[] = "k3sguard etcd snapshot key v1";
static const char check_label[] = "k3sguard etcd snapshot key check";

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* file key from the store key and the header's salt; key check into chk */
static int
derive(const unsigned char master[SNAP_KEY_LEN], const unsigned char *salt,
    unsigned char *key, unsigned char chk[12])
{
	unsigned char in[sizeof(kdf_label) + 32], mac[32];
	size_t n = 0;

	memcpy(in, kdf_label, sizeof(kdf_label));
	memcpy(in + sizeof(kdf_label), salt, 32);
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, master, SNAP_KEY_LEN,
	    in, sizeof(in), key, SNAP_KEY_LEN, &n) || n != SNAP_KEY_LEN)
		return error("snapshot: key derivation failed");
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, SNAP_KEY_LEN,
	    (const unsigned char *)check_label, sizeof(check_label), mac,
	    sizeof(mac), &n) || n != 32)
		return error("snapshot: key derivation failed");
	memcpy(chk, mac, 12);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

static void
nonce_for(unsigned char nonce[12], uint64_t counter, int final)
{
	memset(nonce, 0, 12);
	nonce[0] = final ? 1 : 0;
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (unsigned char)(counter >> (56 - 8 * i));
}

/* the writer thread's lock and condition (one condition: both sides wait on it) */
struct snap_pipe {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

/* start the disk's write-back every this many bytes (the fsync then waits less) */
#define SNAP_FLUSH_EVERY	(8u << 20)

static int
seal(struct snap_writer *w, const struct snap_slot *sl)
{
	EVP_CIPHER_CTX *ctx = w->ctx;
	unsigned char nonce[12], aad[SNAP_HDR_LEN + 4];
	size_t n = 4 + sl->len + SNAP_TAG_LEN;
	int outl = 0, fl = 0;

	nonce_for(nonce, w->counter, sl->final);
	put32(w->out, (uint32_t)sl->len);
	memcpy(aad, w->hdr, SNAP_HDR_LEN);
	memcpy(aad + SNAP_HDR_LEN, w->out, 4);
	if (!EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, w->key, nonce) ||
	    !EVP_EncryptUpdate(ctx, NULL, &outl, aad, sizeof(aad)) ||
	    !EVP_EncryptUpdate(ctx, w->out + 4, &outl, sl->plain, (int)sl->len) ||
	    !EVP_EncryptFinal_ex(ctx, w->out + 4 + outl, &fl) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SNAP_TAG_LEN,
	    w->out + 4 + sl->len))
		return -1;
	if (write_all(w->fd, w->out, n) < 0)
		return errno ? errno : EIO;
	w->counter++;
	w->written += n;
	if (w->written - w->flushed >= SNAP_FLUSH_EVERY) {
		/* a hint: the final fsync is what makes the file durable */
		(void)sync_file_range(w->fd, (off_t)(SNAP_HDR_LEN + w->flushed),
		    (off_t)(w->written - w->flushed), SYNC_FILE_RANGE_WRITE);
		w->flushed = w->written;
	}
	return 0;
}

/* The writer thread: hook, seal and write each queued chunk in order. */
static void *
writer_main(void *arg)
{
	struct snap_writer *w = arg;
	struct snap_pipe *pp = w->pipe;

	pthread_mutex_lock(&pp->mu);
	for (;;) {
		while (w->count == 0 && !w->stop)
			pthread_cond_wait(&pp->cv, &pp->mu);
		if (w->stop == 2 || (w->count == 0 && w->stop))
			break;
		struct snap_slot *sl = &w->slot[w->head];
		int err = w->err;

		pthread_mutex_unlock(&pp->mu);
		if (!err) {
			if (w->hook)
				w->hook(w->hook_arg, sl->plain, sl->len);
			err = seal(w, sl);
		}
		pthread_mutex_lock(&pp->mu);
		if (err && !w->err)
			w->err = err;
		w->head = (w->head + 1) % SNAP_QUEUE;
		w->count--;
		pthread_cond_broadcast(&pp->cv);
	}
	pthread_mutex_unlock(&pp->mu);
	return NULL;
}

int
snap_writer_start(struct snap_writer *w, int fd, const char *name,
    const unsigned char master[SNAP_KEY_LEN], uint32_t key_version)
{
	struct snap_pipe *pp;

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->name = name;
	w->key = secret_alloc(SNAP_KEY_LEN);
	for (size_t i = 0; i < SNAP_QUEUE; i++)
		w->slot[i].plain = secret_alloc(SNAP_CHUNK);
	w->out = xmalloc(4 + SNAP_CHUNK + SNAP_TAG_LEN);
	if (!(w->ctx = EVP_CIPHER_CTX_new()))
		fatal("out of memory");
	memcpy(w->hdr, magic, 8);
	w->hdr[8] = 1;		/* format */
	w->hdr[9] = 1;		/* AES-256-GCM */
	put32(w->hdr + 12, key_version);
	put32(w->hdr + 16, SNAP_CHUNK);
	if (RAND_bytes(w->hdr + 20, 32) != 1)
		return error("snapshot: no randomness for the salt");
	if (derive(master, w->hdr + 20, w->key, w->hdr + 52) < 0)
		return -1;
	if (write_all(fd, w->hdr, SNAP_HDR_LEN) < 0)
		return error_errno("cannot write '%s'", name);
	pp = xcalloc(1, sizeof(*pp));
	pthread_mutex_init(&pp->mu, NULL);
	pthread_cond_init(&pp->cv, NULL);
	w->pipe = pp;
	if ((errno = pthread_create(&pp->thread, NULL, writer_main, w)) != 0) {
		w->pipe = NULL;
		pthread_cond_destroy(&pp->cv);
		pthread_mutex_destroy(&pp->mu);
		free(pp);
		return error_errno("snapshot: cannot start the writer thread");
	}
	return 0;
}

/* The writer thread's error as a message: -1. */
static int
writer_error(const struct snap_writer *w, int err)
{
	if (err < 0)
		return error("snapshot: encryption failed");
	errno = err;
	return error_errno("cannot write '%s'", w->name);
}

/*
 * Queue the chunk being filled (final or not) and wait for a free slot
 * (final: for the queue to drain).  -1 after error() when the writer failed.
 */
static int
enqueue(struct snap_writer *w, int final)
{
	struct snap_pipe *pp = w->pipe;
	int err;

	pthread_mutex_lock(&pp->mu);
	w->slot[w->fill].final = final;
	w->count++;
	w->fill = (w->fill + 1) % SNAP_QUEUE;
	pthread_cond_broadcast(&pp->cv);
	while (final ? w->count > 0 : w->count == SNAP_QUEUE)
		pthread_cond_wait(&pp->cv, &pp->mu);
	w->slot[w->fill].len = 0;	/* no longer queued: the writer is done with it */
	err = w->err;
	pthread_mutex_unlock(&pp->mu);
	return err ? writer_error(w, err) : 0;
}

int
snap_write(struct snap_writer *w, const void *data, size_t n)
{
	const unsigned char *p = data;

	/* slot[fill] is not queued: this thread alone touches it, no lock */
	while (n > 0) {
		struct snap_slot *sl = &w->slot[w->fill];
		size_t take = SNAP_CHUNK - sl->len;

		if (take > n)
			take = n;
		memcpy(sl->plain + sl->len, p, take);
		sl->len += take;
		w->total += take;
		p += take;
		n -= take;
		/* every full chunk goes as it is; the final one (maybe empty) at finish */
		if (sl->len == SNAP_CHUNK && enqueue(w, 0) < 0)
			return -1;
	}
	return 0;
}

int
snap_writer_finish(struct snap_writer *w)
{
	return enqueue(w, 1);
}

void
snap_writer_free(struct snap_writer *w)
{
	struct snap_pipe *pp = w->pipe;

	if (pp) {
		pthread_mutex_lock(&pp->mu);
		w->stop = 2;
		pthread_cond_broadcast(&pp->cv);
		pthread_mutex_unlock(&pp->mu);
		pthread_join(pp->thread, NULL);
		pthread_cond_destroy(&pp->cv);
		pthread_mutex_destroy(&pp->mu);
		free(pp);
	}
	secret_free(w->key, SNAP_KEY_LEN);
	for (size_t i = 0; i < SNAP_QUEUE; i++)
		secret_free(w->slot[i].plain, SNAP_CHUNK);
	free(w->out);
	EVP_CIPHER_CTX_free(w->ctx);
	memset(w, 0, sizeof(*w));
}

int
snap_read_header(int fd, const char *name, unsigned char hdr[SNAP_HDR_LEN],
    uint32_t *key_version)
{
	size_t got = 0;

	while (got < SNAP_HDR_LEN) {
		ssize_t r = read(fd, hdr + got, SNAP_HDR_LEN - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_errno("cannot read '%s'", name);
		if (r == 0)
			return error("'%s' is not a k3sguard etcd snapshot (too short)", name);
		got += (size_t)r;
	}
	if (memcmp(hdr, magic, 8))
		return error("'%s' is not a k3sguard etcd snapshot (bad magic)", name);
	if (hdr[8] != 1 || hdr[9] != 1)
		return error("'%s': unsupported snapshot format %u / algorithm %u", name,
		    hdr[8], hdr[9]);
	if (get32(hdr + 16) != SNAP_CHUNK)
		return error("'%s': unsupported chunk size %lu", name,
		    (unsigned long)get32(hdr + 16));
	*key_version = get32(hdr + 12);
	return 0;
}

/* read exactly n bytes: 1 done, 0 clean EOF before any byte, -1 short/error */
static int
read_exact(int fd, unsigned char *p, size_t n, size_t *got)
{
	*got = 0;
	while (*got < n) {
		ssize_t r = read(fd, p + *got, n - *got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -2;
		if (r == 0)
			return *got == 0 ? 0 : -1;
		*got += (size_t)r;
	}
	return 1;
}

/* ctx has the cipher and the file key (set once per file): only the nonce changes */
static int
open_chunk(EVP_CIPHER_CTX *ctx, const unsigned char *hdr,
    const unsigned char *rec, size_t len, uint64_t counter, int final,
    unsigned char *plain)
{
	unsigned char nonce[12], aad[SNAP_HDR_LEN + 4], tag[SNAP_TAG_LEN];
	int outl = 0, fl = 0;

	nonce_for(nonce, counter, final);
	memcpy(aad, hdr, SNAP_HDR_LEN);
	memcpy(aad + SNAP_HDR_LEN, rec, 4);
	memcpy(tag, rec + 4 + len, SNAP_TAG_LEN);
	if (!EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) ||
	    !EVP_DecryptUpdate(ctx, NULL, &outl, aad, sizeof(aad)) ||
	    !EVP_DecryptUpdate(ctx, plain, &outl, rec + 4, (int)len) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SNAP_TAG_LEN, tag))
		return 0;
	return EVP_DecryptFinal_ex(ctx, plain + outl, &fl) == 1;
}

/*
 * The chunk buffers hold a chunk of len bytes: grown by doubling from a
 * page up to SNAP_CHUNK, so a short or damaged file never costs the 2 MiB
 * (secret memory locked and wiped) of a full chunk.
 */
static void
chunk_bufs(size_t len, size_t *cap, unsigned char **plain, unsigned char **rec)
{
	size_t n = *cap ? *cap : 4096;

	if (*plain && len <= *cap)
		return;
	while (n < len)
		n *= 2;
	if (n > SNAP_CHUNK)
		n = SNAP_CHUNK;
	secret_free(*plain, *cap);
	*plain = secret_alloc(n);
	*rec = xrealloc(*rec, 4 + n + SNAP_TAG_LEN);
	*cap = n;
}

int
snap_decrypt(int fd, const char *name, const unsigned char hdr[SNAP_HDR_LEN],
    const unsigned char master[SNAP_KEY_LEN],
    int (*sink)(void *arg, const unsigned char *p, size_t n), void *arg,
    uint64_t *total)
{
	unsigned char *key = secret_alloc(SNAP_KEY_LEN), chk[12], lenb[4];
	unsigned char *plain = NULL, *rec = NULL;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint64_t i = 0;
	int ret = -1, final = 0;
	size_t got, cap = 0;

	*total = 0;
	if (!ctx)
		fatal("out of memory");
	if (derive(master, hdr + 20, key, chk) < 0)
		goto out;
	if (CRYPTO_memcmp(chk, hdr + 52, 12)) {
		error("'%s': wrong key (store key version %lu does not open this "
		    "snapshot, or its header was altered)", name,
		    (unsigned long)get32(hdr + 12));
		goto out;
	}
	if (!EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, NULL)) {
		error("snapshot: decryption failed");
		goto out;
	}
	for (;; i++) {
		int r = read_exact(fd, lenb, 4, &got);
		size_t len;

		if (r == -2) {
			error_errno("cannot read '%s'", name);
			goto out;
		}
		if (r == 0) {
			if (final) {
				ret = 0;
				goto out;
			}
			error("'%s' is truncated: the final chunk is missing (%llu chunks "
			    "read)", name, (unsigned long long)i);
			goto out;
		}
		if (final) {
			error("'%s' has data after its final chunk", name);
			goto out;
		}
		if (r < 0) {
			error("'%s' is truncated inside chunk %llu", name,
			    (unsigned long long)i);
			goto out;
		}
		len = get32(lenb);
		if (len > SNAP_CHUNK) {
			error("'%s': chunk %llu has an impossible length (tampered)", name,
			    (unsigned long long)i);
			goto out;
		}
		chunk_bufs(len, &cap, &plain, &rec);
		memcpy(rec, lenb, 4);
		r = read_exact(fd, rec + 4, len + SNAP_TAG_LEN, &got);
		if (r == -2) {
			error_errno("cannot read '%s'", name);
			goto out;
		}
		if (r != 1) {
			error("'%s' is truncated inside chunk %llu", name,
			    (unsigned long long)i);
			goto out;
		}
		if (open_chunk(ctx, hdr, rec, len, i, 0, plain)) {
			final = 0;
		} else if (open_chunk(ctx, hdr, rec, len, i, 1, plain)) {
			final = 1;
		} else {
			/* a genuine chunk from elsewhere in this file? */
			uint64_t from = UINT64_MAX, nchunks = i + 2;
			struct stat st;

			if (fstat(fd, &st) == 0 && st.st_size > SNAP_HDR_LEN)
				nchunks = (uint64_t)(st.st_size - SNAP_HDR_LEN) /
				    (4 + SNAP_CHUNK + SNAP_TAG_LEN) + 2;
			for (uint64_t j = 0; j < nchunks && from == UINT64_MAX; j++)
				if (j != i && (open_chunk(ctx, hdr, rec, len, j, 0, plain) ||
				    open_chunk(ctx, hdr, rec, len, j, 1, plain)))
					from = j;
			if (from != UINT64_MAX)
				error("'%s': chunk %llu is chunk %llu moved (chunks swapped "
				    "or reordered)", name, (unsigned long long)i,
				    (unsigned long long)from);
			else
				error("'%s': chunk %llu fails authentication (modified: a "
				    "flipped or altered byte)", name, (unsigned long long)i);
			goto out;
		}
		*total += len;
		if (sink && sink(arg, plain, len) < 0)
			goto out;
	}
out:
	secret_free(key, SNAP_KEY_LEN);
	secret_free(plain, cap);
	free(rec);
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

void
trailer_init(struct trailer_hash *t)
{
	if (!t->md && !(t->md = EVP_MD_CTX_new()))
		fatal("out of memory");
	EVP_DigestInit_ex(t->md, EVP_sha256(), NULL);
	t->tail_len = 0;
}

void
trailer_update(struct trailer_hash *t, const unsigned char *p, size_t n)
{
	size_t total = t->tail_len + n;

	if (total <= 32) {
		memcpy(t->tail + t->tail_len, p, n);
		t->tail_len = total;
	} else {
		size_t hash_n = total - 32;
		size_t from_tail = hash_n < t->tail_len ? hash_n : t->tail_len;
		size_t from_p = hash_n - from_tail, keep = t->tail_len - from_tail;
		unsigned char nt[32];

		EVP_DigestUpdate(t->md, t->tail, from_tail);
		EVP_DigestUpdate(t->md, p, from_p);
		memcpy(nt, t->tail + from_tail, keep);
		memcpy(nt + keep, p + from_p, n - from_p);
		memcpy(t->tail, nt, 32);
		t->tail_len = 32;
	}
}

int
trailer_match(struct trailer_hash *t, unsigned char dg[32])
{
	unsigned int dl = 0;

	EVP_DigestFinal_ex(t->md, dg, &dl);
	return t->tail_len == 32 && !memcmp(dg, t->tail, 32);
}

void
trailer_free(struct trailer_hash *t)
{
	EVP_MD_CTX_free(t->md);
	t->md = NULL;
}
