#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9110: the Traefik checks at the boundary on both sides (issue 19 item
# 1), as rows of data in tests/fixtures/boundaries/traefik-*.tab, read the
# way t9000 reads audit-*.tab.  A row is
#	ID WANT BASE ACTION
# BASE is GEN/STATE: the root of tests/fixtures/traefik/root.sh
# ('traefik_root DIR GEN STATE', the packaged traefik.yaml of a chart
# generation and its hardened/partial/insecure HelmChartConfig); ACTION is
# shell run in that root, with
#	$M  the manifests dir, $C its traefik-config.yaml, $T its traefik.yaml
#	val 'LINE' ...	append LINEs at the top level of the HelmChartConfig's
#			valuesContent (every fixture ends with it; LINEs are
#			indented 4 more, so '  x: 1' nests under the line before)
#	chart VERSION	the chart URLs of traefik.yaml name VERSION (as
#			t9040 does), to move to another chart generation
# One 'audit --format json' per row, the one check's status compared.
# WANT is pass, fail, warn, skip or error; each check in the tables has a
# pass row and a row of another status.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
. "$TOP/tests/fixtures/traefik/root.sh"
cd "$TMP" || exit 1

TABS=$(ls "$TOP"/tests/fixtures/boundaries/traefik-*.tab)
M=var/lib/rancher/k3s/server/manifests
C=$M/traefik-config.yaml
T=$M/traefik.yaml

val() {
	for _l in "$@"; do
		printf '    %s\n' "$_l" >>"$C" || return 1
	done
}
chart() {
	sed -i -E "s/traefik(-crd)?-[0-9][^/]*\.tgz/traefik\1-$1.tgz/" "$T" &&
	grep -q "traefik-$1.tgz" "$T"
}

# row N ID WANT BASE ACTION
row() {
	_n=$1 _id=$2 _want=$3 _base=$4 _act=$5
	traefik_root "$TMP/r$_n" "${_base%/*}" "${_base#*/}" &&
	(cd "$TMP/r$_n" && eval "$_act") &&
	expect_check "$TMP/r$_n" "$_id" "$_want" &&
	rm -rf "$TMP/r$_n"
}

[ -n "${BOUNDARY_ONLY:-}" ] ||
test_expect_success 'the tables have a pass row and a row of another status for each check' '
	cat $TABS | grep -v "^#" | awk "NF { ids[\$1] = 1; if (\$2 == \"pass\") p[\$1] = 1; else o[\$1] = 1 }
		END { for (i in ids) if (!p[i] || !o[i]) { print i; bad = 1 }
		exit bad }"
'

n=0
while read -r id want base act <&3; do
	case $id in ''|'#'*) continue ;; esac
	[ -z "${BOUNDARY_ONLY:-}" ] || [ "$id" = "$BOUNDARY_ONLY" ] || continue
	n=$((n + 1))
	test_expect_success "$id $want on $base after: $act" 'row $n "$id" "$want" "$base" "$act"'
done 3< <(cat $TABS)

test_done
