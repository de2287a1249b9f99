/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check-server-token.c: strategy "server-token" (seed: "Rotate and Secure
 * K3s Server Token").
 *
 * The token file is read here through the gate (4 KiB cap, no symlink, one
 * link: check_read) and wiped after use;
 * it reaches evidence only through token_describe().  The CA pin check
 * follows K3s: the hash in a secure token is sha256 of server-ca.crt as
 * stored (PEM bytes) when it holds one certificate, and of the DER of the
 * last (root) certificate when it is a bundle.
 */
#include "core/k3sguard.h"
#include "checks/check.h"
#include "checks/check-credentials.h"
#include "token/token.h"
#include "token/token-rotate.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

static const char *
token_path(const struct node *n)
{
	return node_data_path(n, "server/token");
}

/*
 * Read the token through the gate (see check_read) into t (the text stays
 * in buf, which the caller wipes).  Returns 1 when t holds a parsed token,
 * 0 when r was set (skip/fail/error) instead.
 */
static int
load_token(const struct node *n, struct check_result *r, struct buf *text,
    struct token_info *t)
{
	struct buf why = BUF_INIT;
	enum status st;

	st = check_read_token(token_path(n), text, t, &why);
	if (st != ST_PASS)
		check_set(r, st, "%s%s", why.s, st == ST_SKIP ? " (see server-token.file)" : "");
	buf_release(&why);
	return st == ST_PASS;
}

static void
token_file(const struct node *n, struct check_result *r)
{
	struct check_file f, nt;
	struct buf d = BUF_INIT;

	if (check_skip_agent(n, r))
		return;
	check_stat(n, token_path(n), &f);
	check_describe_file(&d, &f);
	if (f.exists < 0) {
		check_error(r, "%s", f.err);
	} else if (f.exists == 0) {
		check_fail(r, "%s: K3s writes it at first start", d.s);
	} else if (!S_ISREG(f.st.st_mode)) {
		check_fail(r, "%s: the token must be a regular file", d.s);
	} else if (f.st.st_nlink > 1) {
		check_fail(r, "%s has %ju hard links: its other names (perhaps outside the root) "
		    "share the token", d.s, (uintmax_t)f.st.st_nlink);
	} else {
		check_stat(n, node_data_path(n, "server/node-token"), &nt);
		if (nt.exists == 1 && !(S_ISLNK(nt.st.st_mode) &&
		    (!strcmp(nt.target, "token") || !strcmp(nt.target, token_path(n))))) {
			buf_reset(&d);
			check_describe_file(&d, &nt);
			check_fail(r, "%s: K3s keeps node-token as a symlink to token", d.s);
		} else if (nt.exists < 0) {
			check_error(r, "%s", nt.err);
		} else {
			check_pass(r, "%s", d.s);
		}
	}
	buf_release(&d);
}

/* Mode/owner of a regular file or directory; want: allowed permission bits. */
static void
mode_owner(const struct node *n, struct check_result *r, const char *path, mode_t allowed,
    int owner)
{
	struct check_file f;
	struct buf d = BUF_INIT;

	check_stat(n, path, &f);
	check_describe_file(&d, &f);
	if (f.exists < 0)
		check_error(r, "%s", f.err);
	else if (f.exists == 0)
		check_skip(r, "%s", d.s);
	else if (!S_ISREG(f.st.st_mode))
		check_skip(r, "%s: not a regular file (see server-token.file)", d.s);
	else if (!owner && (f.st.st_mode & 07777 & ~allowed))
		check_fail(r, "%s: group or others can access the token", d.s);
	else if (owner && f.st.st_uid != 0)
		check_fail(r, "%s: not owned by root", d.s);
	else
		check_pass(r, "%s", d.s);
	buf_release(&d);
}

static void
token_mode(const struct node *n, struct check_result *r)
{
	if (!check_skip_agent(n, r))
		mode_owner(n, r, token_path(n), 0600, 0);
}

static void
token_owner(const struct node *n, struct check_result *r)
{
	if (!check_skip_agent(n, r))
		mode_owner(n, r, token_path(n), 0600, 1);
}

static void
token_form(const struct node *n, struct check_result *r)
{
	struct buf text = BUF_INIT, d = BUF_INIT;
	struct token_info t;

	if (check_skip_agent(n, r))
		return;
	if (load_token(n, r, &text, &t)) {
		token_describe(&t, &d);
		if (t.form == TOKEN_SECURE)
			check_pass(r, "'%s' holds a %s", token_path(n), d.s);
		else
			check_fail(r, "'%s' holds a %s: joining nodes cannot verify the server CA",
			    token_path(n), d.s);
	}
	explicit_bzero(&t, sizeof(t));
	buf_wipe(&text);
	buf_release(&d);
}

/*
 * sha256 hex of the CA file as K3s hashes it: the file's bytes when it
 * holds one certificate, the DER of the last certificate of a bundle.
 * -1 with a message in err when the file holds no certificate.
 */
static int
ca_hash(const struct buf *pem, const char *path, char out[65], struct buf *err)
{
	BIO *bio;
	X509 *x, *last = NULL;
	int count = 0, ret = -1;
	unsigned char *der = NULL;
	int len;

	bio = BIO_new_mem_buf(pem->s, (int)pem->len);
	if (!bio)
		fatal("out of memory");
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		X509_free(last);
		last = x;
		count++;
	}
	BIO_free(bio);
	if (!count) {
		buf_addf(err, "'%s' holds no PEM certificate", path);
		goto out;
	}
	if (count == 1) {
		sha256_hex(pem->s, pem->len, out);
		ret = 0;
		goto out;
	}
	if ((len = i2d_X509(last, &der)) <= 0) {
		buf_addf(err, "'%s': cannot encode its last certificate", path);
		goto out;
	}
	sha256_hex(der, (size_t)len, out);
	ret = 0;
out:
	OPENSSL_free(der);
	X509_free(last);
	return ret;
}

