/*
 * check-updates.c: strategy "updates" (seed: "Regular K3s Updates").  The
 * update engineer (issue 9) extends this table with channel and advisory
 * checks; this first check only establishes the installed version.
 */
#include "k3sguard.h"
#include "check.h"

static void
version_known(const struct node *n, struct check_result *r)
{
	if (n->k3s_version) {
		check_pass(r, "K3s %s ('%s --version')", n->k3s_version,
		    n->k3s_bin ? n->k3s_bin : "k3s");
		return;
	}
	if (check_source_failed(n, "version", r))
		return;
	check_fail(r, "K3s version unknown: '%s --version' gave no version",
	    n->k3s_bin ? n->k3s_bin : "k3s");
}

const struct check checks_updates[] = {
	{ "updates.version-known", "updates", SEV_MEDIUM,
	  "The installed K3s version is known (k3s --version)",
	  version_known,
	  "Make sure the K3s binary is where the unit runs it from (--k3s-bin PATH tells k3sguard) "
	  "and that 'k3s --version' works: without the version, updates and advisories cannot be judged.",
	  "Installed K3s version known.",
	  "The installed K3s version could not be determined." },
};
const size_t nchecks_updates = ARRAY_SIZE(checks_updates);
