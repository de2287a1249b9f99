/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check-agent-token.c: strategy "agent-token" (seed: "Secure Agent Token
 * Handling").  Plain-text tokens in env files, units and config files,
 * token-file used instead, the modes of the files that hold tokens, and the
 * K3S_TOKEN_FILE + K3S_AGENT_TOKEN_FILE trap (k3s issue 5619).
 *
 * Token values are only ever described (token_describe), never printed.
 */
#include "core/k3sguard.h"
#include "checks/check.h"
#include "token/token.h"

static const char *const token_opts[] = { "token", "agent-token" };

enum where { W_ENV, W_UNIT, W_CONFIG };

static enum where
classify(const struct token_hit *h)
{
	if (h->kind == SRC_ENV || starts_with(h->name, "K3S_", NULL))
		return W_ENV;
	if (h->kind == SRC_UNIT)
		return W_UNIT;
	return W_CONFIG;
}

static int
sources_failed(const struct node *n, struct check_result *r)
{
	return check_options_failed(n, r);
}

static void
plaintext(const struct node *n, struct check_result *r, enum where w, const char *place)
{
	struct token_hit *hits;
	struct buf found = BUF_INIT;
	size_t k, nfound = 0;

	if (sources_failed(n, r))
		return;
	k = check_token_hits(n, token_opts, ARRAY_SIZE(token_opts), &hits);
	for (size_t i = 0; i < k; i++) {
		if (classify(&hits[i]) != w)
			continue;
		if (nfound++)
			buf_adds(&found, "; ");
		check_describe_hit(&found, &hits[i]);
	}
	if (nfound)
		check_fail(r, "token in plain text in %s: %s", place, found.s);
	else
		check_pass(r, "no token or agent-token value in %s", place);
	free(hits);
	buf_release(&found);
}

static void
plaintext_env(const struct node *n, struct check_result *r)
{
	plaintext(n, r, W_ENV, "env files or Environment=");
}

static void
plaintext_unit(const struct node *n, struct check_result *r)
{
	plaintext(n, r, W_UNIT, "unit ExecStart= lines");
}

static void
plaintext_config(const struct node *n, struct check_result *r)
{
	plaintext(n, r, W_CONFIG, "config.yaml or its drop-ins");
}

/* A token file (token-file / agent-token-file) must be 0600 root, regular. */
static int
token_file_ok(const struct node *n, const char *path, struct buf *why)
{
	struct check_file f;

	check_stat(n, path, &f);
	if (f.exists == 1 && S_ISREG(f.st.st_mode) && !(f.st.st_mode & 077) &&
	    f.st.st_uid == 0)
		return 1;
	if (why->len)
		buf_adds(why, "; ");
	check_describe_file(why, &f);
	buf_adds(why, f.exists < 0 ? "" : " must be a regular file 0600 owned by root");
	return f.exists < 0 ? -1 : 0;
}

static void
uses_token_file(const struct node *n, struct check_result *r)
{
	static const char *const file_opts[] = { "token-file", "agent-token-file" };
	struct token_hit *hits;
	struct buf bad = BUF_INIT, used = BUF_INIT;
	size_t k;
	int errs = 0, nused = 0, via = 0;

	if (sources_failed(n, r))
		return;
	k = check_token_hits(n, token_opts, ARRAY_SIZE(token_opts), &hits);
	free(hits);
	for (size_t i = 0; i < ARRAY_SIZE(file_opts); i++) {
		const char *v = node_get(n, file_opts[i]);

		if (!v || !*v)
			continue;
		nused++;
		buf_addf(&used, "%s%s at %s", used.len ? ", " : "", file_opts[i],
		    check_origin(n, file_opts[i]));
		if (token_file_ok(n, v, &bad) < 0)
			errs++;
	}
	/* agent exec hands K3s the token from the store as --token-file (a memfd) */
	for (size_t i = 0; i < n->nunits; i++) {
		const struct unit *u = &n->units[i];

		if (!u->active || !u->token_via_agent_exec)
			continue;
		via = 1;
		buf_addf(&used, "%stoken supplied by k3sguard agent exec from the secret store "
		    "('%s', %s)", used.len ? ", " : "", u->agent_exec_secret,
		    u->exec_file ? u->exec_file : u->path);
	}
	if (k)
		check_fail(r, "%zu plain-text token value%s instead of token-file (see agent-token.plaintext-*)",
		    k, k == 1 ? "" : "s");
	else if (errs)
		check_error(r, "%s", bad.s);
	else if (bad.len)
		check_fail(r, "%s", bad.s);
	else if (nused || via)
		check_pass(r, "%s", used.s);
	else if (n->role == ROLE_AGENT)
		check_fail(r, "agent with neither token nor token-file configured: it cannot join");
	else
		check_pass(r, "no token given to K3s: the server generated server/token itself");
	buf_release(&bad);
	buf_release(&used);
}

static void
both_token_files(const struct node *n, struct check_result *r)
{
	const char *tf, *atf;

	if (check_skip_agent(n, r) || sources_failed(n, r))
		return;
	tf = node_get(n, "token-file");
	atf = node_get(n, "agent-token-file");
	if (tf && *tf && atf && *atf) {
		char a[320];

		snprintf(a, sizeof(a), "%s", check_origin(n, "token-file"));
		check_fail(r, "token-file (%s) and agent-token-file (%s) are both set on a server",
		    a, check_origin(n, "agent-token-file"));
	} else {
		check_pass(r, "not both of token-file and agent-token-file");
	}
}

static void
unit_mode(const struct node *n, struct check_result *r)
{
	struct unit_file *uf;
	struct buf bad = BUF_INIT;
	size_t m;
	int errs = 0;

	if (check_source_failed(n, "unit", r))
		return;
	if (!n->nunits) {
		check_skip(r, "no K3s systemd unit or OpenRC script found");
		return;
	}
	m = check_unit_files(n, &uf);
	for (size_t i = 0; i < m; i++) {
		struct check_file f;

		check_stat(n, uf[i].path, &f);
		if (f.exists < 0) {
			errs++;
			buf_addf(&bad, "%s%s", bad.len ? "; " : "", f.err);
			continue;
		}
		if (f.exists == 1 && S_ISREG(f.st.st_mode) && f.st.st_uid == 0 &&
		    !(f.st.st_mode & 022) && !(uf[i].has_token && (f.st.st_mode & 077)))
			continue;
		if (bad.len)
			buf_adds(&bad, "; ");
		check_describe_file(&bad, &f);
		buf_adds(&bad, uf[i].has_token ? " holds a token and is readable by others" :
		    " must be root-owned and not group/other writable");
	}
	if (errs)
		check_error(r, "%s", bad.s);
	else if (bad.len)
		check_fail(r, "%s", bad.s);
	else
		check_pass(r, "%zu unit file%s and drop-ins root-owned, not writable by others", m,
		    m == 1 ? "" : "s");
	free(uf);
	buf_release(&bad);
}

static void
env_mode(const struct node *n, struct check_result *r)
{
	struct buf bad = BUF_INIT;
	size_t seen = 0;
	int errs = 0;

	if (check_source_failed(n, "env", r))
		return;
	for (size_t e = 0; e < n->nenvfiles; e++) {
		struct check_file f;

		if (!n->envfiles[e].exists)
			continue;
		seen++;
		check_stat(n, n->envfiles[e].path, &f);
		if (f.exists < 0) {
			errs++;
			buf_addf(&bad, "%s%s", bad.len ? "; " : "", f.err);
			continue;
		}
		if (f.exists == 1 && S_ISREG(f.st.st_mode) && f.st.st_uid == 0 &&
		    !(f.st.st_mode & 077))
			continue;
		if (bad.len)
			buf_adds(&bad, "; ");
		check_describe_file(&bad, &f);
		buf_adds(&bad, " must be a regular file 0600 owned by root");
	}
	if (errs)
		check_error(r, "%s", bad.s);
	else if (bad.len)
		check_fail(r, "%s", bad.s);
	else if (!seen)
		check_pass(r, "no K3s env files on this node");
	else
		check_pass(r, "%zu env file%s 0600 root", seen, seen == 1 ? "" : "s");
	buf_release(&bad);
}

static void
agent_token_file(const struct node *n, struct check_result *r)
{
	struct check_file f;
	struct buf d = BUF_INIT;

	if (check_skip_agent(n, r))
		return;
	check_stat(n, node_data_path(n, "server/agent-token"), &f);
	check_describe_file(&d, &f);
	if (f.exists < 0)
		check_error(r, "%s", f.err);
	else if (f.exists == 0)
		check_skip(r, "%s: K3s has not written one", d.s);
	else if (S_ISLNK(f.st.st_mode) && (!strcmp(f.target, "token") ||
	    !strcmp(f.target, node_data_path(n, "server/token"))))
		check_pass(r, "%s: agents use the server token", d.s);
	else if (S_ISLNK(f.st.st_mode))
		check_fail(r, "%s: K3s links it to token only", d.s);
	else if (!S_ISREG(f.st.st_mode))
		check_fail(r, "%s: not a regular file", d.s);
	else if ((f.st.st_mode & 077) || f.st.st_uid != 0)
		check_fail(r, "%s: must be 0600 owned by root", d.s);
	else
		check_pass(r, "%s", d.s);
	buf_release(&d);
}

const struct check checks_agent_token[] = {
	{ "agent-token.plaintext-env", "agent-token", SEV_HIGH,
	  "No K3S_TOKEN/K3S_AGENT_TOKEN in env files or unit Environment=",
	  plaintext_env,
	  "Remove K3S_TOKEN/K3S_AGENT_TOKEN from /etc/systemd/system/k3s*.service.env and the "
	  "unit; put the token in a file 0600 root and set K3S_TOKEN_FILE, or hand it over with "
	  "'k3sguard agent exec' (no file, argv or environment).  The process environment "
	  "(/proc/PID/environ) keeps an env-file token for the life of K3s.",
	  "No agent token in environment files.",
	  "Agent token hardcoded in env files (K3S_TOKEN): move it to secrets management.", REACH_ROOT },
	{ "agent-token.plaintext-unit", "agent-token", SEV_HIGH,
	  "No --token/--agent-token on a unit's ExecStart= line",
	  plaintext_unit,
	  "Remove --token/-t/--agent-token from ExecStart= (the install script puts flags there); "
	  "use --token-file with a 0600 root file, then systemctl daemon-reload.",
	  "No agent token on unit command lines.",
	  "Agent token hardcoded on a unit's ExecStart= line.", REACH_ROOT },
	{ "agent-token.plaintext-config", "agent-token", SEV_HIGH,
	  "No token:/agent-token: values in config.yaml or its drop-ins",
	  plaintext_config,
	  "Replace token:/agent-token: with token-file:/agent-token-file: pointing at 0600 root files.",
	  "No agent token in K3s config files.",
	  "Agent token hardcoded in config.yaml or a drop-in.", REACH_ROOT },
	{ "agent-token.token-file", "agent-token", SEV_MEDIUM,
	  "Tokens reach K3s through token-file (0600 root), not as values",
	  uses_token_file,
	  "Set token-file (agents) or token-file/agent-token-file (servers) to a root-owned 0600 "
	  "file provisioned from your secrets manager.",
	  "Tokens are provisioned as files (token-file), not hardcoded.",
	  "Tokens are hardcoded instead of provisioned through token-file.", REACH_ROOT },
	{ "agent-token.both-token-files", "agent-token", SEV_HIGH,
	  "A server does not set both K3S_TOKEN_FILE and K3S_AGENT_TOKEN_FILE (k3s issue 5619)",
	  both_token_files,
	  "Set only one of K3S_TOKEN_FILE/token-file and K3S_AGENT_TOKEN_FILE/agent-token-file on a "
	  "server: setting both is a known K3s trap (k3s issue 5619).  Give agents the agent token "
	  "through their own token-file.",
	  "No conflicting token-file and agent-token-file on the server.",
	  "Both token-file and agent-token-file are set on a server (k3s issue 5619).", REACH_ROOT },
	{ "agent-token.unit-mode", "agent-token", SEV_MEDIUM,
	  "K3s unit files are root-owned, not writable by others, private if they hold a token",
	  unit_mode,
	  "chown root:root and chmod go-w the unit (0600 if it holds a token, better: remove the "
	  "token), then systemctl daemon-reload (or run 'k3sguard fix').",
	  "Unit files are protected.",
	  "Unit files are writable by others or expose a token.", REACH_ROOT },
	{ "agent-token.env-mode", "agent-token", SEV_HIGH,
	  "K3s env files are 0600 and owned by root",
	  env_mode,
	  "chown root:root and chmod 0600 /etc/systemd/system/k3s*.service.env and "
	  "/etc/rancher/k3s/*.env (or run 'k3sguard fix').",
	  "Environment files are private (0600 root).",
	  "Environment files are readable by others.", REACH_ROOT },
	{ "agent-token.agent-token-file", "agent-token", SEV_HIGH,
	  "server/agent-token is 0600 root (or K3s's symlink to token)",
	  agent_token_file,
	  "chmod 0600 /var/lib/rancher/k3s/server/agent-token; chown root:root (or run 'k3sguard fix').",
	  "The agent token file on the server is private.",
	  "The agent token file on the server is readable by others.", REACH_ROOT },
};
const size_t nchecks_agent_token = ARRAY_SIZE(checks_agent_token);
