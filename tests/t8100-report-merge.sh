#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t8100: report merge over the JSON reports of different node trees: the
# example servers copied and changed (host name, token, datastore, Traefik)
# and the OpenRC agent fixture, audited by k3sguard itself.  The cross-node
# checks must pass only when every server agrees, fail when one differs,
# and say "error" (never pass) when a report lacks the facts.
. "$(dirname "$0")/lib.sh"

has_cmd jq || { echo "missing 'jq'" >&2; exit 1; }
cd "$TMP" || exit 1

H=$(node_root h hardened-server)
# server NAME: a copy of the hardened server with its own /etc/hostname
server() {
	rm -rf "$TMP/$1" && cp -a "$H" "$TMP/$1" && echo "$1" >"$TMP/$1/etc/hostname"
}
# audit DIR OUT [global options]: the node's JSON report (exit 0 or 1 only)
audit() {
	d=$1 o=$2; shift 2
	k3sguard --root "$d" "$@" audit --format json >"$o" || test $? -eq 1
}
# cross FILE ID: the status of a cross-node check in a merged JSON report
cross() { jq -r ".cross_node[] | select(.id == \"$2\") | .status" "$1"; }

server s1 && server s2 && server s3
cp -a "$TOP/tests/fixtures/node/openrc-agent" a1 && echo a1 >a1/etc/hostname

test_expect_success 'node reports carry the cluster facts, valid against the schema' '
	audit s1 s1.json && audit s2 s2.json &&
	audit a1 a1.json --k3s-version v1.34.2+k3s1 &&
	jq -e ".cluster.node_name == \"s1\" and (.cluster.datastore_endpoints | length) == 3" s1.json &&
	jq -e ".cluster.token_ca_hash == .cluster.cluster_ca_sha256 and .cluster.token_ca_hash != null" s1.json &&
	jq -e ".cluster.traefik.state == \"packaged\" and .cluster.traefik.helmchartconfig_files == 1" s1.json &&
	jq -e ".cluster.traefik == null and .node.role == \"agent\"" a1.json &&
	if has_cmd python3 && python3 -c "import jsonschema" 2>/dev/null; then
		python3 -c "import json,sys,jsonschema
s = json.load(open(sys.argv[1]))
for f in sys.argv[2:]:
    jsonschema.validate(json.load(open(f)), s)" "$TOP/docs/audit.schema.json" s1.json a1.json
	fi
'

test_expect_success 'two identical servers and an older agent: every cross-node check passes' '
	k3sguard report merge --format json s1.json s2.json a1.json >ok.json || test $? -eq 1 &&
	for id in datastore-shared token-ca version-skew traefik-once; do
		test "$(cross ok.json cluster.$id)" = pass || { jq ".cross_node" ok.json; exit 1; }
	done &&
	jq -e "(.nodes | length) == 3 and (.checks | length) > 40" ok.json &&
	jq -e ".nodes[] | select(.name == \"s1\") | .scores.etcd == 1" ok.json
'

test_expect_success 'a server on another datastore endpoint (password never shown): fail' '
	sed -i "s|^datastore-endpoint:.*|datastore-endpoint: https://root:Sup3rS3cret@etcd-9.example.internal:2379?x=1|" \
		s3/etc/rancher/k3s/config.yaml &&
	audit s3 s3.json &&
	! grep -q Sup3rS3cret s3.json &&
	jq -e ".cluster.datastore_endpoints == [\"https://etcd-9.example.internal:2379\"]" s3.json &&
	expect_code 1 k3sguard report merge --format json s1.json s3.json >ds.json &&
	test "$(cross ds.json cluster.datastore-shared)" = fail &&
	jq -r ".cross_node[0].evidence" ds.json | grep -q "etcd-9.example.internal" &&
	! grep -q Sup3rS3cret ds.json
'

