#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/manifests.sh: `k3sguard manifests verify` against AIDE (aide --check,
# sha256 + mode/owner/type, its own config in a temp dir) and against
# `find -type f -print0 | xargs -0 sha256sum`, on one generated tree of
# 10,000 files / 40 MB, in one hyperfine run, with the ratios; then
# `manifests watch`: the latency from each of 1,000 writes to its alert
# line (p50/p99, target p99 < 10 ms), the watcher's RSS and idle CPU.
# Targets: verify <= 1.0x sha256sum, >= 10x faster than AIDE.
# Not a test: `make bench`.  RUNS (default 10), WRITES (default 1000).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$top/$B ;; esac
K3SGUARD=$B/k3sguard
RUNS=${RUNS:-10}
WRITES=${WRITES:-1000}

for t in hyperfine aide jq cc sha256sum xargs; do
	command -v $t >/dev/null || { echo "bench/manifests.sh: '$t' is missing (scripts/install-deps)" >&2; exit 2; }
done
[ -x "$K3SGUARD" ] || { echo "bench/manifests.sh: build k3sguard first" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/k3sguard-bench-manifests.XXXXXX")
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
"$W/helper" gen "$M" 100 100 4096
files=$(find "$M" -type f | wc -l)
bytes=$(du -sb --apparent-size "$M" | cut -f1)
echo "tree: $files files, $((bytes / 1000000)) MB, $(nproc) cores"
"$K3SGUARD" manifests lock --root "$R" >/dev/null 2>&1

cat >"$W/aide.conf" <<CONF
database_in=file:$W/aide.db
database_out=file:$W/aide.db.new
gzip_dbout=no
report_url=stdout
Manifests = p+u+g+ftype+sha256
$M Manifests
CONF
aide --init -c "$W/aide.conf" >/dev/null
mv "$W/aide.db.new" "$W/aide.db"
aide --check -c "$W/aide.conf" >/dev/null || { echo "aide --check found differences on an unchanged tree" >&2; exit 2; }
"$K3SGUARD" manifests verify --root "$R" >/dev/null

hyperfine --warmup 2 --runs "$RUNS" --style basic --export-json "$W/h.json" \
	-n k3sguard "$K3SGUARD manifests verify --root $R" \
	-n sha256sum "find $M -type f -print0 | xargs -0 sha256sum >/dev/null" \
	-n aide "aide --check -c $W/aide.conf"
mean() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .mean' "$W/h.json"; }
k=$(mean k3sguard) s=$(mean sha256sum) a=$(mean aide)
awk -v k="$k" -v s="$s" -v a="$a" 'BEGIN {
	printf "verify: k3sguard %.1f ms, sha256sum %.1f ms, aide %.1f ms\n", k * 1000, s * 1000, a * 1000
	printf "ratio k3sguard/sha256sum: %.2fx (target <= 1.0x) %s\n", k / s, (k <= s ? "MET" : "MISSED")
	printf "aide/k3sguard: %.1fx faster (target >= 10x) %s\n", a / k, (a / k >= 10 ? "MET" : "MISSED")
}'

# watch: latency write -> alert line, RSS, idle CPU
mkfifo "$W/alerts"
"$K3SGUARD" manifests watch --root "$R" >"$W/alerts" 2>"$W/watch.err" &
WPID=$!
exec 3<"$W/alerts"
while IFS= read -r line <&3; do
	case $line in *'"event":"watching"'*) break ;; esac
done
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$WPID/status")
cpu() { awk '{print $14 + $15}' "/proc/$WPID/stat"; }
c0=$(cpu); sleep 5; c1=$(cpu)
hz=$(getconf CLK_TCK)
idle=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz / 5 * 100 }')
read -r p50 p99 max < <("$W/helper" latency "$M" "$WRITES" <&3)
echo "watch: $WRITES writes, latency p50 ${p50} ms, p99 ${p99} ms, max ${max} ms (target p99 < 10 ms) $(awk -v p="$p99" 'BEGIN { print (p < 10 ? "MET" : "MISSED") }')"
echo "watch: RSS ${rss} kB on $files files; idle CPU ${idle}% over 5 s"
