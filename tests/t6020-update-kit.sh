#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t6020: rollback kits: 'update prepare' then 'update rollback' round trips
# on node roots with the k3s test double (tests/doubles/k3s-update, a
# stand-in that follows K3s's documented etcd-snapshot and cluster-reset
# arguments), a real sqlite datastore (backed up with the online backup
# API), tampered kits, the token a snapshot needs, and the external-etcd
# refusal.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/update/root.sh"
cd "$TMP" || exit 1
DB=var/lib/rancher/k3s/server/db
rows() { sqlite3 "$1" "SELECT count(*) FROM kine"; }
fp() { printf %s "$1" | sha256sum | cut -c1-12; }

test_expect_success 'sqlite: prepare writes a complete kit' '
	update_root r v1.33.8+k3s1 sqlite &&
	k3sguard --root r update prepare --out kit >out &&
	grep -q "rollback kit for K3s v1.33.8+k3s1 written to kit" out &&
	test "$(stat -c %a kit)" = 700 &&
	test "$(stat -c %a kit/kit.json)" = 600 &&
	jq -e ".format == 1 and .k3s_version == \"v1.33.8+k3s1\" and .datastore.kind == \"sqlite\"" kit/kit.json &&
	test "$(jq -r .binary.sha256 kit/kit.json)" = "$(sha256sum <r/usr/local/bin/k3s | cut -d" " -f1)" &&
	for f in /etc/rancher/k3s/config.yaml /etc/rancher/k3s/config.yaml.d/10-label.yaml \
	    /etc/systemd/system/k3s.service /etc/systemd/system/k3s.service.env; do
		jq -e --arg f "$f" "[.files[] | select(.path == \$f)] | length == 1" kit/kit.json >/dev/null ||
			{ echo "missing $f"; exit 1; } &&
		cmp "r$f" "kit/files$f"
	done &&
	test "$(jq -r ".files[] | select(.path == \"/etc/systemd/system/k3s.service.env\") | .mode" kit/kit.json)" = 0600 &&
	test "$(rows kit/datastore/state.db)" = 2 &&
	test "$(sqlite3 kit/datastore/state.db "PRAGMA integrity_check")" = ok &&
	test "$(jq -r .token.fingerprint kit/kit.json)" = "$(fp updTestPW1)" &&
	test "$(jq -r .token.store_version kit/kit.json)" = null &&
	! grep -rq updTestPW1 kit/kit.json out &&
	! ls | grep -q "k3sguard-.*tmp"
'

test_expect_success 'sqlite: the backup is consistent while a writer holds the WAL' '
	update_root r v1.33.8+k3s1 sqlite &&
	mkfifo w.fifo &&
	# bounded: ends when fd 7 of this body (the fifo writer) closes
	{ sqlite3 r/$DB/state.db <w.fifo >/dev/null 2>&1 & } &&
	exec 7>w.fifo &&
	echo "PRAGMA wal_autocheckpoint=0; INSERT INTO kine(name, value) VALUES (\"/registry/c\", \"three\");" >&7 &&
	for i in 1 2 3 4 5 6 7 8 9 10; do test -s r/$DB/state.db-wal && break; sleep 0.2; done &&
	test -s r/$DB/state.db-wal &&
	k3sguard --root r update prepare --out kit2 >out &&
	exec 7>&- &&
	test "$(rows kit2/datastore/state.db)" = 3
'

test_expect_success 'rollback --dry-run lists the steps and changes nothing' '
	cp r/usr/local/bin/k3s old-k3s &&
	printf "# upgraded\n" >>r/usr/local/bin/k3s &&
	printf "write-kubeconfig-mode: \"0644\"\n" >r/etc/rancher/k3s/config.yaml &&
	sqlite3 r/$DB/state.db "INSERT INTO kine(name, value) VALUES (\"/registry/new\", \"x\");" &&
	before=$(cd r && find . -type f ! -name "*.calls" | sort | xargs sha256sum) &&
	k3sguard --root r update rollback --kit kit --dry-run >out &&
	grep -q "would roll back to K3s v1.33.8+k3s1" out &&
	grep -q "stop k3s.service: skipped (--root is not the live host)" out &&
	grep -q "restore /usr/local/bin/k3s (sha256 verified)" out &&
	grep -q "restore /etc/rancher/k3s/config.yaml (mode 0600)" out &&
	grep -q "nothing was changed (--dry-run)" out &&
	test "$before" = "$(cd r && find . -type f ! -name "*.calls" | sort | xargs sha256sum)"
