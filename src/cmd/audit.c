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
"                      [--waivers FILE] [--diff OLD.json] [-o|--output FILE]\n"
"                      [--quiet] [--color auto|always|never] [--findings-exit-zero]\n"
"                      [--live]\n"
"\n"
"  --format FORMAT      text (default), json, junit, html or prom\n"
"  --fail-on SEVERITY   exit 1 only for failures at or above low|medium|high|critical\n"
"                       (default: any failure)\n"
"  --strategy ID        audit only etcd, server-token, agent-token, manifests,\n"
"                       traefik or updates (repeatable, or comma-separated)\n"
"  --waivers FILE       accepted findings (default /etc/k3sguard/waivers.yaml\n"
"                       of the node): a waived check reports 'waived', not pass\n"
"  --diff OLD.json      list the failures new since OLD (an earlier --format json\n"
"                       report) and those resolved (text, or json with --format json);\n"
"                       exit 1 only when there is a new failure\n"
"  -o, --output FILE    write the report to FILE (atomically, mode 0600)\n"
"  --quiet              nothing on standard output: the exit status says it\n"
"  --color WHEN         colour the text report: auto (a terminal, NO_COLOR unset),\n"
"                       always or never\n"
"  --findings-exit-zero exit 0, not 1, when checks failed (errors still exit 2);\n"
"                       for a Kubernetes init container (contrib/kubernetes)\n"
"  --live               with --root DIR (an image): probe the endpoints the image\n"
"                       names (etcd; the cluster's applied state in external\n"
"                       etcd); without it those checks skip as 'offline\n"
"                       image'.  Checks of this host's kernel state (firewall)\n"
"                       skip under an image even so.  On the host: always live\n"
"\n"
"exit: 0 no failure, 1 failures, 2 something could not be checked, 64 usage\n";

enum { OPT_FORMAT = OPT_GLOBAL_LAST, OPT_FAIL_ON, OPT_STRATEGY, OPT_LIST_CHECKS, OPT_WAIVERS, OPT_DIFF, OPT_COLOR, OPT_QUIET,
	OPT_EXIT_ZERO, OPT_LIVE };

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

/*
 * The hidden --list-checks: one line per check, for the man page and tests:
 * id, strategy, severity, title, and what it reads besides the node's files
 * (root, network or kernel).
 */
static int
list_checks(void)
{
	for (size_t i = 0; i < nstrategies; i++)
		for (size_t j = 0; j < *strategies[i].nchecks; j++) {
			const struct check *c = &strategies[i].checks[j];

			printf("%s\t%s\t%s\t%s\t%s\n", c->id, c->strategy,
			    severity_name(c->severity), c->title, check_reach_name(c->reach));
		}
	return EXIT_OK;
}

struct render_arg {
	const struct report_format *fmt;
	const struct report *rp;
	const struct report_diff *d;
};

static int
render_report(const void *arg, FILE *out)
{
	const struct render_arg *a = arg;

	return a->fmt->render(a->rp, out);
}

static int
render_diff(const void *arg, FILE *out)
{
	const struct render_arg *a = arg;

	return report_diff_render(a->rp, a->d, !strcmp(a->fmt->name, "json"), out);
}

/* --diff: the exit is 1 for a new failure, 2 when anything errored, else 0. */
static int
audit_diff(const struct report *rp, const char *old, const struct report_format *fmt,
    const struct report_output_opts *oo, int ret)
{
	struct report_diff d;

	if (report_diff_load(rp, old, &d) < 0)
		return EXIT_ERROR;
	if (report_output(oo, render_diff, &(struct render_arg){ fmt, rp, &d }) < 0)
		ret = EXIT_ERROR;
	else if (ret != EXIT_ERROR)
		ret = d.nadded ? EXIT_FINDINGS : EXIT_OK;
	report_diff_free(&d);
	return ret;
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
		{ "diff", required_argument, NULL, OPT_DIFF },
		{ "output", required_argument, NULL, 'o' },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "findings-exit-zero", no_argument, NULL, OPT_EXIT_ZERO },
		{ "live", no_argument, NULL, OPT_LIVE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct report_format *fmt = report_format_find("text");
	enum severity fail_on = SEV_LOW;
	const char *waivers = NULL, *diff = NULL;
	struct report_output_opts oo = { NULL, 0, COLOR_AUTO };
	unsigned mask = 0;
	int exit_zero = 0;
	struct buf looked = BUF_INIT;
	struct node n;
	struct report rp;
	int c, ret;

	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
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
		case OPT_DIFF:
			diff = optarg;
			break;
		case 'o':
			oo.file = optarg;
			break;
		case OPT_QUIET:
			oo.quiet = 1;
			break;
		case OPT_COLOR:
			if (report_color_choice(optarg, &oo.color) < 0)
				usage_error("audit: --color '%s': expected auto, always or never", optarg);
			break;
		case OPT_WAIVERS:
			waivers = optarg;
			break;
		case OPT_EXIT_ZERO:
			exit_zero = 1;
			break;
		case OPT_LIVE:
			gopt.live = 1;
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
	if (diff && strcmp(fmt->name, "text") && strcmp(fmt->name, "json"))
		usage_error("audit: --diff renders text or json, not %s", fmt->name);

	if (node_load(&n) < 0)
		return EXIT_ERROR;	/* the root is missing: the message is out */
	if (!node_found(&n, &looked)) {
		error("no K3s node at '%s': %s", n.root, looked.s);
		buf_release(&looked);
		node_free(&n);
		return EXIT_ERROR;
	}
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
	rp.color = !strcmp(fmt->name, "text") && report_color_on(oo.color, oo.file);
	if (diff)
		ret = audit_diff(&rp, diff, fmt, &oo, ret);
	else if (report_output(&oo, render_report, &(struct render_arg){ fmt, &rp, NULL }) < 0)
		ret = EXIT_ERROR;
	if (exit_zero && ret == EXIT_FINDINGS)
		ret = EXIT_OK;
	report_free(&rp);
	node_free(&n);
	return ret;
}
