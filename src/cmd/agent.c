/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-agent.c: start K3s with its token from the secret store, without
 * disk, argv or environment; install the unit drop-in that does it.
 * k3sguard-command: agent | hand K3s its token in a pipe read once (exec, install-unit)
 *
 * Invariants:
 *  - the token leaves this process only through a pipe whose write end is
 *    closed before exec (token-pipe.h says why a pipe): K3s reads it once as
 *    --token-file /proc/self/fd/N, and every later reader of that fd (K3s's
 *    children inherit it) gets EOF;
 *  - K3s starts with an empty signal mask and default signal actions;
 *  - K3s's argv never carries a token: --token, -t, --agent-token (and a
 *    second --token-file) in ARGS are refused (exit 64) and only the flag's
 *    name is ever shown;
 *  - K3S_TOKEN, K3S_AGENT_TOKEN, their *_FILE forms and K3S_CLUSTER_SECRET
 *    are removed from K3s's environment;
 *  - the buffer that held the token is wiped before exec;
 *  - install-unit writes no secret: the drop-in names the secret, and it
 *    drops every token flag of the unit's command line.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "token/agent.h"
#include "token/token-pipe.h"
#include "core/run.h"
#include "node/node.h"
#include "scan/scan.h"
#include "core/secret.h"
#include "store/store.h"
#include "token/token.h"

enum { OPT_SECRET = OPT_GLOBAL_LAST, OPT_DRY_RUN, OPT_BIN };

static const char exec_usage[] =
"usage: k3sguard agent exec [--secret NAME] [--dry-run] -- k3s agent|server [ARGS...]\n"
"  Read the current version of NAME from the secret store (default: agent-token\n"
"  for 'k3s agent', server-token for 'k3s server') and exec K3s with it in a\n"
"  pipe it reads once, passed as --token-file /proc/self/fd/N.  K3S_TOKEN,\n"
"  K3S_AGENT_TOKEN and their *_FILE forms are removed from K3s's environment;\n"
"  --token, -t, --agent-token and --token-file in ARGS are refused (exit 64).\n"
"  --dry-run  print what would be run (token redacted) instead of running it\n";

static const char unit_usage[] =
"usage: k3sguard agent install-unit [--secret NAME] [--bin PATH] [--dry-run]\n"
"  Write a systemd drop-in for the node's K3s unit (k3s.service or\n"
"  k3s-agent.service) whose ExecStart= goes through 'k3sguard agent exec',\n"
"  without the unit's token flags.  Idempotent.\n"
"  --bin PATH  k3sguard as the unit runs it (default: this binary; under\n"
"              --root DIR, " AGENT_DEFAULT_BIN ")\n"
"  --dry-run   print the drop-in and where it would go\n";


/* Environment variables that carry a token (or point at one) to K3s. */
static const char *const token_env[] = {
	"K3S_TOKEN", "K3S_AGENT_TOKEN", "K3S_TOKEN_FILE", "K3S_AGENT_TOKEN_FILE",
	"K3S_CLUSTER_SECRET",
};

static int
is_token_env(const char *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(token_env); i++) {
		const char *rest;

		if (starts_with(e, token_env[i], &rest) && *rest == '=')
			return 1;
	}
	return 0;
}

/* ---- agent exec -------------------------------------------------------- */

