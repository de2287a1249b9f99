#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/fleet.sh: `k3sguard report merge` over 500 node reports (three
# servers and agents from the example trees, audited by k3sguard), per
# output format, with hyperfine.  The goal (issue 17): under 1 s.  Not a
# test: `make bench`.
#   NODES  how many node reports (default 500)
#   RUNS   hyperfine runs per command (default 10)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$top/$B ;; esac
K3SGUARD=$B/k3sguard
NODES=${NODES:-500}
RUNS=${RUNS:-10}
command -v hyperfine >/dev/null || { echo "bench/fleet.sh: 'hyperfine' is missing" >&2; exit 2; }
[ -x "$K3SGUARD" ] || { echo "bench/fleet.sh: build k3sguard first" >&2; exit 2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/k3sguard-fleet.XXXXXX")
trap 'rm -rf "$dir"' EXIT
for ex in default-server hardened-server; do
	sh "$top/scripts/make-examples.sh" "$ex" "$dir/$ex" >/dev/null
	"$K3SGUARD" --root "$dir/$ex" audit --format json >"$dir/$ex.json" || test $? -eq 1
done
"$K3SGUARD" --root "$top/tests/fixtures/node/openrc-agent" --k3s-version v1.34.2+k3s1 \
	audit --format json >"$dir/agent.json" || test $? -eq 1
bash "$top/tests/fixtures/fleet/gen-reports.sh" "$NODES" "$dir/r" "$dir/hardened-server.json" \
	"$dir/agent.json" "$dir/agent.json" "$dir/default-server.json"
set -- "$dir"/r/*.json
echo "== report merge over $# node reports"
cmds=()
for f in text json junit prom html; do
	cmds+=("$K3SGUARD report merge --format $f -o $dir/out.$f $dir/r/*.json || test \$? -le 2")
done
hyperfine --runs "$RUNS" --warmup 1 --export-json "$dir/h.json" "${cmds[@]}"
ls -l "$dir"/out.*
worst=$(python3 -c 'import json,sys; print(max(r["mean"] for r in json.load(open(sys.argv[1]))["results"]))' "$dir/h.json")
echo "slowest format: mean ${worst}s (goal: < 1 s)"
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 1.0 else 1)' "$worst" ||
	{ echo "bench/fleet.sh: over 1 s" >&2; exit 1; }
