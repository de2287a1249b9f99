/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-update.c: the Plans 'update plan' writes, parsed back by libyaml and
 * checked field by field; refusals; window parsing; advisory matching;
 * channel JSON parsing (good and malformed).
 */
#include "core/k3sguard.h"
#include "update/update.h"
#include "core/yamltree.h"
#include "unit.h"


static const char *
s(const struct ynode *n, const char *path)
{
	return yscalar(ypath(n, path));
}

static const struct ynode *
expr(const struct ynode *plan, size_t i)
{
	const struct ynode *e = ypath(plan, "spec.nodeSelector.matchExpressions");

	return e && e->type == Y_SEQ && i < e->n ? e->vals[i] : NULL;
}

static void
test_plans_fields(void)
{
	struct plan_opts o = { .version = "v1.34.6+k3s1", .canary_key = "k3sguard.io/canary",
		.canary_value = "true", .concurrency = 3, .drain = 1, .namespace = "system-upgrade" };
	struct buf y = BUF_INIT;
	struct ydocs d;
	char *store = NULL;
	const struct ynode *c, *sv, *ag, *args;

	CHECK(plan_parse_window("sat,sunday 01:00-05:30 Europe/Berlin", &o, &store) == 0);
	CHECK(plan_render(&o, &y) == 0);
	if (yaml_parse("plans", y.s, y.len, &d) < 0 || d.n != 3) {
		CHECK(!"three documents");
		return;
	}
	c = d.doc[0];
	sv = d.doc[1];
	ag = d.doc[2];
	for (size_t i = 0; i < 3; i++) {
		CHECK_STR(s(d.doc[i], "apiVersion"), "upgrade.cattle.io/v1");
		CHECK_STR(s(d.doc[i], "kind"), "Plan");
		CHECK_STR(s(d.doc[i], "metadata.namespace"), "system-upgrade");
		CHECK_STR(s(d.doc[i], "spec.serviceAccountName"), "system-upgrade");
		CHECK_STR(s(d.doc[i], "spec.upgrade.image"), "rancher/k3s-upgrade");
		CHECK_STR(s(d.doc[i], "spec.version"), "v1.34.6+k3s1");
		CHECK(ypath(d.doc[i], "spec.channel") == NULL);
		CHECK_STR(s(d.doc[i], "spec.window.startTime"), "01:00");
		CHECK_STR(s(d.doc[i], "spec.window.endTime"), "05:30");
		CHECK_STR(s(d.doc[i], "spec.window.timeZone"), "Europe/Berlin");
		CHECK(ypath(d.doc[i], "spec.window.days")->n == 2);
		CHECK_STR(yscalar(ypath(d.doc[i], "spec.window.days")->vals[0]), "saturday");
		CHECK_STR(yscalar(ypath(d.doc[i], "spec.window.days")->vals[1]), "sunday");
	}
	/* canary: the labelled nodes, one at a time, cordoned, first */
	CHECK_STR(s(c, "metadata.name"), "k3s-canary");
	CHECK_STR(s(c, "spec.concurrency"), "1");
	CHECK_STR(s(expr(c, 0), "key"), "k3sguard.io/canary");
	CHECK_STR(s(expr(c, 0), "operator"), "In");
	CHECK_STR(yscalar(ypath(expr(c, 0), "values")->vals[0]), "true");
	CHECK(ybool(ypath(c, "spec.cordon")) == 1);
	CHECK(ypath(c, "spec.prepare") == NULL);
	/* servers: one at a time, after the canary, control-plane tolerations */
	CHECK_STR(s(sv, "metadata.name"), "k3s-server");
	CHECK_STR(s(sv, "spec.concurrency"), "1");
	CHECK_STR(s(expr(sv, 0), "key"), "node-role.kubernetes.io/control-plane");
	CHECK_STR(s(expr(sv, 0), "operator"), "In");
	CHECK_STR(s(expr(sv, 1), "operator"), "NotIn");
	CHECK(ybool(ypath(sv, "spec.cordon")) == 1);
	args = ypath(sv, "spec.prepare.args");
	CHECK_STR(s(sv, "spec.prepare.image"), "rancher/k3s-upgrade");
	CHECK(args && args->n == 2 && !strcmp(yscalar(args->vals[0]), "prepare") &&
	    !strcmp(yscalar(args->vals[1]), "k3s-canary"));
	CHECK(ypath(sv, "spec.tolerations") && ypath(sv, "spec.tolerations")->n == 4);
	/* agents: wait for the servers, drained, concurrency as asked */
	CHECK_STR(s(ag, "metadata.name"), "k3s-agent");
	CHECK_STR(s(ag, "spec.concurrency"), "3");
	CHECK_STR(s(expr(ag, 0), "operator"), "DoesNotExist");
	CHECK(ypath(expr(ag, 0), "values") == NULL);
	args = ypath(ag, "spec.prepare.args");
	CHECK(args && args->n == 2 && !strcmp(yscalar(args->vals[1]), "k3s-server"));
	CHECK(ybool(ypath(ag, "spec.drain.force")) == 1);
	CHECK(ypath(ag, "spec.cordon") == NULL);
	ydocs_free(&d);
	buf_release(&y);
	free(store);
}

