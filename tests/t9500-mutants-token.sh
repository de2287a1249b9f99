#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9500: the server-token and agent-token checks at the edges the mutation
# run (make mutate, docs/testing.md) found untested: each permission bit
# that matters on both sides (group-only, other-only), the owner, a second
# hard link, a CA bundle's hash, both token files on a server.  K3s: the
# token file and cred/ are written 0600/0700 by pkg/daemons/control/deps
# (deps.go, CreateRuntimeCertFiles / genUsers), the CA hash of a bundle is
# the sha256 of its last certificate (pkg/clientaccess/token.go, hashCA()).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP" || exit 1

S=var/lib/rancher/k3s/server
CFG=etc/rancher/k3s/config.yaml
UNIT=etc/systemd/system/k3s.service
ENVF=etc/systemd/system/k3s.service.env

# want ID STATUS: the check's status in the last audit_json
want() {
	_g=$(check_status "$1")
	[ "$_g" = "$2" ] || {
		echo "check $1: expected $2, got $_g: $(check_field "$1" evidence)" >&2
		return 1
	}
}

test_expect_success 'server-token.file-mode: 0600 and 0400 pass; group-only 0640 and other-only 0604 fail' '
	R=$(node_root a hardened-server) &&
	audit_json "$R" --strategy server-token && want server-token.file-mode pass &&
	chmod 0400 "$R/$S/token" && audit_json "$R" --strategy server-token && want server-token.file-mode pass &&
	chmod 0640 "$R/$S/token" && audit_json "$R" --strategy server-token && want server-token.file-mode fail &&
	chmod 0604 "$R/$S/token" && audit_json "$R" --strategy server-token && want server-token.file-mode fail &&
	chmod 0620 "$R/$S/token" && audit_json "$R" --strategy server-token && want server-token.file-mode fail
'

test_expect_success 'server-token.file: one link passes; two names (a hard link) fail' '
	R=$(node_root b hardened-server) &&
	audit_json "$R" --strategy server-token && want server-token.file pass &&
	ln "$R/$S/token" "$R/$S/token-copy" &&
	audit_json "$R" --strategy server-token && want server-token.file fail &&
	check_field server-token.file evidence | grep -q "2 hard links"
'

test_expect_success 'server-token.file-owner: root passes, uid 1000 fails' '
	R=$(node_root c hardened-server) &&
	audit_json "$R" --strategy server-token && want server-token.file-owner pass &&
	chown 1000:0 "$R/$S/token" && audit_json "$R" --strategy server-token && want server-token.file-owner fail
'

test_expect_success 'server-token.cred-mode: cred/ 0750 or 0705 fails, passwd 0640, 0604 or non-root fails' '
	R=$(node_root d hardened-server) &&
	audit_json "$R" --strategy server-token && want server-token.cred-mode pass &&
	chmod 0750 "$R/$S/cred" && audit_json "$R" --strategy server-token && want server-token.cred-mode fail &&
	chmod 0705 "$R/$S/cred" && audit_json "$R" --strategy server-token && want server-token.cred-mode fail &&
	chmod 0700 "$R/$S/cred" && audit_json "$R" --strategy server-token && want server-token.cred-mode pass &&
	chown 1000 "$R/$S/cred" && audit_json "$R" --strategy server-token && want server-token.cred-mode fail &&
	chown 0 "$R/$S/cred" &&
	chmod 0640 "$R/$S/cred/passwd" && audit_json "$R" --strategy server-token && want server-token.cred-mode fail &&
	chmod 0604 "$R/$S/cred/passwd" && audit_json "$R" --strategy server-token && want server-token.cred-mode fail &&
	chmod 0600 "$R/$S/cred/passwd" && chown 1000 "$R/$S/cred/passwd" &&
	audit_json "$R" --strategy server-token && want server-token.cred-mode fail &&
	check_field server-token.cred-mode evidence | grep -q "passwd"
'

# a CA bundle (two certificates): K3s hashes the DER of the last one
test_expect_success 'server-token.ca-hash: a bundle is hashed by its last certificate, not the whole file' '
	R=$(node_root e hardened-server) &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj "/CN=one" -keyout k1 -out c1 2>/dev/null &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj "/CN=two" -keyout k2 -out c2 2>/dev/null &&
	cat c1 c2 >"$R/$S/tls/server-ca.crt" &&
	last=$(openssl x509 -in c2 -outform DER | sha256sum | cut -c1-64) &&
	whole=$(sha256sum "$R/$S/tls/server-ca.crt" | cut -c1-64) &&
	pw=$(sed "s/.*:://" "$R/$S/token") &&
	printf "K10%s::%s\n" "$last" "$pw" >"$R/$S/token" &&
	audit_json "$R" --strategy server-token && want server-token.ca-hash pass &&
	printf "K10%s::%s\n" "$whole" "$pw" >"$R/$S/token" &&
	audit_json "$R" --strategy server-token && want server-token.ca-hash fail
'

test_expect_success 'server-token.ca-hash: an uppercase hash never matches (K3s compares lowercase hex)' '
	R=$(node_root f hardened-server) &&
	audit_json "$R" --strategy server-token && want server-token.ca-hash pass &&
	up=$(tr a-f A-F <"$R/$S/token" | sed "s/::SERVER:.*//") &&
	pw=$(sed "s/.*:://" "$R/$S/token") &&
	printf "%s::%s\n" "$up" "$pw" >"$R/$S/token" &&
	audit_json "$R" --strategy server-token && want server-token.ca-hash fail
'

