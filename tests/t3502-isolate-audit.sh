#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t3502: the audit's etcd.firewall check reads the kernel's nftables rules of
# an etcd host.  Each case runs in a fresh network namespace (its own, empty
# ruleset), on a host whose K3s data dir makes the datastore embedded etcd
# (--data-dir with server/db/etcd/member/wal, as K3s lays it out).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	test_skip 'etcd.firewall on live rulesets' 'needs root for ip netns and nft'
	test_done
fi
cd "$TMP" || exit 1
P=k3ga$$r$RANDOM
if ! ip netns add "$P" 2>netns.err; then
	test_skip 'etcd.firewall on live rulesets' "the kernel or sandbox refuses network namespaces: $(head -n1 netns.err)"
	test_done
fi
at_exit "ip netns del $P"
mkdir -p k3s/server/db/etcd/member/wal

# firewall_result: the etcd.firewall result of an audit in the namespace
firewall_result() {
	set +e
	ip netns exec "$P" "$K3SGUARD" --data-dir "$TMP/k3s" audit --strategy etcd --format json >audit.json
	set -e
	jq -r '.checks[] | select(.id == "etcd.firewall") | .status + " " + .evidence' audit.json
}

test_expect_success 'no ruleset: both ports open, the check fails' '
	firewall_result >res &&
	grep -q "^fail nft ruleset: client port 2379 open to any IPv4 and IPv6 source; peer port 2380 open to any IPv4 and IPv6 source$" res
'

test_expect_success 'an admin firewall that restricts both ports passes, naming the sources' '
	cat >fw.nft <<-EOF &&
	table inet filter {
		chain input {
			type filter hook input priority filter; policy drop;
			ct state established,related accept
			iif "lo" accept
			tcp dport 22 accept
			tcp dport 2379 ip saddr { 10.0.1.11, 10.0.1.12 } accept
			tcp dport 2380 ip saddr 10.0.2.0/29 accept
		}
	}
	EOF
	ip netns exec "$P" nft -f fw.nft &&
	firewall_result >res &&
	grep -q "^pass nft ruleset: client port 2379 from 10.0.1.11/32, 10.0.1.12/32, loopback; peer port 2380 from 10.0.2.0/29, loopback$" res
'

test_expect_success 'a rule it cannot read keeps the verdict on the safe side' '
	ip netns exec "$P" nft flush ruleset &&
	printf "table ip t {\n\tchain i {\n\t\ttype filter hook input priority 0; policy accept;\n\t\ttcp dport 2379-2380 meta mark 0x00000007 drop\n\t}\n}\n" >mark.nft &&
	ip netns exec "$P" nft -f mark.nft &&
	firewall_result >res &&
	grep -q "^fail nft ruleset: client port 2379 open to any IPv4 and IPv6 source" res &&
	grep -q "could not be evaluated" res
'

test_expect_success 'under --root the kernel is not the node copy: skip, --live too' '
	firewall_root=$(node_root fw) &&
	mkdir -p "$firewall_root/var/lib/rancher/k3s/server/db/etcd/member/wal" &&
	set +e; "$K3SGUARD" --root "$firewall_root" audit --strategy etcd --format json >audit.json; set -e &&
	jq -r ".checks[] | select(.id == \"etcd.firewall\") | .status + \" \" + .evidence" audit.json >res &&
	grep -q "^skip offline image: etcd runs on this node (K3s runs an embedded etcd member), and firewall rules are the running kernel.s state" res &&
	set +e; "$K3SGUARD" --root "$firewall_root" audit --live --strategy etcd --format json >audit.json; set -e &&
	jq -r ".checks[] | select(.id == \"etcd.firewall\") | .status + \" \" + .evidence" audit.json >res &&
	grep -q "^skip offline image: etcd runs on this node" res
'

test_expect_success 'external etcd: passes without an etcd member here, skips with one (--root)' '
	hroot=$(node_root hard hardened-server) &&
	set +e; "$K3SGUARD" --root "$hroot" audit --strategy etcd --format json >audit.json; set -e &&
	jq -r ".checks[] | select(.id == \"etcd.firewall\") | .status + \" \" + .evidence" audit.json >res &&
	grep -q "^pass the datastore is external etcd and no etcd member is installed on this node" res &&
	mkdir -p "$hroot/usr/bin" && cp /bin/true "$hroot/usr/bin/etcd" &&
	set +e; "$K3SGUARD" --root "$hroot" audit --strategy etcd --format json >audit.json; set -e &&
	jq -r ".checks[] | select(.id == \"etcd.firewall\") | .status + \" \" + .evidence" audit.json >res &&
	grep -q "^skip offline image: etcd runs on this node (/usr/bin/etcd)" res
'

test_done
