#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t4010: manifests verify compares what the cluster applied with the signed
# baseline.  K3s's deploy controller (pkg/deploy/controller.go deploy())
# records each manifest it applied in an Addon (kube-system, named after the
# file up to the first dot): spec.source the file's path, spec.checksum the
# hex sha256 of its bytes (controller.go checksum()).  The Addons are read
# from kine's state.db (tests/fixtures/kine/kine-state.py: kine's schema,
# k3s-io/kine pkg/drivers/sqlite/sqlite.go).  An applied file that differs
# from the baseline, or that the baseline does not have, is drift (exit 1),
# even when the file on disk matches again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-manifests.sh"
cd "$TMP" || exit 1

R=$(mroot node)
M=$(mdir "$R")
NM=/var/lib/rancher/k3s/server/manifests
DB=$R/var/lib/rancher/k3s/server/db/state.db
A=/registry/k3s.cattle.io/addons/kube-system
kine() { python3 "$TOP/tests/fixtures/kine/kine-state.py" "$@"; }
# db OP...: a fresh state.db for the node
db() { rm -f "$DB" && mkdir -p "${DB%/*}" && kine "$DB" "$@"; }

test_expect_success 'lock the tree; the cluster applied the same files: no drift' '
	k3sguard manifests lock --root "$R" >/dev/null &&
	db addon traefik-config $NM/traefik-config.yaml "$M/traefik-config.yaml" \
	   addon web $NM/apps/web.yaml "$M/apps/web.yaml" &&
	k3sguard manifests verify --root "$R" >out &&
	grep -q "^applied: applied state read from kine .*state.db. (2 objects)" out &&
	grep -q "no drift: 10 entries" out &&
	k3sguard manifests verify --root "$R" --format json >out.json &&
	jq -e ".drift == false and .applied.state == \"read\" and .applied.matching == 2 and (.applied.changes | length) == 0" out.json
'

test_expect_success 'a file applied with other content, then put back: drift from the cluster, exit 1' '
	printf "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: evil}\n" >evil-web.yaml &&
	db addon traefik-config $NM/traefik-config.yaml "$M/traefik-config.yaml" \
	   addon web $NM/apps/web.yaml evil-web.yaml &&
	expect_code 1 k3sguard manifests verify --root "$R" >out &&
	sum=$(sha256sum evil-web.yaml | cut -c1-12) && base=$(sha256sum "$M/apps/web.yaml" | cut -c1-12) &&
	grep -q "^applied  apps/web.yaml: the cluster applied content sha256 $sum, the baseline has $base (cluster (kine .*) $A/web)" out &&
	grep -q "^drift: 1 change$" out &&
	expect_code 1 k3sguard manifests verify --root "$R" --format json >out.json &&
	jq -e ".drift == true and .changes == [] and (.applied.changes | length) == 1" out.json &&
	jq -e ".applied.changes[0] | .path == \"apps/web.yaml\" and .change == \"content\"
	    and .applied_sha256 == \"$(sha256sum evil-web.yaml | cut -c1-64)\"
	    and .baseline_sha256 == \"$(sha256sum "$M/apps/web.yaml" | cut -c1-64)\"" out.json
'

# (exit 2 is allowed: this bare tree has no K3s version, server-token.rotate-capable errors)
test_expect_success 'audit: manifests.baseline fails on what the cluster applied, passes when it is the baseline' '
	{ k3sguard --root "$R" audit --format json >a.json || test $? -le 2; } &&
	jq -e ".checks[] | select(.id == \"manifests.baseline\") | .status == \"fail\"
	    and (.evidence | test(\"matches its signed baseline .*, but the cluster applied 1 file that the baseline does not hold [(]first: .apps/web.yaml.\"))" a.json &&
	db addon web $NM/apps/web.yaml "$M/apps/web.yaml" &&
	{ k3sguard --root "$R" audit --format json >a.json || test $? -le 2; } &&
	jq -e ".checks[] | select(.id == \"manifests.baseline\") | .status == \"pass\"
	    and (.evidence | test(\"applied state read from kine .*1 applied file as locked\"))" a.json
'

test_expect_success 'the latest Addon revision counts: fixed by a later apply, no drift' '
	db addon web $NM/apps/web.yaml evil-web.yaml addon web $NM/apps/web.yaml "$M/apps/web.yaml" &&
	k3sguard manifests verify --root "$R" >out &&
	grep -q "no drift" out
'

test_expect_success 'an applied file the baseline does not have: drift' '
	db addon backdoor $NM/backdoor.yaml evil-web.yaml &&
	expect_code 1 k3sguard manifests verify --root "$R" >out &&
	grep -q "^applied  backdoor.yaml: the cluster applied it, the baseline has no such file" out &&
	expect_code 1 k3sguard manifests verify --root "$R" --format json >out.json &&
	jq -e ".applied.changes[0] | .change == \"not-in-baseline\" and .baseline_sha256 == null" out.json
'

test_expect_success 'a deleted Addon and one for a file outside the manifests dir do not count' '
	db addon backdoor $NM/backdoor.yaml evil-web.yaml delete $A/backdoor \
	   addon other /srv/other/x.yaml evil-web.yaml &&
	k3sguard manifests verify --root "$R" >out &&
	grep -q "no drift" out
'

test_expect_success 'embedded etcd: the applied state is unknown and said so' '
	rm -f "$DB" && mkdir -p "$R/var/lib/rancher/k3s/server/db/etcd/member/wal" &&
	k3sguard manifests verify --root "$R" >out &&
	grep -q "^applied: the cluster.s applied state is unknown: embedded etcd.*: what the cluster applied was not compared with the baseline" out &&
	k3sguard manifests verify --root "$R" --format json >out.json &&
	jq -e ".applied.state == \"unknown\"" out.json &&
	rm -rf "$R/var/lib/rancher/k3s/server/db/etcd"
'

test_expect_success 'no state.db yet: nothing applied, said so' '
	k3sguard manifests verify --root "$R" >out &&
	grep -q "^applied: no applied state: .*state.db. does not exist or is empty: K3s has not written its datastore yet" out &&
	mkdir -p "${DB%/*}" && : >"$DB" &&
	k3sguard manifests verify --root "$R" >out &&
	grep -q "^applied: no applied state: .*state.db. does not exist or is empty" out
'

test_done
