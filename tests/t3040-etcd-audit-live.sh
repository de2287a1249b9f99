#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t3040: the audit's live etcd checks against a real 3-member cluster, as
# K3s would connect (datastore-* from the node's K3s config under --root):
# client-cert auth enforced, auth enabled, k3s role scope, members healthy,
# certificate expiry; "skip" with the reason when etcd is unknown, and
# "error" naming the endpoints, never "pass", when it is unreachable.  The
# nodes are images (--root DIR): their live checks probe only with --live
# (without it they skip as "offline image": t1005).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd-cluster.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP" || exit 1

if ! etcd_cluster_start; then
	test_expect_success 'start a 3-member etcd cluster from our files' 'false'
	test_done
fi

# a K3s server node whose datastore is our cluster, as identity $1 (k3s|root)
make_node() {
	r=$TMP/node-$1
	rm -rf "$r" && mkdir -p "$r/etc/rancher/k3s" "$r/etc/k3s-etcd" &&
	cp "$ETCD_CA" "$r/etc/k3s-etcd/ca.crt" &&
	cp "$ETCD_PKI/clients/$1.crt" "$r/etc/k3s-etcd/client.crt" &&
	cp "$ETCD_PKI/clients/$1.key" "$r/etc/k3s-etcd/client.key" &&
	cat >"$r/etc/rancher/k3s/config.yaml" <<CFG
datastore-endpoint: "$ETCD_ENDPOINTS"
datastore-cafile: /etc/k3s-etcd/ca.crt
datastore-certfile: /etc/k3s-etcd/client.crt
datastore-keyfile: /etc/k3s-etcd/client.key
CFG
	echo "$r"
}

# status ROOT CHECK-ID: PASS/FAIL/WARN/SKIP/ERROR of one check in the audit
status() {
	k3sguard --root "$1" audit --live --strategy etcd >"$TMP/audit.out" 2>&1
	sed -n "s/^  \([A-Z]*\) *[a-z]* *$2 .*/\1/p" "$TMP/audit.out"
}

test_expect_success 'before rbac apply: auth disabled and k3s unconfined are failures' '
	r=$(make_node k3s) &&
	expect_check "$r" etcd.live-auth-enabled fail --live &&
	expect_check "$r" etcd.live-k3s-role fail --live &&
	test "$(status "$r" etcd.live-auth-enabled)" = FAIL &&
	grep -A1 "etcd.live-auth-enabled" "$TMP/audit.out" | grep -q "DISABLED" &&
	test "$(status "$r" etcd.live-k3s-role)" = FAIL &&
	test "$(status "$r" etcd.live-client-cert-auth)" = PASS &&
	test "$(status "$r" etcd.live-members-healthy)" = PASS
'

test_expect_success 'after rbac apply every live check passes' '
	k3sguard etcd rbac apply $ETCD_AS_ROOT >/dev/null &&
	r=$(make_node k3s) &&
	k3sguard --root "$r" audit --live --strategy etcd >out &&
	for c in live-client-cert-auth live-auth-enabled live-k3s-role live-members-healthy cert-expiry; do
		grep -q "^  PASS *[a-z]* *etcd.$c " out || { echo "etcd.$c did not pass"; cat out; exit 1; }
	done &&
	grep -A1 "etcd.live-k3s-role" out | grep -q "3 permissions, all within" &&
	expect_check "$r" etcd.live-client-cert-auth pass --live &&
	expect_check "$r" etcd.live-auth-enabled pass --live &&
	expect_check "$r" etcd.live-k3s-role pass --live &&
	expect_check "$r" etcd.live-members-healthy pass --live &&
	expect_check "$r" etcd.cert-expiry pass --live
'

# The node's datastore-certfile/keyfile through a directory link that
# leads out of the root, at a valid k3s identity there: the audit reads the
# node's TLS files through the gate (a link resolves inside the root), so
# it never connects with them; the same files inside the root pass.
test_expect_success 'a TLS file through a directory link out of the root is not used' '
	mkdir -p "$TMP/outside" &&
	cp "$ETCD_PKI/clients/k3s.crt" "$TMP/outside/client.crt" &&
	cp "$ETCD_PKI/clients/k3s.key" "$TMP/outside/client.key" &&
	for how in abs rel; do
		r=$(make_node k3s) &&
		case $how in
		abs) ln -s "$TMP/outside" "$r/etc/outside" ;;
		rel) ln -s "../../../../../../../../..$TMP/outside" "$r/etc/outside" ;;
		esac &&
		test -s "$r/etc/outside/client.crt" &&
		sed -i "s#^datastore-certfile: .*#datastore-certfile: /etc/outside/client.crt#; s#^datastore-keyfile: .*#datastore-keyfile: /etc/outside/client.key#" \
			"$r/etc/rancher/k3s/config.yaml" &&
		{ K3SGUARD_GATE_WALK=$([ $how = rel ] && echo 1) k3sguard --root "$r" audit --live --strategy etcd >out 2>&1 || true; } &&
		! grep -q "^  PASS *[a-z]* *etcd.live-" out &&
		grep -q "^  SKIP *[a-z]* *etcd.live-k3s-role " out &&
		grep -A1 "etcd.live-k3s-role" out | grep -q "cannot open .*/etc/outside/client.crt.: No such file" &&
		grep -q "^  FAIL *[a-z]* *etcd.cert-expiry " out &&
		grep -A1 "etcd.cert-expiry" out | grep -q "datastore-certfile: cannot open .*/etc/outside/client.crt.: No such file" &&
		rm "$r/etc/outside" && mkdir "$r/etc/outside" &&
		cp "$TMP/outside/client.crt" "$TMP/outside/client.key" "$r/etc/outside/" &&
		test "$(status "$r" etcd.live-k3s-role)" = PASS &&
		test "$(status "$r" etcd.cert-expiry)" = PASS || exit 1
	done