test_expect_success 'no datastore-cafile on any server: agreement on none; unreadable: error' '
	server s10 && server s11 &&
	for s in s10 s11; do
		sed -i "/^datastore-cafile:/d" $s/etc/rancher/k3s/config.yaml && audit $s $s.json || exit 1
	done &&
	jq -e ".cluster.datastore_cafile == null and .cluster.datastore_ca_sha256 == null" s10.json &&
	k3sguard report merge --format json s10.json s11.json >nc.json || test $? -eq 1 &&
	test "$(cross nc.json cluster.datastore-shared)" = pass &&
	expect_code 1 k3sguard report merge --format json s1.json s10.json >nc2.json &&
	test "$(cross nc2.json cluster.datastore-shared)" = fail &&
	server s12 && rm s12/etc/rancher/k3s/etcd/ca.crt && audit s12 s12.json &&
	jq -e ".cluster.datastore_cafile != null and .cluster.datastore_ca_sha256 == null" s12.json &&
	expect_code 2 k3sguard report merge --format json s1.json s12.json >nc3.json &&
	test "$(cross nc3.json cluster.datastore-shared)" = error
'

test_expect_success 'a server whose token pins another CA: token-ca fails' '
	server s4 &&
	sed -i "s/^K10[0-9a-f]\{64\}/K10$(printf %064d 7)/" s4/var/lib/rancher/k3s/server/token &&
	audit s4 s4.json &&
	expect_code 1 k3sguard report merge --format json s1.json s4.json >tok.json &&
	test "$(cross tok.json cluster.token-ca)" = fail &&
	test "$(cross tok.json cluster.datastore-shared)" = pass
'

test_expect_success 'short tokens on every server: a warning (no CA pin), not unknown' '
	server s8 && server s9 &&
	for s in s8 s9; do
		printf "sh0rtTokenValue\n" >$s/var/lib/rancher/k3s/server/token && audit $s $s.json || exit 1
	done &&
	jq -e ".cluster.token_form == \"short\" and .cluster.token_ca_hash == null" s8.json &&
	k3sguard report merge --format json s8.json s9.json >sh.json || test $? -eq 1 &&
	test "$(cross sh.json cluster.token-ca)" = warn &&
	expect_code 1 k3sguard report merge --format json s1.json s8.json >sh2.json &&
	test "$(cross sh2.json cluster.token-ca)" = fail
'

test_expect_success 'version skew: an agent newer than a server, or two minors apart: fail' '
	audit a1 new.json --k3s-version v1.35.1+k3s1 &&
	expect_code 1 k3sguard report merge --format json s1.json new.json >v1.json &&
	test "$(cross v1.json cluster.version-skew)" = fail &&
	jq -r ".cross_node[] | select(.id == \"cluster.version-skew\") | .evidence" v1.json | grep -q "is newer than server s1" &&
	audit a1 old.json --k3s-version v1.32.0+k3s1 &&
	expect_code 1 k3sguard report merge --format json s1.json old.json >v2.json &&
	test "$(cross v2.json cluster.version-skew)" = fail &&
	audit a1 unk.json &&
	jq -e ".node.k3s_version == null" unk.json &&
	expect_code 2 k3sguard report merge --format json s1.json unk.json >v3.json &&
	test "$(cross v3.json cluster.version-skew)" = error
'

test_expect_success 'Traefik: disabled on one server, or configured twice: fail' '
	server s5 && echo "disable: [traefik]" >>s5/etc/rancher/k3s/config.yaml &&
	audit s5 s5.json && jq -e ".cluster.traefik.state == \"disabled\"" s5.json &&
	expect_code 1 k3sguard report merge --format json s1.json s5.json >t1.json &&
	test "$(cross t1.json cluster.traefik-once)" = fail &&
	server s6 &&
	cp s6/var/lib/rancher/k3s/server/manifests/traefik-config.yaml \
		s6/var/lib/rancher/k3s/server/manifests/traefik-config-2.yaml &&
	audit s6 s6.json && jq -e ".cluster.traefik.helmchartconfig_files == 2" s6.json &&
	expect_code 1 k3sguard report merge --format json s6.json >t2.json &&
	test "$(cross t2.json cluster.traefik-once)" = fail &&
	jq -r ".cross_node[3].evidence" t2.json | grep -q "in 2 HelmChartConfig files"
'

test_expect_success 'a report without the cluster facts: error, never pass' '
	jq "del(.cluster)" s2.json >old.json &&
	expect_code 2 k3sguard report merge --format json s1.json old.json >m.json &&
	for id in datastore-shared token-ca traefik-once; do
		test "$(cross m.json cluster.$id)" = error || exit 1
	done &&
	jq -r ".cross_node[0].evidence" m.json | grep -q "^unknown: no \"cluster\" facts"
