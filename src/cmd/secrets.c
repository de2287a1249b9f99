/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-secrets.c: the secret store from the command line.
 * k3sguard-command: secrets | put, get, list, remove and show the history of stored secrets
 *
 * Invariants: a value comes in only on stdin and goes out only on stdout
 * (never argv, env, a log or an error message); get refuses a terminal
 * unless --force-tty; output is written with write(2) from wiped memory,
 * not through stdio buffers.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "core/secret.h"
#include "store/store.h"

#include <jansson.h>
#include <termios.h>
#include <time.h>

enum { OPT_NOTE = OPT_GLOBAL_LAST, OPT_PENDING, OPT_FORCE_TTY, OPT_VERSION,
	OPT_FORMAT, OPT_DRY_RUN };

static const char put_usage[] =
"usage: k3sguard secrets put NAME [--note TEXT] [--pending] [--dry-run]\n"
"  Store the value read on standard input as the new current version of NAME\n"
"  (or as pending, with --pending).  One trailing newline is removed.\n";
static const char get_usage[] =
"usage: k3sguard secrets get NAME [--version N] [--force-tty]\n"
"  Print the current (or the given) version of NAME on standard output.\n"
"  Refuses to print to a terminal unless --force-tty is given.\n";
static const char ls_usage[] =
"usage: k3sguard secrets ls [--format text|json] [-o FILE]\n"
"  List the stored secrets with their current version and fingerprint.\n"
OUTPUT_USAGE;
static const char rm_usage[] =
"usage: k3sguard secrets rm NAME [--version N] [--dry-run]\n"
"  Remove a secret with every version, or one version that is not current.\n";
static const char history_usage[] =
"usage: k3sguard secrets history NAME [--format text|json] [-o FILE]\n"
"  Show every version of NAME: number, state, created, fingerprint, note.\n"
OUTPUT_USAGE;

struct sopts {
	const char *note;
	int pending, force_tty, dry_run, json;
	unsigned version;
	const char *name;
	const char *output;	/* -o FILE (ls, history) */
};

static void
parse(int argc, char **argv, const char *usage, const char *shortopts,
    const struct option *extra, size_t nextra, struct sopts *o, int need_name)
{
	struct option longopts[16] = { GLOBAL_LONG_OPTIONS,
		{ "help", no_argument, NULL, 'h' } };
	size_t nl = 6;	/* after the globals and --help */
	long long v;
	int c;

	for (size_t i = 0; i < nextra && nl < ARRAY_SIZE(longopts) - 1; i++)
		longopts[nl++] = extra[i];
	memset(o, 0, sizeof(*o));
	getopt_reset();
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_NOTE:
			o->note = optarg;
			break;
		case OPT_PENDING:
			o->pending = 1;
			break;
		case OPT_FORCE_TTY:
			o->force_tty = 1;
			break;
		case OPT_DRY_RUN:
			o->dry_run = 1;
			break;
		case OPT_VERSION:
			if (parse_num(optarg, 1, UINT32_MAX, &v) < 0)
				usage_error("--version wants a version number, not '%s'", optarg);
			o->version = (unsigned)v;
			break;
		case OPT_FORMAT:
			o->json = format_arg(optarg, FMT_TEXT_JSON) == FMT_JSON;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'h':
			print_usage_exit(usage);
		default:
			bad_option(usage);
		}
	}
	if (need_name) {
		if (optind + 1 != argc)
			usage_error("expected exactly one secret NAME (see --help)");
		o->name = argv[optind];
	} else if (optind != argc) {
		usage_error("unexpected argument '%s'", argv[optind]);
	}
}

static const char *
iso_time(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "%lld", t);
	return out;
}

/* Read the value from stdin; on a terminal, without echo, one line. */
static int
read_value(struct buf *val)
{
	struct termios old, quiet;
	int tty = isatty(0), ret;

	if (tty) {
		fputs("value (not echoed): ", stderr);
		if (tcgetattr(0, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(0, TCSAFLUSH, &quiet);
		}
		secret_buf_reserve(val, STORE_VALUE_MAX + 2);
		ret = 0;
		for (;;) {
			char ch;
			ssize_t n = read(0, &ch, 1);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || ch == '\n')
				break;
			if (val->len >= STORE_VALUE_MAX) {
				ret = error("the value is larger than %u bytes", STORE_VALUE_MAX);
				break;
			}
			buf_addch(val, ch);
			ch = 0;
		}
		tcsetattr(0, TCSAFLUSH, &old);
		fputc('\n', stderr);
		return ret;
	}
	if (secret_read_fd(0, "standard input", STORE_VALUE_MAX + 2, val) < 0)
		return -1;
	secret_chomp(val);
	if (val->len > STORE_VALUE_MAX)
		return error("the value is larger than %u bytes", STORE_VALUE_MAX);
	return 0;
}