'

test_expect_success 'K3s configured with the root identity fails the role check' '
	r=$(make_node root) &&
	test "$(status "$r" etcd.live-k3s-role)" = FAIL &&
	grep -A1 "etcd.live-k3s-role" "$TMP/audit.out" | grep -q "as root"
'

test_expect_success 'a role wider than K3s needs fails the role check' '
	etcdctl_root role grant-permission k3s read /other >/dev/null &&
	r=$(make_node k3s) &&
	test "$(status "$r" etcd.live-k3s-role)" = FAIL &&
	grep -A1 "etcd.live-k3s-role" "$TMP/audit.out" | grep -q "grants ./other" &&
	etcdctl_root role revoke-permission k3s /other >/dev/null &&
	test "$(status "$r" etcd.live-k3s-role)" = PASS
'

test_expect_success 'a member down: members check fails and names it' '
	etcd_member_kill 3 &&
	r=$(make_node k3s) &&
	expect_check "$r" etcd.live-members-healthy fail --live &&
	test "$(status "$r" etcd.live-members-healthy)" = FAIL &&
	grep -A1 "etcd.live-members-healthy" "$TMP/audit.out" | grep -q "2 of 3 members healthy; down: e3 (quorum held)"
'

# From this host, which is not the image's node, an unreachable member is
# unknown: every live check is an error naming the endpoints (exit 2); on
# the node itself members-healthy fails instead (t1005).
test_expect_success 'all members down: live checks are errors naming the endpoints, never pass' '
	etcd_cluster_stop &&
	r=$(make_node k3s) &&
	expect_code 2 k3sguard --root "$r" audit --live --strategy etcd >out 2>&1 &&
	for c in live-client-cert-auth live-auth-enabled live-k3s-role live-members-healthy; do
		grep -q "^  ERROR *[a-z]* *etcd.$c " out || { echo "etcd.$c is not an error"; cat out; exit 1; }
	done &&
	grep -A1 "etcd.live-auth-enabled" out | grep -q "unreachable: no endpoint of K3s.s datastore-endpoint answered ($ETCD_EP1, $ETCD_EP2, $ETCD_EP3)" &&
	grep -A1 "etcd.live-members-healthy" out | grep -q "no etcd member answered this host, which is not the node: $ETCD_EP1, $ETCD_EP2, $ETCD_EP3 unreachable"
'

# a member without client-cert-auth (our provision output with it and the
# client trusted CA turned off: etcd 3.4 requires client certs whenever that is set)
test_expect_success 'a member that accepts clients without a certificate fails' '
	c=$(etcd_free_port) && p=$(etcd_free_port) &&
	k3sguard etcd provision --pki "$ETCD_PKI" --out "$TMP/open" --cert-dir "$TMP/open/%n" \
		--etcd-data-dir "$TMP/open/data/%n" --member "e1=127.0.0.1:$c:$p" >/dev/null &&
	f=$TMP/open/e1/etcd.conf.yml &&
	awk "/^client-transport-security:/{s=1} /^peer-transport-security:/{s=0} s && /trusted-ca-file/{next} s && /client-cert-auth/{sub(/true/,\"false\")} {print}" "$f" >"$f.new" &&
	mv "$f.new" "$f" && grep -q "client-cert-auth: false" "$f" &&
	sed -i "s#^initial-cluster: .*#initial-cluster: \x27e1=https://127.0.0.1:$p\x27#" "$f" &&
	ETCD_DIR=$TMP/open1 && mkdir -p "$ETCD_DIR/members" && ln -s "$TMP/open/e1" "$ETCD_DIR/members/e1" &&
	etcd_member_start 1 &&
	r=$(make_node k3s) &&
	sed -i "s#^datastore-endpoint: .*#datastore-endpoint: \"https://127.0.0.1:$c\"#" "$r/etc/rancher/k3s/config.yaml" &&
	i=0; until (exec 3<>"/dev/tcp/127.0.0.1/$c") 2>/dev/null || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done &&
	sleep 1 &&
	rc=0; expect_check "$r" etcd.live-client-cert-auth fail --live || rc=1 &&
	etcd_member_kill 1 &&
	test $rc -eq 0
'

test_expect_success 'no external etcd: the live checks skip (no endpoints known)' '
	r=$TMP/node-sqlite && mkdir -p "$r/etc/rancher/k3s" && echo "write-kubeconfig-mode: \"0600\"" >"$r/etc/rancher/k3s/config.yaml" &&
	k3sguard --root "$r" audit --live --strategy etcd >out 2>&1 || true &&
	grep -A1 "etcd.live-auth-enabled" out | grep -q "no etcd endpoints known" &&
	! grep -q "^  PASS *[a-z]* *etcd.live-" out
'

test_expect_success 'an expired datastore certificate fails the expiry check' '
	r=$(make_node k3s) &&
	PKI=$ETCD_PKI etcd_openssl_cert k3s clientAuth "$(etcd_date -400)" "$(etcd_date -1)" "$TMP/old" &&
	cp "$TMP/old.crt" "$r/etc/k3s-etcd/client.crt" && cp "$TMP/old.key" "$r/etc/k3s-etcd/client.key" &&
	expect_check "$r" etcd.cert-expiry fail --live &&
	test "$(status "$r" etcd.cert-expiry)" = FAIL &&
	grep -A1 "etcd.cert-expiry" "$TMP/audit.out" | grep -q "EXPIRED"
'

test_done
