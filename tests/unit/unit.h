/* SPDX-License-Identifier: Apache-2.0 */
/*
 * unit.h: a tiny TAP producer for C unit tests (tests/unit/u-<module>.c).
 * Each u-*.c defines main() calling its tests with T(); the file prints
 * "ok N - name" / "not ok N - name" lines and exits non-zero on failure.
 */
#ifndef K3SGUARD_UNIT_H
#define K3SGUARD_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_n, unit_failed, unit_cur_failed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		unit_cur_failed = 1; \
	} \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *a_ = (a), *b_ = (b); \
	if (!a_ || !b_ || strcmp(a_, b_) != 0) { \
		fprintf(stderr, "# %s:%d: '%s' != '%s'\n", __FILE__, __LINE__, \
		    a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
		unit_cur_failed = 1; \
	} \
} while (0)

#define T(fn) do { \
	unit_cur_failed = 0; \
	fn(); \
	unit_n++; \
	printf("%sok %d - %s\n", unit_cur_failed ? "not " : "", unit_n, #fn); \
	unit_failed += unit_cur_failed; \
} while (0)

#define UNIT_DONE() (printf("1..%d\n", unit_n), unit_failed ? 1 : 0)

#endif
