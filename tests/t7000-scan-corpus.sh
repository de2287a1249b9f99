#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t7000: scan on the corpus: every positive with its exact line, column and
# rule, no negative, nothing secret in any output format.
. "$(dirname "$0")/lib.sh"

FIX=$TOP/tests/fixtures/scan
PY=/usr/bin/python3
cp -R "$FIX/pos" "$FIX/neg" "$TMP/"
cd "$TMP"

# file:line:column:rule:severity of every finding in a JSON report
findings() {
	"$PY" -c '
import json, sys
for f in json.load(sys.stdin)["findings"]:
    print("%s:%d:%d:%s:%s" % (f["file"], f["line"], f["column"], f["rule"], f["severity"]))'
}

test_expect_success 'every positive is found at its line and column, and nothing else' '
	expect_code 1 k3sguard scan --format json pos >out.json &&
	findings <out.json >got &&
	diff -u "$FIX/expected-pos.txt" got
'

test_expect_success 'each file type of the corpus has at least one finding' '
	for f in cloud-init.yaml ansible/group_vars/all.yml ansible/roles/k3s/tasks/main.yml \
	    terraform/main.tf terraform/terraform.tfvars scripts/install.sh Dockerfile \
	    units/k3s-agent.service units/k3s-agent.service.env \
	    etc/rancher/k3s/config.yaml etc/rancher/k3s/config.yaml.d/50-join.yaml \
	    docs/README.md compose.yml settings.json openrc/k3s-agent; do
		grep -q "^pos/$f:" got || { echo "nothing found in $f"; exit 1; }
	done
'

test_expect_success 'every rule fires on the corpus' '
	for r in k3s-secure-token k3s-token-env k3s-token-flag k3s-token-config k3s-datastore-password; do
		grep -q ":$r:" got || { echo "rule $r never fired"; exit 1; }
	done
'

test_expect_success 'negatives: placeholders, references, look-alikes, prose: no finding, exit 0' '
	k3sguard scan --format json neg >neg.json &&
	findings <neg.json >neg.got &&
	test ! -s neg.got
'

test_expect_success 'text output: path:line:col: severity rule: redacted value' '
	expect_code 1 k3sguard scan pos >out.txt &&
	grep -qx "pos/docs/README.md:5:5: critical k3s-secure-token: secure server token (CA 64156c250a39..., fingerprint [0-9a-f]\{12\})" out.txt &&
	grep -q "^pos/scripts/install.sh:8:34: high k3s-token-flag: short-form token without CA pin (fingerprint [0-9a-f]\{12\})$" out.txt &&
	tail -n 1 out.txt | grep -q "scanned 16 files .*: 30 findings$"
'

test_expect_success 'no output format contains a secret value' '
	k3sguard scan --format sarif pos >out.sarif || test $? -eq 1 &&
	# cut each value out of its file by line and columns (code points)
	"$PY" - out.json >secrets <<-\PYEOF &&
	import json, sys
	for f in json.load(open(sys.argv[1]))["findings"]:
	    line = open(f["file"], encoding="utf-8", newline="").read().split("\n")[f["line"] - 1]
	    print(line[f["column"] - 1:f["end_column"] - 1])
	PYEOF
	test "$(wc -l <secrets)" -eq 30 &&
	while IFS= read -r s; do
		test ${#s} -ge 8 || { echo "short value cut: $s"; exit 1; } &&
		for o in out.json out.txt out.sarif; do
			if grep -qF -- "$s" $o; then echo "secret in $o"; exit 1; fi
		done
	done <secrets
'

test_expect_success 'the fingerprint is sha256(password)[:12], as token_describe shows it' '
	fp=$(printf %s readmepass77 | sha256sum | cut -c1-12) &&
	grep -q "pos/docs/README.md:5:5: .*fingerprint $fp)" out.txt
'

test_expect_success 'one worker and many give the same report' '
	k3sguard scan -j1 --format json pos >j1.json || test $? -eq 1 &&
	k3sguard scan -j8 --format json pos >j8.json || test $? -eq 1 &&
	cmp j1.json out.json && cmp j8.json out.json
'

test_expect_success 'a single file can be named; binary files are skipped' '
	expect_code 1 k3sguard scan pos/Dockerfile >one &&
	test "$(grep -c k3s-token-env one)" -eq 2 &&
	{ printf "K3S_TOKEN=binarytoken1\n\0\1\2"; } >bin.dat &&
	k3sguard scan bin.dat >bin.out &&
	grep -q "skipped 1 binary" bin.out
'

test_expect_success 'symlinks are not followed, named or in a tree' '
	mkdir -p links && ln -s ../pos/Dockerfile links/Dockerfile && ln -s ../pos links/pos &&
	k3sguard scan links >l.out &&
	grep -q "2 symlinks" l.out && ! grep -q Dockerfile: l.out &&
	k3sguard scan links/Dockerfile >l2.out 2>l2.err &&
	grep -q "not following symlink" l2.err && ! grep -q k3s-token l2.out
'

test_expect_success '.git directories are skipped, dotfiles are not' '
	mkdir -p repo/.git repo/sub &&
	echo "K3S_TOKEN=gitobjecttoken1" >repo/.git/config &&
	echo "K3S_TOKEN=dotenvtoken1" >repo/sub/.env &&
	expect_code 1 k3sguard scan repo >g.out &&
	grep -q "^repo/sub/.env:1:11:" g.out && ! grep -q "\.git/" g.out
'

test_expect_success '--exclude by name and by path' '
	expect_code 0 k3sguard scan --exclude "*.env" repo >e1 &&
	grep -q "1 excluded" e1 &&
	k3sguard scan --exclude "pos/*" --exclude "*.md" pos >e2 || test $? -eq 0 &&
	expect_code 1 k3sguard scan --exclude "scripts/*" --exclude "docs" pos >e3 &&
	! grep -q "install.sh\|README" e3 && grep -q Dockerfile e3
'

test_expect_success 'a missing path: one-line error, exit 2; bad options: exit 64' '
	expect_code 2 k3sguard scan no-such-dir 2>err >/dev/null &&
	one_line err && grep -q "no-such-dir" err &&
	expect_code 64 k3sguard scan --format xml pos 2>err64 >/dev/null &&
	grep -q "xml" err64 &&
	expect_code 64 k3sguard scan -j 0 pos 2>/dev/null >/dev/null &&
	expect_code 64 k3sguard scan --bogus 2>/dev/null >/dev/null
'

test_expect_success 'an unreadable file is an error (exit 2), the rest is still scanned' '
	if [ "$(id -u)" -eq 0 ]; then
		# root reads anything: a FIFO in place of a file exercises the skip path instead
		mkfifo pos/fifo && expect_code 1 k3sguard scan pos >f.out && rm pos/fifo
	else
		cp pos/Dockerfile locked && chmod 000 locked &&
		expect_code 2 k3sguard scan locked pos >f.out 2>f.err && one_line f.err
	fi &&
	grep -q "30 findings" f.out
'

test_expect_success '--help prints usage and exits 0' '
	k3sguard scan --help >h && grep -q "^usage: k3sguard scan" h &&
	k3sguard help scan >h2 && cmp h h2
'

test_done
