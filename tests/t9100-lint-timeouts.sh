#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9100: what turns a hang into a failure (issue 19 item 2): tests/lib.sh
# stops a test body that runs past TEST_BODY_TIMEOUT, with what it started,
# and the file goes on; scripts/lint-timeouts.sh (run by make check and
# make lint) finds a background job or a server start without a time limit,
# and the suite itself has none.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1
L=$TOP/scripts/lint-timeouts.sh

test_expect_success 'the suite: every background job and server start has a limit' '
	sh "$L" >out 2>&1 || { cat out; exit 1; }
'

# lint_of FILE: the lint's findings on FILE (its exit code in lint_rc)
lint_of() { sh "$L" "$1" >"$1.out" 2>&1 && lint_rc=0 || lint_rc=$?; }

test_expect_success 'a background job without a limit is found, anywhere' '
	cat >a.sh <<-\EOF &&
	helper() {
		"$K3SGUARD" manifests watch --root "$R" >w.out &
	}
	test_expect_success "x" "
		{ sleep 100 & } &&
		true
	"
	EOF
	lint_of a.sh && test "$lint_rc" -eq 1 &&
	grep -q "^a.sh:2: background job without a timeout" a.sh.out &&
	grep -q "^a.sh:5: background job without a timeout" a.sh.out
'

test_expect_success 'timeout(1), with_timeout or a "# bounded:" reason satisfy it' '
	cat >b.sh <<-\EOF &&
	helper() {
		timeout -k 5 60 "$K3SGUARD" manifests watch --root "$R" >w.out &
		# bounded: killed by the at_exit below
		sleep 100 &
		at_exit "kill $!"
		(cd x && exec timeout 30 openssl s_server -quiet \
			-accept 1) >log 2>&1 &
	}
	EOF
	lint_of b.sh && test "$lint_rc" -eq 0 && test ! -s b.sh.out
'

# (a file with single-quoted bodies, as the suite writes them)
cat >c.sh <<\EOF
start() {
	"$ETCD_BIN" --config-file x.yml >log 2>&1
	chromium --headless --dump-dom x.html
}
test_expect_success 'in a body' '
	k3sguard --root r agent exec -- k3s agent &&
	chromium --headless --dump-dom x.html
'
EOF

test_expect_success 'a server started outside a test body needs a limit; inside a body the body has one' '
	lint_of c.sh && test "$lint_rc" -eq 1 &&
	grep -q "^c.sh:2: server started without a timeout" c.sh.out &&
	grep -q "^c.sh:3: server started without a timeout" c.sh.out &&
	test "$(wc -l <c.sh.out)" -eq 2
'

test_expect_success 'not jobs: &&, redirections, quoted &, comments, here-docs, arithmetic, [ -x ]' '
	cat >d.sh <<-\EOF &&
	x=$(( 6 & 3 )) && echo "a & b" >f 2>&1 && cat f &>/dev/null
	sed "s/&/\&amp;/g" f | grep -q "&" # a & comment
	[ -x "$ETCD_BIN" ] || echo "no $ETCD_BIN"
	cat <<-\EOT
		sleep 100 &
		chromium &
	EOT
	RULES=$TOP/contrib/prometheus/rules.yml
	EOF
	lint_of d.sh && test "$lint_rc" -eq 0 && test ! -s d.sh.out
'

test_expect_success 'lib.sh: a body past TEST_BODY_TIMEOUT fails, its children stopped, the file goes on' '
	cat >hang.sh <<-EOF &&
	. "$TOP/tests/lib.sh"
	test_expect_success "hangs" "sh -c \"echo \\\$\\\$ >$TMP/child.pid; sleep 60\" && true"
	test_expect_success "next" "true"
	test_done
	EOF
	start=$(date +%s) &&
	{ TEST_BODY_TIMEOUT=2 with_timeout 30 bash hang.sh >hang.out 2>&1 || :; } &&
	end=$(date +%s) &&
	cat hang.out &&
	grep -q "^not ok 1 - hangs" hang.out &&
	grep -q "timed out: the body ran longer than 2s (TEST_BODY_TIMEOUT)" hang.out &&
	grep -q "^ok 2 - next" hang.out &&
	test $((end - start)) -lt 20 &&
	! kill -0 "$(cat child.pid)" 2>/dev/null
'

test_done
