#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t3801: etcd snapshot export FILE.ksnap OUT.db: the encrypted snapshot of a
# real 3-member cluster becomes a plain etcd snapshot that Debian's etcdctl
# reads (`snapshot status`) and restores (`snapshot restore`); a single etcd
# started on the restored data dir serves every key.  Tampered files, a
# sidecar that disagrees, an existing OUT and --dry-run write nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd-cluster.sh"
cd "$TMP" || exit 1

if ! etcd_cluster_start; then
	test_expect_success 'start a 3-member etcd cluster from our files' 'false'
	test_done
fi
at_exit 'test -s "$TMP/single.pid" && kill "$(cat "$TMP/single.pid")" 2>/dev/null; true'
R=$TMP/root
mkdir -p "$R"
SD=$R/var/lib/k3sguard/etcd-snapshots
S() { k3sguard --root "$R" etcd snapshot "$@"; }
etcdctl1() {
	ETCDCTL_API=3 etcdctl --endpoints "$ETCD_EP1" --cacert "$ETCD_CA" \
		--cert "$ETCD_ROOT_CERT" --key "$ETCD_ROOT_KEY" "$@"
}
hexof() { od -An -tx1 | tr -d " \n"; }
# code_is N CMD...: CMD exits with N
code_is() { _want=$1; shift; "$@"; test $? -eq "$_want"; }

test_expect_success 'fill the cluster and save an encrypted snapshot' '
	for i in $(seq 1 4); do
		head -c 300000 /dev/urandom | base64 -w0 | etcdctl1 put "/registry/big/$i" >/dev/null || exit 1
	done &&
	for i in $(seq 1 20); do etcdctl1 put "/registry/k$i" "v$i" >/dev/null || exit 1; done &&
	S save --endpoints "$ETCD_EP1" --cacert "$ETCD_CA" --cert "$ETCD_ROOT_CERT" \
		--key "$ETCD_ROOT_KEY" --name s1 >/dev/null &&
	test -s "$SD/s1.ksnap"
'

test_expect_success 'export --dry-run verifies and writes nothing' '
	S export --dry-run "$SD/s1.ksnap" "$TMP/dry.db" >out &&
	grep -q "^verified .*s1.ksnap" out && grep -q "^would write $TMP/dry.db (0600)" out &&
	test ! -e "$TMP/dry.db" && test -z "$(ls -A "$TMP" | grep -e "^\.k3sguard" -e tmp)"
'

test_expect_success 'export writes a 0600 plain snapshot whose trailer is the sidecar sha256' '
	(umask 022 && S export "$SD/s1.ksnap" "$TMP/out.db" >out) &&
	grep -q "^exported .*s1.ksnap to $TMP/out.db: [0-9]* bytes" out &&
	test "$(stat -c %a "$TMP/out.db")" = 600 &&
	want=$(tail -c 32 "$TMP/out.db" | hexof) &&
	grep -q "\"db_sha256\": \"$want\"" "$SD/s1.ksnap.json" &&
	grep -q "\"size\": $(stat -c %s "$TMP/out.db")," "$SD/s1.ksnap.json" &&
	test "$(head -c -32 "$TMP/out.db" | sha256sum | cut -c1-64)" = "$want"
'

test_expect_success 'Debian etcdctl reads it: snapshot status counts the keys' '
	ETCDCTL_API=3 etcdctl snapshot status "$TMP/out.db" -w json >st &&
	python3 -c "import json,sys; j=json.load(open(\"st\")); sys.exit(0 if j[\"totalKey\"] >= 24 and j[\"revision\"] > 0 else 1)"
'

test_expect_success 'etcdctl snapshot restore, then a single etcd on it serves every key' '
	c=$(etcd_free_port) && p=$(etcd_free_port) &&
	ETCDCTL_API=3 etcdctl snapshot restore "$TMP/out.db" --name one \
		--initial-cluster "one=http://127.0.0.1:$p" \
		--initial-advertise-peer-urls "http://127.0.0.1:$p" \
		--data-dir "$TMP/one" >restore.log 2>&1 &&
	test -d "$TMP/one/member/snap" &&
	(timeout -k 5 300 etcd --name one --data-dir "$TMP/one" \
		--listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
		--listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
		--initial-cluster "one=http://127.0.0.1:$p" >single.log 2>&1 & echo $! >"$TMP/single.pid") &&
	for t in $(seq 1 100); do
		ETCDCTL_API=3 etcdctl --endpoints "http://127.0.0.1:$c" endpoint health >/dev/null 2>&1 && break ||
		sleep 0.2
	done &&
	for i in $(seq 1 20); do
		test "$(ETCDCTL_API=3 etcdctl --endpoints "http://127.0.0.1:$c" get "/registry/k$i" --print-value-only)" = "v$i" || exit 1
	done &&
	test "$(ETCDCTL_API=3 etcdctl --endpoints "http://127.0.0.1:$c" get --prefix /registry/big/ --keys-only | grep -c big)" -eq 4 &&
	kill "$(cat "$TMP/single.pid")" && rm -f "$TMP/single.pid"
'

test_expect_success 'an existing OUT is refused, --force replaces it' '
	echo keep >"$TMP/old.db" &&
	code_is 2 S export "$SD/s1.ksnap" "$TMP/old.db" 2>err &&
	grep -q "old.db. exists (--force replaces it)" err && test "$(cat "$TMP/old.db")" = keep &&
	S export --force "$SD/s1.ksnap" "$TMP/old.db" >/dev/null &&
	cmp "$TMP/old.db" "$TMP/out.db" && test "$(stat -c %a "$TMP/old.db")" = 600
'

test_expect_success 'a tampered snapshot exports nothing (exit 1, no temp file left)' '
	mkdir -p bad && cp "$SD/s1.ksnap" bad/t.ksnap &&
	sz=$(stat -c %s bad/t.ksnap) &&
	printf "\377" | dd of=bad/t.ksnap bs=1 seek=$((sz / 2)) conv=notrunc 2>/dev/null &&
	code_is 1 S export bad/t.ksnap bad/t.db 2>err &&
	test -s err && test ! -e bad/t.db && test "$(ls -A bad)" = t.ksnap
'

test_expect_success 'a sidecar that disagrees exports nothing' '
	cp "$SD/s1.ksnap" bad/s.ksnap &&
	sed "s/\"db_sha256\": \"[0-9a-f]*\"/\"db_sha256\": \"$(printf %064d 0)\"/" \
		"$SD/s1.ksnap.json" >bad/s.ksnap.json &&
	code_is 1 S export bad/s.ksnap bad/s.db 2>err &&
	grep -q "differs from the sidecar" err && test ! -e bad/s.db &&
	test -z "$(ls -A bad | grep -v -e "^t.ksnap$" -e "^s.ksnap")"
'

test_expect_success 'usage: two operands' '
	code_is 64 S export "$SD/s1.ksnap" 2>/dev/null &&
	S export --help | grep -q "usage: k3sguard etcd snapshot export FILE.ksnap OUT.db"
'

test_done
