/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report-json.c: the report as one JSON document (docs/audit.schema.json).
 * k3sguard-report-format: json | one JSON document (schema: docs/audit.schema.json)
 */
#include "core/k3sguard.h"
#include "checks/check-cis.h"
#include "fleet/fleet.h"
#include "report/escape.h"
#include "report/report.h"

#include <time.h>

#include <jansson.h>

/* jansson aborts nothing: a NULL from it is out of memory */
static json_t *
chk(json_t *j)
{
	if (!j)
		fatal("out of memory");
	return j;
}

static void
set(json_t *obj, const char *key, json_t *val)
{
	if (json_object_set_new(obj, key, chk(val)) < 0)
		fatal("out of memory");
}

static void
push(json_t *arr, json_t *val)
{
	if (json_array_append_new(arr, chk(val)) < 0)
		fatal("out of memory");
}

/*
 * The one way a string gets into this report: as valid UTF-8 (invalid
 * bytes become U+FFFD, escape.h), so json_string() cannot refuse it;
 * jansson escapes control characters itself.
 */
static json_t *
ustr(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *j;

	esc_add(&b, s, ESC_UTF8);
	j = chk(json_string(b.s));
	buf_release(&b);
	return j;
}

static json_t *
str_or_null(const char *s)
{
	return s ? ustr(s) : json_null();
}

static json_t *
phrases_json(const struct phrases *p)
{
	json_t *a = chk(json_array());

	for (size_t i = 0; i < p->n; i++)
		push(a, ustr(p->v[i]));
	return a;
}

/* The CIS K3s Benchmark items a check answers (checks/check-cis.h). */
static json_t *
cis_ids(const char *check_id)
{
	const char *const *ids;
	size_t n = check_cis(check_id, &ids);
	json_t *a = chk(json_array());

	for (size_t i = 0; i < n; i++)
		push(a, ustr(ids[i]));
	return a;
}

/* Now as RFC 3339 in UTC: "2026-12-07T01:05:09Z". */
static const char *
rfc3339_now(char *b, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!gmtime_r(&now, &tm) || !strftime(b, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(b, len, "1970-01-01T00:00:00Z");
	return b;
}

int
report_json(const struct report *rp, FILE *out)
{
	const struct node *n = rp->node;
	json_t *doc = chk(json_object()), *node = chk(json_object());
	json_t *strats = chk(json_array()), *checks = chk(json_array());
	json_t *sum = chk(json_object()), *errs = chk(json_array());
	struct buf host = BUF_INIT;
	char stamp[32];
	int ret = 0;

	set(doc, "tool", ustr("k3sguard"));
	set(doc, "version", ustr(K3SGUARD_VERSION));
	set(doc, "timestamp", ustr(rfc3339_now(stamp, sizeof(stamp))));
	report_node_name(rp, &host);
	set(doc, "host", ustr(host.s ? host.s : ""));
	buf_release(&host);
	set(node, "root", ustr(n->root ? n->root : "/"));
	set(node, "role", ustr(role_name(n->role)));
	set(node, "k3s_version", str_or_null(n->k3s_version));
	set(node, "datastore", ustr(datastore_name(n->datastore)));
	set(node, "data_dir", n->data_dir ? ustr(n->data_dir) : json_null());
	set(doc, "node", node);
	for (size_t si = 0; si < nstrategies; si++) {
		const struct strategy *s = &strategies[si];
		json_t *o, *threats;
		struct phrases impl, miss;

		if (!report_has_strategy(rp, si))
			continue;
		o = chk(json_object());
		threats = chk(json_array());
		set(o, "id", ustr(s->id));
		set(o, "title", ustr(s->title));
		report_fields(rp, si, &impl, &miss);
		set(o, "implemented", phrases_json(&impl));
		set(o, "missing", phrases_json(&miss));
		phrases_free(&impl);
		phrases_free(&miss);
		for (size_t t = 0; t < s->nthreats; t++) {
			json_t *th = chk(json_object());

			set(th, "name", ustr(s->threats[t].name));
			set(th, "severity", ustr(s->threats[t].severity));
			push(threats, th);
		}
		set(o, "threats", threats);
		push(strats, o);
	}
	set(doc, "strategies", strats);
	for (size_t i = 0; i < rp->nitems; i++) {
		const struct report_item *it = &rp->items[i];
		json_t *c = chk(json_object());

		set(c, "id", ustr(it->check->id));
		set(c, "strategy", ustr(it->strategy->id));
		set(c, "severity", ustr(severity_name(it->check->severity)));
		set(c, "status", ustr(status_name(it->result.status)));
		set(c, "title", ustr(it->check->title));
		set(c, "evidence", ustr(it->result.evidence.s));
		set(c, "remediation", ustr(it->check->remediation));
		set(c, "fixable", json_boolean(check_fixable(it->check->id)));
		set(c, "cis", cis_ids(it->check->id));
		push(checks, c);
	}
	set(doc, "checks", checks);
	for (int st = 0; st < NSTATUS; st++)
		set(sum, status_name((enum status)st), json_integer((json_int_t)rp->count[st]));
	set(doc, "summary", sum);
	for (size_t i = 0; i < n->nerrors; i++) {
		json_t *e = chk(json_object());

		set(e, "source", ustr(n->errors[i].source));
		set(e, "file", ustr(n->errors[i].file ? n->errors[i].file : ""));
		set(e, "message", ustr(n->errors[i].msg));
		push(errs, e);
	}
	set(doc, "errors", errs);
	/* the facts only a comparison across nodes judges (report merge) */
	set(doc, "cluster", fleet_facts_json(n));
	if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
		ret = error("cannot write the JSON report");
	fputc('\n', out);
	json_decref(doc);
	return ret;
}
