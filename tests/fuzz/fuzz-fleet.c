/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-fleet.c: libFuzzer harness for `report merge` (src/fleet): node
 * reports are written by whoever controls a node, so they are attacker
 * input to the one report for the cluster.  The input is up to three
 * reports split at NUL, each handed to fleet_add_text() (the parse step of
 * fleet_add()), then fleet_finish() and every renderer into memory.
 * Invariants besides crashes and leaks: every cross-node check has a
 * status; the JSON output parses; no output holds an ESC byte; the HTML and
 * JUnit outputs hold no markup the reports brought ("<i" is never written
 * by the renderers, so one there came unescaped from a report); every
 * Prometheus line is a comment or starts with a metric name.
 */
#include <jansson.h>

#include "core/k3sguard.h"
#include "fleet/fleet.h"
#include "parts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
render(const struct fleet *fl, const char *format, int has_markup)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort();
	if (fleet_render(fl, format, f) < 0)
		abort();
	if (fclose(f) != 0)
		abort();
	if (memchr(out, 0x1b, len))
		abort();
	if (!strcmp(format, "json")) {
		json_error_t je;
		json_t *j = json_loadb(out, len, 0, &je);

		if (!j)
			abort();
		json_decref(j);
	}
	if ((!strcmp(format, "html") || !strcmp(format, "junit")) && has_markup &&
	    memmem(out, len, "<i", 2))
		abort();
	if (!strcmp(format, "prom"))
		for (const char *l = out; l < out + len; l = strchr(l, '\n') + 1) {
			if (*l != '#' && !(*l == '_' || (*l >= 'a' && *l <= 'z') ||
			    (*l >= 'A' && *l <= 'Z')))
				abort();
			if (!strchr(l, '\n'))
				break;
		}
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const formats[] = { "text", "json", "junit", "prom", "html" };
	struct part p[3];
	struct fleet fl;
	int markup;

	quiet_errors = 1;
	markup = memmem(data, size, "<i", 2) != NULL;
	parts_split(data, size, p, 3);
	fleet_init(&fl);
	for (size_t i = 0; i < 3; i++)
		if (p[i].present)
			(void)fleet_add_text(&fl, "report.json", p[i].text.s, p[i].text.len);
	clear_error();
	fleet_finish(&fl);
	for (size_t i = 0; i < fl.ncross; i++)
		if ((unsigned)fl.cross[i].status >= NSTATUS)
			abort();
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		render(&fl, formats[i], markup);
	fleet_free(&fl);
	parts_free(p, 3);
	return 0;
}
