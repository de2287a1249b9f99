#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t3501: etcd isolate without a network: usage errors, the printed ruleset
# (fed to the real `nft -c` in a private network namespace when possible),
# --status on rulesets that real nft listed as JSON, --probe output.
. "$(dirname "$0")/lib.sh"

ISOLATE="etcd isolate"
isolate() { # shellcheck disable=SC2086
	"$K3SGUARD" $ISOLATE "$@"; }

if ! isolate --help >/dev/null 2>&1; then
	echo "not ok 1 - 'k3sguard $ISOLATE --help' fails: the sub-verb is missing from this build"
	exit 1
fi
cd "$TMP" || exit 1
FIX=$TOP/tests/fixtures/nft

test_expect_success '--help describes the modes' '
	isolate --help >out &&
	grep -q -- "--clients" out && grep -q -- "--remove" out && grep -q -- "--probe" out
'

test_expect_success 'without a mode the ruleset is printed, and real nft accepts it' '
	isolate --clients 10.0.0.10,fd00::10 --peers 10.0.0.1,10.0.0.2 --client-port 12379 \
		--peer-port 12380 >rules &&
	grep -q "tcp dport 12379 ip6 saddr @etcd_clients_v6 accept" rules &&
	grep -q "tcp dport { 12379, 12380 } counter drop" rules &&
	if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
		unshare -n nft -c -f rules
	else
		echo "# nft -c not run: needs root and network namespaces"
	fi
'

test_expect_success '--apply --dry-run prints the ruleset and the commands' '
	isolate --clients 10.0.0.10 --peers none --apply --dry-run >dry &&
	head -n1 dry | grep -q "^# dry run: would check with .*nft -c -f -" &&
	grep -q "^table inet k3sguard {" dry &&
	! grep -q "etcd_peers" dry
'

test_expect_success '--apply reads the ruleset back: a load that did not take is an error (2)' '
	# an nft double that accepts the check and the load but whose kernel
	# (its "list ruleset") holds nothing: what a silently failed load looks like
	cat >nft-empty <<-\EOF &&
	#!/bin/sh
	case "$*" in "-j list ruleset") echo "{\"nftables\": []}" ;; esac
	exit 0
	EOF
	chmod 755 nft-empty &&
	./nft-empty -j list ruleset | jq -e ".nftables == []" &&
	{ expect_code 2 isolate --clients 10.0.0.10 --peers none --apply --nft "$PWD/nft-empty" >out 2>err ||
		{ cat out err; exit 1; }; } &&
	{ grep -q "^loaded table inet k3sguard" out && one_line err || { cat out err; exit 1; }; } &&
	{ grep -q "reading the ruleset back shows port 2379 OPEN and port 2380 OPEN" err || { cat out err; exit 1; }; }
'

test_expect_success 'usage errors: one line, exit 64' '
	for args in "--peers none" "--clients 10.0.0.1" "--clients= --peers none" \
		"--clients 10.0.0.1/24 --peers none" "--clients 999.0.0.1 --peers none" \
		"--clients 10.0.0.1 --peers 0.0.0.0/0" "--clients 10.0.0.1 --peers none --client-port 0" \
		"--clients 10.0.0.1 --peers none --peer-port 2379" "--apply --remove" \
		"--status --dry-run" "--probe 10.0.0.1" "--probe 10.0.0.1:99999" "--probe=" \
		"--clients 10.0.0.1 --peers none stray" "--format yaml --status" "--no-such-option"; do
		# shellcheck disable=SC2086
		expect_code 64 isolate $args 2>err >out || { echo "args: $args"; exit 1; } &&
		[ "$args" = "--no-such-option" ] || one_line err || { echo "args: $args"; exit 1; } &&
		test ! -s out || { echo "args: $args wrote to stdout"; exit 1; }
	done
'

test_expect_success 'status on a ruleset real nft listed: restricted, and to whom' '
	isolate --status --from-json "$FIX/policy.json" >st &&
	grep -q "^client port 2379: restricted; new connections allowed from 192.168.7.0/24, 2001:db8:7::/48, loopback$" st &&
	grep -q "^peer port 2380: restricted; new connections allowed from 192.168.7.0/24, loopback$" st
'

test_expect_success 'status: open ports and unreadable rules exit 1, with notes' '
	expect_code 1 isolate --status --from-json "$FIX/open.json" >st &&
	grep -q "client port 2379: OPEN" st &&
	expect_code 1 isolate --status --from-json "$FIX/unknown.json" --format json >st.json &&
	jq -e "(.ports[0].restricted | not) and (.notes | length) >= 2" st.json
'

test_expect_success 'status: a file that is not a ruleset is an error (2)' '
	echo "[1, 2" >bad.json &&
	expect_code 2 isolate --status --from-json bad.json 2>err && one_line err &&
	grep -q "bad.json" err &&
	expect_code 2 isolate --status --from-json "$TMP/none.json" 2>err && one_line err
'

test_expect_success 'probe: refused and connected on loopback' '
	port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])") &&
	isolate --probe "127.0.0.1:$port" --format json >p1 &&
	jq -e ".probes[0].reachable == false and .probes[0].result == \"refused\"" p1 &&
	isolate --probe "127.0.0.1:$port,[::1]:$port" --format json >p2 &&
	jq -e ".probes | map(.result) == [\"refused\", \"refused\"]" p2 &&
	jq -e ".probes[1].address == \"::1\" and .probes[1].port == $port" p2 &&
	python3 -c "
import socket, subprocess, sys
s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(1)
p = s.getsockname()[1]
out = subprocess.run([sys.argv[1]] + sys.argv[2].split() + [\"--probe\", \"127.0.0.1:%d\" % p],
    capture_output=True, text=True).stdout
print(out, end=\"\")
assert \"REACHABLE: connected\" in out
" "$K3SGUARD" "$ISOLATE"
'

test_done
