#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t8000: audit --format html, rendered by a real browser: Debian's chromium,
# headless, kept off the network (no sync, no component updates, no
# background networking, no QUIC, an empty profile).  --dump-dom shows what
# the browser parsed, --screenshot what a person sees (desktop and phone
# width), --print-to-pdf what prints (A4, read back with poppler).
. "$(dirname "$0")/lib.sh"

for t in chromium pdfinfo pdftotext jq timeout; do
	has_cmd "$t" || { echo "missing '$t' (scripts/deps/reports.txt installs it)" >&2; exit 1; }
done
cd "$TMP" || exit 1
D=$(node_root d default-server)
H=$(node_root h hardened-server)
# the password part of the token planted in the example: never in the page
pw=$(sed 's/.*:://; s/^server://' "$D/var/lib/rancher/k3s/server/token")

n=0
# browser ARGS... URL: one headless chromium run with its own empty profile
browser() {
	n=$((n + 1))
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-default-apps --disable-extensions --hide-scrollbars \
		--user-data-dir="$TMP/profile-$n" "$@" 2>>"$TMP/chromium.log"
}

test_expect_success 'default-server: one self-contained page, exit 1 for the failures' '
	expect_code 1 k3sguard --root "$D" audit --format html >d.html &&
	head -n1 d.html | grep -q "^<!DOCTYPE html>$" &&
	! grep -Eio "<script|<link|<iframe|<img|<object|<embed|src=|href=|url\(|@import" d.html &&
	! grep -qF "$pw" d.html &&
	{ k3sguard --root "$D" audit --format json >d.json || test $? -eq 1; }
'

test_expect_success 'the browser parses every strategy and every failed check' '
	browser --dump-dom "file://$TMP/d.html" >dom.html &&
	grep -q "<h1>k3sguard audit</h1>" dom.html &&
	jq -r ".strategies[] | .title" d.json >titles &&
	test "$(wc -l <titles)" -eq 6 &&
	while read -r t; do
		grep -qF "$(printf "%s" "$t" | sed "s/&/\&amp;/g")</h2>" dom.html || { echo "no strategy: $t"; exit 1; }
	done <titles &&
	jq -r ".checks[] | select(.status == \"fail\" or .status == \"warn\" or .status == \"error\") | .id" d.json >failed &&
	test -s failed &&
	while read -r id; do
		grep -q "<tr id=\"finding-$id\">" dom.html || { echo "no finding row: $id"; exit 1; }
	done <failed &&
	test "$(grep -c "<tr id=\"finding-" dom.html)" -eq "$(wc -l <failed)" &&
	test "$(grep -c "<tr id=\"check-" dom.html)" -eq "$(jq ".checks | length" d.json)" &&
	! grep -qF "$pw" dom.html
'

test_expect_success 'findings are sorted by severity, critical first' '
	grep -o "<tr id=\"finding-[^\"]*\"><td data-label=\"Severity\"><span class=\"sev sev-[a-z]*\"" dom.html |
		sed "s/.*sev-//; s/\"//" >order &&
	sed "s/critical/0/; s/high/1/; s/medium/2/; s/low/3/" order >rank &&
	sort -n -c rank &&
	head -n1 order | grep -qx critical
'

test_expect_success 'the seed fields: implemented and missing per strategy' '
	test "$(grep -c "<h3>Currently implemented</h3>" dom.html)" -eq 6 &&
	test "$(grep -c "<h3>Missing implementation</h3>" dom.html)" -eq 6 &&
	jq -r ".strategies[0].missing[0]" d.json >m &&
	grep -qF "$(cat m)" dom.html &&
	grep -q "<h3>Threats mitigated</h3>" dom.html
'

test_expect_success 'hardened-server: no findings, every score bar full and green' '
	k3sguard --root "$H" audit --format html >h.html &&
	browser --dump-dom "file://$TMP/h.html" >hdom.html &&
	grep -q "No check failed." hdom.html &&
	test "$(grep -c "fill=\"var(--ok)\"" hdom.html)" -eq 6 &&
	! grep -q "<tr id=\"finding-" hdom.html
'

test_expect_success 'screenshots at desktop and phone width' '
	browser --window-size=1100,1800 --screenshot="$TMP/desktop.png" "file://$TMP/d.html" &&
	browser --window-size=390,1800 --screenshot="$TMP/phone.png" "file://$TMP/d.html" &&
	for p in desktop.png phone.png; do
		test "$(head -c 8 "$p" | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a &&
		test "$(stat -c %s "$p")" -gt 20000 || exit 1
	done
'

test_expect_success 'phone width: the narrow layout, nothing wider than the screen' '
	# headless chromium keeps a minimum window width of its own: compare with the real viewport
	sed "s|</body>|<script>document.body.dataset.sw = document.documentElement.scrollWidth; document.body.dataset.iw = window.innerWidth;</script></body>|" \
		d.html >measure.html &&
	browser --window-size=390,900 --dump-dom "file://$TMP/measure.html" >mdom.html &&
	sw=$(sed -n "s/.*data-sw=\"\([0-9]*\)\".*/\1/p" mdom.html) &&
	iw=$(sed -n "s/.*data-iw=\"\([0-9]*\)\".*/\1/p" mdom.html) &&
	echo "scroll width $sw, viewport $iw" &&
	test -n "$sw" && test -n "$iw" && test "$iw" -le 700 && test "$sw" -le "$iw"
'

test_expect_success 'print: A4 pages with the findings' '
	browser --no-pdf-header-footer --print-to-pdf="$TMP/d.pdf" "file://$TMP/d.html" &&
	pdfinfo d.pdf >info &&
	grep -q "^Page size: .*(A4)" info &&
	pages=$(sed -n "s/^Pages: *//p" info) && test "$pages" -ge 2 &&
	pdftotext -layout d.pdf d.txt &&
	grep -q "Findings" d.txt && grep -q "etcd.datastore-external" d.txt &&
	! grep -qF "$pw" d.txt
'

test_expect_success 'node text is escaped, not markup' '
	X=$(node_root x default-server) &&
	printf "<b>evil</b>&node\n" >"$X/etc/hostname" &&
	k3sguard --root "$X" audit --format html >x.html || : &&
	grep -q "<dd id=\"node\">&lt;b&gt;evil&lt;/b&gt;&amp;node (node root " x.html &&
	! grep -q "<b>evil" x.html
'

test_done
