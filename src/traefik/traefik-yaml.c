/* SPDX-License-Identifier: Apache-2.0 */
/* traefik-yaml.c: see traefik-yaml.h. */
#include "core/k3sguard.h"
#include "traefik/traefik-yaml.h"

#include <yaml.h>

static struct ynode *
ynew(enum ytype t)
{
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->type = t;
	return n;
}

struct ynode *
ynew_map(void)
{
	return ynew(Y_MAP);
}

struct ynode *
ynew_seq(void)
{
	return ynew(Y_SEQ);
}

struct ynode *
ynew_scalar(const char *s, int plain)
{
	struct ynode *n = ynew(Y_SCALAR);

	n->str = xstrdup(s);
	n->len = strlen(s);
	n->plain = plain;
	return n;
}

struct ynode *
ynew_str(const char *s)
{
	struct ynode *n = ynew_scalar(s, 1);
	int typed = yis_null(n) || ybool(n) >= 0;

	/* numbers (and things that start like one) stay quoted, as does odd punctuation */
	if (!*s || isdigit((unsigned char)*s) || strchr("-+.~!&*|>'\"%@`#,[]{}?:", *s) ||
	    strpbrk(s, ":#\n\t") || s[strlen(s) - 1] == ' ')
		typed = 1;
	n->plain = !typed;
	return n;
}

struct ynode *
ycopy(const struct ynode *n)
{
	struct ynode *c;

	if (!n)
		return NULL;
	c = ynew(n->type);
	c->line = n->line;
	c->plain = n->plain;
	if (n->str) {
		c->str = xmalloc(n->len + 1);
		memcpy(c->str, n->str, n->len + 1);
		c->len = n->len;
	}
	if (n->tag)
		c->tag = xstrdup(n->tag);
	if (n->n) {
		c->n = n->n;
		c->vals = xcalloc(n->n, sizeof(*c->vals));
		c->keys = xcalloc(n->n, sizeof(*c->keys));
		for (size_t i = 0; i < n->n; i++) {
			if (n->type == Y_MAP)
				c->keys[i] = ycopy(n->keys[i]);
			c->vals[i] = ycopy(n->vals[i]);
		}
	}
	return c;
}

static void
append(struct ynode *p, struct ynode *key, struct ynode *val)
{
	size_t sz;

	if (size_mul(p->n + 1, sizeof(*p->vals), &sz) < 0)
		fatal("out of memory");
	/* keys kept for sequences too (NULL), as yamltree.c builds them */
	p->vals = xrealloc(p->vals, sz);
	p->keys = xrealloc(p->keys, sz);
	p->keys[p->n] = key;
	p->vals[p->n++] = val;
}

/* Index of the last pair with this key (the one readers use), or -1. */
static long
key_index(const struct ynode *map, const char *key)
{
	for (size_t i = map->n; i-- > 0;) {
		const char *k = yscalar(map->keys[i]);

		if (k && !strcmp(k, key))
			return (long)i;
	}
	return -1;
}

void
ymap_set(struct ynode *map, const char *key, struct ynode *val)
{
	long i = key_index(map, key);

	if (i >= 0) {
		ynode_free(map->vals[i]);
		map->vals[i] = val;
		return;
	}
	append(map, ynew_scalar(key, 1), val);
}

struct ynode *
ymap_sub(struct ynode *map, const char *key)
{
	struct ynode *v = ymap_get(map, key);

	if (v && v->type == Y_MAP)
		return v;
	v = ynew_map();
	ymap_set(map, key, v);
	return v;
}

static void
remove_at(struct ynode *p, size_t i)
{
	if (p->keys) {
		ynode_free(p->keys[i]);
		memmove(&p->keys[i], &p->keys[i + 1], (p->n - i - 1) * sizeof(*p->keys));
	}
	ynode_free(p->vals[i]);
	memmove(&p->vals[i], &p->vals[i + 1], (p->n - i - 1) * sizeof(*p->vals));
	p->n--;
}

int
ymap_del(struct ynode *map, const char *key)
{
	int found = 0;
	long i;

	if (!map || map->type != Y_MAP)
		return 0;
	/* duplicates too: a later reader must not find an older copy */
	while ((i = key_index(map, key)) >= 0) {
		remove_at(map, (size_t)i);
		found = 1;
	}
	return found;
}

int
ypath_del(struct ynode *root, const char *dotted)
{
	const char *dot = strrchr(dotted, '.');
	struct ynode *parent = root;

	if (dot) {
		char *head = xstrndup(dotted, (size_t)(dot - dotted));

		parent = ypath(root, head);
		free(head);
		dot++;
	} else {
		dot = dotted;
	}
	return ymap_del(parent, dot);
}

void
yseq_add(struct ynode *seq, struct ynode *val)
{
	append(seq, NULL, val);
}

void
yseq_del(struct ynode *seq, size_t i)
{
	if (seq && seq->type == Y_SEQ && i < seq->n)
		remove_at(seq, i);
}

