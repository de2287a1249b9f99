/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k3sguard-command: manifests | lock, verify, sync and watch K3s's auto-deploy directory
 *
 * Anyone who can write <data-dir>/server/manifests is cluster-admin within
 * K3s's ~15 s poll.  `lock` records a signed baseline of the directory
 * outside it, `verify` compares against it, `sync` makes it equal to a
 * reviewed source and `watch` alerts (and restores) within milliseconds.
 *
 * This file parses argv only: each verb fills a struct of
 * manifests/manifests-ops.h and calls the operation.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "manifests/manifests-ops.h"

#define MANIFESTS_PATH_OPTIONS \
	{ "dir", required_argument, NULL, 'D' }, \
	{ "lock", required_argument, NULL, 'L' }, \
	{ "key", required_argument, NULL, 'K' }

/* 1 when c was one of MANIFESTS_PATH_OPTIONS (and applied). */
static int
mpaths_option(struct mpaths *p, int c, const char *arg)
{
	switch (c) {
	case 'D':
		p->dir = arg;
		return 1;
	case 'L':
		p->lock = arg;
		return 1;
	case 'K':
		p->key = arg;
		return 1;
	}
	return 0;
}

/* An operation's 0/1/-1 as the exit code. */
static int
exit_code(int r)
{
	return r == 0 ? EXIT_OK : r == 1 ? EXIT_FINDINGS : EXIT_ERROR;
}

static const char lock_usage[] =
"usage: k3sguard manifests lock [--key FILE] [--lock FILE] [--dir DIR] [--dry-run]\n"
"  Record every entry of the manifests directory (type, sha256, size, mode,\n"
"  owner) in a baseline signed with Ed25519, stored outside the directory\n"
"  (default " MANIFESTS_LOCK ", key " MANIFESTS_KEY ", created 0600 on first use).\n";

static int
cmd_lock(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS, MANIFESTS_PATH_OPTIONS,
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct mlock_opts o = { .dry = 0 };
	int c;

	mpaths_default(&o.p);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg) || mpaths_option(&o.p, c, optarg))
			continue;
		if (c == 'n')
			o.dry = 1;
		else if (c == 'h')
			print_usage_exit(lock_usage);
		else
			bad_option(lock_usage);
	}
	if (optind < argc)
		usage_error("manifests lock: unexpected argument '%s'", argv[optind]);
	mpaths_finish(&o.p);
	return manifests_lock(&o) == 0 ? EXIT_OK : EXIT_ERROR;
}

static const char verify_usage[] =
"usage: k3sguard manifests verify [--format text|json] [--key FILE] [--lock FILE] [--dir DIR]\n"
"                                 [-o FILE]\n"
"  Compare the manifests directory with its signed baseline: added, removed,\n"
"  changed (content, mode, owner, type) entries; a bad or missing signature;\n"
"  files the cluster applied (K3s's Addon checksums in the datastore) that\n"
"  differ from the baseline or are not in it.\n"
"  Exit 0 when it matches, 1 on drift or a bad signature, 2 on error.\n"
OUTPUT_USAGE;

static int
verify_run(void *o)
{
	return exit_code(manifests_verify(o));
}

static int
cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS, MANIFESTS_PATH_OPTIONS,
		{ "format", required_argument, NULL, 'f' },
		OUTPUT_LONG_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct mverify_opts o = { .json = 0 };
	const char *output = NULL;
	int c;

	mpaths_default(&o.p);
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (global_option(c, optarg) || mpaths_option(&o.p, c, optarg))
			continue;
		if (c == 'f')
			o.json = format_arg(optarg, FMT_TEXT_JSON) == FMT_JSON;
		else if (c == 'o')
			output = optarg;
		else if (c == 'h')
			print_usage_exit(verify_usage);
		else
			bad_option(verify_usage);
	}
	if (optind < argc)
		usage_error("manifests verify: unexpected argument '%s'", argv[optind]);
	mpaths_finish(&o.p);
	return cmd_output(output, verify_run, &o);
}

