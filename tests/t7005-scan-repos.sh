#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t7005: precision and recall on ten labeled public K3s infrastructure
# repositories (bench/scan-repos, files kept in tests/fixtures/scan-repos
# with their licenses): targets 0.95 and 0.90 (issue 15).
. "$(dirname "$0")/lib.sh"

FIX=$TOP/tests/fixtures/scan-repos
BENCH=$TOP/bench/scan-repos
cd "$TMP"

test_expect_success 'every repository of repos.tsv is kept with its license' '
	grep -v "^#" "$BENCH/repos.tsv" >repos &&
	test "$(wc -l <repos)" -ge 10 &&
	while IFS="	" read -r name repo commit kind license; do
		test -s "$FIX/$name/$license" &&
		echo "$commit" | grep -qE "^[0-9a-f]{40}$" || { echo "$name"; exit 1; }
	done <repos
'

test_expect_success 'every labeled line exists in its fixture and has a reason' '
	grep -v "^#" "$BENCH/labels.tsv" | while IFS="	" read -r file line rule reason; do
		test -n "$reason" &&
		test "$(wc -l <"$FIX/$file")" -ge $((line - 1)) || { echo "$file:$line"; exit 1; }
	done
'

test_expect_success 'precision >= 0.95 and recall >= 0.90' '
	{ /usr/bin/python3 "$BENCH/score.py" "$K3SGUARD" "$FIX" >score.out ||
	    { cat score.out; exit 1; }; } &&
	cat score.out >"$TMP/score.txt" &&
	grep -q "^precision" score.out
'

test_expect_success 'the scorer fails on misses and on false positives' '
	cp "$BENCH/labels.tsv" labels &&
	for i in 1 2 3 4 5 6; do
		printf "k3s-io+k3s-ansible/README.md\t14$i\tk3s-datastore-password\tinvented\n"
	done >>labels &&
	expect_code 1 /usr/bin/python3 "$BENCH/score.py" "$K3SGUARD" "$FIX" labels >bad.out &&
	grep -q "^missed: k3s-io+k3s-ansible/README.md:141" bad.out &&
	grep -v "^alexellis" "$BENCH/labels.tsv" >labels2 &&
	expect_code 1 /usr/bin/python3 "$BENCH/score.py" "$K3SGUARD" "$FIX" labels2 >bad2.out &&
	grep -q "^false positive (not labeled): alexellis+k3sup/cmd/join_test.go:23" bad2.out
'

test_done
