/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-pki.c: `k3sguard etcd pki init|issue|check`.
 *
 * init writes a new PKI directory (layout in etcd-cli.h): the CA, a server
 * and a peer certificate per member, client certificates CN=root and
 * CN=k3s.  issue adds one member or client later.  check verifies what is
 * there: chains, SANs, EKUs, key/cert pairs, key modes, expiry.
 * Keys are created 0600 and atomically (pki.c); the CA key sits alone in
 * private/ (0700), so a member or K3s bundle never has to include it.
 */
#include "core/k3sguard.h"
#include "etcd/etcd-cli.h"
#include "core/file.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* the SANs of a member's server (or peer) certificate */
static int
member_sans(const struct member_spec *m, int localhost, struct pki_sans *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < m->naddrs; i++)
		if (pki_sans_add(s, m->addrs[i]) < 0)
			return -1;
	if (localhost && (pki_sans_add(s, "localhost") < 0 ||
	    pki_sans_add(s, "127.0.0.1") < 0))
		return -1;
	return 0;
}

static int
issue_member(const char *dir, const struct member_spec *m, int days,
    int localhost, int dry_run)
{
	struct pki_sans server, peer;
	char md[PATH_MAX];
	int ret = -1;

	snprintf(md, sizeof(md), "%s", pki_path(dir, "members/%s", m->name));

	if (member_sans(m, localhost, &server) < 0 || member_sans(m, 0, &peer) < 0)
		goto out;
	if (dry_run) {
		printf("would write %s/server.crt and server.key (CN=%s, serverAuth+"
		    "clientAuth, %zu SANs, %d days)\n", md, m->name,
		    server.nip + server.ndns, days);
		printf("would write %s/peer.crt and peer.key (CN=%s, serverAuth+"
		    "clientAuth, %zu SANs, %d days)\n", md, m->name,
		    peer.nip + peer.ndns, days);
		ret = 0;
		goto out;
	}
	if (mkdir_p(md, 0700) < 0)
		goto out;
	if (pki_issue(pki_path(dir, PKI_CA_CERT), pki_path(dir, PKI_CA_KEY),
	    PKI_SERVER, m->name, &server, days, pki_path(md, "server.crt"),
	    pki_path(md, "server.key")) < 0 ||
	    pki_issue(pki_path(dir, PKI_CA_CERT), pki_path(dir, PKI_CA_KEY),
	    PKI_PEER, m->name, &peer, days, pki_path(md, "peer.crt"),
	    pki_path(md, "peer.key")) < 0)
		goto out;
	printf("wrote %s/{server,peer}.{crt,key} for member %s\n", md, m->name);
	ret = 0;
out:
	pki_sans_free(&server);
	pki_sans_free(&peer);
	return ret;
}

static int
issue_client(const char *dir, const char *cn, int days, int dry_run)
{
	char cd[PATH_MAX];

	snprintf(cd, sizeof(cd), "%s", pki_path(dir, "clients"));

	if (dry_run) {
		printf("would write %s/%s.crt and %s.key (CN=%s, clientAuth, %d days)\n",
		    cd, cn, cn, cn, days);
		return 0;
	}
	if (mkdir_p(cd, 0700) < 0)
		return -1;
	if (pki_issue(pki_path(dir, PKI_CA_CERT), pki_path(dir, PKI_CA_KEY),
	    PKI_CLIENT, cn, NULL, days, pki_path(cd, "%s.crt", cn),
	    pki_path(cd, "%s.key", cn)) < 0)
		return -1;
	printf("wrote %s/%s.{crt,key} (CN=%s)\n", cd, cn, cn);
	return 0;
}

static void
print_flags(const char *dir, const struct member_spec *ms, size_t n)
{
	struct buf cluster = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		buf_addf(&cluster, "%s%s=", i ? "," : "", ms[i].name);
		url_for(&cluster, ms[i].addrs[0], 2380);
	}
	for (size_t i = 0; i < n; i++) {
		const struct member_spec *m = &ms[i];
		char md[PATH_MAX];
		struct buf c = BUF_INIT, p = BUF_INIT;

		snprintf(md, sizeof(md), "%s", pki_path(dir, "members/%s", m->name));

		url_for(&c, m->addrs[0], 2379);
		url_for(&p, m->addrs[0], 2380);
		printf("# member %s: mutual TLS on the client and the peer port\n"
		    "etcd --name %s --data-dir /var/lib/etcd/%s \\\n"
		    "  --listen-client-urls %s --advertise-client-urls %s \\\n"
		    "  --listen-peer-urls %s --initial-advertise-peer-urls %s \\\n"
		    "  --initial-cluster %s --initial-cluster-state new \\\n"
		    "  --client-cert-auth --trusted-ca-file %s/ca.crt \\\n"
		    "  --cert-file %s/server.crt --key-file %s/server.key \\\n"
		    "  --peer-client-cert-auth --peer-trusted-ca-file %s/ca.crt \\\n"
		    "  --peer-cert-file %s/peer.crt --peer-key-file %s/peer.key\n",
		    m->name, m->name, m->name, c.s, c.s, p.s, p.s, cluster.s,
		    dir, md, md, dir, md, md);
		buf_release(&c);
		buf_release(&p);
	}
	buf_release(&cluster);
}

