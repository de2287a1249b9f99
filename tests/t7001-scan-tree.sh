#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t7001: the parallel walk on a generated tree: every planted token is found
# at the line grep finds it on, whatever the number of workers, in small
# files, large (mapped) files, deep and wide directories.
. "$(dirname "$0")/lib.sh"

H=ef415f2d986e79275d1bd067fec6a5f7738f26b4af083ba05bf10c4407c41a28
cd "$TMP"

test_expect_success 'generate a tree with planted tokens' '
	mkdir -p tree/wide &&
	for d in 1 2 3 4 5 6 7 8; do
		p=tree/d$d/a/b/c; mkdir -p $p &&
		for f in $(seq 1 40); do
			seq 1 $((f * 7)) | sed "s/^/int v${d}_${f}_/; s/$/ = 0;/" >$p/f$f.c
		done
	done &&
	for f in $(seq 1 300); do printf "text %s\nmore\nend\n" $f >tree/wide/w$f.txt; done &&
	n=0 &&
	for t in tree/d1/a/b/c/f3.c tree/d4/a/b/c/f40.c tree/d8/a/b/c/f1.c tree/wide/w77.txt tree/wide/w300.txt; do
		n=$((n + 1)) &&
		sed -i "2a token = \"K10$H::server:planted$n\"" $t
	done &&
	# a file over the read limit is mapped, not read
	{ seq 1 1200000 | sed "s/^/line /"; echo "  K10$H::node:bigfile1"; } >tree/big.log &&
	test "$(stat -c %s tree/big.log)" -gt $((8 * 1024 * 1024))
'

test_expect_success 'all planted tokens found at the lines grep reports, with any -j' '
	grep -rnoE "K10[0-9a-f]{64}::[a-z]+:[a-z0-9]+" tree | awk -F: "{print \$1\":\"\$2}" | sort >want &&
	{ test "$(wc -l <want)" -eq 6 || { cat want; exit 1; }; } &&
	for j in 1 2 7; do
		expect_code 1 k3sguard scan -j$j --format json tree >out.json &&
		/usr/bin/python3 -c "
import json, sys
for f in json.load(open(\"out.json\"))[\"findings\"]:
    print(\"%s:%d\" % (f[\"file\"], f[\"line\"]))" | sort >got &&
		diff -u want got || { echo "with -j$j"; exit 1; }
	done
'

test_expect_success 'file and byte counts match the tree' '
	k3sguard scan tree >out.txt || test $? -eq 1 &&
	files=$(find tree -type f | wc -l) &&
	bytes=$(find tree -type f -printf "%s\n" | awk "{s+=\$1} END {print s}") &&
	tail -n 1 out.txt | grep -q "scanned $files files ($bytes bytes)"
'

test_done
