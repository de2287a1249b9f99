#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t1120: audit output plumbing (src/report/output.c, diff.c and the
# renderers): -o FILE (atomic, 0600), colour, NO_COLOR, --quiet, the JSON
# fields (timestamp, host, fixable, cis) against docs/audit.schema.json,
# --diff, JUnit against the Jenkins/Ant JUnit XSD (tests/fixtures/junit)
# with a non-ASCII file name, and Prometheus values checked by promtool.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
PY=${PYTHON:-python3}
node_root r default-server >/dev/null
M=$(find r -type d -path "*server/manifests" | head -1)
printf "apiVersion: v1\nkind: ConfigMap\n" >"$M/dépôt-app.yaml"
chmod 0644 "$M/dépôt-app.yaml"

test_expect_success '-o FILE: the report in FILE, mode 0600, nothing on stdout' '
	expect_code 1 k3sguard --root r audit --format json -o out.json >so &&
	! test -s so &&
	test "$(stat -c %a out.json)" = 600 &&
	$PY -c "import json; json.load(open(\"out.json\"))" &&
	expect_code 1 k3sguard --root r audit --output out.txt >so &&
	! test -s so && grep -q "^summary:" out.txt &&
	ln -s out.txt link.txt &&
	expect_code 2 k3sguard --root r audit -o link.txt >so 2>err && one_line err &&
	test -L link.txt
'

test_expect_success 'JSON: RFC 3339 timestamp, host, version, fixable, cis; the schema holds' '
	echo "node-name: node-1" >>r/etc/rancher/k3s/config.yaml &&
	expect_code 1 k3sguard --root r audit --format json >j &&
	$PY - "$TOP/docs/audit.schema.json" j "$TOP/src/cmd/fix.c" <<-PYEOF
	import json, re, sys, jsonschema, datetime
	schema = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2]))
	jsonschema.validate(d, schema)
	t = datetime.datetime.strptime(d["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
	assert abs((datetime.datetime.utcnow() - t).total_seconds()) < 600
	assert d["host"] == "node-1", d["host"]
	assert d["version"]
	# fixable is exactly the rules of k3sguard fix (src/cmd/fix.c rules[])
	src = open(sys.argv[3]).read()
	rules = set(re.findall(r"^\t\{ \"([a-z0-9.-]+)\", ", src[src.index("fix_rule rules[]"):], re.M))
	got = {c["id"] for c in d["checks"] if c["fixable"]}
	assert got == rules & {c["id"] for c in d["checks"]}, (got, rules)
	# CIS ids only where checks/check-cis.c says (t2150 pins the values)
	assert all(isinstance(c["cis"], list) for c in d["checks"])
	assert [c["cis"] for c in d["checks"] if c["id"] == "server-token.tls-keys"] == [["1.1.19", "1.1.21"]]
	PYEOF
'

test_expect_success 'the schema rejects a report without timestamp or fixable' '
	$PY - "$TOP/docs/audit.schema.json" j <<-PYEOF
	import json, sys, jsonschema
	schema = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2]))
	for drop in ("timestamp", "host"):
	    e = dict(d); del e[drop]
	    try: jsonschema.validate(e, schema); raise SystemExit("accepted without " + drop)
	    except jsonschema.ValidationError: pass
	e = json.loads(json.dumps(d)); del e["checks"][0]["fixable"]
	try: jsonschema.validate(e, schema); raise SystemExit("accepted without fixable")
	except jsonschema.ValidationError: pass
	PYEOF
'

test_expect_success 'colour: always colours (even into -o), never does not, auto not off a terminal' '
	expect_code 1 k3sguard --root r audit --color=always >c &&
	grep -q "$(printf "\033")\[31mFAIL" c &&
	expect_code 1 k3sguard --root r audit --color=never >c &&
	! grep -q "$(printf "\033")" c &&
	expect_code 1 k3sguard --root r audit >c &&
	! grep -q "$(printf "\033")" c &&
	expect_code 1 k3sguard --root r audit --color always -o c2 &&
	grep -q "$(printf "\033")" c2 &&
	expect_code 64 k3sguard --root r audit --color=sometimes 2>err && one_line err
'

test_expect_success 'colour auto on a terminal, and NO_COLOR turns it off' '
	has_cmd script &&
	script -qec "$K3SGUARD --root r audit" /dev/null >tty.out </dev/null || : &&
	grep -q "$(printf "\033")\[31mFAIL" tty.out &&
	NO_COLOR=1 script -qec "$K3SGUARD --root r audit" /dev/null >tty.out </dev/null || : &&
	grep -q "FAIL" tty.out &&
	! grep -q "$(printf "\033")\[31m" tty.out
