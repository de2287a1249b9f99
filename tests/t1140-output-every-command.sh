#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t1140: -o FILE on every command that renders (src/cmd/output.c
# cmd_output, the file written by src/report/output.c report_output): one
# table, one row per command path; each writes FILE (mode 0600) with the
# same bytes the command prints without -o, nothing on stdout, the same
# exit code; an unwritable FILE is one line on stderr, exit 2, no file; a
# command that fails before printing leaves no file and an existing FILE
# untouched; no temp file is left behind.  Every path of the binary that
# takes --format (the formats it refuses name them: format_arg) must be in
# the table, so a new rendering command without -o fails here.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
F=$TOP/tests/fixtures
R=$(node_root r default-server)
k3sguard etcd pki init --out pki --member e1=10.0.0.1 --localhost >/dev/null
printf 'v\n' | k3sguard --root "$R" secrets put app >/dev/null
k3sguard --root "$R" manifests lock >/dev/null 2>&1
k3sguard --root "$R" audit --format json >node1.json || :
mkdir snaps scandir && printf 'K3S_TOKEN=K10%064d::server:%s\n' 0 abcdefabcdefabcdefabcdefabcdefab >scandir/env

# PATH<TAB>ARGS (after "k3sguard --root $R PATH"); exit codes 0, 1 and 2
# (etcd health: no member reachable, its result is printed) all appear
cat >table <<EOF2
audit	
audit	--format json
report merge	node1.json
report merge	--format junit node1.json
node	
node	--format json
scan	scandir
scan	--format sarif scandir
manifests verify	
manifests verify	--format json
traefik audit	
traefik audit	--format json
update check	--channels-file $F/update/channels-good.json
update check	--channels-file $F/update/channels-good.json --format json
update plan	--version v1.30.5+k3s1
etcd pki check	pki
etcd pki check	--format json pki
etcd health	--endpoints https://127.0.0.1:1 --cacert pki/ca.crt --cert pki/clients/root.crt --key pki/clients/root.key
etcd snapshot ls	--dir snaps
etcd snapshot ls	--dir snaps --format json
etcd isolate	--clients 10.0.0.1 --peers none
etcd isolate	--clients 10.0.0.1 --peers none --format json
fix	--dry-run
fix	--dry-run --format json
secrets ls	
secrets ls	--format json
secrets history	app
token store	--dry-run
token verify	
token verify	--format json
token rotate	--dry-run
EOF2


test_expect_success 'every path that renders (takes --format) is in the table, and offers -o' '
	command_paths >all.paths &&
	while read -r p; do
		{ k3sguard $p --format "?" --help >/dev/null 2>err </dev/null || :; } &&
		if grep -q -- "--format: .?. is not" err; then echo "$p"; fi
	done <all.paths >rendering &&
	test "$(wc -l <rendering)" -ge 15 &&
	echo "update plan" >>rendering &&
	while read -r p; do
		{ cut -f1 table | grep -qx "$p" || { echo "$p renders, not in the table"; exit 1; }; } &&
		{ k3sguard $p --help 2>&1 | grep -q -- "-o, --output FILE" ||
			{ echo "$p --help has no -o, --output FILE"; exit 1; }; }
	done <rendering
'

test_expect_success 'each row: FILE 0600, the bytes of stdout, nothing on stdout, the same exit' '
	n=0 &&
	while IFS="	" read -r p args; do
		n=$((n + 1)) &&
		{ code=0; k3sguard --root "$R" $p $args >want 2>/dev/null </dev/null || code=$?; } &&
		{ test "$code" -le 2 || { echo "$p $args: exit $code"; exit 1; }; } &&
		test -s want &&
		{ c2=0; k3sguard --root "$R" $p $args -o "out$n" >so 2>/dev/null </dev/null || c2=$?; } &&
		{ test "$c2" = "$code" || { echo "$p $args: exit $code, with -o $c2"; exit 1; }; } &&
		{ test ! -s so || { echo "$p $args -o: stdout not empty"; exit 1; }; } &&
		{ test "$(stat -c %a "out$n")" = 600 || { echo "$p $args: mode $(stat -c %a "out$n")"; exit 1; }; } &&
		{ cmp -s want "out$n" || { echo "$p $args: the file differs from stdout"; diff want "out$n" | head -5; exit 1; }; } &&
		{ c3=0; k3sguard --root "$R" $p $args --output="long$n" >so 2>/dev/null </dev/null || c3=$?; } &&
		test "$c3" = "$code" && cmp -s want "long$n" || exit 1
	done <table &&
	test "$n" -ge 31 &&
	grep -q "^etcd health" table && ls out* long* >files && ! grep -v "^\(out\|long\)[0-9]*$" files
'

# stderr is what the command says without -o (etcd health: why no member
# answered) plus one line naming FILE
test_expect_success 'each row: an unwritable FILE is one more line on stderr, exit 2, no file' '
	: >notadir &&
	while IFS="	" read -r p args; do
		{ k3sguard --root "$R" $p $args >/dev/null 2>err0 </dev/null || :; } &&
		{ c=0; k3sguard --root "$R" $p $args -o notadir/x >so 2>err </dev/null || c=$?; } &&
		{ test "$c" = 2 || { echo "$p $args: exit $c"; exit 1; }; } &&
		{ grep -v "notadir/x" err >err1 || :; } &&
		{ cmp -s err0 err1 || { echo "$p $args: stderr differs"; diff err0 err1; exit 1; }; } &&
		{ test "$(grep -c "notadir/x" err)" = 1 || { echo "$p $args: not one line"; exit 1; }; } &&
		test ! -s so && test ! -e notadir/x || exit 1
	done <table &&
	test -f notadir && test ! -s notadir
'

test_expect_success 'a command that fails before printing: no file; an existing FILE is left as it was' '
	expect_code 2 k3sguard --root "$R" secrets history nosuch -o gone.txt >so 2>err &&
	one_line err && test ! -e gone.txt && test ! -s so &&
	echo keep >kept.txt &&
	expect_code 2 k3sguard --root "$R" etcd pki check nosuchdir -o kept.txt >so 2>err &&
	one_line err && test "$(cat kept.txt)" = keep &&
	ls -A >after && ! grep -i "tmp\|\.k3sguard\|~" after
'

test_expect_success 'the plan with --out FILE (the Plans alone) and -o (stdout) together' '
	k3sguard --root "$R" update plan --version v1.30.5+k3s1 --out plans.yaml -o said.txt >so &&
	test ! -s so && grep -q "^wrote plans.yaml: Plans" said.txt &&
	grep -q "kind: Plan" plans.yaml && test "$(stat -c %a plans.yaml)" = 600
'

test_done
