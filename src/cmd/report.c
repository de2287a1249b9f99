/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-report.c: work on reports already written.
 * k3sguard-command: report | merge node reports (audit --format json) into one cluster report
 *
 * `report merge A.json B.json ...` reads the nodes' JSON reports and
 * renders one cluster report (src/fleet/): the node-by-check matrix, worst
 * first, scores per strategy per node, and the checks across nodes.  It
 * reads only the files named and writes only -o FILE (atomically) or
 * stdout.  Exit: 0 nothing failed, 1 a check failed (on a node or across
 * nodes), 2 something could not be checked or a report could not be read,
 * 64 usage.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "fleet/fleet.h"

static const char merge_usage[] =
"usage: k3sguard report merge [--format FORMAT] [-o FILE] REPORT.json...\n"
"\n"
"  REPORT.json          a node's 'k3sguard audit --format json' output\n"
"  --format FORMAT      text (default), json, junit, html or prom\n"
"  -o, --output FILE    write the cluster report to FILE (atomically), not stdout\n"
"\n"
"exit: 0 no failure, 1 failures, 2 something could not be checked, 64 usage\n";

enum { OPT_FORMAT = OPT_GLOBAL_LAST };

static int
merge_exit(const struct fleet *fl)
{
	if (fl->count[ST_ERROR])
		return EXIT_ERROR;
	return fl->count[ST_FAIL] ? EXIT_FINDINGS : EXIT_OK;
}

struct merge_args {
	const struct fleet *fl;
	const char *format;
};

/* The cluster report (cmd_output runs it: -o FILE whole, 0600, or stdout). */
static int
merge_run(void *p)
{
	const struct merge_args *a = p;

	if (fleet_render(a->fl, a->format, stdout) < 0)
		return EXIT_ERROR;
	return merge_exit(a->fl);
}

static int
report_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *format = "text", *output = NULL;
	struct fleet fl;
	int c, ret;

	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_FORMAT:
			format = format_name(format_arg(optarg, FMT_TEXT_JSON | FMT_BIT(FMT_JUNIT) |
			    FMT_BIT(FMT_HTML) | FMT_BIT(FMT_PROM)));
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			print_usage_exit(merge_usage);
		default:
			bad_option(merge_usage);
		}
	}
	if (optind >= argc)
		usage_error("report merge: name at least one node report (audit --format json)");
	fleet_init(&fl);
	for (int i = optind; i < argc; i++)
		if (fleet_add(&fl, argv[i]) < 0) {
			fleet_free(&fl);
			return EXIT_ERROR;
		}
	fleet_finish(&fl);
	{
		struct merge_args a = { &fl, format };

		ret = cmd_output(output, merge_run, &a);
	}
	fleet_free(&fl);
	return ret;
}

static const struct subcmd verbs[] = {
	{ "merge", report_merge, "one cluster report from the nodes' JSON reports" },
};

int cmd_report(int argc, char **argv);

int
cmd_report(int argc, char **argv)
{
	return run_subcommand("report", verbs, ARRAY_SIZE(verbs), argc, argv);
}
