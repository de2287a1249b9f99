/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-health.c: `k3sguard etcd health`: options into a struct
 * health_opts; the work is etcd_health().
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "cmd/etcd-cmd.h"

enum { OPT_FORMAT = OPT_ETCD_SUB_FIRST };

static const char usage[] =
"usage: k3sguard etcd health [--endpoints URLS --cacert FILE --cert FILE --key FILE]\n"
"                            [--format text|json]\n"
"                            [-o FILE]\n"
"  Probe every member; exit 0 healthy, 1 degraded (quorum held), 2 quorum lost.\n"
OUTPUT_USAGE
ETCD_CONN_USAGE;

static int
health_run(void *o)
{
	return etcd_health(o);
}

int
cmd_etcd_health(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		ETCD_CONN_LONG_OPTIONS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		OUTPUT_LONG_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct health_opts o = { 0 };
	const char *output = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (global_option(c, optarg) || etcd_conn_option(&o.conn, c, optarg))
			continue;
		switch (c) {
		case OPT_FORMAT: o.fmt = format_arg(optarg, FMT_TEXT_JSON); break;
		case 'o': output = optarg; break;
		case 'h': print_usage_exit(usage);
		default: bad_option(usage);
		}
	}
	no_operands(argc, argv);
	return cmd_output(output, health_run, &o);
}