void
ymerge(struct ynode *dst, const struct ynode *src)
{
	if (!dst || !src || dst->type != Y_MAP || src->type != Y_MAP)
		return;
	for (size_t i = 0; i < src->n; i++) {
		const char *k = yscalar(src->keys[i]);
		const struct ynode *v = src->vals[i];
		struct ynode *have;

		if (!k)
			continue;
		if (yis_null(v)) {
			ymap_del(dst, k);	/* Helm: null deletes a default */
			continue;
		}
		have = ymap_get(dst, k);
		if (have && have->type == Y_MAP && v->type == Y_MAP)
			ymerge(have, v);
		else
			ymap_set(dst, k, ycopy(v));
	}
}

int
yequal(const struct ynode *a, const struct ynode *b)
{
	if (!a || !b)
		return a == b;
	if (a->type != b->type || a->n != b->n)
		return 0;
	if (a->type == Y_SCALAR)
		return a->len == b->len && !memcmp(a->str, b->str, a->len) &&
		    !a->plain == !b->plain;
	for (size_t i = 0; i < a->n; i++) {
		if (a->type == Y_MAP && !yequal(a->keys[i], b->keys[i]))
			return 0;
		if (!yequal(a->vals[i], b->vals[i]))
			return 0;
	}
	return 1;
}

static int
emit_write(void *data, unsigned char *buffer, size_t size)
{
	buf_add(data, buffer, size);
	return 1;
}

static int
emit_event(yaml_emitter_t *em, yaml_event_t *ev)
{
	if (!yaml_emitter_emit(em, ev))
		return error("cannot write YAML: %s",
		    em->problem ? em->problem : "emitter error");
	return 0;
}

static int
emit_node(yaml_emitter_t *em, const struct ynode *n)
{
	yaml_event_t ev;
	yaml_char_t *tag = n && n->tag ? (yaml_char_t *)n->tag : NULL;

	if (!n) {
		if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)"", 0, 1, 1,
		    YAML_PLAIN_SCALAR_STYLE))
			fatal("out of memory");
		return emit_event(em, &ev);
	}
	switch (n->type) {
	case Y_SCALAR: {
		yaml_scalar_style_t style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;

		if (n->plain)
			style = YAML_PLAIN_SCALAR_STYLE;
		else if (memchr(n->str, '\n', n->len))
			style = YAML_LITERAL_SCALAR_STYLE;
		if (n->len > INT_MAX)
			return error("cannot write YAML: a value is too long");
		/* plain_implicit only for plain scalars, so a string "true" stays quoted */
		if (!yaml_scalar_event_initialize(&ev, NULL, tag, (yaml_char_t *)n->str,
		    (int)n->len, n->plain, !n->plain, style))
			return error("cannot write YAML: a value at line %d is not valid UTF-8",
			    n->line);
		return emit_event(em, &ev);
	}
	case Y_MAP:
		if (!yaml_mapping_start_event_initialize(&ev, NULL, tag, tag == NULL,
		    n->n ? YAML_BLOCK_MAPPING_STYLE : YAML_FLOW_MAPPING_STYLE))
			return error("cannot write YAML: a tag at line %d is not valid", n->line);
		if (emit_event(em, &ev) < 0)
			return -1;
		for (size_t i = 0; i < n->n; i++)
			if (emit_node(em, n->keys[i]) < 0 || emit_node(em, n->vals[i]) < 0)
				return -1;
		yaml_mapping_end_event_initialize(&ev);
		return emit_event(em, &ev);
	case Y_SEQ:
		if (!yaml_sequence_start_event_initialize(&ev, NULL, tag, tag == NULL,
		    n->n ? YAML_BLOCK_SEQUENCE_STYLE : YAML_FLOW_SEQUENCE_STYLE))
			return error("cannot write YAML: a tag at line %d is not valid", n->line);
		if (emit_event(em, &ev) < 0)
			return -1;
		for (size_t i = 0; i < n->n; i++)
			if (emit_node(em, n->vals[i]) < 0)
				return -1;
		yaml_sequence_end_event_initialize(&ev);
		return emit_event(em, &ev);
	}
	return error("cannot write YAML: bad node");
}

int
yaml_emit(struct ynode *const *docs, size_t n, struct buf *out)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	int ret = -1;

	if (!yaml_emitter_initialize(&em))
		fatal("out of memory");
	yaml_emitter_set_output(&em, emit_write, out);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, 120);
	yaml_emitter_set_indent(&em, 2);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if (emit_event(&em, &ev) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		/* an explicit "---" on every document: K3s manifests are read that way */
		yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0);
		if (emit_event(&em, &ev) < 0 || emit_node(&em, docs[i]) < 0)
			goto out;
		yaml_document_end_event_initialize(&ev, 1);
		if (emit_event(&em, &ev) < 0)
			goto out;
	}
	yaml_stream_end_event_initialize(&ev);
	if (emit_event(&em, &ev) < 0 || !yaml_emitter_flush(&em))
		goto out;
	ret = 0;
out:
	yaml_emitter_delete(&em);
	return ret;
}
