/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-audit.c: k3sguard-command: audit | check the node against the six strategies and report
 *
 * Reads the node once (node_load), runs every check of the registry (or of
 * the strategies named), and renders the report.  Exit: 0 nothing failed
 * at or above --fail-on; 1 a check failed at or above it; 2 anything
 * errored (a check, a source the node could not read, the root itself);
 * 64 usage.  The audit never changes the node.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "report/report.h"

static const char usage[] =
"usage: k3sguard audit [--format FORMAT] [--fail-on SEVERITY] [--strategy ID]...\n"
"                      [--waivers FILE]\n"
"\n"
"  --format FORMAT      text (default), json, junit, html or prom\n"
"  --fail-on SEVERITY   exit 1 only for failures at or above low|medium|high|critical\n"
"                       (default: any failure)\n"
"  --strategy ID        audit only etcd, server-token, agent-token, manifests,\n"
"                       traefik or updates (repeatable, or comma-separated)\n"
"  --waivers FILE       accepted findings (default /etc/k3sguard/waivers.yaml\n"
"                       of the node): a waived check reports 'waived', not pass\n"
"\n"
"exit: 0 no failure, 1 failures, 2 something could not be checked, 64 usage\n";

enum { OPT_FORMAT = OPT_GLOBAL_LAST, OPT_FAIL_ON, OPT_STRATEGY, OPT_LIST_CHECKS, OPT_WAIVERS };

/* Add the strategies named in a comma-separated list to *mask. */
static void
parse_strategies(const char *arg, unsigned *mask)
{
	char *copy = xstrdup(arg), *save = NULL, *tok;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct strategy *s = strategy_find(tok);

		if (!s)
			usage_error("audit: unknown strategy '%s' (etcd, server-token, agent-token, manifests, traefik, updates)",
			    tok);
		*mask |= 1u << (unsigned)(s - strategies);
	}
	free(copy);
	if (!*mask)
		usage_error("audit: --strategy needs a strategy id");
}

/* The hidden --list-checks: one line per check, for the man page and tests. */
static int
list_checks(void)
{
	for (size_t i = 0; i < nstrategies; i++)
		for (size_t j = 0; j < *strategies[i].nchecks; j++) {
			const struct check *c = &strategies[i].checks[j];

			printf("%s\t%s\t%s\t%s\n", c->id, c->strategy, severity_name(c->severity),
			    c->title);
		}
	return EXIT_OK;
}

int cmd_audit(int argc, char **argv);

int
cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "strategy", required_argument, NULL, OPT_STRATEGY },
		{ "list-checks", no_argument, NULL, OPT_LIST_CHECKS },
		{ "waivers", required_argument, NULL, OPT_WAIVERS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct report_format *fmt = report_format_find("text");
	enum severity fail_on = SEV_LOW;
	const char *waivers = NULL;
	unsigned mask = 0;
	struct node n;
	struct report rp;
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_FORMAT:
			fmt = report_format_find(format_name(format_arg(optarg,
			    FMT_TEXT_JSON | FMT_BIT(FMT_JUNIT) | FMT_BIT(FMT_HTML) | FMT_BIT(FMT_PROM))));
			break;
		case OPT_FAIL_ON:
			if (severity_parse(optarg, &fail_on) < 0)
				usage_error("audit: --fail-on '%s': expected low, medium, high or critical",
				    optarg);
			break;
		case OPT_STRATEGY:
			parse_strategies(optarg, &mask);
			break;
		case OPT_WAIVERS:
			waivers = optarg;
			break;
		case OPT_LIST_CHECKS:
			return list_checks();
		case 'h':
			print_usage_exit(usage);
		default:
			bad_option(usage);
		}
	}
	if (optind < argc)
		usage_error("audit: unexpected argument '%s'", argv[optind]);
	if (!fmt)
		fatal("no text report format built in");

	if (node_load(&n) < 0)
		return EXIT_ERROR;	/* the root is missing: the message is out */
	report_build(&rp, &n, mask);
	report_waive(&rp, waivers);
	ret = EXIT_OK;
	for (size_t i = 0; i < rp.nitems; i++) {
		const struct report_item *it = &rp.items[i];

		if (it->result.status == ST_FAIL && it->check->severity >= fail_on)
			ret = EXIT_FINDINGS;
	}
	if (rp.count[ST_ERROR] || n.nerrors)
		ret = EXIT_ERROR;
	if (fmt->render(&rp, stdout) < 0)
		ret = EXIT_ERROR;
	report_free(&rp);
	node_free(&n);
	return ret;
}
