/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifests-audit.c: the audit's view of the manifests baseline (a row in
 * check-manifests.c): a signed lock exists, its signature verifies, and the
 * directory matches it.  Quiet: the evidence line is the only output.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "checks/check.h"
#include "manifests/manifests.h"
#include "manifests/manifests-ops.h"

void
manifests_check_baseline(const struct node *n, struct check_result *r)
{
	const char *lock = MANIFESTS_LOCK, *key = MANIFESTS_KEY;
	char *dir = xstrdup(node_data_path(n, "server/manifests"));
	struct mlock l;
	struct mtree cur;
	struct mchange *ch = NULL;
	enum sig_state sig;
	size_t nch;

	memset(&cur, 0, sizeof(cur));
	quiet_errors++;
	clear_error();
	if (!gate_exists(lock)) {
		check_fail(r, "no signed baseline at '%s' (k3sguard manifests lock)", MANIFESTS_LOCK);
		goto out;
	}
	if (mlock_read(lock, key, &l, &sig) < 0) {
		check_error(r, "%s", last_error());
		goto out;
	}
	if (sig != SIG_OK) {
		check_fail(r, "baseline '%s': signature %s", MANIFESTS_LOCK, sig_state_name(sig));
		goto out;
	}
	if (mtree_scan(dir, &cur, 0) < 0) {
		check_error(r, "%s", last_error());
		mlock_free(&l);
		goto out;
	}
	nch = mtree_diff(&l.tree, &cur, &ch);
	if (nch) {
		struct buf what = BUF_INIT;

		mchange_what(ch[0].what, &what);
		check_fail(r, "'%s' differs from its signed baseline in %zu entr%s (first: '%s', %s)",
		    node_data_path(n, "server/manifests"), nch, nch == 1 ? "y" : "ies",
		    ch[0].path, what.s);
		buf_release(&what);
	} else {
		struct mapplied a;
		struct buf ev = BUF_INIT;

		/* what the cluster applied from it (K3s's Addon checksums) */
		mapplied_compare(n, dir, &l.tree, &a);
		mapplied_evidence(&a, &ev);
		if (a.n)
			check_fail(r, "'%s' matches its signed baseline '%s', but %s",
			    node_data_path(n, "server/manifests"), MANIFESTS_LOCK, ev.s);
		else
			check_pass(r, "'%s' matches its signed baseline '%s' (%zu entries); %s",
			    node_data_path(n, "server/manifests"), MANIFESTS_LOCK, l.tree.n, ev.s);
		buf_release(&ev);
		mapplied_free(&a);
	}
	free(ch);
	mtree_free(&cur);
	mlock_free(&l);
out:
	quiet_errors--;
	free(dir);
}

#define WATCH_UNIT "k3sguard-manifests-watch.service"

/* The unit's text when it exists in one of systemd's unit directories. */
static const char *
find_unit(struct buf *text, struct buf *where)
{
	static const char *const dirs[] = { "/etc/systemd/system", "/lib/systemd/system",
		"/usr/lib/systemd/system" };

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		buf_reset(where);
		buf_addf(where, "%s/%s", dirs[i], WATCH_UNIT);
		buf_reset(text);
		if (gate_read(where->s, CONFIG_MAX, text, NULL) == 0)
			return where->s;
	}
	return NULL;
}

void
manifests_check_watcher(const struct node *n, struct check_result *r)
{
	struct buf text = BUF_INIT, where = BUF_INIT, wants = BUF_INIT;
	const char *unit;

	(void)n;
	quiet_errors++;
	if (!(unit = find_unit(&text, &where))) {
		check_fail(r, "no %s in /etc/systemd/system or /lib/systemd/system: changes to "
		    "server/manifests are not watched", WATCH_UNIT);
	} else if (!strstr(text.s, "manifests watch")) {
		check_fail(r, "'%s' does not run 'k3sguard manifests watch'", unit);
	} else {
		buf_addf(&wants, "/etc/systemd/system/multi-user.target.wants/%s", WATCH_UNIT);
		if (!gate_exists(wants.s))
			check_fail(r, "'%s' is installed but not enabled (no '%s')", unit, wants.s);
		else
			check_pass(r, "'%s' is installed and enabled%s", unit,
			    strstr(text.s, "--enforce") ? " (with --enforce)" : "");
	}
	quiet_errors--;
	clear_error();
	buf_release(&text);
	buf_release(&where);
	buf_release(&wants);
}

void
manifests_check_apparmor(const struct node *n, struct check_result *r)
{
	struct buf path = BUF_INIT, text = BUF_INIT, want = BUF_INIT;
	const char *bin = n->k3s_bin ? n->k3s_bin : "/usr/local/bin/k3s";
	char *name = xstrdup(bin[0] == '/' ? bin + 1 : bin);

	for (char *p = name; *p; p++)
		if (*p == '/')
			*p = '.';
	buf_addf(&path, "/etc/apparmor.d/%s", name);
	buf_addf(&want, " %s ", bin);
	quiet_errors++;
	if (gate_read(path.s, CONFIG_MAX, &text, NULL) < 0)
		check_fail(r, "no AppArmor profile for '%s' at '%s' (k3sguard apparmor profile)",
		    bin, path.s);
	else if (!strstr(text.s, want.s) || !strstr(text.s, "profile "))
		check_fail(r, "'%s' holds no profile attached to '%s'", path.s, bin);
	else if (!strstr(text.s, "server/manifests/** r,"))
		check_warn(r, "'%s' confines '%s' but does not limit writes to server/manifests",
		    path.s, bin);
	else
		check_pass(r, "'%s' confines '%s' (%s mode); only packaged files in server/manifests "
		    "are writable by K3s", path.s, bin,
		    strstr(text.s, "complain)") ? "complain" : "enforce");
	quiet_errors--;
	clear_error();
	free(name);
	buf_release(&path);
	buf_release(&text);
	buf_release(&want);
}
