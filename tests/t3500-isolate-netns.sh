#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t3500: etcd isolate on real hosts.  A small network of network namespaces
# joined by a bridge: two etcd hosts each running a REAL etcd member (Debian's
# etcd-server, mutual TLS, certificates made here with the openssl CLI), an
# allowed K3s-server host (curl with a client certificate stands in for K3s:
# it speaks to etcd exactly as a client does) and an attacker host.  The
# ruleset is applied inside each etcd host before etcd starts, so the two
# members can only form their cluster through the peer rules.
. "$(dirname "$0")/lib.sh"

ISOLATE="etcd isolate"
isolate() { # shellcheck disable=SC2086
	"$K3SGUARD" $ISOLATE "$@"; }

if ! isolate --help >/dev/null 2>&1; then
	echo "not ok 1 - 'k3sguard $ISOLATE --help' fails: the sub-verb is missing from this build"
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	test_skip 'etcd isolate in network namespaces' 'needs root for ip netns and nft'
	test_done
fi
for t in ip nft etcd curl openssl timeout; do
	has_cmd "$t" || { echo "missing '$t' (scripts/deps/isolate.txt installs it)" >&2; exit 1; }
done

cd "$TMP" || exit 1
P=k3gi$$r$RANDOM
if ! ip netns add "$P-probe" 2>"$TMP/netns.err"; then
	test_skip 'etcd isolate in network namespaces' "the kernel or sandbox refuses network namespaces: $(head -n1 "$TMP/netns.err")"
	test_done
fi
ip netns del "$P-probe"

HOSTS="e1 e2 k3s atk"
declare -A V4=([e1]=10.235.0.1 [e2]=10.235.0.2 [k3s]=10.235.0.10 [atk]=10.235.0.66)
declare -A V6=([e1]=fd35::1 [e2]=fd35::2 [k3s]=fd35::10 [atk]=fd35::66)
PIDS=
cleanup_net() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	for h in $HOSTS br; do ip netns del "$P-$h" 2>/dev/null; done
}
at_exit cleanup_net
in_ns() { h=$1; shift; ip netns exec "$P-$h" "$@"; }

# ---- the network: one bridge namespace, a veth into each host ----
ip netns add "$P-br"
ip -n "$P-br" link add br0 type bridge
ip -n "$P-br" link set br0 up
for h in $HOSTS; do
	ip netns add "$P-$h"
	ip -n "$P-br" link add "v-$h" type veth peer name eth0 netns "$P-$h"
	ip -n "$P-br" link set "v-$h" master br0 up
	ip -n "$P-$h" link set lo up
	ip -n "$P-$h" addr add "${V4[$h]}/24" dev eth0
	ip -n "$P-$h" addr add "${V6[$h]}/64" dev eth0 nodad
	ip -n "$P-$h" link set eth0 up
done

# ---- a CA, member certificates (serverAuth+clientAuth) and a K3s client certificate ----
PKI=$TMP/pki
mkdir -p "$PKI"
(
	cd "$PKI"
	key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; chmod 600 "$1.key"; }
	key ca
	openssl req -x509 -new -key ca.key -out ca.crt -days 2 -subj /CN=t3500-etcd-ca 2>/dev/null
	for m in e1 e2 k3s; do
		key "$m"
		openssl req -new -key "$m.key" -out "$m.csr" -subj "/CN=$m" 2>/dev/null
		if [ "$m" = k3s ]; then
			printf 'extendedKeyUsage=clientAuth\n' >"$m.ext"
		else
			printf 'subjectAltName=IP:%s,IP:%s,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' \
				"${V4[$m]}" "${V6[$m]}" >"$m.ext"
		fi
		openssl x509 -req -in "$m.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
			-extfile "$m.ext" -out "$m.crt" 2>/dev/null
	done
) || { echo "cannot make test certificates" >&2; exit 1; }

CLIENTS="${V4[k3s]},${V6[k3s]}"
PEERS="${V4[e1]},${V4[e2]}"
# an unrelated table that must survive apply and remove
for m in e1 e2; do
	printf 'table inet t3500other {\n\tchain c {\n\t\ttype filter hook input priority 0; policy accept;\n\t\ttcp dport 9999 counter\n\t}\n}\n' |
		in_ns "$m" nft -f - || exit 1
done

