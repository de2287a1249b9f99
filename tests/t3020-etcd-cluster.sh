#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t3020: every etcd command against a real 3-member cluster (Debian's
# etcd-server) started from our own pki and provision output, with mutual
# TLS on client and peer ports: health, rbac apply (dry-run, apply, again),
# rbac verify with its deny probes, datastore-config, and what K3s's
# identity can and cannot do, checked with etcdctl as well.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd-cluster.sh"
cd "$TMP" || exit 1

if ! etcd_cluster_start; then
	test_expect_success 'start a 3-member etcd cluster from our files' 'false'
	test_done
fi

test_expect_success 'the members run from the generated config files, mutual TLS' '
	for n in 1 2 3; do
		grep -q "client-cert-auth: true" "$ETCD_DIR/members/e$n/etcd.conf.yml" &&
		grep -q "auto-tls: false" "$ETCD_DIR/members/e$n/etcd.conf.yml" || exit 1
	done &&
	tr "\0" " " </proc/$(cat "$ETCD_DIR/e1.pid")/cmdline | grep -q -- "--config-file" &&
	etcdctl_root member list >m && test "$(wc -l <m)" -eq 3
'

test_expect_success 'provision: a hardened unit and an install script per member' '
	u=$ETCD_DIR/members/e2/k3sguard-etcd.service &&
	for l in "User=etcd" "ProtectSystem=strict" "ReadWritePaths=$ETCD_DIR/data/e2" \
		"NoNewPrivileges=yes" "CapabilityBoundingSet=" "PrivateTmp=yes" \
		"ExecStart=/usr/bin/etcd --config-file $ETCD_DIR/members/e2/etcd.conf.yml"; do
		grep -qx -- "$l" "$u" || { echo "unit lacks $l"; exit 1; }
	done &&
	sh -n "$ETCD_DIR/members/e2/install.sh" &&
	test "$(stat -c %a "$ETCD_DIR/members/e2/server.key")" = 600 &&
	test ! -e "$ETCD_DIR/members/e2/ca.key" && ! grep -rl "ca.key" "$ETCD_DIR/members" &&
	if command -v systemd-analyze >/dev/null 2>&1; then
		systemd-analyze verify --man=no "$u" 2>&1 | grep -i -e "unknown" -e "invalid" && exit 1
	fi; true
'

test_expect_success 'provision refuses a member whose certificate lacks its address' '
	expect_code 2 k3sguard etcd provision --pki "$ETCD_PKI" --out "$TMP/bad" \
		--member e1=10.1.2.3 2>err && one_line err &&
	grep -q "no subject alternative name for .10.1.2.3." err && test ! -e "$TMP/bad"
'

test_expect_success 'health: all members up, one leader, exit 0' '
	k3sguard etcd health $ETCD_AS_ROOT >out &&
	test "$(grep -c "^member e[123] .*: up, TLS verified, etcd 3\." out)" -eq 3 &&
	test "$(grep -c ", leader, leader" out)" -eq 1 &&
	grep -q "^cluster: 3 members, 3 up, quorum held (needs 2), one leader, auth DISABLED, 0 alarms: healthy" out
'

test_expect_success 'health --format json matches etcdctl on ids and leader' '
	k3sguard etcd health $ETCD_AS_ROOT --format json >h.json &&
	etcdctl_root endpoint status -w json >s.json &&
	python3 - <<PY
import json
h = json.load(open("h.json")); s = json.load(open("s.json"))
assert h["cluster"]["verdict"] == "healthy" and h["cluster"]["up"] == 3, h["cluster"]
theirs = {"%x" % e["Status"]["header"]["member_id"] for e in s}
ours = {m["id"] for m in h["members"]}
assert ours == theirs, (ours, theirs)
leaders = {"%x" % e["Status"]["leader"] for e in s}
assert leaders == {h["cluster"]["leader"]}, (leaders, h["cluster"]["leader"])
assert all(m["tls"] == "verified" and m["version"].startswith("3.") for m in h["members"])
PY
'

test_expect_success 'rbac apply --dry-run lists the calls and changes nothing' '
	k3sguard etcd rbac apply $ETCD_AS_ROOT --dry-run >out &&
	grep -q "would call /etcdserverpb.Auth/UserAdd: add user k3s" out &&
	grep -q "would call /etcdserverpb.Auth/RoleGrantPermission: grant role k3s readwrite on /registry/" out &&
	grep -q "would call /etcdserverpb.Auth/AuthEnable" out &&
	! etcdctl_root user list | grep -q k3s
'