'

test_expect_success 'a node of unknown role: the cross-node checks cannot pass' '
	jq ".node.role = \"unknown\"" a1.json >u.json &&
	expect_code 2 k3sguard report merge --format json s1.json s2.json u.json >u-m.json &&
	for id in datastore-shared token-ca version-skew traefik-once; do
		test "$(cross u-m.json cluster.$id)" = error || exit 1
	done &&
	jq -r ".cross_node[0].evidence" u-m.json | grep -q "unknown: the role of a1"
'

test_expect_success 'only agents: the server checks are unknown (error)' '
	expect_code 2 k3sguard report merge a1.json >a.txt &&
	grep -q "error .*cluster.datastore-shared: unknown: no server report" a.txt
'

test_expect_success 'nodes worst first; junit well-formed; prom accepted by promtool' '
	k3sguard --root "$(node_root d default-server)" audit --format json >d.json || test $? -eq 1 &&
	expect_code 1 k3sguard report merge --format json s1.json d.json s2.json >w.json &&
	test "$(jq -r ".nodes[0].report" w.json)" = d.json &&
	expect_code 1 k3sguard report merge --format junit s1.json d.json >w.xml &&
	{ ! has_cmd xmllint || xmllint --noout w.xml; } &&
	grep -q "<testsuite name=\"cross-node\"" w.xml &&
	expect_code 1 k3sguard report merge --format prom s1.json d.json >w.prom &&
	{ ! has_cmd promtool || promtool check metrics <w.prom; } &&
	grep -q "^k3sguard_cluster_check{check=\"cluster.datastore-shared\",severity=\"critical\",status=\"fail\"} 1$" w.prom
'

test_expect_success 'a hostile node name: escaped in text, prom, junit and json' '
	server s7 && printf "a\"b\\\\c</x>&\033[31m\n" >s7/etc/hostname &&
	audit s7 s7.json &&
	k3sguard report merge s1.json s7.json >h.txt || test $? -eq 1 &&
	! grep -q "$(printf "\033")" h.txt &&
	k3sguard report merge --format prom s1.json s7.json >h.prom || test $? -eq 1 &&
	{ ! has_cmd promtool || promtool check metrics <h.prom; } &&
	k3sguard report merge --format junit s1.json s7.json >h.xml || test $? -eq 1 &&
	{ ! has_cmd xmllint || xmllint --noout h.xml; } && ! grep -q "</x>" h.xml &&
	k3sguard report merge --format json s1.json s7.json >h.json || test $? -eq 1 &&
	grep -qiF "\\u001b[31m" h.json &&
	jq -e "[.nodes[].name | select(test(\"</x>\"))] | length == 1" h.json
'

test_expect_success 'bad input: one-line errors, exit 2 or 64, no partial -o file' '
	echo "{" >bad.json &&
	expect_code 2 k3sguard report merge -o out.html --format html s1.json bad.json 2>err &&
	test "$(wc -l <err)" -eq 1 && grep -q "bad.json:" err && test ! -e out.html &&
	echo "{\"tool\":\"other\"}" >other.json &&
	expect_code 2 k3sguard report merge other.json 2>err && grep -q "not a k3sguard audit report" err &&
	expect_code 2 k3sguard report merge missing.json 2>err && test "$(wc -l <err)" -eq 1 &&
	jq ".checks[0].severity = 7" s1.json >nosev.json &&
	expect_code 2 k3sguard report merge s2.json nosev.json 2>err &&
	test "$(wc -l <err)" -eq 1 && grep -q "nosev.json: checks\[0\].*severity" err &&
	jq ".checks[0].severity = \"urgent\"" s1.json >badsev.json &&
	expect_code 2 k3sguard report merge badsev.json 2>err && grep -q "severity" err &&
	expect_code 64 k3sguard report merge 2>err &&
	expect_code 64 k3sguard report merge --format sarif s1.json 2>err &&
	k3sguard report merge --help | grep -q "usage: k3sguard report merge" &&
	k3sguard report merge -o out.json --format json s1.json s2.json || test $? -eq 1 &&
	jq -e ".kind == \"cluster\"" out.json
'

test_done
