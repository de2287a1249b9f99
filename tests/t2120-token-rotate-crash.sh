#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t2120: kill -9 'token rotate' at every journal state, then --resume: the
# store always holds the token the K3s TEST DOUBLE (tests/doubles/
# k3s-supervisor.py, a stand-in for K3s's endpoint) says is valid, and the
# resumed rotation ends with store, server/token, cred/passwd and the
# bootstrap record in agreement.
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
jstate() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["state"])' "$J" 2>/dev/null; }

# The store has a version holding exactly the token the double accepts now.
store_holds_node_token() {
	_fp=$(fp_of "$(node_password)")
	_v=$(k3sguard --root "$R" secrets history server-token |
		awk -v fp="$_fp" 'index($0, fp) { sub(/^v/, "", $1); print $1 }' | tail -n 1)
	[ -n "$_v" ] || { echo "no store version with fingerprint $_fp" >&2; return 1; }
	[ "$(k3sguard --root "$R" secrets get server-token --version "$_v")" = "K10$CAHASH::server:$(node_password)" ]
}

# Everything agrees after a finished rotation.
all_agree() {
	[ ! -e "$J" ] &&
	[ "$(k3sguard --root "$R" secrets get server-token)" = "K10$CAHASH::server:$(node_password)" ] &&
	[ "$(cat "$DD/server/token")" = "K10$CAHASH::server:$(node_password)" ] &&
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert list(d)==[\"/bootstrap/$(fp_of "$(node_password)")\"], d" "$DD/server/db/bootstrap.json" &&
	k3sguard --root "$R" token verify >/dev/null
}

start_rotate() {
	# bounded: the same body kills it (kill9) or waits for it, under TEST_BODY_TIMEOUT
	"$K3SGUARD" --root "$R" token rotate --server "$URL" "$@" >rot.out 2>rot.err &
	ROT=$!
}
kill9() { kill -9 "$ROT" && { wait "$ROT" 2>/dev/null || true; }; }

test_expect_success 'set up a node and store its token' '
	[ $setup_rc -eq 0 ] || { cat setup.log; exit 1; } &&
	k3sguard --root "$R" token store >/dev/null
'

test_expect_success 'killed while calling, K3s never got it: resume finishes with the pending token' '
	touch "$CTL/hang-before" &&
	start_rotate &&
	wait_for 20 "[ -e $CTL/in-hang-before ]" &&
	[ "$(jstate)" = calling ] && kill9 &&
	store_holds_node_token &&
	[ "$(node_password)" = "$OLDPW" ] &&
	touch "$CTL/abort" && rm "$CTL/hang-before" &&
	wait_for 10 "[ ! -e $CTL/in-hang-before ]" && rm "$CTL/abort" &&
	[ "$(node_password)" = "$OLDPW" ] &&
	expect_code 2 k3sguard --root "$R" token rotate --server "$URL" 2>err && grep -q "resume" err &&
	k3sguard --root "$R" token rotate --resume --server "$URL" >out 2>&1 &&
	grep -q "interrupted at .calling." out && grep -q "^rotated" out &&
	[ "$(node_password)" != "$OLDPW" ] &&
	all_agree
'

test_expect_success 'killed while calling, K3s applied it late: resume finishes' '
	before=$(node_password) &&
	touch "$CTL/hang-before" &&
	start_rotate &&
	wait_for 20 "[ -e $CTL/in-hang-before ]" && kill9 &&
	store_holds_node_token &&
	rm "$CTL/hang-before" &&
	wait_for 10 "[ \"\$(node_password)\" != \"$before\" ]" &&
	store_holds_node_token &&
	k3sguard --root "$R" token rotate --resume --server "$URL" >out 2>&1 &&
	grep -q "^rotated" out && all_agree
'

test_expect_success 'killed after K3s rotated, before its answer: resume finishes' '
	before=$(node_password) &&
	touch "$CTL/hang-after" &&
	start_rotate &&
	wait_for 20 "[ -e $CTL/in-hang-after ]" &&
	[ "$(node_password)" != "$before" ] && [ "$(jstate)" = calling ] && kill9 &&
	store_holds_node_token &&
	rm "$CTL/hang-after" &&
	k3sguard --root "$R" token rotate --resume --server "$URL" >out 2>&1 &&
	grep -q "^rotated" out && all_agree
'

test_expect_success 'killed during the restart command: resume restarts again and finishes' '
	before=$(node_password) && : >"$CTL/restarts" &&
	touch "$CTL/hang-restart" &&
	start_rotate &&
	wait_for 20 "[ -s $CTL/restarts ]" &&
	[ "$(jstate)" = restarting ] && kill9 &&
	store_holds_node_token && [ "$(node_password)" != "$before" ] &&
	[ "$(k3sguard --root "$R" secrets get server-token)" = "K10$CAHASH::server:$(node_password)" ] &&
	rm "$CTL/hang-restart" &&
	k3sguard --root "$R" token rotate --resume --server "$URL" >out 2>&1 &&
	grep -q "interrupted at .restarting." out &&
	[ "$(wc -l <"$CTL/restarts")" = 2 ] && all_agree
'

test_expect_success 'killed while waiting for K3s to come back: resume finishes' '
	: >"$CTL/restarts" && touch "$CTL/down" &&
	start_rotate &&
	wait_for 20 "[ -s $CTL/restarts ]" && sleep 0.3 && kill9 &&
	[ "$(jstate)" = restarting ] && store_holds_node_token &&
	rm "$CTL/down" &&
	k3sguard --root "$R" token rotate --resume --server "$URL" >out 2>&1 &&
	grep -q "^rotated" out && all_agree
'

test_expect_success 'killed with --via-cli while k3s token rotate runs: resume finishes natively' '
	before=$(node_password) &&
	touch "$CTL/hang-after" &&
	start_rotate --via-cli &&
	wait_for 20 "[ -e $CTL/in-hang-after ]" && kill9 &&
	store_holds_node_token &&
	rm "$CTL/hang-after" &&
	wait_for 10 "! pgrep -f \"$R/usr/local/bin/k3s\" >/dev/null" &&
	k3sguard --root "$R" token rotate --resume --server "$URL" >out 2>&1 &&
	grep -q "^rotated" out && [ "$(node_password)" != "$before" ] && all_agree
'

test_expect_success 'a failing restart command leaves a journal; resume after fixing it' '
	printf "#!/bin/sh\nexit 5\n" >"$CTL/restart-fail" && chmod 755 "$CTL/restart-fail" &&
	cp "$K3SGUARD_HOST_CONFIG" cfg.good &&
	sed -i "s|$CTL/restart|$CTL/restart-fail|" "$K3SGUARD_HOST_CONFIG" &&
	expect_code 2 k3sguard --root "$R" token rotate --server "$URL" >out 2>err &&
	grep -q "exited with status 5" err && [ "$(jstate)" = restarting ] &&
	store_holds_node_token &&
	cp cfg.good "$K3SGUARD_HOST_CONFIG" &&
	k3sguard --root "$R" token rotate --resume --server "$URL" >out 2>&1 && all_agree
'

test_expect_success 'a damaged journal is an error naming it, nothing changes' '
	printf "{not json" >"$J" && chmod 600 "$J" &&
	before=$(node_password) &&
	expect_code 2 k3sguard --root "$R" token rotate --resume --server "$URL" >out 2>err &&
	one_line err && grep -q "token-rotate.journal" err &&
	[ "$(node_password)" = "$before" ] && rm "$J"
'

test_done
