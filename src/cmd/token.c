/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-token.c: the K3s server token: keep it in the secret store, check it,
 * rotate it (token-rotate.c).
 * k3sguard-command: token | store, verify and rotate the K3s server token (crash-safe)
 *
 * Invariants: a token is shown only through token_describe(); the values go
 * from the node's files into the store through wiped buffers only.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "core/gate.h"
#include "node/node.h"
#include "core/secret.h"
#include "store/store.h"
#include "token/token-rotate.h"

#include <jansson.h>

enum { OPT_SERVER = OPT_GLOBAL_LAST, OPT_DRY_RUN, OPT_RESUME, OPT_VIA_CLI, OPT_FORMAT };

static const char store_usage[] =
"usage: k3sguard token store [--dry-run] [--format text|json] [-o FILE]\n"
"  Put server/token (and server/agent-token when it is a separate token)\n"
"  into the secret store as 'server-token' / 'agent-token', with their\n"
"  fingerprints.  Idempotent: a token already current is not stored again.\n"
OUTPUT_USAGE;
static const char verify_usage[] =
"usage: k3sguard token verify [--format text|json] [-o FILE]\n"
"  Check that the store's current tokens are the ones the node uses and that\n"
"  the token files and the store have safe modes.  Exit 1 when not.\n"
OUTPUT_USAGE;
static const char rotate_usage[] =
"usage: k3sguard token rotate [--server URL] [--dry-run] [--resume] [--via-cli]\n"
"                             [--format text|json] [-o FILE]\n"
"  Rotate the K3s server token through K3s's token endpoint (K3s v1.28.3+,\n"
"  1.27.7+, 1.26.10+, 1.25.15+), crash-safe: every step is journalled, and\n"
"  after an interruption --resume finishes the rotation.  The token the\n"
"  cluster uses is in the secret store at every moment.\n"
"  --server URL   the K3s server (default token.server-url, else https://127.0.0.1:6443)\n"
"  --via-cli      run 'k3s token rotate' instead of calling the endpoint (puts the\n"
"                 new token in that process's argv for a moment: avoid)\n"
OUTPUT_USAGE;

struct topts {
	struct rotate_opts r;
	int dry_run, json;
	const char *output;	/* -o FILE */
};

static void
parse(int argc, char **argv, const char *usage, int rotate, struct topts *o)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ "server", required_argument, NULL, OPT_SERVER },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "resume", no_argument, NULL, OPT_RESUME },
		{ "via-cli", no_argument, NULL, OPT_VIA_CLI },
		{ "format", required_argument, NULL, OPT_FORMAT },
		OUTPUT_LONG_OPTION,
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	getopt_reset();
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_SERVER:
		case OPT_RESUME:
		case OPT_VIA_CLI:
			if (!rotate)
				usage_error("'%s' is an option of 'token rotate'", argv[optind - 1]);
			if (c == OPT_SERVER)
				o->r.server = optarg;
			else if (c == OPT_RESUME)
				o->r.resume = 1;
			else
				o->r.via_cli = 1;
			break;
		case OPT_DRY_RUN:
			o->dry_run = o->r.dry_run = 1;
			break;
		case OPT_FORMAT:
			o->json = o->r.json = format_arg(optarg, FMT_TEXT_JSON) == FMT_JSON;
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
	if (optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);
}

/* Store one token file under name unless it is already current: 0 stored/same, -1 error. */
static int
store_one(const struct node *n, const char *rel, const char *name, int dry_run, json_t *arr)
{
	const char *host = node_data_path(n, rel);
	struct buf raw = BUF_INIT, cur = BUF_INIT, desc = BUF_INIT;
	struct token_info t;
	struct store_meta m;
	const char *what;
	size_t len;
	unsigned v = 0;
	int rc, ret = -1;

	if (token_file_read(host, &raw, &t) < 0)
		goto out;
	len = raw.len;
	while (len && isspace((unsigned char)raw.s[len - 1]))
		len--;
	token_describe(&t, &desc);
	rc = store_get(name, 0, &cur, &m);
	if (rc < 0)
		goto out;
	if (rc == 0 && cur.len == len && ct_equal(cur.s, raw.s, len)) {
		what = "already stored";
		v = m.version;
	} else if (dry_run) {
		what = "would store";
	} else {
		char note[128];

		snprintf(note, sizeof(note), "from %s", rel);
		if (store_put(name, raw.s, len, STORE_CURRENT, note, &v) < 0)
			goto out;
		what = "stored";
	}
	if (arr)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:I}", "name", name,
		    "file", root_path(host), "action", what, "fingerprint", t.fingerprint,
		    "version", (json_int_t)v));
	else if (v)
		printf("%s '%s' version %u: %s\n", what, name, v, desc.s);
	else
		printf("%s '%s': %s\n", what, name, desc.s);
	ret = 0;
out:
	buf_wipe(&raw);
	buf_wipe(&cur);
	buf_release(&desc);
	return ret;
}

static int
separate_agent_token(const struct node *n)
{
	const struct node_file *f = node_file(n, "server/agent-token");

	return f && f->exists == 1 && S_ISREG(f->st.st_mode);
}

static int
store_run(void *p)
{
	const struct topts *o = p;
	struct node n;
	json_t *arr = NULL;
	int ret = EXIT_ERROR;

	if (node_load(&n) < 0)
		return EXIT_ERROR;
	if (o->json)
		arr = json_array();
	if (store_one(&n, "server/token", STORE_SERVER_TOKEN, o->dry_run, arr) < 0)
		goto out;
	if (separate_agent_token(&n) &&
	    store_one(&n, "server/agent-token", STORE_AGENT_TOKEN, o->dry_run, arr) < 0)
		goto out;
	if (arr) {
		char *s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		puts(s);
		free(s);
	}
	ret = EXIT_OK;
out:
	json_decref(arr);
	node_free(&n);
	return ret;
}

