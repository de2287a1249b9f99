/* SPDX-License-Identifier: Apache-2.0 */
/*
 * token-rotate.c: crash-safe rotation of the K3s server token.
 *
 * Steps, each recorded in a journal (TOKEN_JOURNAL, JSON, 0600, replaced
 * atomically, never holding a token; fingerprints only):
 *
 *   pending    the old token is in the store as current, the new one as
 *              pending: from here on both are in the store
 *   calling    about to ask K3s to rotate (the endpoint, or k3s token rotate)
 *   rotated    K3s answered; server/token must now carry the new password,
 *              the store marks the new version current, the old previous
 *   restarting the restart command and the probe run
 *   (done)     the journal is removed
 *
 * Resume (--resume) asks the node which password it uses (the "server"
 * entry of server/cred/passwd, else server/token) and goes forward: if it is
 * the new one, it finishes (store states, server/token, restart); if it is
 * still the old one, it calls K3s again with the same pending token.  The
 * store never loses either version, so the token the cluster uses is in the
 * store at every instant.
 *
 * Invariants: tokens only in secret buffers (wiped), in the store, in
 * libcurl options and the request body; never in argv (except, with
 * --via-cli and a printed warning, the k3s child's --new-token, which K3s
 * offers no other way to pass), env (except K3S_TOKEN of that same child),
 * a message, or the journal.
 */
#include "core/k3sguard.h"
#include "core/config.h"
#include "core/gate.h"
#include "store/host-config.h"
#include "node/node.h"
#include "core/run.h"
#include "core/secret.h"
#include "store/store.h"
#include "token/token-rotate.h"
#include "core/version.h"

#include <jansson.h>
#include <openssl/rand.h>
#include <time.h>

const char k3s_rotate_too_old[] =
"K3s can rotate the server token only from v1.28.3+k3s1 (and the backports\n"
"v1.27.7+k3s1, v1.26.10+k3s1, v1.25.15+k3s1): 'k3s token rotate' and the\n"
"PUT /v1-k3s/token endpoint re-encrypt the bootstrap data under the new token.\n"
"The often-quoted recipe of deleting server/token and restarting K3s does NOT\n"
"rotate anything: K3s reads the password back from server/cred/passwd and\n"
"writes the same token again; and starting with a different --token on an\n"
"existing datastore fails with \"bootstrap data already found and encrypted\n"
"with different token\".  Upgrade K3s first (k3sguard update check), then\n"
"run 'k3sguard token rotate'.\n";

int
k3s_can_rotate(const char *s)
{
	static const struct { long minor, patch; } floor[] = {
		{ 25, 15 }, { 26, 10 }, { 27, 7 }, { 28, 3 },
	};
	struct version v;

	if (!s || version_parse(s, &v) < 0)
		return -1;
	if (v.major != 1)
		return v.major > 1;
	if (v.minor > 28)
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(floor); i++)
		if (v.minor == floor[i].minor)
			return v.patch > floor[i].patch ||
			    (v.patch == floor[i].patch && v.rc == 0);
	return 0;
}

int
token_file_read(const char *host_path, struct buf *raw, struct token_info *t)
{
	secret_buf_reserve(raw, TOKEN_MAX + 1);
	if (store_read_node(host_path, TOKEN_MAX, raw, NULL) < 0)
		return -1;
	if (token_parse(raw->s, raw->len, t) < 0)
		return error("'%s' does not hold a K3s token", root_path(host_path));
	return 0;
}

/* ---- journal ---- */

struct journal {
	char state[16];
	unsigned old_version, new_version;
	char old_fp[13], new_fp[13];
	char server[512];
	int via_cli;
	long long started;
};

