#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/scan.sh: `k3sguard scan` against ripgrep and GNU grep on one
# generated tree (>= 300 MB, >= 15k files: copies of /usr/include and other
# system text with planted K3s tokens), in one hyperfine run; prints the
# ratios.  rg and grep search only the secure-form regex; k3sguard applies
# its whole rule set.  Not a test: `make bench`.
#   BENCH_DIR  where the tree is built and kept (default $B/k3s-bench-scan:
#              a directory named for K3s, since where a tree sits must not
#              change what or how fast it is scanned; issue 15)
#   RUNS       hyperfine runs per command (default 10)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$top/$B ;; esac
K3SGUARD=$B/k3sguard
DIR=${BENCH_DIR:-$B/k3s-bench-scan}
RUNS=${RUNS:-10}
RE='K10[0-9a-f]{64}::[a-z0-9]+:[A-Za-z0-9._-]+'
MIN_BYTES=$((300 * 1000 * 1000))
MIN_FILES=15000

for t in hyperfine rg grep python3; do
	command -v $t >/dev/null || { echo "bench/scan.sh: '$t' is missing (scripts/install-deps)" >&2; exit 2; }
done
[ -x "$K3SGUARD" ] || { echo "bench/scan.sh: build k3sguard first" >&2; exit 2; }

tree_size() { du -sb --apparent-size "$DIR/tree" | cut -f1; }
tree_files() { find "$DIR/tree" -type f | wc -l; }

if [ ! -f "$DIR/.complete" ]; then
	echo "building the tree in $DIR (once) ..."
	rm -rf "$DIR"
	mkdir -p "$DIR/tree"
	i=0
	while :; do
		for src in /usr/include /usr/include /usr/include /usr/share/perl /usr/lib/python3; do
			[ -d "$src" ] || continue
			i=$((i + 1))
			mkdir -p "$DIR/tree/copy$i"
			cp -a "$src/." "$DIR/tree/copy$i/" 2>/dev/null || true
			if [ "$(tree_size)" -ge $MIN_BYTES ] && [ "$(tree_files)" -ge $MIN_FILES ]; then
				break 2
			fi
		done
		[ $i -lt 40 ] || { echo "bench/scan.sh: not enough source text" >&2; exit 2; }
	done
	# plant tokens in every 300th file (sorted, so the tree is reproducible):
	# the secure forms the regex finds, and short forms only k3sguard finds
	ca=$(printf 'bench CA' | sha256sum | cut -c1-64)
	find "$DIR/tree" -type f | LC_ALL=C sort | awk 'NR % 300 == 0' |
	while read -r f; do grep -Iq . "$f" && echo "$f"; done | nl -ba |
	while read -r n f; do
		case $((n % 4)) in
		0) printf '\nK3S_TOKEN=K10%s::server:benchpass%04d\n' "$ca" "$n" ;;
		1) printf '\n# join: K10%s::node:nodepass%04d\n' "$ca" "$n" ;;
		2) printf '\ntoken: "K10%s::abcdef.%016d"\n' "$ca" "$n" ;;
		3) printf '\nk3s agent --server https://10.0.0.1:6443 --token short%04d\n' "$n" ;;
		esac >>"$f"
	done
	touch "$DIR/.complete"
fi
bytes=$(tree_size) files=$(tree_files)
planted_re=$(grep -rEc "$RE" "$DIR/tree" | awk -F: '{s += $NF} END {print s}')
echo "tree: $files files, $((bytes / 1000000)) MB, $planted_re secure-form tokens planted; $(nproc) CPUs"

# the same answer first: k3sguard must find every token the regex finds
found=$("$K3SGUARD" scan --format json "$DIR/tree" | python3 -c '
import json, sys
print(sum(1 for f in json.load(sys.stdin)["findings"] if f["value"].startswith("secure")))') || true
echo "k3sguard finds $found secure-form tokens (regex: $planted_re), plus the short forms"
[ "$found" -ge "$planted_re" ] || { echo "bench/scan.sh: k3sguard missed tokens" >&2; exit 1; }

json=$DIR/hyperfine.json
hyperfine -N -i -w 2 -r "$RUNS" --export-json "$json" \
	-n k3sguard "$K3SGUARD scan $DIR/tree" \
	-n rg "rg -c '$RE' $DIR/tree" \
	-n grep "grep -rEc '$RE' $DIR/tree"
python3 - "$json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
k = r["k3sguard"]["mean"]
print()
for name in ("k3sguard", "rg", "grep"):
    m, s = r[name]["mean"], r[name]["stddev"] or 0.0
    print("%-9s %8.1f ms +- %5.1f   %5.2fx k3sguard's time" % (name, m * 1e3, s * 1e3, m / k))
print("ratio k3sguard/rg = %.2f (target <= 1.00), k3sguard/grep = %.2f" % (k / r["rg"]["mean"], k / r["grep"]["mean"]))
PY
