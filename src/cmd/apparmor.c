/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k3sguard-command: apparmor | an AppArmor profile that confines K3s to the paths it needs
 *
 * `apparmor profile` prints (or writes with --output) the profile; the man
 * page says how to load it.  Loading is left to apparmor_parser: it needs
 * a kernel decision the operator should take in complain mode first.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "manifests/apparmor.h"
#include "cmd/cmd.h"
#include "node/node.h"

int cmd_apparmor(int argc, char **argv);

static const char profile_usage[] =
"usage: k3sguard apparmor profile [--mode complain|enforce] [--output FILE [--dry-run]]\n"
"  Print an AppArmor profile for the k3s binary (--k3s-bin, default\n"
"  /usr/local/bin/k3s) allowing the paths K3s needs; only K3s's packaged files\n"
"  may be written in server/manifests.  Default mode: complain.  An absolute\n"
"  FILE is a node path (under --root, the tree's); a relative one is local.\n"
"  Load it with: apparmor_parser -r FILE (then restart K3s).\n";

static int
cmd_profile(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "mode", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *mode = "complain", *output = NULL, *data_dir = "/var/lib/rancher/k3s", *bin;
	struct buf prof = BUF_INIT;
	struct node n;
	int c, dry = 0, loaded = 0, ret = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case 'm':
			mode = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'n':
			dry = 1;
			break;
		case 'h':
			print_usage_exit(profile_usage);
		default:
			bad_option(profile_usage);
		}
	}
	if (optind < argc)
		usage_error("apparmor profile: unexpected argument '%s'", argv[optind]);
	if (strcmp(mode, "complain") && strcmp(mode, "enforce"))
		usage_error("apparmor profile: unknown mode '%s' (complain or enforce)", mode);
	if (dry && !output)
		usage_error("apparmor profile: --dry-run goes with --output (printing changes nothing)");
	/* the data dir as K3s will use it: --data-dir, else the node's config */
	quiet_errors++;
	if (node_load(&n) == 0) {
		loaded = 1;
		if (n.data_dir)
			data_dir = n.data_dir;
	}
	quiet_errors--;
	clear_error();
	if (gopt.data_dir && *gopt.data_dir)
		data_dir = gopt.data_dir;
	/* the binary the node's unit runs (or --k3s-bin): node.c find_k3s_bin() */
	bin = loaded ? n.k3s_bin : gopt.k3s_bin ? gopt.k3s_bin : "/usr/local/bin/k3s";
	if (apparmor_profile(&prof, bin, data_dir, !strcmp(mode, "enforce")) < 0)
		goto out;
	if (!output) {
		fputs(prof.s, stdout);
	} else if (dry) {
		printf("would write the %s-mode profile for '%s' (data dir '%s') to '%s' (mode 0644, %zu bytes)\n",
		    mode, bin, data_dir, output, prof.len);
	} else {
		/* absolute: a node path (the gate); relative: a local file, as typed */
		if ((output[0] == '/' ? gate_write_atomic(output, prof.s, prof.len, 0644) :
		    file_write_atomic(output, prof.s, prof.len, 0644)) < 0)
			goto out;
		printf("wrote the %s-mode profile for '%s' to '%s'; load it with: apparmor_parser -r %s\n",
		    mode, bin, output, output);
	}
	ret = EXIT_OK;
out:
	if (loaded)
		node_free(&n);
	buf_release(&prof);
	return ret;
}

static const struct subcmd apparmor_verbs[] = {
	{ "profile", cmd_profile, "print the K3s profile (complain or enforce mode)" },
};

int
cmd_apparmor(int argc, char **argv)
{
	return run_subcommand("apparmor", apparmor_verbs, ARRAY_SIZE(apparmor_verbs), argc, argv);
}
