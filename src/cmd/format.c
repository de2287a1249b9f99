/* SPDX-License-Identifier: Apache-2.0 */
/*
 * format.c: the one --format parser every command uses, and the names of
 * the formats (src/core/format.h).
 */
#include "core/k3sguard.h"
#include "core/format.h"
#include "cmd/cmd.h"

enum out_format
format_arg(const char *arg, unsigned allowed)
{
	struct buf list = BUF_INIT;
	size_t n = 0, k = 0;

	for (int f = 0; f < FMT_COUNT; f++) {
		if ((allowed & FMT_BIT(f)) && strcmp(arg, format_name((enum out_format)f)) == 0)
			return (enum out_format)f;
		n += (allowed & FMT_BIT(f)) != 0;
	}
	for (int f = 0; f < FMT_COUNT; f++) {
		if (!(allowed & FMT_BIT(f)))
			continue;
		k++;
		buf_adds(&list, k == 1 ? "" : k == n ? " or " : ", ");
		buf_adds(&list, format_name((enum out_format)f));
	}
	usage_error("--format: '%s' is not %s", arg, list.s);
}
