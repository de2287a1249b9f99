/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-snapshot.c: `k3sguard etcd snapshot save|ls|verify|export|prune|
 * restore|schedule`: options into the structs of etcd/etcd-snapshot.h; the work is
 * etcd_snapshot_*() in src/etcd/.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "cmd/etcd-cmd.h"
#include "core/util.h"
#include "etcd/etcd-snapshot.h"

#include <stdlib.h>
#include <string.h>

enum {
	OPT_DIR = OPT_ETCD_SUB_FIRST, OPT_NAME, OPT_FORMAT, OPT_KEEP, OPT_KEEP_DAYS, OPT_DRY_RUN,
	OPT_MEMBER, OPT_DATA_DIR_BASE, OPT_TOKEN, OPT_ETCDCTL, OPT_ON_CALENDAR,
	OPT_UNIT_DIR, OPT_K3SGUARD_BIN, OPT_FORCE
};


/* --keep N: how many snapshots to keep, at least one. */
static long long
keep_arg(const char *arg)
{
	long long n;

	if (parse_num(arg, 1, 100000, &n) < 0)
		usage_error("--keep '%s' is not a number >= 1", arg);
	return n;
}
static const char save_usage[] =
"usage: k3sguard etcd snapshot save [connection as root] [--dir DIR] [--name NAME]\n"
"  Stream a snapshot from a member into DIR/NAME.ksnap (AES-256-GCM chunks,\n"
"  key from the secret store), verify etcd's sha256 on the fly, fail over to\n"
"  the next member if one dies mid-stream, and write NAME.ksnap.json.\n"
"  Default DIR " SNAP_DIR ", NAME etcd-YYYYmmddTHHMMSSZ.\n"
ETCD_CONN_USAGE;


static const char verify_usage[] =
"usage: k3sguard etcd snapshot verify FILE\n"
"  Decrypt to nowhere and check every chunk's tag and position, the final\n"
"  chunk, etcd's sha256 trailer, the bbolt meta pages, and the sidecar.\n"
"  Exit 0 good, 1 bad (the message says what), 2 could not check.\n";

static const char export_usage[] =
"usage: k3sguard etcd snapshot export FILE.ksnap OUT.db [--force] [--dry-run]\n"
"  Decrypt and verify FILE (as verify does) into OUT: the plain snapshot\n"
"  `etcdctl snapshot save` writes (bbolt database and its sha256), which\n"
"  etcdctl snapshot status/restore and etcdutl read.  OUT is written 0600\n"
"  through a temp file renamed into place only when every check passed; an\n"
"  existing OUT is refused unless --force.  The plaintext holds every secret\n"
"  in etcd (K3s's bootstrap data, Secrets): keep it as safe as the key.\n";

static const char ls_usage[] =
"usage: k3sguard etcd snapshot ls [--dir DIR] [--format text|json] [-o FILE]\n"
OUTPUT_USAGE;

static int
ls_run(void *o)
{
	return etcd_snapshot_ls(o);
}

static const char prune_usage[] =
"usage: k3sguard etcd snapshot prune --keep N [--keep-days D] [--dir DIR] [--dry-run]\n"
"  Keep the newest N snapshots (and any younger than D days); never remove the\n"
"  newest verified one.  Says which K3s token versions no snapshot needs any more.\n";

static const char restore_usage[] =
"usage: k3sguard etcd snapshot restore FILE --member NAME=PEER_URL ... --data-dir-base DIR\n"
"                                      [--initial-cluster-token T] [--etcdctl PATH] [--dry-run]\n"
"  Verify FILE, decrypt it into a private temp file, and run `etcdctl snapshot\n"
"  restore` for every member into DIR/NAME (etcd 3.4: etcdctl; no etcdutl).\n"
"  Prints how to start the restored cluster and which K3s token it needs.\n";