static int
journal_write(const struct journal *j)
{
	char *p = xstrdup(TOKEN_JOURNAL), *slash = strrchr(p, '/');
	json_t *o;
	char *text;
	int ret;

	*slash = '\0';
	if (gate_mkdir_p(p, 0700) < 0) {
		free(p);
		return -1;
	}
	free(p);
	o = json_pack("{s:s,s:I,s:I,s:s,s:s,s:s,s:b,s:I}", "state", j->state,
	    "old_version", (json_int_t)j->old_version, "new_version", (json_int_t)j->new_version,
	    "old_fingerprint", j->old_fp, "new_fingerprint", j->new_fp, "server", j->server,
	    "via_cli", j->via_cli, "started", (json_int_t)j->started);
	text = o ? json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!text)
		fatal("out of memory (journal)");
	ret = gate_write_atomic(TOKEN_JOURNAL, text, strlen(text), 0600);
	free(text);
	return ret;
}

static int
journal_state(struct journal *j, const char *state)
{
	snprintf(j->state, sizeof(j->state), "%s", state);
	return journal_write(j);
}

/* 1 when there is no journal. */
static int
journal_read(struct journal *j)
{
	const char *path = root_path(TOKEN_JOURNAL);
	struct buf raw = BUF_INIT;
	json_error_t je;
	json_t *o = NULL;
	const char *st, *ofp, *nfp, *srv;
	json_int_t ov, nv, started;
	int via, ret = -1;
	struct stat sb;

	memset(j, 0, sizeof(*j));
	if (gate_lstat(TOKEN_JOURNAL, &sb) < 0 && errno == ENOENT)
		return 1;
	if (store_read_node(TOKEN_JOURNAL, 65536, &raw, &sb) < 0 || file_trusted(&sb, path) < 0)
		goto out;
	o = json_loadb(raw.s, raw.len, 0, &je);
	if (!o || json_unpack(o, "{s:s,s:I,s:I,s:s,s:s,s:s,s:b,s:I}", "state", &st,
	    "old_version", &ov, "new_version", &nv, "old_fingerprint", &ofp,
	    "new_fingerprint", &nfp, "server", &srv, "via_cli", &via, "started", &started) < 0 ||
	    strlen(ofp) != 12 || strlen(nfp) != 12 || ov < 1 || nv < 1 ||
	    ov > UINT32_MAX || nv > UINT32_MAX) {
		error("'%s' line %d: not a k3sguard rotation journal (damaged?)", path,
		    o ? 1 : je.line);
		goto out;
	}
	snprintf(j->state, sizeof(j->state), "%s", st);
	j->old_version = (unsigned)ov;
	j->new_version = (unsigned)nv;
	memcpy(j->old_fp, ofp, 13);
	memcpy(j->new_fp, nfp, 13);
	snprintf(j->server, sizeof(j->server), "%s", srv);
	j->via_cli = via;
	j->started = started;
	ret = 0;
out:
	json_decref(o);
	buf_release(&raw);
	return ret;
}

static int
journal_remove(void)
{
	const char *base;
	int dfd = gate_open_parent(TOKEN_JOURNAL, &base), ret = 0;

	if (dfd < 0)
		return error_errno("cannot open the directory of '%s'", root_path(TOKEN_JOURNAL));
	if (gate_unlinkat(dfd, base, 0) < 0 && errno != ENOENT)
		ret = error_errno("cannot remove '%s'", root_path(TOKEN_JOURNAL));
	else if (fsync(dfd) < 0)
		ret = error_errno("cannot sync the directory of '%s'", root_path(TOKEN_JOURNAL));
	close(dfd);
	return ret;
}

/* ---- helpers ---- */

struct ctx {
	struct node n;
	const struct rotate_opts *o;
	char token_host[PATH_MAX], ca[PATH_MAX], passwd_host[PATH_MAX];
	const char *server;
};

