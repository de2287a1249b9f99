/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-allow.c: inline allows, the ignore file and baselines (see
 * scan-allow.h).  Invariants: reads only the text it is given; a baseline
 * entry is (rule, secret fingerprint, path below the root), so moving a
 * line or the checkout keeps it, and changing the secret does not.
 */
#include "core/k3sguard.h"
#include "scan/scan-allow.h"
#include "scan/scan-report.h"

#include <fnmatch.h>
#include <jansson.h>

#define ALLOW_WORD	"k3sguard:allow"

static const char *
line_begin(const char *buf, const char *p)
{
	while (p > buf && p[-1] != '\n')
		p--;
	return p;
}

static const char *
line_finish(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

/* The reason after "k3sguard:allow" on [ls, le), or NULL. */
static char *
allow_on_line(const char *ls, const char *le)
{
	size_t wl = strlen(ALLOW_WORD);
	const char *a = NULL, *r, *e;

	for (const char *s = ls; s + wl <= le; s++)
		if (!memcmp(s, ALLOW_WORD, wl)) {
			a = s;
			break;
		}
	if (!a)
		return NULL;
	r = a + wl;
	if (r < le && *r != ' ' && *r != '\t' && *r != ':')
		return NULL;	/* "k3sguard:allowed" */
	while (r < le && ((unsigned char)*r <= ' ' || *r == ':'))
		r++;
	/* a NUL ends the text a reason can be (the reason is a C string) */
	e = memchr(r, '\0', (size_t)(le - r));
	if (!e)
		e = le;
	/* the end of a comment is not part of the reason */
	for (const char *s = r; s + 1 < e; s++)
		if ((s[0] == '*' && s[1] == '/') || (s[0] == '-' && s[1] == '-' &&
		    s + 2 < e && s[2] == '>') || (s[0] == '#' && s[1] == '}')) {
			e = s;
			break;
		}
	while (e > r && ((unsigned char)e[-1] <= ' '))
		e--;
	if (e == r)
		return NULL;
	return xstrndup(r, (size_t)(e - r));
}

char *
scan_allow_inline(const char *buf, size_t len, size_t off)
{
	const char *end = buf + len, *ls = line_begin(buf, buf + off);
	char *r = allow_on_line(ls, line_finish(ls, end));

	if (!r && ls > buf) {
		const char *pls = line_begin(buf, ls - 1);

		r = allow_on_line(pls, ls - 1);
	}
	return r;
}

void
scan_ignore_parse(const char *text, size_t len, struct scan_ignore *ig)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *le = line_finish(p, end), *s = p, *e = le;

		p = le < end ? le + 1 : end;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (unsigned char)e[-1] <= ' ')
			e--;
		if (s == e || *s == '#')
			continue;
		while (s < e && *s == '/' && e - s > 1)
			s++;
		if (e - s > 1 && e[-1] == '/')
			e--;	/* "vendor/": the directory and all below */
		ig->pat = xrealloc(ig->pat, (ig->n + 1) * sizeof(*ig->pat));
		ig->pat[ig->n++] = xstrndup(s, (size_t)(e - s));
	}
}

int
scan_ignore_match(const struct scan_ignore *ig, const char *rel)
{
	struct buf pre = BUF_INIT;
	int hit = 0;

	for (size_t i = 0; i < ig->n && !hit; i++) {
		const char *g = ig->pat[i], *c = rel;

		if (!strchr(g, '/')) {
			/* any component */
			while (c && !hit) {
				const char *sl = strchr(c, '/');

				buf_reset(&pre);
				buf_add(&pre, c, sl ? (size_t)(sl - c) : strlen(c));
				hit = fnmatch(g, pre.s, 0) == 0;
				c = sl ? sl + 1 : NULL;
			}
			continue;
		}
		/* the path, or a directory above the file, from the root */
		for (size_t k = 0; !hit; k++) {
			if (rel[k] != '/' && rel[k] != '\0')
				continue;
			buf_reset(&pre);
			buf_add(&pre, rel, k);
			hit = fnmatch(g, pre.s, FNM_PATHNAME) == 0;
			if (!rel[k])
				break;
		}
	}
	buf_release(&pre);
	return hit;
}

void
scan_ignore_release(struct scan_ignore *ig)
{
	for (size_t i = 0; i < ig->n; i++)
		free(ig->pat[i]);
	free(ig->pat);
	ig->pat = NULL;
	ig->n = 0;
}

static char *
baseline_key(const char *rule, const char *fp, const char *rel)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s\t%s\t%s", rule, fp, rel);
	return b.s;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
scan_baseline_parse(const char *text, size_t len, const char *name, struct scan_baseline *bl)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr), *arr, *e;
	size_t i;

	if (!root)
		return error("baseline '%s': not JSON (line %d: %s)", name, jerr.line, jerr.text);
	arr = json_object_get(root, "findings");
	if (json_integer_value(json_object_get(root, "k3sguard_baseline")) != 1 ||
	    !json_is_array(arr)) {
		json_decref(root);
		return error("baseline '%s': not a k3sguard baseline (version 1)", name);
	}
	json_array_foreach(arr, i, e) {
		const char *r = json_string_value(json_object_get(e, "rule"));
		const char *f = json_string_value(json_object_get(e, "fingerprint"));
		const char *p = json_string_value(json_object_get(e, "path"));

		if (!r || !f || !p) {
			json_decref(root);
			scan_baseline_release(bl);
			return error("baseline '%s': entry %zu lacks rule, fingerprint or path",
			    name, i + 1);
		}
		bl->keys = xrealloc(bl->keys, (bl->n + 1) * sizeof(*bl->keys));
		bl->keys[bl->n++] = baseline_key(r, f, p);
	}
	json_decref(root);
	if (bl->n)
		qsort(bl->keys, bl->n, sizeof(*bl->keys), str_cmp);
	return 0;
}

int
scan_baseline_has(const struct scan_baseline *bl, const char *rule, const char *fp,
    const char *rel)
{
	char *k;
	int found;

	if (!bl->n)
		return 0;
	k = baseline_key(rule, fp, rel);
	found = bsearch(&k, bl->keys, bl->n, sizeof(*bl->keys), str_cmp) != NULL;
	free(k);
	return found;
}

void
scan_baseline_release(struct scan_baseline *bl)
{
	for (size_t i = 0; i < bl->n; i++)
		free(bl->keys[i]);
	free(bl->keys);
	bl->keys = NULL;
	bl->n = 0;
}

char *
scan_baseline_render(const struct finding *f, size_t n)
{
	json_t *root = json_object(), *arr = json_array();
	char *text, *out;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "rule",
		    scan_rules[f[i].hit.rule].id, "fingerprint", f[i].hit.fingerprint,
		    "path", f[i].rel));
	json_object_set_new(root, "k3sguard_baseline", json_integer(1));
	json_object_set_new(root, "findings", arr);
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		fatal("out of memory");
	out = xmalloc(strlen(text) + 2);
	memcpy(out, text, strlen(text));
	memcpy(out + strlen(text), "\n", 2);
	free(text);
	return out;
}