static void
test_plans_channel_no_canary(void)
{
	struct plan_opts o = { .channel = "v1.33", .concurrency = 1, .namespace = "upg" };
	struct buf y = BUF_INIT;
	struct ydocs d;

	CHECK(plan_render(&o, &y) == 0);
	if (yaml_parse("plans", y.s, y.len, &d) < 0 || d.n != 2) {
		CHECK(!"two documents");
		return;
	}
	CHECK_STR(s(d.doc[0], "metadata.name"), "k3s-server");
	CHECK(ypath(d.doc[0], "spec.prepare") == NULL);
	CHECK_STR(s(d.doc[0], "spec.channel"), "https://update.k3s.io/v1-release/channels/v1.33");
	CHECK_STR(s(d.doc[1], "metadata.namespace"), "upg");
	CHECK(ybool(ypath(d.doc[1], "spec.cordon")) == 1);
	CHECK(ypath(d.doc[1], "spec.window") == NULL);
	ydocs_free(&d);
	buf_release(&y);
}

static void
test_allowed(void)
{
	static const struct { const char *from, *to; int ok; } t[] = {
		{ "v1.33.8+k3s1", "v1.34.6+k3s1", 1 },
		{ "v1.33.8+k3s1", "v1.33.10+k3s1", 1 },
		{ "v1.33.8+k3s1", "v1.33.8+k3s2", 1 },
		{ "v1.33.8-rc1+k3s1", "v1.33.8+k3s1", 1 },
		{ "v1.33.8+k3s1", "v1.35.0+k3s1", 0 },	/* skips 1.34 */
		{ "v1.33.8+k3s2", "v1.33.8+k3s1", 0 },	/* downgrade */
		{ "v1.33.8+k3s1", "v1.33.8-rc2+k3s1", 0 },
		{ "v1.33.8+k3s1", "v1.33.8+k3s1", 0 },
		{ "v1.33.8+k3s1", "v2.0.0+k3s1", 0 },
	};

	quiet_errors++;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct version a, b;

		CHECK(version_parse(t[i].from, &a) == 0 && version_parse(t[i].to, &b) == 0);
		if ((plan_allowed(&a, &b) == 0) != t[i].ok) {
			fprintf(stderr, "# %s -> %s\n", t[i].from, t[i].to);
			unit_cur_failed = 1;
		}
	}
	quiet_errors--;
}

static void
test_window_bad(void)
{
	static const char *const bad[] = { "sat", "sat 01:00", "funday 01:00-02:00",
		"sat 24:00-02:00", "sat 01:60-02:00", "sat 1:00-2:00", "sat 01:00-02:00 UTC extra",
		"sat 01:00-02:00 Euro;pe" };
	struct plan_opts o = { 0 };

	quiet_errors++;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *st = NULL;

		if (plan_parse_window(bad[i], &o, &st) == 0) {
			fprintf(stderr, "# accepted '%s'\n", bad[i]);
			unit_cur_failed = 1;
		}
		free(st);
	}
	quiet_errors--;
}

static void
test_advisory_applies(void)
{
	struct version f[3], v;
	struct advisory a = { .fixed = f, .nfixed = 3 };

	version_parse("v1.24.17", &f[0]);
	version_parse("v1.25.13", &f[1]);
	version_parse("v1.26.8", &f[2]);
	version_parse("v1.25.12+k3s1", &v);
	CHECK(advisory_applies(&a, &v));		/* before its line's fix */
	version_parse("v1.25.13+k3s1", &v);
	CHECK(!advisory_applies(&a, &v));		/* the fix */
	version_parse("v1.23.5+k3s1", &v);
	CHECK(advisory_applies(&a, &v));		/* older line, no fix */
	version_parse("v1.27.0+k3s1", &v);
	CHECK(!advisory_applies(&a, &v));		/* newer line */
	a.has_introduced = 1;
	version_parse("v1.25.0", &a.introduced);
	version_parse("v1.23.5+k3s1", &v);
	CHECK(!advisory_applies(&a, &v));		/* before it was introduced */
}

static void
test_channels_parse(void)
{
	static const char good[] = "{\"data\":[{\"id\":\"stable\",\"latest\":\"v1.34.6+k3s1\"},"
	    "{\"id\":\"v1.34\",\"latest\":\"v1.34.6+k3s1\"}]}";
	static const char *const bad[] = {
		"", "{", "[]", "{\"data\":{}}", "{\"data\":[]}", "{\"data\":[{\"latest\":\"v1.1.1+k3s1\"}]}",
		"{\"data\":[{\"id\":\"x\"}]}", "{\"data\":[{\"id\":\"x\",\"latest\":\"v1.1\"}]}",
		"{\"data\":[{\"id\":\"x\",\"latest\":\"v1.1.1+k3s1\"}],\"data\":[]}",
	};
	struct channels c;

	CHECK(channels_parse("good", good, strlen(good), &c) == 0);
	CHECK(c.n == 2 && channels_find(&c, "v1.34") && !channels_find(&c, "latest"));
	CHECK(channels_find(&c, "stable")->v.minor == 34);
	channels_free(&c);
	quiet_errors++;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (channels_parse("bad", bad[i], strlen(bad[i]), &c) == 0) {
			fprintf(stderr, "# accepted '%s'\n", bad[i]);
			unit_cur_failed = 1;
			channels_free(&c);
		}
	}
	quiet_errors--;
}

int
main(void)
{
	/* the policy lookups read the config: none, the defaults */
	gopt.config = "/nonexistent/k3sguard/config.yaml";
	T(test_plans_fields);
	T(test_plans_channel_no_canary);
	T(test_allowed);
	T(test_window_bad);
	T(test_advisory_applies);
	T(test_channels_parse);
	return UNIT_DONE();
}
