#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9506: 'fix' moving plain-text tokens, at the edges the mutation run (make
# mutate, docs/testing.md) found untested: a rewritten file keeps its own
# mode bit for bit, a file with a second hard link is neither read nor
# rewritten, and a server/token with a second hard link is not where the
# secure form of the token is taken from.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
PW=0eef365b010205985cef3526e4adff0f	# the example's token password
ENVF=etc/systemd/system/k3s.service.env
S=var/lib/rancher/k3s/server

# (config.yaml: no check fixes its mode first, as agent-token.env-mode does
# the env file's)
for mode in 0640 0620 0604; do
	test_expect_success "a rewritten config.yaml keeps its mode ($mode)" '
		N=$(node_root a'$mode') &&
		echo "agent-token: agent-pw-t9506" >>"$N/etc/rancher/k3s/config.yaml" &&
		chmod '$mode' "$N/etc/rancher/k3s/config.yaml" &&
		k3sguard --root "$N" fix >out 2>err &&
		! grep -q agent-pw-t9506 "$N/etc/rancher/k3s/config.yaml" &&
		test "$(stat -c %a "$N/etc/rancher/k3s/config.yaml")" = '${mode#0}'
	'
done

test_expect_success 'an env file with a second hard link is not rewritten (exit 2)' '
	N=$(node_root b) &&
	ln "$N/$ENVF" "$TMP/outside-copy" &&
	expect_code 2 k3sguard --root "$N" fix >out 2>err &&
	grep -q "hard link" err &&
	grep -q "$PW" "$N/$ENVF" && grep -q "$PW" "$TMP/outside-copy"
'

test_expect_success 'server/token with a second hard link is not taken as the secure form' '
	N=$(node_root c) &&
	CA=$(printf "t9506 CA" | sha256sum | cut -c1-64) &&
	printf "K10%s::server:%s\n" "$CA" "$PW" >"$N/$S/token" && chmod 0600 "$N/$S/token" &&
	ln "$N/$S/token" "$N/$S/token-link" &&
	k3sguard --root "$N" fix >out 2>err &&
	test "$(k3sguard --root "$N" secrets get server-token)" = "$PW" &&
	N=$(node_root d) &&
	printf "K10%s::server:%s\n" "$CA" "$PW" >"$N/$S/token" && chmod 0600 "$N/$S/token" &&
	k3sguard --root "$N" fix >out 2>err &&
	test "$(k3sguard --root "$N" secrets get server-token)" = "K10$CA::server:$PW"
'

test_expect_success 'two different server tokens in one run: the second is left in its file, not dropped' '
	N=$(node_root e) &&
	echo "token: otherpassword22" >>"$N/etc/rancher/k3s/config.yaml" &&
	k3sguard --root "$N" fix --dry-run >dry 2>&1 &&
	! grep "k3s.service.env" dry | grep -q "already in secret" &&
	expect_code 2 k3sguard --root "$N" fix >out 2>err &&
	grep -q "differs from the current" err &&
	grep -q "$PW" "$N/$ENVF"
'

test_expect_success 'a short-form server/token with the same password is not called the secure form' '
	N=$(node_root f) &&
	printf "%s\n" "$PW" >"$N/$S/token" && chmod 0600 "$N/$S/token" &&
	k3sguard --root "$N" fix >out 2>err &&
	grep -q "secret .server-token." out && ! grep -q "secure form" out &&
	test "$(k3sguard --root "$N" secrets get server-token)" = "$PW"
'

test_done