/* argv from a config sequence, or def (NULL-terminated); caller frees the array. */
static const char **
config_argv(const char *key, const char *const *def)
{
	const struct ynode *s = host_config(key);	/* programs: never the image's */
	const char **argv;
	size_t n = 0;

	if (!s || yis_null(s)) {
		while (def[n])
			n++;
		argv = xcalloc(n + 1, sizeof(*argv));
		memcpy(argv, def, n * sizeof(*argv));
		return argv;
	}
	if (s->type != Y_SEQ || s->n == 0)
		fatal("'%s' line %d: '%s' must be a non-empty list (program and arguments)",
		    host_config_path(), s->line, key);
	argv = xcalloc(s->n + 1, sizeof(*argv));
	for (size_t i = 0; i < s->n; i++) {
		if (!(argv[i] = yscalar(s->vals[i])))
			fatal("'%s' line %d: '%s' items must be strings", host_config_path(),
			    s->vals[i]->line, key);
	}
	return argv;
}

static void
argv_str(struct buf *b, const char *const *argv)
{
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			buf_addch(b, ' ');
		buf_add_printable(b, argv[i]);
	}
}

/* The password the node's K3s accepts now: fingerprint of cred/passwd "server", else server/token. */
static int
node_fingerprint(struct ctx *c, char fp[13])
{
	struct buf raw = BUF_INIT;
	struct token_info t;
	int ret = -1;

	secret_buf_reserve(&raw, CONFIG_MAX + 1);
	quiet_errors++;
	if (gate_read(c->passwd_host, CONFIG_MAX, &raw, NULL) == 0) {
		char *line = raw.s, *end;

		quiet_errors--;
		for (; line && *line; line = end ? end + 1 : NULL) {
			char *c1, *c2;

			end = strchr(line, '\n');
			c1 = memchr(line, ',', end ? (size_t)(end - line) : strlen(line));
			if (!c1)
				continue;
			c2 = c1 + 1;
			if (!strncmp(c2, "server,", 7) || !strncmp(c2, "server\n", 7)) {
				char h[65];

				sha256_hex(line, (size_t)(c1 - line), h);
				memcpy(fp, h, 12);
				fp[12] = '\0';
				ret = 0;
				break;
			}
		}
		buf_wipe(&raw);
		if (ret == 0)
			return 0;
	} else {
		quiet_errors--;
		buf_wipe(&raw);
	}
	if (token_file_read(c->token_host, &raw, &t) == 0) {
		memcpy(fp, t.fingerprint, 13);
		ret = 0;
	}
	buf_wipe(&raw);
	return ret;
}

static int
run_restart(struct ctx *c)
{
	static const char *const def[] = { "systemctl", "restart", "k3s", NULL };
	const char **argv = config_argv("token.restart-command", def);
	long long tmo = config_num("token.restart-timeout", 1, 3600, 300);
	struct buf shown = BUF_INIT;
	struct run_opts ro = { .argv = argv, .search_path = argv[0][0] != '/',
		.inherit_stderr = 1, .timeout_ms = (int)(tmo * 1000) };
	int st, ret = -1;

	argv_str(&shown, argv);
	fprintf(c->o->json ? stderr : stdout, "restarting K3s: %s\n", shown.s);
	fflush(stdout);
	if (run_cmd(&ro, &st) < 0)
		goto out;
	if (st != 0) {
		error("restart command '%s' exited with status %d", shown.s, st);
		goto out;
	}
	ret = 0;
out:
	buf_release(&shown);
	free(argv);
	return ret;
}

static int
run_probe(struct ctx *c)
{
	const struct ynode *pc = host_config("token.probe-command");
	long long tmo = config_num("token.probe-timeout", 1, 3600, 120);

	if (pc && !yis_null(pc)) {
		static const char *const none[] = { NULL };
		const char **argv = config_argv("token.probe-command", none);
		time_t end = time(NULL) + tmo;
		int st = -1, ret = -1;

		for (;;) {
			struct run_opts ro = { .argv = argv, .search_path = argv[0][0] != '/',
				.timeout_ms = 10000 };

			quiet_errors++;
			if (run_cmd(&ro, &st) == 0 && st == 0) {
				quiet_errors--;
				ret = 0;
				break;
			}
			quiet_errors--;
			if (time(NULL) >= end) {
				error("probe '%s' did not succeed within %lld s", argv[0], tmo);
				break;
			}
			sleep(1);
		}
		free(argv);
		return ret;
	}
	return endpoint_wait(c->server, c->ca, (int)tmo);
}

