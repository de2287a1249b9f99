/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-fix.c: k3sguard-command: fix | apply the safe, idempotent remediations (modes and owners)
 *
 * Table-driven: each rule names the check it remediates.  The check runs
 * first; only when it failed (or warned) does the rule act, and only on the
 * files that check examined (the same node paths and manifests walk).
 *
 * Invariants:
 *  - every file is reached through the gate (core/gate.h): links on the way
 *    resolve inside the node root, the last component is never followed;
 *  - the file MUST be the type the rule expects and the same inode the
 *    check saw (dev/ino), or nothing is changed;
 *  - a regular file with more than one link is refused (its other name may
 *    be outside the node), also with --dry-run;
 *  - changes are made by gate_fix_mode() only (fchmod/fchown on the fd it
 *    inspected, refusing links and hard links);
 *  - modes only ever lose bits (mode & keep), so a second run changes nothing;
 *  - --dry-run prints each change as it would be made and changes nothing.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "core/gate.h"
#include "store/store.h"
#include "checks/check.h"
#include "checks/check-credentials.h"
#include "checks/check-walk.h"
#include "fix/fix.h"
#include "fix/fix-tokens.h"
#include "token/agent.h"

#include <jansson.h>

static const char usage[] =
"usage: k3sguard fix [--dry-run] [--format text|json] [--bin PATH] [-o FILE]\n"
"\n"
"  --dry-run        print every change, change nothing\n"
"  --format FORMAT  text (default) or json\n"
"  -o, --output FILE  write what stdout would show to FILE (atomically, 0600)\n"
"  --bin PATH       k3sguard as K3s's unit drop-in runs it (absolute; default:\n"
"                   this program's path, under --root " AGENT_DEFAULT_BIN ")\n"
"\n"
"Acts only where the audit check for it fails, and may change:\n"
"  - modes and owners: the server token files, server/cred and every file in\n"
"    it, the private keys under server/tls, the admin kubeconfig K3s writes,\n"
"    the agent token and token-file files, the K3s env files and units,\n"
"    the etcd client key, the manifests directory and the files in it;\n"
"  - plain-text tokens in env files, units and config files: each token is\n"
"    put in the secret store, then a drop-in " AGENT_DROPIN_NAME " is\n"
"    written beside the K3s unit (ExecStart= runs 'k3sguard agent exec', which\n"
"    hands K3s the token through a pipe), then the token is cut out of the\n"
"    file (the original kept encrypted in the store).\n"
"Never follows a symlink; every write is atomic.\n"
"exit: 0 done (or nothing to do), 2 something could not be fixed, 64 usage\n";

enum { OPT_DRY_RUN = OPT_GLOBAL_LAST, OPT_FORMAT, OPT_BIN };

/* One file a rule may change: its host path, the permission bits it may keep. */
struct target {
	char *path;
	mode_t type;		/* S_IFREG or S_IFDIR */
	mode_t keep;		/* new mode = old & keep */
	int chown_root;
	dev_t dev;		/* as the rule saw it (0 = not seen) */
	ino_t ino;
};

struct targets {
	struct target *v;
	size_t n;
};

struct fix_rule {
	const char *check_id;
	/* files to make private; or NULL when custom does the work */
	void (*targets)(const struct node *n, struct targets *out);
	/* for rules that are not about modes (token migration, ...): 0 or -1 */
	int (*custom)(struct fix_ctx *ctx, const struct check *c);
};

/* ---- targets: the same paths the checks examine ---- */

static void
add_target(struct targets *t, const struct node *n, const char *host, mode_t type, mode_t keep,
    int chown_root)
{
	struct check_file f;

	check_stat(n, host, &f);
	/* only what exists, as the expected type, never a link */
	if (f.exists != 1 || (f.st.st_mode & S_IFMT) != type)
		return;
	t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	t->v[t->n].path = xstrdup(host);
	t->v[t->n].type = type;
	t->v[t->n].keep = keep;
	t->v[t->n].chown_root = chown_root;
	t->v[t->n].dev = f.st.st_dev;
	t->v[t->n].ino = f.st.st_ino;
	t->n++;
}

static void
t_token(const struct node *n, struct targets *t)
{
	add_target(t, n, node_data_path(n, "server/token"), S_IFREG, 0600, 1);
}

