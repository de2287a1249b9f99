/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifests-applied.c: what the cluster applied from the manifests dir,
 * against the signed baseline (see manifests-ops.h mapplied_*).
 *
 * K3s's deploy controller (pkg/deploy/controller.go deploy()) keeps one
 * Addon per manifest file in kube-system, named after the file's base name
 * up to the first dot; after each successful apply it sets spec.source to
 * the file's path and spec.checksum to checksum(content): the hex sha256
 * of the file's bytes as read (controller.go checksum()).  The baseline
 * keeps the sha256 of each locked file, so the two compare directly: an
 * Addon whose checksum differs from the baseline's file means the cluster
 * runs content that was not reviewed, even when the file on disk was put
 * back since.
 */
#include "core/k3sguard.h"
#include "cluster/cluster.h"
#include "manifests/manifests-ops.h"
#include "node/node.h"
#include "report/escape.h"

#include <jansson.h>

void
mapplied_free(struct mapplied *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->d[i].rel);
		free(a->d[i].addon);
		free(a->d[i].checksum);
	}
	free(a->d);
	cluster_free(&a->cs);
	memset(a, 0, sizeof(*a));
}

/* The file below dir that source names ("<dir>/<rel>"), or NULL. */
static const char *
rel_of(const char *dir, const char *source)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (strncmp(source, dir, n) != 0 || source[n] != '/' || !source[n + 1])
		return NULL;
	return source + n + 1;
}

static void
add_drift(struct mapplied *a, const char *rel, const struct cobj *o, const char *sum,
    const struct mentry *base)
{
	struct mapplied_drift *d;

	a->d = xrealloc(a->d, (a->n + 1) * sizeof(*a->d));
	d = &a->d[a->n++];
	d->rel = xstrdup(rel);
	d->addon = xstrdup(cluster_obj_name(&a->cs, o));
	d->checksum = xstrdup(sum);
	d->base = base;
}

/* One Addon: drift when its file is under dir and not the baseline's content. */
static void
compare_addon(struct mapplied *a, const char *dir, const struct mtree *base,
    const struct cobj *o)
{
	char *source, *sum, hex[65];
	const char *rel;
	const struct mentry *e;

	if (cluster_addon_spec(o, &source, &sum) < 0) {
		a->unparsed++;	/* never applied (no checksum yet), or not an Addon */
		return;
	}
	if (strlen(sum) != 64 || strspn(sum, "0123456789abcdef") != 64) {
		free(sum);
		sum = xstrdup("(not a sha256)");
	}
	if ((rel = rel_of(dir, source))) {
		e = mtree_find(base, rel);
		if (e && S_ISREG(e->mode) && e->hashed) {
			hex_encode(e->sha, sizeof(e->sha), hex);
			if (strcmp(hex, sum) != 0)
				add_drift(a, rel, o, sum, e);
			else
				a->same++;
		} else {
			add_drift(a, rel, o, sum, NULL);
		}
	}
	free(source);
	free(sum);
}

void
mapplied_compare(const struct node *n, const char *dir, const struct mtree *base,
    struct mapplied *a)
{
	memset(a, 0, sizeof(*a));
	if (!n || n->role != ROLE_SERVER) {
		a->cs.kind = CLUSTER_UNKNOWN;
		a->cs.why = xstrdup(!n ? "the K3s node could not be read" :
		    "not a K3s server node: no datastore here");
		return;
	}
	cluster_load_node(n, &a->cs);
	for (size_t i = 0; a->cs.kind == CLUSTER_READ && i < a->cs.n; i++)
		if (starts_with(a->cs.o[i].key, CLUSTER_ADDON_PREFIX "kube-system/", NULL))
			compare_addon(a, dir, base, &a->cs.o[i]);
}

void
mapplied_text(const struct mapplied *a)
{
	struct buf line = BUF_INIT;

	struct buf desc = BUF_INIT;

	/* node values (the datastore's path, keys, Addon sources): escaped here */
	cluster_describe(&a->cs, &desc);
	buf_adds(&line, "applied: ");
	esc_add(&line, desc.s, ESC_TEXT);
	buf_adds(&line, a->cs.kind == CLUSTER_UNKNOWN ?
	    ": what the cluster applied was not compared with the baseline" : "");
	puts(line.s);
	buf_release(&desc);
	for (size_t i = 0; i < a->n; i++) {
		const struct mapplied_drift *d = &a->d[i];
		char hex[65];

		buf_reset(&line);
		buf_adds(&line, "applied  ");
		esc_add(&line, d->rel, ESC_TEXT);
		if (d->base) {
			hex_encode(d->base->sha, sizeof(d->base->sha), hex);
			buf_addf(&line, ": the cluster applied content sha256 %.12s, the baseline "
			    "has %.12s (", d->checksum, hex);
		} else {
			buf_adds(&line, ": the cluster applied it, the baseline has no such file (");
		}
		esc_add(&line, d->addon, ESC_TEXT);
		buf_adds(&line, ")");
		puts(line.s);
	}
	buf_release(&line);
}

void
mapplied_evidence(const struct mapplied *a, struct buf *out)
{
	const struct mapplied_drift *d = a->n ? &a->d[0] : NULL;

	if (!d) {
		cluster_describe(&a->cs, out);
		if (a->cs.kind == CLUSTER_READ)
			buf_addf(out, ", %zu applied file%s as locked", a->same,
			    a->same == 1 ? "" : "s");
		return;
	}
	buf_addf(out, "the cluster applied %zu file%s that the baseline does not hold (first: '%s', ",
	    a->n, a->n == 1 ? "" : "s", d->rel);
	if (d->base)
		buf_addf(out, "sha256 %.12s, the baseline has another content; ", d->checksum);
	else
		buf_adds(out, "not in the baseline; ");
	buf_addf(out, "%s)", d->addon);
}

/*
 * A node value as a JSON string: invalid UTF-8 replaced (json_string()
 * returns NULL for it, and json_object_set_new() then drops the field).
 */
static json_t *
jstr(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *j;

	esc_add(&b, s, ESC_UTF8);
	j = json_string(b.s);
	buf_release(&b);
	return j;
}

json_t *
mapplied_json(const struct mapplied *a)
{
	static const char *const kinds[] = { "none", "read", "unknown" };
	json_t *o = json_object(), *arr = json_array();
	struct buf desc = BUF_INIT;

	cluster_describe(&a->cs, &desc);
	json_object_set_new(o, "state", json_string(kinds[a->cs.kind]));
	json_object_set_new(o, "description", jstr(desc.s));
	if (a->cs.source)
		json_object_set_new(o, "source", jstr(a->cs.source));
	json_object_set_new(o, "matching", json_integer((json_int_t)a->same));
	for (size_t i = 0; i < a->n; i++) {
		const struct mapplied_drift *d = &a->d[i];
		json_t *e = json_object();
		char hex[65];

		json_object_set_new(e, "path", jstr(d->rel));
		json_object_set_new(e, "addon", jstr(d->addon));
		json_object_set_new(e, "applied_sha256", jstr(d->checksum));
		if (d->base) {
			hex_encode(d->base->sha, sizeof(d->base->sha), hex);
			json_object_set_new(e, "baseline_sha256", json_string(hex));
		} else {
			json_object_set_new(e, "baseline_sha256", json_null());
		}
		json_object_set_new(e, "change", json_string(d->base ? "content" :
		    "not-in-baseline"));
		json_array_append_new(arr, e);
	}
	json_object_set_new(o, "changes", arr);
	buf_release(&desc);
	return o;
}