static int
secrets_put(int argc, char **argv)
{
	static const struct option ex[] = {
		{ "note", required_argument, NULL, OPT_NOTE },
		{ "pending", no_argument, NULL, OPT_PENDING },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	};
	struct buf val = BUF_INIT;
	struct sopts o;
	char fp[13];
	unsigned v;
	int ret = EXIT_ERROR;

	parse(argc, argv, put_usage, "h", ex, ARRAY_SIZE(ex), &o, 1);
	if (store_name_ok(o.name) < 0)
		return EXIT_USAGE;
	if (read_value(&val) < 0)
		goto out;
	if (!val.len) {
		error("no value on standard input for '%s'", o.name);
		goto out;
	}
	store_fingerprint(val.s, val.len, fp);
	if (o.dry_run) {
		printf("would store a new %s version of '%s' (fingerprint %s) in the %s store\n",
		    o.pending ? "pending" : "current", o.name, fp, store_backend_name());
		ret = EXIT_OK;
		goto out;
	}
	if (store_put(o.name, val.s, val.len, o.pending ? STORE_PENDING : STORE_CURRENT,
	    o.note, &v) < 0)
		goto out;
	printf("stored '%s' version %u (%s, fingerprint %s)\n", o.name, v,
	    o.pending ? "pending" : "current", fp);
	ret = EXIT_OK;
out:
	buf_wipe(&val);
	return ret;
}

static int
secrets_get(int argc, char **argv)
{
	static const struct option ex[] = {
		{ "version", required_argument, NULL, OPT_VERSION },
		{ "force-tty", no_argument, NULL, OPT_FORCE_TTY },
	};
	struct buf val = BUF_INIT;
	struct sopts o;
	int rc, ret = EXIT_ERROR;

	parse(argc, argv, get_usage, "h", ex, ARRAY_SIZE(ex), &o, 1);
	if (store_name_ok(o.name) < 0)
		return EXIT_USAGE;
	if (isatty(1) && !o.force_tty) {
		error("refusing to print secret '%s' to a terminal (pipe it, or use --force-tty)",
		    o.name);
		return EXIT_USAGE;
	}
	rc = store_get(o.name, o.version, &val, NULL);
	if (rc > 0) {
		if (o.version)
			error("'%s' has no version %u", o.name, o.version);
		else
			error("no current version of '%s' in the store", o.name);
		goto out;
	}
	if (rc < 0)
		goto out;
	buf_addch(&val, '\n');	/* reserved: len + 1 fits without moving */
	fflush(stdout);
	if (write_all(1, val.s, val.len) < 0) {
		error_errno("cannot write to standard output");
		goto out;
	}
	ret = EXIT_OK;
out:
	buf_wipe(&val);
	return ret;
}

static json_t *
meta_json(const char *name, const struct store_meta *m)
{
	char t[32];

	return json_pack("{s:s,s:I,s:s,s:s,s:s,s:s}", "name", name,
	    "version", (json_int_t)m->version, "state", store_state_name(m->state),
	    "created", iso_time(m->created, t), "fingerprint", m->fingerprint,
	    "note", m->note);
}

static int
print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	json_decref(j);
	if (!s)
		fatal("out of memory (json)");
	puts(s);
	free(s);
	return EXIT_OK;
}

