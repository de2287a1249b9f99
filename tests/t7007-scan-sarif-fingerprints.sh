#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t7007: SARIF for code-scanning services (issue 15): a fingerprint per
# location (path + rule + secret hash), so one token in two files gives two
# fingerprints and a moved checkout keeps them; helpUri, markdown help and
# the precision property on every rule; validated against the 2.1.0 schema.
. "$(dirname "$0")/lib.sh"

FIX=$TOP/tests/fixtures/scan
PY=/usr/bin/python3
cd "$TMP"

fps() {
	"$PY" - "$1" <<-\PYEOF
	import json, sys
	for r in json.load(open(sys.argv[1]))["runs"][0]["results"]:
	    a = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
	    print(a, r["ruleId"], r["partialFingerprints"]["k3sguardLocation/v1"],
	          r["partialFingerprints"]["k3sguardTokenFingerprint/v1"])
	PYEOF
}

test_expect_success 'one token in two files: two location fingerprints, one token fingerprint' '
	mkdir -p a/roles/k3s b &&
	printf "k3s_token: \"sameTok3nValue\"\n" >a/roles/k3s/x.yml &&
	printf "k3s_token: \"sameTok3nValue\"\n" >a/roles/k3s/y.yml &&
	expect_code 1 k3sguard scan --format sarif a >a.sarif &&
	fps a.sarif >a.fps &&
	test "$(wc -l <a.fps)" -eq 2 &&
	test "$(cut -d" " -f3 a.fps | sort -u | wc -l)" -eq 2 &&
	test "$(cut -d" " -f4 a.fps | sort -u | wc -l)" -eq 1
'

test_expect_success 'the fingerprints do not depend on where the tree sits' '
	cp -R a b/ &&
	expect_code 1 k3sguard --root / scan --format sarif "$TMP/b/a" >b.sarif &&
	fps b.sarif | cut -d" " -f2- >b.fps &&
	cut -d" " -f2- a.fps | diff - b.fps
'

test_expect_success 'every rule has helpUri, markdown help and a precision' '
	"$PY" - a.sarif <<-\PYEOF
	import json, sys
	rules = json.load(open(sys.argv[1]))["runs"][0]["tool"]["driver"]["rules"]
	assert len(rules) == 5
	for r in rules:
	    assert r["helpUri"].startswith("https://docs.k3s.io/"), r
	    assert r["help"]["markdown"].startswith("**"), r
	    assert r["properties"]["precision"] in ("very-high", "high"), r
	PYEOF
'

test_expect_success 'validates against the SARIF 2.1.0 schema' '
	"$PY" - "$FIX/sarif-schema-2.1.0.json" a.sarif b.sarif <<-\PYEOF
	import json, sys, jsonschema
	v = jsonschema.Draft4Validator(json.load(open(sys.argv[1])))
	for f in sys.argv[2:]:
	    errs = list(v.iter_errors(json.load(open(f))))
	    assert not errs, (f, [e.message for e in errs[:5]])
	PYEOF
'

test_done
