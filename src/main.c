/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c: start-up hygiene, global options, the command table, dispatch,
 * and the final check that stdout was really written.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "core/config.h"
#include "core/gate.h"
#include "node/node.h"
#include "store/host-config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define COMMAND(name, fn, summary) int fn(int argc, char **argv);
#include "commands.inc"
#undef COMMAND

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
#define COMMAND(name, fn, summary) { name, fn, summary },
#include "commands.inc"
#undef COMMAND
	{ NULL, NULL, NULL }
};


static const char usage_text[] =
"usage: k3sguard [--root DIR] [--k3s-bin PATH] [--data-dir DIR] [--config FILE]\n"
"                [--k3s-version V] <command> [<args>]\n"
"       k3sguard --version | --help | help <command>\n";

static void
print_help(FILE *f)
{
	fputs(usage_text, f);
	fputs("\ncommands:\n", f);
	for (size_t i = 0; commands[i].name; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fputs("\nglobal options (before or after the command):\n"
	    "  --root DIR       a node tree (mounted image, copy) instead of this host;\n"
	    "                   node paths resolve inside DIR; its k3s is read, never run\n"
	    "  --k3s-bin PATH   the K3s binary (default: the running unit's command,\n"
	    "                   else /usr/local/bin/k3s)\n"
	    "  --data-dir DIR   the K3s data dir, when K3s's config does not name it\n"
	    "  --config FILE    k3sguard's own config (default /etc/k3sguard/config.yaml)\n"
	    "  --k3s-version V  the node's K3s version (vX.Y.Z[-rcN]+k3sN); else read\n"
	    "                   from the K3s binary's bytes (--root) or k3s --version\n", f);
	fputs("\nexit codes: 0 ok, 1 findings, 2 operational error, 64 usage\n"
	    "'k3sguard <command> --help' describes a command; man k3sguard has the details.\n", f);
}

/*
 * Secrets pass through this process: no core dumps, nothing inherited that
 * we did not open, and files we create are private unless we say otherwise.
 */
static void
hygiene(void)
{
	struct rlimit nocore = { 0, 0 };
	struct stat st;

	umask(077);
	if (setrlimit(RLIMIT_CORE, &nocore) < 0)
		fatal("cannot disable core dumps: %s", strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fatal("cannot mark the process non-dumpable: %s", strerror(errno));
	/* 0, 1, 2 must exist, or a later open() would take their place */
	for (int fd = 0; fd <= 2; fd++) {
		if (fstat(fd, &st) < 0 && errno == EBADF) {
			int n = open("/dev/null", O_RDWR);

			if (n != fd)
				fatal("cannot open /dev/null for fd %d", fd);
		}
	}
	if (close_range(3, ~0U, 0) < 0) {
		long max = sysconf(_SC_OPEN_MAX);

		for (long fd = 3; fd < (max > 0 ? max : 1024); fd++)
			close((int)fd);
	}
}

int
global_option(int c, const char *arg)
{
	switch (c) {
	case OPT_ROOT:
		/* from here on every node path resolves inside it (the gate) */
		if (gate_set_root(arg) < 0)
			exit(EXIT_ERROR);
		if (!gopt.root || strcmp(gopt.root, arg) != 0)
			config_reset();	/* a different file: read (and checked) again */
		gopt.root = arg;
		return 1;
	case OPT_K3S_BIN:
		gopt.k3s_bin = arg;
		return 1;
	case OPT_DATA_DIR:
		gopt.data_dir = arg;
		return 1;
	case OPT_CONFIG:
		if (strcmp(gopt.config, arg) != 0)
			config_reset();
		gopt.config = arg;
		return 1;
	case OPT_K3S_VERSION:
		if (!k3s_version_valid(arg))
			usage_error("--k3s-version '%s' is not a K3s release version "
			    "(vX.Y.Z[-rcN]+k3sN)", arg);
		gopt.k3s_version = arg;
		return 1;
	}
	return 0;
}

void
getopt_reset(void)
{
	optind = 0;	/* glibc: full re-initialisation */
	opterr = 1;
}

_Noreturn void
print_usage_exit(const char *usage)
{
	fputs(usage, stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error("cannot write to standard output: %s", strerror(errno));
		exit(EXIT_ERROR);
	}
	exit(EXIT_OK);
}

_Noreturn void
bad_option(const char *usage)
{
	/* getopt already said what was wrong, on one line */
	fputs(usage, stderr);
	exit(EXIT_USAGE);
}

int
run_subcommand(const char *parent, const struct subcmd *tab, size_t n,
    int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : NULL;

	if (!verb || !strcmp(verb, "-h") || !strcmp(verb, "--help")) {
		FILE *f = verb ? stdout : stderr;

		fprintf(f, "usage: k3sguard %s <verb> [<args>]\n\nverbs:\n", parent);
		for (size_t i = 0; i < n; i++)
			fprintf(f, "  %-14s %s\n", tab[i].name, tab[i].summary);
		return verb ? EXIT_OK : EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(tab[i].name, verb))
			return tab[i].fn(argc - 1, argv + 1);
	usage_error("'%s %s' is not a k3sguard command (see 'k3sguard %s --help')",
	    parent, verb, parent);
}

/*
 * The global options among a command's own arguments (--root, --config
 * given after the verb), applied before the command runs, so that the
 * config is checked at start by every command (config_check), also one
 * that never reads it.  In order ('-'), so nothing is permuted; the
 * command's own parse applies them again.  1 when --help (-h) was asked:
 * help needs no config.
 */
static int
prescan_globals(int argc, char **argv)
{
	enum { HELP_LONG = OPT_GLOBAL_LAST };
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "help", no_argument, NULL, HELP_LONG },
		{ NULL, 0, NULL, 0 }
	};
	int c, help = 0;

	getopt_reset();
	opterr = 0;	/* the command's own parse reports what is wrong */
	while ((c = getopt_long(argc, argv, "-:h", longopts, NULL)) != -1) {
		/*
		 * -h only as a word of its own: in "-oh.txt" the h is the
		 * value of a short option this parse does not know
		 */
		if (c == HELP_LONG || (c == 'h' && !strcmp(argv[optind - 1], "-h")))
			help = 1;
		else if (c == OPT_ROOT || c == OPT_CONFIG)
			global_option(c, optarg);
	}
	getopt_reset();
	return help;
}