static void
token_ca_hash(const struct node *n, struct check_result *r)
{
	struct buf text = BUF_INIT, pem = BUF_INIT, err = BUF_INIT;
	struct token_info t;
	char want[65];
	const char *ca = node_data_path(n, "server/tls/server-ca.crt");
	char *ca_copy = xstrdup(ca);

	if (check_skip_agent(n, r) || !load_token(n, r, &text, &t))
		goto out;
	if (t.form != TOKEN_SECURE) {
		check_skip(r, "short-form token: it carries no CA hash (see server-token.form)");
		goto out;
	}
	if (check_read(ca_copy, CONFIG_MAX, &pem, &err) != ST_PASS) {
		check_error(r, "%s", err.s);
		goto out;
	}
	if (ca_hash(&pem, ca_copy, want, &err) < 0) {
		check_error(r, "%s", err.s);
		goto out;
	}
	if (!strcmp(want, t.ca_hash))
		check_pass(r, "token CA hash %.12s... equals sha256 of '%s'", t.ca_hash, ca_copy);
	else
		check_fail(r, "token CA hash %.12s... but sha256 of '%s' is %.12s...: joining nodes will refuse this server",
		    t.ca_hash, ca_copy, want);
out:
	explicit_bzero(&t, sizeof(t));
	buf_wipe(&text);
	buf_release(&pem);
	buf_release(&err);
	free(ca_copy);
}

/* 1 when value is (or carries) the same password as the server token. */
static int
same_password(const struct token_info *server, const char *value)
{
	struct token_info t;
	int same;

	if (token_parse(value, strlen(value), &t) < 0)
		return 0;
	same = t.password_len == server->password_len &&
	    ct_equal(t.password, server->password, t.password_len);
	explicit_bzero(&t, sizeof(t));
	return same;
}

static void
token_plaintext(const struct node *n, struct check_result *r)
{
	static const char *const opts[] = { "token", "agent-token" };
	struct buf text = BUF_INIT, found = BUF_INIT;
	struct token_info server;
	struct token_hit *hits;
	size_t k, nfound = 0;
	int have_server = 0;

	memset(&server, 0, sizeof(server));
	if (check_skip_agent(n, r))
		return;
	if (check_options_failed(n, r))
		return;
	{
		struct check_result tmp;

		check_result_init(&tmp);
		have_server = load_token(n, &tmp, &text, &server);
		check_result_release(&tmp);
	}
	k = check_token_hits(n, opts, ARRAY_SIZE(opts), &hits);
	for (size_t i = 0; i < k; i++) {
		/* on a server, "token" is the server token; agent-token only if it is the same */
		if (strcmp(hits[i].opt, "token") != 0 &&
		    !(have_server && same_password(&server, hits[i].value)))
			continue;
		if (nfound++)
			buf_adds(&found, "; ");
		check_describe_hit(&found, &hits[i]);
	}
	if (nfound)
		check_fail(r, "the server token is written in plain text: %s", found.s);
	else
		check_pass(r, "no server token in config files, unit ExecStart=/Environment= or env files");
	free(hits);
	explicit_bzero(&server, sizeof(server));
	buf_wipe(&text);
	buf_release(&found);
}