/* The k3s CLI for --via-cli: never the image's (host_k3s_program). */
static const char *
k3s_cli(const struct ctx *c)
{
	return host_k3s_program(c->n.k3s_bin, "--via-cli");
}

/* Ask K3s to rotate from old to new: natively, or with the k3s CLI. */
static int
call_k3s(struct ctx *c, const struct token_info *old, const char *new_pw, size_t new_len)
{
	struct buf env = BUF_INIT, newarg = BUF_INIT, dd = BUF_INIT;
	const char *envp[4], *bin;
	int st = -1, ret = -1;

	if (!c->o->via_cli)
		return endpoint_rotate(c->server, c->ca, old->password, old->password_len,
		    new_pw, new_len);
	if (!(bin = k3s_cli(c)))
		return -1;
	warning("--via-cli: 'k3s token rotate' gets the new token in its argv "
	    "(visible in /proc/<pid>/cmdline while it runs) and the old one in "
	    "K3S_TOKEN; the default, native call exposes neither");
	secret_buf_reserve(&env, old->password_len + 32);
	buf_adds(&env, "K3S_TOKEN=");
	buf_add(&env, old->password, old->password_len);
	envp[0] = "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	envp[1] = "LC_ALL=C";
	envp[2] = env.s;
	envp[3] = NULL;
	secret_buf_reserve(&newarg, new_len + 1);
	buf_add(&newarg, new_pw, new_len);
	buf_adds(&dd, root_path(c->n.data_dir));
	{
		const char *argv[] = { bin, "token", "rotate", "--new-token", newarg.s,
			"--server", c->server, "--data-dir", dd.s, NULL };
		struct run_opts ro = { .argv = argv, .envp = envp, .inherit_stderr = 1,
			.timeout_ms = 120000 };

		if (run_cmd(&ro, &st) < 0)
			goto out;
		if (st != 0) {
			error("'%s token rotate' exited with status %d", bin, st);
			goto out;
		}
	}
	ret = 0;
out:
	buf_wipe(&env);
	buf_wipe(&newarg);
	buf_release(&dd);
	return ret;
}

static void
follow_up(struct ctx *c, const char *new_desc)
{
	const struct node_file *at = node_file(&c->n, "server/agent-token");
	int separate = at && at->exists == 1 && S_ISREG(at->st.st_mode);

	printf("\nthe server token is now: %s\n", new_desc);
	printf("it is in the store as '%s' (current); the old one is kept as previous,\n"
	    "for etcd snapshots taken before the rotation.\n\nnext steps:\n", STORE_SERVER_TOKEN);
	printf("  - every other server: give it the new token (token: in its config, or\n"
	    "    K3S_TOKEN), e.g. 'k3sguard secrets get %s' piped into its token file,\n"
	    "    and restart it;\n", STORE_SERVER_TOKEN);
	if (separate)
		printf("  - agents: this server has a separate agent token (server/agent-token);\n"
		    "    agents that joined with it are not affected.  Agents that joined with\n"
		    "    the server token need the new one and a restart.\n");
	else
		printf("  - agents: this server has no separate agent token, so every agent joined\n"
		    "    with the server token: give each the new token and restart k3s-agent\n"
		    "    (k3sguard agent exec keeps it off disk, argv and env).\n");
}

/* ---- the steps ---- */

