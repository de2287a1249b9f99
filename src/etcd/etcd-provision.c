/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-provision.c: `k3sguard etcd provision`: per member a bundle that
 * provisions it on its host: its certificates and keys, an etcd
 * configuration file (for etcd --config-file), a hardened systemd unit and
 * an install script.
 *
 * The configuration turns on mutual TLS on both ports (client-cert-auth,
 * trusted CA, no auto-TLS) and https URLs only.  Every member's server and
 * peer certificates are checked first: they must chain to the CA, match
 * their keys, and carry the member's address as a SAN; otherwise nothing
 * is written.
 */
#include "core/k3sguard.h"
#include "etcd/etcd-cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Paths go into YAML, a unit and a shell script: keep them plain. */
static int
plain_path(const char *what, const char *p)
{
	if (p[0] != '/')
		return error("%s '%s' must be an absolute path", what, p);
	if (strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789/._+-@") != strlen(p) || strstr(p, "/../") ||
	    ends_with(p, "/.."))
		return error("%s '%s' has characters other than letters, digits "
		    "and /._+-@", what, p);
	return 0;
}

static void
subst_name(struct buf *out, const char *tmpl, const char *name)
{
	buf_reset(out);
	for (const char *p = tmpl; *p; p++) {
		if (p[0] == '%' && p[1] == 'n') {
			buf_adds(out, name);
			p++;
		} else {
			buf_addch(out, *p);
		}
	}
}

static int
check_member_certs(const char *pki, const struct member_spec *m)
{
	static const char *const kinds[] = { "server", "peer" };

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		struct pki_info in;
		const char *crt = pki_path(pki, "members/%s/%s.crt", m->name, kinds[i]);
		const char *key = pki_path(pki, "members/%s/%s.key", m->name, kinds[i]);
		char crtc[PATH_MAX];
		int found = 0;

		snprintf(crtc, sizeof(crtc), "%s", crt);
		if (pki_inspect(crtc, pki_path(pki, PKI_CA_CERT), key, &in) < 0)
			return error("member '%s': no usable %s certificate in '%s' "
			    "(run 'etcd pki issue --member')", m->name, kinds[i], pki);
		for (size_t j = 0; j < in.sans.nip; j++)
			found |= !strcmp(in.sans.ip[j], m->addrs[0]);
		for (size_t j = 0; j < in.sans.ndns; j++)
			found |= !strcasecmp(in.sans.dns[j], m->addrs[0]);
		int ok = in.chain_ok && in.key_matches && in.server_auth &&
		    in.client_auth;
		if (!in.chain_ok)
			error("'%s' does not verify against the CA: %s", crtc,
			    in.chain_err);
		else if (!in.key_matches)
			error("%s", in.key_err);
		else if (!(in.server_auth && in.client_auth))
			error("'%s' lacks extended key usage serverAuth or clientAuth",
			    crtc);
		else if (!found)
			error("'%s' has no subject alternative name for '%s'", crtc,
			    m->addrs[0]);
		pki_info_free(&in);
		if (!ok || !found)
			return -1;
	}
	return 0;
}

static int
copy_file(const char *from, const char *to, mode_t mode, int dry_run)
{
	struct buf b = BUF_INIT;
	int r;

	if (dry_run) {
		printf("would copy %s to %s (mode %04o)\n", from, to, (unsigned)mode);
		return 0;
	}
	if (file_read(from, 1u << 20, &b, NULL) < 0)
		return -1;
	r = file_write_atomic(to, b.s, b.len, mode);
	buf_wipe(&b);
	return r;
}

static int
emit(const char *path, const struct buf *content, mode_t mode, int dry_run)
{
	if (dry_run) {
		printf("would write %s (mode %04o):\n", path, (unsigned)mode);
		fwrite(content->s, 1, content->len, stdout);
		return 0;
	}
	return file_write_atomic(path, content->s, content->len, mode);
}

void
etcd_provision_defaults(struct provision_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cert_dir = "/etc/etcd/k3sguard";
	o->data_dir = "/var/lib/etcd/k3sguard";
	o->user = "etcd";
	o->etcd_bin = "/usr/bin/etcd";
}

/* What every member's bundle shares, worked out before anything is written. */
struct plan {
	const struct provision_opts *o;
	struct buf cluster;	/* initial-cluster */
	char token[40];		/* initial-cluster-token: from the CA's fingerprint */
};

/* One member's bundle as it will be written. */
struct bundle {
	const struct member_spec *m;
	char dir[PATH_MAX];		/* OUT/NAME */
	struct buf cd, dd, curl, purl;	/* cert dir, data dir, client and peer URL */
};

