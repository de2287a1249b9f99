/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-yaml.c: libFuzzer harness for yaml_parse() (src/core/yamltree.c) on
 * arbitrary bytes, plus the lookups the checks use on what it returns.
 */
#include "core/k3sguard.h"
#include "core/yamltree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk(const struct ynode *n, int depth)
{
	if (!n || depth > 200)
		return;
	(void)yscalar(n);
	(void)ybool(n);
	(void)yis_null(n);
	for (size_t i = 0; i < n->n; i++) {
		if (n->type == Y_MAP)
			walk(n->keys[i], depth + 1);
		walk(n->vals[i], depth + 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ydocs d;

	quiet_errors = 1;
	if (yaml_parse("fuzz.yaml", (const char *)data, size, &d) == 0) {
		for (size_t i = 0; i < d.n; i++) {
			walk(d.doc[i], 0);
			(void)ypath(d.doc[i], "spec.valuesContent");
			(void)ymap_get(d.doc[i], "token");
		}
		ydocs_free(&d);
	}
	return 0;
}
