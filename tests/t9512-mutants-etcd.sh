#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9512: etcd snapshot save into a local directory (--dir, a path of this
# host, not under --root) at the edge the mutation run (make mutate,
# docs/testing.md) found untested: the snapshot and its sidecar are 0600
# there too, as under the node's own snapshot directory (t3800).  Against a
# real 3-member etcd cluster (tests/etcd-cluster.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd-cluster.sh"
cd "$TMP" || exit 1

if ! etcd_cluster_start; then
	test_expect_success 'start a 3-member etcd cluster from our files' 'false'
	test_done
fi
R=$TMP/root
mkdir -p "$R"
AS_ROOT1="--endpoints $ETCD_EP1,$ETCD_EP2,$ETCD_EP3 --cacert $ETCD_CA --cert $ETCD_ROOT_CERT --key $ETCD_ROOT_KEY"

test_expect_success 'save --dir LOCAL: the snapshot and its sidecar are 0600' '
	k3sguard etcd rbac apply $ETCD_AS_ROOT >/dev/null &&
	with_timeout 120 k3sguard --root "$R" etcd snapshot save $AS_ROOT1 --dir "$TMP/local" --name l1 >out &&
	test "$(stat -c %a "$TMP/local/l1.ksnap")" = 600 &&
	test "$(stat -c %a "$TMP/local/l1.ksnap.json")" = 600 &&
	test "$(stat -c %a "$TMP/local")" = 700
'

test_expect_success 'prune --keep 1 in that directory keeps exactly the newest one' '
	with_timeout 120 k3sguard --root "$R" etcd snapshot save $AS_ROOT1 --dir "$TMP/local" --name l2 >out &&
	with_timeout 120 k3sguard --root "$R" etcd snapshot save $AS_ROOT1 --dir "$TMP/local" --name l3 >out &&
	touch -d "-2 hours" "$TMP/local/l1.ksnap" && touch -d "-1 hour" "$TMP/local/l2.ksnap" &&
	k3sguard --root "$R" etcd snapshot prune --dir "$TMP/local" --keep 1 >out &&
	test -e "$TMP/local/l3.ksnap" &&
	test ! -e "$TMP/local/l2.ksnap" && test ! -e "$TMP/local/l1.ksnap" &&
	grep -q "2 removed, 1 kept" out
'

test_done