static void
t_agent_token(const struct node *n, struct targets *t)
{
	add_target(t, n, node_data_path(n, "server/agent-token"), S_IFREG, 0600, 1);
}

static void
t_cred(const struct node *n, struct targets *t)
{
	add_target(t, n, node_data_path(n, "server/cred"), S_IFDIR, 0700, 1);
	add_target(t, n, node_data_path(n, "server/cred/passwd"), S_IFREG, 0600, 1);
}

static void
t_token_files(const struct node *n, struct targets *t)
{
	static const char *const opts[] = { "token-file", "agent-token-file" };

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		const char *v = node_get(n, opts[i]);

		if (v && v[0] == '/')
			add_target(t, n, v, S_IFREG, 0600, 1);
	}
}

static void
t_etcd_key(const struct node *n, struct targets *t)
{
	const char *v = node_get(n, "datastore-keyfile");

	if (v && v[0] == '/')
		add_target(t, n, v, S_IFREG, 0600, 1);
}

static void
t_env_files(const struct node *n, struct targets *t)
{
	for (size_t i = 0; i < n->nenvfiles; i++)
		if (n->envfiles[i].exists)
			add_target(t, n, n->envfiles[i].path, S_IFREG, 0600, 1);
}

static void
t_units(const struct node *n, struct targets *t)
{
	struct unit_file *uf;
	size_t m = check_unit_files(n, &uf);

	/*
	 * A file that holds a token becomes private (an OpenRC script stays
	 * executable for root); the others lose write for group and other.
	 */
	for (size_t i = 0; i < m; i++)
		add_target(t, n, uf[i].path, S_IFREG,
		    uf[i].has_token ? (uf[i].openrc ? 0700 : 0600) : 0755, 1);
	free(uf);
}

static void
t_manifests_dir(const struct node *n, struct targets *t)
{
	add_target(t, n, node_data_path(n, "server/manifests"), S_IFDIR, 0700, 0);
}

struct walk_ctx {
	const struct node *n;
	struct targets *t;
	int chown_root;
};

static int
walk_cb(void *ctx, const char *host, const struct stat *st, const char *target)
{
	struct walk_ctx *w = ctx;

	(void)target;
	if (S_ISREG(st->st_mode))
		add_target(w->t, w->n, host, S_IFREG, w->chown_root ? 07777 : 0600, w->chown_root);
	else if (S_ISDIR(st->st_mode))
		add_target(w->t, w->n, host, S_IFDIR, w->chown_root ? 07777 : 0700, w->chown_root);
	return 0;	/* links, FIFOs, sockets, devices: never touched */
}

static void
walk_manifests(const struct node *n, struct targets *t, int chown_root)
{
	struct walk_ctx w = { n, t, chown_root };
	struct buf err = BUF_INIT;

	if (manifests_walk(n, walk_cb, &w, &err) < 0)
		warning("%s", err.s);	/* what was walked is still fixed */
	buf_release(&err);
}

static void
t_manifest_files(const struct node *n, struct targets *t)
{
	walk_manifests(n, t, 0);
}

static void
t_manifest_owner(const struct node *n, struct targets *t)
{
	add_target(t, n, node_data_path(n, "server/manifests"), S_IFDIR, 07777, 1);
	walk_manifests(n, t, 1);
}

static void
t_kubeconfig(const struct node *n, struct targets *t)
{
	add_target(t, n, k3s_kubeconfig_path(n), S_IFREG, 0600, 1);
}

/* Files under a directory of the data dir (named *suffix) made 0600 root. */
struct private_ctx {
	const struct node *n;
	struct targets *t;
	const char *suffix;
	const char *except;	/* a path an earlier rule owns, or NULL */
};

static int
private_cb(void *ctx, const char *host, const struct stat *st, const char *target)
{
	struct private_ctx *p = ctx;
	size_t len = strlen(host), sl = strlen(p->suffix);

	(void)target;
	if (p->except && !strcmp(host, p->except))
		return 0;
	if (S_ISDIR(st->st_mode))
		add_target(p->t, p->n, host, S_IFDIR, 07777, 1);	/* owner only */
	else if (S_ISREG(st->st_mode) && len >= sl && !strcmp(host + len - sl, p->suffix))
		add_target(p->t, p->n, host, S_IFREG, 0600, 1);
	return 0;	/* links and the rest: never touched */
}