test_expect_success 'server-token.ca-hash: K10 and 64 characters that are not hex never match' '
	R=$(node_root f2 hardened-server) &&
	pw=$(sed "s/.*:://" "$R/$S/token") &&
	printf "K10%s::%s\n" "$(printf "z%.0s" $(seq 1 64))" "$pw" >"$R/$S/token" &&
	audit_json "$R" --strategy server-token && want server-token.ca-hash fail
'

test_expect_success 'agent-token.token-file: the token file 0640, 0604 or non-root fails' '
	R=$(node_root g hardened-server) &&
	audit_json "$R" --strategy agent-token && want agent-token.token-file pass &&
	chmod 0640 "$R/etc/rancher/k3s/token" && audit_json "$R" --strategy agent-token && want agent-token.token-file fail &&
	chmod 0604 "$R/etc/rancher/k3s/token" && audit_json "$R" --strategy agent-token && want agent-token.token-file fail &&
	chmod 0600 "$R/etc/rancher/k3s/token" && chown 1000 "$R/etc/rancher/k3s/token" &&
	audit_json "$R" --strategy agent-token && want agent-token.token-file fail
'

test_expect_success 'agent-token.unit-mode: group- or other-writable fails; readable holding a token fails' '
	R=$(node_root h hardened-server) &&
	audit_json "$R" --strategy agent-token && want agent-token.unit-mode pass &&
	chmod 0664 "$R/$UNIT" && audit_json "$R" --strategy agent-token && want agent-token.unit-mode fail &&
	chmod 0646 "$R/$UNIT" && audit_json "$R" --strategy agent-token && want agent-token.unit-mode fail &&
	chmod 0644 "$R/$UNIT" && chown 1000 "$R/$UNIT" && audit_json "$R" --strategy agent-token && want agent-token.unit-mode fail &&
	chown 0 "$R/$UNIT" &&
	sed_i "$R/$UNIT" "s|^    server \\\\\$|    server --token plainsecret1 \\\\|" &&
	grep -q "server --token plainsecret1" "$R/$UNIT" &&
	audit_json "$R" --strategy agent-token && want agent-token.unit-mode fail &&
	check_field agent-token.unit-mode evidence | grep -q "holds a token" &&
	chmod 0600 "$R/$UNIT" && audit_json "$R" --strategy agent-token && want agent-token.unit-mode pass
'

test_expect_success 'agent-token.env-mode: env file 0640, 0604 or non-root fails' '
	R=$(node_root i hardened-server) &&
	audit_json "$R" --strategy agent-token && want agent-token.env-mode pass &&
	chmod 0640 "$R/$ENVF" && audit_json "$R" --strategy agent-token && want agent-token.env-mode fail &&
	chmod 0604 "$R/$ENVF" && audit_json "$R" --strategy agent-token && want agent-token.env-mode fail &&
	chmod 0600 "$R/$ENVF" && chown 1000 "$R/$ENVF" && audit_json "$R" --strategy agent-token && want agent-token.env-mode fail
'

test_expect_success 'agent-token.agent-token-file: a regular file 0640, 0604 or non-root fails' '
	R=$(node_root j hardened-server) &&
	rm "$R/$S/agent-token" && printf "K10x::node:agentsecret1\n" >"$R/$S/agent-token" &&
	chmod 0600 "$R/$S/agent-token" &&
	audit_json "$R" --strategy agent-token && want agent-token.agent-token-file pass &&
	chmod 0640 "$R/$S/agent-token" && audit_json "$R" --strategy agent-token && want agent-token.agent-token-file fail &&
	chmod 0604 "$R/$S/agent-token" && audit_json "$R" --strategy agent-token && want agent-token.agent-token-file fail &&
	chmod 0600 "$R/$S/agent-token" && chown 1000 "$R/$S/agent-token" &&
	audit_json "$R" --strategy agent-token && want agent-token.agent-token-file fail
'

test_expect_success 'agent-token.both-token-files: token-file and agent-token-file on a server fail' '
	R=$(node_root k hardened-server) &&
	audit_json "$R" --strategy agent-token && want agent-token.both-token-files pass &&
	cp "$R/etc/rancher/k3s/token" "$R/etc/rancher/k3s/agent-token" &&
	echo "agent-token-file: /etc/rancher/k3s/agent-token" >>"$R/$CFG" &&
	audit_json "$R" --strategy agent-token && want agent-token.both-token-files fail
'

test_expect_success 'server-token.form: the secure form passes, a short-form token fails' '
	R=$(node_root l hardened-server) &&
	audit_json "$R" --strategy server-token && want server-token.form pass &&
	printf "shortformsecret1\n" >"$R/$S/token" &&
	audit_json "$R" --strategy server-token && want server-token.form fail
'

test_expect_success 'server-token.plaintext: the token, or an agent-token with its password, in config.yaml fails' '
	R=$(node_root m hardened-server) &&
	audit_json "$R" --strategy server-token && want server-token.plaintext pass &&
	pw=$(sed "s/.*:://; s/^server://" "$R/$S/token") &&
	echo "agent-token: $pw" >>"$R/$CFG" &&
	audit_json "$R" --strategy server-token && want server-token.plaintext fail &&
	sed_i "$R/$CFG" "s|^agent-token: .*|agent-token: another-password-9|" &&
	audit_json "$R" --strategy server-token && want server-token.plaintext pass &&
	echo "token: $pw" >>"$R/$CFG" &&
	audit_json "$R" --strategy server-token && want server-token.plaintext fail
'

test_done