start_etcd() {
	m=$1
	# bounded: killed at exit with the other $PIDS
	in_ns "$m" etcd --name "$m" --data-dir "$TMP/data-$m" \
		--listen-client-urls "https://${V4[$m]}:2379,https://[${V6[$m]}]:2379,https://127.0.0.1:2379" \
		--advertise-client-urls "https://${V4[$m]}:2379" \
		--listen-peer-urls "https://${V4[$m]}:2380" \
		--initial-advertise-peer-urls "https://${V4[$m]}:2380" \
		--initial-cluster "e1=https://${V4[e1]}:2380,e2=https://${V4[e2]}:2380" \
		--initial-cluster-state new --initial-cluster-token "$P" \
		--listen-metrics-urls "http://${V4[$m]}:2381" \
		--client-cert-auth --trusted-ca-file "$PKI/ca.crt" \
		--cert-file "$PKI/$m.crt" --key-file "$PKI/$m.key" \
		--peer-client-cert-auth --peer-trusted-ca-file "$PKI/ca.crt" \
		--peer-cert-file "$PKI/$m.crt" --peer-key-file "$PKI/$m.key" \
		>"$TMP/etcd-$m.log" 2>&1 &
	PIDS="$PIDS $!"
	disown
}

# k3s_curl HOST URL [curl args]: a TLS request with the K3s client certificate
k3s_curl() {
	h=$1 url=$2; shift 2
	in_ns "$h" curl -sS --max-time 5 --connect-timeout 2 --cacert "$PKI/ca.crt" \
		--cert "$PKI/k3s.crt" --key "$PKI/k3s.key" "$@" "$url"
}
# tcp_open HOST ADDR PORT: 0 when a TCP connection is accepted within 2 s
tcp_open() {
	in_ns "$1" timeout 2 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null
}

test_expect_success 'apply on both etcd hosts loads only table inet k3sguard' '
	for m in e1 e2; do
		in_ns $m "$K3SGUARD" $ISOLATE --clients "$CLIENTS" --peers "$PEERS" --apply >out.$m &&
		grep -q "loaded table inet k3sguard" out.$m &&
		grep -q "^verified: the kernel.s ruleset restricts ports 2379 and 2380" out.$m &&
		in_ns $m nft list table inet k3sguard >rules.$m &&
		grep -q "tcp dport 2379 ip saddr @etcd_clients_v4 accept" rules.$m &&
		in_ns $m nft list table inet t3500other >/dev/null || exit 1
	done
'

start_etcd e1
start_etcd e2
healthy=
for _ in $(seq 1 60); do
	if k3s_curl k3s "https://${V4[e1]}:2379/health" 2>/dev/null | grep -q '"health":"true"'; then
		healthy=1
		break
	fi
	sleep 0.5
done

test_expect_success 'two members form a cluster through the peer rules' '
	test -n "$healthy" || { tail -n 20 "$TMP/etcd-e1.log"; exit 1; } &&
	k3s_curl k3s "https://${V4[e2]}:2379/v3/cluster/member/list" -X POST -d "{}" >members &&
	test "$(grep -o "\"clientURLs\"" members | wc -l)" -eq 2
'

test_expect_success 'the K3s server completes TLS requests to 2379 (IPv4 and IPv6)' '
	k3s_curl k3s "https://${V4[e1]}:2379/v3/kv/put" -X POST \
		-d "{\"key\":\"dDM1MDA=\",\"value\":\"b2s=\"}" >put &&
	grep -q revision put &&
	k3s_curl k3s "https://${V4[e2]}:2379/v3/kv/range" -X POST -d "{\"key\":\"dDM1MDA=\"}" >get &&
	grep -q "\"value\":\"b2s=\"" get &&
	k3s_curl k3s "https://[${V6[e1]}]:2379/health" | grep -q "\"health\":\"true\""
'

test_expect_success 'the attacker cannot connect to 2379 or 2380 (IPv4 and IPv6)' '
	! tcp_open atk ${V4[e1]} 2379 &&
	! tcp_open atk ${V4[e1]} 2380 &&
	! tcp_open atk ${V6[e1]} 2379 &&
	! tcp_open atk ${V4[e2]} 2379
'

test_expect_success 'the K3s server is not an etcd peer: 2380 is closed to it' '
	! tcp_open k3s ${V4[e1]} 2380
'

test_expect_success 'other ports are untouched: the attacker still reads metrics on 2381' '
	in_ns atk curl -sS --max-time 5 "http://${V4[e1]}:2381/metrics" >metrics &&
	grep -q "^etcd_server_has_leader 1" metrics
'

test_expect_success 'loopback still reaches 2379 on the etcd host' '
	k3s_curl e1 "https://127.0.0.1:2379/health" | grep -q "\"health\":\"true\""
'

