#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t7008: scan --git [RANGE] (issue 15): every blob of the history through
# libgit2, each finding once with the commit that introduced it, also when
# the file changed around the token later, was deleted, or lives only on a
# branch; a RANGE limits the commits; allowing works the same way.
. "$(dirname "$0")/lib.sh"

FIX=$TOP/tests/fixtures/scan
PY=/usr/bin/python3
cd "$TMP"

commit() {
	git add -A . && git commit -qm "$1" && git rev-parse HEAD
}

findings() {
	"$PY" -c '
import json, sys
for f in json.load(sys.stdin)["findings"]:
    print("%s:%d:%s:%s" % (f["file"], f["line"], f["rule"], f.get("commit", "-")))'
}

test_expect_success 'a history: added, changed around, deleted, on a branch, binary' '
	git init -q repo && cd repo &&
	git config user.email t@example.org && git config user.name t &&
	mkdir -p roles/k3s &&
	printf "k3s_token: \"firstTok3n\"\n" >roles/k3s/a.yml &&
	c1=$(commit one) &&
	printf "x: 1\nk3s_token: \"firstTok3n\"\n" >roles/k3s/a.yml &&
	printf "K3S_TOKEN=secondTok3n\n" >b.env &&
	printf "K3S_TOKEN=binTok3nValue\0\n" >blob.bin &&
	c2=$(commit two) &&
	printf "x: 1\n" >roles/k3s/a.yml && git rm -q b.env &&
	c3=$(commit three) &&
	git checkout -q -b side &&
	printf "token: \"sideTok3nValue\"  # k3s\n" >side.yml &&
	c4=$(commit side) &&
	git checkout -q - &&
	printf "%s\n" $c1 $c2 $c3 $c4 >../commits
'

test_expect_success 'each finding once, with the commit that introduced it' '
	cd repo && read -r c1 c2 c3 c4 <<<"$(tr "\n" " " <../commits)" &&
	expect_code 1 k3sguard scan --git --format json >../all.json &&
	findings <../all.json | sort >../got &&
	printf "%s\n" "b.env:1:k3s-token-env:$c2" "roles/k3s/a.yml:1:k3s-token-config:$c1" \
	    "side.yml:1:k3s-token-config:$c4" | sort >../want &&
	diff -u ../want ../got
'

test_expect_success 'the working tree is clean: no finding without --git' '
	cd repo && k3sguard scan roles
'

test_expect_success 'a RANGE limits the commits' '
	cd repo && read -r c1 c2 c3 c4 <<<"$(tr "\n" " " <../commits)" &&
	expect_code 1 k3sguard scan --git --format json $c1..$c3 >../r.json &&
	findings <../r.json >../r &&
	# the range starts after c1: the changed a.yml of c2 is new to it
	test "$(wc -l <../r)" -eq 2 && grep -q "^b.env:1:k3s-token-env:$c2$" ../r &&
	grep -q "^roles/k3s/a.yml:2:k3s-token-config:$c2$" ../r &&
	expect_code 1 k3sguard scan --git $c1 >../one.txt &&
	grep -q "roles/k3s/a.yml:1:13: .*\[commit ${c1:0:12}\]$" ../one.txt &&
	grep -q "1 finding$" ../one.txt
'

test_expect_success '--exclude applies to the paths of the history' '
	cd repo &&
	expect_code 1 k3sguard scan --git --exclude "*.env" --exclude "roles/*" >../ex.txt &&
	! grep -q "b.env\|roles/" ../ex.txt && grep -q "^side.yml:1" ../ex.txt
'

test_expect_success 'SARIF of a history validates and carries the commit' '
	cd repo &&
	expect_code 1 k3sguard scan --git --format sarif >../h.sarif &&
	"$PY" - "$FIX/sarif-schema-2.1.0.json" ../h.sarif <<-\PYEOF
	import json, sys, jsonschema
	doc = json.load(open(sys.argv[2]))
	errs = list(jsonschema.Draft4Validator(json.load(open(sys.argv[1]))).iter_errors(doc))
	assert not errs, [e.message for e in errs[:5]]
	assert all(len(r["properties"]["commit"]) == 40 for r in doc["runs"][0]["results"])
	PYEOF
'

test_expect_success 'from a subdirectory: paths and %SRCROOT% are the work tree'"'"'s' '
	cd repo/roles &&
	expect_code 1 k3sguard scan --git --format sarif >../../sub.sarif &&
	"$PY" - ../../sub.sarif "$TMP/repo/" <<-\PYEOF
	import json, sys
	run = json.load(open(sys.argv[1]))["runs"][0]
	assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file://" + sys.argv[2], run["originalUriBaseIds"]
	uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"])
	assert uris == ["b.env", "roles/k3s/a.yml", "side.yml"], uris
	PYEOF
'

test_expect_success 'a baseline written from history is honoured' '
	cd repo &&
	expect_code 1 k3sguard scan --git --write-baseline ../hb.json >/dev/null &&
	k3sguard scan --git --baseline ../hb.json >../hb.txt &&
	grep -q "0 findings, 3 suppressed$" ../hb.txt
'

test_expect_success 'not a repository, a bad range: one-line errors, exit 2 and 64' '
	mkdir -p plain && cd plain &&
	expect_code 2 k3sguard scan --git >/dev/null 2>../err1 &&
	test "$(wc -l <../err1)" -eq 1 && grep -q "not a git repository" ../err1 &&
	cd ../repo &&
	expect_code 2 k3sguard scan --git no-such-rev >/dev/null 2>../err2 &&
	grep -q "no-such-rev" ../err2 &&
	expect_code 64 k3sguard scan --git a b >/dev/null 2>&1
'

test_done
