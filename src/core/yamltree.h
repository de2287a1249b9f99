/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yamltree.h: YAML documents as a small tree, read with libyaml.
 *
 * Every node remembers its line (1-based) so evidence can point at it.
 * Limits: depth 64, 1,000,000 nodes per parse; aliases (*x) are refused
 * (they are rare in K3s configs and unbounded in cost).  Errors name the
 * file and line.
 */
#ifndef K3SGUARD_YAMLTREE_H
#define K3SGUARD_YAMLTREE_H

#include <stddef.h>

enum ytype { Y_SCALAR, Y_MAP, Y_SEQ };

struct ynode {
	enum ytype type;
	int line;
	int plain;		/* scalar written without quotes */
	char *str;		/* scalar value (NUL-terminated), else NULL */
	size_t len;		/* scalar length (may contain NUL bytes) */
	char *tag;		/* explicit tag or NULL */
	size_t n;		/* map: pairs; seq: items */
	struct ynode **keys;	/* map keys (scalars or not) */
	struct ynode **vals;	/* map values, or seq items */
};

struct ydocs {
	size_t n;
	struct ynode **doc;	/* a document may be NULL (empty) */
};

/* Parse every document in data; name is used in errors. */
int yaml_parse(const char *name, const char *data, size_t len, struct ydocs *out);
void ydocs_free(struct ydocs *d);
void ynode_free(struct ynode *n);

/* Map lookup by scalar key; NULL when absent or map is not a map. */
struct ynode *ymap_get(const struct ynode *map, const char *key);
/* Dotted path lookup through maps: "spec.valuesContent". */
struct ynode *ypath(const struct ynode *n, const char *dotted);
/* Scalar string, or NULL when n is not a scalar. */
const char *yscalar(const struct ynode *n);
/* YAML 1.1 booleans as K3s reads them (true/false/yes/no/on/off); -1 if not one. */
int ybool(const struct ynode *n);
/* 1 when the scalar is a YAML null (~, null, empty plain). */
int yis_null(const struct ynode *n);

#endif
