/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-selinux.c: the k3s-selinux file contexts as check-selinux.c applies
 * them.  The expected types are what k3s-io/k3s-selinux policy/centos9/
 * k3s.fc (commit 6991bc1) gives each path once the policy compiler has
 * ordered the rules (libsepol CIL filecon sort: most specific last, and
 * libselinux takes the last match).
 */
#include "core/k3sguard.h"
#include "checks/check-selinux.h"
#include "unit.h"

#define F S_IFREG
#define D S_IFDIR

static void
test_data_dir(void)
{
	CHECK_STR(selinux_fc_type("/var/lib/rancher/k3s", D), "container_var_lib_t");
	CHECK_STR(selinux_fc_type("/var/lib/rancher/k3s/server/manifests", D),
	    "container_var_lib_t");
	CHECK_STR(selinux_fc_type("/var/lib/rancher/k3s/server/manifests/a.yaml", F),
	    "container_var_lib_t");
	CHECK_STR(selinux_fc_type("/var/lib/rancher/k3s/server/token", F), "container_var_lib_t");
	/* storage is what containers may write */
	CHECK_STR(selinux_fc_type("/var/lib/rancher/k3s/storage/pvc-1", D), "container_file_t");
	/* not the rule: a prefix is not a match (the regex is anchored) */
	CHECK(selinux_fc_type("/var/lib/rancher/k3sx", D) == NULL);
	CHECK(selinux_fc_type("/var/lib/rancher", D) == NULL);
}

static void
test_specific_wins(void)
{
	/* the data dir rule, then data/<hash>/bin, then data/<hash>/bin/containerd */
	CHECK_STR(selinux_fc_type("/var/lib/rancher/k3s/data/abc", D), "k3s_data_t");
	CHECK_STR(selinux_fc_type("/var/lib/rancher/k3s/data/abc/bin/kubectl", F), "k3s_root_t");
	CHECK_STR(selinux_fc_type("/var/lib/rancher/k3s/data/abc/bin/containerd", F),
	    "container_runtime_exec_t");
	CHECK_STR(selinux_fc_type("/var/lib/rancher/k3s/data/abc/bin/containerd-shim-runc-v2", F),
	    "container_runtime_exec_t");
	CHECK_STR(selinux_fc_type("/var/lib/rancher/k3s/data/abc/bin/.links", F), "k3s_data_t");
	CHECK_STR(selinux_fc_type("/var/lib/rancher/k3s/data/abc/etc/x", F), "container_config_t");
	/* a rule for one kind: .lock as a file, not as a directory */
	CHECK_STR(selinux_fc_type("/var/lib/rancher/k3s/data/.lock", F), "k3s_lock_t");
	CHECK_STR(selinux_fc_type("/var/lib/rancher/k3s/data/.lock", D), "k3s_data_t");
	/* "." in the rule is a regex dot: "data/xlock" matches it too, as in the policy */
	CHECK_STR(selinux_fc_type("/var/lib/rancher/k3s/data/xlock", F), "k3s_lock_t");
	/* <<none>>: no label set below a snapshot */
	CHECK(selinux_fc_type("/var/lib/rancher/k3s/agent/containerd/o/snapshots/1/fs", D) == NULL);
	CHECK_STR(selinux_fc_type("/var/lib/rancher/k3s/agent/containerd/o/snapshots/1", D),
	    "container_file_t");
}

static void
test_binary_and_units(void)
{
	CHECK_STR(selinux_fc_type("/usr/local/bin/k3s", F), "container_runtime_exec_t");
	CHECK_STR(selinux_fc_type("/usr/local/sbin/k3s", F), "container_runtime_exec_t");
	CHECK_STR(selinux_fc_type("/usr/bin/k3s", F), "container_runtime_exec_t");
	CHECK_STR(selinux_fc_type("/opt/bin/k3s", F), "container_runtime_exec_t");
	CHECK(selinux_fc_type("/usr/local/bin/k3s", D) == NULL);
	CHECK(selinux_fc_type("/home/u/k3s", F) == NULL);
	CHECK_STR(selinux_fc_type("/etc/systemd/system/k3s.service", F), "container_unit_file_t");
	CHECK_STR(selinux_fc_type("/etc/systemd/system/k3s-agent.service", F),
	    "container_unit_file_t");
	CHECK(selinux_fc_type("/etc/systemd/system/k3s.service.d", D) == NULL);
}

int
main(void)
{
	T(test_data_dir);
	T(test_specific_wins);
	T(test_binary_and_units);
	return UNIT_DONE();
}
