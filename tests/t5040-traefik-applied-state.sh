#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t5040: the Traefik checks judge what the cluster holds, read from K3s's
# SQLite datastore (kine's state.db, built by tests/fixtures/kine/kine-state.py
# with kine's schema from k3s-io/kine pkg/drivers/sqlite/sqlite.go, rows as
# pkg/logstructured writes them, objects as the apiserver stores CRs: JSON).
# The latest revision of a key counts, a deleted key does not (kine
# pkg/drivers/generic/generic.go ListCurrentValSQL); the WAL's last writes
# count; the image is not changed (no -shm, no -wal, same bytes); a corrupt
# or foreign database, a symlinked state.db and embedded etcd are unknown:
# never a pass.  What wins follows K3s's deploy controller
# (pkg/deploy/controller.go: every manifest is applied at K3s's start, so
# a file that differs from the cluster's object is not applied yet): the
# cluster's object is what runs, a differing file is judged too.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/traefik/root.sh"
cd "$TMP" || exit 1
M=var/lib/rancher/k3s/server/manifests
DB=var/lib/rancher/k3s/server/db/state.db
HCC=/registry/helm.cattle.io/helmchartconfigs/kube-system/traefik
F=$TOP/tests/fixtures
kine() { python3 "$F/kine/kine-state.py" "$@"; }
# state ROOT OP...: ROOT's state.db from the ops
state() { _r=$1; shift; mkdir -p "$_r/${DB%/*}" && kine "$@" && mv "$1" "$_r/$DB"; }
# snap ROOT: every file of ROOT with its sha256, and every name (-wal/-shm would show)
snap() { (cd "$1" && find . | sort && find . -type f -exec sha256sum {} + | sort); }

test_expect_success 'a HelmChartConfig only in state.db turns on api.insecure: FAIL naming the cluster' '
	traefik_root r gen39 &&
	mkdir -p r/${DB%/*} &&
	kine r/$DB put $HCC "$F/kine/hcc-api-insecure.yaml" &&
	snap r >before &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = fail &&
	grep -q "api.insecure is true (cluster (kine .r/$DB.) $HCC:" out &&
	test "$(status_of out traefik.helmchartconfig)" = pass &&
	grep -q "HelmChartConfig .traefik. in the cluster: cluster (kine" out &&
	grep -q "exists in no manifest (applied with kubectl, Helm or GitOps)" out &&
	test "$(status_of out traefik.dashboard)" = pass &&
	snap r >after && cmp before after
'

test_expect_success 'the same through audit and traefik audit --format json' '
	expect_code 1 k3sguard --root r audit --strategy traefik --format json >out.json &&
	jq -e ".checks[] | select(.id == \"traefik.insecure-api\") | .status == \"fail\"" out.json >/dev/null &&
	expect_code 1 k3sguard --root r traefik audit --format json >t.json &&
	jq -e ".applied.unknown == false and (.applied.helmchartconfig | endswith(\"$HCC\"))
	    and (.applied.state | startswith(\"applied state read from kine\"))" t.json >/dev/null
'

test_expect_success 'without the state.db the same files pass insecure-api (the cluster made the difference)' '
	rm r/$DB &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = pass &&
	test "$(status_of out traefik.helmchartconfig)" = fail
'

test_expect_success 'latest revision wins: insecure, then hardened: pass' '
	traefik_root r gen39 &&
	state r s.db put $HCC "$F/kine/hcc-api-insecure.yaml" put $HCC "$F/traefik/gen39/hardened.yaml" &&
	test "$(sqlite3 r/$DB "select count(*) from kine where name = \"$HCC\"")" = 2 &&
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = pass &&
	test "$(status_of out traefik.rate-limit)" = pass
'

test_expect_success 'hardened in the cluster and in the file (applied): every check passes' '
	traefik_root r gen39 hardened &&
	state r s.db put $HCC "$F/traefik/gen39/hardened.yaml" &&
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.host-network)" = pass &&
	test "$(status_of out traefik.security-context)" = pass &&
	test "$(status_of out traefik.version)" = pass &&
	test "$(status_of out traefik.waf)" = pass &&
	test "$(status_of out traefik.insecure-api)" = pass &&
	! grep -q "^warn\|^fail\|^error" out
'

test_expect_success 'a Middleware only in the cluster resolves the rate limit the HelmChartConfig names' '
	traefik_root r gen39 &&
	state r s.db put $HCC "$F/kine/hcc-mw-ref.yaml" &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.rate-limit)" = fail &&
	grep -q "names middleware .kube-system-ratelimit@kubernetescrd.*which is not defined" out &&
	state r s.db put $HCC "$F/kine/hcc-mw-ref.yaml" \
		put /registry/traefik.io/middlewares/kube-system/ratelimit "$F/kine/mw-ratelimit.yaml" &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.rate-limit)" = pass &&
	grep -q "rate-limit middleware .kube-system-ratelimit@kubernetescrd. (average 50 per 1s, burst 100; cluster (kine .*) /registry/traefik.io/middlewares/kube-system/ratelimit:" out
'

test_expect_success 'latest revision wins: hardened, then insecure: fail' '
	traefik_root r gen39 &&
	state r s.db put $HCC "$F/traefik/gen39/hardened.yaml" put $HCC "$F/kine/hcc-api-insecure.yaml" &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = fail
'

test_expect_success 'a deleted HelmChartConfig does not count (the file is what K3s applies)' '
	traefik_root r gen39 hardened &&
	state r s.db put $HCC "$F/kine/hcc-api-insecure.yaml" delete $HCC &&
	test "$(sqlite3 r/$DB "select deleted from kine where name = \"$HCC\" order by id desc limit 1")" = 1 &&
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = pass &&
	grep -q "HelmChartConfig .traefik. in .*/$M/traefik-config.yaml" out
'

test_expect_success 'deleted, then created again: the new object counts' '
	traefik_root r gen39 hardened &&
	state r s.db put $HCC "$F/traefik/gen39/hardened.yaml" delete $HCC put $HCC "$F/kine/hcc-api-insecure.yaml" &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = fail
'

test_expect_success 'file applied as is: the cluster object is the file (one verdict, both named)' '
	traefik_root r gen39 insecure &&
	state r s.db put $HCC "$F/traefik/gen39/insecure.yaml" &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.dashboard)" = fail &&
	grep -q "the cluster.s HelmChartConfig is .*/$M/traefik-config.yaml as applied" out &&
	! grep -q "not applied yet" out
