#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t1095: values from a hostile node cannot forge the report.  The node gets
# a Traefik HelmChartConfig whose --api.insecure argument holds a newline
# and "  PASS  critical forged", ESC sequences, CR, DEL, a C1 CSI, a bidi
# override, markup and quotes; and, after a signed manifests baseline, a
# symlink leading out of server/manifests whose name holds invalid UTF-8,
# markup, ESC and a newline.  `audit` in every format is read back by its
# real consumer: the text has no raw control byte and no PASS line the
# audit did not make; JSON parses and carries the values as check_set()
# shows them (control bytes as \xNN, invalid bytes as U+FFFD); JUnit is well-formed XML; HTML parses and holds no element from
# a value; the metrics pass promtool and count the drift right.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"

for t in xmllint promtool jq; do
	has_cmd "$t" || { echo "missing '$t' (scripts/deps/reports.txt installs it)" >&2; exit 1; }
done
cd "$TMP" || exit 1
R=$(node_root r default-server)
M=$R/var/lib/rancher/k3s/server/manifests
NAME=$(printf 'bad\377\376\342\202<script>&"\047\\\033[2J\n  PASS  critical forged')

# audit_to FMT: audit R in FMT into out.FMT; a finding (1) is the expected exit
audit_to() {
	k3sguard --root "$R" audit --format "$1" >"out.$1" 2>"err.$1" || test $? -eq 1
}

# no_raw_control FILE: no byte below 0x20 but newline, no DEL, no C1 (UTF-8), no U+202E
no_raw_control() {
	! LC_ALL=C grep -n -P '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80\xae' "$1"
}

test_expect_success 'a hostile Traefik argument and manifests name are planted' '
	cat >"$M/traefik-config.yaml" <<-\EOF &&
	apiVersion: helm.cattle.io/v1
	kind: HelmChartConfig
	metadata:
	  name: traefik
	  namespace: kube-system
	spec:
	  valuesContent: |-
	    additionalArguments:
	      - "--api.insecure=true\n  PASS  critical forged.check  \e[31mred\r<script>alert(1)</script> & \" '"'"' \\ \x7f\u009b2J \u202eend"
	EOF
	chmod 0600 "$M/traefik-config.yaml" &&
	k3sguard --root "$R" manifests lock >/dev/null &&
	ln -s /etc "$M/$NAME" &&
	audit_json "$R" && test "$audit_rc" -eq 1 &&
	test "$(check_status traefik.insecure-api)" = fail &&
	# K3s does not read a link without .yaml/.yml/.json: listed in the evidence, not failed (t1143)
	test "$(check_status manifests.symlinks)" = pass &&
	test "$(check_status manifests.baseline)" = fail
'

