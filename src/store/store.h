/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h: the secret store, one interface over two backends.
 *
 * A secret has a NAME ([A-Za-z0-9][A-Za-z0-9._-]{0,63}) and numbered
 * versions (1, 2, ...).  Every version keeps its metadata (created, a
 * fingerprint, a note, a state) until it is pruned, so a token that an old
 * etcd snapshot needs can still be found by its fingerprint.
 *
 * Backends, chosen by "store.backend" in k3sguard's config:
 *   file (default)  one AEAD-encrypted file per secret under
 *                   /var/lib/k3sguard/secrets/ (under --root), key from
 *                   /etc/k3sguard/master.key or $CREDENTIALS_DIRECTORY/k3sguard.key;
 *   exec            a helper program ("store.helper") that keeps the values
 *                   (get/store/erase KEY, value on stdin/stdout); k3sguard
 *                   keeps the metadata beside, in NAME.meta.
 *
 * Invariants:
 *  - values cross this interface only in a struct buf the CALLER releases
 *    with buf_wipe(), and leave the process only through a pipe (never argv,
 *    env, logs, or an error message);
 *  - every write is atomic and serialised (a lock file in the store dir):
 *    after a crash the store holds the state before or after a call;
 *  - a wrong key, a tampered or truncated file is an error (-1, message
 *    naming the file), never a partial or empty value.
 *
 * All functions return 0 on success, -1 after one error(); store_get()
 * returns 1 (no message) when the secret or version does not exist, so a
 * caller can tell "absent" from "broken".
 */
#ifndef K3SGUARD_STORE_H
#define K3SGUARD_STORE_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include "core/buf.h"

#define STORE_NAME_MAX	64
#define STORE_NOTE_MAX	256
#define STORE_VALUE_MAX	(64u * 1024)	/* one value; tokens are far smaller */

enum store_state {
	STORE_CURRENT,		/* the value in use; at most one version */
	STORE_PREVIOUS,		/* the one current before it; at most one */
	STORE_PENDING,		/* written before a change that may not happen (rotation) */
	STORE_OLD,		/* any older version, kept until pruned */
	STORE_ABANDONED		/* a pending version that was rolled back */
};

struct store_meta {
	unsigned version;		/* 1, 2, ... never reused for a name */
	long long created;		/* unix time of store_put() */
	enum store_state state;
	char fingerprint[13];		/* see store_fingerprint(); safe to show */
	char note[STORE_NOTE_MAX];	/* free text, no secret (it is shown) */
};

/*
 * The fingerprint of a value: for a K3s token (token_parse() accepts it),
 * the token's fingerprint, i.e. sha256(password)[:12] hex, the id of the
 * /bootstrap/<id> key; for anything else sha256(value)[:12] hex.
 */
void store_fingerprint(const void *val, size_t len, char out[13]);

/* 0 when name is a valid secret name, else -1 with a message. */
int store_name_ok(const char *name);

/*
 * Add a new version of name holding val (len <= STORE_VALUE_MAX).  state
 * is STORE_CURRENT (the current one, if any, becomes previous, the previous
 * one old) or STORE_PENDING (the others are untouched).  note may be NULL.
 * *version receives the new version number when version != NULL.
 */
int store_put(const char *name, const void *val, size_t len, enum store_state state,
    const char *note, unsigned *version);

/*
 * Append the value of version (0: the current one) to out, which must be
 * empty; meta receives its metadata when not NULL.  1 when the secret or
 * version does not exist (or, with version 0, has no current version).
 */
int store_get(const char *name, unsigned version, struct buf *out,
    struct store_meta *meta);

/*
 * Change the state of one version.  STORE_CURRENT demotes the current one
 * to previous and the previous one to old; STORE_ABANDONED or STORE_OLD
 * just relabel.  The value is never touched.
 */
int store_set_state(const char *name, unsigned version, enum store_state state);

/* Every version's metadata, oldest first; caller free()s *out. 1 when absent. */
int store_history(const char *name, struct store_meta **out, size_t *n);

/* Find the version whose fingerprint is fp: 0 found, 1 not found. */
int store_find_fingerprint(const char *name, const char *fp, struct store_meta *meta);

/* Names in the store, sorted; free each and the array (store_names_free). */
int store_list(char ***names, size_t *n);
void store_names_free(char **names, size_t n);

/*
 * Remove a whole secret (version 0) or one version that is not current.
 * 1 when absent.
 */
int store_remove(const char *name, unsigned version);

/* "current", "previous", "pending", "old", "abandoned"; parse: -1 if unknown. */
const char *store_state_name(enum store_state s);
int store_state_parse(const char *s, enum store_state *out);

/* "file" or "exec" (the backend in use, from the config). */
const char *store_backend_name(void);

/*
 * gate_read() of a node file whose content k3sguard takes as its own (a
 * store file, the master key, a token file, the rotation journal),
 * refusing a file with more than one link: its other name may be outside
 * the node.  -1 after one error().
 */
int store_read_node(const char *node_path, size_t cap, struct buf *out, struct stat *st);

/* 0 when st (of the node file shown) has one link; else -1 after error() saying why. */
int node_one_link(const struct stat *st, const char *shown);

/* Node path of the store dir (show with root_path()). */
#define STORE_DIR	"/var/lib/k3sguard/secrets"
#define STORE_MASTER_KEY "/etc/k3sguard/master.key"

#endif
