/* SPDX-License-Identifier: Apache-2.0 */
/*
 * waiver.c: accepted findings (see report.h report_waive).
 *
 * The file (/etc/k3sguard/waivers.yaml under --root, or a local FILE the
 * user named) is one mapping with a list "waivers"; each entry has
 * check (a registry id), reason (required), expires (YYYY-MM-DD,
 * required, the last day it applies, UTC) and optionally nodes (a glob on
 * the node name).  Everything else is an error: a typo must not waive.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "core/yamltree.h"
#include "report/report.h"

#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WAIVERS_DEFAULT "/etc/k3sguard/waivers.yaml"

struct waiver {
	const struct check *check;
	const char *nodes;	/* glob or NULL */
	const char *reason;
	const char *expires;	/* "YYYY-MM-DD" */
	long days;		/* expiry, days since 1970-01-01 */
	int line;
};

/* Days since 1970-01-01 of a proleptic Gregorian date (civil-from-days inverse). */
static long
days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD" to days; -1 when it is not a real date. */
static int
parse_date(const char *s, long *days)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	char y[5], m[3], d[3];
	long long yy, mm, dd;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	memcpy(y, s, 4), y[4] = '\0';
	memcpy(m, s + 5, 2), m[2] = '\0';
	memcpy(d, s + 8, 2), d[2] = '\0';
	if (parse_num(y, 1970, 9999, &yy) < 0 || parse_num(m, 1, 12, &mm) < 0 ||
	    parse_num(d, 1, 31, &dd) < 0 || dd > mdays[mm - 1] ||
	    (mm == 2 && dd == 29 && (yy % 4 || (yy % 100 == 0 && yy % 400))))
		return -1;
	*days = days_from_civil((long)yy, (long)mm, (long)dd);
	return 0;
}

/* One entry's string field; fatal naming file and line when missing or not a string. */
static const char *
field(const char *path, const struct ynode *e, const char *key, int required)
{
	const struct ynode *v = ymap_get(e, key);

	if (!v || yis_null(v)) {
		if (required)
			fatal("'%s' line %d: a waiver needs '%s'", path, e->line, key);
		return NULL;
	}
	if (v->type != Y_SCALAR || !v->str[0] || memchr(v->str, '\0', v->len))
		fatal("'%s' line %d: '%s' must be a non-empty string", path, v->line, key);
	return v->str;
}

static void
check_entry_keys(const char *path, const struct ynode *e)
{
	static const char *const known[] = { "check", "nodes", "reason", "expires" };

	for (size_t i = 0; i < e->n; i++) {
		const char *k = yscalar(e->keys[i]);
		size_t j;

		for (j = 0; k && j < ARRAY_SIZE(known); j++)
			if (!strcmp(k, known[j]))
				break;
		if (!k || j == ARRAY_SIZE(known))
			fatal("'%s' line %d: unknown waiver key '%s' (known: check, nodes, "
			    "reason, expires)", path, e->keys[i]->line, k ? k : "?");
	}
}

static void
parse_entry(const char *path, const struct ynode *e, struct waiver *w)
{
	const char *id;

	if (e->type != Y_MAP)
		fatal("'%s' line %d: a waiver must be a mapping", path, e->line);
	check_entry_keys(path, e);
	id = field(path, e, "check", 1);
	if (!(w->check = check_find(id, NULL)))
		fatal("'%s' line %d: unknown check id '%s' (k3sguard audit --list-checks)",
		    path, ymap_get(e, "check")->line, id);
	w->nodes = field(path, e, "nodes", 0);
	w->reason = field(path, e, "reason", 1);
	w->expires = field(path, e, "expires", 1);
	if (parse_date(w->expires, &w->days) < 0)
		fatal("'%s' line %d: expires '%s' is not a date (YYYY-MM-DD)", path,
		    ymap_get(e, "expires")->line, w->expires);
	w->line = e->line;
}

/* Read the file: local when the user named it, else the node's, through the gate. */
static int
read_file_data(const char *path, int local, struct buf *data)
{
	struct stat st;
	int r = local ? path_lstat(path, &st) : gate_lstat(path, &st);

	if (r < 0 && errno == ENOENT && !local)
		return 0;	/* no default file: no waivers */
	if (r < 0)
		fatal("waivers '%s': %s", path, strerror(errno));
	r = local ? file_read(path, CONFIG_MAX, data, &st) :
	    gate_read(path, CONFIG_MAX, data, &st);
	if (r < 0 || file_trusted(&st, local ? path : root_path(path)) < 0)
		exit(EXIT_ERROR);	/* the message is out */
	return 1;
}

static long
today(void)
{
	return (long)(time(NULL) / 86400);
}

/* Apply w to the item it names (fail and warn only: pass stays, unknown stays). */
static void
apply(struct report *rp, const struct waiver *w, const char *path, const char *name)
{
	for (size_t i = 0; i < rp->nitems; i++) {
		struct report_item *it = &rp->items[i];
		struct check_result *r = &it->result;
		struct buf ev = BUF_INIT;

		if (it->check != w->check)
			continue;
		if (w->nodes && fnmatch(w->nodes, name, 0) != 0)
			continue;
		if (w->days < today()) {
			warning("waiver for %s ('%s' line %d) expired on %s: not applied",
			    w->check->id, path, w->line, w->expires);
			buf_addf(&r->evidence, " [waiver expired %s, not applied]", w->expires);
			continue;
		}
		if (r->status != ST_FAIL && r->status != ST_WARN)
			continue;
		buf_addf(&ev, "%s until %s ('%s' line %d): %s; was %s: %s",
		    "waived", w->expires, path, w->line, w->reason,
		    status_name(r->status), r->evidence.s ? r->evidence.s : "");
		rp->count[r->status]--;
		check_set(r, ST_WAIVED, "%s", ev.s);
		rp->count[ST_WAIVED]++;
		buf_release(&ev);
	}
}

void
report_waive(struct report *rp, const char *file)
{
	const char *path = file ? file : WAIVERS_DEFAULT;
	const char *shown = file ? file : root_path(path);
	struct buf data = BUF_INIT, name = BUF_INIT;
	struct ydocs docs = { 0 };
	const struct ynode *top, *list;

	if (!read_file_data(path, file != NULL, &data))
		return;
	if (yaml_parse(shown, data.s, data.len, &docs) < 0)
		exit(EXIT_ERROR);
	buf_release(&data);
	top = docs.n ? docs.doc[0] : NULL;
	if (docs.n > 1 || !top || top->type != Y_MAP || top->n != 1 ||
	    !(list = ymap_get(top, "waivers")))
		fatal("'%s': expected one mapping with the single key 'waivers' (a list)", shown);
	if (list->type != Y_SEQ && !yis_null(list))
		fatal("'%s' line %d: 'waivers' must be a list", shown, list->line);
	report_node_name(rp, &name);
	for (size_t i = 0; list->type == Y_SEQ && i < list->n; i++) {
		struct waiver w;

		parse_entry(shown, list->vals[i], &w);
		apply(rp, &w, shown, name.s ? name.s : "");
	}
	buf_release(&name);
	ydocs_free(&docs);
}