int
etcd_pki_init(const struct pki_init_opts *o)
{
	const char *out = o->out;
	int ret = EXIT_ERROR;
	struct stat st;

	if (path_lstat(pki_path(out, PKI_CA_CERT), &st) == 0 ||
	    path_lstat(pki_path(out, PKI_CA_KEY), &st) == 0) {
		error("'%s' already holds a CA; use 'etcd pki issue' to add to it",
		    out);
		goto done;
	}
	if (o->dry_run) {
		printf("would write %s (CA, CN=k3sguard etcd CA, %d days)\n",
		    pki_path(out, PKI_CA_CERT), o->ca_days);
		printf("would write %s (0600, in a 0700 directory)\n",
		    pki_path(out, PKI_CA_KEY));
	} else {
		if (mkdir_p(out, 0755) < 0 || mkdir_p(pki_path(out, "private"), 0700) < 0 ||
		    mkdir_p(pki_path(out, "members"), 0755) < 0)
			goto done;
		if (pki_create_ca(pki_path(out, PKI_CA_CERT), pki_path(out, PKI_CA_KEY),
		    "k3sguard etcd CA", o->ca_days) < 0)
			goto done;
		printf("wrote %s and %s\n", pki_path(out, PKI_CA_CERT),
		    pki_path(out, PKI_CA_KEY));
	}
	for (size_t i = 0; i < o->nms; i++)
		if (issue_member(out, &o->ms[i], o->days, o->localhost, o->dry_run) < 0)
			goto done;
	for (size_t i = 0; i < o->ncl; i++) {
		int dup = 0;

		for (size_t j = 0; j < i; j++)
			dup |= !strcmp(o->clients[i], o->clients[j]);
		if (!dup && issue_client(out, o->clients[i], o->days, o->dry_run) < 0)
			goto done;
	}
	if (o->start_script)
		print_flags(out, o->ms, o->nms);
	ret = EXIT_OK;
done:
	return ret;
}

int
etcd_pki_issue(const struct pki_issue_opts *o)
{
	const char *dir = o->dir;
	struct stat st;

	if (path_lstat(pki_path(dir, PKI_CA_KEY), &st) < 0) {
		error("no CA key at '%s': run 'etcd pki init' first",
		    pki_path(dir, PKI_CA_KEY));
		return EXIT_ERROR;
	}
	if (!o->force) {
		const char *exists = o->member ?
		    pki_path(dir, "members/%s/server.crt", o->member->name) :
		    pki_path(dir, "clients/%s.crt", o->client);

		if (path_lstat(exists, &st) == 0) {
			error("'%s' exists; use --force to replace it", exists);
			return EXIT_ERROR;
		}
	}
	if (o->member ? issue_member(dir, o->member, o->days, o->localhost, o->dry_run) :
	    issue_client(dir, o->client, o->days, o->dry_run))
		return EXIT_ERROR;
	return EXIT_OK;
}

/* ---- check ---- */

struct checker {
	const char *dir;
	enum out_format fmt;
	json_t *items;
	int failed, warned;
	time_t now;
};