'

test_expect_success 'hardened in the cluster, insecure file not applied yet: both judged, the file fails' '
	traefik_root r gen39 insecure &&
	state r s.db put $HCC "$F/traefik/gen39/hardened.yaml" &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.dashboard)" = fail &&
	grep -q "cluster (applied): pass: .*; manifests (not applied yet): fail: dashboard route enabled (.*/$M/traefik-config.yaml:" out &&
	test "$(status_of out traefik.security-context)" = fail
'

test_expect_success 'insecure in the cluster, hardened file not applied yet: the cluster fails' '
	traefik_root r gen39 hardened &&
	state r s.db put $HCC "$F/kine/hcc-api-insecure.yaml" &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = fail &&
	grep -q "cluster (applied): fail: api.insecure is true (cluster (kine" out &&
	grep -q "manifests (not applied yet): pass" out
'

test_expect_success 'two files with the HelmChartConfig still warn when the cluster has it too' '
	traefik_root r gen39 hardened &&
	cp r/$M/traefik-config.yaml r/$M/z-traefik.yaml &&
	state r s.db put $HCC "$F/traefik/gen39/hardened.yaml" &&
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.helmchartconfig)" = warn &&
	grep -q "2 files define HelmChartConfig .traefik." out
'

test_expect_success 'traefik harden says that the file replaces the cluster'"'"'s HelmChartConfig' '
	traefik_root r gen39 &&
	state r s.db put $HCC "$F/kine/hcc-api-insecure.yaml" &&
	k3sguard --root r traefik harden --dry-run >out 2>err &&
	grep -q "warning: the cluster runs another HelmChartConfig .traefik. (cluster (kine .*) $HCC); K3s replaces it with the file" err &&
	sed -n "/^[^#]/,\$p" out | python3 -c "import sys, yaml; list(yaml.safe_load_all(sys.stdin))" &&
	rm r/$DB &&
	k3sguard --root r traefik harden --dry-run >out 2>err &&
	test ! -s err
'