'

test_expect_success 'rollback restores binary, files and the sqlite datastore' '
	k3sguard --root r update rollback --kit kit >out &&
	cmp old-k3s r/usr/local/bin/k3s &&
	test "$(stat -c %a r/usr/local/bin/k3s)" = 755 &&
	grep -q "0600" r/etc/rancher/k3s/config.yaml &&
	test "$(stat -c %a r/etc/rancher/k3s/config.yaml)" = 600 &&
	test "$(rows r/$DB/state.db)" = 2 &&
	ls r/$DB | grep -q "^state.db.k3sguard-before-rollback-[0-9]*$" &&
	test "$(rows r/$DB/state.db.k3sguard-before-rollback-*[0-9])" = 4 &&
	k3sguard --root r update rollback --kit kit >out2
'

test_expect_success 'a tampered or truncated kit is refused and nothing changes (exit 1)' '
	update_root r v1.33.8+k3s1 sqlite &&
	k3sguard --root r update prepare --out kt >/dev/null &&
	printf "token: planted\n" >>kt/files/etc/rancher/k3s/config.yaml &&
	printf "# upgraded\n" >>r/usr/local/bin/k3s && cp r/usr/local/bin/k3s new-k3s &&
	expect_code 1 k3sguard --root r update rollback --kit kt >out 2>err &&
	one_line err && grep -q "files/etc/rancher/k3s/config.yaml. does not match its sha256" err &&
	cmp new-k3s r/usr/local/bin/k3s &&
	k3sguard --root r update prepare --out kt2 >/dev/null &&
	head -c 100 kt2/datastore/state.db >t && mv t kt2/datastore/state.db &&
	expect_code 1 k3sguard --root r update rollback --kit kt2 2>err &&
	grep -q "datastore/state.db. does not match" err &&
	printf "{" >kt2/kit.json &&
	expect_code 2 k3sguard --root r update rollback --kit kt2 2>err && one_line err &&
	grep -q "kit.json. line 1: invalid JSON" err
'

# host_k3s DIR: this host's config names DIR's K3s double as the K3s program
# to run (k3s-cli): under --root nothing of the image runs unless the
# operator names it as a program of the host
host_k3s() {
	printf "k3s-cli: %s\n" "$TMP/$1/usr/local/bin/k3s" >"$TMP/host-config.yaml" &&
	chmod 0600 "$TMP/host-config.yaml" &&
	export K3SGUARD_HOST_CONFIG="$TMP/host-config.yaml"
}

test_expect_success 'embedded etcd under --root: the image.s k3s is never run without k3s-cli' '
	update_root e v1.33.8+k3s1 etcd &&
	: >e/usr/local/bin/k3s.calls &&
	mkdir -p e/etc/k3sguard &&
	printf "k3s-cli: %s\n" "$TMP/e/usr/local/bin/k3s" >e/etc/k3sguard/config.yaml &&
	chmod 0600 e/etc/k3sguard/config.yaml &&
	K3SGUARD_HOST_CONFIG=$TMP/no-host-config.yaml expect_code 2 \
		k3sguard --root e update prepare --out nkit >out 2>err &&
	one_line err && grep -q "embedded etcd under --root runs no program of the image: set k3s-cli" err &&
	test ! -s e/usr/local/bin/k3s.calls && test ! -e nkit &&
	rm e/etc/k3sguard/config.yaml
'

test_expect_success 'embedded etcd: prepare runs k3s etcd-snapshot save into the kit' '
	host_k3s e &&
	k3sguard --root e update prepare --out ekit >out &&
	jq -e ".datastore.kind == \"embedded-etcd\"" ekit/kit.json &&
	snap=$(jq -r .datastore.file ekit/kit.json) &&
	case $snap in datastore/k3sguard-rollback-node1-*) ;; *) exit 1 ;; esac &&
	grep -q "etcd data before the upgrade" "ekit/$snap" &&
	grep -q "^etcd-snapshot save --name k3sguard-rollback --dir /.*/ekit.k3sguard-.*tmp/datastore --data-dir /.*/e/var/lib/rancher/k3s$" e/usr/local/bin/k3s.calls
