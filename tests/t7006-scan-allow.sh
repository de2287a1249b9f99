#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t7006: allowing findings (issue 15): an inline "k3sguard:allow <reason>",
# a .k3sguardignore at the scan root, --baseline/--write-baseline; the
# allowed findings leave the text list and the exit code and appear in
# SARIF as suppressions (validated against the 2.1.0 schema).
. "$(dirname "$0")/lib.sh"

FIX=$TOP/tests/fixtures/scan
PY=/usr/bin/python3
cd "$TMP"

validate() {
	"$PY" - "$FIX/sarif-schema-2.1.0.json" "$1" <<-\PYEOF
	import json, sys, jsonschema
	errors = list(jsonschema.Draft4Validator(json.load(open(sys.argv[1]))).iter_errors(json.load(open(sys.argv[2]))))
	for e in errors[:10]:
	    print("schema: %s at %s" % (e.message, list(e.absolute_path)))
	sys.exit(1 if errors else 0)
	PYEOF
}

test_expect_success 'a tree with three K3s tokens' '
	mkdir -p repo/roles/k3s repo/vendor/lib &&
	printf "k3s_token: \"s3cr3tOne\"\n" >repo/roles/k3s/a.yml &&
	printf "# test fixture, k3sguard:allow not a real cluster\nk3s_token: \"s3cr3tTwo\"\n" >repo/roles/k3s/b.yml &&
	printf "k3s_token: \"s3cr3tThree\"  # k3sguard:allow\n" >repo/roles/k3s/c.yml &&
	printf "k3s_token: \"s3cr3tFour\"\n" >repo/vendor/lib/k3s.yml &&
	expect_code 1 k3sguard scan repo >all.txt &&
	grep -q "3 findings, 1 suppressed$" all.txt
'

test_expect_success 'inline allow with a reason suppresses; without a reason it does not' '
	expect_code 1 k3sguard scan repo >out.txt &&
	! grep -q "b.yml" out.txt && grep -q "c.yml:1" out.txt
'

test_expect_success '.k3sguardignore at the root suppresses paths' '
	printf "# third-party code\nvendor/\n" >repo/.k3sguardignore &&
	expect_code 1 k3sguard scan repo >out.txt &&
	! grep -q "vendor" out.txt &&
	grep -q "2 findings, 2 suppressed$" out.txt
'

test_expect_success 'SARIF shows suppressions (inSource, external) and validates' '
	expect_code 1 k3sguard scan --format sarif repo >s.sarif &&
	validate s.sarif &&
	"$PY" - s.sarif >supp <<-\PYEOF &&
	import json, sys
	for r in json.load(open(sys.argv[1]))["runs"][0]["results"]:
	    uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
	    for s in r.get("suppressions", []):
	        print(uri, s["kind"], s["justification"])
	PYEOF
	grep -qx "repo/roles/k3s/b.yml inSource not a real cluster" supp &&
	grep -qx "repo/vendor/lib/k3s.yml external path listed in .k3sguardignore" supp &&
	test "$(wc -l <supp)" -eq 2
'

test_expect_success 'write a baseline, then only new findings count' '
	expect_code 1 k3sguard scan --write-baseline base.json repo >/dev/null &&
	! grep -q s3cr3t base.json &&
	test "$("$PY" -c "import json; print(len(json.load(open(\"base.json\"))[\"findings\"]))")" -eq 2 &&
	k3sguard scan --baseline base.json repo >out.txt &&
	grep -q "0 findings, 4 suppressed$" out.txt &&
	printf "token: \"newTok3nValue\"\n" >repo/roles/k3s/new.yml &&
	expect_code 1 k3sguard scan --baseline base.json repo >out.txt &&
	grep -q "new.yml:1" out.txt && grep -q "1 finding, 4 suppressed$" out.txt
'

test_expect_success 'the baseline is independent of where the checkout sits and of line moves' '
	mkdir -p elsewhere && cp -R repo elsewhere/ &&
	sed -i "1i # moved down" elsewhere/repo/roles/k3s/a.yml &&
	rm elsewhere/repo/roles/k3s/new.yml &&
	k3sguard --root / scan --baseline base.json "$TMP/elsewhere/repo" >out.txt ||
	{ cat out.txt; exit 1; }
'

test_expect_success 'a changed secret is not in the baseline' '
	sed -i s/s3cr3tOne/s3cr3tOneChanged/ repo/roles/k3s/a.yml &&
	expect_code 1 k3sguard scan --baseline base.json repo >out.txt &&
	grep -q "a.yml:1" out.txt
'

test_expect_success 'a broken baseline is an operational error naming the file' '
	echo "{" >broken.json &&
	expect_code 2 k3sguard scan --baseline broken.json repo >/dev/null 2>err &&
	grep -q "broken.json" err && test "$(wc -l <err)" -eq 1 &&
	expect_code 2 k3sguard scan --baseline missing.json repo >/dev/null 2>err
'

test_done
