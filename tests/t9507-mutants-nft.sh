#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9507: etcd.firewall and the nftables audit at the edges the mutation run
# (make mutate, docs/testing.md) found untested: one of etcd's two ports
# restricted is no pass (either one).  Each case in a fresh network
# namespace, on a host whose K3s data dir makes the datastore embedded etcd
# (server/db/etcd/member/wal, as K3s lays it out), as t3502.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	test_skip 'etcd.firewall on live rulesets' 'needs root for ip netns and nft'
	test_done
fi
cd "$TMP" || exit 1
P=k3gm$$r$RANDOM
if ! ip netns add "$P" 2>netns.err; then
	test_skip 'etcd.firewall on live rulesets' "the kernel or sandbox refuses network namespaces: $(head -n1 netns.err)"
	test_done
fi
at_exit "ip netns del $P"
mkdir -p k3s/server/db/etcd/member/wal

firewall_result() {
	set +e
	ip netns exec "$P" "$K3SGUARD" --data-dir "$TMP/k3s" audit --strategy etcd --format json >audit.json
	set -e
	jq -r '.checks[] | select(.id == "etcd.firewall") | .status + " " + .evidence' audit.json
}

# ruleset PORT: an input chain that restricts only PORT
ruleset() {
	cat <<-EOF
	table inet filter {
		chain input {
			type filter hook input priority filter; policy accept;
			tcp dport $1 ip saddr != 10.0.1.0/24 drop
			tcp dport $1 ip6 saddr != fd00::/64 drop
		}
	}
	EOF
}

test_expect_success 'only the client port (2379) restricted: fail' '
	ip netns exec "$P" nft flush ruleset &&
	ruleset 2379 >c.nft && ip netns exec "$P" nft -f c.nft &&
	firewall_result >res &&
	grep -q "^fail nft ruleset: client port 2379 from 10.0.1.0/24" res &&
	grep -q "peer port 2380 open to any" res
'

test_expect_success 'only the peer port (2380) restricted: fail' '
	ip netns exec "$P" nft flush ruleset &&
	ruleset 2380 >p.nft && ip netns exec "$P" nft -f p.nft &&
	firewall_result >res &&
	grep -q "^fail nft ruleset: client port 2379 open to any" res
'

test_expect_success 'a drop for ports below 2380 restricts the client port only: fail' '
	ip netns exec "$P" nft flush ruleset &&
	cat >lt.nft <<-EOF &&
	table inet filter {
		chain input {
			type filter hook input priority filter; policy accept;
			tcp dport < 2380 ip saddr != 10.0.1.0/24 drop
			tcp dport < 2380 ip6 saddr != fd00::/64 drop
		}
	}
	EOF
	ip netns exec "$P" nft -f lt.nft &&
	firewall_result >res &&
	grep -q "^fail nft ruleset: client port 2379 from 10.0.1.0/24" res &&
	grep -q "peer port 2380 open to any" res
'

test_done
