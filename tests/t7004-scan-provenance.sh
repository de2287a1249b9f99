#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t7004: rules that know where a value comes from (issue 15): literals are
# findings, code (calls, identifiers, fields, nil/None), Jinja/Helm
# expressions, HCL references, shell expansions and documentation URLs are
# not; datastore URLs with a password anywhere in K3s context; variables
# named for K3s tokens in YAML, HCL, Go, Python, Ruby/Crystal, JS/TS.
. "$(dirname "$0")/lib.sh"

FIX=$TOP/tests/fixtures/scan-provenance
PY=/usr/bin/python3
cp "$FIX/pos.txt" "$FIX/neg.txt" "$TMP/"
cd "$TMP"

lines() {
	"$PY" -c '
import json, sys
for f in json.load(sys.stdin)["findings"]:
    print("%d:%s" % (f["line"], f["rule"]))'
}

test_expect_success 'no line of the negatives is a finding' '
	k3sguard scan --format json neg.txt >neg.json &&
	lines <neg.json >neg.got &&
	test ! -s neg.got
'

test_expect_success 'every line of the positives is exactly one finding' '
	expect_code 1 k3sguard scan --format json pos.txt >pos.json &&
	lines <pos.json | cut -d: -f1 >pos.got &&
	seq 2 "$(wc -l <pos.txt)" >pos.want &&
	diff -u pos.want pos.got
'

test_expect_success 'rules: URLs are datastore passwords, named variables are config' '
	lines <pos.json >rules &&
	grep -qx "2:k3s-datastore-password" rules &&
	grep -qx "4:k3s-datastore-password" rules &&
	grep -qx "13:k3s-datastore-password" rules &&
	grep -qx "6:k3s-token-config" rules &&
	grep -qx "8:k3s-token-config" rules
'

test_expect_success 'without K3s context the named variables are not read' '
	sed 1d pos.txt | grep -v "://" | grep -vi k3s >noctx.txt &&
	test "$(wc -l <noctx.txt)" -ge 4 &&
	k3sguard scan noctx.txt
'

test_done
