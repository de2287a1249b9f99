/* SPDX-License-Identifier: Apache-2.0 */
/*
 * format.h: the output formats, one list for every command.  The one
 * --format parser is format_arg() (src/cmd/format.c); libraries take the
 * parsed value.
 */
#ifndef K3SGUARD_FORMAT_H
#define K3SGUARD_FORMAT_H

enum out_format { FMT_TEXT, FMT_JSON, FMT_SARIF, FMT_JUNIT, FMT_HTML, FMT_PROM, FMT_COUNT };

#define FMT_BIT(f)	(1u << (f))
#define FMT_TEXT_JSON	(FMT_BIT(FMT_TEXT) | FMT_BIT(FMT_JSON))

/* "text", "json", ... */
const char *format_name(enum out_format f);

#endif