/* Check every member's certificates and paths; the cluster line and token. */
static int
plan_provision(struct plan *p)
{
	const struct provision_opts *o = p->o;
	struct buf cd = BUF_INIT, dd = BUF_INIT;
	char fp[65];
	int r = -1;

	if (pki_cert_fingerprint(pki_path(o->pki, PKI_CA_CERT), fp) < 0)
		return -1;
	snprintf(p->token, sizeof(p->token), "k3sguard-%.16s", fp);
	for (size_t i = 0; i < o->nms; i++) {
		if (check_member_certs(o->pki, &o->ms[i]) < 0)
			goto done;
		subst_name(&cd, o->cert_dir, o->ms[i].name);
		subst_name(&dd, o->data_dir, o->ms[i].name);
		if (plain_path("--cert-dir", cd.s) < 0 ||
		    plain_path("--etcd-data-dir", dd.s) < 0)
			goto done;
		buf_addf(&p->cluster, "%s%s=", i ? "," : "", o->ms[i].name);
		url_for(&p->cluster, o->ms[i].addrs[0], o->ms[i].peer_port);
	}
	r = 0;
done:
	buf_release(&cd);
	buf_release(&dd);
	return r;
}

static void
bundle_init(struct bundle *b, const struct plan *p, const struct member_spec *m)
{
	memset(b, 0, sizeof(*b));
	b->m = m;
	b->cd = b->dd = b->curl = b->purl = (struct buf)BUF_INIT;
	snprintf(b->dir, sizeof(b->dir), "%s", pki_path(p->o->out, "%s", m->name));
	subst_name(&b->cd, p->o->cert_dir, m->name);
	subst_name(&b->dd, p->o->data_dir, m->name);
	url_for(&b->curl, m->addrs[0], m->client_port);
	url_for(&b->purl, m->addrs[0], m->peer_port);
}

static void
bundle_free(struct bundle *b)
{
	buf_release(&b->cd);
	buf_release(&b->dd);
	buf_release(&b->curl);
	buf_release(&b->purl);
}

/* The CA certificate and the member's certificates and keys. */
static int
write_certs(const struct plan *p, const struct bundle *b)
{
	static const char *const files[] = {
		"server.crt", "server.key", "peer.crt", "peer.key"
	};
	int dry_run = p->o->dry_run;

	if (copy_file(pki_path(p->o->pki, PKI_CA_CERT), pki_path(b->dir, "ca.crt"),
	    0644, dry_run) < 0)
		return -1;
	for (size_t j = 0; j < ARRAY_SIZE(files); j++) {
		char from[PATH_MAX];

		snprintf(from, sizeof(from), "%s",
		    pki_path(p->o->pki, "members/%s/%s", b->m->name, files[j]));
		if (copy_file(from, pki_path(b->dir, "%s", files[j]),
		    ends_with(files[j], ".key") ? 0600 : 0644, dry_run) < 0)
			return -1;
	}
	return 0;
}

/* etcd.conf.yml: etcd --config-file. */
static int
write_config(const struct plan *p, const struct bundle *b)
{
	const char *cd = b->cd.s, *name = b->m->name;
	struct buf f = BUF_INIT;
	int r;

	buf_addf(&f,
	    "# etcd member %s, written by k3sguard etcd provision.\n"
	    "# Mutual TLS on the client and the peer port; https only.\n"
	    "name: '%s'\n"
	    "data-dir: '%s'\n"
	    "listen-client-urls: '%s'\n"
	    "advertise-client-urls: '%s'\n"
	    "listen-peer-urls: '%s'\n"
	    "initial-advertise-peer-urls: '%s'\n"
	    "initial-cluster: '%s'\n"
	    "initial-cluster-token: '%s'\n"
	    "initial-cluster-state: 'new'\n"
	    "enable-v2: false\n"
	    "logger: zap\n"
	    "log-outputs: [stderr]\n"
	    "client-transport-security:\n"
	    "  cert-file: '%s/server.crt'\n"
	    "  key-file: '%s/server.key'\n"
	    "  trusted-ca-file: '%s/ca.crt'\n"
	    "  client-cert-auth: true\n"
	    "  auto-tls: false\n"
	    "peer-transport-security:\n"
	    "  cert-file: '%s/peer.crt'\n"
	    "  key-file: '%s/peer.key'\n"
	    "  trusted-ca-file: '%s/ca.crt'\n"
	    "  client-cert-auth: true\n"
	    "  auto-tls: false\n",
	    name, name, b->dd.s, b->curl.s, b->curl.s, b->purl.s, b->purl.s,
	    p->cluster.s, p->token, cd, cd, cd, cd, cd, cd);
	r = emit(pki_path(b->dir, "etcd.conf.yml"), &f, 0644, p->o->dry_run);
	buf_release(&f);
	return r;
}

