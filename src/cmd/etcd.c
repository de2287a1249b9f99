/*
 * k3sguard-command: etcd | external etcd: PKI, provisioning, RBAC, health, K3s datastore drop-in
 *
 * The sub-verbs live in src/etcd-<verb>.c; this file is only their table.
 * Adding a sub-verb is adding a row.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "etcd/etcd-cli.h"
#include "etcd/etcd-snapshot.h"
#include "etcd/etcd-isolate.h"
#include "core/util.h"


static const struct subcmd etcd_verbs[] = {
	{ "pki", etcd_cmd_pki, "CA and certificates: init, issue, check" },
	{ "provision", etcd_cmd_provision, "per-member bundle: certs, etcd config file, hardened unit" },
	{ "rbac", etcd_cmd_rbac, "users root and k3s, role k3s, auth enable: apply, verify" },
	{ "health", etcd_cmd_health, "every member: reachable, TLS, version, leader, raft, alarms" },
	{ "datastore-config", etcd_cmd_datastore_config, "write K3s's datastore drop-in for the k3s identity" },
	{ "snapshot", etcd_cmd_snapshot, "encrypted snapshots: save, ls, verify, prune, restore, schedule" },
	{ "isolate", etcd_isolate_main, "nftables: 2379 only from K3s servers, 2380 only from members; status, probe" },
};

int cmd_etcd(int argc, char **argv);

int
cmd_etcd(int argc, char **argv)
{
	return run_subcommand("etcd", etcd_verbs, ARRAY_SIZE(etcd_verbs), argc, argv);
}
