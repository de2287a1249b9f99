#!/bin/bash
# t1099: every check in the registry has at least one fixture where it
# passes and one where it fails, somewhere in the shell tests: a line
#     expect_check ROOT CHECK-ID pass|fail
# (tests/lib-audit.sh).  A new check without both fixtures fails here.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP"

test_expect_success 'every check id has a pass and a fail fixture' '
	R=$(node_root d default-server) &&
	audit_json "$R" &&
	$PY - "$TMP/audit.json" "$TOP"/tests/t*.sh <<-PYEOF
	import json, re, sys
	ids = [c["id"] for c in json.load(open(sys.argv[1]))["checks"]]
	assert len(ids) >= 30, ids
	seen = set()
	pat = re.compile(r"expect_check\s+\S+\s+([a-z0-9][a-z0-9.-]*)\s+(pass|fail)\b")
	for f in sys.argv[2:]:
	    for m in pat.finditer(open(f).read()):
	        seen.add((m.group(1), m.group(2)))
	missing = [(i, s) for i in ids for s in ("pass", "fail") if (i, s) not in seen]
	assert not missing, "checks without a fixture: %s" % missing
	unknown = sorted({i for i, _ in seen} - set(ids))
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
