/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check-credentials.c: see check-credentials.h.  Each is a read of modes
 * and owners through the gate (check_stat, check_walk); nothing is opened
 * for its content.
 */
#include "core/k3sguard.h"
#include "checks/check-credentials.h"
#include "checks/check-walk.h"
#include "node/node.h"

/*
 * K3s: pkg/cli/server/server.go writeKubeConfig(): the admin kubeconfig
 * goes to --write-kubeconfig when set, else HomeKubeConfig(true), which is
 * /etc/rancher/k3s/k3s.yaml for root.  (A rootless K3s writes under the
 * user's home; k3sguard audits K3s run as root.)
 */
const char *
k3s_kubeconfig_path(const struct node *n)
{
	const char *v = node_get(n, "write-kubeconfig");

	return v && *v ? v : "/etc/rancher/k3s/k3s.yaml";
}

/*
 * The mode write-kubeconfig-mode asks for: K3s parses it with
 * strconv.ParseInt(mode, 8, 0) and chmods the file at every start; on a
 * parse error it only logs.  1 with *mode set, 0 when unset, -1 when K3s
 * could not parse it.
 */
static int
kubeconfig_mode_opt(const struct node *n, mode_t *mode)
{
	const char *v = node_get(n, "write-kubeconfig-mode");
	char *end;
	long m;

	if (!v || !*v)
		return 0;
	errno = 0;
	m = strtol(v, &end, 8);
	if (errno || *end || end == v || m < 0 || m > 07777)
		return -1;
	*mode = (mode_t)m;
	return 1;
}

void
check_kubeconfig_mode(const struct node *n, struct check_result *r)
{
	struct check_file f;
	struct buf d = BUF_INIT;
	const char *group = node_get(n, "write-kubeconfig-group");
	mode_t want = 0600;
	int opt;

	if (check_skip_agent(n, r) || check_options_failed(n, r))
		return;
	if ((opt = kubeconfig_mode_opt(n, &want)) < 0) {
		check_fail(r, "write-kubeconfig-mode '%s' (%s) is not an octal mode: K3s logs an "
		    "error and leaves the admin kubeconfig's mode as it was", node_get(n,
		    "write-kubeconfig-mode"), check_origin(n, "write-kubeconfig-mode"));
		return;
	}
	if (want & 077) {
		check_fail(r, "write-kubeconfig-mode %04o (%s): K3s makes the admin kubeconfig '%s' "
		    "readable by %s%s%s at every start, a credential as strong as the token",
		    (unsigned)want, check_origin(n, "write-kubeconfig-mode"), k3s_kubeconfig_path(n),
		    want & 007 ? "every local user" : "its group", group ? " " : "",
		    group ? group : "");
		return;
	}
	check_stat(n, k3s_kubeconfig_path(n), &f);
	check_describe_file(&d, &f);
	if (f.exists < 0)
		check_error(r, "%s", f.err);
	else if (f.exists == 0 && opt)
		check_pass(r, "%s: not written yet; K3s will write it %04o (write-kubeconfig-mode)",
		    d.s, (unsigned)want);
	else if (f.exists == 0)
		/* K3s's default has been 0600, but older releases wrote 0644 */
		check_skip(r, "%s: not written yet and write-kubeconfig-mode unset: the mode K3s "
		    "gives it depends on its release; set write-kubeconfig-mode: \"0600\"", d.s);
	else if (!S_ISREG(f.st.st_mode))
		check_fail(r, "%s: K3s writes the admin kubeconfig as a regular file", d.s);
	else if (f.st.st_mode & 077)
		check_fail(r, "%s: group or others can read the admin kubeconfig", d.s);
	else if (f.st.st_uid != 0)
		check_fail(r, "%s: not owned by root", d.s);
	else
		check_pass(r, "%s; write-kubeconfig-mode %s", d.s,
		    opt ? node_get(n, "write-kubeconfig-mode") : "unset (K3s's default 0600)");
	buf_release(&d);
}

/* What a walk found wrong: the descriptions, and how many files it saw. */
struct private_walk {
	const char *suffix;	/* only names ending so ("" = every file) */
	struct buf bad;
	size_t seen;
};

/*
 * A directory on the way to the files: whoever owns it or may write it can
 * replace what is in it (a key, a kubeconfig) with their own.
 */
static void
private_dir(struct private_walk *w, const char *host, const struct stat *st)
{
	if (st->st_uid != 0)
		buf_addf(&w->bad, "%s'%s' (directory) is not owned by root",
		    w->bad.len ? "; " : "", host);
	else if (st->st_mode & 022)
		buf_addf(&w->bad, "%s'%s' (directory) is %04o: writable by group or others",
		    w->bad.len ? "; " : "", host, (unsigned)(st->st_mode & 07777));
}

static int
private_cb(void *ctx, const char *host, const struct stat *st, const char *target)
{
	struct private_walk *w = ctx;
	size_t len = strlen(host), sl = strlen(w->suffix);

	(void)target;
	if (S_ISDIR(st->st_mode)) {
		private_dir(w, host, st);
		return 0;
	}
	if (len < sl || strcmp(host + len - sl, w->suffix))
		return 0;
	w->seen++;
	if (!S_ISREG(st->st_mode))
		buf_addf(&w->bad, "%s'%s' is not a regular file", w->bad.len ? "; " : "", host);
	else if ((st->st_mode & 077) || st->st_uid != 0)
		buf_addf(&w->bad, "%s'%s' is %04o uid %ju, not 0600 root", w->bad.len ? "; " : "",
		    host, (unsigned)(st->st_mode & 07777), (uintmax_t)st->st_uid);
	return 0;
}

/* The walk sees what is below dir: dir itself is judged here (-1: err set). */
static int
private_top(const struct node *n, const char *dir, struct private_walk *w, struct buf *err)
{
	struct check_file f;

	check_stat(n, dir, &f);
	if (f.exists < 0) {
		buf_adds(err, f.err);
		return -1;
	}
	if (f.exists == 1 && S_ISDIR(f.st.st_mode))
		private_dir(w, dir, &f.st);
	return 0;
}

/* Every file under dir (named *suffix) 0600 root; what; r set. */
static void
check_private_tree(const struct node *n, struct check_result *r, const char *rel,
    const char *suffix, const char *what)
{
	struct private_walk w = { suffix, BUF_INIT, 0 };
	struct buf err = BUF_INIT;
	const char *dir = node_data_path(n, rel);
	int rc;

	if (check_skip_agent(n, r))
		return;
	rc = check_walk(dir, private_cb, &w, &err);
	if (rc < 0)
		check_error(r, "%s", err.s);
	else if (rc == 1)
		check_skip(r, "'%s' does not exist (or is not a directory): K3s creates it at first "
		    "start", dir);
	else if (private_top(n, dir, &w, &err) < 0)
		check_error(r, "%s", err.s);
	else if (w.bad.len)
		check_fail(r, "%s", w.bad.s);
	else if (!w.seen)
		check_skip(r, "no %s under '%s': nothing to judge (K3s writes them at first start)",
		    what, dir);
	else
		check_pass(r, "%zu %s under '%s', each 0600 root", w.seen, what, dir);
	buf_release(&w.bad);
	buf_release(&err);
}

void
check_cred_files(const struct node *n, struct check_result *r)
{
	check_private_tree(n, r, "server/cred", "", "files (kubeconfigs, passwd)");
}

void
check_tls_keys(const struct node *n, struct check_result *r)
{
	check_private_tree(n, r, "server/tls", ".key", "private keys");
}
