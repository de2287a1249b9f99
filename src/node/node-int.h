/* SPDX-License-Identifier: Apache-2.0 */
/*
 * node-int.h: what node.c, node-units.c and node-config.c share.  Not for
 * checks: they read struct node through node.h.
 */
#ifndef K3SGUARD_NODE_INT_H
#define K3SGUARD_NODE_INT_H

#include "node/node.h"

/* One precedence layer of one option while merging. */
struct vlist {
	struct kvalue *v;
	size_t n;
};

struct mopt {
	char *name;
	struct vlist env, cfg, cli;
	struct vlist seen;
};

/* The merge in progress (lives only inside node_load). */
struct merge {
	struct mopt *o;
	size_t n;
	size_t *idx;	/* open-addressing index into o (i + 1; 0 = empty) */
	size_t cap;	/* a power of two, or 0 */
};

/*
 * Record a source error: one error() line (printed once, here), kept in
 * n->errors.  line 0 = none.  Always returns -1.
 */
int node_err(struct node *n, const char *source, const char *file, int line,
    const char *fmt, ...) PRINTF(5, 6);
/* Same, with last_error() as the message (after a quiet library call). */
int node_err_last(struct node *n, const char *source, const char *file, int line);
/* A copy of s owned by the node (for struct origin.file). */
const char *node_intern(struct node *n, const char *s);
/*
 * p holds n elements of size bytes; make room for one more.  Capacity is
 * the next power of two of n, so appending n elements costs O(n), not
 * O(n^2) (a 1 MiB input can hold 100,000 items).
 */
void *node_grow(void *p, size_t n, size_t size);

/* p as an absolute host path (systemd runs K3s in /), no trailing '/' */
char *node_host_abs(const char *p);

struct mopt *merge_get(struct merge *m, const char *name);
/* node.c: env files and unit flags into m, and n->config_path from them */
void merge_units_env(struct node *n, struct merge *m);
/* node.c: m (emptied) into n->opts, by K3s's precedence */
void merge_finish(struct node *n, struct merge *m);
void vlist_add(struct vlist *l, const char *value, const struct origin *o);
void vlist_clear(struct vlist *l);

/*
 * The model from texts (what the readers below call once a file is read
 * through the gate; fuzz harnesses call them on their input).  data holds
 * len bytes and data[len] is NUL.
 */
#define SYSTEMD_DIR	"/etc/systemd/system"

/* node-lines.c: one logical line of a unit or env file */
struct lline {
	struct buf text;
	int *map;	/* physical line of each byte of text */
	int first;	/* line where it started */
};
/* the next logical line from *pos (0 at the end) */
int next_lline(const char *data, size_t len, size_t *pos, int *lineno,
    struct lline *l);
void lline_free(struct lline *l);

/* node-units.c: a node file read quietly (failure recorded against source) */
int node_read_file(struct node *n, const char *source, const char *host,
    struct buf *out, struct stat *st);
/* names in host dir with prefix and suffix, sorted (NULL: none or error) */
char **node_list_dir(struct node *n, const char *source, const char *dir,
    const char *prefix, const char *suffix, size_t *count);

/* node-units.c: a unit found at path (st: its lstat) */
struct unit *node_unit_add(struct node *n, const char *path, const char *name,
    int openrc, const struct stat *st);
/* a systemd unit file or drop-in of u, in the order systemd reads them */
void node_unit_parse(struct node *n, struct unit *u, const char *file,
    const char *data, size_t len);
/* an OpenRC script (u added with openrc 1) */
void node_openrc_parse(struct node *n, struct unit *u, const char *file,
    const char *data, size_t len);
/* the env file host (once: the same entry again), then its NAME=VALUE lines */
struct envfile *node_envfile_add(struct node *n, const char *host);
void node_envfile_parse(struct node *n, struct envfile *e, const char *data,
    size_t len);

/* node-units.c, node-envfile.c: read the files, then the texts above */
void node_read_units(struct node *n);
void node_read_envfiles(struct node *n);
/* Feed env values (seen; effective from the active unit's env), then unit flags. */
void merge_env(struct node *n, struct merge *m);
void merge_units(struct node *n, struct merge *m);
/*
 * Split s as systemd splits ExecStart= (quotes, C escapes, %% specifiers).
 * lines[i] is the line of word i (from linemap, one entry per byte of s).
 * 0, or -1 with the offset of an unterminated quote in *bad.
 */
int split_words(const char *s, const int *linemap, char ***words, int **lines,
    size_t *nwords, size_t *bad);
void free_words(char **w, size_t n);

/* node-version.c: k3s_version and k3s_version_from (see node.h) */
void node_read_version(struct node *n);

/* node-config.c: one config file's text (kind: SRC_CONFIG or SRC_DROPIN) */
void node_config_parse(struct node *n, struct merge *m, const char *host,
    enum source_kind kind, const char *data, size_t len);
/*
 * n->config_path (and config_explicit, config_none) as K3s picks it:
 * K3S_CONFIG_FILE of the active unit's environment, else --config/-c in
 * its command line, else the default.
 */
void find_config_file(struct node *n, struct merge *m);
/* the config file, then its .d drop-ins in name order */
void merge_configs(struct node *n, struct merge *m);

/* node-env.c: drop K3S_DATA_DIR for a server whose K3s does not read it. */
void node_env_data_dir(struct node *n);

#endif
