#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/fleet-gen.sh N DIR REPORT.json...: N node reports in DIR
# (node-0001.json ...), cycling through the real reports given (written by
# `k3sguard audit --format json` on the example trees), each with its own
# node name, so `report merge` sees N distinct nodes.  Used by
# bench/fleet.sh and tests/t8101.
set -eu
n=$1 dir=$2
shift 2
[ $# -ge 1 ] || { echo "usage: fleet-gen.sh N DIR REPORT.json..." >&2; exit 64; }
mkdir -p "$dir"
srcs=("$@")
for i in $(seq 1 "$n"); do
	src=${srcs[$(( (i - 1) % ${#srcs[@]} ))]}
	name=$(printf "node-%04d" "$i")
	sed "s/\"node_name\": \(null\|\"[^\"]*\"\)/\"node_name\": \"$name\"/" "$src" >"$dir/$name.json"
done