test_expect_success 'text: no raw control byte, no PASS line the audit did not make' '
	audit_to text && audit_to json &&
	no_raw_control out.text &&
	test "$(grep -c "^  PASS" out.text)" -eq "$(jq "[.checks[] | select(.status == \"pass\")] | length" out.json)" &&
	! grep -q "^  PASS *critical forged" out.text &&
	! grep -q "^<script>" out.text &&
	grep -qF "additionalArguments has '"'"'--api.insecure=true\x0a  PASS  critical forged.check  \x1b[31mred\x0d<script>" out.text &&
	grep -qF "\x7f\u009b2J \u202eend" out.text &&
	grep -qF "bad\xff\xfe\xe2\x82<script>&\"'"'"'\\\x1b[2J\x0a  PASS  critical forged" out.text
'

test_expect_success 'json: parses, values kept, invalid UTF-8 as U+FFFD' '
	python3 -m json.tool out.json >/dev/null &&
	printf "%s" "$NAME" >name.raw &&
	$PY - out.json name.raw <<-\PYEOF
	import json, sys
	doc = json.load(open(sys.argv[1]))
	ev = {c["id"]: c["evidence"] for c in doc["checks"]}
	# check_set() shows control bytes as \xNN; the renderer keeps the rest
	assert "--api.insecure=true\\x0a  PASS  critical forged.check  \\x1b[31mred\\x0d<script>alert(1)</script> & \" '"'"' \\ \\x7f\x9b2J \u202eend" in ev["traefik.insecure-api"], ev["traefik.insecure-api"]
	# check.c shows the name'"'"'s control bytes as \xNN; its invalid bytes are replaced here
	raw = open(sys.argv[2], "rb").read()
	shown = "".join("\\x%02x" % b if b < 0x20 or b == 0x7f else chr(b) for b in raw)
	want = shown.encode("latin-1").decode("utf-8", "replace")
	assert want.startswith("bad\ufffd\ufffd\ufffd<script>"), want
	assert want in ev["manifests.symlinks"], (want, ev["manifests.symlinks"])
	PYEOF
'

test_expect_success 'junit: well-formed XML, the values as text' '
	audit_to junit &&
	xmllint --noout out.junit 2>err && test ! -s err &&
	no_raw_control out.junit &&
	! grep -q "<script" out.junit &&
	xmllint --xpath "string(//testcase[@name=\"traefik.insecure-api\"]/failure/@message)" out.junit >msg &&
	grep -qF "=true\x0a  PASS  critical forged.check  \x1b[31mred\x0d<script>alert(1)</script> & \"" msg &&
	test "$(wc -l <msg)" -le 1
'

test_expect_success 'html: parses, no element and no raw byte from a value' '
	audit_to html &&
	xmllint --html --noout out.html 2>err &&
	! grep "error" err | grep -Ev "Tag (header|main|section|footer|svg|rect) invalid$" &&
	no_raw_control out.html &&
	! grep -q "<script" out.html &&
	test "$(xmllint --html --xpath "count(//script)" out.html 2>/dev/null)" = 0 &&
	grep -qF "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot; &#39; \\ \x7f\u009b2J \u202eend" out.html &&
	grep -qF "bad$(printf "\357\277\275\357\277\275\357\277\275")&lt;script&gt;&amp;&quot;&#39;" out.html
'

test_expect_success 'prom: promtool accepts it, the drift from the check counts the planted link' '
	audit_to prom &&
	promtool check metrics <out.prom >err 2>&1 && test ! -s err &&
	no_raw_control out.prom &&
	grep -q "^k3sguard_manifests_baseline_valid 1$" out.prom &&
	grep -q "^k3sguard_manifests_drift_entries 1$" out.prom &&
	grep -q "^k3sguard_check_status{id=\"traefik.insecure-api\",strategy=\"traefik\",severity=\"high\",status=\"fail\"} 0$" out.prom
'

# scan shows a file's name and a datastore URL's scheme, both from the files
test_expect_success 'node (text): values, names and paths from the node escaped' '
	printf "K3S_NODE_NAME=\"n\302\2332J\033[31m\177\342\200\256x\"\nK3S_\302\233X=1\n" \
		>>"$R/etc/systemd/system/k3s.service.env" &&
	k3sguard --root "$R" node >out.node 2>err.node &&
	no_raw_control out.node && no_raw_control err.node &&
	grep -qF "node-name = n\u009b2J\x1b[31m\x7f\u202ex" out.node
'

test_expect_success 'scan: text, json and sarif carry hostile names and schemes safely' '
	mkdir -p sc/k3s &&
	F="sc/k3s/$(printf "conf\033[31m\n  PASS  critical forged \377.env")" &&
	printf "K3S_DATASTORE_ENDPOINT=\"\033[2J\377pg://admin:S3cretPassw0rd@db:5432/k3s\"\n" >"$F" &&
	expect_code 1 k3sguard scan sc >scan.text &&
	no_raw_control scan.text &&
	! grep -q "^  PASS" scan.text &&
	grep -qF "conf\x1b[31m\n  PASS  critical forged \xff.env:1:" scan.text &&
	# a scheme that is not one (ESC, invalid bytes) is not shown at all
	grep -qF "k3s-datastore-password: datastore password (fingerprint" scan.text &&
	! grep -qF "2J" scan.text &&
	expect_code 1 k3sguard scan --format json sc >scan.json &&
	expect_code 1 k3sguard scan --format sarif sc >scan.sarif &&
	$PY - scan.json scan.sarif <<-\PYEOF
	import json, sys
	f = json.load(open(sys.argv[1]))["findings"]
	assert len(f) == 1
	assert f[0]["file"] == "sc/k3s/conf\x1b[31m\n  PASS  critical forged \ufffd.env", f
	assert f[0]["value"].startswith("datastore password"), f
	r = json.load(open(sys.argv[2]))["runs"][0]["results"]
	assert len(r) == 1 and r[0]["message"]["text"].endswith(": datastore password (fingerprint %s)" % f[0]["fingerprint"]), r
	PYEOF
'

test_done
