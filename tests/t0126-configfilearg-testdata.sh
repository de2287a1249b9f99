#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0126: K3s's own config parser test data (tests/fixtures/k3s-configfilearg,
# from pkg/configfilearg/testdata) as a node's config.yaml and drop-ins, held
# to the flags K3s's Test_UnitParser_Parse expects from it (parser.go
# Parse(): a later file's key replaces, "key+" appends; drop-ins in name
# order, .txt ignored).  Ours: src/node/node-config.c add_values(),
# node.c merge_finish().
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1
PY=/usr/bin/python3
FX=$TOP/tests/fixtures/k3s-configfilearg

# tree DIR: the fixture plus a data dir (a server node K3s has started)
tree() {
	mkdir -p "$1/var/lib/rancher/k3s/server" && cp -R "$FX/etc" "$1/"
}

# K3s's expected flags, grouped by key, in Test_UnitParser_Parse's order
EXPECT='[("foo-bar", ["bar-foo"]), ("alice", ["bob"]),
 ("a-slice", ["1", "1.5", "2", "", "three"]), ("isempty", [""]), ("c", ["b"]),
 ("isfalse", ["false"]), ("islast", ["true"]), ("b-string", ["one", "two"]),
 ("c-slice", ["one", "two", "three"]), ("d-slice", ["three", "four"]),
 ("f-string", ["beta"]), ("e-slice", ["one", "two"])]'

# check ROOT RENAME: node's options against EXPECT, keys renamed by the JSON map RENAME;
# a key that is not one of K3s's list flags keeps only its last value
# (urfave/cli: a repeated string flag takes the last)
check() {
	"$K3SGUARD" --root "$1" node --format json >node.json &&
	$PY - node.json "$2" "$EXPECT" <<-'PYEOF'
	import ast, json, sys
	d = json.load(open(sys.argv[1]))
	ren = json.loads(sys.argv[2])
	lists = set(ren.values())
	assert d["config_files"] == ["/etc/rancher/k3s/config.yaml",
	    "/etc/rancher/k3s/config.yaml.d/01-data.yml",
	    "/etc/rancher/k3s/config.yaml.d/02-data.yaml"], d["config_files"]
	got = {o["name"]: [v["value"] for v in o["effective"]] for o in d["options"]}
	want = {}
	for k, v in ast.literal_eval(sys.argv[3]):
	    k = ren.get(k, k)
	    want[k] = v if k in lists else v[-1:]
	assert got == want, (got, want)
	PYEOF
}

test_expect_success 'K3s testdata as it is: order, replace, "+" append; scalars keep the last' '
	tree plain && check plain "{}"
'

test_expect_success 'the same data with list flags of K3s for its slice keys: every value, as K3s flattens' '
	tree lists &&
	for f in lists/etc/rancher/k3s/config.yaml lists/etc/rancher/k3s/config.yaml.d/*; do
		sed -i -e "s/^a-slice/tls-san/" -e "s/^b-string/kubelet-arg/" \
			-e "s/^c-slice/node-label/" -e "s/^d-slice/disable/" \
			-e "s/^e-slice/node-taint/" "$f" || return 1
	done &&
	check lists "{\"a-slice\": \"tls-san\", \"b-string\": \"kubelet-arg\", \"c-slice\": \"node-label\", \"d-slice\": \"disable\", \"e-slice\": \"node-taint\"}"
'

test_expect_success 'the .txt drop-in is never read (foo-bar stays bar-foo)' '
	tree txt && echo "foo-bar: from-txt" >txt/etc/rancher/k3s/config.yaml.d/03-late.txt &&
	check txt "{}"
'

test_done
