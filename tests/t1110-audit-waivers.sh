#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t1110: waivers (src/report/waiver.c): a fail accepted with a reason and an
# expiry shows as 'waived' in every format and the summary, never as a pass;
# an expired waiver is not applied and says so; a wrong file is an error.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
PY=${PYTHON:-python3}
node_root r default-server >/dev/null

# waivers FILE CHECK NODES EXPIRES: one waiver
waivers() {
	{
		echo "waivers:" &&
		echo "  - check: $2" &&
		if [ -n "$3" ]; then echo "    nodes: \"$3\""; fi &&
		echo "    reason: the baseline is signed at the next window" &&
		echo "    expires: $4"
	} >"$1"
}

status_of() {
	$PY -c "import json,sys; d=json.load(open(sys.argv[1]))
print([c[\"status\"] for c in d[\"checks\"] if c[\"id\"] == sys.argv[2]][0])" "$1" "$2"
}

test_expect_success 'a waived fail is waived in JSON, text, JUnit, Prometheus and HTML' '
	expect_code 1 k3sguard --root r audit --format json >before.json &&
	test "$(status_of before.json manifests.baseline)" = fail &&
	waivers w.yaml manifests.baseline "" 2099-12-31 &&
	expect_code 1 k3sguard --root r audit --waivers w.yaml --format json >j &&
	test "$(status_of j manifests.baseline)" = waived &&
	$PY -c "import json; d=json.load(open(\"j\")); b=json.load(open(\"before.json\"))
assert d[\"summary\"][\"waived\"] == 1, d[\"summary\"]
assert d[\"summary\"][\"fail\"] == b[\"summary\"][\"fail\"] - 1
assert d[\"summary\"][\"pass\"] == b[\"summary\"][\"pass\"]
c = [c for c in d[\"checks\"] if c[\"id\"] == \"manifests.baseline\"][0]
assert \"next window\" in c[\"evidence\"] and \"2099-12-31\" in c[\"evidence\"] and \"was fail\" in c[\"evidence\"]" &&
	expect_code 1 k3sguard --root r audit --waivers w.yaml >t &&
	grep -q "^  WAIVED .* manifests.baseline" t &&
	grep -q "^summary: .* 1 waived$" t &&
	expect_code 1 k3sguard --root r audit --waivers w.yaml --format junit >x &&
	grep -A1 "name=\"manifests.baseline\"" x | grep -q "<skipped message=\"waived until 2099-12-31" &&
	expect_code 1 k3sguard --root r audit --waivers w.yaml --format prom >p &&
	grep -q "^k3sguard_check_status{id=\"manifests.baseline\",.*status=\"waived\"} 3$" p &&
	expect_code 1 k3sguard --root r audit --waivers w.yaml --format html >h &&
	grep -q "st-waived" h
'

test_expect_success 'waiving every fail gives exit 0 yet no pass is added' '
	{
		echo "waivers:" &&
		for id in $($PY -c "import json; print(\" \".join(c[\"id\"] for c in json.load(open(\"before.json\"))[\"checks\"] if c[\"status\"] in (\"fail\", \"warn\")))"); do
			printf "  - check: %s\n    reason: accepted\n    expires: 2099-01-01\n" "$id" || exit 1
		done
	} >all.yaml &&
	k3sguard --root r audit --waivers all.yaml --format json >j &&
	$PY -c "import json; d=json.load(open(\"j\")); b=json.load(open(\"before.json\"))
assert d[\"summary\"][\"fail\"] == 0 and d[\"summary\"][\"pass\"] == b[\"summary\"][\"pass\"]"
'

test_expect_success 'an expired waiver is not applied and says so' '
	waivers old.yaml manifests.baseline "" 2020-01-31 &&
	expect_code 1 k3sguard --root r audit --waivers old.yaml --format json >j 2>err &&
	test "$(status_of j manifests.baseline)" = fail &&
	grep -q "waiver for manifests.baseline (.old.yaml. line 2) expired on 2020-01-31: not applied" err &&
	grep -q "waiver expired 2020-01-31" j
'

test_expect_success 'the nodes glob: a waiver for other nodes does not apply' '
	waivers g.yaml manifests.baseline "worker-*" 2099-12-31 &&
	expect_code 1 k3sguard --root r audit --waivers g.yaml --format json >j &&
	test "$(status_of j manifests.baseline)" = fail &&
	echo "node-name: worker-7" >>r/etc/rancher/k3s/config.yaml &&
	expect_code 1 k3sguard --root r audit --waivers g.yaml --format json >j &&
	test "$(status_of j manifests.baseline)" = waived
'

test_expect_success 'the default file of the node is read; a passing check stays pass' '
	node_root r default-server >/dev/null &&
	mkdir -p r/etc/k3sguard &&
	waivers r/etc/k3sguard/waivers.yaml manifests.baseline "" 2099-12-31 &&
	chmod 0600 r/etc/k3sguard/waivers.yaml &&
	waivers r/etc/k3sguard/w2.yaml manifests.baseline "" 2099-12-31 &&
	expect_code 1 k3sguard --root r audit --format json >j &&
	test "$(status_of j manifests.baseline)" = waived &&
	p=$($PY -c "import json; print([c[\"id\"] for c in json.load(open(\"j\"))[\"checks\"] if c[\"status\"] == \"pass\"][0])") &&
	waivers pw.yaml "$p" "" 2099-12-31 &&
	expect_code 1 k3sguard --root r audit --waivers pw.yaml --format json >j &&
	test "$(status_of j "$p")" = pass
'

test_expect_success 'an unknown check id, a missing reason or expiry, a bad date, an unknown key: errors' '
	waivers bad.yaml manifests.baselin "" 2099-12-31 &&
	expect_code 2 k3sguard --root r audit --waivers bad.yaml >out 2>err && one_line err &&
	grep -q "bad.yaml. line 2: unknown check id .manifests.baselin." err &&
	! test -s out &&
	printf "waivers:\n  - check: manifests.baseline\n    expires: 2099-01-01\n" >bad.yaml &&
	expect_code 2 k3sguard --root r audit --waivers bad.yaml >out 2>err && one_line err &&
	grep -q "a waiver needs .reason." err &&
	printf "waivers:\n  - check: manifests.baseline\n    reason: x\n" >bad.yaml &&
	expect_code 2 k3sguard --root r audit --waivers bad.yaml >out 2>err && one_line err &&
	grep -q "a waiver needs .expires." err &&
	waivers bad.yaml manifests.baseline "" 2099-02-30 &&
	expect_code 2 k3sguard --root r audit --waivers bad.yaml >out 2>err && one_line err &&
	grep -q "expires .2099-02-30. is not a date" err &&
	printf "waivers:\n  - check: manifests.baseline\n    reason: x\n    expires: 2099-01-01\n    node: a\n" >bad.yaml &&
	expect_code 2 k3sguard --root r audit --waivers bad.yaml >out 2>err && one_line err &&
	grep -q "line 5: unknown waiver key .node." err &&
	expect_code 2 k3sguard --root r audit --waivers missing.yaml >out 2>err && one_line err
'

test_done