'

test_expect_success 'embedded etcd: rollback resets the cluster from the snapshot' '
	host_k3s e &&
	printf "etcd data after the upgrade\n" >e/$DB/etcd/member/data &&
	k3sguard --root e update rollback --kit ekit >out &&
	grep -q "the snapshot.s token (fingerprint $(fp updTestPW1)) is the current server/token" out &&
	grep -q "^server --cluster-reset --cluster-reset-restore-path=.*ekit/datastore/k3sguard-rollback-node1-" e/usr/local/bin/k3s.calls &&
	grep -q "etcd data before the upgrade" e/$DB/etcd/member/data
'

test_expect_success 'embedded etcd after a token rotation: the old token from the store, never in argv' '
	host_k3s e &&
	printf "K10%s::server:rotatedPW2\n" "$(printf %064d 0 | tr 0 b)" >e/var/lib/rancher/k3s/server/token &&
	expect_code 2 k3sguard --root e update rollback --kit ekit 2>err &&
	one_line err && grep -q "needs the server token with fingerprint $(fp updTestPW1), which is neither server/token nor in the store" err &&
	printf "K10%s::server:updTestPW1\n" "$(printf %064d 0 | tr 0 b)" |
		k3sguard --root e secrets put server-token --note "before rotation" >/dev/null &&
	printf "K10%s::server:rotatedPW2\n" "$(printf %064d 0 | tr 0 b)" |
		k3sguard --root e secrets put server-token >/dev/null &&
	: >e/usr/local/bin/k3s.calls &&
	k3sguard --root e update rollback --kit ekit >out &&
	grep -q "is version 1 in the store" out &&
	want=$(printf "K10%s::server:updTestPW1" "$(printf %064d 0 | tr 0 b)" | sha256sum | cut -d" " -f1) &&
	grep -q "^token-file sha256 $want mode 600$" e/usr/local/bin/k3s.calls &&
	grep -q -- "--token-file /.*/e/var/lib/rancher/k3s/server/k3sguard-restore-token$" e/usr/local/bin/k3s.calls &&
	! grep -q "PW1\|PW2" e/usr/local/bin/k3s.calls out &&
	test ! -e e/var/lib/rancher/k3s/server/k3sguard-restore-token
'

test_expect_success 'external etcd without datastore-cafile: a clear error, no kit (t6040: the real cluster)' '
	update_root x v1.33.8+k3s1 external &&
	expect_code 2 k3sguard --root x update prepare --out xkit 2>err &&
	one_line err && grep -q "external etcd: the node has no datastore-cafile" err &&
	test ! -e xkit && ! ls | grep -q "xkit.k3sguard"
'

test_expect_success 'a failing snapshot leaves no partial kit' '
	update_root e2 v1.33.8+k3s1 etcd && rm e2/$DB/etcd/member/data &&
	host_k3s e2 &&
	expect_code 2 k3sguard --root e2 update prepare --out pkit 2>err &&
	one_line err && grep -q "etcd-snapshot save. exited with status 1" err &&
	test ! -e pkit && ! ls | grep -q "pkit.k3sguard"
'

test_expect_success 'prepare: default dir under --root, --dry-run, refusals' '
	update_root r v1.33.8+k3s1 sqlite &&
	k3sguard --root r update prepare --dry-run >out &&
	grep -q "would write a rollback kit for K3s v1.33.8+k3s1" out &&
	grep -q "back up the sqlite datastore" out &&
	test ! -e r/var/lib/k3sguard &&
	k3sguard --root r update prepare >out &&
	ls -d r/var/lib/k3sguard/rollback/v1.33.8+k3s1-*Z &&
	mkdir exists &&
	expect_code 2 k3sguard --root r update prepare --out exists 2>err && grep -q "exists" err &&
	expect_code 64 k3sguard --root r update rollback 2>err && one_line err &&
	expect_code 64 k3sguard update prepare extra 2>err
'

test_done
