/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check-etcd.c: strategy "etcd", an external, highly available, secured
 * datastore (seed: "Externalize and Secure etcd").
 *
 * The seed tells users to pass --etcd-certfile/--etcd-keyfile/--etcd-cafile
 * to K3s.  K3s has no such flags (they are kube-apiserver flags that K3s
 * fills in from --datastore-*): the right names are datastore-cafile,
 * datastore-certfile and datastore-keyfile, and the wrong ones are flagged
 * wherever they appear.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "checks/check.h"
#include "nft/nft.h"
#include "etcd/etcd-audit.h"	/* live checks (etcd engineer) */

/* Skip unless the datastore is external etcd; 1 when r was set. */
static int
need_external_etcd(const struct node *n, struct check_result *r)
{
	if (check_skip_agent(n, r) || check_options_failed(n, r))
		return 1;
	if (n->datastore != DS_EXTERNAL_ETCD) {
		check_skip(r, "datastore is %s, not external etcd (see etcd.datastore-external)",
		    datastore_name(n->datastore));
		return 1;
	}
	return 0;
}

/* The endpoint list, split on commas; returns the count. */
static size_t
endpoints(const char *list, char ***out)
{
	char *copy = xstrdup(list), *save = NULL, *tok;
	size_t k = 0;

	*out = NULL;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		if (!*tok)
			continue;
		*out = xrealloc(*out, (k + 1) * sizeof(**out));
		(*out)[k++] = xstrdup(tok);
	}
	free(copy);
	return k;
}

static void
free_list(char **v, size_t k)
{
	for (size_t i = 0; i < k; i++)
		free(v[i]);
	free(v);
}

/* Print an endpoint without credentials ("https://user:pw@host" -> host only). */
static void
add_endpoint(struct buf *b, const char *ep)
{
	const char *scheme_end = strstr(ep, "://"), *at;

	if (scheme_end && (at = strchr(scheme_end + 3, '@')) &&
	    (!strchr(scheme_end + 3, '/') || at < strchr(scheme_end + 3, '/'))) {
		buf_add(b, ep, (size_t)(scheme_end + 3 - ep));
		buf_adds(b, "<credentials hidden>@");
		buf_add_printable(b, at + 1);
		return;
	}
	buf_add_printable(b, ep);
}

static void
datastore_external(const struct node *n, struct check_result *r)
{
	const struct origin *o = node_origin(n, "datastore-endpoint");

	if (check_skip_agent(n, r) || check_options_failed(n, r))
		return;
	switch (n->datastore) {
	case DS_EXTERNAL_ETCD:
		check_pass(r, "datastore-endpoint at %s names an external etcd cluster",
		    o ? origin_str(o) : "?");
		break;
	case DS_SQLITE:
		check_fail(r, "embedded SQLite (kine) in the K3s data dir: a compromised server owns the datastore");
		break;
	case DS_EMBEDDED_ETCD:
		check_fail(r, "embedded etcd (cluster-init or server/db/etcd): K3s has direct access to it");
		break;
	case DS_EXTERNAL_SQL:
		check_warn(r, "datastore-endpoint at %s is an external SQL database, not etcd",
		    o ? origin_str(o) : "?");
		break;
	default:
		check_error(r, "datastore kind could not be determined");
	}
}

static void
members(const struct node *n, struct check_result *r)
{
	const char *ep;
	char **v;
	size_t k;

	if (check_skip_agent(n, r) || check_options_failed(n, r))
		return;
	if (n->datastore == DS_SQLITE) {
		check_fail(r, "embedded SQLite: one server, a single point of failure");
		return;
	}
	if (n->datastore == DS_EMBEDDED_ETCD) {
		check_warn(r, "embedded etcd: the member count cannot be read from files");
		return;
	}
	if (n->datastore != DS_EXTERNAL_ETCD) {
		check_skip(r, "datastore is %s, not etcd", datastore_name(n->datastore));
		return;
	}
	ep = node_get(n, "datastore-endpoint");
	k = endpoints(ep ? ep : "", &v);
	if (k >= 3)
		check_pass(r, "%zu etcd members in datastore-endpoint at %s", k,
		    origin_str(node_origin(n, "datastore-endpoint")));
	else
		check_fail(r, "only %zu etcd member%s in datastore-endpoint at %s: no quorum survives a failure",
		    k, k == 1 ? "" : "s", origin_str(node_origin(n, "datastore-endpoint")));
	free_list(v, k);
}