test_expect_success 'the WAL holds the last write (kine runs in WAL mode): it counts, the image is unchanged' '
	traefik_root r gen39 hardened &&
	mkdir -p r/${DB%/*} &&
	kine --keep-wal r/$DB put $HCC "$F/traefik/gen39/hardened.yaml" put $HCC "$F/kine/hcc-api-insecure.yaml" &&
	test -s r/$DB-wal &&
	snap r >before &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = fail &&
	snap r >after && cmp before after && test ! -e r/$DB-shm
'

test_expect_success 'a corrupt state.db: unknown, hardened files do not pass' '
	traefik_root r gen39 hardened &&
	mkdir -p r/${DB%/*} && head -c 8192 /dev/urandom >r/$DB &&
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = skip &&
	grep -q "the cluster.s applied state is unknown: .*state.db" out &&
	! grep -q "^pass .*traefik.insecure-api" out
'

test_expect_success 'a SQLite database without kine'"'"'s table: unknown' '
	traefik_root r gen39 hardened &&
	mkdir -p r/${DB%/*} && sqlite3 r/$DB "create table t(x)" &&
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.rate-limit)" = skip &&
	grep -q "is not a kine database" out
'

test_expect_success 'a view named kine making up a hardened row: not a kine database' '
	traefik_root r gen39 insecure &&
	mkdir -p r/${DB%/*} &&
	sqlite3 r/$DB "create view kine as select 1 as id, \"$HCC\" as name, 0 as deleted, \"{}\" as value" &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	grep -q "is not a kine database: no table .kine." out &&
	test "$(status_of out traefik.dashboard)" = fail
'

test_expect_success 'state.db a FIFO: not opened for reading forever, unknown' '
	traefik_root r gen39 hardened &&
	mkdir -p r/${DB%/*} && mkfifo r/$DB &&
	with_timeout 20 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = skip &&
	grep -q "state.db. is not a regular file" out
'

test_expect_success 'state.db a symlink out of the root: the gate refuses it, unknown' '
	traefik_root r gen39 hardened &&
	kine outside.db put $HCC "$F/traefik/gen39/hardened.yaml" &&
	mkdir -p r/${DB%/*} && ln -s "$TMP/outside.db" r/$DB &&
	sum=$(sha256sum outside.db) &&
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = skip &&
	grep -q "state.db. is a symlink: not read" out &&
	test "$(sha256sum outside.db)" = "$sum"
'

test_expect_success 'server/db a symlink to an absolute path: resolved inside the root, the outside file is not read' '
	traefik_root r gen39 hardened &&
	mkdir -p outdir && kine outdir/state.db put $HCC "$F/kine/hcc-api-insecure.yaml" &&
	ln -s "$TMP/outdir" r/var/lib/rancher/k3s/server/db &&
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = pass &&
	grep -q "no applied state: .*state.db. does not exist or is empty" out &&
	mkdir -p "r$TMP/outdir" && kine "r$TMP/outdir/state.db" put $HCC "$F/kine/hcc-api-insecure.yaml" &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = fail
'

test_expect_success 'datastore-endpoint sqlite:///path?params: that database is the one read' '
	traefik_root r gen39 hardened &&
	mkdir -p r/etc/rancher/k3s r/srv/k3sdb &&
	printf "datastore-endpoint: sqlite:///srv/k3sdb/kine.db?_journal_mode=WAL\n" >r/etc/rancher/k3s/config.yaml &&
	kine r/srv/k3sdb/kine.db put $HCC "$F/kine/hcc-api-insecure.yaml" &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = fail &&
	grep -q "cluster (kine .r/srv/k3sdb/kine.db.) $HCC" out &&
	printf "datastore-endpoint: sqlite://kine.db\n" >r/etc/rancher/k3s/config.yaml &&
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = skip &&
	grep -q "relative SQLite path is not modelled" out
'

test_expect_success 'embedded etcd (server/db/etcd/member/wal): unknown on an image, never pass' '
	traefik_root r gen39 hardened &&
	mkdir -p r/var/lib/rancher/k3s/server/db/etcd/member/wal &&
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = skip &&
	grep -q "unknown: embedded etcd" out
'

test_expect_success 'Traefik disabled: the cluster does not matter, nothing unknown' '
	traefik_root r gen39 &&
	mkdir -p r/etc/rancher/k3s r/var/lib/rancher/k3s/server/db/etcd/member/wal &&
	printf "disable: [traefik]\n" >r/etc/rancher/k3s/config.yaml &&
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = skip &&
	test "$(status_of out traefik.chart)" = pass &&
	grep -q "Traefik is disabled (disable: traefik" out &&
	! grep -q "unknown" out
'

test_done
