/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent-unit.c: the systemd drop-in that starts K3s through 'k3sguard agent
 * exec' (see agent.h), and the token flags agent exec refuses.
 *
 * Invariants: the drop-in holds no secret (it names the secret; every token
 * flag of the unit's command line and its value are dropped); --dry-run
 * output is passed through the scanner and every value it flags is redacted.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "token/agent.h"
#include "store/store.h"
#include "node/node.h"
#include "scan/scan.h"

#define DROPIN_NAME AGENT_DROPIN_NAME

/*
 * The flag name when arg is a token flag K3s would accept ("-t", "--token",
 * "-token", "--agent-token=x", "--token-file"), else NULL.  Go's flag
 * parsing takes one or two dashes.
 */
const char *
agent_token_flag(const char *arg)
{
	static const char *const names[] = { "t", "token", "agent-token", "token-file" };
	const char *s = arg;
	size_t n;

	if (*s++ != '-')
		return NULL;
	if (*s == '-')
		s++;
	n = strcspn(s, "=");
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (n == strlen(names[i]) && !memcmp(s, names[i], n))
			return names[i];
	return NULL;
}

const char *
agent_default_secret(const char *sub)
{
	return !strcmp(sub, "server") ? "server-token" : "agent-token";
}

/* One ExecStart= word, quoted as systemd reads it when it needs quoting. */
static void
add_word(struct buf *b, const char *w)
{
	int plain = *w != '\0';

	for (const char *p = w; *p; p++)
		if (strchr(" \t\"'\\$%;", *p))
			plain = 0;
	if (b->len && b->s[b->len - 1] != '=')
		buf_addch(b, ' ');
	if (plain) {
		buf_adds(b, w);
		return;
	}
	buf_addch(b, '"');
	for (const char *p = w; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addch(b, '\\');
		if (*p == '$' || *p == '%')
			buf_addch(b, *p);	/* $$ and %% are literal */
		buf_addch(b, *p);
	}
	buf_addch(b, '"');
}

/*
 * The K3s command line of the unit, without token flags: "k3s", "server",
 * args...  A unit that already goes through "k3sguard agent exec" gives the
 * command after its "--".
 */
static int
k3s_command(const struct unit *u, const char ***out, size_t *nout)
{
	char *const *a = u->argv;
	size_t n = u->argc, k = 0;
	const char **v;

	if (n && ends_with(a[0], "k3sguard")) {
		size_t i;

		for (i = 1; i < n && strcmp(a[i], "--"); i++)
			;
		if (i == n)
			return error("'%s': ExecStart= runs k3sguard without '--'", u->path);
		a += i + 1;
		n -= i + 1;
	}
	if (n < 2 || (strcmp(a[1], "server") && strcmp(a[1], "agent")))
		return error("'%s': ExecStart= is not 'k3s server' or 'k3s agent'", u->path);
	v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		const char *f = i >= 2 ? agent_token_flag(a[i]) : NULL;

		if (f) {
			/* "--token X" drops X too; "--token=X" is one word */
			if (!strchr(a[i], '=') && i + 1 < n)
				i++;
			continue;
		}
		v[k++] = a[i];
	}
	*out = v;
	*nout = k;
	return 0;
}

/* Replace every value the scanner finds in the line with <redacted>. */
static void
redacted_copy(struct buf *out, const char *s, size_t len)
{
	struct scan_hits h = { 0 };
	size_t at = 0;

	scan_buffer(s, len, 1, &h);
	for (size_t i = 0; i < h.n; i++) {
		buf_add(out, s + at, h.v[i].off - at);
		buf_adds(out, "<redacted>");
		at = h.v[i].off + h.v[i].len;
	}
	buf_add(out, s + at, len - at);
	scan_hits_release(&h);
}

/*
 * The unit and its drop-ins, whose command line the drop-in repeats, are
 * files of the node with one link each: a hard link's other name may be a
 * file outside the node, which is then neither shown nor copied.
 */
static int
unit_single_links(const struct unit *u)
{
	struct stat st;

	for (size_t i = 0; i <= u->ndropins; i++) {
		const char *p = i < u->ndropins ? u->dropins[i] : u->path;

		if (gate_lstat(p, &st) == 0 && node_one_link(&st, p) < 0)
			return -1;
	}
	return 0;
}

