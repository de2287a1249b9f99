/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-pki.c: `k3sguard etcd pki init|issue|check`: options into the
 * structs of etcd-cli.h; the work is etcd_pki_init/issue/check().
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "cmd/etcd-cmd.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

enum {
	OPT_OUT = OPT_ETCD_SUB_FIRST,
	OPT_PKI,
	OPT_MEMBER,
	OPT_CLIENT,
	OPT_DAYS,
	OPT_CA_DAYS,
	OPT_LOCALHOST,
	OPT_START_SCRIPT,
	OPT_DRY_RUN,
	OPT_FORCE,
	OPT_FORMAT
};

static const char init_usage[] =
"usage: k3sguard etcd pki init --out DIR --member NAME=ADDR[,ADDR...] ...\n"
"                              [--client CN ...] [--days N] [--ca-days N]\n"
"                              [--localhost] [--start-script] [--dry-run]\n"
"  Create a CA (ECDSA P-256) and, per member, a server certificate (EKU\n"
"  serverAuth+clientAuth, SANs: its addresses) and a peer certificate; client\n"
"  certificates CN=root and CN=k3s (and each --client CN).  Keys 0600; the CA\n"
"  key in DIR/private/.  --localhost adds localhost and 127.0.0.1 to the server\n"
"  certificates; --start-script prints each member's etcd flags.\n";

static const char issue_usage[] =
"usage: k3sguard etcd pki issue --pki DIR (--member NAME=ADDR[,ADDR...] | --client CN)\n"
"                               [--days N] [--localhost] [--force] [--dry-run]\n"
"  Add a member (server and peer certificate) or a client identity, signed by\n"
"  the CA in DIR.  Existing certificates are replaced only with --force.\n";

static const char check_usage[] =
"usage: k3sguard etcd pki check DIR [--format text|json] [-o FILE]\n"
"  Verify every certificate in DIR: chain to DIR/ca.crt, key usages, SANs,\n"
"  key/certificate pairs and key modes; warn 30 days before expiry.\n"
"  Exit 0 when all pass (warnings allowed), 1 when something failed.\n"
OUTPUT_USAGE;

struct check_args {
	const char *dir;
	enum out_format fmt;
};

static int
check_run(void *p)
{
	const struct check_args *a = p;

	return etcd_pki_check(a->dir, a->fmt);
}

static void
parse_days(const char *arg, const char *opt, int *out)
{
	long long n;

	if (parse_num(arg, 1, 36500, &n) < 0)
		usage_error("%s '%s' is not a number of days (1-36500)", opt, arg);
	*out = (int)n;
}

static int
pki_init(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "out", required_argument, NULL, OPT_OUT },
		{ "member", required_argument, NULL, OPT_MEMBER },
		{ "client", required_argument, NULL, OPT_CLIENT },
		{ "days", required_argument, NULL, OPT_DAYS },
		{ "ca-days", required_argument, NULL, OPT_CA_DAYS },
		{ "localhost", no_argument, NULL, OPT_LOCALHOST },
		{ "start-script", no_argument, NULL, OPT_START_SCRIPT },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct member_spec ms[PKI_MAX_MEMBERS];
	const char *clients[PKI_MAX_CLIENTS + 2] = { "root", "k3s" };
	struct pki_init_opts o = { 0 };
	size_t nms = 0, ncl = 2;
	int c, ret;

	o.days = PKI_DEFAULT_DAYS;
	o.ca_days = PKI_CA_DAYS;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_OUT: o.out = optarg; break;
		case OPT_MEMBER:
			if (nms == PKI_MAX_MEMBERS)
				usage_error("at most %d members", PKI_MAX_MEMBERS);
			if (member_spec_parse(optarg, 0, &ms[nms]) < 0)
				exit(EXIT_USAGE);
			for (size_t i = 0; i < nms; i++)
				if (!strcmp(ms[i].name, ms[nms].name))
					usage_error("member '%s' given twice", ms[i].name);
			nms++;
			break;
		case OPT_CLIENT:
			if (ncl == PKI_MAX_CLIENTS + 2)
				usage_error("at most %d extra clients", PKI_MAX_CLIENTS);
			if (!valid_member_name(optarg))
				usage_error("client CN '%s' is invalid", optarg);
			clients[ncl++] = optarg;
			break;
		case OPT_DAYS: parse_days(optarg, "--days", &o.days); break;
		case OPT_CA_DAYS: parse_days(optarg, "--ca-days", &o.ca_days); break;
		case OPT_LOCALHOST: o.localhost = 1; break;
		case OPT_START_SCRIPT: o.start_script = 1; break;
		case OPT_DRY_RUN: o.dry_run = 1; break;
		case 'h': print_usage_exit(init_usage);
		default: bad_option(init_usage);
		}
	}
	no_operands(argc, argv);
	if (!o.out)
		usage_error("etcd pki init needs --out DIR");
	if (nms == 0)
		usage_error("etcd pki init needs at least one --member NAME=ADDR");
	if (o.ca_days < o.days)
		usage_error("--ca-days (%d) is shorter than --days (%d)", o.ca_days, o.days);
	o.ms = ms;
	o.nms = nms;
	o.clients = clients;
	o.ncl = ncl;
	ret = etcd_pki_init(&o);
	for (size_t i = 0; i < nms; i++)
		member_spec_free(&ms[i]);
	return ret;
}