static int
finish(struct ctx *c, struct journal *j)
{
	struct buf val = BUF_INIT, cur = BUF_INIT, desc = BUF_INIT;
	struct token_info t, tc;
	int ret = -1, rc;

	/* the node uses the new password: make the store and server/token say so */
	if (store_get(STORE_SERVER_TOKEN, j->new_version, &val, NULL) != 0 ||
	    token_parse(val.s, val.len, &t) < 0) {
		error("the store has no usable version %u of '%s'", j->new_version,
		    STORE_SERVER_TOKEN);
		goto out;
	}
	if (store_set_state(STORE_SERVER_TOKEN, j->new_version, STORE_CURRENT) < 0)
		goto out;
	rc = token_file_read(c->token_host, &cur, &tc);
	if (rc < 0 || !ct_equal(tc.fingerprint, t.fingerprint, 12)) {
		/* K3s changed cred/passwd but did not get to rewrite server/token */
		buf_addch(&val, '\n');
		if (gate_write_atomic(c->token_host, val.s, val.len, 0600) < 0)
			goto out;
		fprintf(c->o->json ? stderr : stdout, "rewrote '%s' with the new token\n",
		    root_path(c->token_host));
	}
	if (strcmp(j->state, "restarting") != 0 && journal_state(j, "restarting") < 0)
		goto out;
	if (run_restart(c) < 0 || run_probe(c) < 0)
		goto out;
	if (journal_remove() < 0)
		goto out;
	token_describe(&t, &desc);
	if (c->o->json) {
		json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:s}", "result", "rotated",
		    "old_fingerprint", j->old_fp, "new_fingerprint", j->new_fp,
		    "new_version", (json_int_t)j->new_version, "server", c->server);
		char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		puts(s);
		free(s);
		json_decref(o);
	} else {
		printf("rotated: fingerprint %s -> %s\n", j->old_fp, j->new_fp);
		follow_up(c, desc.s);
	}
	ret = 0;
out:
	buf_wipe(&val);
	buf_wipe(&cur);
	buf_release(&desc);
	return ret;
}

/* From "calling": ask K3s (again) to go to the pending token, then finish. */
static int
go_forward(struct ctx *c, struct journal *j)
{
	struct buf oldv = BUF_INIT, newv = BUF_INIT, disk = BUF_INIT;
	struct token_info to, tn, td;
	char fp[13];
	int ret = -1;

	if (store_get(STORE_SERVER_TOKEN, j->old_version, &oldv, NULL) != 0 ||
	    store_get(STORE_SERVER_TOKEN, j->new_version, &newv, NULL) != 0 ||
	    token_parse(oldv.s, oldv.len, &to) < 0 || token_parse(newv.s, newv.len, &tn) < 0) {
		error("the store lacks version %u or %u of '%s' named in the journal",
		    j->old_version, j->new_version, STORE_SERVER_TOKEN);
		goto out;
	}
	if (journal_state(j, "calling") < 0)
		goto out;
	if (call_k3s(c, &to, tn.password, tn.password_len) < 0) {
		/* a rotation that completed after an earlier crash answers 401 now */
		if (node_fingerprint(c, fp) == 0 && !strcmp(fp, j->new_fp))
			clear_error();
		else
			goto out;
	}
	if (journal_state(j, "rotated") < 0)
		goto out;
	if (token_file_read(c->token_host, &disk, &td) < 0)
		goto out;
	if (!ct_equal(td.fingerprint, tn.fingerprint, 12) || td.password_len != tn.password_len ||
	    !ct_equal(td.password, tn.password, tn.password_len)) {
		error("K3s answered, but '%s' does not carry the new token (fingerprint %s, "
		    "expected %s); run 'k3sguard token rotate --resume' after checking K3s",
		    root_path(c->token_host), td.fingerprint, tn.fingerprint);
		goto out;
	}
	ret = finish(c, j);
out:
	buf_wipe(&oldv);
	buf_wipe(&newv);
	buf_wipe(&disk);
	return ret;
}

static int
resume(struct ctx *c, struct journal *j)
{
	char fp[13];

	if (node_fingerprint(c, fp) < 0)
		return -1;
	fprintf(c->o->json ? stderr : stdout, "resuming the rotation interrupted at '%s' (fingerprint %s -> %s); "
	    "the node uses %s\n", j->state, j->old_fp, j->new_fp, fp);
	if (!strcmp(fp, j->new_fp))
		return finish(c, j);
	if (!strcmp(fp, j->old_fp)) {
		if (!strcmp(j->state, "pending") || !strcmp(j->state, "calling"))
			return go_forward(c, j);
		return error("the journal says K3s rotated (state '%s') but the node still "
		    "uses the old token %s: check K3s; both versions are in the store",
		    j->state, j->old_fp);
	}
	return error("the node uses a token (fingerprint %s) that is neither the old (%s) "
	    "nor the new one (%s); both are kept in the store; not changing anything",
	    fp, j->old_fp, j->new_fp);
}

