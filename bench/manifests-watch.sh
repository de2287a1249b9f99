#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/manifests-watch.sh: what `manifests watch` costs while it waits, on
# 10,000 watched files (100 directories of 100): the process's memory from
# /proc/PID/smaps_rollup (RSS, anonymous = its own, file-backed = shared
# library and mapped file pages), idle CPU over IDLE seconds, and the same
# memory again after a burst of 1,000 changed files (checked, alerted,
# put back with --enforce).  Targets: anonymous <= 4 MB, idle CPU 0.
# Not a test: `make bench`.  NFILES per directory (default 100), IDLE (default 5).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$top/$B ;; esac
K3SGUARD=$B/k3sguard
NFILES=${NFILES:-100}
IDLE=${IDLE:-5}

for t in cc awk; do
	command -v $t >/dev/null || { echo "bench/manifests-watch.sh: '$t' is missing" >&2; exit 2; }
done
[ -x "$K3SGUARD" ] || { echo "bench/manifests-watch.sh: build k3sguard first" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/k3sguard-bench-watch.XXXXXX")
WPID=
cleanup() {
	[ -n "$WPID" ] && kill "$WPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

R=$W/root
M=$R/var/lib/rancher/k3s/server/manifests
mkdir -p "$M"
cc -O2 -o "$W/helper" "$top/bench/manifests-helper.c"
"$W/helper" gen "$M" 100 "$NFILES" 4096
files=$(find "$M" -type f | wc -l)
"$K3SGUARD" manifests lock --root "$R" >/dev/null 2>&1

"$K3SGUARD" manifests watch --root "$R" --enforce >"$W/alerts" 2>"$W/watch.err" &
WPID=$!
for i in $(seq 1 300); do
	grep -q '"event":"watching"' "$W/alerts" 2>/dev/null && break
	sleep 0.1
done
grep -q '"event":"watching"' "$W/alerts" || { echo "bench: the watcher did not start" >&2; cat "$W/watch.err" >&2; exit 2; }

# kB from smaps_rollup: Rss, Anonymous; file-backed is the rest of Rss
mem() {
	awk '/^Rss:/ { r = $2 } /^Anonymous:/ { a = $2 }
	END { printf "RSS %d kB, anonymous %d kB (%.2f MB), file-backed %d kB", r, a, a / 1024, r - a }' \
		"/proc/$WPID/smaps_rollup"
}
anon() { awk '/^Anonymous:/ { print $2 }' "/proc/$WPID/smaps_rollup"; }
cpu() { awk '{ print $14 + $15 }' "/proc/$WPID/stat"; }

sleep 1
a0=$(anon)
echo "watch on $files files, at rest: $(mem)"
c0=$(cpu); sleep "$IDLE"; c1=$(cpu)
echo "watch: idle CPU $((c1 - c0)) ticks over ${IDLE} s (target 0) $([ $((c1 - c0)) -eq 0 ] && echo MET || echo NOT MET)"
for d in $(seq 0 9); do
	for f in $(ls "$M/$(ls "$M" | sed -n "$((d + 1))p")" | head -100); do
		echo "changed: true" >>"$M/$(ls "$M" | sed -n "$((d + 1))p")/$f"
	done
done
sleep 3
a1=$(anon)
echo "watch after $(grep -c '"event":"drift"' "$W/alerts") drift alerts and $(grep -c '"event":"restored"' "$W/alerts") restores: $(mem)"
max=$((a0 > a1 ? a0 : a1))
echo "watch: anonymous memory $((max / 1024)).$(((max % 1024) * 100 / 1024)) MB at most (target <= 4 MB) $([ "$max" -le 4096 ] && echo MET || echo NOT MET)"