static int
agent_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "secret", required_argument, NULL, OPT_SECRET },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	extern char **environ;
	const char *secret = NULL, *sub, *flag;
	struct buf tok = BUF_INIT, desc = BUF_INIT;
	struct store_meta meta;
	struct token_info ti;
	char fdpath[32], **cargv, **cenv;
	int c, dry_run = 0, fd, rc, kargc;
	size_t ne = 0, k = 0;

	/* '+': everything from the K3s command on is K3s's */
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_SECRET:
			secret = optarg;
			break;
		case OPT_DRY_RUN:
			dry_run = 1;
			break;
		case 'h':
			print_usage_exit(exec_usage);
		default:
			bad_option(exec_usage);
		}
	}
	kargc = argc - optind;
	if (kargc < 2)
		usage_error("agent exec: give the K3s command after '--' (k3s agent [ARGS...])");
	sub = argv[optind + 1];
	if (strcmp(sub, "agent") && strcmp(sub, "server"))
		usage_error("agent exec: '%s' is not 'agent' or 'server'", sub);
	for (int i = optind + 2; i < argc; i++) {
		if ((flag = agent_token_flag(argv[i]))) {
			if (!strcmp(flag, "token-file"))
				usage_error("agent exec: refusing '--token-file' in the K3s arguments: "
				    "agent exec supplies it");
			usage_error("agent exec: refusing '%s%s' in the K3s arguments: a token must "
			    "not be in argv (agent exec supplies it from the secret store)",
			    strlen(flag) == 1 ? "-" : "--", flag);
		}
	}
	if (!secret)
		secret = agent_default_secret(sub);
	if (store_name_ok(secret) < 0)
		return EXIT_USAGE;

	secret_buf_reserve(&tok, STORE_VALUE_MAX + 2);
	rc = store_get(secret, 0, &tok, &meta);
	if (rc == 1) {
		buf_wipe(&tok);
		error("no current version of '%s' in the secret store "
		    "(store it with 'k3sguard secrets put %s' or 'k3sguard fix')", secret, secret);
		return EXIT_ERROR;
	}
	if (rc < 0) {
		buf_wipe(&tok);
		return EXIT_ERROR;
	}
	buf_trim(&tok);
	if (token_parse(tok.s, tok.len, &ti) < 0) {
		buf_wipe(&tok);
		error("'%s' in the secret store is not a K3s token", secret);
		return EXIT_ERROR;
	}
	token_describe(&ti, &desc);
	explicit_bzero(&ti, sizeof(ti));

	if (dry_run) {
		buf_wipe(&tok);
		printf("would exec:");
		for (int i = optind; i < argc; i++) {
			printf(" %s", argv[i]);
			if (i == optind + 1)
				printf(" --token-file /proc/self/fd/N");
		}
		printf("\n  token: '%s' version %u, %s, in a pipe K3s reads once\n", secret,
		    meta.version, desc.s);
		printf("  environment without:");
		for (size_t i = 0; i < ARRAY_SIZE(token_env); i++)
			printf(" %s", token_env[i]);
		printf("\n");
		buf_release(&desc);
		return EXIT_OK;
	}
	buf_release(&desc);

	fd = token_pipe(tok.s, tok.len);
	buf_wipe(&tok);
	if (fd < 0)
		return EXIT_ERROR;
	/* the pipe as fd 3, whatever we had open there (we exec next) */
	if (fd != 3) {
		if (dup3(fd, 3, 0) < 0) {
			error_errno("cannot hand the token pipe over");
			return EXIT_ERROR;
		}
		close(fd);
		fd = 3;
	}
	token_pipe_path(fd, fdpath, sizeof(fdpath));

	/* k3s SUB --token-file /proc/self/fd/N ARGS... */
	cargv = xcalloc((size_t)kargc + 3, sizeof(*cargv));
	cargv[k++] = argv[optind];
	cargv[k++] = argv[optind + 1];
	cargv[k++] = (char *)"--token-file";
	cargv[k++] = fdpath;
	for (int i = optind + 2; i < argc; i++)
		cargv[k++] = argv[i];
	cargv[k] = NULL;

	for (char **e = environ; *e; e++)
		ne++;
	cenv = xcalloc(ne + 1, sizeof(*cenv));
	k = 0;
	for (char **e = environ; *e; e++)
		if (!is_token_env(*e))
			cenv[k++] = *e;
	cenv[k] = NULL;

	/* nothing else of ours goes along; K3s creates files as systemd would */
	close_range(4, ~0U, 0);
	umask(022);
	fflush(NULL);
	run_reset_signals();
	execvpe(cargv[0], cargv, cenv);
	error_errno("cannot run '%s'", cargv[0]);
	close(fd);
	free(cargv);
	free(cenv);
	return EXIT_ERROR;
}

/* ---- agent install-unit ------------------------------------------------ */

static int
agent_install_unit(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "secret", required_argument, NULL, OPT_SECRET },
		{ "bin", required_argument, NULL, OPT_BIN },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct node n;
	const char *secret = NULL, *bin = NULL;
	int c, dry_run = 0, changed, rc;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_SECRET:
			secret = optarg;
			break;
		case OPT_BIN:
			bin = optarg;
			break;
		case OPT_DRY_RUN:
			dry_run = 1;
			break;
		case 'h':
			print_usage_exit(unit_usage);
		default:
			bad_option(unit_usage);
		}
	}
	if (optind != argc)
		usage_error("agent install-unit: unexpected argument '%s'", argv[optind]);
	if (secret && store_name_ok(secret) < 0)
		return EXIT_USAGE;
	if (bin && bin[0] != '/')
		usage_error("--bin: '%s' is not an absolute path", bin);
	if (node_load(&n) < 0)
		return EXIT_ERROR;
	rc = agent_install_dropin(&n, secret, bin, dry_run, &changed, NULL);
	node_free(&n);
	return rc < 0 ? EXIT_ERROR : EXIT_OK;
}

int cmd_agent(int argc, char **argv);

int
cmd_agent(int argc, char **argv)
{
	static const struct subcmd verbs[] = {
		{ "exec", agent_exec, "exec K3s with its token from the secret store in a pipe it reads once" },
		{ "install-unit", agent_install_unit,
		  "make the K3s unit start through 'agent exec' (systemd drop-in)" },
	};

	return run_subcommand("agent", verbs, ARRAY_SIZE(verbs), argc, argv);
}
