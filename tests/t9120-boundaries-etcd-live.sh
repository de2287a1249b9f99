#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9120: the live etcd checks other than the role (t9080) at their
# boundaries, against a real 3-member etcd (tests/etcd-cluster.sh, as t3040
# and t9080); the node tree is an image, so each audit runs with --live.
# One cluster, changed one step at a time, each step undone after:
#   etcd.live-auth-enabled      auth off (pass->fail), on again (pass)
#   etcd.live-client-cert-auth  all three members refuse a client without
#                               a certificate (pass); one of the three
#                               accepts one (fail); a member down while the
#                               others refuse (pass: nothing answered);
#                               a CA that did not sign the members
#                               (error: unknown, never pass)
#   etcd.live-members-healthy   3 of 3 (pass); a 4th member added but not
#                               started (3 of 4: fail); removed again
#                               (pass); one of 3 removed from the cluster
#                               (2 of 2: warn, no fault tolerance)
# The cluster changes are made by etcdctl, the reference client.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd-cluster.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP" || exit 1

if ! etcd_cluster_start; then
	test_expect_success 'start a 3-member etcd cluster from our files' 'false'
	test_done
fi

R=$TMP/node
mkdir -p "$R/etc/rancher/k3s" "$R/etc/k3s-etcd" &&
cp "$ETCD_CA" "$R/etc/k3s-etcd/ca.crt" &&
cp "$ETCD_K3S_CERT" "$R/etc/k3s-etcd/client.crt" &&
cp "$ETCD_K3S_KEY" "$R/etc/k3s-etcd/client.key" &&
cat >"$R/etc/rancher/k3s/config.yaml" <<CFG
datastore-endpoint: "$ETCD_ENDPOINTS"
datastore-cafile: /etc/k3s-etcd/ca.crt
datastore-certfile: /etc/k3s-etcd/client.crt
datastore-keyfile: /etc/k3s-etcd/client.key
CFG

# is ID STATUS [EVIDENCE-PATTERN]: audit --live (bounded), etcd strategy
# only, one check's status (and evidence) compared
is() {
	with_timeout 60 k3sguard --root "$R" audit --live --strategy etcd --format json \
		>"$TMP/audit.json" 2>"$TMP/audit.err" || :
	_got=$(check_status "$1")
	_ev=$(check_field "$1" evidence)
	[ "$_got" = "$2" ] && { [ -z "${3:-}" ] || printf '%s\n' "$_ev" | grep -q -- "$3"; } || {
		echo "$1: $_got, want $2${3:+ ($3)}: $_ev" >&2
		return 1
	}
}

# member_conf N: member eN's etcd config file (from 'etcd provision')
member_conf() { echo "$ETCD_DIR/members/e$1/etcd.conf.yml"; }

# wait_up URL: until the member at URL answers etcdctl (bounded: 10 s)
wait_up() {
	_i=0
	until ETCDCTL_API=3 with_timeout 5 "$ETCDCTL_BIN" --endpoints "$1" --cacert "$ETCD_CA" \
		--cert "$ETCD_ROOT_CERT" --key "$ETCD_ROOT_KEY" --dial-timeout 1s \
		--command-timeout 2s endpoint status >/dev/null 2>&1; do
		_i=$((_i + 1))
		[ $_i -lt 20 ] || { echo "$1 did not come up" >&2; tail -n 3 "$ETCD_DIR"/e*.log >&2; return 1; }
		sleep 0.5
	done
}

# retry CMD...: etcd refuses a membership change until every started member
# has been connected for a while ("unhealthy cluster"): up to 20 tries, 1 s
# apart (etcdctl_root is bounded by its own timeouts)
retry() {
	_i=0
	until "$@" >"$TMP/retry.out" 2>&1; do
		_i=$((_i + 1))
		[ $_i -lt 20 ] || { cat "$TMP/retry.out" >&2; return 1; }
		sleep 1
	done
}

