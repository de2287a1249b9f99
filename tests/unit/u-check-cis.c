/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-check-cis.c: the CIS K3s Benchmark ids of the checks: every row names a
 * check of the registry, every id is an item number (N.N.N), the credential
 * checks carry the file items kube-bench's k3s-cis-1.8 master.yaml audits
 * on those paths, and a check without a row has none.
 */
#include "core/k3sguard.h"
#include "checks/check.h"
#include "checks/check-cis.h"
#include "unit.h"

static int
is_item(const char *s)
{
	int dots = 0;

	if (!isdigit((unsigned char)*s))
		return 0;
	for (; *s; s++) {
		if (*s == '.') {
			if (!isdigit((unsigned char)s[1]))
				return 0;
			dots++;
		} else if (!isdigit((unsigned char)*s)) {
			return 0;
		}
	}
	return dots == 2;
}

static int
has(const char *check_id, const char *item)
{
	const char *const *ids;
	size_t n = check_cis(check_id, &ids);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(ids[i], item))
			return 1;
	return 0;
}

static void
test_known_items(void)
{
	CHECK(has("server-token.cred-files", "1.1.13"));	/* admin.kubeconfig 600 */
	CHECK(has("server-token.cred-files", "1.1.14"));	/* and root:root */
	CHECK(has("server-token.cred-files", "1.1.17"));	/* controller kubeconfig */
	CHECK(has("server-token.tls-keys", "1.1.21"));		/* PKI keys 600 */
	CHECK(has("server-token.tls-keys", "1.1.19"));		/* PKI ownership */
	CHECK(!has("server-token.tls-keys", "1.1.20"));		/* certificates: not claimed */
	CHECK(!has("server-token.file-mode", "1.1.13"));
}

static void
test_rows_are_real(void)
{
	static const char *const probe[] = { "server-token.cred-files", "server-token.tls-keys",
		"server-token.file-mode", "updates.channel", "no.such-check" };

	for (size_t i = 0; i < ARRAY_SIZE(probe); i++) {
		const char *const *ids;
		size_t n = check_cis(probe[i], &ids);

		if (n) {
			CHECK(check_find(probe[i], NULL) != NULL);
			for (size_t j = 0; j < n; j++)
				CHECK(is_item(ids[j]));
		} else {
			CHECK(ids == NULL);
		}
	}
	CHECK(!is_item("1.1"));
	CHECK(!is_item("1.1.x"));
	CHECK(is_item("4.1.10"));
}

int
main(void)
{
	T(test_known_items);
	T(test_rows_are_real);
	return UNIT_DONE();
}