static int
ls_run(void *p)
{
	const struct sopts *o = p;
	char **names;
	size_t n;
	json_t *arr = NULL;
	int ret = EXIT_ERROR;

	if (store_list(&names, &n) < 0)
		return EXIT_ERROR;
	if (o->json)
		arr = json_array();
	for (size_t i = 0; i < n; i++) {
		struct store_meta *h, *cur = NULL;
		size_t nh;
		char t[32];

		if (store_history(names[i], &h, &nh) != 0)
			goto out;
		for (size_t k = 0; k < nh; k++)
			if (h[k].state == STORE_CURRENT)
				cur = &h[k];
		if (o->json) {
			json_t *e = cur ? meta_json(names[i], cur) : json_pack("{s:s}", "name", names[i]);

			json_object_set_new(e, "versions", json_integer((json_int_t)nh));
			json_array_append_new(arr, e);
		} else if (cur) {
			printf("%-24s v%-4u %s  %s  %zu version%s\n", names[i], cur->version,
			    cur->fingerprint, iso_time(cur->created, t), nh, nh == 1 ? "" : "s");
		} else {
			printf("%-24s (no current version)  %zu version%s\n", names[i], nh,
			    nh == 1 ? "" : "s");
		}
		free(h);
	}
	ret = EXIT_OK;
	if (o->json)
		ret = print_json(json_pack("{s:s,s:o}", "backend", store_backend_name(),
		    "secrets", arr)), arr = NULL;
out:
	json_decref(arr);
	store_names_free(names, n);
	return ret;
}

static int
secrets_ls(int argc, char **argv)
{
	static const struct option ex[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		OUTPUT_LONG_OPTION,
	};
	struct sopts o;

	parse(argc, argv, ls_usage, "ho:", ex, ARRAY_SIZE(ex), &o, 0);
	return cmd_output(o.output, ls_run, &o);
}

/* The versions of NAME; -1 (with one error) when it is absent or unreadable. */
static int
load_history(const char *name, struct store_meta **h, size_t *nh)
{
	int rc = store_history(name, h, nh);

	if (rc > 0)
		return error("no secret '%s' in the store", name);
	return rc < 0 ? -1 : 0;
}

static int
secrets_rm(int argc, char **argv)
{
	static const struct option ex[] = {
		{ "version", required_argument, NULL, OPT_VERSION },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	};
	struct store_meta *h;
	struct sopts o;
	size_t nh;
	int rc;

	parse(argc, argv, rm_usage, "h", ex, ARRAY_SIZE(ex), &o, 1);
	if (store_name_ok(o.name) < 0)
		return EXIT_USAGE;
	if (load_history(o.name, &h, &nh) < 0)
		return EXIT_ERROR;
	free(h);
	if (o.dry_run) {
		if (o.version)
			printf("would remove version %u of '%s'\n", o.version, o.name);
		else
			printf("would remove '%s' with its %zu version%s\n", o.name, nh,
			    nh == 1 ? "" : "s");
		return EXIT_OK;
	}
	rc = store_remove(o.name, o.version);
	if (rc > 0)
		error("'%s' has no version %u", o.name, o.version);
	if (rc != 0)
		return EXIT_ERROR;
	if (o.version)
		printf("removed version %u of '%s'\n", o.version, o.name);
	else
		printf("removed '%s'\n", o.name);
	return EXIT_OK;
}

static int
history_run(void *p)
{
	const struct sopts *o = p;
	struct store_meta *h;
	size_t nh;

	if (load_history(o->name, &h, &nh) < 0)
		return EXIT_ERROR;
	if (o->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < nh; i++)
			json_array_append_new(arr, meta_json(o->name, &h[i]));
		free(h);
		return print_json(arr);
	}
	for (size_t i = 0; i < nh; i++) {
		char t[32];

		printf("v%-4u %-9s %s  %s%s%s\n", h[i].version, store_state_name(h[i].state),
		    iso_time(h[i].created, t), h[i].fingerprint, h[i].note[0] ? "  " : "",
		    h[i].note);
	}
	free(h);
	return EXIT_OK;
}

static int
secrets_history(int argc, char **argv)
{
	static const struct option ex[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		OUTPUT_LONG_OPTION,
	};
	struct sopts o;

	parse(argc, argv, history_usage, "ho:", ex, ARRAY_SIZE(ex), &o, 1);
	if (store_name_ok(o.name) < 0)
		return EXIT_USAGE;
	return cmd_output(o.output, history_run, &o);
}

int cmd_secrets(int argc, char **argv);

static const struct subcmd verbs[] = {
	{ "put", secrets_put, "store a new version read on stdin" },
	{ "get", secrets_get, "print a version on stdout (not to a terminal)" },
	{ "ls", secrets_ls, "list secrets" },
	{ "rm", secrets_rm, "remove a secret or one version" },
	{ "history", secrets_history, "list every version with its metadata" },
};

int
cmd_secrets(int argc, char **argv)
{
	return run_subcommand("secrets", verbs, ARRAY_SIZE(verbs), argc, argv);
}
