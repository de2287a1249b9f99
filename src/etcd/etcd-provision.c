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
#include "cmd/cmd.h"
#include "etcd/etcd-cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_MEMBERS 16

enum {
	OPT_PKI = OPT_ETCD_SUB_FIRST,
	OPT_MEMBER,
	OPT_OUT,
	OPT_CERT_DIR,
	OPT_ETCD_DATA_DIR,
	OPT_USER,
	OPT_ETCD_BIN,
	OPT_DRY_RUN
};

static const char usage[] =
"usage: k3sguard etcd provision --pki DIR --member NAME=ADDR[:CLIENT_PORT:PEER_PORT] ...\n"
"                               --out DIR [--cert-dir DIR] [--etcd-data-dir DIR]\n"
"                               [--user USER] [--etcd-bin PATH] [--dry-run]\n"
"  Write OUT/NAME/ for every member: ca.crt, server.{crt,key}, peer.{crt,key},\n"
"  etcd.conf.yml (etcd --config-file), k3sguard-etcd.service (hardened unit)\n"
"  and install.sh.  Ports default to 2379 (client) and 2380 (peer).\n"
"  --cert-dir      where the files live on the member (default\n"
"                  /etc/etcd/k3sguard; %n is replaced by the member name)\n"
"  --etcd-data-dir the member's data directory (default /var/lib/etcd/k3sguard; %n)\n"
"  --user          the unit's dedicated user (default etcd)\n"
"  --etcd-bin      the etcd binary (default /usr/bin/etcd)\n";

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