'

test_expect_success '--quiet: nothing on stdout, the exit status says it' '
	expect_code 1 k3sguard --root r audit --quiet >q &&
	! test -s q
'

test_expect_success '--diff lists new and resolved failures, text and json' '
	expect_code 1 k3sguard --root r audit --format json -o old.json &&
	expect_code 0 k3sguard --root r audit --diff old.json >d &&
	grep -q "^diff: 0 new, 0 resolved" d &&
	chmod 0600 "$M"/*.yaml &&
	chmod 0644 r/etc/rancher/k3s/config.yaml &&
	k3sguard --root r audit --format json -o new.json || : &&
	expect_code 0 k3sguard --root r audit --diff old.json >d &&
	grep -q "^resolved  manifests.file-mode$" d &&
	expect_code 0 k3sguard --root r audit --diff new.json --format json >d2 &&
	$PY -c "import json; d=json.load(open(\"d2\")); assert d[\"new\"] == [] and d[\"resolved\"] == [], d"
'

test_expect_success '--diff: a new failure is exit 1; a bad OLD is exit 2' '
	node_root s default-server >/dev/null &&
	expect_code 1 k3sguard --root s audit --format json -o s.json &&
	$PY -c "import json; d=json.load(open(\"s.json\"))
for c in d[\"checks\"]:
    if c[\"id\"] == \"manifests.baseline\": c[\"status\"] = \"pass\"
json.dump(d, open(\"s2.json\", \"w\"))" &&
	expect_code 1 k3sguard --root s audit --diff s2.json --format json >d &&
	$PY -c "import json; d=json.load(open(\"d\")); assert d[\"new\"] == [\"manifests.baseline\"] and d[\"resolved\"] == [], d" &&
	expect_code 0 k3sguard --root s audit --strategy etcd --diff s.json >d &&
	! grep -q "^resolved" d &&
	echo "{}" >bad.json &&
	expect_code 2 k3sguard --root s audit --diff bad.json >d 2>err && one_line err &&
	grep -q "not a k3sguard audit JSON report" err &&
	expect_code 64 k3sguard --root s audit --diff s.json --format junit 2>err && one_line err
'

test_expect_success 'JUnit: validates against the JUnit XSD, times, UTF-8 names kept' '
	has_cmd xmllint &&
	node_root u default-server >/dev/null &&
	M2=$(find u -type d -path "*server/manifests" | head -1) &&
	printf "x: 1\n" >"$M2/dépôt-app.yaml" && chmod 0666 "$M2/dépôt-app.yaml" &&
	expect_code 1 k3sguard --root u audit --format junit -o j.xml &&
	xmllint --noout --schema "$TOP/tests/fixtures/junit/junit.xsd" j.xml &&
	grep -q "dépôt-app.yaml" j.xml &&
	! grep -q "\\\\x[0-9a-f][0-9a-f]" j.xml &&
	iconv -f UTF-8 -t UTF-8 j.xml >/dev/null &&
	grep -q "<testcase [^>]* time=\"[0-9.]*\"" j.xml &&
	grep -q "<testsuite [^>]* time=\"[0-9.]*\" timestamp=\"[0-9T:-]*\" hostname=" j.xml
'

test_expect_success 'the XSD is not vacuous: a testcase without a name is refused' '
	sed "0,/<testcase classname=\"[^\"]*\" name=\"[^\"]*\"/s//<testcase/" j.xml >bad.xml &&
	! xmllint --noout --schema "$TOP/tests/fixtures/junit/junit.xsd" bad.xml 2>/dev/null
'

test_expect_success 'Prometheus: promtool accepts it; each state its own value and label' '
	has_cmd promtool &&
	waivers=w.yaml &&
	printf "waivers:\n  - check: manifests.baseline\n    reason: r\n    expires: 2099-01-01\n" >w.yaml &&
	{ k3sguard --root r audit --waivers w.yaml --format prom -o p.prom || test $? -le 2; } &&
	promtool check metrics <p.prom &&
	$PY - p.prom <<-PYEOF
	import re, sys
	want = {"pass": "1", "fail": "0", "warn": "2", "waived": "3", "skip": "-1", "error": "-2"}
	seen = {}
	for l in open(sys.argv[1]):
	    m = re.match(r"k3sguard_check_status\{.*status=\"([a-z]+)\"\} (-?[0-9]+)$", l)
	    if m:
	        assert want[m.group(1)] == m.group(2), l
	        seen[m.group(1)] = 1
	assert {"pass", "fail", "waived", "skip"} <= set(seen), seen
	PYEOF
'

test_done
