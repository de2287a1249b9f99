/* SPDX-License-Identifier: Apache-2.0 */
/*
 * output.c: where a rendered report goes (see report.h report_output):
 * standard output, or a local file the user named with -o, written whole
 * and atomically (mode 0600) so a reader never sees half a report.
 */
#include "core/k3sguard.h"
#include "report/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
report_color_choice(const char *arg, enum report_color *out)
{
	if (!strcmp(arg, "auto"))
		*out = COLOR_AUTO;
	else if (!strcmp(arg, "always"))
		*out = COLOR_ALWAYS;
	else if (!strcmp(arg, "never"))
		*out = COLOR_NEVER;
	else
		return -1;
	return 0;
}

int
report_color_on(enum report_color c, const char *outfile)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (c == COLOR_ALWAYS)
		return 1;
	if (c == COLOR_NEVER || outfile || (nc && nc[0]))
		return 0;
	return isatty(STDOUT_FILENO) && !(term && !strcmp(term, "dumb"));
}

int
report_output(const struct report_output_opts *o, int (*render)(const void *, FILE *),
    const void *arg)
{
	char *data = NULL;
	size_t len = 0;
	FILE *m;
	int r;

	if (!o->file) {
		if (o->quiet)
			return 0;
		return render(arg, stdout);
	}
	if (!(m = open_memstream(&data, &len)))
		return error("cannot render the report: %s", strerror(errno));
	r = render(arg, m);
	if (fclose(m) != 0)
		r = error("cannot render the report: %s", strerror(errno));
	if (r == 0 && file_write_atomic(o->file, data, len, 0600) < 0)
		r = -1;	/* the message is out */
	free(data);
	return r;
}
