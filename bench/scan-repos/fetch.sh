#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/scan-repos/fetch.sh: clone the repositories of repos.tsv at their
# pinned commits (needs network) and score `k3sguard scan` on them.
#   fetch.sh DIR            clone/check out into DIR/checkouts/<name>, then
#                           score.py on the labeled files (copied into
#                           DIR/labeled), and on those of repos-unkept.tsv
#                           (no license: DIR/unkept, labels-unkept.tsv)
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
# checkout NAME REPO COMMIT: clone or update DIR/checkouts/NAME at COMMIT
checkout() {
	local co=$dir/checkouts/$1

	if [ ! -d "$co/.git" ]; then
		git init -q "$co"
		git -C "$co" remote add origin "$prefix$2.git"
	fi
	git -C "$co" fetch -q --depth 1 origin "$3"
	git -C "$co" checkout -q --detach "$3"
	test "$(git -C "$co" rev-parse HEAD)" = "$3"
}

# copy_labeled NAME FILES OUT: the files FILES lists for NAME into OUT/NAME
copy_labeled() {
	local co=$dir/checkouts/$1

	awk -F'\t' -v n="$1" '$1 == n {print $2}' "$2" | while read -r f; do
		mkdir -p "$3/$1/$(dirname "$f")"
		cp "$co/$f" "$3/$1/$f"
	done
}

grep -v '^#' "$here/repos.tsv" | while IFS=$'\t' read -r name repo commit kind license; do
	co=$dir/checkouts/$name
	checkout "$name" "$repo" "$commit"
	rm -rf "$dir/labeled/$name"
	mkdir -p "$dir/labeled/$name"
	cp "$co/$license" "$dir/labeled/$name/"
	copy_labeled "$name" "$here/files.tsv" "$dir/labeled"
	echo "$name: $kind at $commit"
done
# repositories without a license: labeled and scored here, never kept
grep -v '^#' "$here/repos-unkept.tsv" | while IFS=$'\t' read -r name repo commit kind license; do
	checkout "$name" "$repo" "$commit"
	rm -rf "$dir/unkept/$name"
	mkdir -p "$dir/unkept/$name"
	copy_labeled "$name" "$here/files-unkept.tsv" "$dir/unkept"
	echo "$name: $kind at $commit (not kept: no license)"
done
if [ "$refresh" = --refresh ]; then
	rm -rf "$top/tests/fixtures/scan-repos"
	cp -R "$dir/labeled" "$top/tests/fixtures/scan-repos"
fi
echo "== kept repositories (tests/fixtures/scan-repos)"
/usr/bin/python3 "$here/score.py" "$B/k3sguard" "$dir/labeled" || rc=$?
echo "== repositories without a license (not kept)"
SCORE_MIN_REPOS=1 /usr/bin/python3 "$here/score.py" "$B/k3sguard" "$dir/unkept" \
    "$here/labels-unkept.tsv" || rc=$?
exit "${rc:-0}"
