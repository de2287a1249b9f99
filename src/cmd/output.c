/* SPDX-License-Identifier: Apache-2.0 */
/*
 * output.c: -o FILE for the commands that render (see cmd.h cmd_output).
 * The file itself is report_output's (src/report/output.c): rendered whole
 * in memory, written atomically, mode 0600, nothing when rendering failed.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "report/report.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

struct captured {
	int (*fn)(void *);
	void *arg;
	int code;
	int keep;	/* 1: the output is to be written */
};

/*
 * report_output's render step: everything the command prints on standard
 * output goes to out.  The GNU C Library documents stdout as an ordinary
 * variable a program may assign ("Standard Streams" in its manual).  A
 * command that failed (exit 2 or more) before it printed anything leaves
 * no file (its error is on stderr); one that printed its result with
 * unknowns in it (exit 2, as audit does) has that result written, whole.
 */
static int
capture(const void *p, FILE *out)
{
	struct captured *c = (struct captured *)(uintptr_t)p;
	FILE *saved = stdout;

	if (fflush(stdout) == EOF)
		return error("cannot write to standard output: %s", strerror(errno));
	stdout = out;
	c->code = c->fn(c->arg);
	if (fflush(out) == EOF) {
		error("cannot render the output: %s", strerror(errno));
		c->code = EXIT_ERROR;
	}
	stdout = saved;
	c->keep = c->code == EXIT_OK || c->code == EXIT_FINDINGS ||
	    (c->code == EXIT_ERROR && ftell(out) > 0);
	return c->keep ? 0 : -1;
}

int
cmd_output(const char *file, int (*fn)(void *), void *arg)
{
	struct report_output_opts o = { .file = file };
	struct captured c = { fn, arg, EXIT_ERROR, 0 };

	if (!file)
		return fn(arg);
	if (report_output(&o, capture, &c) < 0 && c.keep)
		return EXIT_ERROR;	/* FILE could not be written (said so) */
	return c.code;
}