static void
endpoint_https(const struct node *n, struct check_result *r)
{
	struct buf bad = BUF_INIT;
	const char *ep;
	char **v;
	size_t k, nbad = 0;

	if (need_external_etcd(n, r))
		return;
	ep = node_get(n, "datastore-endpoint");
	k = endpoints(ep ? ep : "", &v);
	for (size_t i = 0; i < k; i++) {
		if (starts_with(v[i], "https://", NULL))
			continue;
		if (nbad++)
			buf_adds(&bad, ", ");
		add_endpoint(&bad, v[i]);
	}
	if (!k)
		check_fail(r, "datastore-endpoint is empty");
	else if (nbad)
		check_fail(r, "not https at %s: %s", origin_str(node_origin(n, "datastore-endpoint")),
		    bad.s);
	else
		check_pass(r, "all %zu endpoints use https (%s)", k,
		    origin_str(node_origin(n, "datastore-endpoint")));
	buf_release(&bad);
	free_list(v, k);
}

static const char *const tls_opts[] = {
	"datastore-cafile", "datastore-certfile", "datastore-keyfile"
};

static void
tls_flags(const struct node *n, struct check_result *r)
{
	struct buf miss = BUF_INIT;

	if (need_external_etcd(n, r))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(tls_opts); i++) {
		const char *v = node_get(n, tls_opts[i]);

		if (!v || !*v)
			buf_addf(&miss, "%s%s", miss.len ? ", " : "", tls_opts[i]);
	}
	if (miss.len)
		check_fail(r, "not set: %s (no client-certificate authentication to etcd)", miss.s);
	else
		check_pass(r, "datastore-cafile, datastore-certfile and datastore-keyfile set (%s)",
		    origin_str(node_origin(n, "datastore-keyfile")));
	buf_release(&miss);
}

static void
tls_files(const struct node *n, struct check_result *r)
{
	struct buf bad = BUF_INIT;
	struct check_file f;
	int errs = 0, checked = 0;

	if (need_external_etcd(n, r))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(tls_opts); i++) {
		const char *v = node_get(n, tls_opts[i]);

		if (!v || !*v || v[0] != '/')
			continue;
		checked++;
		check_stat(n, v, &f);
		if (f.exists < 0)
			errs++;
		if (f.exists == 1 && S_ISREG(f.st.st_mode) && !gate_shared_outside(&f.st))
			continue;
		buf_addf(&bad, "%s%s ", bad.len ? "; " : "", tls_opts[i]);
		check_describe_file(&bad, &f);
		/* another name of a hard link may be a file outside the image (never read) */
		if (f.exists == 1 && S_ISREG(f.st.st_mode))
			buf_addf(&bad, " has %ju hard links: another name, perhaps outside the "
			    "root, shares it", (uintmax_t)f.st.st_nlink);
	}
	if (!checked)
		check_fail(r, "no datastore TLS file is configured with an absolute path");
	else if (errs)
		check_error(r, "%s", bad.s);
	else if (bad.len)
		check_fail(r, "%s", bad.s);
	else
		check_pass(r, "%d datastore TLS file%s present as regular files", checked,
		    checked == 1 ? "" : "s");
	buf_release(&bad);
}

static void
key_mode(const struct node *n, struct check_result *r)
{
	struct buf d = BUF_INIT;
	struct check_file f;
	const char *v;

	if (need_external_etcd(n, r))
		return;
	v = node_get(n, "datastore-keyfile");
	if (!v || v[0] != '/') {
		check_fail(r, "datastore-keyfile is not set (see etcd.tls-flags)");
		return;
	}
	check_stat(n, v, &f);
	check_describe_file(&d, &f);
	if (f.exists < 0)
		check_error(r, "%s", f.err);
	else if (f.exists == 0 || !S_ISREG(f.st.st_mode))
		check_fail(r, "%s: not a regular file", d.s);
	else if ((f.st.st_mode & 077) || f.st.st_uid != 0)
		check_fail(r, "%s: the etcd client key must be 0600 and owned by root", d.s);
	else
		check_pass(r, "%s", d.s);
	buf_release(&d);
}

/* The names the seed uses, and the K3s names that replace them. */
static const struct {
	const char *wrong, *env, *right;
} wrong_names[] = {
	{ "etcd-cafile", "K3S_ETCD_CAFILE", "datastore-cafile" },
	{ "etcd-certfile", "K3S_ETCD_CERTFILE", "datastore-certfile" },
	{ "etcd-keyfile", "K3S_ETCD_KEYFILE", "datastore-keyfile" },
};

