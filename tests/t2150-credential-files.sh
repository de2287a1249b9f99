#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t2150: files as strong as the server token (issue 16 item 8): the admin
# kubeconfig K3s writes (K3s: pkg/cli/server/server.go writeKubeConfig():
# --write-kubeconfig or /etc/rancher/k3s/k3s.yaml, chmod to
# write-kubeconfig-mode parsed base 8 at every start, 0600 by default), the
# kubeconfigs and passwd under server/cred/ (CIS K3s 1.1.13-1.1.18), the
# private keys under server/tls/ (CIS K3s 1.1.19, 1.1.21).  Each permission
# bit that matters on both sides: group-only, other-only, owner.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP" || exit 1

K=etc/rancher/k3s/config.yaml
S=var/lib/rancher/k3s/server

# a hardened node with write-kubeconfig-mode set to $1 (or removed when "")
with_mode() {
	R=$(node_root "km$2" hardened-server) &&
	sed -i '/^write-kubeconfig-mode:/d' "$R/$K" &&
	{ [ -z "$1" ] || printf 'write-kubeconfig-mode: "%s"\n' "$1" >>"$R/$K"; } &&
	echo "$R"
}

test_expect_success 'kubeconfig-mode: 0600 and 0400 pass; 0640, 0604, 0644, 0660 fail' '
	R=$(with_mode 0600 a) && expect_check "$R" server-token.kubeconfig-mode pass &&
	R=$(with_mode 0400 b) && expect_check "$R" server-token.kubeconfig-mode pass &&
	R=$(with_mode 0640 c) && expect_check "$R" server-token.kubeconfig-mode fail &&
	check_field server-token.kubeconfig-mode evidence | grep -q "readable by its group" &&
	R=$(with_mode 0604 d) && expect_check "$R" server-token.kubeconfig-mode fail &&
	check_field server-token.kubeconfig-mode evidence | grep -q "every local user" &&
	R=$(with_mode 0644 e) && expect_check "$R" server-token.kubeconfig-mode fail &&
	R=$(with_mode 0660 f) && expect_check "$R" server-token.kubeconfig-mode fail
'

test_expect_success 'kubeconfig-mode: a value K3s cannot parse as octal fails (K3s only logs)' '
	R=$(with_mode 0o600 g) && expect_check "$R" server-token.kubeconfig-mode fail &&
	check_field server-token.kubeconfig-mode evidence | grep -q "not an octal mode" &&
	R=$(with_mode 0908 h) && expect_check "$R" server-token.kubeconfig-mode fail
'

test_expect_success 'kubeconfig-mode: K3S_KUBECONFIG_MODE in the env file counts like the option' '
	R=$(with_mode "" i) &&
	echo "K3S_KUBECONFIG_MODE=0644" >>"$R/etc/systemd/system/k3s.service.env" &&
	expect_check "$R" server-token.kubeconfig-mode fail &&
	check_field server-token.kubeconfig-mode evidence | grep -q "k3s.service.env"
'

test_expect_success 'kubeconfig-mode: no file yet and no mode set: unknown (skip), never a pass' '
	R=$(with_mode "" u) && rm -f "$R/etc/rancher/k3s/k3s.yaml" &&
	expect_check "$R" server-token.kubeconfig-mode skip &&
	check_field server-token.kubeconfig-mode evidence | grep -q "depends on its release"
'

test_expect_success 'kubeconfig-mode: the file itself: 0600 root passes; 0640, 0604, non-root, a link fail' '
	R=$(with_mode "" j) && mkdir -p "$R/etc/rancher/k3s" &&
	echo "apiVersion: v1" >"$R/etc/rancher/k3s/k3s.yaml" && chmod 0600 "$R/etc/rancher/k3s/k3s.yaml" &&
	expect_check "$R" server-token.kubeconfig-mode pass &&
	chmod 0640 "$R/etc/rancher/k3s/k3s.yaml" && expect_check "$R" server-token.kubeconfig-mode fail &&
	chmod 0604 "$R/etc/rancher/k3s/k3s.yaml" && expect_check "$R" server-token.kubeconfig-mode fail &&
	chmod 0600 "$R/etc/rancher/k3s/k3s.yaml" && chown 1000 "$R/etc/rancher/k3s/k3s.yaml" &&
	expect_check "$R" server-token.kubeconfig-mode fail &&
	check_field server-token.kubeconfig-mode evidence | grep -q "not owned by root" &&
	rm "$R/etc/rancher/k3s/k3s.yaml" && ln -s /etc/shadow "$R/etc/rancher/k3s/k3s.yaml" &&
	expect_check "$R" server-token.kubeconfig-mode fail
'

test_expect_success 'kubeconfig-mode: write-kubeconfig names the file that is judged' '
	R=$(with_mode "" k) && printf "write-kubeconfig: /root/admin.yaml\n" >>"$R/$K" &&
	mkdir -p "$R/root" && echo x >"$R/root/admin.yaml" && chmod 0644 "$R/root/admin.yaml" &&
	echo x >"$R/etc/rancher/k3s/k3s.yaml" && chmod 0600 "$R/etc/rancher/k3s/k3s.yaml" &&
	expect_check "$R" server-token.kubeconfig-mode fail &&
	check_field server-token.kubeconfig-mode evidence | grep -q "/root/admin.yaml"
'