static int
pki_issue_verb(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "pki", required_argument, NULL, OPT_PKI },
		{ "member", required_argument, NULL, OPT_MEMBER },
		{ "client", required_argument, NULL, OPT_CLIENT },
		{ "days", required_argument, NULL, OPT_DAYS },
		{ "localhost", no_argument, NULL, OPT_LOCALHOST },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct member_spec m;
	struct pki_issue_opts o = { 0 };
	const char *member = NULL;
	int c, ret;

	memset(&m, 0, sizeof(m));
	o.days = PKI_DEFAULT_DAYS;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_PKI: o.dir = optarg; break;
		case OPT_MEMBER: member = optarg; break;
		case OPT_CLIENT: o.client = optarg; break;
		case OPT_DAYS: parse_days(optarg, "--days", &o.days); break;
		case OPT_LOCALHOST: o.localhost = 1; break;
		case OPT_FORCE: o.force = 1; break;
		case OPT_DRY_RUN: o.dry_run = 1; break;
		case 'h': print_usage_exit(issue_usage);
		default: bad_option(issue_usage);
		}
	}
	no_operands(argc, argv);
	if (!o.dir)
		usage_error("etcd pki issue needs --pki DIR");
	if (!member == !o.client)
		usage_error("etcd pki issue needs exactly one of --member and --client");
	if (o.client && !valid_member_name(o.client))
		usage_error("client CN '%s' is invalid", o.client);
	if (member) {
		if (member_spec_parse(member, 0, &m) < 0)
			return EXIT_USAGE;
		o.member = &m;
	}
	ret = etcd_pki_issue(&o);
	member_spec_free(&m);
	return ret;
}

static int
pki_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		OUTPUT_LONG_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct check_args a = { NULL, FMT_TEXT };
	const char *output = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_FORMAT: a.fmt = format_arg(optarg, FMT_TEXT_JSON); break;
		case 'o': output = optarg; break;
		case 'h': print_usage_exit(check_usage);
		default: bad_option(check_usage);
		}
	}
	if (optind + 1 != argc)
		usage_error("etcd pki check needs exactly one DIR");
	a.dir = argv[optind];
	return cmd_output(output, check_run, &a);
}

static const struct subcmd pki_verbs[] = {
	{ "init", pki_init, "new CA, member and client certificates" },
	{ "issue", pki_issue_verb, "add a member or a client" },
	{ "check", pki_check, "verify chains, SANs, EKUs, key pairs, expiry" },
};

int
cmd_etcd_pki(int argc, char **argv)
{
	return run_subcommand("etcd pki", pki_verbs, ARRAY_SIZE(pki_verbs), argc, argv);
}