/* k3sguard-etcd.service: the hardened unit. */
static int
write_unit(const struct plan *p, const struct bundle *b)
{
	const char *user = p->o->user;
	struct buf f = BUF_INIT;
	int r;

	buf_addf(&f,
	    "# etcd member %s, written by k3sguard etcd provision.\n"
	    "[Unit]\n"
	    "Description=etcd member %s (k3sguard)\n"
	    "Documentation=man:k3sguard(1)\n"
	    "After=network-online.target\n"
	    "Wants=network-online.target\n"
	    "\n"
	    "[Service]\n"
	    "Type=notify\n"
	    "User=%s\n"
	    "Group=%s\n"
	    "ExecStart=%s --config-file %s/etcd.conf.yml\n"
	    "Restart=on-failure\n"
	    "RestartSec=5s\n"
	    "LimitNOFILE=65536\n"
	    "UMask=0077\n"
	    "NoNewPrivileges=yes\n"
	    "ProtectSystem=strict\n"
	    "ReadWritePaths=%s\n"
	    "ProtectHome=yes\n"
	    "PrivateTmp=yes\n"
	    "PrivateDevices=yes\n"
	    "ProtectKernelTunables=yes\n"
	    "ProtectKernelModules=yes\n"
	    "ProtectKernelLogs=yes\n"
	    "ProtectControlGroups=yes\n"
	    "ProtectClock=yes\n"
	    "ProtectHostname=yes\n"
	    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX\n"
	    "RestrictNamespaces=yes\n"
	    "RestrictRealtime=yes\n"
	    "RestrictSUIDSGID=yes\n"
	    "LockPersonality=yes\n"
	    "CapabilityBoundingSet=\n"
	    "SystemCallArchitectures=native\n"
	    "\n"
	    "[Install]\n"
	    "WantedBy=multi-user.target\n",
	    b->m->name, b->m->name, user, user, p->o->etcd_bin, b->cd.s, b->dd.s);
	r = emit(pki_path(b->dir, "k3sguard-etcd.service"), &f, 0644, p->o->dry_run);
	buf_release(&f);
	return r;
}

/* install.sh: run on the member. */
static int
write_installer(const struct plan *p, const struct bundle *b)
{
	const char *user = p->o->user, *cd = b->cd.s, *dd = b->dd.s;
	struct buf f = BUF_INIT;
	int r;

	buf_addf(&f,
	    "#!/bin/sh\n"
	    "# Install etcd member %s on this host (run as root from this\n"
	    "# directory).  Written by k3sguard etcd provision.\n"
	    "set -eu\n"
	    "cd \"$(dirname \"$0\")\"\n"
	    "id -u %s >/dev/null 2>&1 || useradd --system --home-dir %s "
	    "--shell /usr/sbin/nologin %s\n"
	    "install -d -m 0750 -o root -g %s %s\n"
	    "install -m 0644 -o root -g root ca.crt server.crt peer.crt "
	    "etcd.conf.yml %s/\n"
	    "install -m 0600 -o %s -g %s server.key peer.key %s/\n"
	    "install -d -m 0700 -o %s -g %s %s\n"
	    "install -m 0644 -o root -g root k3sguard-etcd.service "
	    "/etc/systemd/system/k3sguard-etcd.service\n"
	    "systemctl daemon-reload\n"
	    "systemctl enable --now k3sguard-etcd.service\n",
	    b->m->name, user, dd, user, user, cd, cd, user, user, cd,
	    user, user, dd);
	r = emit(pki_path(b->dir, "install.sh"), &f, 0700, p->o->dry_run);
	buf_release(&f);
	return r;
}

static int
write_bundle(const struct plan *p, const struct member_spec *m)
{
	struct bundle b;
	int r = -1;

	bundle_init(&b, p, m);
	if (!p->o->dry_run && mkdir_p(b.dir, 0700) < 0)
		goto done;
	if (write_certs(p, &b) < 0 || write_config(p, &b) < 0 ||
	    write_unit(p, &b) < 0 || write_installer(p, &b) < 0)
		goto done;
	if (!p->o->dry_run)
		printf("wrote %s/ (client %s, peer %s)\n", b.dir, b.curl.s, b.purl.s);
	r = 0;
done:
	bundle_free(&b);
	return r;
}

int
etcd_provision(const struct provision_opts *o)
{
	struct plan p = { o, BUF_INIT, "" };
	int ret = EXIT_ERROR;

	if (!valid_member_name(o->user)) {
		error("--user '%s' is not a valid user name", o->user);
		return EXIT_USAGE;
	}
	if (plain_path("--etcd-bin", o->etcd_bin) < 0)
		return EXIT_USAGE;
	/* everything is checked before anything is written */
	if (plan_provision(&p) < 0)
		goto done;
	if (!o->dry_run && mkdir_p(o->out, 0700) < 0)
		goto done;
	for (size_t i = 0; i < o->nms; i++)
		if (write_bundle(&p, &o->ms[i]) < 0)
			goto done;
	ret = EXIT_OK;
done:
	buf_release(&p.cluster);
	return ret;
}
