#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t1099: every check in the registry has at least one fixture where it
# passes and one where it fails: the example nodes (hardened-server passes,
# default-server fails), or a line in the shell tests
#     expect_check ROOT CHECK-ID pass|fail        (tests/lib-audit.sh)
#     test "$(status_of FILE CHECK-ID)" = pass|fail
# or a declared test file that asserts it (the "declared" table below).
# A new check without both fixtures fails here.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP"

test_expect_success 'every check id has a pass and a fail fixture' '
	audit_json "$(node_root d default-server)" && mv "$TMP/audit.json" default.json &&
	audit_json "$(node_root h hardened-server)" && mv "$TMP/audit.json" hardened.json &&
	$PY - default.json hardened.json "$TOP"/tests/t*.sh <<-PYEOF
	import json, re, sys
	d = json.load(open(sys.argv[1]))["checks"]
	h = json.load(open(sys.argv[2]))["checks"]
	ids = [c["id"] for c in d]
	assert len(ids) >= 30, ids
	# the example nodes are fixtures too: hardened-server passes, default-server fails
	seen = {(c["id"], "pass") for c in h if c["status"] == "pass"}
	seen |= {(c["id"], "fail") for c in d if c["status"] == "fail"}
	# expect_check ROOT ID STATUS (lib-audit.sh), or an assertion on a
	# status helper: test "\$(check_status ID)" = STATUS, "\$(status_of FILE ID)" = STATUS
	pats = [re.compile(r"expect_check\s+\S+\s+([a-z0-9][a-z0-9.-]*)\s+(pass|fail|error)\b"),
	        re.compile(r"(?:check_status|status_of\s+\S+)\s+([a-z0-9][a-z0-9.-]*)\)\"?\s*=\s*(pass|fail|error)\b")]
	named = set()
	for f in sys.argv[3:]:
	    text = open(f).read()
	    for pat in pats:
	        for m in pat.finditer(text):
	            named.add((m.group(1), m.group(2)))
	seen |= named
	# fixtures in tests whose assertions this scan cannot read (live
	# namespaces, their own helpers): declared here, and the named test
	# must exist and assert that status for that id
	declared = {
	    ("etcd.firewall", "pass"): "t3502-isolate-audit.sh",
	    ("etcd.firewall", "fail"): "t3502-isolate-audit.sh",
	    ("updates.data-fresh", "pass"): "t6050-update-refresh.sh",
	    ("updates.data-fresh", "warn"): "t6050-update-refresh.sh",
	}
	import os
	for (i, st), f in declared.items():
	    text = open(os.path.join(os.path.dirname(sys.argv[3]), f)).read()
	    assert i in text and re.search(r"\^" + st + r" ", text), (i, st, f)
	    seen.add((i, st))
	# informational checks that cannot fail, only pass or error: their
	# negative fixture is an error one (keep this list short, say why)
	no_fail = {
	    "traefik.chart": "identifies the chart; an unreadable traefik.yaml is an error",
	}
	# advisory checks whose negative verdict is a warning, not a failure
	warn_only = {
	    "updates.data-fresh": "stale data is a warning: the verdicts it feeds name the data date",
	}
	need = lambda i: ("pass", "error") if i in no_fail else ("pass", "warn") if i in warn_only else ("pass", "fail")
	missing = [(i, s) for i in ids for s in need(i) if (i, s) not in seen]
	assert not missing, "checks without a fixture: %s" % missing
	unknown = sorted({i for i, _ in named} - set(ids))
	assert not unknown, "fixtures for checks that do not exist: %s" % unknown
	PYEOF
'

test_expect_success 'the man page lists every check id (man/10-audit.roff)' '
	k3sguard audit --list-checks | cut -f1 >ids &&
	test -s ids &&
	while read -r id; do
		grep -q "^\\.B $id\$" "$TOP/man/10-audit.roff" ||
			{ echo "man/10-audit.roff lacks $id: run sh scripts/gen-audit-man.sh" >&2; exit 1; }
	done <ids
'

test_done