test_expect_success 'auth off: live-auth-enabled fails; client-cert-auth and members pass' '
	is etcd.live-auth-enabled fail DISABLED &&
	is etcd.live-client-cert-auth pass "3 of 3 members refused" &&
	is etcd.live-members-healthy pass "all 3 members healthy"
'

test_expect_success 'etcd rbac apply (auth on): live-auth-enabled passes' '
	with_timeout 60 k3sguard etcd rbac apply $ETCD_AS_ROOT >/dev/null &&
	is etcd.live-auth-enabled pass
'

test_expect_success 'auth disabled again by etcdctl: fails; enabled: passes' '
	etcdctl_root auth disable >/dev/null &&
	is etcd.live-auth-enabled fail DISABLED &&
	etcdctl_root auth enable >/dev/null &&
	is etcd.live-auth-enabled pass
'

test_expect_success 'one member down, two refuse: client-cert-auth passes (2 of 3, others unreachable)' '
	etcd_member_kill 3 &&
	is etcd.live-client-cert-auth pass "2 of 3 members refused.*others unreachable" &&
	is etcd.live-members-healthy fail "2 of 3 members healthy"
'

# e3 again, without client-cert-auth and without the client trusted CA (as
# t3040 does for a single member: etcd requires client certificates whenever
# that is set); its peer security is unchanged, so it rejoins the cluster
test_expect_success 'one member of three accepts a client without a certificate: fails' '
	f=$(member_conf 3) && cp "$f" "$TMP/e3.conf.saved" &&
	awk "/^client-transport-security:/{s=1} /^peer-transport-security:/{s=0} s && /trusted-ca-file/{next} s && /client-cert-auth/{sub(/true/,\"false\")} {print}" "$f" >"$f.new" &&
	mv "$f.new" "$f" && grep -q "client-cert-auth: false" "$f" &&
	etcd_member_start 3 && wait_up "$ETCD_EP3" &&
	is etcd.live-client-cert-auth fail "$ETCD_EP3" &&
	is etcd.live-members-healthy pass "all 3 members healthy"
'

test_expect_success 'that member with client-cert-auth again: passes' '
	etcd_member_kill 3 && cp "$TMP/e3.conf.saved" "$(member_conf 3)" &&
	etcd_member_start 3 && wait_up "$ETCD_EP3" &&
	is etcd.live-client-cert-auth pass "3 of 3 members refused"
'

# a CA file that did not sign the members' certificates: nothing is learned
# about client certificates, so not a pass (error: unknown)
test_expect_success 'the node names another CA: client-cert-auth is unknown (error), never pass' '
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=other-ca -keyout "$TMP/other.key" -out "$TMP/other.crt" 2>/dev/null &&
	cp "$R/etc/k3s-etcd/ca.crt" "$TMP/ca.saved" &&
	cp "$TMP/other.crt" "$R/etc/k3s-etcd/ca.crt" &&
	if is etcd.live-client-cert-auth error; then rc=0; else rc=1; fi &&
	cp "$TMP/ca.saved" "$R/etc/k3s-etcd/ca.crt" &&
	test $rc -eq 0 &&
	is etcd.live-client-cert-auth pass
'

test_expect_success 'a 4th member added but not started: 3 of 4 healthy fails; removed: passes' '
	p=$(etcd_free_port) &&
	retry etcdctl_root member add e4 --peer-urls "https://127.0.0.1:$p" &&
	is etcd.live-members-healthy fail "3 of 4 members healthy" &&
	id=$(etcdctl_root member list | awk -F", " "\$3 == \"e4\" || \$2 == \"unstarted\" { print \$1 }" | head -n 1) &&
	test -n "$id" &&
	retry etcdctl_root member remove "$id" &&
	is etcd.live-members-healthy pass "all 3 members healthy"
'

test_expect_success 'one member removed from the cluster: 2 of 2 healthy warns' '
	id=$(etcdctl_root member list | awk -F", " "\$3 == \"e3\" { print \$1 }") &&
	test -n "$id" &&
	retry etcdctl_root member remove "$id" &&
	etcd_member_kill 3 &&
	is etcd.live-members-healthy warn "all 2 members healthy, but fewer than 3"
'

test_done
