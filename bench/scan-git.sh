#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/scan-git.sh: `k3sguard scan --git` (every blob of the history, the
# whole rule set) against `git log -p --all | rg` (the secure-form regex
# over every patch) on one repository, in one hyperfine run.  Not a test:
# `make bench`.
#   GIT_REPO  the repository (default: this checkout's)
#   RUNS      hyperfine runs per command (default 5)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$top/$B ;; esac
K3SGUARD=$B/k3sguard
REPO=${GIT_REPO:-$top}
RUNS=${RUNS:-5}
RE='K10[0-9a-f]{64}::[a-z0-9]+:[A-Za-z0-9._-]+'

for t in hyperfine rg git python3; do
	command -v $t >/dev/null || { echo "bench/scan-git.sh: '$t' is missing (scripts/install-deps)" >&2; exit 2; }
done
[ -x "$K3SGUARD" ] || { echo "bench/scan-git.sh: build k3sguard first" >&2; exit 2; }
cd "$REPO"
echo "repository: $REPO, $(git rev-list --all | wc -l) commits"
json=$(mktemp)
trap 'rm -f "$json"' EXIT
hyperfine -N -i -w 1 -r "$RUNS" --export-json "$json" \
	-n k3sguard "$K3SGUARD scan --git" \
	-n "git log -p | rg" "bash -c \"git log -p --all | rg -c '$RE'\""
python3 - "$json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
k, g = r["k3sguard"]["mean"], r["git log -p | rg"]["mean"]
print("k3sguard scan --git %.1f ms, git log -p --all | rg %.1f ms: ratio %.2f" % (k * 1e3, g * 1e3, k / g))
PY