static void
cred_mode(const struct node *n, struct check_result *r)
{
	struct check_file dir, pw;
	struct buf bad = BUF_INIT;

	if (check_skip_agent(n, r))
		return;
	check_stat(n, node_data_path(n, "server/cred"), &dir);
	check_stat(n, node_data_path(n, "server/cred/passwd"), &pw);
	if (dir.exists < 0 || pw.exists < 0) {
		check_error(r, "%s", dir.exists < 0 ? dir.err : pw.err);
		return;
	}
	if (dir.exists == 0) {
		check_fail(r, "'%s' is missing: K3s keeps the real credentials there", dir.path);
		return;
	}
	if (!S_ISDIR(dir.st.st_mode) || (dir.st.st_mode & 077) || dir.st.st_uid != 0) {
		check_describe_file(&bad, &dir);
		buf_adds(&bad, " must be a directory 0700 owned by root");
	}
	if (pw.exists == 1 && (!S_ISREG(pw.st.st_mode) || (pw.st.st_mode & 077) ||
	    pw.st.st_uid != 0)) {
		if (bad.len)
			buf_adds(&bad, "; ");
		check_describe_file(&bad, &pw);
		buf_adds(&bad, " must be a regular file 0600 owned by root");
	}
	if (bad.len)
		check_fail(r, "%s", bad.s);
	else if (pw.exists == 0)
		check_pass(r, "'%s' is 0700 root (no passwd file yet)", dir.path);
	else
		check_pass(r, "'%s' 0700 root, passwd 0600 root", dir.path);
	buf_release(&bad);
}

