#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9503: server-token.rotation-age and server-token.stored at the edges the
# mutation run (make mutate, docs/testing.md) found untested: a token
# exactly token-max-age-days old (the policy allows that age: pass) and one
# day older (fail), stored or rotated; a store value that only starts like
# server/token.  Node from the K3s test doubles (tests/doubles), old store
# records from faketime.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1
. "$TOP/tests/doubles/token-node.sh"
token_node n1 >setup.log 2>&1
setup_rc=$?

row() {
	k3sguard --root "$R" audit --format json --strategy server-token >a.json 2>a.err || :
	python3 -c '
import json, sys
d = json.load(open("a.json"))
c = [c for c in d["checks"] if c["id"] == sys.argv[1]]
print(c[0]["status"] + "\t" + c[0]["evidence"])' "$1"
}

# old K3SGUARD_ARGS...: k3sguard run DAYS days ago (faketime)
old() {
	_d=$1; shift
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:allocator_release_to_os_interval_ms=-1" \
		faketime -f "-${_d}d" "$K3SGUARD" --root "$R" "$@"
}

test_expect_success 'set up a node' '
	[ $setup_rc -eq 0 ] || { cat setup.log; exit 1; } &&
	has_cmd faketime
'

test_expect_success 'stored, never rotated: exactly 90 days old passes the 90-day default, 91 fails' '
	old 90 token store >/dev/null &&
	row server-token.rotation-age >r && grep -q "^pass.*90 days" r &&
	k3sguard --root "$R" secrets rm server-token >/dev/null &&
	old 91 token store >/dev/null &&
	row server-token.rotation-age >r && grep -q "^fail.*91 days, policy 90 days" r
'

test_expect_success 'stored, never rotated: counted from the oldest version with the same token' '
	k3sguard --root "$R" secrets rm server-token >/dev/null &&
	old 100 token store >/dev/null &&
	tok=$(cat "$DD/server/token") &&
	printf "%s\n" "$tok" | old 10 secrets put server-token >/dev/null &&
	row server-token.rotation-age >r && grep -q "^fail.*100 days" r
'

test_expect_success 'rotated: exactly 90 days ago passes, 91 fails' '
	k3sguard --root "$R" secrets rm server-token >/dev/null &&
	old 90 token rotate --server "$URL" >out 2>&1 || { cat out; exit 1; } &&
	row server-token.rotation-age >r && grep -q "^pass.*last rotated .*(90 days ago" r &&
	old 91 token rotate --server "$URL" >out 2>&1 || { cat out; exit 1; } &&
	row server-token.rotation-age >r && grep -q "^fail.*last rotated .*91 days ago" r
'

test_expect_success 'stored: a store value that only starts like server/token differs' '
	k3sguard --root "$R" token store >/dev/null 2>&1 || : &&
	row server-token.stored >r && grep -q "^pass" r &&
	tok=$(cat "$DD/server/token") &&
	printf "%sx\n" "$tok" | k3sguard --root "$R" secrets put server-token >/dev/null &&
	row server-token.stored >r && grep -q "^fail.*differs from server/token" r
'

test_done
