#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0122: which datastore K3s uses, every branch of K3s:
# pkg/cluster/managed.go assignManagedDriver() (with pkg/etcd IsInitialized():
# server/db/etcd/member/wal is a directory) and kine's
# pkg/endpoint/endpoint.go ParseStorageEndpoint().  Ours: src/node/node.c
# find_datastore(), etcd_initialized(), endpoint_kind().
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-audit.sh"
. "$TOP/tests/fixtures/fidelity/trees.sh"
cd "$TMP" || exit 1

ds() {
	"$K3SGUARD" --root "$1" node --format json 2>/dev/null | $PY -c '
import json, sys
print(json.load(sys.stdin)["datastore"])'
}
EPS="https://10.0.0.1:2379,https://10.0.0.2:2379,https://10.0.0.3:2379"
WAL=var/lib/rancher/k3s/server/db/etcd/member/wal

# branch 1: an initialized embedded etcd wins over a datastore-endpoint added later
test_expect_success 'wal exists, then datastore-endpoint added: embedded etcd, etcd checks do not pass' '
	fid_server later && mkdir -p later/$WAL &&
	printf "datastore-endpoint: %s\ndatastore-cafile: /etc/etcd/ca.crt\n" "$EPS" \
		>later/etc/rancher/k3s/config.yaml &&
	test "$(ds later)" = embedded-etcd &&
	audit_json later &&
	test "$(check_status etcd.datastore-external)" = fail &&
	test "$(check_status etcd.members)" != pass &&
	test "$(check_status etcd.firewall)" != pass
'

test_expect_success 'the same endpoint without the wal: external etcd' '
	fid_server ext &&
	printf "datastore-endpoint: %s\n" "$EPS" >ext/etc/rancher/k3s/config.yaml &&
	test "$(ds ext)" = external-etcd &&
	expect_check ext etcd.datastore-external pass
'

test_expect_success 'server/db/etcd without member/wal is not initialized (IsInitialized)' '
	fid_server noinit && mkdir -p noinit/var/lib/rancher/k3s/server/db/etcd &&
	test "$(ds noinit)" = sqlite &&
	fid_server walfile && mkdir -p walfile/${WAL%/wal} && : >walfile/$WAL &&
	test "$(ds walfile)" = sqlite
'

# branch 2: the endpoint names the embedded driver
test_expect_success 'datastore-endpoint "etcd": embedded etcd' '
	fid_server named && echo "datastore-endpoint: etcd" >named/etc/rancher/k3s/config.yaml &&
	test "$(ds named)" = embedded-etcd
'

# branch 3: joining (token and server URL, no endpoint), or cluster-init
test_expect_success 'a server joining with token and --server: embedded etcd, not SQLite' '
	FID_ARGS="--server
https://10.0.0.1:6443
--token-file
/etc/k3s-token" fid_server join &&
	test "$(ds join)" = embedded-etcd &&
	FID_ARGS="--cluster-init" fid_server init && test "$(ds init)" = embedded-etcd &&
	FID_ARGS="--server
https://10.0.0.1:6443" fid_server notoken && test "$(ds notoken)" = sqlite
'

# branch 4: kine's ParseStorageEndpoint()
test_expect_success 'an endpoint without "://" is SQLite for kine' '
	fid_server bare && echo "datastore-endpoint: db.example:2379" >bare/etc/rancher/k3s/config.yaml &&
	test "$(ds bare)" = sqlite &&
	expect_check bare etcd.datastore-external fail
'

test_expect_success 'schemes: mysql, postgres, sqlite, unknown' '
	for e in "mysql://u:p@tcp(db:3306)/k3s=external-sql" "postgres://db/k3s=external-sql" \
	    "sqlite:///var/lib/k.db=sqlite" "HTTPS://e:2379=unknown" "foo://x=unknown"; do
		rm -rf s && fid_server s &&
		echo "datastore-endpoint: \"${e%=*}\"" >s/etc/rancher/k3s/config.yaml &&
		test "$(ds s)" = "${e##*=}" || { echo "$e: $(ds s)"; return 1; }
	done
'

test_done
