/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-datastore.c: `k3sguard etcd datastore-config`: options into a
 * struct datastore_opts; the work is etcd_datastore_config().
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "cmd/etcd-cmd.h"
#include "core/config.h"

enum { OPT_DRY_RUN = OPT_ETCD_SUB_FIRST };

static const char usage[] =
"usage: k3sguard etcd datastore-config --endpoints URLS --cacert FILE --cert K3S_CERT\n"
"                                      --key K3S_KEY [--dry-run]\n"
"  Write " ETCD_DROPIN "\n"
"  (mode 0600) with datastore-endpoint (every member, https),\n"
"  datastore-cafile, datastore-certfile and datastore-keyfile.  File paths are\n"
"  paths on the node (mapped under --root for the checks).  Defaults:\n"
"  etcd.endpoints, etcd.cacert, etcd.k3s-cert, etcd.k3s-key in k3sguard's config.\n";

int
cmd_etcd_datastore_config(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		ETCD_CONN_LONG_OPTIONS,
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct datastore_opts o = { 0 };
	struct etcd_conn *cn = &o.conn;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg) || etcd_conn_option(cn, c, optarg))
			continue;
		switch (c) {
		case OPT_DRY_RUN: o.dry_run = 1; break;
		case 'h': print_usage_exit(usage);
		default: bad_option(usage);
		}
	}
	no_operands(argc, argv);
	if (!cn->endpoints)
		cn->endpoints = config_str("etcd.endpoints", NULL);
	if (!cn->cacert)
		cn->cacert = config_str("etcd.cacert", NULL);
	if (!cn->cert)
		cn->cert = config_str("etcd.k3s-cert", NULL);
	if (!cn->key)
		cn->key = config_str("etcd.k3s-key", NULL);
	if (!cn->endpoints || !cn->cacert || !cn->cert || !cn->key)
		usage_error("etcd datastore-config needs --endpoints, --cacert, --cert "
		    "and --key (the k3s identity)");
	return etcd_datastore_config(&o);
}