static void
new_password(char out[65])
{
	unsigned char r[32];

	do {
		if (RAND_bytes(r, sizeof(r)) != 1)
			fatal("cannot get random bytes for a new token");
		hex_encode(r, sizeof(r), out);
	} while (token_is_bootstrap_shape(out, strlen(out)));	/* never: 64 chars; kept as a guard */
	explicit_bzero(r, sizeof(r));
}

static int
fresh(struct ctx *c)
{
	struct buf old = BUF_INIT, cur = BUF_INIT, newtok = BUF_INIT, desc = BUF_INIT;
	struct token_info to, tn;
	struct store_meta m;
	struct journal j;
	char *pw = secret_alloc(65);
	int rc, can, ret = -1;

	can = k3s_can_rotate(c->n.k3s_version);
	if (can < 0) {
		const struct source_error *e = node_source_error(&c->n, "version");

		error("cannot tell the K3s version of '%s'%s%s: refusing to rotate",
		    root_path(c->n.k3s_bin), e ? ": " : "", e ? e->msg : "");
		goto out;
	}
	if (!can) {
		fprintf(stderr, "k3sguard: error: K3s %s cannot rotate its server token\n%s",
		    c->n.k3s_version, k3s_rotate_too_old);
		goto out;
	}
	if (token_file_read(c->token_host, &old, &to) < 0)
		goto out;
	if (to.form != TOKEN_SECURE || strcmp(to.user, "server") != 0) {
		error("'%s' is not a secure server token (K10<ca hash>::server:<password>)",
		    root_path(c->token_host));
		goto out;
	}
	if (ca_matches_token(c->ca, &to) < 0)
		goto out;
	new_password(pw);
	secret_buf_reserve(&newtok, 3 + 64 + 2 + 7 + 64 + 2);
	buf_addf(&newtok, "K10%s::server:%s", to.ca_hash, pw);
	if (token_parse(newtok.s, newtok.len, &tn) < 0 || tn.bootstrap)
		fatal("generated token does not parse");

	if (c->o->dry_run) {
		struct buf d = BUF_INIT;

		token_describe(&to, &d);
		printf("would rotate the server token of K3s %s at %s\n", c->n.k3s_version,
		    c->server);
		printf("  old: %s\n", d.s);
		printf("  1. store the old token as current and a new random token as pending in "
		    "the %s store ('%s')\n", store_backend_name(), STORE_SERVER_TOKEN);
		printf("  2. journal each step in '%s'\n", root_path(TOKEN_JOURNAL));
		if (c->o->via_cli)
			printf("  3. run '%s token rotate --new-token <new> --server %s' "
			    "(old token in K3S_TOKEN)\n", root_path(c->n.k3s_bin), c->server);
		else
			printf("  3. PUT %s/v1-k3s/token as user 'server', TLS verified against "
			    "'%s' (matches the token's CA hash)\n", c->server, c->ca);
		printf("  4. check that '%s' carries the new token; mark it current, the old one "
		    "previous\n", root_path(c->token_host));
		{
			static const char *const def[] = { "systemctl", "restart", "k3s", NULL };
			const char **argv = config_argv("token.restart-command", def);
			struct buf s = BUF_INIT;

			argv_str(&s, argv);
			printf("  5. restart K3s with '%s' and wait until it answers\n", s.s);
			buf_release(&s);
			free(argv);
		}
		buf_release(&d);
		ret = 0;
		goto out;
	}

	memset(&j, 0, sizeof(j));
	j.started = (long long)time(NULL);
	j.via_cli = c->o->via_cli;
	snprintf(j.server, sizeof(j.server), "%s", c->server);
	memcpy(j.old_fp, to.fingerprint, 13);
	memcpy(j.new_fp, tn.fingerprint, 13);

	/* the token the cluster uses goes into the store before anything changes */
	rc = store_get(STORE_SERVER_TOKEN, 0, &cur, &m);
	if (rc < 0)
		goto out;
	if (rc == 0 && cur.len == old.len - (old.s[old.len - 1] == '\n') &&
	    ct_equal(cur.s, old.s, cur.len)) {
		j.old_version = m.version;
	} else {
		size_t len = old.len;

		while (len && (old.s[len - 1] == '\n' || old.s[len - 1] == '\r'))
			len--;
		if (store_put(STORE_SERVER_TOKEN, old.s, len, STORE_CURRENT,
		    "from server/token before rotation", &j.old_version) < 0)
			goto out;
	}
	{
		char note[64];

		{
			time_t tt = (time_t)j.started;
			struct tm tm;

			gmtime_r(&tt, &tm);
			strftime(note, sizeof(note), ROTATION_NOTE_PREFIX "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		if (store_put(STORE_SERVER_TOKEN, newtok.s, newtok.len, STORE_PENDING, note,
		    &j.new_version) < 0)
			goto out;
	}
	token_describe(&to, &desc);
	fprintf(c->o->json ? stderr : stdout, "rotating %s\n", desc.s);
	fflush(stdout);
	if (journal_state(&j, "pending") < 0)
		goto out;
	ret = go_forward(c, &j);
out:
	secret_free(pw, 65);
	buf_wipe(&old);
	buf_wipe(&cur);
	buf_wipe(&newtok);
	buf_release(&desc);
	return ret;
}

