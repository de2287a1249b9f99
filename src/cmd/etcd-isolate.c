/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-isolate.c: `k3sguard etcd isolate`: its options into a struct
 * isolate_opts; the work is etcd_isolate() (src/etcd/etcd-isolate.c).
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "cmd/etcd-cmd.h"
#include "etcd/etcd-isolate.h"

#include <string.h>

static const char usage[] =
"usage: k3sguard etcd isolate --clients CIDR,... --peers CIDR,...|none\n"
"                             [--client-port N] [--peer-port N] [--nft PATH]\n"
"                             [--dry-run | --apply]\n"
"       k3sguard etcd isolate --remove [--dry-run] [--nft PATH]\n"
"       k3sguard etcd isolate --status [--client-port N] [--peer-port N]\n"
"                             [--from-json FILE] [--format text|json]\n"
"       k3sguard etcd isolate --probe HOST:PORT,... [--timeout MS] [--format text|json]\n"
"       (each form also takes -o FILE)\n"
"\n"
"Without --apply/--remove the ruleset (table inet k3sguard) is printed.\n"
"  --clients      K3s servers that may reach the client port (and loopback)\n"
"  --peers        etcd members that may reach the peer port ('none': one member)\n"
"  --apply        check with 'nft -c -f -', then load atomically with 'nft -f -'\n"
"  --remove       delete table inet k3sguard (nothing else)\n"
"  --status       read 'nft -j list ruleset': are the ports restricted, to whom\n"
"                 (exit 1 when one is open to any source)\n"
"  --probe        from a K3s node: which etcd endpoints accept a TCP connection\n"
OUTPUT_USAGE;

static int
isolate_run(void *o)
{
	return etcd_isolate(o);
}

enum {
	OPT_CLIENTS = OPT_GLOBAL_LAST, OPT_PEERS, OPT_CLIENT_PORT, OPT_PEER_PORT, OPT_DRY_RUN,
	OPT_APPLY, OPT_REMOVE, OPT_STATUS, OPT_PROBE, OPT_TIMEOUT, OPT_NFT, OPT_FORMAT,
	OPT_FROM_JSON
};

static void
set_mode(struct isolate_opts *o, enum isolate_mode m)
{
	if (o->mode != M_PRINT && o->mode != m)
		usage_error("--apply, --remove, --status and --probe exclude each other");
	o->mode = m;
}

int
cmd_etcd_isolate(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "clients", required_argument, NULL, OPT_CLIENTS },
		{ "peers", required_argument, NULL, OPT_PEERS },
		{ "client-port", required_argument, NULL, OPT_CLIENT_PORT },
		{ "peer-port", required_argument, NULL, OPT_PEER_PORT },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "apply", no_argument, NULL, OPT_APPLY },
		{ "remove", no_argument, NULL, OPT_REMOVE },
		{ "status", no_argument, NULL, OPT_STATUS },
		{ "probe", required_argument, NULL, OPT_PROBE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "nft", required_argument, NULL, OPT_NFT },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "from-json", required_argument, NULL, OPT_FROM_JSON },
		OUTPUT_LONG_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct isolate_opts o;
	const char *output = NULL;
	long long v;
	int c;

	etcd_isolate_defaults(&o);
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_CLIENTS:
			o.clients = optarg;
			break;
		case OPT_PEERS:
			o.peers = optarg;
			break;
		case OPT_CLIENT_PORT:
			o.client_port = isolate_port_arg("--client-port", optarg);
			break;
		case OPT_PEER_PORT:
			o.peer_port = isolate_port_arg("--peer-port", optarg);
			break;
		case OPT_DRY_RUN:
			o.dry_run = 1;
			break;
		case OPT_APPLY:
			set_mode(&o, M_APPLY);
			break;
		case OPT_REMOVE:
			set_mode(&o, M_REMOVE);
			break;
		case OPT_STATUS:
			set_mode(&o, M_STATUS);
			break;
		case OPT_PROBE:
			set_mode(&o, M_PROBE);
			o.probe = optarg;
			break;
		case OPT_TIMEOUT:
			if (parse_num(optarg, 1, 600000, &v) < 0)
				usage_error("--timeout: '%s' is not a number of milliseconds (1..600000)",
				    optarg);
			o.timeout_ms = (int)v;
			break;
		case OPT_NFT:
			o.nft = optarg;
			break;
		case OPT_FORMAT:
			o.json = format_arg(optarg, FMT_TEXT_JSON) == FMT_JSON;
			break;
		case OPT_FROM_JSON:
			o.from_json = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			print_usage_exit(usage);
		default:
			bad_option(usage);
		}
	}
	if (optind < argc)
		usage_error("etcd isolate: unexpected argument '%s'", argv[optind]);
	if (o.dry_run && (o.mode == M_STATUS || o.mode == M_PROBE))
		usage_error("--dry-run goes with --apply or --remove (--status and --probe change nothing)");
	if (o.from_json && o.mode != M_STATUS)
		usage_error("--from-json goes with --status");
	if (o.mode == M_PROBE && !*o.probe)
		usage_error("--probe: empty list");
	return cmd_output(output, isolate_run, &o);
}
