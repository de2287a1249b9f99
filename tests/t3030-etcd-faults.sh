#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t3030: faults and bad input against a real 3-member etcd cluster: wrong
# CA, expired client certificate, a server certificate for another name,
# a key that does not match, an endpoint that is not etcd (a plain HTTPS
# server); a member killed during `health` (degraded, exit 1), failover
# through the survivors, quorum lost and all members down (exit 2).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd-cluster.sh"
cd "$TMP" || exit 1

if ! etcd_cluster_start; then
	test_expect_success 'start a 3-member etcd cluster from our files' 'false'
	test_done
fi
PKI=$ETCD_PKI

# a plain HTTPS server (not etcd, no HTTP/2) with a certificate of our CA
# for 127.0.0.1, and one whose certificate is for another name.  Started
# here, not in a test body, so the at_exit that stops them sticks.
start_https() {	# port cert key pidfile
	timeout -k 5 900 openssl s_server -accept "127.0.0.1:$1" -cert "$2" -key "$3" -www -quiet \
		</dev/null >/dev/null 2>&1 &
	echo $! >"$4"
	at_exit "kill $!"
	disown $! 2>/dev/null || true
	i=0
	until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || [ $i -ge 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
}
"$K3SGUARD" etcd pki issue --pki "$PKI" --member elsewhere=10.9.9.9 >/dev/null
WRONG_NAME_PORT=$(etcd_free_port)
start_https "$WRONG_NAME_PORT" "$PKI/members/elsewhere/server.crt" \
	"$PKI/members/elsewhere/server.key" "$TMP/https1.pid"
NOT_ETCD_PORT=$(etcd_free_port)
start_https "$NOT_ETCD_PORT" "$PKI/members/e1/server.crt" "$PKI/members/e1/server.key" \
	"$TMP/https2.pid"

test_expect_success 'wrong CA: exit 2, one line naming the certificate problem' '
	k3sguard etcd pki init --out "$TMP/other" --member x=127.0.0.1 >/dev/null &&
	expect_code 2 k3sguard etcd rbac apply --endpoints "$ETCD_EP1" --cacert "$TMP/other/ca.crt" \
		--cert "$ETCD_ROOT_CERT" --key "$ETCD_ROOT_KEY" 2>err &&
	one_line err && grep -q "server certificate not accepted with CA" err &&
	expect_code 2 k3sguard etcd health --endpoints "$ETCD_ENDPOINTS" --cacert "$TMP/other/ca.crt" \
		--cert "$ETCD_ROOT_CERT" --key "$ETCD_ROOT_KEY" >out 2>err &&
	one_line err && grep -q "no etcd member reachable" err
'

test_expect_success 'a client certificate from another CA is refused by etcd: exit 2' '
	expect_code 2 k3sguard etcd rbac apply --endpoints "$ETCD_EP1" --cacert "$ETCD_CA" \
		--cert "$TMP/other/clients/root.crt" --key "$TMP/other/clients/root.key" 2>err &&
	one_line err && grep -q "TLS/connection failed" err
'

test_expect_success 'expired client certificate: exit 2, says expired' '
	etcd_openssl_cert k3s clientAuth "$(etcd_date -400)" "$(etcd_date -2)" "$TMP/expired" &&
	expect_code 2 k3sguard etcd rbac verify --endpoints "$ETCD_ENDPOINTS" --cacert "$ETCD_CA" \
		--k3s-cert "$TMP/expired.crt" --k3s-key "$TMP/expired.key" 2>err &&
	one_line err && grep -q "expired on" err
'

test_expect_success 'key that does not match the certificate: exit 2' '
	expect_code 2 k3sguard etcd health --endpoints "$ETCD_ENDPOINTS" --cacert "$ETCD_CA" \
		--cert "$ETCD_ROOT_CERT" --key "$ETCD_K3S_KEY" 2>err &&
	one_line err && grep -q "does not match certificate" err
'

test_expect_success 'server certificate for another name: exit 2, names the mismatch' '
	expect_code 2 k3sguard etcd rbac apply --endpoints "https://127.0.0.1:$WRONG_NAME_PORT" --cacert "$ETCD_CA" \
		--cert "$ETCD_ROOT_CERT" --key "$ETCD_ROOT_KEY" 2>err &&
	one_line err && grep -q "server certificate not accepted" err &&
	grep -q "127.0.0.1" err
'

test_expect_success 'an endpoint that is not etcd (plain HTTPS, no HTTP/2): exit 2' '
	expect_code 2 k3sguard etcd rbac apply --endpoints "https://127.0.0.1:$NOT_ETCD_PORT" --cacert "$ETCD_CA" \
		--cert "$ETCD_ROOT_CERT" --key "$ETCD_ROOT_KEY" 2>err &&
	one_line err && grep -q "did not negotiate HTTP/2" err && grep -q "not an etcd gRPC endpoint" err
'

test_expect_success 'plain http endpoints are refused before any connection' '
	expect_code 2 k3sguard etcd health --endpoints "http://127.0.0.1:2379" --cacert "$ETCD_CA" \
		--cert "$ETCD_ROOT_CERT" --key "$ETCD_ROOT_KEY" 2>err &&
	one_line err && grep -q "plain http" err
'

test_expect_success 'credentials in an endpoint URL never reach a message' '
	expect_code 2 k3sguard etcd health --endpoints "$ETCD_EP1,http://k3s:s3cretpw@127.0.0.1:2379" \
		--cacert "$ETCD_CA" --cert "$ETCD_ROOT_CERT" --key "$ETCD_ROOT_KEY" >out 2>err &&
	one_line err && grep -q "credentials hidden" err && ! grep -q s3cretpw err out &&
	expect_code 2 k3sguard etcd health --endpoints "https://k3s:s3cretpw@127.0.0.1:2379" \
		--cacert "$ETCD_CA" 2>err && ! grep -q s3cretpw err
'

test_expect_success 'rbac apply before the faults (auth on)' '
	k3sguard etcd rbac apply $ETCD_AS_ROOT >out
'

# the name of a follower (not the leader), from our own health output
follower() {
	k3sguard etcd health $ETCD_AS_ROOT | sed -n "s/^member \(e[123]\) .*, follower, .*/\1/p" | head -n1
}

test_expect_success 'a member killed during health: exit 1 (degraded), names it' '
	f=$(follower) && test -n "$f" && n=${f#e} &&
	kill -STOP "$(cat "$ETCD_DIR/e$n.pid")" &&
	# bounded: sleep 1
	{ ( sleep 1; etcd_member_kill "$n" ) & } &&
	set +e; k3sguard etcd health $ETCD_AS_ROOT --timeout 4 >out 2>err; rc=$?; set -e &&
	wait &&
	cat out err &&
	test "$rc" -eq 1 &&
	grep -q "^member $f .*: DOWN" out &&
	test "$(grep -c ": up, TLS verified" out)" -eq 2 &&
	grep -q "quorum held (needs 2)" out &&
	one_line err && grep -q "degraded: down: $f" err
'

test_expect_success 'commands go on through the survivors and say which member is down' '
	down=$(sed -n "s/^member \(e[123]\) .*: DOWN.*/\1/p" out) && n=${down#e} &&
	eval "first=\$ETCD_EP$n" &&
	others=$(echo "$ETCD_ENDPOINTS" | tr , "\n" | grep -v "^$first$" | paste -sd,) &&
	k3sguard etcd rbac verify --endpoints "$first,$others" --cacert "$ETCD_CA" \
		--k3s-cert "$ETCD_K3S_CERT" --k3s-key "$ETCD_K3S_KEY" >vout 2>verr &&
	grep -q "^0 probes disagreed" vout &&
	grep -q "$first.*unreachable.*trying" verr
'

test_expect_success 'two members down: quorum lost, exit 2' '
	alive=$(k3sguard etcd health $ETCD_AS_ROOT 2>/dev/null | sed -n "s/^member \(e[123]\) .*: up.*/\1/p" | head -n1) &&
	etcd_member_kill "${alive#e}" &&
	expect_code 2 k3sguard etcd health $ETCD_AS_ROOT >out 2>err &&
	one_line err && grep -q "quorum lost: 1 of 3 members up" err &&
	test "$(grep -c ": DOWN" out)" -eq 2
'

test_expect_success 'all members down: exit 2, one line' '
	etcd_cluster_stop &&
	expect_code 2 k3sguard etcd health $ETCD_AS_ROOT >out 2>err &&
	one_line err && grep -q "no etcd member reachable (3 tried)" err &&
	expect_code 2 k3sguard etcd rbac apply $ETCD_AS_ROOT >out 2>err &&
	one_line err && grep -q "no etcd endpoint answered (3 tried)" err
'

test_done
