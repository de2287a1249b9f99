#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t2130: while 'token rotate' runs (held at the K3s TEST DOUBLE, a stand-in
# for K3s's supervisor endpoint), no process's /proc/*/cmdline or
# /proc/*/environ holds the old or the new token, except, with --via-cli,
# the k3s double's own process; and no output or log line holds one.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1
. "$TOP/tests/doubles/token-node.sh"

token_node n1 >setup.log 2>&1
setup_rc=$?

wait_for() {
	_i=0
	until eval "$2"; do
		_i=$((_i + 1))
		[ $_i -le $(($1 * 20)) ] || { echo "timed out waiting for: $2" >&2; return 1; }
		sleep 0.05
	done
}

# scan PWFILE [EXCLUDE-SUBSTRING]: passwords come in a file, never in argv.
# Prints "pid: where" for every hit; fails when there is one.
scan() {
	python3 - "$1" "${2:-}" <<-"PY"
	import os, sys
	pws = [l.strip().encode() for l in open(sys.argv[1]) if l.strip()]
	exclude = sys.argv[2].encode()
	me, hits, seen = os.getpid(), 0, 0
	for pid in os.listdir("/proc"):
	    if not pid.isdigit() or int(pid) == me:
	        continue
	    try:
	        cmd = open("/proc/%s/cmdline" % pid, "rb").read()
	        env = open("/proc/%s/environ" % pid, "rb").read()
	    except OSError:
	        continue
	    seen += 1
	    if exclude and exclude in cmd:
	        continue
	    for pw in pws:
	        for where, data in (("cmdline", cmd), ("environ", env)):
	            if pw in data:
	                print("%s: %s holds a token: %r" % (pid, where, cmd[:80]))
	                hits += 1
	print("scanned %d processes" % seen)
	sys.exit(1 if hits else 0)
	PY
}

pwfile() {	# the old password and every version in the store
	node_password >pw.list
	for v in $(k3sguard --root "$R" secrets history server-token | awk '{sub(/^v/,"",$1); print $1}'); do
		k3sguard --root "$R" secrets get server-token --version "$v" | sed "s/.*:://; s/^server://" >>pw.list
	done
	chmod 600 pw.list
}

test_expect_success 'set up a node' '
	[ $setup_rc -eq 0 ] || { cat setup.log; exit 1; }
'

test_expect_success 'native rotation: no token in any cmdline or environ, before and after K3s applied it' '
	touch "$CTL/hang-before" "$CTL/hang-after" &&
	# bounded: waited for below, under TEST_BODY_TIMEOUT
	{ "$K3SGUARD" --root "$R" token rotate --server "$URL" >rot.out 2>rot.err & } && rot=$! &&
	wait_for 20 "[ -e $CTL/in-hang-before ]" &&
	pwfile && [ "$(wc -l <pw.list)" -ge 2 ] &&
	scan pw.list >scan1 && grep -q "scanned" scan1 &&
	rm "$CTL/hang-before" &&
	wait_for 20 "[ -e $CTL/in-hang-after ]" &&
	pwfile && scan pw.list >scan2 &&
	rm "$CTL/hang-after" && wait $rot &&
	pwfile && [ "$(wc -l <pw.list)" -ge 3 ] &&
	! grep -Ff pw.list rot.out rot.err "$CTL/requests.log" "$CTL/double.log" &&
	grep -q "^rotated" rot.out
'

test_expect_success 'the scanner finds a token where there is one (it can fail)' '
	# bounded: sleep 5
	env K3SGUARD_SCAN_CANARY="$(head -n 1 pw.list)" sleep 5 & canary=$! &&
	sleep 0.2 &&
	{ expect_code 1 scan pw.list >scan3; rc=$?; } &&
	kill $canary 2>/dev/null || : &&
	[ $rc -eq 0 ] && grep -q "environ holds a token" scan3
'

test_expect_success '--via-cli: only the k3s double itself sees the tokens' '
	touch "$CTL/hang-after" &&
	# bounded: waited for below, under TEST_BODY_TIMEOUT
	{ "$K3SGUARD" --root "$R" token rotate --server "$URL" --via-cli >rot.out 2>rot.err & } && rot=$! &&
	wait_for 20 "[ -e $CTL/in-hang-after ]" &&
	pwfile &&
	expect_code 1 scan pw.list >scan4 &&
	grep -q "usr/local/bin/k3s" scan4 &&
	scan pw.list "$R/usr/local/bin/k3s" >scan5 &&
	rm "$CTL/hang-after" && wait $rot &&
	pwfile && ! grep -Ff pw.list rot.out rot.err "$CTL/requests.log" "$CTL/double.log" &&
	grep -q "argv" rot.err
'

test_done
