/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd.h: what every command shares: global options, help, sub-verbs.
 *
 * A command is int cmd_<verb>(int argc, char **argv) with argv[0] = "<verb>",
 * returning an exit code (EXIT_*).  Its file opens with a line
 * "k3sguard-command: <verb> | <summary>" from which the table is generated.
 */
#ifndef K3SGUARD_CMD_H
#define K3SGUARD_CMD_H

#include <getopt.h>
#include <stddef.h>

#include "core/format.h"

/* Long options every command accepts, so --root works before or after the verb. */
enum {
	OPT_ROOT = 1000,
	OPT_K3S_BIN,
	OPT_DATA_DIR,
	OPT_CONFIG,
	OPT_K3S_VERSION,
	OPT_GLOBAL_LAST		/* commands number their own options from here */
};

#define GLOBAL_LONG_OPTIONS \
	{ "root", required_argument, NULL, OPT_ROOT }, \
	{ "k3s-bin", required_argument, NULL, OPT_K3S_BIN }, \
	{ "data-dir", required_argument, NULL, OPT_DATA_DIR }, \
	{ "config", required_argument, NULL, OPT_CONFIG }, \
	{ "k3s-version", required_argument, NULL, OPT_K3S_VERSION }

/*
 * 1 when c was a global option (and it was applied), else 0.  --root is
 * opened at once (gate_set_root): exit 2 when it is not a directory;
 * --k3s-version must be a K3s release version (exit 64).
 */
int global_option(int c, const char *arg);

/*
 * Handle what getopt_long returned that the command did not: '?' and ':'
 * (usage error, exit 64) and 'h' (print usage, exit 0).
 */
_Noreturn void bad_option(const char *usage);
_Noreturn void print_usage_exit(const char *usage);

/* Sub-verbs ("token rotate"): exact names only, never a prefix match. */
struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};
int run_subcommand(const char *parent, const struct subcmd *tab, size_t n,
    int argc, char **argv);

/*
 * The one --format parser: arg must name one of the formats in allowed
 * (FMT_BIT() mask, core/format.h); otherwise a one-line usage error (exit
 * 64) that lists them.
 */
enum out_format format_arg(const char *arg, unsigned allowed);

/*
 * -o FILE, for every command that renders: fn(arg) runs with its standard
 * output going to FILE, written whole and atomically, mode 0600
 * (report_output, src/report/output.c): when fn returned EXIT_OK or
 * EXIT_FINDINGS, or EXIT_ERROR after printing its result (unknowns in it);
 * a command that failed before printing anything leaves no file.  file
 * NULL: standard output, as without -o.  Returns fn's exit code, or
 * EXIT_ERROR (after error()) when FILE could not be written.
 */
int cmd_output(const char *file, int (*fn)(void *), void *arg);
#define OUTPUT_LONG_OPTION { "output", required_argument, NULL, 'o' }
#define OUTPUT_USAGE \
"  -o, --output FILE    write the output to FILE (atomically, mode 0600), not stdout\n"

/* Reset getopt for a command's own parse. */
void getopt_reset(void);

#endif