test_expect_success 'cred-files: 0600 root passes; group-only, other-only, non-root owner, a link fail' '
	R=$(node_root c1 hardened-server) && expect_check "$R" server-token.cred-files pass &&
	chmod 0640 "$R/$S/cred/scheduler.kubeconfig" && expect_check "$R" server-token.cred-files fail &&
	check_field server-token.cred-files evidence | grep -q "scheduler.kubeconfig. is 0640" &&
	chmod 0604 "$R/$S/cred/scheduler.kubeconfig" && expect_check "$R" server-token.cred-files fail &&
	chmod 0600 "$R/$S/cred/scheduler.kubeconfig" && chown 1000 "$R/$S/cred/controller.kubeconfig" &&
	expect_check "$R" server-token.cred-files fail &&
	check_field server-token.cred-files evidence | grep -q "controller.kubeconfig. is 0600 uid 1000" &&
	chown 0 "$R/$S/cred/controller.kubeconfig" && expect_check "$R" server-token.cred-files pass &&
	ln -s /etc/shadow "$R/$S/cred/extra.kubeconfig" && expect_check "$R" server-token.cred-files fail
'

test_expect_success 'cred-files: nothing to judge is a skip, never a pass' '
	R=$(node_root c2 hardened-server) && rm -f "$R/$S/cred/"* &&
	expect_check "$R" server-token.cred-files skip
'

test_expect_success 'tls-keys: 0600 root passes; 0640, 0604, non-root, a key one level down, a non-root dir fail' '
	R=$(node_root t1 hardened-server) && expect_check "$R" server-token.tls-keys pass &&
	chmod 0640 "$R/$S/tls/client-ca.key" && expect_check "$R" server-token.tls-keys fail &&
	chmod 0604 "$R/$S/tls/client-ca.key" && expect_check "$R" server-token.tls-keys fail &&
	chmod 0600 "$R/$S/tls/client-ca.key" && chown 1000 "$R/$S/tls/server-ca.key" &&
	expect_check "$R" server-token.tls-keys fail &&
	chown 0 "$R/$S/tls/server-ca.key" && mkdir -m 0700 "$R/$S/tls/etcd" &&
	echo x >"$R/$S/tls/etcd/peer-ca.key" && chmod 0644 "$R/$S/tls/etcd/peer-ca.key" &&
	expect_check "$R" server-token.tls-keys fail &&
	check_field server-token.tls-keys evidence | grep -q "etcd/peer-ca.key" &&
	chmod 0600 "$R/$S/tls/etcd/peer-ca.key" && expect_check "$R" server-token.tls-keys pass &&
	chown 1000 "$R/$S/tls/etcd" && expect_check "$R" server-token.tls-keys fail &&
	check_field server-token.tls-keys evidence | grep -q "(directory) is not owned by root"
'

test_expect_success 'tls-keys: certificates are not keys (0644 .crt is fine); no key at all is a skip' '
	R=$(node_root t2 hardened-server) && chmod 0644 "$R/$S/tls/server-ca.crt" &&
	expect_check "$R" server-token.tls-keys pass &&
	rm "$R/$S/tls/"*.key && expect_check "$R" server-token.tls-keys skip
'

test_expect_success 'fix: the admin kubeconfig, cred files and keys become 0600 root; --dry-run changes nothing' '
	R=$(node_root f1) &&
	echo x >"$R/etc/rancher/k3s/k3s.yaml" && chmod 0644 "$R/etc/rancher/k3s/k3s.yaml" &&
	cp -a "$R" f1.pristine &&
	k3sguard --root "$R" fix --dry-run >dry &&
	grep -q "would chmod 0644 -> 0600 ./etc/rancher/k3s/k3s.yaml. (server-token.kubeconfig-mode)" dry &&
	grep -q "would chmod 0640 -> 0600 ./$S/tls/client-ca.key. (server-token.tls-keys)" dry &&
	diff -r f1.pristine "$R" &&
	{ k3sguard --root "$R" fix >out 2>err || true; } &&
	test "$(stat -c %a "$R/etc/rancher/k3s/k3s.yaml")" = 600 &&
	test "$(stat -c %a "$R/$S/cred/admin.kubeconfig")" = 600 &&
	test "$(stat -c %a "$R/$S/tls/client-ca.key")" = 600 &&
	expect_check "$R" server-token.cred-files pass &&
	expect_check "$R" server-token.tls-keys pass &&
	expect_check "$R" server-token.kubeconfig-mode fail &&
	check_field server-token.kubeconfig-mode evidence | grep -q "write-kubeconfig-mode 0644"
'

test_expect_success 'JSON: the credential checks carry their CIS K3s ids; the others none' '
	R=$(node_root cis1) &&
	{ k3sguard --root "$R" audit --format json >a.json || true; } &&
	$PY - a.json <<-PYEOF
	import json, sys
	c = {x["id"]: x for x in json.load(open(sys.argv[1]))["checks"]}
	assert c["server-token.cred-files"]["cis"] == ["1.1.13", "1.1.14", "1.1.15", "1.1.16", "1.1.17", "1.1.18"], c["server-token.cred-files"]
	assert c["server-token.tls-keys"]["cis"] == ["1.1.19", "1.1.21"]
	assert c["server-token.tls-keys"]["fixable"] is True
	assert c["server-token.file-mode"]["cis"] == []
	PYEOF
'

test_done
