#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9501: the etcd, manifests, credentials, traefik and updates checks at the
# edges the mutation run (make mutate, docs/testing.md) found untested:
# group-only and other-only bits, owners, files below a subdirectory, an
# option value that only starts like "traefik", the data-age limit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP" || exit 1

S=var/lib/rancher/k3s/server
CFG=etc/rancher/k3s/config.yaml
KEY=etc/rancher/k3s/etcd/client.key

want() {
	_g=$(check_status "$1")
	[ "$_g" = "$2" ] || {
		echo "check $1: expected $2, got $_g: $(check_field "$1" evidence)" >&2
		return 1
	}
}

test_expect_success 'etcd.key-mode: 0600 root passes; 0640, 0604 and a non-root owner fail' '
	R=$(node_root a hardened-server) &&
	audit_json "$R" --strategy etcd && want etcd.key-mode pass &&
	chmod 0640 "$R/$KEY" && audit_json "$R" --strategy etcd && want etcd.key-mode fail &&
	chmod 0604 "$R/$KEY" && audit_json "$R" --strategy etcd && want etcd.key-mode fail &&
	chmod 0600 "$R/$KEY" && chown 1000 "$R/$KEY" && audit_json "$R" --strategy etcd && want etcd.key-mode fail
'

test_expect_success 'etcd.tls-files: a TLS file that is not a regular file fails' '
	R=$(node_root b hardened-server) &&
	audit_json "$R" --strategy etcd && want etcd.tls-files pass &&
	rm "$R/etc/rancher/k3s/etcd/ca.crt" && mkdir "$R/etc/rancher/k3s/etcd/ca.crt" &&
	audit_json "$R" --strategy etcd && want etcd.tls-files fail
'

test_expect_success 'etcd.tls-files: no TLS file named by an absolute path fails (nothing checked is no pass)' '
	R=$(node_root b2 hardened-server) &&
	sed_i "$R/$CFG" "/^datastore-.*file:/d" &&
	audit_json "$R" --strategy etcd && want etcd.tls-files fail
'

test_expect_success 'etcd.members: exactly three endpoints pass, two fail' '
	R=$(node_root c hardened-server) &&
	audit_json "$R" --strategy etcd && want etcd.members pass &&
	sed_i "$R/$CFG" "s|,https://etcd-3.example.internal:2379||" &&
	audit_json "$R" --strategy etcd && want etcd.members fail
'

test_expect_success 'manifests.dir-mode: 0750 and 0705 fail, 0700 passes' '
	R=$(node_root d hardened-server) &&
	audit_json "$R" --strategy manifests && want manifests.dir-mode pass &&
	chmod 0750 "$R/$S/manifests" && audit_json "$R" --strategy manifests && want manifests.dir-mode fail &&
	chmod 0705 "$R/$S/manifests" && audit_json "$R" --strategy manifests && want manifests.dir-mode fail
'

test_expect_success 'manifests.file-mode: a file 0640 or 0604, a subdirectory 0750, fail' '
	R=$(node_root e hardened-server) &&
	audit_json "$R" --strategy manifests && want manifests.file-mode pass &&
	chmod 0640 "$R/$S/manifests/rolebindings.yaml" && audit_json "$R" --strategy manifests && want manifests.file-mode fail &&
	chmod 0604 "$R/$S/manifests/rolebindings.yaml" && audit_json "$R" --strategy manifests && want manifests.file-mode fail &&
	chmod 0600 "$R/$S/manifests/rolebindings.yaml" &&
	mkdir -m 0750 "$R/$S/manifests/sub" && audit_json "$R" --strategy manifests && want manifests.file-mode fail
'

test_expect_success 'manifests.owner: a file below a subdirectory owned by another user fails' '
	R=$(node_root f hardened-server) &&
	mkdir -m 0700 "$R/$S/manifests/sub" &&
	printf "a: 1\n" >"$R/$S/manifests/sub/x.yaml" && chmod 0600 "$R/$S/manifests/sub/x.yaml" &&
	audit_json "$R" --strategy manifests && want manifests.owner pass &&
	chown 1000 "$R/$S/manifests/sub/x.yaml" && audit_json "$R" --strategy manifests && want manifests.owner fail
