#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t7002: SARIF 2.1.0 output validates against the SARIF JSON schema (the
# OASIS schema, vendored in tests/fixtures/scan) with python3-jsonschema,
# and says what the text output says.
. "$(dirname "$0")/lib.sh"

FIX=$TOP/tests/fixtures/scan
PY=/usr/bin/python3
cp -R "$FIX/pos" "$FIX/neg" "$TMP/"
cd "$TMP"

validate() {
	"$PY" - "$FIX/sarif-schema-2.1.0.json" "$1" <<-\PYEOF
	import json, sys, jsonschema
	schema = json.load(open(sys.argv[1]))
	doc = json.load(open(sys.argv[2]))
	jsonschema.Draft4Validator.check_schema(schema)
	errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
	for e in errors[:10]:
	    print("schema: %s at %s" % (e.message, list(e.absolute_path)))
	sys.exit(1 if errors else 0)
	PYEOF
}

test_expect_success 'SARIF with findings validates against the 2.1.0 schema' '
	expect_code 1 k3sguard scan --format sarif pos >pos.sarif &&
	validate pos.sarif
'

test_expect_success 'SARIF without findings validates too' '
	k3sguard scan --format sarif neg >neg.sarif &&
	validate neg.sarif
'

test_expect_success 'the validator does reject a broken SARIF document' '
	sed "s/\"startLine\"/\"startLine_\"/; s/\"2.1.0\"/\"2.0\"/" pos.sarif >bad.sarif &&
	! validate bad.sarif >bad.out && grep -q "schema:" bad.out
'

test_expect_success 'results match the corpus: rule, line, column, relative uri' '
	"$PY" - pos.sarif <<-\PYEOF >got &&
	import json, sys
	run = json.load(open(sys.argv[1]))["runs"][0]
	ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
	for r in run["results"]:
	    assert ids[r["ruleIndex"]] == r["ruleId"]
	    loc = r["locations"][0]["physicalLocation"]
	    assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
	    sev = r["properties"]["severity"]
	    print("%s:%d:%d:%s:%s" % (loc["artifactLocation"]["uri"], loc["region"]["startLine"],
	        loc["region"]["startColumn"], r["ruleId"], sev))
	PYEOF
	sort "$FIX/expected-pos.txt" >want && sort got >got.s && diff -u want got.s
'

test_expect_success 'an absolute root: %SRCROOT%-relative URIs, the root in originalUriBaseIds' '
	mkdir -p "odd dir" && cp pos/Dockerfile "odd dir/Docker file#1" &&
	expect_code 1 k3sguard scan --format sarif "$TMP/odd dir" >abs.sarif &&
	validate abs.sarif &&
	grep -q "\"uri\": \"Docker%20file%231\"" abs.sarif &&
	"$PY" - abs.sarif "$TMP" <<-\PYEOF
	import json, sys
	run = json.load(open(sys.argv[1]))["runs"][0]
	base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
	assert base == "file://" + sys.argv[2] + "/odd%20dir/", base
	for r in run["results"]:
	    a = r["locations"][0]["physicalLocation"]["artifactLocation"]
	    assert a["uriBaseId"] == "%SRCROOT%" and not a["uri"].startswith("/"), a
	PYEOF
'

test_expect_success 'executionSuccessful is false when a path could not be scanned' '
	expect_code 2 k3sguard scan --format sarif pos missing >err.sarif 2>/dev/null &&
	validate err.sarif &&
	grep -q "\"executionSuccessful\": false" err.sarif
'

test_done