int
token_rotate(const struct rotate_opts *o)
{
	struct ctx c;
	struct journal j;
	int rc, ret = EXIT_ERROR;

	memset(&c, 0, sizeof(c));
	c.o = o;
	if (node_load(&c.n) < 0)
		return EXIT_ERROR;
	snprintf(c.token_host, sizeof(c.token_host), "%s", node_data_path(&c.n, "server/token"));
	snprintf(c.passwd_host, sizeof(c.passwd_host), "%s",
	    node_data_path(&c.n, "server/cred/passwd"));
	snprintf(c.ca, sizeof(c.ca), "%s", node_data_path(&c.n, "server/tls/server-ca.crt"));
	/* before anything changes: --via-cli must have a program it may run */
	if (o->via_cli && !o->dry_run && !k3s_cli(&c))
		goto out;
	rc = journal_read(&j);
	if (rc < 0)
		goto out;
	c.server = o->server ? o->server : rc == 0 ? j.server :
	    config_str("token.server-url", TOKEN_DEFAULT_SERVER);
	if (strncmp(c.server, "https://", 8) != 0) {
		error("the K3s server URL must start with https://, not '%s'", c.server);
		goto out;
	}
	if (rc == 0) {
		if (!o->resume) {
			error("a rotation was interrupted at '%s' (journal '%s'): run "
			    "'k3sguard token rotate --resume'", j.state, root_path(TOKEN_JOURNAL));
			goto out;
		}
		if (o->dry_run) {
			printf("would resume the rotation interrupted at '%s' (fingerprint %s -> %s)\n",
			    j.state, j.old_fp, j.new_fp);
			ret = EXIT_OK;
			goto out;
		}
		/* a resume calls K3s natively unless --via-cli is given again */
		ret = resume(&c, &j) < 0 ? EXIT_ERROR : EXIT_OK;
		goto out;
	}
	if (o->resume) {
		printf("no interrupted rotation (no '%s'): nothing to resume\n",
		    root_path(TOKEN_JOURNAL));
		ret = EXIT_OK;
		goto out;
	}
	ret = fresh(&c) < 0 ? EXIT_ERROR : EXIT_OK;
out:
	node_free(&c.n);
	return ret;
}
