/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-rbac.c: `k3sguard etcd rbac apply|verify`: options into a struct
 * rbac_opts; the work is etcd_rbac_apply/verify().
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "cmd/etcd-cmd.h"

enum {
	OPT_DRY_RUN = OPT_ETCD_SUB_FIRST,
	OPT_K3S_CERT,
	OPT_K3S_KEY
};

static const char apply_usage[] =
"usage: k3sguard etcd rbac apply --endpoints URLS --cacert FILE --cert ROOT_CERT\n"
"                                --key ROOT_KEY [--dry-run]\n"
"  Users root and k3s (certificate identity, no password), role k3s with\n"
"  readwrite on /registry/, /bootstrap/ and compact_rev_key, grants, auth enable.\n"
"  Idempotent: only the missing calls are made; --dry-run lists them.\n"
ETCD_CONN_USAGE;

static const char verify_usage[] =
"usage: k3sguard etcd rbac verify --endpoints URLS --cacert FILE --k3s-cert FILE\n"
"                                 --k3s-key FILE\n"
"  Live probes as the k3s identity: put/get/delete under /registry/ and\n"
"  /bootstrap/ and on compact_rev_key allowed; a read and a write outside\n"
"  denied; a connection without a client certificate refused.\n"
"  Exit 0 all as expected, 1 a probe disagreed, 2 could not probe.\n"
ETCD_CONN_USAGE;

static int
rbac_apply(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		ETCD_CONN_LONG_OPTIONS,
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct rbac_opts o = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg) || etcd_conn_option(&o.conn, c, optarg))
			continue;
		switch (c) {
		case OPT_DRY_RUN: o.dry_run = 1; break;
		case 'h': print_usage_exit(apply_usage);
		default: bad_option(apply_usage);
		}
	}
	no_operands(argc, argv);
	return etcd_rbac_apply(&o);
}

static int
rbac_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		ETCD_CONN_LONG_OPTIONS,
		{ "k3s-cert", required_argument, NULL, OPT_K3S_CERT },
		{ "k3s-key", required_argument, NULL, OPT_K3S_KEY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct rbac_opts o = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg) || etcd_conn_option(&o.conn, c, optarg))
			continue;
		switch (c) {
		case OPT_K3S_CERT: o.conn.cert = optarg; break;
		case OPT_K3S_KEY: o.conn.key = optarg; break;
		case 'h': print_usage_exit(verify_usage);
		default: bad_option(verify_usage);
		}
	}
	no_operands(argc, argv);
	return etcd_rbac_verify(&o);
}

static const struct subcmd rbac_verbs[] = {
	{ "apply", rbac_apply, "users, roles, grants, auth enable (idempotent)" },
	{ "verify", rbac_verify, "live allow/deny probes as the k3s identity" },
};

int
cmd_etcd_rbac(int argc, char **argv)
{
	return run_subcommand("etcd rbac", rbac_verbs, ARRAY_SIZE(rbac_verbs), argc, argv);
}
