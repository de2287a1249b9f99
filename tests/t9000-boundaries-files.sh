#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9000: every audit check that judges a file's mode or owner, and the
# value checks of audit-values.tab, at the boundary on both sides (issue
# 19 items 1-2): the rows are data, in
# tests/fixtures/boundaries/audit-*.tab (files: each permission bit that
# matters alone: group-only, other-only, group write vs read; the owner and
# the group; one row per side; values: the smallest change that crosses
# each limit, and the one just inside it).  A fresh copy of the example
# node per row, one audit per row, the one check's status compared.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP" || exit 1

TABS=$(ls "$TOP"/tests/fixtures/boundaries/audit-*.tab)

# pristine BASE: one build of each example node, copied per row (cp -a
# keeps modes and owners; the copy's secret store and baseline come along)
pristine() {
	[ -d "$TMP/pristine-$1" ] ||
		sh "$TOP/scripts/make-examples.sh" "$1" "$TMP/pristine-$1" >/dev/null
}

# row N ID WANT BASE ACTION: the copy, the action in it, the check's status
row() {
	_n=$1 _id=$2 _want=$3 _base=$4 _act=$5
	pristine "$_base" &&
	rm -rf "$TMP/r$_n" && cp -a "$TMP/pristine-$_base" "$TMP/r$_n" &&
	(cd "$TMP/r$_n" && S=var/lib/rancher/k3s/server E=etc/rancher/k3s &&
		eval "$_act") &&
	expect_check "$TMP/r$_n" "$_id" "$_want" &&
	rm -rf "$TMP/r$_n"
}

[ -n "${BOUNDARY_ONLY:-}" ] ||
test_expect_success 'the table has rows for both sides of every check it names' '
	cat $TABS | grep -v "^#" | awk "NF { seen[\$1 \" \" \$2] = 1; ids[\$1] = 1 }
		END { for (i in ids) if (!seen[i \" pass\"] || !seen[i \" fail\"]) { print i; bad = 1 }
		exit bad }"
'

n=0
while read -r id want base act <&3; do
	case $id in ''|'#'*) continue ;; esac
	# BOUNDARY_ONLY=ID: only that check's rows (to see one fail quickly)
	[ -z "${BOUNDARY_ONLY:-}" ] || [ "$id" = "$BOUNDARY_ONLY" ] || continue
	n=$((n + 1))
	test_expect_success "$id $want after: $act" 'row $n "$id" "$want" "$base" "$act"'
done 3< <(cat $TABS)

test_done
