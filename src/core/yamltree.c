/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yamltree.c: libyaml events -> struct ynode trees (see yamltree.h for limits).
 */
#include "core/k3sguard.h"
#include "core/yamltree.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define YAML_MAX_DEPTH 64
#define YAML_MAX_NODES 1000000

struct yparser {
	yaml_parser_t p;
	const char *name;
	size_t nodes;
};

static int
next_event(struct yparser *yp, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&yp->p, ev)) {
		const char *prob = yp->p.problem ? yp->p.problem : "syntax error";

		return error("'%s' line %zu: invalid YAML: %s", yp->name,
		    (size_t)yp->p.problem_mark.line + 1, prob);
	}
	return 0;
}

static struct ynode *
new_node(struct yparser *yp, enum ytype t, const yaml_event_t *ev)
{
	struct ynode *n;

	if (++yp->nodes > YAML_MAX_NODES) {
		error("'%s': more than %d YAML nodes", yp->name, YAML_MAX_NODES);
		return NULL;
	}
	n = xcalloc(1, sizeof(*n));
	n->type = t;
	n->line = (int)ev->start_mark.line + 1;
	return n;
}

static void
append(struct ynode *parent, struct ynode *key, struct ynode *val)
{
	size_t n = parent->n;

	/*
	 * Grow by doubling (the capacity is the next power of two of n):
	 * growing by one made a 100,000-key map cost O(n^2) in copies.
	 */
	if ((n & (n - 1)) == 0) {
		size_t cap = n ? n * 2 : 1;

		parent->keys = xrealloc(parent->keys, cap * sizeof(*parent->keys));
		parent->vals = xrealloc(parent->vals, cap * sizeof(*parent->vals));
	}
	parent->keys[parent->n] = key;
	parent->vals[parent->n] = val;
	parent->n++;
}

static int parse_node(struct yparser *yp, yaml_event_t *ev, int depth, struct ynode **out);

/* Parse the children of a map or sequence until its end event. */
static int
parse_children(struct yparser *yp, struct ynode *n, int depth)
{
	yaml_event_type_t end = n->type == Y_MAP ? YAML_MAPPING_END_EVENT
	    : YAML_SEQUENCE_END_EVENT;

	for (;;) {
		yaml_event_t ev;
		struct ynode *key = NULL, *val = NULL;

		if (next_event(yp, &ev) < 0)
			return -1;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (n->type == Y_MAP) {
			if (parse_node(yp, &ev, depth + 1, &key) < 0)
				return -1;
			if (next_event(yp, &ev) < 0) {
				ynode_free(key);
				return -1;
			}
		}
		if (parse_node(yp, &ev, depth + 1, &val) < 0) {
			ynode_free(key);
			return -1;
		}
		append(n, key, val);
	}
}

/* Consumes ev (always deleted). */
static int
parse_node(struct yparser *yp, yaml_event_t *ev, int depth, struct ynode **out)
{
	struct ynode *n = NULL;
	const unsigned char *tag = NULL;
	int ret = -1;

	*out = NULL;
	if (depth > YAML_MAX_DEPTH) {
		error("'%s' line %zu: YAML nested deeper than %d", yp->name,
		    (size_t)ev->start_mark.line + 1, YAML_MAX_DEPTH);
		goto done;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (!(n = new_node(yp, Y_SCALAR, ev)))
			goto done;
		/* every byte: a "\0" escape is part of the value, and len counts it */
		n->str = xmemdupz(ev->data.scalar.value, ev->data.scalar.length);
		n->len = ev->data.scalar.length;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		tag = ev->data.scalar.tag;
		break;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		if (!(n = new_node(yp, ev->type == YAML_MAPPING_START_EVENT ? Y_MAP : Y_SEQ, ev)))
			goto done;
		tag = ev->type == YAML_MAPPING_START_EVENT ? ev->data.mapping_start.tag
		    : ev->data.sequence_start.tag;
		if (tag)
			n->tag = xstrdup((const char *)tag);
		tag = NULL;
		yaml_event_delete(ev);
		if (parse_children(yp, n, depth) < 0) {
			ynode_free(n);
			return -1;
		}
		*out = n;
		return 0;
	case YAML_ALIAS_EVENT:
		error("'%s' line %zu: YAML aliases are not supported", yp->name,
		    (size_t)ev->start_mark.line + 1);
		goto done;
	default:
		error("'%s' line %zu: unexpected YAML event", yp->name,
		    (size_t)ev->start_mark.line + 1);
		goto done;
	}
	if (tag)
		n->tag = xstrdup((const char *)tag);
	*out = n;
	ret = 0;
done:
	yaml_event_delete(ev);
	return ret;
}

