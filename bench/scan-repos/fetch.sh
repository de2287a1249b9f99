#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/scan-repos/fetch.sh: clone the repositories of repos.tsv at their
# pinned commits (needs network) and score `k3sguard scan` on them.
#   fetch.sh DIR            clone/check out into DIR/<name>, then score.py
#                           on the labeled files (copied into DIR/labeled)
#   fetch.sh DIR --refresh  also copy the labeled files and LICENSE files
#                           over tests/fixtures/scan-repos (to update it)
# B (build dir, default build) says where k3sguard is; GIT_URL_PREFIX (default
# https://github.com/) where the repositories are cloned from (a mirror).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$top/$B ;; esac
[ $# -ge 1 ] || { echo "usage: fetch.sh DIR [--refresh]" >&2; exit 64; }
dir=$1
prefix=${GIT_URL_PREFIX:-https://github.com/}
refresh=${2:-}
mkdir -p "$dir"
grep -v '^#' "$here/repos.tsv" | while IFS=$'\t' read -r name repo commit kind license; do
	co=$dir/checkouts/$name
	if [ ! -d "$co/.git" ]; then
		git init -q "$co"
		git -C "$co" remote add origin "$prefix$repo.git"
	fi
	git -C "$co" fetch -q --depth 1 origin "$commit"
	git -C "$co" checkout -q --detach "$commit"
	test "$(git -C "$co" rev-parse HEAD)" = "$commit"
	rm -rf "$dir/labeled/$name"
	mkdir -p "$dir/labeled/$name"
	cp "$co/$license" "$dir/labeled/$name/"
	awk -F'\t' -v n="$name" '$1 == n {print $2}' "$here/files.tsv" | while read -r f; do
		mkdir -p "$dir/labeled/$name/$(dirname "$f")"
		cp "$co/$f" "$dir/labeled/$name/$f"
	done
	echo "$name: $kind at $commit"
done
if [ "$refresh" = --refresh ]; then
	rm -rf "$top/tests/fixtures/scan-repos"
	cp -R "$dir/labeled" "$top/tests/fixtures/scan-repos"
fi
exec /usr/bin/python3 "$here/score.py" "$B/k3sguard" "$dir/labeled"