static void
walk_private(const struct node *n, struct targets *t, const char *rel, const char *suffix,
    const char *except)
{
	struct private_ctx p = { n, t, suffix, except };
	struct buf err = BUF_INIT;

	if (check_walk(node_data_path(n, rel), private_cb, &p, &err) < 0)
		warning("%s", err.s);	/* what was walked is still fixed */
	buf_release(&err);
}

static void
t_cred_files(const struct node *n, struct targets *t)
{
	char passwd[PATH_MAX];

	/* cred/passwd is server-token.cred-mode's (it runs first) */
	snprintf(passwd, sizeof(passwd), "%s", node_data_path(n, "server/cred/passwd"));
	walk_private(n, t, "server/cred", "", passwd);
}

static void
t_tls_keys(const struct node *n, struct targets *t)
{
	walk_private(n, t, "server/tls", ".key", NULL);
}

/*
 * The rules, in the order they run.  A rule whose check passed, was
 * skipped or errored changes nothing.  Add a rule per new remediation;
 * custom rules (token migration, ...) set custom instead of targets.
 */
static const struct fix_rule rules[] = {
	{ "server-token.file-mode", t_token, NULL },
	{ "server-token.file-owner", t_token, NULL },
	{ "server-token.cred-mode", t_cred, NULL },
	{ "server-token.kubeconfig-mode", t_kubeconfig, NULL },
	{ "server-token.cred-files", t_cred_files, NULL },
	{ "server-token.tls-keys", t_tls_keys, NULL },
	{ "agent-token.agent-token-file", t_agent_token, NULL },
	{ "agent-token.token-file", t_token_files, NULL },
	{ "agent-token.env-mode", t_env_files, NULL },
	{ "agent-token.unit-mode", t_units, NULL },
	{ "etcd.key-mode", t_etcd_key, NULL },
	{ "manifests.dir-mode", t_manifests_dir, NULL },
	{ "manifests.owner", t_manifest_owner, NULL },
	{ "manifests.file-mode", t_manifest_files, NULL },
	/* last: it rewrites files (new inodes) the mode rules examined */
	{ "agent-token.plaintext-env", NULL, fix_tokens_rule },
	{ "agent-token.plaintext-unit", NULL, fix_tokens_rule },
	{ "agent-token.plaintext-config", NULL, fix_tokens_rule },
};

/* ---- acting on one file ---- */

void
fix_note(struct fix_ctx *ctx, const char *check_id, const char *action, const char *path,
    const char *from, const char *to, const char *err)
{
	if (err)
		ctx->errors++;
	else
		ctx->changes++;
	if (ctx->json) {
		json_t *a = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "check", check_id,
		    "action", action, "path", path, "from", from, "to", to,
		    "done", !ctx->dry_run && !err);

		if (!a)
			fatal("out of memory");
		if (err && json_object_set_new(a, "error", json_string(err)) < 0)
			fatal("out of memory");
		if (json_array_append_new((json_t *)ctx->actions, a) < 0)
			fatal("out of memory");
		return;
	}
	if (err)
		return;		/* error() printed it */
	printf("%s%s %s -> %s '%s' (%s)\n", ctx->dry_run ? "would " : "", action, from, to, path,
	    check_id);
}

/*
 * The file the rule's check saw, opened (O_PATH) through the gate without
 * following it: the same type and inode, or -1 after error().
 */
static int
inspect(const struct target *t, struct stat *st)
{
	int fd = gate_open(t->path, O_PATH | O_NOFOLLOW);

	if (fd < 0)
		return error_errno("cannot open '%s' without following links", t->path);
	if (fstat(fd, st) < 0 || (st->st_mode & S_IFMT) != t->type ||
	    st->st_dev != t->dev || st->st_ino != t->ino) {
		close(fd);
		return error("'%s' changed while k3sguard was looking at it; not touched", t->path);
	}
	close(fd);
	/* its other name may be outside the node: changing it changes that one */
	return node_one_link(st, t->path);
}

