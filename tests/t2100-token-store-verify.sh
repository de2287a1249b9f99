#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t2100: 'token store' and 'token verify' on a server node tree.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1
. "$TOP/tests/doubles/token-node.sh"

token_node n1 >setup.log 2>&1
setup_rc=$?
test_expect_success 'set up a node (k3s test doubles)' '
	[ $setup_rc -eq 0 ] || { cat setup.log; exit 1; }
'
T() { k3sguard --root "$R" token "$@"; }

test_expect_success 'verify before store: exit 1, says not in the store' '
	expect_code 1 T verify >out 2>err &&
	grep -q "^FAIL server-token .*not in the store" out &&
	! grep -q "$OLDPW" out err
'

test_expect_success 'store --dry-run stores nothing' '
	T store --dry-run >out && grep -q "^would store .server-token." out &&
	[ ! -e "$R/var/lib/k3sguard/secrets/server-token.sec" ]
'

test_expect_success 'store puts server/token in the store with its fingerprint' '
	T store >out &&
	grep -q "^stored .server-token. version 1: secure server token (CA ${CAHASH:0:12}..., fingerprint $(fp_of "$OLDPW"))" out &&
	! grep -q "$OLDPW" out &&
	[ "$(k3sguard --root "$R" secrets get server-token)" = "$(cat "$DD/server/token")" ] &&
	[ ! -e "$R/var/lib/k3sguard/secrets/agent-token.sec" ]
'

test_expect_success 'store is idempotent' '
	T store >out && grep -q "^already stored .server-token. version 1" out &&
	[ "$(k3sguard --root "$R" secrets history server-token | wc -l)" = 1 ]
'

test_expect_success 'verify passes, text and json' '
	T verify >out && grep -q "token verify: ok" out &&
	T verify --format json >v.json &&
	python3 -c "import json; d=json.load(open(\"v.json\")); assert d[\"ok\"] is True and len(d[\"checks\"])>=4, d"
'

test_expect_success 'a separate agent token is stored as agent-token' '
	rm "$DD/server/agent-token" &&
	printf "K10%s::node:agentpw123456\n" "$CAHASH" >"$DD/server/agent-token" &&
	chmod 600 "$DD/server/agent-token" &&
	T store --format json >s.json &&
	python3 -c "import json; d=json.load(open(\"s.json\")); a={x[\"name\"]:x[\"action\"] for x in d}; assert a=={\"server-token\":\"already stored\",\"agent-token\":\"stored\"}, a" &&
	[ "$(k3sguard --root "$R" secrets get agent-token)" = "K10$CAHASH::node:agentpw123456" ]
'

test_expect_success 'verify fails when the node token changed behind the store' '
	cp "$DD/server/token" token.bak &&
	printf "K10%s::server:changedpw99\n" "$CAHASH" >"$DD/server/token" &&
	expect_code 1 T verify >out &&
	grep -q "^FAIL server-token .*differs from server/token" out &&
	! grep -q changedpw99 out &&
	cp token.bak "$DD/server/token" && T verify >/dev/null
'

test_expect_success 'verify fails on a token file readable by others' '
	chmod 644 "$DD/server/token" &&
	expect_code 1 T verify >out && grep -q "^FAIL server/token mode .*0644" out &&
	chmod 600 "$DD/server/token"
'

test_expect_success 'a token file that is a symlink or garbage is refused' '
	mv "$DD/server/token" tok.real && ln -s "$TMP/tok.real" "$DD/server/token" &&
	expect_code 2 T store >out 2>err && one_line err && grep -q symlink err &&
	rm "$DD/server/token" && printf "\001\002\n" >"$DD/server/token" &&
	expect_code 2 T store >out 2>err && one_line err && grep -q "does not hold a K3s token" err &&
	mv tok.real "$DD/server/token"
'

test_expect_success 'usage errors' '
	expect_code 64 T store --resume 2>err &&
	expect_code 64 T verify extra 2>err &&
	expect_code 64 T frob 2>err &&
	T --help >out && grep -q rotate out &&
	T rotate --help >out && grep -q -- --resume out
'

test_done
