/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-provision.c: `k3sguard etcd provision`: options into a struct
 * provision_opts; the work is etcd_provision().
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "cmd/etcd-cmd.h"

#include <stdlib.h>
#include <string.h>

enum {
	OPT_PKI = OPT_ETCD_SUB_FIRST,
	OPT_MEMBER,
	OPT_OUT,
	OPT_CERT_DIR,
	OPT_ETCD_DATA_DIR,
	OPT_USER,
	OPT_ETCD_BIN,
	OPT_DRY_RUN
};

static const char usage[] =
"usage: k3sguard etcd provision --pki DIR --member NAME=ADDR[:CLIENT_PORT:PEER_PORT] ...\n"
"                               --out DIR [--cert-dir DIR] [--etcd-data-dir DIR]\n"
"                               [--user USER] [--etcd-bin PATH] [--dry-run]\n"
"  Write OUT/NAME/ for every member: ca.crt, server.{crt,key}, peer.{crt,key},\n"
"  etcd.conf.yml (etcd --config-file), k3sguard-etcd.service (hardened unit)\n"
"  and install.sh.  Ports default to 2379 (client) and 2380 (peer).\n"
"  --cert-dir      where the files live on the member (default\n"
"                  /etc/etcd/k3sguard; %n is replaced by the member name)\n"
"  --etcd-data-dir the member's data directory (default /var/lib/etcd/k3sguard; %n)\n"
"  --user          the unit's dedicated user (default etcd)\n"
"  --etcd-bin      the etcd binary (default /usr/bin/etcd)\n";

/* Exit 64 when m shares a name, or an address and a port, with one of ms. */
static void
member_distinct(const struct member_spec *ms, size_t nms, const struct member_spec *m)
{
	for (size_t i = 0; i < nms; i++) {
		if (!strcmp(ms[i].name, m->name))
			usage_error("member '%s' given twice", ms[i].name);
		if (!strcmp(ms[i].addrs[0], m->addrs[0]) &&
		    (ms[i].client_port == m->client_port ||
		    ms[i].client_port == m->peer_port ||
		    ms[i].peer_port == m->client_port ||
		    ms[i].peer_port == m->peer_port))
			usage_error("members '%s' and '%s' share an "
			    "address and a port", ms[i].name, m->name);
	}
}

int
cmd_etcd_provision(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "pki", required_argument, NULL, OPT_PKI },
		{ "member", required_argument, NULL, OPT_MEMBER },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "cert-dir", required_argument, NULL, OPT_CERT_DIR },
		{ "etcd-data-dir", required_argument, NULL, OPT_ETCD_DATA_DIR },
		{ "user", required_argument, NULL, OPT_USER },
		{ "etcd-bin", required_argument, NULL, OPT_ETCD_BIN },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct member_spec ms[PKI_MAX_MEMBERS];
	struct provision_opts o;
	size_t nms = 0;
	int c, ret;

	etcd_provision_defaults(&o);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_PKI: o.pki = optarg; break;
		case OPT_MEMBER:
			if (nms == PKI_MAX_MEMBERS)
				usage_error("at most %d members", PKI_MAX_MEMBERS);
			if (member_spec_parse(optarg, 1, &ms[nms]) < 0)
				exit(EXIT_USAGE);
			member_distinct(ms, nms, &ms[nms]);
			nms++;
			break;
		case OPT_OUT: o.out = optarg; break;
		case OPT_CERT_DIR: o.cert_dir = optarg; break;
		case OPT_ETCD_DATA_DIR: o.data_dir = optarg; break;
		case OPT_USER: o.user = optarg; break;
		case OPT_ETCD_BIN: o.etcd_bin = optarg; break;
		case OPT_DRY_RUN: o.dry_run = 1; break;
		case 'h': print_usage_exit(usage);
		default: bad_option(usage);
		}
	}
	no_operands(argc, argv);
	if (!o.pki || !o.out || nms == 0)
		usage_error("etcd provision needs --pki DIR, --out DIR and --member "
		    "NAME=ADDR ...");
	o.ms = ms;
	o.nms = nms;
	ret = etcd_provision(&o);
	for (size_t i = 0; i < nms; i++)
		member_spec_free(&ms[i]);
	return ret;
}
