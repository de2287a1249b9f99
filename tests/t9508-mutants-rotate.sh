#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9508: 'token rotate' at the edges the mutation run (make mutate,
# docs/testing.md) found untested: the journal is 0600 while it exists;
# server/token that K3s did not rewrite is rewritten 0600 on --resume; after
# K3s answers, a server/token without the new token stops the rotation; a
# token whose user is not "server" is refused.  Against the K3s TEST
# DOUBLE (tests/doubles/k3s-supervisor.py, which follows K3s's
# pkg/server/token.go: PUT /v1-k3s/token rewrites cred/passwd and
# server/token), whose control files hold a request before or after it
# changes anything.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1
. "$TOP/tests/doubles/token-node.sh"

token_node n1 >setup.log 2>&1
setup_rc=$?
J=$R/var/lib/k3sguard/token-rotate.journal

wait_for() {	# wait_for SECONDS CONDITION
	_i=0
	until eval "$2"; do
		_i=$((_i + 1))
		[ $_i -le $(($1 * 20)) ] || { echo "timed out waiting for: $2" >&2; return 1; }
		sleep 0.05
	done
}
start_rotate() {
	timeout -k 5 60 "$K3SGUARD" --root "$R" token rotate --server "$URL" "$@" >rot.out 2>rot.err &
	ROT=$!
}

test_expect_success 'set up a node and store its token' '
	[ $setup_rc -eq 0 ] || { cat setup.log; exit 1; } &&
	k3sguard --root "$R" token store >/dev/null
'

test_expect_success 'the journal is 0600 while a rotation is under way' '
	touch "$CTL/hang-before" &&
	start_rotate &&
	wait_for 20 "[ -e $CTL/in-hang-before ]" &&
	test -f "$J" && test "$(stat -c %a "$J")" = 600 &&
	rm "$CTL/hang-before" &&
	wait "$ROT" && test ! -e "$J"
'

test_expect_success 'after K3s answers, a server/token without the new token stops the rotation' '
	cp "$DD/server/token" old.tok &&
	touch "$CTL/hang-after" &&
	start_rotate &&
	wait_for 20 "[ -e $CTL/in-hang-after ]" &&
	! cmp -s old.tok "$DD/server/token" &&
	cp old.tok "$DD/server/token" &&
	rm "$CTL/hang-after" &&
	{ wait "$ROT" && rc=0 || rc=$?; } && test "$rc" -ne 0 &&
	grep -q "does not carry the new token" rot.err &&
	cmp -s old.tok "$DD/server/token"
'

test_expect_success '--resume rewrites the server/token K3s left behind, 0600' '
	test -f "$J" &&
	k3sguard --root "$R" token rotate --resume --server "$URL" >out 2>&1 &&
	grep -q "rewrote .* with the new token" out &&
	! cmp -s old.tok "$DD/server/token" &&
	test "$(stat -c %a "$DD/server/token")" = 600 &&
	k3sguard --root "$R" token verify >/dev/null
'

test_expect_success 'a K10 token whose user is not "server" is refused, nothing changed' '
	cp "$DD/server/token" good.tok &&
	sed "s/::server:/::node:/" good.tok >"$DD/server/token" &&
	expect_code 2 k3sguard --root "$R" token rotate --server "$URL" >out 2>err &&
	grep -q "not a secure server token" err &&
	cp good.tok "$DD/server/token"
'

test_done
