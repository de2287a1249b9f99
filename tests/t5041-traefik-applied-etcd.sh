#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t5041: a K3s server whose datastore is external etcd (datastore-endpoint
# https://..., the node model's datastore decision): the Traefik checks read
# the cluster's HelmChartConfig 'traefik' from the REAL 3-member etcd of
# tests/etcd-cluster.sh, with the node's datastore-* files, as K3s would
# (key /registry/helm.cattle.io/helmchartconfigs/kube-system/traefik, the
# object as JSON: the apiserver stores custom resources as JSON).  An etcd
# that does not answer is unknown, never a pass.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd-cluster.sh"
. "$TOP/tests/fixtures/traefik/root.sh"
cd "$TMP" || exit 1
HCC=/registry/helm.cattle.io/helmchartconfigs/kube-system/traefik
F=$TOP/tests/fixtures

if ! etcd_cluster_start; then
	test_expect_success 'start a 3-member etcd cluster from our files' 'false'
	test_done
fi
etcdctl1() {
	ETCDCTL_API=3 etcdctl --endpoints "$ETCD_EP1" --cacert "$ETCD_CA" \
		--cert "$ETCD_ROOT_CERT" --key "$ETCD_ROOT_KEY" "$@"
}
# ext_root DIR EP STATE: a Traefik server root whose config points at EP as K3s's datastore
ext_root() {
	traefik_root "$1" gen39 "$3" &&
	mkdir -p "$1/etc/k3s-etcd" "$1/etc/rancher/k3s" &&
	cp "$ETCD_CA" "$1/etc/k3s-etcd/ca.crt" &&
	cp "$ETCD_K3S_CERT" "$1/etc/k3s-etcd/client.crt" &&
	cp "$ETCD_K3S_KEY" "$1/etc/k3s-etcd/client.key" && chmod 600 "$1/etc/k3s-etcd/client.key" &&
	cat >"$1/etc/rancher/k3s/config.yaml" <<-YAML
	datastore-endpoint: $2
	datastore-cafile: /etc/k3s-etcd/ca.crt
	datastore-certfile: /etc/k3s-etcd/client.crt
	datastore-keyfile: /etc/k3s-etcd/client.key
	YAML
}

test_expect_success 'external etcd holds a HelmChartConfig with api.insecure, the file is hardened: FAIL naming the cluster' '
	etcdctl1 put $HCC "$(python3 "$F/kine/kine-state.py" --json "$F/kine/hcc-api-insecure.yaml")" >/dev/null &&
	ext_root r "$ETCD_ENDPOINTS" hardened &&
	expect_code 1 with_timeout 60 k3sguard --root r traefik audit --live >out &&
	test "$(status_of out traefik.insecure-api)" = fail &&
	grep -q "cluster (applied): fail: api.insecure is true (cluster (external etcd) $HCC:" out &&
	grep -q "manifests (not applied yet): pass" out
'

test_expect_success 'an image without --live is offline: the external etcd is not read, the verdict is unknown, never the file'"'"'s pass' '
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = skip &&
	grep -q "the cluster.s applied state is unknown: offline image" out &&
	{ k3sguard --root r audit --strategy traefik --format json >a.json || test $? -eq 1; } &&
	python3 - a.json <<-\PYEOF
	import json, sys
	c = {c["id"]: c for c in json.load(open(sys.argv[1]))["checks"]}
	assert c["traefik.insecure-api"]["status"] == "skip", c["traefik.insecure-api"]
	assert "offline image" in c["traefik.insecure-api"]["evidence"], c["traefik.insecure-api"]
	PYEOF
'

test_expect_success 'audit --live reads it too' '
	{ k3sguard --root r audit --live --strategy traefik --format json >a.json || test $? -eq 1; } &&
	python3 - a.json <<-\PYEOF
	import json, sys
	c = {c["id"]: c for c in json.load(open(sys.argv[1]))["checks"]}
	assert c["traefik.insecure-api"]["status"] == "fail", c["traefik.insecure-api"]
	assert "external etcd" in c["traefik.insecure-api"]["evidence"], c["traefik.insecure-api"]
	PYEOF
'

test_expect_success 'the latest value counts: hardened put over it, the file matches: pass' '
	etcdctl1 put $HCC "$(python3 "$F/kine/kine-state.py" --json "$F/traefik/gen39/hardened.yaml")" >/dev/null &&
	with_timeout 60 k3sguard --root r traefik audit --live >out &&
	test "$(status_of out traefik.insecure-api)" = pass &&
	grep -q "applied state read from external etcd https://127.0.0.1" out
'

test_expect_success 'deleted from etcd: the manifests file counts' '
	etcdctl1 del $HCC >/dev/null &&
	ext_root r "$ETCD_ENDPOINTS" insecure &&
	expect_code 1 with_timeout 60 k3sguard --root r traefik audit --live >out &&
	test "$(status_of out traefik.dashboard)" = fail &&
	grep -q "HelmChartConfig .traefik. in .*/traefik-config.yaml" out
'

test_expect_success 'etcd does not answer: unknown, hardened files do not pass' '
	dead=$(etcd_free_port) &&
	ext_root r "https://127.0.0.1:$dead" hardened &&
	with_timeout 60 k3sguard --root r traefik audit --live >out &&
	test "$(status_of out traefik.insecure-api)" = skip &&
	grep -q "the cluster.s applied state is unknown: .*127.0.0.1:$dead" out
'

test_done
