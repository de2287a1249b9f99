/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-backend.h: what store.c shares with its backends (store-file.c,
 * store-exec.c).  Not for other callers: use store.h.
 */
#ifndef K3SGUARD_STORE_BACKEND_H
#define K3SGUARD_STORE_BACKEND_H

#include <stdint.h>

#include "store/store.h"

/* One version: metadata, and its value when the backend holds it here. */
struct srec {
	struct store_meta m;
	struct buf val;		/* secret_buf_reserve'd; buf_wipe'd by sset_free */
};

/* All versions of one secret, oldest first. */
struct sset {
	char name[STORE_NAME_MAX + 1];
	struct srec *v;
	size_t n;
	uint64_t wgen;		/* file backend: the file's write generation (0: none) */
};

void sset_free(struct sset *s);
struct srec *sset_add(struct sset *s);

/* file backend: the whole secret, values included.  1 when absent. */
int sfile_load(const char *name, struct sset *s);
/*
 * The parser of sfile_load(): the .sec file of secret name as read (raw,
 * len): header, AES-256-GCM with key (32 bytes, secret memory; when
 * load_key, it is filled with the store's master key once the header
 * checked), plaintext records, into s (s->wgen: the file's write
 * generation).  shown names the file in messages.  The rollback check
 * against NAME.gen is sfile_load()'s, after this.  0, or -1 after error()
 * with s freed.
 */
int sfile_parse(const char *name, const unsigned char *raw, size_t len, unsigned char *key,
    int load_key, const char *shown, struct sset *s);
int sfile_save(const struct sset *s);
/* Before the file of s is removed: its record moves past every copy of it. */
int sfile_forget(const struct sset *s);
/* Node path of the secret's file, STORE_DIR/NAME+suffix (static; open by gate). */
const char *sfile_path(const char *name, const char *suffix);

/* fsync STORE_DIR (after an unlink); -1 after error(). */
int store_dir_sync(void);

/* exec backend: metadata in NAME.meta, values through the helper. */
int sexec_load(const char *name, struct sset *s);	/* 1 when absent */
int sexec_save(const struct sset *s);
int sexec_get(const char *name, unsigned version, struct buf *out);
int sexec_store(const char *name, unsigned version, const void *val, size_t len);
int sexec_erase(const char *name, unsigned version);

#endif
