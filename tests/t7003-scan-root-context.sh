#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t7003: K3s context comes from the path below the scan root and from the
# file's content, never from where the tree sits: the same tree scanned
# under /tmp/.../plain and under /tmp/.../k3s-infra gives the same findings
# (issue 15: a checkout below a "k3s" directory read a C enum
# "token = 248," as a K3s token).
. "$(dirname "$0")/lib.sh"

FIX=$TOP/tests/fixtures/scan
PY=/usr/bin/python3
cd "$TMP"

findings() {
	"$PY" -c '
import json, sys
for f in json.load(sys.stdin)["findings"]:
    print("%s:%d:%d:%s" % (f["file"], f["line"], f["column"], f["rule"]))'
}

test_expect_success 'one tree in two places' '
	mkdir -p plain/tree k3s-infra/rancher-k3s/tree &&
	cp -R "$FIX/pos" "$FIX/neg" plain/tree/ &&
	mkdir -p plain/tree/src &&
	printf "enum {\n\tstart = 1,\n\ttoken = 248,\n\tend\n};\n" >plain/tree/src/lex.h &&
	printf "auth:\n  token: s3cr3tvalue42\n" >plain/tree/src/other-service.yaml &&
	cp -R plain/tree/. k3s-infra/rancher-k3s/tree/
'

test_expect_success 'same findings wherever the checkout sits' '
	(cd plain && k3sguard scan --format json tree >../a.json; test $? -le 1) &&
	(cd k3s-infra/rancher-k3s && k3sguard scan --format json tree >../../b.json; test $? -le 1) &&
	findings <a.json >a && findings <b.json >b &&
	test -s a && diff -u a b &&
	! grep -q "src/lex.h" b && ! grep -q "other-service.yaml" b
'

test_expect_success 'absolute path argument under a k3s directory: same findings' '
	expect_code 1 k3sguard --root / scan --format json "$TMP/k3s-infra/rancher-k3s/tree" >c.json &&
	findings <c.json | sed "s|^$TMP/k3s-infra/rancher-k3s/||" >c &&
	diff -u a c
'

test_expect_success 'a name below the root still gives context' '
	mkdir -p sub/roles/k3s && printf "token: s3cr3tvalue42\n" >sub/roles/k3s/vars.yml &&
	expect_code 1 k3sguard scan --format json sub >d.json &&
	findings <d.json | grep -q "^sub/roles/k3s/vars.yml:1:8:k3s-token-config$"
'

test_expect_success 'K3s by path only: a nested token belongs to its parent block' '
	mkdir -p blk/roles/k3s/defaults &&
	printf "cloudflare:\n  account: x\n  token: cfTok3nValue1\nslack:\n  - token: slTok3nValue2\n" >blk/roles/k3s/defaults/other.yml &&
	printf "token: topTok3nValue3\nserver_config:\n  token: srvTok3nValue4\n" >blk/roles/k3s/defaults/main.yml &&
	expect_code 1 k3sguard scan --format json blk >blk.json &&
	findings <blk.json >blk.got &&
	printf "%s\n" "blk/roles/k3s/defaults/main.yml:1:8:k3s-token-config" \
	    "blk/roles/k3s/defaults/main.yml:3:10:k3s-token-config" >blk.want &&
	diff -u blk.want blk.got
'

test_expect_success 'a single file: only its own name counts' '
	mkdir -p k3s-dir && printf "token: s3cr3tvalue42\n" >k3s-dir/vars.yml &&
	k3sguard scan k3s-dir/vars.yml &&
	cp k3s-dir/vars.yml k3s-dir/k3s-vars.yml &&
	expect_code 1 k3sguard scan k3s-dir/k3s-vars.yml
'

test_done
