/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-scan.c: libFuzzer harness for scan_buffer(), the token rules of
 * `k3sguard scan`, on arbitrary bytes (with and without path context).
 *
 * Besides crashes and out-of-bounds reads (the input is copied into an
 * exact-size heap block, so reading one byte past it is caught), it checks
 * the invariants the command relies on: hits are sorted by offset, unique,
 * inside the buffer, and a description never contains the value it
 * describes (for values of 8 bytes or more).
 */
#include "core/k3sguard.h"
#include "scan/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const char *buf, size_t len, const struct scan_hits *h)
{
	for (size_t i = 0; i < h->n; i++) {
		const struct scan_hit *x = &h->v[i];

		if (x->off > len || x->len > len - x->off)
			abort();
		if (i && h->v[i - 1].off >= x->off)
			abort();
		if (x->len >= 8 && memmem(x->desc, strlen(x->desc), buf + x->off, x->len))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scan_hits h;
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	for (int ctx = 0; ctx < 4; ctx++) {	/* SCAN_PATH_CONTEXT, SCAN_REPOSITORY */
		h.n = 0;
		scan_buffer(buf, size, ctx, &h);
		check(buf, size, &h);
	}
	free(buf);
	return 0;
}
