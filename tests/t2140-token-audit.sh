#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t2140: the audit rows of the server-token strategy that read the secret
# store and the K3s version: stored (and matching), rotation age against
# policy.token-max-age-days, K3s able to rotate.  Node built with the K3s
# test doubles (tests/doubles); old store records come from faketime.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1
. "$(dirname "$0")/lib-audit.sh"
. "$TOP/tests/doubles/token-node.sh"

token_node n1 >setup.log 2>&1
setup_rc=$?

# row ID: "status<TAB>evidence" of one check from audit --format json
row() {
	k3sguard --root "$R" audit --format json --strategy server-token >a.json 2>a.err || :
	python3 -c '
import json, sys
d = json.load(open("a.json"))
c = [c for c in d["checks"] if c["id"] == sys.argv[1]]
print(c[0]["status"] + "\t" + c[0]["evidence"])' "$1"
}

test_expect_success 'set up a node' '
	[ $setup_rc -eq 0 ] || { cat setup.log; exit 1; }
'

test_expect_success 'stored: fail before token store, pass after, fail when it differs' '
	expect_check "$R" server-token.stored fail &&
	row server-token.stored >r && grep -q "^fail.*not in the file secret store" r &&
	row server-token.rotation-age >r && grep -q "^skip" r &&
	k3sguard --root "$R" token store >/dev/null &&
	expect_check "$R" server-token.stored pass &&
	row server-token.stored >r && grep -q "^pass.*version 1 .*matches server/token" r &&
	row server-token.rotation-age >r && grep -q "^pass.*stored on .*not rotated since" r &&
	cp "$DD/server/token" tok.bak &&
	printf "K10%s::server:someoneelse1\n" "$CAHASH" >"$DD/server/token" &&
	row server-token.stored >r && grep -q "^fail.*differs from server/token" r &&
	! grep -q someoneelse1 r a.json a.err &&
	cp tok.bak "$DD/server/token"
'

test_expect_success 'stored: a store that cannot be decrypted is an error, not a pass' '
	cp "$R/etc/k3sguard/master.key" key.bak && rm -f "$R/etc/k3sguard/master.key" &&
	head -c 32 /dev/urandom >"$R/etc/k3sguard/master.key" && chmod 400 "$R/etc/k3sguard/master.key" &&
	row server-token.stored >r && grep -q "^error.*server-token.sec" r &&
	rm -f "$R/etc/k3sguard/master.key" && cp key.bak "$R/etc/k3sguard/master.key"
'

test_expect_success 'rotation age: a token stored 100 days ago fails the 90-day default' '
	has_cmd faketime || { echo "faketime missing (scripts/deps/token.txt)"; exit 1; } &&
	k3sguard --root "$R" secrets rm server-token >/dev/null &&
	# make sanitize: the ASan allocator reads the clock, which faketime
	# intercepts with a malloc (a deadlock) unless it never releases memory
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:allocator_release_to_os_interval_ms=-1" faketime -f "-100d" "$K3SGUARD" --root "$R" token store >/dev/null &&
	expect_check "$R" server-token.rotation-age fail &&
	row server-token.rotation-age >r && grep -q "^fail.*(100 days[ 0-9:]*, policy 90 days)" r &&
	printf "policy:\n  token-max-age-days: 120\n" >>"$R/etc/k3sguard/config.yaml" &&
	row server-token.rotation-age >r && grep -q "^pass.*policy 120 days" r
'

test_expect_success 'rotation age: after a rotation, counted from it; old rotation fails' '
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:allocator_release_to_os_interval_ms=-1" faketime -f "-130d" "$K3SGUARD" --root "$R" token rotate --server "$URL" >out 2>&1 || { cat out; exit 1; } &&

	row server-token.rotation-age >r && grep -q "^fail.*last rotated .*130 days[ 0-9:]* ago.*policy of 120 days" r &&
	k3sguard --root "$R" token rotate --server "$URL" >out 2>&1 &&
	expect_check "$R" server-token.rotation-age pass &&
	row server-token.rotation-age >r && grep -q "^pass.*last rotated .*(0 days[ 0-9:]* ago; policy 120 days)" r &&
	row server-token.stored >r && grep -q "^pass" r
'

test_expect_success 'rotate-capable: by the k3s double version; unknown is an error' '
	expect_check "$R" server-token.rotate-capable pass &&
	row server-token.rotate-capable >r && grep -q "^pass.*v1.32.11+k3s3" r &&
	set_k3s_version v1.28.2+k3s1 &&
	expect_check "$R" server-token.rotate-capable fail &&
	row server-token.rotate-capable >r && grep -q "^fail.*v1.28.2+k3s1 cannot rotate.*does not rotate" r &&
	set_k3s_version v1.27.7+k3s1 &&
	row server-token.rotate-capable >r && grep -q "^pass" r &&
	mv "$R/usr/local/bin/k3s" k3s.away &&
	row server-token.rotate-capable >r && grep -q "^error" r &&
	mv k3s.away "$R/usr/local/bin/k3s"
'

test_expect_success 'a bad policy value is a one-line error naming the config' '
	printf "token:\n  restart-command: [\"$CTL/restart\"]\npolicy:\n  token-max-age-days: soon\n" >"$R/etc/k3sguard/config.yaml" &&
	expect_code 2 k3sguard --root "$R" audit --strategy server-token >out 2>err &&
	one_line err && grep -q "config.yaml" err && grep -q "token-max-age-days" err
'

test_done
