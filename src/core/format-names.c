/* SPDX-License-Identifier: Apache-2.0 */
/* format-names.c: the names of the output formats (format.h). */
#include "core/k3sguard.h"
#include "core/format.h"

const char *
format_name(enum out_format f)
{
	static const char *const names[FMT_COUNT] = {
		[FMT_TEXT] = "text", [FMT_JSON] = "json", [FMT_SARIF] = "sarif",
		[FMT_JUNIT] = "junit", [FMT_HTML] = "html", [FMT_PROM] = "prom",
	};

	return (unsigned)f < FMT_COUNT ? names[f] : "?";
}
