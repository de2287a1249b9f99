#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9070: node text with ' " \ < & reaches the renderers' real consumers as
# the same text (issue 19 "Renderers"), checked by parsing the output back,
# not by grepping for an escape:
#  - HTML (audit and report merge): Python's html.parser (entities
#    decoded) must give back the node's name as text and the report file's
#    name as the exact value of its title attribute, with no element or
#    attribute the node text could have added;
#  - Prometheus (report merge --format prom): promtool imports the metrics
#    into a TSDB (tsdb create-blocks-from openmetrics) and 'tsdb dump' must
#    show the label values equal to the node's name and the file's name.
. "$(dirname "$0")/lib.sh"
for t in promtool python3; do
	has_cmd "$t" || { echo "missing '$t' (scripts/deps/reports.txt installs it)" >&2; exit 1; }
done
cd "$TMP" || exit 1

NAME='q"u\o'\''te<b>x</b>&amp;y'
FILE='rep"o'\''rt\1<i>.json'
H=$(node_root h hardened-server)
printf '%s\n' "$NAME" >"$H/etc/hostname"

# html_has FILE TEXT [ATTR-VALUE]: html.parser finds TEXT as text, no <b>/<i>
# from it, and (when given) a title attribute exactly ATTR-VALUE
html_has() {
	python3 - "$@" <<-\PY
	import sys
	from html.parser import HTMLParser
	path, text = sys.argv[1], sys.argv[2]
	title = sys.argv[3] if len(sys.argv) > 3 else None
	class P(HTMLParser):
	    def __init__(self):
	        super().__init__(convert_charrefs=True)
	        self.data, self.tags, self.titles, self.attrs = [], set(), [], set()
	    def handle_starttag(self, tag, attrs):
	        self.tags.add(tag)
	        for k, v in attrs:
	            self.attrs.add(k)
	            if k == "title":
	                self.titles.append(v)
	    def handle_data(self, d):
	        self.data.append(d)
	p = P()
	p.feed(open(path, encoding="utf-8").read())
	p.close()
	assert any(text in d for d in p.data), "text %r not found" % text
	assert not ({"b", "i"} & p.tags), p.tags
	assert not ({"o", "te", "rt"} & p.attrs), p.attrs
	if title is not None:
	    assert title in p.titles, "title %r not in %r" % (title, p.titles[:5])
	PY
}

# prom_labels FILE LABEL=VALUE...: promtool reads FILE into a TSDB; each
# LABEL has exactly VALUE on the series that carry it
prom_labels() {
	_f=$1; shift
	{ awk '/^#/ { print; next } NF { print $0 " 1700000000" }' "$_f"; echo "# EOF"; } >"$_f.om" &&
	rm -rf "$_f.db" &&
	promtool tsdb create-blocks-from openmetrics "$_f.om" "$_f.db" >/dev/null &&
	mkdir -p "$_f.db/wal" &&
	promtool tsdb dump "$_f.db" >"$_f.dump" &&
	test -s "$_f.dump" &&
	python3 - "$_f.dump" "$@" <<-\PY
	import json, re, sys
	dump = open(sys.argv[1], encoding="utf-8").read().splitlines()
	for want in sys.argv[2:]:
	    label, value = want.split("=", 1)
	    # tsdb dump quotes like Go's strconv.Quote: for printable ASCII
	    # that is json.dumps
	    needle = "%s=%s" % (label, json.dumps(value))
	    carriers = [l for l in dump if re.search(r"[{ ]%s=\"" % label, l)]
	    assert carriers, "no series with %s" % label
	    bad = [l for l in carriers if needle not in l]
	    assert not bad, "%s: %r" % (label, bad[:2])
	PY
}

test_expect_success 'audit report of the node' '
	{ k3sguard --root "$H" audit --format json >"$FILE" || test $? -eq 1; } &&
	jq -e --arg n "$NAME" "[.. | strings | select(. == \$n)] | length > 0" "$FILE" >/dev/null
'

test_expect_success 'audit --format html: html.parser gives the node name back as text' '
	{ k3sguard --root "$H" audit --format html >a.html || test $? -eq 1; } &&
	html_has a.html "$NAME"
'

test_expect_success 'report merge --format html: name as text, file name as the exact title' '
	{ k3sguard report merge --format html "$FILE" >m.html || test $? -eq 1; } &&
	html_has m.html "$NAME" "$FILE"
'

test_expect_success 'report merge --format prom: promtool stores the exact name and file labels' '
	{ k3sguard report merge --format prom "$FILE" >m.prom || test $? -eq 1; } &&
	promtool check metrics <m.prom &&
	prom_labels m.prom "node=$NAME" "report=$FILE"
'

test_done
