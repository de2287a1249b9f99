/* SPDX-License-Identifier: Apache-2.0 */
/*
 * traefik-yaml.h: building, merging and writing struct ynode trees, for
 * Helm values (chart defaults < HelmChart < HelmChartConfig) and for the
 * HelmChartConfig that `traefik harden` writes.
 *
 * Merge follows Helm: maps merge key by key, recursively; a scalar or a
 * list replaces what was there; a null removes the key.  The writer uses
 * libyaml's emitter (never string pasting), so what it writes is YAML that
 * libyaml reads back into the same tree.
 */
#ifndef K3SGUARD_TRAEFIK_YAML_H
#define K3SGUARD_TRAEFIK_YAML_H

#include "core/buf.h"
#include "core/yamltree.h"

struct ynode *ynew_map(void);
struct ynode *ynew_seq(void);
/* A scalar; plain = 1 for typed values (true, 100), 0 for strings. */
struct ynode *ynew_scalar(const char *s, int plain);
/* A string scalar: plain when a YAML reader would still see a string. */
struct ynode *ynew_str(const char *s);
struct ynode *ycopy(const struct ynode *n);

/* Set key in map (replacing and freeing an old value); map takes val. */
void ymap_set(struct ynode *map, const char *key, struct ynode *val);
/* The map at key, created (replacing a non-map) when needed. */
struct ynode *ymap_sub(struct ynode *map, const char *key);
/* Remove key; 1 when it was there. */
int ymap_del(struct ynode *map, const char *key);
/* Remove a dotted path's last key; 1 when it was there. */
int ypath_del(struct ynode *root, const char *dotted);
/* Append to a sequence; seq takes val. */
void yseq_add(struct ynode *seq, struct ynode *val);
/* Remove item i of a sequence (freeing it). */
void yseq_del(struct ynode *seq, size_t i);

/* Helm's merge of src over dst (dst modified; src untouched). */
void ymerge(struct ynode *dst, const struct ynode *src);

/* Structural equality (scalars by text and plainness). */
int yequal(const struct ynode *a, const struct ynode *b);

/*
 * Emit docs as YAML (documents separated with "---") into out.  Scalars
 * keep their style: plain ones plain when libyaml allows it, the others
 * double-quoted; a scalar holding newlines is written as a literal block.
 */
int yaml_emit(struct ynode *const *docs, size_t n, struct buf *out);

#endif
