#!/bin/sh
# Run every unit test ($B/tests/u-*) and shell test (tests/t*.sh), TAP in,
# one summary line out: "N passed, N failed, N skipped".
# TESTS='t1*' runs a subset (glob on the file name).
B=${B:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
case $B in /*) ;; *) B=$top/$B ;; esac
export B K3SGUARD="$B/k3sguard" TOP="$top"
logdir=$B/test-logs
mkdir -p "$logdir"
pass=0 fail=0 skip=0 failed_files=
pattern=${TESTS:-*}

for t in "$B"/tests/u-* "$here"/t[0-9]*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	case $name in $pattern) ;; *) continue ;; esac
	log=$logdir/$name.log
	case $t in
	*.sh) (cd "$top" && bash "$t") >"$log" 2>&1 ;;
	*) "$t" >"$log" 2>&1 ;;
	esac
	rc=$?
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