static const char schedule_usage[] =
"usage: k3sguard etcd snapshot schedule [--on-calendar SPEC] [--keep N] [--dir DIR]\n"
"                                       [--k3sguard-bin PATH] [--unit-dir DIR] [--dry-run]\n"
"  Write k3sguard-etcd-snapshot.service and .timer (default unit dir\n"
"  /etc/systemd/system, under --root): save, then prune to N (default 14);\n"
"  every 6 hours unless --on-calendar.  The connection comes from k3sguard's\n"
"  config (etcd.endpoints, etcd.cacert, etcd.cert, etcd.key: the root identity).\n";

static int
snapshot_save(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		ETCD_CONN_LONG_OPTIONS,
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct snap_save_opts o = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg) || etcd_conn_option(&o.conn, c, optarg))
			continue;
		switch (c) {
		case OPT_DIR: o.dir = optarg; break;
		case OPT_NAME: o.name = optarg; break;
		case 'h': print_usage_exit(save_usage);
		default: bad_option(save_usage);
		}
	}
	no_operands(argc, argv);
	if (o.name && (!valid_member_name(o.name) || o.name[0] == '.' || strlen(o.name) > 64))
		usage_error("--name '%s': letters, digits, '.', '_', '-' (not first '.')", o.name);
	return etcd_snapshot_save(&o);
}

static int
snapshot_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		if (c == 'h')
			print_usage_exit(verify_usage);
		bad_option(verify_usage);
	}
	if (optind + 1 != argc)
		usage_error("etcd snapshot verify needs exactly one FILE");
	return etcd_snapshot_verify(argv[optind]);
}

static int
snapshot_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct snap_export_opts o = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_FORCE: o.force = 1; break;
		case OPT_DRY_RUN: o.dry_run = 1; break;
		case 'h': print_usage_exit(export_usage);
		default: bad_option(export_usage);
		}
	}
	if (optind + 2 != argc)
		usage_error("etcd snapshot export needs FILE.ksnap and OUT.db");
	o.file = argv[optind];
	o.out = argv[optind + 1];
	if (!*o.out)
		usage_error("etcd snapshot export: OUT is empty");
	return etcd_snapshot_export(&o);
}

static int
snapshot_ls(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "format", required_argument, NULL, OPT_FORMAT },
		OUTPUT_LONG_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct snap_ls_opts o = { 0 };
	const char *output = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_DIR: o.dir = optarg; break;
		case OPT_FORMAT: o.fmt = format_arg(optarg, FMT_TEXT_JSON); break;
		case 'o': output = optarg; break;
		case 'h': print_usage_exit(ls_usage);
		default: bad_option(ls_usage);
		}
	}
	no_operands(argc, argv);
	return cmd_output(output, ls_run, &o);
}

static int
snapshot_prune(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "keep-days", required_argument, NULL, OPT_KEEP_DAYS },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct snap_prune_opts o = { NULL, -1, -1, 0 };
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_DIR: o.dir = optarg; break;
		case OPT_KEEP:
			o.keep = keep_arg(optarg);
			break;
		case OPT_KEEP_DAYS:
			if (parse_num(optarg, 0, 36500, &o.keep_days) < 0)
				usage_error("--keep-days '%s' is not a number of days", optarg);
			break;
		case OPT_DRY_RUN: o.dry_run = 1; break;
		case 'h': print_usage_exit(prune_usage);
		default: bad_option(prune_usage);
		}
	}
	no_operands(argc, argv);
	if (o.keep < 0)
		usage_error("etcd snapshot prune needs --keep N");
	return etcd_snapshot_prune(&o);
}

/* --member NAME=https://HOST:PEER_PORT */
static void
restore_member(const char *arg, char **name, char **peer)
{
	const char *eq = strchr(arg, '=');
	char nb[64];

	if (!eq || (size_t)(eq - arg) >= sizeof(nb))
		usage_error("--member '%s' is not NAME=PEER_URL", arg);
	memcpy(nb, arg, (size_t)(eq - arg));
	nb[eq - arg] = '\0';
	if (!valid_member_name(nb) || !starts_with(eq + 1, "https://", NULL) ||
	    strpbrk(eq + 1, ", \t"))
		usage_error("--member '%s' is not NAME=https://HOST:PEER_PORT", arg);
	*name = xstrdup(nb);
	*peer = xstrdup(eq + 1);
}