static void
fix_target(struct fix_ctx *ctx, const char *check_id, const struct target *t)
{
	struct stat st;
	char from[32], to[32], chown_from[32];
	mode_t newmode;
	int do_chown, do_chmod, failed = 0;

	if (inspect(t, &st) < 0) {
		fix_note(ctx, check_id, "open", t->path, "", "", last_error());
		return;
	}
	do_chown = t->chown_root && (st.st_uid != 0 || st.st_gid != 0);
	/* chown clears set-id bits: the mode we set says so */
	newmode = st.st_mode & 07777 & t->keep;
	if (do_chown)
		newmode &= (mode_t)~(S_ISUID | S_ISGID);
	do_chmod = newmode != (st.st_mode & 07777);
	if (!do_chown && !do_chmod)
		return;
	snprintf(chown_from, sizeof(chown_from), "%u:%u", (unsigned)st.st_uid,
	    (unsigned)st.st_gid);
	mode_str(st.st_mode, from);
	mode_str(newmode, to);
	if (!ctx->dry_run && gate_fix_mode(t->path, newmode, do_chown ? 0 : (uid_t)-1,
	    do_chown ? 0 : (gid_t)-1) < 0)
		failed = 1;
	if (do_chown)
		fix_note(ctx, check_id, "chown", t->path, chown_from, "0:0",
		    failed ? last_error() : NULL);
	if (do_chmod && !(failed && do_chown))
		fix_note(ctx, check_id, "chmod", t->path, from, to, failed ? last_error() : NULL);
}

static void
run_rule(struct fix_ctx *ctx, const struct fix_rule *rule)
{
	const struct check *c = check_find(rule->check_id, NULL);
	struct check_result r;
	struct targets t = { NULL, 0 };

	if (!c)
		fatal("fix rule for unknown check '%s'", rule->check_id);
	check_run(c, ctx->node, &r);
	if (r.status == ST_ERROR) {
		error("%s: not fixed, the check could not decide: %s", c->id, r.evidence.s);
		ctx->errors++;
	}
	if (r.status != ST_FAIL && r.status != ST_WARN)
		goto out;
	if (rule->custom) {
		if (rule->custom(ctx, c) < 0)
			ctx->errors++;
		goto out;
	}
	rule->targets(ctx->node, &t);
	for (size_t i = 0; i < t.n; i++) {
		fix_target(ctx, c->id, &t.v[i]);
		free(t.v[i].path);
	}
	free(t.v);
out:
	check_result_release(&r);
}

/* The rules run and the changes shown (after the parse: cmd_output runs it). */
static int
fix_run(void *p)
{
	struct fix_ctx *ctx = p;
	struct node n;

	if (node_load(&n) < 0)
		return EXIT_ERROR;
	ctx->node = &n;
	if (ctx->json && !(ctx->actions = json_array()))
		fatal("out of memory");
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		run_rule(ctx, &rules[i]);
	if (ctx->json) {
		json_t *doc = json_pack("{s:s, s:b, s:o, s:I, s:I}", "tool", "k3sguard",
		    "dry_run", ctx->dry_run, "actions", (json_t *)ctx->actions,
		    "changes", (json_int_t)ctx->changes, "errors", (json_int_t)ctx->errors);

		if (!doc)
			fatal("out of memory");
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	} else if (!ctx->changes) {
		puts(ctx->errors ? "fix: nothing changed" : "fix: nothing to change");
	} else {
		printf("fix: %zu change%s%s\n", ctx->changes, ctx->changes == 1 ? "" : "s",
		    ctx->dry_run ? " (dry run: nothing changed)" : "");
	}
	node_free(&n);
	ctx->node = NULL;
	return ctx->errors ? EXIT_ERROR : EXIT_OK;
}

int cmd_fix(int argc, char **argv);

int
cmd_fix(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "bin", required_argument, NULL, OPT_BIN },
		OUTPUT_LONG_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct fix_ctx ctx;
	const char *output = NULL;
	int c;

	memset(&ctx, 0, sizeof(ctx));
	while ((c = getopt_long(argc, argv, "hno:", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_DRY_RUN:
		case 'n':
			ctx.dry_run = 1;
			break;
		case OPT_FORMAT:
			ctx.json = format_arg(optarg, FMT_TEXT_JSON) == FMT_JSON;
			break;
		case OPT_BIN:
			ctx.bin = optarg;
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
		usage_error("fix: unexpected argument '%s'", argv[optind]);
	if (ctx.bin && ctx.bin[0] != '/')
		usage_error("--bin: '%s' is not an absolute path", ctx.bin);
	return cmd_output(output, fix_run, &ctx);
}