test_expect_success 'rbac apply: users, roles, grants, auth enable' '
	k3sguard etcd rbac apply $ETCD_AS_ROOT >out &&
	grep -q "done: auth enable" out && grep -q "^10 changes made" out &&
	! ETCDCTL_API=3 etcdctl --endpoints "$ETCD_ENDPOINTS" --cacert "$ETCD_CA" \
		--cert "$ETCD_K3S_CERT" --key "$ETCD_K3S_KEY" get /other 2>err &&
	grep -q "permission denied" err &&
	etcdctl_root role get k3s >r &&
	grep -q "\[/registry/, /registry0) (prefix /registry/)" r &&
	grep -q "\[/bootstrap/, /bootstrap0) (prefix /bootstrap/)" r &&
	grep -q "compact_rev_key" r &&
	etcdctl_root user get k3s | grep -q "Roles: k3s"
'

test_expect_success 'rbac apply again changes nothing and says so' '
	k3sguard etcd rbac apply $ETCD_AS_ROOT >out &&
	grep -q "^nothing to change" out && ! grep -q "done:" out
'

test_expect_success 'rbac verify as k3s: allowed inside, denied outside, no cert refused' '
	k3sguard etcd rbac verify --endpoints "$ETCD_ENDPOINTS" --cacert "$ETCD_CA" \
		--k3s-cert "$ETCD_K3S_CERT" --k3s-key "$ETCD_K3S_KEY" >out &&
	test "$(grep -c "^ok   \(put\|get\|delete\) /registry/k3sguard-probe-" out)" -eq 3 &&
	test "$(grep -c "^ok   \(put\|get\|delete\) /bootstrap/k3sguard-probe-" out)" -eq 3 &&
	grep -q "^ok   get compact_rev_key: allowed" out &&
	grep -q "^ok   put compact_rev_key (guarded Txn, never applied): allowed" out &&
	grep -q "^ok   get /k3sguard-probe-outside-.*: denied" out &&
	grep -q "^ok   put /k3sguard-probe-outside-.*: denied" out &&
	grep -q "^ok   connection without a client certificate: refused" out &&
	grep -q "^0 probes disagreed" out
'

test_expect_success 'the probes left nothing behind (etcdctl as root)' '
	test -z "$(etcdctl_root get --prefix /registry/k3sguard-probe --keys-only)" &&
	test -z "$(etcdctl_root get --prefix /bootstrap/k3sguard-probe --keys-only)" &&
	test -z "$(etcdctl_root get --prefix /k3sguard-probe --keys-only)" &&
	test -z "$(etcdctl_root get compact_rev_key --keys-only)"
'

test_expect_success 'rbac verify fails (exit 1) for an identity wider than k3s' '
	expect_code 1 k3sguard etcd rbac verify --endpoints "$ETCD_ENDPOINTS" --cacert "$ETCD_CA" \
		--k3s-cert "$ETCD_ROOT_CERT" --k3s-key "$ETCD_ROOT_KEY" >out &&
	grep -q "^FAIL get /k3sguard-probe-outside-.*allowed.*expected denied" out
'

test_expect_success 'etcdctl agrees: k3s is confined, an unknown CN is denied' '
	ETCDCTL_API=3 etcdctl --endpoints "$ETCD_ENDPOINTS" --cacert "$ETCD_CA" \
		--cert "$ETCD_K3S_CERT" --key "$ETCD_K3S_KEY" put /registry/x y &&
	! ETCDCTL_API=3 etcdctl --endpoints "$ETCD_ENDPOINTS" --cacert "$ETCD_CA" \
		--cert "$ETCD_K3S_CERT" --key "$ETCD_K3S_KEY" put /other y 2>err &&
	grep -q "permission denied" err &&
	k3sguard etcd pki issue --pki "$ETCD_PKI" --client stranger >/dev/null &&
	! ETCDCTL_API=3 etcdctl --endpoints "$ETCD_ENDPOINTS" --cacert "$ETCD_CA" \
		--cert "$ETCD_PKI/clients/stranger.crt" --key "$ETCD_PKI/clients/stranger.key" \
		get /registry/x 2>err &&
	etcdctl_root del /registry/x >/dev/null
'

test_expect_success 'health as k3s reports auth enabled' '
	k3sguard etcd health $ETCD_AS_K3S >out &&
	grep -q "auth enabled" out
'