test_expect_success 'probe from the hosts reports what they can reach' '
	in_ns k3s "$K3SGUARD" $ISOLATE --probe "${V4[e1]}:2379,[${V6[e1]}]:2379,${V4[e1]}:2380" \
		--timeout 1500 --format json >probe.k3s &&
	jq -e ".probes | map(.reachable) == [true, true, false]" probe.k3s &&
	jq -e ".probes[2].result == \"timed out\"" probe.k3s &&
	in_ns atk "$K3SGUARD" $ISOLATE --probe "${V4[e1]}:2379,${V4[e1]}:2381" --timeout 1500 >probe.atk &&
	grep -q "port 2379 (10.235.0.1): not reachable: timed out" probe.atk &&
	grep -q "port 2381 (10.235.0.1): REACHABLE: connected" probe.atk
'

test_expect_success 'status on the etcd host: both ports restricted, and to whom' '
	in_ns e1 "$K3SGUARD" $ISOLATE --status --format json >status &&
	jq -e ".table_loaded and (.ports[0].restricted) and (.ports[1].restricted)" status &&
	jq -e ".ports[0].allowed == [\"10.235.0.10/32\", \"fd35::10/128\"] and .ports[0].loopback" status &&
	jq -e ".ports[1].allowed == [\"10.235.0.1/32\", \"10.235.0.2/32\"]" status
'

test_expect_success 'an nft that refuses the check: exit 2, nothing loaded' '
	printf "#!/bin/sh\ncase \"\$1\" in -c) echo \"Error: refused by the test double\" >&2; exit 1;; esac\necho loaded >>\"$TMP/double-loaded\"\nexit 0\n" >nft-double &&
	chmod 755 nft-double &&
	in_ns e2 nft -s list table inet k3sguard >before &&
	expect_code 2 in_ns e2 "$K3SGUARD" $ISOLATE --clients 10.235.0.99 --peers none \
		--apply --nft "$PWD/nft-double" 2>err &&
	cat err && one_line err && grep -q "refused by the test double" err &&
	test ! -e "$TMP/double-loaded" &&
	in_ns e2 nft -s list table inet k3sguard >after && cmp before after
'

test_expect_success 'bad input loads nothing: one-line error, exit 64 or 2' '
	in_ns e2 nft -s list ruleset >before &&
	expect_code 64 in_ns e2 "$K3SGUARD" $ISOLATE --clients "" --peers "$PEERS" --apply 2>err1 &&
	one_line err1 && grep -q "cut every K3s server off" err1 &&
	expect_code 64 in_ns e2 "$K3SGUARD" $ISOLATE --clients 10.235.0.300 --peers "$PEERS" --apply 2>err2 &&
	one_line err2 && grep -q "10.235.0.300" err2 &&
	expect_code 64 in_ns e2 "$K3SGUARD" $ISOLATE --clients "$CLIENTS" --peers fd35::/129 --apply 2>err3 &&
	one_line err3 && grep -q "fd35::/129" err3 &&
	expect_code 64 in_ns e2 "$K3SGUARD" $ISOLATE --clients "$CLIENTS" --peers "$PEERS" --peer-port 65536 --apply 2>err4 &&
	one_line err4 &&
	expect_code 2 in_ns e2 "$K3SGUARD" $ISOLATE --clients "$CLIENTS" --peers "$PEERS" --apply --nft "$TMP/no-nft" 2>err5 &&
	one_line err5 && grep -q "nftables" err5 &&
	in_ns e2 nft -s list ruleset >after && cmp before after
'

test_expect_success '--remove deletes only our table and restores reachability' '
	in_ns e1 "$K3SGUARD" $ISOLATE --remove --dry-run >dry &&
	grep -q "^delete table inet k3sguard" dry &&
	in_ns e1 nft list table inet k3sguard >/dev/null &&
	in_ns e1 "$K3SGUARD" $ISOLATE --remove >out &&
	! in_ns e1 nft list table inet k3sguard >/dev/null 2>&1 &&
	in_ns e1 nft list table inet t3500other >/dev/null &&
	tcp_open atk ${V4[e1]} 2379 &&
	tcp_open atk ${V6[e1]} 2379 &&
	tcp_open atk ${V4[e1]} 2380 &&
	in_ns atk "$K3SGUARD" $ISOLATE --probe "${V4[e1]}:2379" --format json | jq -e ".probes[0].reachable" &&
	expect_code 1 in_ns e1 "$K3SGUARD" $ISOLATE --status --format json >status &&
	jq -e "(.table_loaded | not) and .ports[0].open_to_any_ipv4 and .ports[1].open_to_any_ipv6" status &&
	in_ns e1 "$K3SGUARD" $ISOLATE --remove >again
'

test_done