int
agent_install_dropin(const struct node *n, const char *secret, const char *bin, int dry_run,
    int *changed, struct buf *msg)
{
	struct buf say = BUF_INIT, shown = BUF_INIT;
	const struct unit *u = NULL;
	const char **cmd = NULL;
	struct buf content = BUF_INIT, exec = BUF_INIT, dir = BUF_INIT, path = BUF_INIT;
	struct buf old = BUF_INIT;
	char self[PATH_MAX];
	struct stat st;
	mode_t mask;
	size_t ncmd = 0;
	int rc = -1, c;

	*changed = 0;
	if (!bin && !gate_root_is_host()) {
		/* this program's path is of this host, not of the image */
		bin = AGENT_DEFAULT_BIN;
	} else if (!bin) {
		/* this process's own executable, a path of this host */
		ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (len < 0)
			return error_errno("cannot find this program's path (give --bin)");
		self[len] = '\0';
		bin = self;
	}
	for (size_t i = 0; i < n->nunits; i++)
		if (n->units[i].active)
			u = &n->units[i];
	if (!u)
		return error("no K3s unit on this node (k3s.service, k3s-agent.service)");
	if (u->openrc)
		return error("'%s': OpenRC services are not supported by install-unit yet; "
		    "set command=\"%s\" and command_args=\"agent exec -- <k3s command>\" by hand",
		    u->path, bin);
	if (unit_single_links(u) < 0 || k3s_command(u, &cmd, &ncmd) < 0)
		return -1;
	if (!secret)
		secret = agent_default_secret(cmd[1]);

	buf_adds(&exec, "ExecStart=");
	add_word(&exec, bin);
	add_word(&exec, "agent");
	add_word(&exec, "exec");
	add_word(&exec, "--secret");
	add_word(&exec, secret);
	add_word(&exec, "--");
	for (size_t i = 0; i < ncmd; i++)
		add_word(&exec, cmd[i]);
	buf_addf(&content,
	    "# Written by 'k3sguard agent install-unit'.  K3s gets its token from the\n"
	    "# k3sguard secret store ('%s') in a pipe it reads once (--token-file\n"
	    "# /proc/self/fd/N), never from its command line, environment or a file.\n"
	    "# Remove this file (and run systemctl daemon-reload) to undo.\n"
	    "[Service]\n"
	    "ExecStart=\n"
	    "%s\n", secret, exec.s);

	buf_addf(&dir, "%s.d", u->path);
	buf_addf(&path, "%s/%s", dir.s, DROPIN_NAME);
	if (gate_lstat(path.s, &st) == 0 && S_ISREG(st.st_mode)) {
		quiet_errors++;
		c = gate_read(path.s, CONFIG_MAX, &old, NULL);
		quiet_errors--;
		if (c == 0 && old.len == content.len && !memcmp(old.s, content.s, content.len)) {
			buf_addf(&say, "%s is up to date: %s runs through 'k3sguard agent exec'\n",
			    path.s, u->name);
			rc = 0;
			goto out;
		}
	}
	*changed = 1;
	/* the same lines for --dry-run and for the real thing, but "would " */
	redacted_copy(&shown, content.s, content.len);
	buf_addf(&say, "%swrite %s (0644): %s starts K3s through 'k3sguard agent exec --secret %s'\n",
	    dry_run ? "would " : "", path.s, u->name, secret);
	for (const char *l = shown.s; *l;) {
		const char *e = strchr(l, '\n');
		size_t ll = e ? (size_t)(e - l) : strlen(l);

		buf_addf(&say, "    %.*s\n", (int)ll, l);
		l += ll + (e != NULL);
	}
	buf_addf(&say, "next: systemctl daemon-reload && systemctl restart %s\n", u->name);
	if (dry_run) {
		rc = 0;
		goto out;
	}
	/* a unit's drop-in directory is world-readable like the unit */
	mask = umask(022);
	c = gate_mkdir_p(dir.s, 0755);
	umask(mask);
	if (c < 0 || gate_write_atomic(path.s, content.s, content.len, 0644) < 0) {
		buf_reset(&say);
		goto out;
	}
	rc = 0;
out:
	if (msg)
		buf_add(msg, say.s, say.len);
	else
		fputs(say.s, stdout);
	buf_release(&say);
	buf_release(&shown);
	free(cmd);
	buf_release(&content);
	buf_release(&exec);
	buf_release(&dir);
	buf_release(&path);
	buf_release(&old);
	return rc;
}

