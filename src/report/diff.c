/* SPDX-License-Identifier: Apache-2.0 */
/*
 * diff.c: audit --diff OLD.json (see report.h): new and resolved failures
 * between an earlier JSON report and this audit.  A failure is a check
 * with status fail, resolved only when this audit ran it and it passes.
 * OLD is checked to be a k3sguard report (its tool, checks with ids and
 * statuses) before anything is compared.
 */
#include "core/k3sguard.h"
#include "report/escape.h"
#include "report/report.h"

#include <jansson.h>
#include <string.h>

static void
add(char ***v, size_t *n, const char *id)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(id);
}

/* 1 when the old report's checks name id with status fail. */
static int
old_failed(const json_t *checks, const char *id)
{
	size_t i;
	json_t *c;

	json_array_foreach(checks, i, c) {
		const char *cid = json_string_value(json_object_get(c, "id"));
		const char *st = json_string_value(json_object_get(c, "status"));

		if (cid && st && !strcmp(cid, id) && !strcmp(st, "fail"))
			return 1;
	}
	return 0;
}

/*
 * 1 when this audit ran the check and it passes: a check this audit did
 * not run (another --strategy, a check since removed), or one that now
 * says skip, error, warn or waived, is not resolved.
 */
static int
now_resolved(const struct report *rp, const char *id)
{
	for (size_t i = 0; i < rp->nitems; i++)
		if (!strcmp(rp->items[i].check->id, id))
			return rp->items[i].result.status == ST_PASS;
	return 0;
}

static json_t *
load_old(const char *path)
{
	struct buf data = BUF_INIT;
	json_error_t je;
	json_t *doc, *checks;
	size_t i;
	json_t *c;

	if (file_read(path, 64u << 20, &data, NULL) < 0)
		return NULL;	/* the message is out */
	doc = json_loadb(data.s, data.len, JSON_REJECT_DUPLICATES, &je);
	buf_release(&data);
	if (!doc) {
		error("--diff '%s' line %d: not JSON: %s", path, je.line, je.text);
		return NULL;
	}
	checks = json_object_get(doc, "checks");
	if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "tool")) ||
	    strcmp(json_string_value(json_object_get(doc, "tool")), "k3sguard") ||
	    !json_is_array(checks)) {
		json_decref(doc);
		error("--diff '%s': not a k3sguard audit JSON report", path);
		return NULL;
	}
	json_array_foreach(checks, i, c) {
		if (!json_is_string(json_object_get(c, "id")) ||
		    !json_is_string(json_object_get(c, "status"))) {
			json_decref(doc);
			error("--diff '%s': check %zu has no id or status", path, i);
			return NULL;
		}
	}
	return doc;
}

int
report_diff_load(const struct report *rp, const char *old, struct report_diff *d)
{
	json_t *doc = load_old(old), *checks, *c;
	size_t i;

	memset(d, 0, sizeof(*d));
	if (!doc)
		return -1;
	checks = json_object_get(doc, "checks");
	for (i = 0; i < rp->nitems; i++)
		if (rp->items[i].result.status == ST_FAIL &&
		    !old_failed(checks, rp->items[i].check->id))
			add(&d->added, &d->nadded, rp->items[i].check->id);
	json_array_foreach(checks, i, c) {
		const char *id = json_string_value(json_object_get(c, "id"));

		if (!strcmp(json_string_value(json_object_get(c, "status")), "fail") &&
		    now_resolved(rp, id))
			add(&d->resolved, &d->nresolved, id);
	}
	json_decref(doc);
	return 0;
}

static json_t *
ids_json(char **v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		struct buf b = BUF_INIT;

		esc_add(&b, v[i], ESC_UTF8);
		json_array_append_new(a, json_string(b.s ? b.s : ""));
		buf_release(&b);
	}
	return a;
}

int
report_diff_render(const struct report *rp, const struct report_diff *d, int json, FILE *out)
{
	if (json) {
		json_t *doc = json_pack("{s:s, s:s, s:o, s:o}", "tool", "k3sguard",
		    "version", K3SGUARD_VERSION, "new", ids_json(d->added, d->nadded),
		    "resolved", ids_json(d->resolved, d->nresolved));
		int r = 0;

		if (!doc || json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
			r = error("cannot write the diff");
		fputc('\n', out);
		json_decref(doc);
		return r;
	}
	for (size_t i = 0; i < d->nadded; i++) {
		fputs("new       ", out);
		esc_fputs(d->added[i], ESC_TEXT, out);
		fputc('\n', out);
	}
	for (size_t i = 0; i < d->nresolved; i++) {
		fputs("resolved  ", out);
		esc_fputs(d->resolved[i], ESC_TEXT, out);
		fputc('\n', out);
	}
	fprintf(out, "diff: %zu new, %zu resolved failures (%zu failing now)\n", d->nadded,
	    d->nresolved, rp->count[ST_FAIL]);
	return 0;
}

void
report_diff_free(struct report_diff *d)
{
	for (size_t i = 0; i < d->nadded; i++)
		free(d->added[i]);
	for (size_t i = 0; i < d->nresolved; i++)
		free(d->resolved[i]);
	free(d->added);
	free(d->resolved);
	memset(d, 0, sizeof(*d));
}
