/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check-etcd-firewall.c: the "etcd.firewall" check (a row in
 * check-etcd.c): on a host that runs etcd, do the kernel's nftables rules
 * keep etcd's client and peer ports to the hosts that need them?
 *
 * etcd runs here when K3s embeds it, or when an etcd member is installed
 * beside K3s (unit, init script or binary).  A node with external etcd and
 * no member of its own has no etcd port to open: that passes, and the
 * evidence sends the user to the etcd hosts.  The firewall is kernel state:
 * it is read from the running kernel (`nft -j list ruleset`) only when the
 * audit looks at the host itself, never under --root (skip: its row says
 * REACH_KERNEL, check_offline() decides).  Fails closed:
 * no nft, or rules it cannot read, are not "restricted" (see nft-audit.c).
 */
#include "core/k3sguard.h"
#include "checks/check.h"
#include "core/gate.h"
#include "nft/nft.h"

static void
describe_port(struct buf *b, const char *role, const struct nft_port_report *p)
{
	buf_addf(b, "%s port %u ", role, p->port);
	if (!p->restricted) {
		buf_addf(b, "open to any %s source",
		    p->any_v4 && p->any_v6 ? "IPv4 and IPv6" : p->any_v4 ? "IPv4" : "IPv6");
		return;
	}
	buf_adds(b, "from ");
	for (size_t i = 0; i < p->nallowed; i++) {
		cidr_format(&p->allowed[i], b);
		buf_adds(b, ", ");
	}
	buf_adds(b, p->loopback ? "loopback" : p->nallowed ? "(no loopback)" : "nobody");
}

/* An etcd member installed on the node (unit, init script or binary), under --root. */
static const char *
etcd_installed(void)
{
	static const char *const paths[] = { "/etc/systemd/system/etcd.service",
		"/lib/systemd/system/etcd.service", "/usr/lib/systemd/system/etcd.service",
		"/etc/init.d/etcd", "/usr/bin/etcd", "/usr/local/bin/etcd", "/usr/sbin/etcd" };
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		if (gate_lstat(paths[i], &st) == 0)
			return paths[i];
	return NULL;
}

void
check_etcd_firewall(const struct node *n, struct check_result *r)
{
	static const char *const list[] = { "-j", "list", "ruleset", NULL };
	struct nft_port_report ports[2] = { { .port = 2379 }, { .port = 2380 } };
	struct nft_audit a = { 0 };
	struct buf js = BUF_INIT, ev = BUF_INIT;
	const char *local = NULL;
	char *nft = NULL;

	if (check_skip_agent(n, r))
		return;
	if (n->datastore == DS_EMBEDDED_ETCD) {
		local = "K3s runs an embedded etcd member";
	} else if (n->datastore == DS_EXTERNAL_ETCD) {
		local = etcd_installed();
		if (!local) {
			check_pass(r, "the datastore is external etcd and no etcd member is installed on this "
			    "node (no etcd unit, init script or binary): isolate the etcd hosts themselves "
			    "('k3sguard etcd isolate --status' there)");
			return;
		}
	} else {
		check_skip(r, "datastore is %s: etcd does not run on this node",
		    datastore_name(n->datastore));
		return;
	}
	if (check_offline(r)) {
		if (r->status == ST_SKIP)
			check_skip(r, "offline image: etcd runs on this node (%s), and firewall rules are "
			    "the running kernel's state, not the image's: run 'k3sguard etcd isolate "
			    "--status' on the node", local);
		return;
	}
	quiet_errors++;
	nft = nft_find(NULL);
	if (!nft) {
		check_fail(r, "nft not found: no nftables ruleset restricts etcd's ports 2379/2380 "
		    "(iptables-legacy rules are not read)");
		goto done;
	}
	if (nft_run(nft, list, NULL, 0, &js) < 0 ||
	    nft_audit_ports("nft -j list ruleset", js.s, js.len, ports, 2, &a) < 0) {
		check_error(r, "%s", last_error());
		goto done;
	}
	buf_adds(&ev, "nft ruleset: ");
	describe_port(&ev, "client", &ports[0]);
	buf_adds(&ev, "; ");
	describe_port(&ev, "peer", &ports[1]);
	if (a.notes.len)
		buf_adds(&ev, " (some rules could not be evaluated: 'k3sguard etcd isolate --status' lists them)");
	if (ports[0].restricted && ports[1].restricted)
		check_pass(r, "%s", ev.s);
	else
		check_fail(r, "%s", ev.s);
done:
	quiet_errors--;
	nft_audit_release(&a);
	buf_release(&js);
	buf_release(&ev);
	free(nft);
}