int
yaml_parse(const char *name, const char *data, size_t len, struct ydocs *out)
{
	struct yparser yp = { .name = name };
	yaml_event_t ev;
	int ret = -1, done = 0;

	memset(out, 0, sizeof(*out));
	if (!yaml_parser_initialize(&yp.p))
		fatal("out of memory");
	yaml_parser_set_input_string(&yp.p, (const unsigned char *)data, len);
	while (!done) {
		if (next_event(&yp, &ev) < 0)
			goto out;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT: {
			struct ynode *root = NULL;
			yaml_event_t dev;

			yaml_event_delete(&ev);
			if (next_event(&yp, &dev) < 0)
				goto out;
			if (dev.type == YAML_DOCUMENT_END_EVENT) {
				yaml_event_delete(&dev);
			} else {
				if (parse_node(&yp, &dev, 0, &root) < 0)
					goto out;
				if (next_event(&yp, &dev) < 0) {
					ynode_free(root);
					goto out;
				}
				yaml_event_delete(&dev);
			}
			out->doc = xrealloc(out->doc, (out->n + 1) * sizeof(*out->doc));
			out->doc[out->n++] = root;
			continue;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	ret = 0;
out:
	yaml_parser_delete(&yp.p);
	if (ret < 0)
		ydocs_free(out);
	return ret;
}

void
ynode_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->keys)
			ynode_free(n->keys[i]);
		ynode_free(n->vals[i]);
	}
	free(n->keys);
	free(n->vals);
	free(n->str);
	free(n->tag);
	free(n);
}

void
ydocs_free(struct ydocs *d)
{
	for (size_t i = 0; i < d->n; i++)
		ynode_free(d->doc[i]);
	free(d->doc);
	memset(d, 0, sizeof(*d));
}

const char *
yscalar(const struct ynode *n)
{
	return n && n->type == Y_SCALAR ? n->str : NULL;
}

struct ynode *
ymap_get(const struct ynode *map, const char *key)
{
	if (!map || map->type != Y_MAP)
		return NULL;
	/* last one wins, as for duplicate keys in K3s's reader */
	for (size_t i = map->n; i-- > 0;) {
		const char *k = yscalar(map->keys[i]);

		if (k && !strcmp(k, key))
			return map->vals[i];
	}
	return NULL;
}

struct ynode *
ypath(const struct ynode *n, const char *dotted)
{
	char *copy = xstrdup(dotted), *save = NULL;
	struct ynode *cur = (struct ynode *)n;

	for (char *part = strtok_r(copy, ".", &save); part && cur;
	    part = strtok_r(NULL, ".", &save))
		cur = ymap_get(cur, part);
	free(copy);
	return cur;
}

int
ybool(const struct ynode *n)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };
	const char *s = yscalar(n);

	if (!s)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (!strcasecmp(s, yes[i]))
			return 1;
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (!strcasecmp(s, no[i]))
			return 0;
	return -1;
}

int
yis_null(const struct ynode *n)
{
	const char *s = yscalar(n);

	return !n || (s && n->plain && (!*s || !strcmp(s, "~") || !strcasecmp(s, "null")));
}