static void
add_wrong(struct buf *b, const char *wrong, const char *right, const char *where)
{
	buf_addf(b, "%s%s at %s (use %s)", b->len ? "; " : "", wrong, where, right);
}

static void
wrong_flag_names(const struct node *n, struct check_result *r)
{
	struct buf found = BUF_INIT, at = BUF_INIT;

	if (check_options_failed(n, r))
		return;
	for (size_t w = 0; w < ARRAY_SIZE(wrong_names); w++) {
		const struct kopt *o = node_opt(n, wrong_names[w].wrong);

		for (size_t i = 0; o && i < o->nseen; i++)
			add_wrong(&found, wrong_names[w].wrong, wrong_names[w].right,
			    origin_str(&o->seen[i].where));
		if (o && o->nseen)
			continue;
		/* in case the node model kept no option for an unknown flag */
		for (size_t u = 0; u < n->nunits; u++) {
			for (size_t a = 0; a < n->units[u].argc; a++) {
				const char *arg = n->units[u].argv[a], *rest;

				if (starts_with(arg, "--", &rest) &&
				    starts_with(rest, wrong_names[w].wrong, &rest) &&
				    (*rest == '\0' || *rest == '=')) {
					buf_reset(&at);
					buf_addf(&at, "%s:%d", n->units[u].path, n->units[u].exec_line);
					add_wrong(&found, wrong_names[w].wrong, wrong_names[w].right, at.s);
				}
			}
		}
		for (size_t e = 0; e < n->nenvfiles; e++) {
			for (size_t i = 0; i < n->envfiles[e].n; i++) {
				if (strcmp(n->envfiles[e].vars[i].name, wrong_names[w].env))
					continue;
				buf_reset(&at);
				buf_addf(&at, "%s:%d", n->envfiles[e].path, n->envfiles[e].vars[i].line);
				add_wrong(&found, wrong_names[w].env, wrong_names[w].right, at.s);
			}
		}
	}
	if (found.len)
		check_fail(r, "K3s has no such option: %s", found.s);
	else
		check_pass(r, "no etcd-cafile/etcd-certfile/etcd-keyfile (not K3s options) in configs, units or env files");
	buf_release(&found);
	buf_release(&at);
}