static const struct command *
find_command(const char *name)
{
	for (size_t i = 0; commands[i].name; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd;
	int c, ret;

	hygiene();
	/* '+': stop at the command name; its options are its own */
	while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case 'h':
			print_help(stdout);
			ret = EXIT_OK;
			goto out;
		case 'V':
			printf("k3sguard %s\n", K3SGUARD_VERSION);
			ret = EXIT_OK;
			goto out;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 >= argc) {
			print_help(stdout);
			ret = EXIT_OK;
			goto out;
		}
		if (!(cmd = find_command(argv[optind + 1])))
			usage_error("'%s' is not a k3sguard command", argv[optind + 1]);
		char *hargv[] = { argv[optind + 1], (char *)"--help", NULL };
		getopt_reset();
		ret = cmd->fn(2, hargv);
		goto out;
	}
	if (!(cmd = find_command(argv[optind])))
		usage_error("'%s' is not a k3sguard command (see 'k3sguard --help')",
		    argv[optind]);
	{
		int first = optind;	/* getopt_reset() clears optind */

		if (!prescan_globals(argc - first, argv + first)) {
			config_check();
			host_config_check();
		}
		getopt_reset();
		ret = cmd->fn(argc - first, argv + first);
	}
out:
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error("cannot write to standard output: %s", strerror(errno));
		return EXIT_ERROR;
	}
	return ret;
}