static void
report(struct checker *k, const char *rel, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
report(struct checker *k, const char *rel, const char *status, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (!strcmp(status, "fail"))
		k->failed++;
	else if (!strcmp(status, "warn"))
		k->warned++;
	if (k->fmt == FMT_JSON)
		json_array_append_new(k->items, json_pack("{s:s,s:s,s:s}", "file",
		    rel, "status", status, "detail", msg.s));
	else
		printf("%-4s %s: %s\n", status, rel, msg.s);
	buf_release(&msg);
}

static void
check_one(struct checker *k, const char *rel, enum pki_kind kind,
    const char *want_cn)
{
	struct pki_info in;
	struct buf problems = BUF_INIT;
	const char *cert = pki_path(k->dir, "%s.crt", rel);
	const char *key = kind == PKI_CA ? pki_path(k->dir, PKI_CA_KEY) :
	    pki_path(k->dir, "%s.key", rel);
	char relcrt[300];
	long days_left;

	snprintf(relcrt, sizeof(relcrt), "%s.crt", rel);
	quiet_errors++;
	int r = pki_inspect(cert, pki_path(k->dir, PKI_CA_CERT), key, &in);
	quiet_errors--;
	if (r < 0) {
		report(k, relcrt, "fail", "%s", last_error());
		return;
	}
	if (!in.chain_ok)
		buf_addf(&problems, "%sdoes not verify against ca.crt (%s)",
		    problems.len ? "; " : "", in.chain_err);
	if (!in.key_matches)
		buf_addf(&problems, "%s%s", problems.len ? "; " : "", in.key_err);
	if (kind == PKI_CA && !in.is_ca)
		buf_addf(&problems, "%snot a CA certificate", problems.len ? "; " : "");
	if (kind != PKI_CA && in.is_ca)
		buf_addf(&problems, "%sis a CA certificate", problems.len ? "; " : "");
	if ((kind == PKI_SERVER || kind == PKI_PEER) &&
	    !(in.server_auth && in.client_auth))
		buf_addf(&problems, "%sneeds extended key usages serverAuth AND "
		    "clientAuth (has%s%s)", problems.len ? "; " : "",
		    in.server_auth ? " serverAuth" : "",
		    in.client_auth ? " clientAuth" : (in.server_auth ? "" : " none"));
	if (kind == PKI_CLIENT && !in.client_auth)
		buf_addf(&problems, "%sneeds extended key usage clientAuth",
		    problems.len ? "; " : "");
	if ((kind == PKI_SERVER || kind == PKI_PEER) && in.sans.nip + in.sans.ndns == 0)
		buf_addf(&problems, "%shas no subject alternative names",
		    problems.len ? "; " : "");
	if (want_cn && strcmp(in.cn, want_cn))
		buf_addf(&problems, "%sCN is '%s', expected '%s'",
		    problems.len ? "; " : "", in.cn, want_cn);
	days_left = (long)((in.not_after - k->now) / 86400);
	if (problems.len) {
		report(k, relcrt, "fail", "%s", problems.s);
	} else if (in.not_after <= k->now) {
		report(k, relcrt, "fail", "expired");
	} else if (days_left < PKI_WARN_DAYS) {
		report(k, relcrt, "warn", "CN=%s expires in %ld days", in.cn, days_left);
	} else {
		struct buf sans = BUF_INIT;

		for (size_t i = 0; i < in.sans.nip; i++)
			buf_addf(&sans, "%s%s", sans.len ? "," : "", in.sans.ip[i]);
		for (size_t i = 0; i < in.sans.ndns; i++)
			buf_addf(&sans, "%s%s", sans.len ? "," : "", in.sans.dns[i]);
		report(k, relcrt, "ok", "CN=%s%s%s, %s%s%s, %ld days left", in.cn,
		    sans.len ? ", SANs " : "", sans.s,
		    in.is_ca ? "CA" : "", in.server_auth ? "serverAuth " : "",
		    in.client_auth ? "clientAuth" : "", days_left);
		buf_release(&sans);
	}
	buf_release(&problems);
	pki_info_free(&in);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in dir (no dot files); suffix filter when given (and cut). */
static size_t
list_dir(const char *dir, const char *suffix, char **names, size_t max)
{
	DIR *d = file_opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		if (e->d_name[0] == '.')
			continue;
		if (suffix) {
			if (!ends_with(e->d_name, suffix))
				continue;
			names[n++] = xstrndup(e->d_name, strlen(e->d_name) - strlen(suffix));
		} else {
			names[n++] = xstrdup(e->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	return n;
}

int
etcd_pki_check(const char *dir, enum out_format fmt)
{
	struct checker k;
	char *names[64];
	size_t n;
	struct stat st;

	memset(&k, 0, sizeof(k));
	k.dir = dir;
	k.fmt = fmt;
	k.now = time(NULL);
	if (path_lstat(pki_path(k.dir, PKI_CA_CERT), &st) < 0) {
		error("'%s' has no %s: not a PKI directory from 'etcd pki init'",
		    k.dir, PKI_CA_CERT);
		return EXIT_ERROR;
	}
	k.items = json_array();
	check_one(&k, "ca", PKI_CA, NULL);
	if (path_lstat(pki_path(k.dir, "private"), &st) == 0 && (st.st_mode & 077))
		report(&k, "private/", "fail", "CA key directory is accessible by "
		    "group or others");
	n = list_dir(pki_path(k.dir, "members"), NULL, names, ARRAY_SIZE(names));
	for (size_t i = 0; i < n; i++) {
		char rel[200];

		snprintf(rel, sizeof(rel), "members/%s/server", names[i]);
		check_one(&k, rel, PKI_SERVER, names[i]);
		snprintf(rel, sizeof(rel), "members/%s/peer", names[i]);
		check_one(&k, rel, PKI_PEER, names[i]);
		free(names[i]);
	}
	if (n == 0)
		report(&k, "members/", "warn", "no member certificates");
	n = list_dir(pki_path(k.dir, "clients"), ".crt", names, ARRAY_SIZE(names));
	for (size_t i = 0; i < n; i++) {
		char rel[200];

		snprintf(rel, sizeof(rel), "clients/%s", names[i]);
		check_one(&k, rel, PKI_CLIENT, names[i]);
		free(names[i]);
	}
	if (k.fmt == FMT_JSON) {
		json_t *o = json_pack("{s:s,s:o,s:i,s:i}", "dir", k.dir, "files",
		    k.items, "failed", k.failed, "warnings", k.warned);
		char *s = json_dumps(o, JSON_INDENT(2));

		puts(s);
		free(s);
		json_decref(o);
	} else {
		json_decref(k.items);
		printf("%d failed, %d warnings\n", k.failed, k.warned);
	}
	return k.failed ? EXIT_FINDINGS : EXIT_OK;
}