test_expect_success 'datastore-config writes the K3s drop-in, 0600, and only it' '
	root=$TMP/ds && mkdir -p "$root/etc/rancher/k3s" && echo "token: x" >"$root/etc/rancher/k3s/config.yaml" && before=$(cd "$root" && find . | sort) &&
	mkdir -p "$root/etc/k3sguard-etcd" &&
	cp "$ETCD_CA" "$ETCD_K3S_CERT" "$ETCD_K3S_KEY" "$root/etc/k3sguard-etcd/" &&
	k3sguard --root "$root" etcd datastore-config --endpoints "$ETCD_ENDPOINTS" \
		--cacert /etc/k3sguard-etcd/ca.crt --cert /etc/k3sguard-etcd/k3s.crt \
		--key /etc/k3sguard-etcd/k3s.key >out &&
	f=$root/etc/rancher/k3s/config.yaml.d/50-k3sguard-datastore.yaml &&
	test "$(stat -c %a "$f")" = 600 &&
	grep -qx "datastore-endpoint: \"$ETCD_ENDPOINTS\"" "$f" &&
	grep -qx "datastore-cafile: \"/etc/k3sguard-etcd/ca.crt\"" "$f" &&
	grep -qx "datastore-certfile: \"/etc/k3sguard-etcd/k3s.crt\"" "$f" &&
	grep -qx "datastore-keyfile: \"/etc/k3sguard-etcd/k3s.key\"" "$f" &&
	k3sguard --root "$root" etcd datastore-config --endpoints "$ETCD_ENDPOINTS" \
		--cacert /etc/k3sguard-etcd/ca.crt --cert /etc/k3sguard-etcd/k3s.crt \
		--key /etc/k3sguard-etcd/k3s.key >out2 && grep -q "^unchanged" out2 &&
	after=$(cd "$root" && find . | sort | grep -v -e k3sguard-etcd -e config.yaml.d) &&
	test "$before" = "$(printf "%s\n" "$after")"
'

test_expect_success 'the drop-in works: its files reach etcd as k3s' '
	root=$TMP/ds && f=$root/etc/rancher/k3s/config.yaml.d/50-k3sguard-datastore.yaml &&
	ep=$(sed -n "s/^datastore-endpoint: \"\(.*\)\"$/\1/p" "$f") &&
	ca=$(sed -n "s/^datastore-cafile: \"\(.*\)\"$/\1/p" "$f") &&
	crt=$(sed -n "s/^datastore-certfile: \"\(.*\)\"$/\1/p" "$f") &&
	key=$(sed -n "s/^datastore-keyfile: \"\(.*\)\"$/\1/p" "$f") &&
	ETCDCTL_API=3 etcdctl --endpoints "$ep" --cacert "$root$ca" --cert "$root$crt" \
		--key "$root$key" put /registry/from-dropin ok &&
	etcdctl_root get /registry/from-dropin --print-value-only | grep -qx ok
'

test_expect_success 'datastore-config --dry-run writes nothing' '
	root=$TMP/ds2 && mkdir -p "$root/etc/e" &&
	cp "$ETCD_CA" "$ETCD_K3S_CERT" "$ETCD_K3S_KEY" "$root/etc/e/" &&
	k3sguard --root "$root" etcd datastore-config --dry-run --endpoints "$ETCD_ENDPOINTS" \
		--cacert /etc/e/ca.crt --cert /etc/e/k3s.crt --key /etc/e/k3s.key >out &&
	grep -q "^would write" out &&
	test ! -e "$root/etc/rancher/k3s/config.yaml.d/50-k3sguard-datastore.yaml"
'

test_expect_success 'datastore-config refuses http, missing files, root identity, wrong key' '
	root=$TMP/ds2 &&
	expect_code 2 k3sguard --root "$root" etcd datastore-config --endpoints http://127.0.0.1:2379 \
		--cacert /etc/e/ca.crt --cert /etc/e/k3s.crt --key /etc/e/k3s.key 2>err &&
	one_line err && grep -q "plain http" err &&
	expect_code 2 k3sguard --root "$root" etcd datastore-config --endpoints "$ETCD_ENDPOINTS" \
		--cacert /etc/e/nope.crt --cert /etc/e/k3s.crt --key /etc/e/k3s.key 2>err &&
	one_line err && grep -q "nope.crt" err &&
	cp "$ETCD_ROOT_CERT" "$root/etc/e/root.crt" && cp "$ETCD_ROOT_KEY" "$root/etc/e/root.key" &&
	expect_code 2 k3sguard --root "$root" etcd datastore-config --endpoints "$ETCD_ENDPOINTS" \
		--cacert /etc/e/ca.crt --cert /etc/e/root.crt --key /etc/e/root.key 2>err &&
	one_line err && grep -q "root identity" err &&
	expect_code 2 k3sguard --root "$root" etcd datastore-config --endpoints "$ETCD_ENDPOINTS" \
		--cacert /etc/e/ca.crt --cert /etc/e/k3s.crt --key /etc/e/root.key 2>err &&
	one_line err && grep -q "does not match" err &&
	test ! -e "$root/etc/rancher/k3s/config.yaml.d/50-k3sguard-datastore.yaml"
'

test_done
