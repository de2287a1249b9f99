/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k3sguard-command: etcd | external etcd: PKI, provisioning, RBAC, health, K3s datastore drop-in
 *
 * The sub-verbs parse their options in src/cmd/etcd-<verb>.c and call the
 * library in src/etcd/; this file is only their table.
 * Adding a sub-verb is adding a row.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "cmd/etcd-cmd.h"
#include "core/util.h"


static const struct subcmd etcd_verbs[] = {
	{ "pki", cmd_etcd_pki, "CA and certificates: init, issue, check" },
	{ "provision", cmd_etcd_provision, "per-member bundle: certs, etcd config file, hardened unit" },
	{ "rbac", cmd_etcd_rbac, "users root and k3s, role k3s, auth enable: apply, verify" },
	{ "health", cmd_etcd_health, "every member: reachable, TLS, version, leader, raft, alarms" },
	{ "datastore-config", cmd_etcd_datastore_config, "write K3s's datastore drop-in for the k3s identity" },
	{ "snapshot", cmd_etcd_snapshot, "encrypted snapshots: save, ls, verify, prune, restore, schedule" },
	{ "isolate", cmd_etcd_isolate, "nftables: 2379 only from K3s servers, 2380 only from members; status, probe" },
};

int cmd_etcd(int argc, char **argv);

int
cmd_etcd(int argc, char **argv)
{
	return run_subcommand("etcd", etcd_verbs, ARRAY_SIZE(etcd_verbs), argc, argv);
}