'

test_expect_success 'manifests.path-writable: a group-writable ancestor fails, a group-readable one passes' '
	R=$(node_root g hardened-server) &&
	chmod 0750 "$R/var/lib/rancher" && audit_json "$R" --strategy manifests && want manifests.path-writable pass &&
	chmod 0770 "$R/var/lib/rancher" && audit_json "$R" --strategy manifests && want manifests.path-writable fail
'

test_expect_success 'manifests.symlinks: a link out of the directory below a subdirectory fails' '
	R=$(node_root h hardened-server) &&
	mkdir -m 0700 "$R/$S/manifests/sub" &&
	ln -s ../../../server/token "$R/$S/manifests/sub/evil.yaml" &&
	audit_json "$R" --strategy manifests && want manifests.symlinks fail
'

test_expect_success 'server-token.cred-files: a file below a subdirectory of cred/ at 0640 fails' '
	R=$(node_root i hardened-server) &&
	audit_json "$R" --strategy server-token && want server-token.cred-files pass &&
	mkdir -m 0700 "$R/$S/cred/sub" && printf "x\n" >"$R/$S/cred/sub/k.kubeconfig" &&
	chmod 0640 "$R/$S/cred/sub/k.kubeconfig" &&
	audit_json "$R" --strategy server-token && want server-token.cred-files fail
'

test_expect_success 'traefik: disable: traefikx is not traefik; " traefik " is' '
	R=$(node_root j hardened-server) &&
	echo "disable: traefikx" >>"$R/$CFG" &&
	audit_json "$R" --strategy traefik && test "$(check_field traefik.chart evidence)" != "" &&
	! check_field traefik.chart evidence | grep -q "disabled" &&
	sed_i "$R/$CFG" "s|^disable: traefikx|disable: \" traefik \"|" &&
	audit_json "$R" --strategy traefik && check_field traefik.chart evidence | grep -q "disabled"
'

test_expect_success 'server-token.kubeconfig-mode: 7777 is a mode (world-readable), 10000 is not octal' '
	R=$(node_root k hardened-server) &&
	sed_i "$R/$CFG" "s|^write-kubeconfig-mode: .*|write-kubeconfig-mode: \"7777\"|" &&
	audit_json "$R" --strategy server-token && want server-token.kubeconfig-mode fail &&
	check_field server-token.kubeconfig-mode evidence | grep -q "every local user" &&
	sed_i "$R/$CFG" "s|^write-kubeconfig-mode: .*|write-kubeconfig-mode: \"10000\"|" &&
	audit_json "$R" --strategy server-token && want server-token.kubeconfig-mode fail &&
	check_field server-token.kubeconfig-mode evidence | grep -q "not an octal mode"
'

# advisories.json and channels.json of the bundled data, dated $1, named
# in the node's k3sguard config
data_dated() {
	python3 -c '
import json, sys
a = json.load(open(sys.argv[1])); a["updated"] = sys.argv[3]
json.dump(a, open("adv.json", "w"))
c = json.load(open(sys.argv[2])); c["fetched"] = sys.argv[3]
json.dump(c, open("ch.json", "w"))' "$TOP/data/advisories.json" "$TOP/data/channels.json" "$1" &&
	mkdir -p "$R/etc/k3sguard" &&
	printf "updates:\n  channels-file: \"%s\"\n  advisories-file: \"%s\"\n" \
		"$TMP/ch.json" "$TMP/adv.json" >"$R/etc/k3sguard/config.yaml"
}

test_expect_success 'updates.data-fresh: dated tomorrow passes (clock skew), two days ahead warns' '
	R=$(node_root u hardened-server) &&
	data_dated "$(date -u -d "+1 day" +%F)" &&
	audit_json "$R" --strategy updates && want updates.data-fresh pass &&
	data_dated "$(date -u -d "+2 days" +%F)" &&
	audit_json "$R" --strategy updates && want updates.data-fresh warn &&
	check_field updates.data-fresh evidence | grep -q "in the future"
'

test_done
