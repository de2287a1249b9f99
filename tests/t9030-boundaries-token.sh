#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9030: the server token's form and CA hash at their boundaries (issue 19
# "Token parsing"), through the audit.  K3s: pkg/clientaccess/token.go
# parseToken() accepts "K10" + a 64-character CA hash of any characters
# (only its length is checked: "invalid token CA hash length"), and
# validateCACerts() compares it exactly with hashCA()'s lowercase hex
# sha256: so 64 non-hex characters, or the right hash in uppercase, parse
# but never match.  A password must not be empty ("invalid token format").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP" || exit 1
S=var/lib/rancher/k3s/server

D=$(node_root d default-server)
H=$(sha256sum <"$D/$S/tls/server-ca.crt" | cut -c1-64)
PW=$(sed 's/.*::server://' "$D/$S/token")

# token TEXT: server/token holds TEXT (mode and owner kept)
token() { printf '%s\n' "$1" >"$D/$S/token"; }
# not_pass ID: the check's status is anything but pass
not_pass() {
	audit_json "$D" && _s=$(check_status "$1") &&
	[ "$_s" != pass ] && [ "$_s" != "(no such check)" ] || {
		echo "check $1: $_s: $(check_field "$1" evidence)" >&2
		return 1
	}
}

test_expect_success 'the right lowercase hash passes form and ca-hash' '
	token "K10$H::server:$PW" &&
	expect_check "$D" server-token.form pass &&
	expect_check "$D" server-token.ca-hash pass
'

test_expect_success 'K10 + 64 non-hex characters: parses (as in K3s), never matches' '
	token "K10$(printf "%064d" 0 | tr 0 X)::server:$PW" &&
	expect_check "$D" server-token.ca-hash fail &&
	token "K10$(printf "%064d" 0 | tr 0 g)::server:$PW" &&
	expect_check "$D" server-token.ca-hash fail &&
	token "K10$(printf %s "$H" | cut -c1-63)Z::server:$PW" &&
	expect_check "$D" server-token.ca-hash fail
'

test_expect_success 'the right hash in uppercase, or one character changed: fail' '
	token "K10$(printf %s "$H" | tr a-f A-F)::server:$PW" &&
	expect_check "$D" server-token.ca-hash fail &&
	last=$(printf %s "$H" | cut -c64) &&
	if [ "$last" = 0 ]; then other=1; else other=0; fi &&
	token "K10$(printf %s "$H" | cut -c1-63)$other::server:$PW" &&
	expect_check "$D" server-token.ca-hash fail &&
	token "K10$(printf %s "$H" | cut -c2-64)$last::server:$PW" &&
	expect_check "$D" server-token.ca-hash fail
'

test_expect_success 'a CA hash of 63 or 65 characters is not a token; neither is an empty password' '
	token "K10$(printf %s "$H" | cut -c1-63)::server:$PW" &&
	not_pass server-token.form && not_pass server-token.ca-hash &&
	token "K10${H}0::server:$PW" &&
	not_pass server-token.form && not_pass server-token.ca-hash &&
	token "K10$H::server:" &&
	not_pass server-token.form && not_pass server-token.ca-hash
'

test_expect_success 'no hash (K10::user:pw, K10user:pw, a bare password): form fails, ca-hash never passes' '
	for t in "K10::server:$PW" "K10server:$PW" "$PW"; do
		token "$t" &&
		expect_check "$D" server-token.form fail &&
		not_pass server-token.ca-hash || exit 1
	done
'

test_done