int
etcd_cmd_provision(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "pki", required_argument, NULL, OPT_PKI },
		{ "member", required_argument, NULL, OPT_MEMBER },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "cert-dir", required_argument, NULL, OPT_CERT_DIR },
		{ "etcd-data-dir", required_argument, NULL, OPT_ETCD_DATA_DIR },
		{ "user", required_argument, NULL, OPT_USER },
		{ "etcd-bin", required_argument, NULL, OPT_ETCD_BIN },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct member_spec ms[MAX_MEMBERS];
	size_t nms = 0;
	const char *pki = NULL, *out = NULL, *cert_dir = "/etc/etcd/k3sguard";
	const char *data_dir = "/var/lib/etcd/k3sguard", *user = "etcd";
	const char *etcd_bin = "/usr/bin/etcd";
	struct buf cluster = BUF_INIT, cd = BUF_INIT, dd = BUF_INIT, f = BUF_INIT;
	struct buf curl = BUF_INIT, purl = BUF_INIT;
	char fp[65], token[40];
	int dry_run = 0, c, ret = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_PKI: pki = optarg; break;
		case OPT_MEMBER:
			if (nms == MAX_MEMBERS)
				usage_error("at most %d members", MAX_MEMBERS);
			if (member_spec_parse(optarg, 1, &ms[nms]) < 0)
				exit(EXIT_USAGE);
			for (size_t i = 0; i < nms; i++) {
				if (!strcmp(ms[i].name, ms[nms].name))
					usage_error("member '%s' given twice", ms[i].name);
				if (!strcmp(ms[i].addrs[0], ms[nms].addrs[0]) &&
				    (ms[i].client_port == ms[nms].client_port ||
				    ms[i].client_port == ms[nms].peer_port ||
				    ms[i].peer_port == ms[nms].client_port ||
				    ms[i].peer_port == ms[nms].peer_port))
					usage_error("members '%s' and '%s' share an "
					    "address and a port", ms[i].name,
					    ms[nms].name);
			}
			nms++;
			break;
		case OPT_OUT: out = optarg; break;
		case OPT_CERT_DIR: cert_dir = optarg; break;
		case OPT_ETCD_DATA_DIR: data_dir = optarg; break;
		case OPT_USER: user = optarg; break;
		case OPT_ETCD_BIN: etcd_bin = optarg; break;
		case OPT_DRY_RUN: dry_run = 1; break;
		case 'h': print_usage_exit(usage);
		default: bad_option(usage);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!pki || !out || nms == 0)
		usage_error("etcd provision needs --pki DIR, --out DIR and --member "
		    "NAME=ADDR ...");
	if (!valid_member_name(user))
		usage_error("--user '%s' is not a valid user name", user);
	if (plain_path("--etcd-bin", etcd_bin) < 0)
		exit(EXIT_USAGE);

	/* everything is checked before anything is written */
	if (pki_cert_fingerprint(pki_path(pki, PKI_CA_CERT), fp) < 0)
		goto done;
	snprintf(token, sizeof(token), "k3sguard-%.16s", fp);
	for (size_t i = 0; i < nms; i++) {
		if (check_member_certs(pki, &ms[i]) < 0)
			goto done;
		subst_name(&cd, cert_dir, ms[i].name);
		subst_name(&dd, data_dir, ms[i].name);
		if (plain_path("--cert-dir", cd.s) < 0 ||
		    plain_path("--etcd-data-dir", dd.s) < 0)
			goto done;
		buf_addf(&cluster, "%s%s=", i ? "," : "", ms[i].name);
		url_for(&cluster, ms[i].addrs[0], ms[i].peer_port);
	}

	if (!dry_run && mkdir_p(out, 0700) < 0)
		goto done;
	for (size_t i = 0; i < nms; i++) {
		const struct member_spec *m = &ms[i];
		char bd[PATH_MAX];
		static const char *const files[] = {
			"server.crt", "server.key", "peer.crt", "peer.key"
		};

		snprintf(bd, sizeof(bd), "%s", pki_path(out, "%s", m->name));
		subst_name(&cd, cert_dir, m->name);
		subst_name(&dd, data_dir, m->name);
		buf_reset(&curl);
		buf_reset(&purl);
		url_for(&curl, m->addrs[0], m->client_port);
		url_for(&purl, m->addrs[0], m->peer_port);
		if (!dry_run && mkdir_p(bd, 0700) < 0)
			goto done;
		if (copy_file(pki_path(pki, PKI_CA_CERT), pki_path(bd, "ca.crt"),
		    0644, dry_run) < 0)
			goto done;
		for (size_t j = 0; j < ARRAY_SIZE(files); j++) {
			char from[PATH_MAX];

			snprintf(from, sizeof(from), "%s",
			    pki_path(pki, "members/%s/%s", m->name, files[j]));
			if (copy_file(from, pki_path(bd, "%s", files[j]),
			    ends_with(files[j], ".key") ? 0600 : 0644, dry_run) < 0)
				goto done;
		}

		buf_reset(&f);
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
		    m->name, m->name, dd.s, curl.s, curl.s, purl.s, purl.s,
		    cluster.s, token, cd.s, cd.s, cd.s, cd.s, cd.s, cd.s);
		if (emit(pki_path(bd, "etcd.conf.yml"), &f, 0644, dry_run) < 0)
			goto done;

		buf_reset(&f);
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
		    m->name, m->name, user, user, etcd_bin, cd.s, dd.s);
		if (emit(pki_path(bd, "k3sguard-etcd.service"), &f, 0644, dry_run) < 0)
			goto done;

		buf_reset(&f);
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
		    m->name, user, dd.s, user, user, cd.s, cd.s, user, user, cd.s,
		    user, user, dd.s);
		if (emit(pki_path(bd, "install.sh"), &f, 0700, dry_run) < 0)
			goto done;
		if (!dry_run)
			printf("wrote %s/ (client %s, peer %s)\n", bd, curl.s, purl.s);
	}
	ret = EXIT_OK;
done:
	for (size_t i = 0; i < nms; i++)
		member_spec_free(&ms[i]);
	buf_release(&cluster);
	buf_release(&cd);
	buf_release(&dd);
	buf_release(&f);
	buf_release(&curl);
	buf_release(&purl);
	return ret;
}
