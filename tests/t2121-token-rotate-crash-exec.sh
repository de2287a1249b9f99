#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t2121: with the exec store backend, kill -9 'token rotate' at the journal
# states that have no network wait: before the journal exists (pending
# token being stored), at "pending", and at "rotated".  A TEST DOUBLE of a
# secret manager (tests/doubles/blocking-helper) holds k3sguard at the exact
# store call; the K3s endpoint is the supervisor TEST DOUBLE.  After every
# kill the store holds the token the double accepts; --resume (or a new
# rotation) ends with everything in agreement.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1
. "$TOP/tests/doubles/token-node.sh"

token_node n1 >setup.log 2>&1
setup_rc=$?
J=$R/var/lib/k3sguard/token-rotate.journal
export HELPER_DIR=$TMP/helper HELPER_JOURNAL=$J
mkdir -m 700 "$HELPER_DIR"
cat >>"$R/etc/k3sguard/config.yaml" <<EOC
store:
  backend: exec
EOC
# the helper is this host's setting, never the image's (token_node wrote it)
cat >>"$K3SGUARD_HOST_CONFIG" <<EOC
store:
  helper: $TOP/tests/doubles/blocking-helper
  helper-env: [HELPER_DIR, HELPER_JOURNAL]
EOC

wait_for() {
	_i=0
	until eval "$2"; do
		_i=$((_i + 1))
		[ $_i -le $(($1 * 20)) ] || { echo "timed out waiting for: $2" >&2; return 1; }
		sleep 0.05
	done
}
jstate() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["state"])' "$J" 2>/dev/null || echo -; }
store_holds_node_token() {
	_fp=$(fp_of "$(node_password)")
	_v=$(k3sguard --root "$R" secrets history server-token |
		awk -v fp="$_fp" 'index($0, fp) { sub(/^v/, "", $1); print $1 }' | tail -n 1)
	[ -n "$_v" ] || { echo "no store version with fingerprint $_fp" >&2; return 1; }
	[ "$(k3sguard --root "$R" secrets get server-token --version "$_v")" = "K10$CAHASH::server:$(node_password)" ]
}
all_agree() {
	[ ! -e "$J" ] &&
	[ "$(k3sguard --root "$R" secrets get server-token)" = "K10$CAHASH::server:$(node_password)" ] &&
	[ "$(cat "$DD/server/token")" = "K10$CAHASH::server:$(node_password)" ] &&
	k3sguard --root "$R" token verify >/dev/null
}
last_version() { k3sguard --root "$R" secrets history server-token | tail -n 1 | awk '{sub(/^v/,"",$1); print $1}'; }
held_rotate() {	# held_rotate "VERB KEY STATE": start a rotation, wait until the helper holds it, kill -9
	echo "$1" >"$HELPER_DIR/block"
	# bounded: killed -9 below; the wait for the helper has a limit
	"$K3SGUARD" --root "$R" token rotate --server "$URL" >rot.out 2>rot.err & rot=$!
	wait_for 20 "[ -e $HELPER_DIR/in-block ]" || { cat rot.err; return 1; }
	kill -9 $rot; wait $rot 2>/dev/null || :
	rm "$HELPER_DIR/block"
	wait_for 10 "[ ! -e $HELPER_DIR/in-block ]"
}

test_expect_success 'set up a node; token store through the exec helper' '
	[ $setup_rc -eq 0 ] || { cat setup.log; exit 1; } &&
	k3sguard --root "$R" token store >/dev/null &&
	[ -f "$HELPER_DIR/vals/server-token_1" ] &&
	[ "$(stat -c %a "$HELPER_DIR/vals/server-token_1")" = 600 ]
'

test_expect_success 'killed while the pending token is stored (no journal yet): nothing to resume, node token current' '
	n=$(last_version) &&
	held_rotate "store server-token/$((n + 1)) -" &&
	[ "$(jstate)" = - ] &&
	[ "$(node_password)" = "$OLDPW" ] && store_holds_node_token &&
	[ "$(k3sguard --root "$R" secrets get server-token)" = "K10$CAHASH::server:$OLDPW" ] &&
	k3sguard --root "$R" token rotate --resume --server "$URL" >out && grep -q "nothing to resume" out &&
	k3sguard --root "$R" token rotate --server "$URL" >out 2>&1 && grep -q "^rotated" out &&
	all_agree
'

test_expect_success 'killed at "pending": resume calls K3s and finishes' '
	before=$(node_password) && n=$(last_version) &&
	held_rotate "get server-token/$n pending" &&
	[ "$(jstate)" = pending ] &&
	[ "$(node_password)" = "$before" ] && store_holds_node_token &&
	k3sguard --root "$R" token rotate --resume --server "$URL" >out 2>&1 &&
	grep -q "interrupted at .pending." out && grep -q "^rotated" out &&
	[ "$(node_password)" != "$before" ] && all_agree
'

test_expect_success 'killed at "rotated": resume finishes without calling K3s again' '
	before=$(node_password) && n=$(last_version) &&
	puts=$(grep -c "^PUT" "$CTL/requests.log") &&
	held_rotate "get server-token/$((n + 1)) rotated" &&
	[ "$(jstate)" = rotated ] &&
	[ "$(node_password)" != "$before" ] && store_holds_node_token &&
	k3sguard --root "$R" token rotate --resume --server "$URL" >out 2>&1 &&
	grep -q "interrupted at .rotated." out && grep -q "^rotated" out &&
	[ "$(grep -c "^PUT" "$CTL/requests.log")" = $((puts + 1)) ] &&
	all_agree
'

test_done
