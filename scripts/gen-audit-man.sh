#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# gen-audit-man.sh [K3SGUARD]: rewrite the check table of man/10-audit.roff
# (between the BEGIN/END CHECKS markers) from 'k3sguard audit --list-checks',
# so the man page lists exactly the checks of the registry, each with its
# severity and, for a live check, what it reaches (network or kernel: see
# LIVE CHECKS in that page).  t1099 fails when the page and the registry
# disagree.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build/k3sguard}
page=$top/man/10-audit.roff
tmp=$page.tmp
table=$("$bin" audit --list-checks | awk -F '\t' '
	$2 != last { printf ".TP\n.B %s\n", $2; printf "Strategy: %s.\n", $2; last = $2 }
	{
		title = $4
		gsub(/\\/, "\\\\e", title)
		gsub(/-/, "\\-", title)
		reach = $5 == "root" ? "" : ", live: " $5
		printf ".RS\n.TP\n.B %s\n(%s%s) %s\n.RE\n", $1, $3, reach, title
	}')
awk -v table="$table" '
	/^\.\\" BEGIN CHECKS/ { print; print table; skip = 1; next }
	/^\.\\" END CHECKS/ { skip = 0 }
	!skip { print }' "$page" >"$tmp"
mv "$tmp" "$page"
