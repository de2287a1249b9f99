/* SPDX-License-Identifier: Apache-2.0 */
/* check-cis.c: see check-cis.h. */
#include "core/k3sguard.h"
#include "checks/check-cis.h"

struct cis_row {
	const char *check_id;
	const char *const *ids;
	size_t n;
};

/*
 * 1.1.13/1.1.14 admin.kubeconfig permissions/ownership, 1.1.15/1.1.16 the
 * scheduler's, 1.1.17/1.1.18 the controller manager's (all under
 * server/cred/); 1.1.19 PKI directory and file ownership, 1.1.21 PKI key
 * file permissions (server/tls/).  1.1.20 (certificate permissions 600, a
 * "Manual" item) is not claimed: certificates are public, and no check
 * here holds them to 0600.
 */
static const char *const cred_files[] = { "1.1.13", "1.1.14", "1.1.15", "1.1.16", "1.1.17",
	"1.1.18" };
static const char *const tls_keys[] = { "1.1.19", "1.1.21" };

static const struct cis_row rows[] = {
	{ "server-token.cred-files", cred_files, ARRAY_SIZE(cred_files) },
	{ "server-token.tls-keys", tls_keys, ARRAY_SIZE(tls_keys) },
};

size_t
check_cis(const char *check_id, const char *const **ids)
{
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		if (!strcmp(rows[i].check_id, check_id)) {
			*ids = rows[i].ids;
			return rows[i].n;
		}
	*ids = NULL;
	return 0;
}
