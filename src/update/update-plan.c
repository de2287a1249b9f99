/* SPDX-License-Identifier: Apache-2.0 */
/*
 * update-plan.c: system-upgrade-controller Plans (upgrade.cattle.io/v1) for
 * a K3s upgrade: a canary Plan for labelled nodes first, then the servers
 * one at a time (cordoned), then the agents, which wait for the servers
 * through `prepare` (rancher/k3s-upgrade's "prepare <plan>" verb).  Written
 * with libyaml's emitter.  Downgrades and skipped minors are refused before
 * anything is written: the upgrade image refuses downgrades itself and has
 * no rollback (shared/reference/k3s.md).
 */
#include "core/k3sguard.h"
#include "traefik/traefik-yaml.h"
#include "update/update.h"

#define UPGRADE_IMAGE "rancher/k3s-upgrade"
#define CHANNEL_BASE "https://update.k3s.io/v1-release/channels/"

int
plan_allowed(const struct version *installed, const struct version *target)
{
	char a[VERSION_STR_MAX], b[VERSION_STR_MAX];
	int c = version_cmp(target, installed);

	version_str(installed, a);
	version_str(target, b);
	if (c < 0)
		return error("refusing a downgrade from %s to %s: system-upgrade-controller's "
		    "upgrade image refuses it and K3s does not support it; go back with "
		    "'k3sguard update rollback --kit DIR'", a, b);
	if (c == 0)
		return error("already at %s: no Plan needed", a);
	if (target->major != installed->major)
		return error("refusing an upgrade from %s to %s: a new major version", a, b);
	if (target->minor > installed->minor + 1)
		return error("refusing an upgrade from %s to %s: it skips v%ld.%ld; upgrade one minor "
		    "at a time (first to the latest v%ld.%ld: --channel v%ld.%ld)", a, b,
		    installed->major, installed->minor + 1, installed->major, installed->minor + 1,
		    installed->major, installed->minor + 1);
	return 0;
}

static const char *const day_names[] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
};

static int
valid_hhmm(const char *s)
{
	return strlen(s) == 5 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	    s[2] == ':' && isdigit((unsigned char)s[3]) && isdigit((unsigned char)s[4]) &&
	    (s[0] - '0') * 10 + (s[1] - '0') < 24 && s[3] < '6';
}

int
plan_parse_window(const char *s, struct plan_opts *o, char **storage)
{
	char *copy = xstrdup(s), *save = NULL, *days, *span, *tz, *dash;
	struct buf canon = BUF_INIT;

	*storage = copy;
	days = strtok_r(copy, " ", &save);
	span = strtok_r(NULL, " ", &save);
	tz = strtok_r(NULL, " ", &save);
	if (!days || !span || strtok_r(NULL, " ", &save))
		return error("--window '%s': expected \"DAYS START-END [TIMEZONE]\", e.g. "
		    "\"saturday,sunday 01:00-05:00 UTC\"", s);
	for (char *d = days, *next; d && *d; d = next) {
		size_t i;

		next = strchr(d, ',');
		if (next)
			*next++ = '\0';
		for (i = 0; i < ARRAY_SIZE(day_names); i++)
			if (!strcasecmp(d, day_names[i]) || (strlen(d) == 3 &&
			    !strncasecmp(d, day_names[i], 3)))
				break;
		if (i == ARRAY_SIZE(day_names)) {
			buf_release(&canon);
			return error("--window: '%s' is not a day of the week", d);
		}
		buf_addf(&canon, "%s%s", canon.len ? "," : "", day_names[i]);
	}
	if (!(dash = strchr(span, '-'))) {
		buf_release(&canon);
		return error("--window: '%s' is not START-END (HH:MM-HH:MM)", span);
	}
	*dash = '\0';
	if (!valid_hhmm(span) || !valid_hhmm(dash + 1)) {
		buf_release(&canon);
		return error("--window: times must be HH:MM (00:00 to 23:59)");
	}
	if (tz) {
		for (const char *p = tz; *p; p++)
			if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p)) {
				buf_release(&canon);
				return error("--window: '%s' is not a time zone name", tz);
			}
	}
	/* one allocation holds "days\0start\0end\0tz\0" for o to point into */
	{
		size_t d = canon.len, st, en;

		buf_addch(&canon, '\0');
		st = canon.len;
		buf_adds(&canon, span);
		buf_addch(&canon, '\0');
		en = canon.len;
		buf_adds(&canon, dash + 1);
		buf_addch(&canon, '\0');
		{
			size_t tzo = canon.len;

			buf_adds(&canon, tz ? tz : "UTC");
			free(copy);
			*storage = buf_detach(&canon);
			o->window_days = *storage;
			o->window_start = *storage + st;
			o->window_end = *storage + en;
			o->window_tz = *storage + tzo;
			(void)d;
		}
	}
	return 0;
}

static struct ynode *
sel_expr(const char *key, const char *op, const char *value)
{
	struct ynode *e = ynew_map(), *vals;

	ymap_set(e, "key", ynew_str(key));
	ymap_set(e, "operator", ynew_scalar(op, 1));
	if (value) {
		vals = ynew_seq();
		yseq_add(vals, ynew_str(value));
		ymap_set(e, "values", vals);
	}
	return e;
}

