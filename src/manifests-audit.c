/*
 * manifests-audit.c: the audit's view of the manifests baseline (a row in
 * check-manifests.c): a signed lock exists, its signature verifies, and the
 * directory matches it.  Quiet: the evidence line is the only output.
 */
#include "k3sguard.h"
#include "check.h"
#include "manifests.h"

void
manifests_check_baseline(const struct node *n, struct check_result *r)
{
	char *lock = xstrdup(root_path(MANIFESTS_LOCK));
	char *key = xstrdup(root_path(MANIFESTS_KEY));
	char *dir = xstrdup(root_path(node_data_path(n, "server/manifests")));
	struct mlock l;
	struct mtree cur;
	struct mchange *ch = NULL;
	enum sig_state sig;
	struct stat st;
	size_t nch;

	memset(&cur, 0, sizeof(cur));
	quiet_errors++;
	clear_error();
	if (lstat(lock, &st) < 0 && errno == ENOENT) {
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
		check_pass(r, "'%s' matches its signed baseline '%s' (%zu entries)",
		    node_data_path(n, "server/manifests"), MANIFESTS_LOCK, l.tree.n);
	}
	free(ch);
	mtree_free(&cur);
	mlock_free(&l);
out:
	quiet_errors--;
	free(lock);
	free(key);
	free(dir);
}