static const char sync_usage[] =
"usage: k3sguard manifests sync --from DIR [--dry-run] [--prune] [--key FILE] [--lock FILE] [--dir DIR]\n"
"  Make the manifests directory equal, for the files sync manages, to a\n"
"  reviewed source DIR (a Git checkout; dotfiles such as .git are ignored):\n"
"  new and changed files written atomically, 0600 root; with --prune, managed\n"
"  files gone from DIR are removed.  K3s's packaged files are left alone (a\n"
"  <name>.skip in DIR switches one off).  Symlinks and names that leave the\n"
"  directory are refused and nothing is changed.  Then the result is locked.\n"
"  DIR is read as given (not under --root).  Prints the changes; idempotent.\n";

static int
cmd_sync(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS, MANIFESTS_PATH_OPTIONS,
		{ "from", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "prune", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct msync_opts o = { .from = NULL };
	int c;

	mpaths_default(&o.p);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg) || mpaths_option(&o.p, c, optarg))
			continue;
		switch (c) {
		case 'f':
			o.from = optarg;
			break;
		case 'n':
			o.dry = 1;
			break;
		case 'p':
			o.prune = 1;
			break;
		case 'h':
			print_usage_exit(sync_usage);
		default:
			bad_option(sync_usage);
		}
	}
	if (optind < argc)
		usage_error("manifests sync: unexpected argument '%s'", argv[optind]);
	if (!o.from)
		usage_error("manifests sync: --from DIR is required");
	mpaths_finish(&o.p);
	return exit_code(manifests_sync(&o));
}

static const char watch_usage[] =
"usage: k3sguard manifests watch [--enforce [--dry-run]] [--alert SINK ...] [--queue N]\n"
"                                [--key FILE] [--lock FILE] [--dir DIR]\n"
"  Watch the manifests directory (inotify, the whole tree) and alert on every\n"
"  change against the signed baseline, as one JSON line per event.\n"
"  SINK: stdout (default), syslog, exec:CMD [ARGS] (JSON on stdin),\n"
"        alertmanager:URL (Alertmanager v2 API, POST URL/api/v2/alerts).\n"
"  --enforce  restore the locked version, quarantine unknown entries into\n"
"             " MANIFESTS_QUAR " (0700); --dry-run only says so.\n"
"  --queue N  alerts queued per remote sink (exec, alertmanager) while it is\n"
"             down or slow (default 1024; the oldest is dropped when full).\n"
"  SIGHUP reloads the baseline; a new lock file is picked up by itself.\n";

static int
cmd_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS, MANIFESTS_PATH_OPTIONS,
		{ "enforce", no_argument, NULL, 'e' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "alert", required_argument, NULL, 'a' },
		{ "queue", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct mwatch_opts o = { .queue = 1024 };
	const char **alerts = NULL;
	long long qmax;
	int c, r;

	mpaths_default(&o.p);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg) || mpaths_option(&o.p, c, optarg))
			continue;
		switch (c) {
		case 'e':
			o.enforce = 1;
			break;
		case 'n':
			o.dry = 1;
			break;
		case 'a':
			alerts = xrealloc(alerts, (o.nalerts + 1) * sizeof(*alerts));
			alerts[o.nalerts++] = optarg;
			break;
		case 'q':
			if (parse_num(optarg, 1, 1000000, &qmax) < 0)
				usage_error("manifests watch: --queue wants a number from 1 to 1000000, not '%s'", optarg);
			o.queue = (size_t)qmax;
			break;
		case 'h':
			print_usage_exit(watch_usage);
		default:
			bad_option(watch_usage);
		}
	}
	if (optind < argc)
		usage_error("manifests watch: unexpected argument '%s'", argv[optind]);
	if (o.dry && !o.enforce)
		usage_error("manifests watch: --dry-run goes with --enforce (watching changes nothing)");
	mpaths_finish(&o.p);
	o.alerts = alerts;
	r = manifests_watch(&o);
	free(alerts);
	return r == -2 ? EXIT_USAGE : exit_code(r);
}

static const struct subcmd manifests_verbs[] = {
	{ "lock", cmd_lock, "sign a baseline of the manifests directory" },
	{ "verify", cmd_verify, "compare the directory with its signed baseline" },
	{ "sync", cmd_sync, "make the directory equal to a reviewed source, then lock" },
	{ "watch", cmd_watch, "alert on (and with --enforce, undo) changes as they happen" },
};

int cmd_manifests(int argc, char **argv);

int
cmd_manifests(int argc, char **argv)
{
	return run_subcommand("manifests", manifests_verbs, ARRAY_SIZE(manifests_verbs),
	    argc, argv);
}
