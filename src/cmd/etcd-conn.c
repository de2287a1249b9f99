/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-conn.c: the options every `k3sguard etcd` sub-verb that talks to
 * the cluster shares (--endpoints --cacert --cert --key --timeout), and
 * small parsing helpers of the etcd sub-verbs.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "cmd/etcd-cmd.h"
#include "core/util.h"

#include <string.h>

int
etcd_conn_option(struct etcd_conn *o, int c, const char *arg)
{
	long long n;

	switch (c) {
	case OPT_ETCD_ENDPOINTS:
		o->endpoints = arg;
		return 1;
	case OPT_ETCD_CACERT:
		o->cacert = arg;
		return 1;
	case OPT_ETCD_CERT:
		o->cert = arg;
		return 1;
	case OPT_ETCD_KEY:
		o->key = arg;
		return 1;
	case OPT_ETCD_TIMEOUT:
		if (parse_num(arg, 1, 3600, &n) < 0)
			usage_error("--timeout '%s' is not a number of seconds "
			    "(1-3600)", arg);
		o->timeout_ms = (long)n * 1000;
		return 1;
	}
	return 0;
}

void
no_operands(int argc, char **argv)
{
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
}