const struct check checks_etcd[] = {
	{ "etcd.datastore-external", "etcd", SEV_CRITICAL,
	  "The datastore is an external etcd cluster, not embedded in K3s",
	  datastore_external,
	  "Provision an external etcd cluster and point K3s at it: datastore-endpoint: "
	  "https://etcd-1:2379,https://etcd-2:2379,https://etcd-3:2379 in /etc/rancher/k3s/config.yaml "
	  "(an existing cluster's data must be migrated: see 'k3sguard etcd datastore-config').",
	  "External etcd provisioned; K3s configured to use it.",
	  "The datastore is embedded in K3s: externalize it to an etcd cluster.", REACH_ROOT },
	{ "etcd.members", "etcd", SEV_HIGH,
	  "The etcd cluster has at least 3 members (no single point of failure)",
	  members,
	  "List at least 3 etcd members (an odd number) in datastore-endpoint, comma-separated.",
	  "The datastore has at least 3 members.",
	  "The datastore is a single point of failure: run at least 3 etcd members.", REACH_ROOT },
	{ "etcd.endpoint-https", "etcd", SEV_HIGH,
	  "Every datastore endpoint uses https",
	  endpoint_https,
	  "Serve etcd's client URLs over TLS and write every endpoint as https://HOST:2379.",
	  "Datastore traffic is encrypted (https endpoints).",
	  "Some datastore endpoints are plain http: enable TLS on etcd's client URLs.", REACH_ROOT },
	{ "etcd.tls-flags", "etcd", SEV_HIGH,
	  "K3s authenticates to etcd with a client certificate (datastore-cafile/certfile/keyfile)",
	  tls_flags,
	  "Set datastore-cafile, datastore-certfile and datastore-keyfile in the K3s config, and "
	  "enable client-certificate authentication on etcd (--client-cert-auth).",
	  "etcd client-certificate authentication configured (datastore-cafile/certfile/keyfile).",
	  "etcd client-certificate authentication is not configured: set datastore-cafile, datastore-certfile, datastore-keyfile.", REACH_ROOT },
	{ "etcd.tls-files", "etcd", SEV_HIGH,
	  "The datastore CA, certificate and key files exist",
	  tls_files,
	  "Create the files named by datastore-cafile/certfile/keyfile (k3sguard etcd pki).",
	  "The datastore TLS files are in place.",
	  "Datastore TLS files named in the config are missing or not regular files.", REACH_ROOT },
	{ "etcd.key-mode", "etcd", SEV_HIGH,
	  "The etcd client key is 0600 and owned by root",
	  key_mode,
	  "chown root:root KEYFILE && chmod 0600 KEYFILE (the file named by datastore-keyfile).",
	  "The etcd client key is private (0600 root).",
	  "The etcd client key is readable by others or not owned by root.", REACH_ROOT },
	{ "etcd.wrong-flag-names", "etcd", SEV_MEDIUM,
	  "No etcd-cafile/etcd-certfile/etcd-keyfile options (K3s has none; the seed strategy is wrong)",
	  wrong_flag_names,
	  "Rename them: etcd-cafile -> datastore-cafile, etcd-certfile -> datastore-certfile, "
	  "etcd-keyfile -> datastore-keyfile.  The seed strategy names --etcd-* flags, but those are "
	  "kube-apiserver flags that K3s fills in from its datastore-* options; K3s itself has no "
	  "--etcd-certfile/--etcd-keyfile/--etcd-cafile.",
	  "The datastore TLS options use K3s's real names (datastore-*).",
	  "Configs use etcd-cafile/etcd-certfile/etcd-keyfile, which K3s does not have: rename them to datastore-*.", REACH_ROOT },
	{ "etcd.firewall", "etcd", SEV_HIGH,
	  "No etcd port on this node (client 2379, peer 2380) is open to every host",
	  check_etcd_firewall,
	  "On every etcd host: k3sguard etcd isolate --clients <K3s servers> --peers <etcd members> "
	  "--apply (nftables table inet k3sguard; other rules untouched).",
	  "etcd's ports on this node are not open to every host (nftables isolation, or no etcd member here).",
	  "etcd's client or peer port on this node accepts connections from any host: isolate it (k3sguard etcd isolate).", REACH_KERNEL },
	{ "etcd.live-client-cert-auth", "etcd", SEV_CRITICAL,
	  "etcd refuses clients without a certificate (live probe)",
	  etcd_live_client_cert_auth,
	  "Start every member with --client-cert-auth and --trusted-ca-file (client-transport-security "
	  "in its config file; 'k3sguard etcd provision' writes it).",
	  "etcd enforces client-certificate authentication (a probe without a certificate was refused).",
	  "etcd accepts clients without a certificate: turn on --client-cert-auth.", REACH_NETWORK },
	{ "etcd.live-auth-enabled", "etcd", SEV_HIGH,
	  "etcd auth (RBAC) is enabled (live)",
	  etcd_live_auth_enabled,
	  "k3sguard etcd rbac apply --endpoints URLS --cacert CA --cert ROOT_CERT --key ROOT_KEY",
	  "etcd RBAC is enabled.",
	  "etcd RBAC is off: any holder of a CA-signed certificate can read every secret.", REACH_NETWORK },
	{ "etcd.live-k3s-role", "etcd", SEV_HIGH,
	  "K3s's etcd user may touch only /registry/, /bootstrap/ and compact_rev_key (live)",
	  etcd_live_k3s_role,
	  "Give K3s a CN=k3s certificate and the role 'k3sguard etcd rbac apply' creates; revoke wider "
	  "grants (etcdctl role revoke-permission).",
	  "K3s's etcd identity is confined to the keys K3s needs.",
	  "K3s's etcd identity is root or has wider permissions than K3s needs.", REACH_NETWORK },
	{ "etcd.live-members-healthy", "etcd", SEV_HIGH,
	  "Every etcd member is healthy (live)",
	  etcd_live_members,
	  "k3sguard etcd health shows which member is down and why; restart or replace it.",
	  "Every etcd member answers.",
	  "etcd members are down: the cluster runs without its full fault tolerance.", REACH_NETWORK },
	{ "etcd.cert-expiry", "etcd", SEV_MEDIUM,
	  "The etcd client certificate and CA are not near expiry (30 days)",
	  etcd_cert_expiry,
	  "k3sguard etcd pki issue --pki DIR --client k3s --force, then restart K3s.",
	  "The etcd certificates are valid for more than 30 days.",
	  "An etcd certificate has expired or expires within 30 days.", REACH_ROOT },
};
const size_t nchecks_etcd = ARRAY_SIZE(checks_etcd);
