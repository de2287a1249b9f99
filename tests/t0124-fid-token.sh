#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0124: the server token as K3s parses and checks it (K3s:
# pkg/clientaccess/token.go parseToken(), validateCACerts(): the token's CA
# hash is compared exactly with hashCA()'s lowercase hex; "K10XX::x:y" is an
# invalid CA hash length).  Ours: src/token/token.c token_parse();
# the K3s test table itself is tests/unit/u-token.c.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-audit.sh"
. "$TOP/tests/fixtures/fidelity/trees.sh"
cd "$TMP" || exit 1

ca_tree() {	# ROOT: fid_server with a real server-ca.crt
	fid_server "$1" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1/ca.key" -out "$1/var/lib/rancher/k3s/server/tls/server-ca.crt" \
		-subj /CN=k3s-server-ca -days 30 2>/dev/null &&
	rm "$1/ca.key"
}

test_expect_success 'a lowercase CA hash equal to sha256(server-ca.crt): pass' '
	ca_tree low &&
	h=$(sha256sum low/var/lib/rancher/k3s/server/tls/server-ca.crt | cut -c1-64) &&
	printf "K10%s::server:fileS3cretPW\n" "$h" >low/var/lib/rancher/k3s/server/token &&
	expect_check low server-token.ca-hash pass
'

test_expect_success 'the same hash in uppercase: K3s never matches it, fail' '
	ca_tree up &&
	h=$(sha256sum up/var/lib/rancher/k3s/server/tls/server-ca.crt | cut -c1-64 | tr a-f A-F) &&
	printf "K10%s::server:fileS3cretPW\n" "$h" >up/var/lib/rancher/k3s/server/token &&
	expect_check up server-token.ca-hash fail
'

test_expect_success '"K10XX::server:pw" (CA hash length) is not a valid token' '
	ca_tree short &&
	printf "K10XX::server:fileS3cretPW\n" >short/var/lib/rancher/k3s/server/token &&
	audit_json short && test "$(check_status server-token.form)" != pass
'

test_done
