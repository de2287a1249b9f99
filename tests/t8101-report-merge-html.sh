#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t8101: report merge --format html, rendered by Debian's headless chromium
# (kept off the network, an empty profile, as in t8000): the cross-node
# checks and one matrix row per node, node text escaped, and 500 nodes
# still one page that renders (bench/fleet.sh times it).
. "$(dirname "$0")/lib.sh"

for t in chromium jq timeout; do
	has_cmd "$t" || { echo "missing '$t' (scripts/deps/reports.txt installs it)" >&2; exit 1; }
done
cd "$TMP" || exit 1
n=0
browser() {
	n=$((n + 1))
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-default-apps --disable-extensions --hide-scrollbars \
		--user-data-dir="$TMP/profile-$n" "$@" 2>>"$TMP/chromium.log"
}
audit() {
	d=$1 o=$2; shift 2
	k3sguard --root "$d" "$@" audit --format json >"$o" || test $? -eq 1
}

H=$(node_root h hardened-server)
D=$(node_root d default-server)
printf "<b>evil</b>&node\n" >"$D/etc/hostname"
echo srv-a >"$H/etc/hostname"
pw=$(sed 's/.*:://; s/^server://' "$D/var/lib/rancher/k3s/server/token")

test_expect_success 'three nodes: one self-contained page, exit 1 for the failures' '
	audit "$H" h.json && audit "$D" d.json &&
	audit "$TOP/tests/fixtures/node/openrc-agent" a.json --k3s-version v1.34.2+k3s1 &&
	expect_code 1 k3sguard report merge --format html -o m.html h.json d.json a.json &&
	head -n1 m.html | grep -q "^<!DOCTYPE html>$" &&
	! grep -Eio "<script|<link|<iframe|<img|<object|<embed|src=|href=|url\(|@import" m.html &&
	! grep -qF "$pw" m.html
'

test_expect_success 'the browser parses the cross-node checks and one row per node' '
	browser --dump-dom "file://$TMP/m.html" >dom.html &&
	grep -q "<h1>k3sguard cluster report</h1>" dom.html &&
	for id in datastore-shared token-ca version-skew traefik-once; do
		grep -q "<tr id=\"cross-cluster.$id\"><td class=\"st st-fail\">fail</td>" dom.html ||
			{ echo "no failed cross check $id"; exit 1; }
	done &&
	test "$(grep -c "<td class=\"n\"" dom.html)" -eq 3 &&
	test "$(grep -o "<td class=\"k [pfwsea]\"" dom.html | wc -l)" -eq \
		"$(( $(jq ".checks | length" h.json) + $(jq ".checks | length" d.json) + $(jq ".checks | length" a.json) ))"
'

test_expect_success 'node text is escaped, not markup; worst node first' '
	grep -q "&lt;b&gt;evil&lt;/b&gt;&amp;node" m.html &&
	! grep -q "<b>evil" m.html &&
	grep -o "<td class=\"n\"[^>]*>[^<]*" dom.html | head -n1 | grep -q "evil"
'

test_expect_success '500 nodes: renders, header and node column sticky, screenshot' '
	bash "$TOP/tests/fixtures/fleet/gen-reports.sh" 500 r h.json a.json a.json d.json &&
	s=$(date +%s%N) &&
	expect_code 1 k3sguard report merge --format html -o big.html r/*.json &&
	e=$(date +%s%N) && echo "merge of 500: $(( (e - s) / 1000000 )) ms" &&
	browser --dump-dom "file://$TMP/big.html" >bigdom.html &&
	test "$(grep -c "<td class=\"n\"" bigdom.html)" -eq 500 &&
	grep -q "position:sticky" big.html &&
	browser --window-size=1280,900 --screenshot="$TMP/big.png" "file://$TMP/big.html" &&
	test "$(head -c 8 big.png | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a &&
	test "$(stat -c %s big.png)" -gt 20000
'

test_done