const struct check checks_server_token[] = {
	{ "server-token.file", "server-token", SEV_HIGH,
	  "server/token is a regular file (node-token a symlink to it)",
	  token_file,
	  "If server/token is a symlink or missing, find out who changed it: K3s writes it as a "
	  "regular file 0600 and keeps server/node-token as a symlink to it.",
	  "The server token file is a regular file.",
	  "The server token file is missing or not a regular file.", REACH_ROOT },
	{ "server-token.file-mode", "server-token", SEV_HIGH,
	  "server/token is mode 0600 (no group or other access)",
	  token_mode,
	  "chmod 0600 /var/lib/rancher/k3s/server/token (or run 'k3sguard fix').",
	  "Token file permissions are restrictive (0600).",
	  "Token file permission verification: server/token is readable by group or others.", REACH_ROOT },
	{ "server-token.file-owner", "server-token", SEV_HIGH,
	  "server/token is owned by root",
	  token_owner,
	  "chown root:root /var/lib/rancher/k3s/server/token (or run 'k3sguard fix').",
	  "The token file is owned by root.",
	  "The token file is owned by a non-root user.", REACH_ROOT },
	{ "server-token.form", "server-token", SEV_HIGH,
	  "The server token is in the secure form (K10<CA hash>::server:<password>)",
	  token_form,
	  "Use the secure token form so joining nodes pin the cluster CA; rotate with "
	  "'k3sguard token rotate' (the seed's delete-and-restart recipe rotates nothing: K3s "
	  "rewrites the same token from cred/passwd).",
	  "The server token pins the cluster CA (secure form).",
	  "The server token is in the short form: joining nodes cannot verify the server CA.", REACH_ROOT },
	{ "server-token.ca-hash", "server-token", SEV_HIGH,
	  "The token's CA hash matches server/tls/server-ca.crt",
	  token_ca_hash,
	  "The token pins a different CA than the server serves: regenerate the secure token "
	  "for the current CA (k3sguard token rotate) and hand it to joining nodes.",
	  "The token's CA hash matches the cluster CA.",
	  "The token's CA hash does not match the cluster CA.", REACH_ROOT },
	{ "server-token.plaintext", "server-token", SEV_CRITICAL,
	  "The server token is not written in plain text in configs, units or env files",
	  token_plaintext,
	  "Remove token:/K3S_TOKEN/--token from config.yaml, drop-ins, the unit's ExecStart= and "
	  "env files; keep it in a secret store (k3sguard token store) and give K3s a token-file "
	  "(0600 root) instead.",
	  "The server token is kept out of configs, units and env files.",
	  "The server token is stored in plain text in configs, units or env files: move it to secrets management.", REACH_ROOT },
	{ "server-token.cred-mode", "server-token", SEV_HIGH,
	  "server/cred/ is 0700 root and cred/passwd 0600 root",
	  cred_mode,
	  "chmod 0700 /var/lib/rancher/k3s/server/cred; chmod 0600 "
	  "/var/lib/rancher/k3s/server/cred/passwd; both owned by root (or run 'k3sguard fix').",
	  "The credentials directory (cred/) is private.",
	  "The credentials directory cred/ or cred/passwd is accessible to others.", REACH_ROOT },
	{ "server-token.kubeconfig-mode", "server-token", SEV_HIGH,
	  "The admin kubeconfig K3s writes is 0600 root (write-kubeconfig-mode grants no group or other access)",
	  check_kubeconfig_mode,
	  "Set write-kubeconfig-mode: \"0600\" (or remove it) in /etc/rancher/k3s/config.yaml and "
	  "chmod 0600 /etc/rancher/k3s/k3s.yaml (or run 'k3sguard fix' for the file): the admin "
	  "kubeconfig holds cluster-admin credentials, as strong as the token.",
	  "The admin kubeconfig is private (0600 root).",
	  "The admin kubeconfig (write-kubeconfig-mode or the file) is readable by group or others.", REACH_ROOT },
	{ "server-token.cred-files", "server-token", SEV_HIGH,
	  "Every file under server/cred/ (admin, controller, scheduler, supervisor kubeconfigs, passwd) is 0600 root",
	  check_cred_files,
	  "chmod 0600 and chown root:root every file under /var/lib/rancher/k3s/server/cred "
	  "(or run 'k3sguard fix').",
	  "The kubeconfigs and passwd under cred/ are private.",
	  "Files under cred/ (kubeconfigs, passwd) are accessible to group or others, or not owned by root.", REACH_ROOT },
	{ "server-token.tls-keys", "server-token", SEV_HIGH,
	  "Every private key under server/tls/ is 0600 root, and its directories are root-owned "
	  "and not group/other-writable",
	  check_tls_keys,
	  "chmod 0600 and chown root:root /var/lib/rancher/k3s/server/tls/*.key (and below: etcd/) "
	  "(or run 'k3sguard fix'): the CA keys sign any identity.",
	  "The cluster's private keys under tls/ are private.",
	  "Private keys under tls/ are accessible to group or others, or not owned by root.", REACH_ROOT },
	{ "server-token.stored", "server-token", SEV_MEDIUM,
	  "The server token is in the secret store and matches server/token",
	  check_token_stored,
	  "Run 'k3sguard token store' (and keep the store's master key or helper safe); after "
	  "a change outside k3sguard, run it again so the store matches the node.",
	  "The server token is kept in the secret store, and it matches the node.",
	  "The server token is not in the secret store, or the store's copy differs.", REACH_ROOT },
	{ "server-token.rotation-age", "server-token", SEV_MEDIUM,
	  "The server token was rotated within the policy (policy.token-max-age-days, default 90)",
	  check_token_rotation_age,
	  "Rotate with 'k3sguard token rotate' (K3s's token endpoint; crash-safe, resumable), "
	  "then give the new token to the other servers and the agents that joined with it.",
	  "The server token is rotated regularly.",
	  "No regular server token rotation: the token is older than the policy or was never rotated.", REACH_ROOT },
	{ "server-token.rotate-capable", "server-token", SEV_MEDIUM,
	  "K3s can rotate the server token (v1.28.3+, 1.27.7+, 1.26.10+, 1.25.15+)",
	  check_token_rotate_capable,
	  "Upgrade K3s: older versions cannot rotate the server token at all, and the seed's "
	  "delete-token-and-restart recipe rotates nothing (K3s rewrites it from cred/passwd).",
	  "The installed K3s can rotate its server token.",
	  "The installed K3s is too old to rotate its server token.", REACH_ROOT },
};
const size_t nchecks_server_token = ARRAY_SIZE(checks_server_token);
