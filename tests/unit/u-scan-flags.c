/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-scan-flags.c: scan_buffer()'s flags.  Node callers (`k3sguard fix`, the
 * agent unit's redaction) pass SCAN_PATH_CONTEXT only: a token that reads
 * like a placeholder ("replace-me") is still a hit there, and the pre-1.0
 * K3S_CLUSTER_SECRET, which current K3s ignores, is not one (fix must not
 * move it into the token store).  `scan` adds SCAN_REPOSITORY: the reverse.
 */
#include "core/k3sguard.h"
#include "scan/scan.h"
#include "unit.h"

static size_t
hits(const char *text, int flags)
{
	struct scan_hits h = { 0 };
	size_t n;

	scan_buffer(text, strlen(text), flags, &h);
	n = h.n;
	scan_hits_release(&h);
	return n;
}

static void
test_placeholder_words(void)
{
	static const char *const words[] = {
		"token: replace-me\n", "token: insert-token-here\n", "token: fakeToken\n",
		"token: todo\n", "token: secret\n",
	};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		CHECK(hits(words[i], SCAN_PATH_CONTEXT) == 1);
		CHECK(hits(words[i], SCAN_PATH_CONTEXT | SCAN_REPOSITORY) == 0);
	}
	/* a marker inside a longer word is not one: "awesome", "output" */
	CHECK(hits("token: awesome-output\n", SCAN_PATH_CONTEXT | SCAN_REPOSITORY) == 1);
	/* a digit: not words, a value */
	CHECK(hits("token: replace-me-2\n", SCAN_PATH_CONTEXT | SCAN_REPOSITORY) == 1);
}

static void
test_cluster_secret(void)
{
	const char *env = "K3S_CLUSTER_SECRET=somethingtotallyrandom\n";

	CHECK(hits(env, SCAN_PATH_CONTEXT) == 0);
	CHECK(hits(env, SCAN_PATH_CONTEXT | SCAN_REPOSITORY) == 1);
	CHECK(hits("K3S_TOKEN=somethingtotallyrandom\n", SCAN_PATH_CONTEXT) == 1);
}

int
main(void)
{
	T(test_placeholder_words);
	T(test_cluster_secret);
	return UNIT_DONE();
}
