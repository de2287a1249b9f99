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

# old AGO K3SGUARD_ARGS...: k3sguard run AGO (faketime: 89d, 7776002s) ago
old() {
	_d=$1; shift
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:allocator_release_to_os_interval_ms=-1" \
		faketime -f "-${_d}" "$K3SGUARD" --root "$R" "$@"
}

test_expect_success 'set up a node' '
	[ $setup_rc -eq 0 ] || { cat setup.log; exit 1; } &&
	has_cmd faketime
'

# The clock runs between "faketime -N token store" and the audit (the age is
# N and a moment): the fail side is 90 days and 2 s.  Over the policy by a
# second is over it (the exact boundary, clocks frozen: t9020).
test_expect_success 'stored, never rotated: 89 days old passes the 90-day default, 90 days and seconds fails' '
	old 89d token store >/dev/null &&
	row server-token.rotation-age >r && { grep -q "^pass.*(89 days" r || { cat r; false; }; } &&
	k3sguard --root "$R" secrets rm server-token >/dev/null &&
	old $((90 * 86400 + 2))s token store >/dev/null &&
	row server-token.rotation-age >r && grep -q "^fail.*(90 days [0-9:]*, policy 90 days)" r
'

test_expect_success 'stored, never rotated: counted from the oldest version with the same token' '
	k3sguard --root "$R" secrets rm server-token >/dev/null &&
	old 100d token store >/dev/null &&
	tok=$(cat "$DD/server/token") &&
	printf "%s\n" "$tok" | old 10d secrets put server-token >/dev/null &&
	row server-token.rotation-age >r && grep -q "^fail.*100 days" r
'

test_expect_success 'rotated: 89 days ago passes, 90 days and seconds fails' '
	k3sguard --root "$R" secrets rm server-token >/dev/null &&
	old 89d token rotate --server "$URL" >out 2>&1 || { cat out; exit 1; } &&
	row server-token.rotation-age >r && { grep -q "^pass.*last rotated .*(89 days[ 0-9:]* ago" r || { cat r; false; }; } &&
	old $((90 * 86400 + 2))s token rotate --server "$URL" >out 2>&1 || { cat out; exit 1; } &&
	row server-token.rotation-age >r && grep -q "^fail.*last rotated .*90 days [0-9:]* ago" r
'

test_expect_success 'stored: a store value that only starts like server/token differs' '
	k3sguard --root "$R" token store >/dev/null 2>&1 || : &&
	row server-token.stored >r && grep -q "^pass" r &&
	tok=$(cat "$DD/server/token") &&
	printf "%sx\n" "$tok" | k3sguard --root "$R" secrets put server-token >/dev/null &&
	row server-token.stored >r && grep -q "^fail.*differs from server/token" r
'

test_done
