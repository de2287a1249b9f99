#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run every unit test ($B/tests/u-*) and shell test (tests/t*.sh), TAP in,
# one summary line out: "N passed, N failed, N skipped".
# TESTS='t1*' runs a subset (globs on the file name, several with spaces:
# TESTS='t0* u-gate*').  Each file gets TEST_TIMEOUT seconds (600): then it
# is stopped (timeout(1) TERMs its whole process group, KILLs 10 s later),
# counted as failed, and the run goes on.  Within a file each test body
# has TEST_BODY_TIMEOUT seconds (tests/lib.sh; half of TEST_TIMEOUT).
B=${B:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
case $B in /*) ;; *) B=$top/$B ;; esac
export B K3SGUARD="$B/k3sguard" TOP="$top"
logdir=$B/test-logs
mkdir -p "$logdir"
pass=0 fail=0 skip=0 failed_files=
patterns=${TESTS:-*}
limit=${TEST_TIMEOUT:-600}

for t in "$B"/tests/u-* "$here"/t[0-9]*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	want=
	set -f	# the globs are for the names, not for this directory
	for pat in $patterns; do
		case $name in $pat) want=1 ;; esac
	done
	set +f
	[ -n "$want" ] || continue
	log=$logdir/$name.log
	case $t in
	*.sh) set -- bash "$t" ;;
	*) set -- "$t" ;;
	esac
	# timeout(1) runs in its own process group, out of reach of ^C:
	# forward INT/TERM to it (it passes them on to the test's group).
	(cd "$top" && exec timeout --kill-after=10 "$limit" "$@") >"$log" 2>&1 </dev/null &
	tpid=$!
	trap 'kill -TERM $tpid 2>/dev/null; wait $tpid; exit 130' INT TERM
	wait $tpid
	rc=$?
	trap - INT TERM
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "not ok - $name timed out after ${limit}s (stopped)" >>"$log"
	fi
	p=$(grep -c '^ok ' "$log" | tr -d ' ')
	s=$(grep -c '^ok .*# SKIP' "$log" | tr -d ' ')
	f=$(grep -c '^not ok ' "$log" | tr -d ' ')
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# died without saying which test: count it
		echo "not ok - $name exited $rc" >>"$log"
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	if [ "$f" -gt 0 ]; then
		echo "FAIL $name ($p passed, $f failed, $s skipped)"
		grep -E '^(not ok|#)' "$log" | head -n 40 | sed 's/^/    /'
		failed_files="$failed_files $name"
	else
		echo "ok   $name ($p passed, $s skipped)"
	fi
	grep '^ok .*# SKIP' "$log" | sed 's/^/    /'
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
