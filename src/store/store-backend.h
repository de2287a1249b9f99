/*
 * store-backend.h: what store.c shares with its backends (store-file.c,
 * store-exec.c).  Not for other callers: use store.h.
 */
#ifndef K3SGUARD_STORE_BACKEND_H
#define K3SGUARD_STORE_BACKEND_H

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
};

void sset_free(struct sset *s);
struct srec *sset_add(struct sset *s);

/* file backend: the whole secret, values included.  1 when absent. */
int sfile_load(const char *name, struct sset *s);
int sfile_save(const struct sset *s);
/* Host-mapped path of the secret's file (static ring, see root_path). */
const char *sfile_path(const char *name, const char *suffix);

/* exec backend: metadata in NAME.meta, values through the helper. */
int sexec_load(const char *name, struct sset *s);	/* 1 when absent */
int sexec_save(const struct sset *s);
int sexec_get(const char *name, unsigned version, struct buf *out);
int sexec_store(const char *name, unsigned version, const void *val, size_t len);
int sexec_erase(const char *name, unsigned version);

#endif