static int
snapshot_restore(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "member", required_argument, NULL, OPT_MEMBER },
		{ "data-dir-base", required_argument, NULL, OPT_DATA_DIR_BASE },
		{ "initial-cluster-token", required_argument, NULL, OPT_TOKEN },
		{ "etcdctl", required_argument, NULL, OPT_ETCDCTL },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *names[16], *peers[16];
	struct snap_restore_opts o = { 0 };
	size_t nm = 0;
	int c, ret;

	o.token = "k3sguard-restored";
	o.etcdctl = "/usr/bin/etcdctl";
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_MEMBER:
			if (nm == ARRAY_SIZE(names))
				usage_error("at most %zu members", ARRAY_SIZE(names));
			restore_member(optarg, &names[nm], &peers[nm]);
			nm++;
			break;
		case OPT_DATA_DIR_BASE: o.base = optarg; break;
		case OPT_TOKEN: o.token = optarg; break;
		case OPT_ETCDCTL: o.etcdctl = optarg; break;
		case OPT_DRY_RUN: o.dry_run = 1; break;
		case 'h': print_usage_exit(restore_usage);
		default: bad_option(restore_usage);
		}
	}
	if (optind + 1 != argc || nm == 0 || !o.base)
		usage_error("etcd snapshot restore needs FILE, --member NAME=PEER_URL ... "
		    "and --data-dir-base DIR");
	if (!valid_member_name(o.token))
		usage_error("--initial-cluster-token '%s' is invalid", o.token);
	o.file = argv[optind];
	o.names = names;
	o.peers = peers;
	o.nm = nm;
	ret = etcd_snapshot_restore(&o);
	for (size_t i = 0; i < nm; i++) {
		free(names[i]);
		free(peers[i]);
	}
	return ret;
}

static int
snapshot_schedule(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "on-calendar", required_argument, NULL, OPT_ON_CALENDAR },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "k3sguard-bin", required_argument, NULL, OPT_K3SGUARD_BIN },
		{ "unit-dir", required_argument, NULL, OPT_UNIT_DIR },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct snap_schedule_opts o = { "*-*-* 00/6:00:00", SNAP_DIR,
		"/usr/local/bin/k3sguard", "/etc/systemd/system", 14, 0 };
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_ON_CALENDAR: o.cal = optarg; break;
		case OPT_KEEP:
			o.keep = keep_arg(optarg);
			break;
		case OPT_DIR: o.dir = optarg; break;
		case OPT_K3SGUARD_BIN: o.bin = optarg; break;
		case OPT_UNIT_DIR: o.unit_dir = optarg; break;
		case OPT_DRY_RUN: o.dry_run = 1; break;
		case 'h': print_usage_exit(schedule_usage);
		default: bad_option(schedule_usage);
		}
	}
	no_operands(argc, argv);
	for (const char *const *v = (const char *const[]){ o.cal, o.dir, o.bin, o.unit_dir,
	    NULL }; *v; v++)
		if (strpbrk(*v, "\n\r\"'\\%$`;") || !**v)
			usage_error("'%s' has characters a unit file cannot take", *v);
	if (o.dir[0] != '/' || o.bin[0] != '/')
		usage_error("--dir and --k3sguard-bin must be absolute paths");
	return etcd_snapshot_schedule(&o);
}

static const struct subcmd snapshot_verbs[] = {
	{ "save", snapshot_save, "stream, encrypt, verify, failover" },
	{ "export", snapshot_export, "decrypt and verify into a plain etcd snapshot" },
	{ "ls", snapshot_ls, "list snapshots with their sidecars" },
	{ "verify", snapshot_verify, "decrypt to nowhere: tags, trailer, bbolt" },
	{ "prune", snapshot_prune, "keep N (and D days), never the newest verified" },
	{ "restore", snapshot_restore, "restore every member's data dir (etcdctl)" },
	{ "schedule", snapshot_schedule, "systemd service + timer for scheduled saves" },
};

int
cmd_etcd_snapshot(int argc, char **argv)
{
	return run_subcommand("etcd snapshot", snapshot_verbs, ARRAY_SIZE(snapshot_verbs),
	    argc, argv);
}