static int
token_store(int argc, char **argv)
{
	struct topts o;

	parse(argc, argv, store_usage, 0, &o);
	return cmd_output(o.output, store_run, &o);
}

struct vres {
	json_t *arr;
	int bad;
};

static void
verdict(struct vres *v, const char *what, int ok, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (!ok)
		v->bad++;
	if (v->arr)
		json_array_append_new(v->arr, json_pack("{s:s,s:s,s:s}", "check", what,
		    "result", ok ? "ok" : "fail", "detail", b.s));
	else
		printf("%-4s %-22s %s\n", ok ? "ok" : "FAIL", what, b.s);
	buf_release(&b);
}

static void
verify_mode(struct vres *v, const char *what, const char *node_path, mode_t want_max)
{
	const char *path = root_path(node_path);
	struct stat st;
	char m[8];

	if (gate_lstat(node_path, &st) < 0) {
		verdict(v, what, 0, "cannot examine '%s': %s", path, strerror(errno));
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		verdict(v, what, 1, "'%s' is a symlink (K3s's compatibility link)", path);
		return;
	}
	verdict(v, what, (st.st_mode & 07777 & ~want_max) == 0 && st.st_uid == 0,
	    "'%s' mode %s owner uid %u (want at most %04o, root)", path,
	    mode_str(st.st_mode, m), (unsigned)st.st_uid, (unsigned)want_max);
}

static void
verify_one(struct vres *v, const struct node *n, const char *rel, const char *name)
{
	struct buf raw = BUF_INIT, cur = BUF_INIT;
	struct token_info t;
	struct store_meta m;
	size_t len;
	int rc;

	quiet_errors++;
	rc = token_file_read(node_data_path(n, rel), &raw, &t);
	quiet_errors--;
	if (rc < 0) {
		verdict(v, name, 0, "%s", last_error());
		goto out;
	}
	len = raw.len;
	while (len && isspace((unsigned char)raw.s[len - 1]))
		len--;
	quiet_errors++;
	rc = store_get(name, 0, &cur, &m);
	quiet_errors--;
	if (rc < 0)
		verdict(v, name, 0, "store: %s", last_error());
	else if (rc > 0)
		verdict(v, name, 0, "not in the store (run 'k3sguard token store'); node uses %s",
		    t.fingerprint);
	else if (cur.len == len && ct_equal(cur.s, raw.s, len))
		verdict(v, name, 1, "store version %u matches %s (fingerprint %s)", m.version,
		    rel, t.fingerprint);
	else
		verdict(v, name, 0, "store version %u (fingerprint %s) differs from %s "
		    "(fingerprint %s)", m.version, m.fingerprint, rel, t.fingerprint);
out:
	buf_wipe(&raw);
	buf_wipe(&cur);
}

static int
verify_run(void *p)
{
	const struct topts *o = p;
	struct node n;
	struct vres v = { NULL, 0 };
	struct stat st;

	if (node_load(&n) < 0)
		return EXIT_ERROR;
	if (o->json)
		v.arr = json_array();
	verify_one(&v, &n, "server/token", STORE_SERVER_TOKEN);
	verify_mode(&v, "server/token mode", node_data_path(&n, "server/token"), 0600);
	if (separate_agent_token(&n)) {
		verify_one(&v, &n, "server/agent-token", STORE_AGENT_TOKEN);
		verify_mode(&v, "agent-token mode", node_data_path(&n, "server/agent-token"), 0600);
	}
	verify_mode(&v, "store directory", STORE_DIR, 0700);
	if (!strcmp(store_backend_name(), "file")) {
		if (!getenv("CREDENTIALS_DIRECTORY") &&
		    gate_lstat(STORE_MASTER_KEY, &st) == 0)
			verify_mode(&v, "master key", STORE_MASTER_KEY, 0400);
		verify_mode(&v, "store file", STORE_DIR "/" STORE_SERVER_TOKEN ".sec",
		    0600);
	}
	if (v.arr) {
		json_t *doc = json_pack("{s:b,s:o}", "ok", !v.bad, "checks", v.arr);
		char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

		if (!s)
			fatal("out of memory (json)");
		puts(s);
		free(s);
		json_decref(doc);
	} else {
		printf("%s\n", v.bad ? "token verify: FAILED" : "token verify: ok");
	}
	node_free(&n);
	return v.bad ? EXIT_FINDINGS : EXIT_OK;
}

static int
token_verify(int argc, char **argv)
{
	struct topts o;

	parse(argc, argv, verify_usage, 0, &o);
	return cmd_output(o.output, verify_run, &o);
}

static int
rotate_run(void *p)
{
	const struct topts *o = p;

	return token_rotate(&o->r);
}

static int
token_rotate_cmd(int argc, char **argv)
{
	struct topts o;

	parse(argc, argv, rotate_usage, 1, &o);
	return cmd_output(o.output, rotate_run, &o);
}

int cmd_token(int argc, char **argv);

static const struct subcmd verbs[] = {
	{ "store", token_store, "put the node's tokens into the secret store" },
	{ "verify", token_verify, "the store's token is the one the node uses; modes" },
	{ "rotate", token_rotate_cmd, "rotate the server token (crash-safe, --resume)" },
};

int
cmd_token(int argc, char **argv)
{
	return run_subcommand("token", verbs, ARRAY_SIZE(verbs), argc, argv);
}