static struct ynode *
toleration(const char *key, const char *effect)
{
	struct ynode *t = ynew_map();

	ymap_set(t, "key", ynew_str(key));
	ymap_set(t, "operator", ynew_scalar("Exists", 1));
	if (effect)
		ymap_set(t, "effect", ynew_scalar(effect, 1));
	return t;
}

static struct ynode *
plan(const struct plan_opts *o, const char *name, const char *wait_for, int servers, int canary)
{
	struct ynode *p = ynew_map(), *md, *spec, *sel, *exprs, *up, *lab;
	char num[24];

	ymap_set(p, "apiVersion", ynew_scalar("upgrade.cattle.io/v1", 1));
	ymap_set(p, "kind", ynew_scalar("Plan", 1));
	md = ymap_sub(p, "metadata");
	ymap_set(md, "name", ynew_str(name));
	ymap_set(md, "namespace", ynew_str(o->namespace));
	lab = ymap_sub(md, "labels");
	ymap_set(lab, "app.kubernetes.io/managed-by", ynew_scalar("k3sguard", 1));
	spec = ymap_sub(p, "spec");
	snprintf(num, sizeof(num), "%ld", servers ? 1 : o->concurrency);
	ymap_set(spec, "concurrency", ynew_scalar(canary ? "1" : num, 1));
	sel = ymap_sub(spec, "nodeSelector");
	exprs = ynew_seq();
	if (canary) {
		yseq_add(exprs, sel_expr(o->canary_key, "In", o->canary_value));
	} else {
		yseq_add(exprs, sel_expr("node-role.kubernetes.io/control-plane",
		    servers ? "In" : "DoesNotExist", servers ? "true" : NULL));
		if (o->canary_key)
			yseq_add(exprs, sel_expr(o->canary_key, "NotIn", o->canary_value));
	}
	ymap_set(sel, "matchExpressions", exprs);
	ymap_set(spec, "serviceAccountName", ynew_str("system-upgrade"));
	if (servers || canary) {
		struct ynode *tol = ynew_seq();

		yseq_add(tol, toleration("CriticalAddonsOnly", NULL));
		yseq_add(tol, toleration("node-role.kubernetes.io/control-plane", "NoSchedule"));
		yseq_add(tol, toleration("node-role.kubernetes.io/master", "NoSchedule"));
		yseq_add(tol, toleration("node-role.kubernetes.io/etcd", "NoExecute"));
		ymap_set(spec, "tolerations", tol);
	}
	if (!servers && !canary && o->drain) {
		struct ynode *d = ymap_sub(spec, "drain");

		ymap_set(d, "force", ynew_scalar("true", 1));
		ymap_set(d, "deleteEmptydirData", ynew_scalar("true", 1));
		ymap_set(d, "ignoreDaemonSets", ynew_scalar("true", 1));
		ymap_set(d, "skipWaitForDeleteTimeout", ynew_scalar("60", 1));
	} else {
		ymap_set(spec, "cordon", ynew_scalar("true", 1));
	}
	if (wait_for) {
		struct ynode *prep = ymap_sub(spec, "prepare"), *args = ynew_seq();

		ymap_set(prep, "image", ynew_str(UPGRADE_IMAGE));
		yseq_add(args, ynew_str("prepare"));
		yseq_add(args, ynew_str(wait_for));
		ymap_set(prep, "args", args);
	}
	up = ymap_sub(spec, "upgrade");
	ymap_set(up, "image", ynew_str(UPGRADE_IMAGE));
	if (o->version) {
		ymap_set(spec, "version", ynew_str(o->version));
	} else {
		struct buf url = BUF_INIT;

		buf_addf(&url, CHANNEL_BASE "%s", o->channel);
		ymap_set(spec, "channel", ynew_str(url.s));
		buf_release(&url);
	}
	if (o->window_days) {
		struct ynode *w = ymap_sub(spec, "window"), *days = ynew_seq();
		char *copy = xstrdup(o->window_days), *save = NULL;

		for (char *d = strtok_r(copy, ",", &save); d; d = strtok_r(NULL, ",", &save))
			yseq_add(days, ynew_str(d));
		free(copy);
		ymap_set(w, "days", days);
		ymap_set(w, "startTime", ynew_scalar(o->window_start, 0));
		ymap_set(w, "endTime", ynew_scalar(o->window_end, 0));
		ymap_set(w, "timeZone", ynew_str(o->window_tz));
	}
	return p;
}

int
plan_render(const struct plan_opts *o, struct buf *out)
{
	struct ynode *docs[3];
	size_t n = 0;
	int ret;

	if (o->canary_key)
		docs[n++] = plan(o, "k3s-canary", NULL, 0, 1);
	docs[n++] = plan(o, "k3s-server", o->canary_key ? "k3s-canary" : NULL, 1, 0);
	docs[n++] = plan(o, "k3s-agent", "k3s-server", 0, 0);
	ret = yaml_emit(docs, n, out);
	for (size_t i = 0; i < n; i++)
		ynode_free(docs[i]);
	return ret;
}
