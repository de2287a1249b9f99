# SPDX-License-Identifier: Apache-2.0
# tests/lib-audit.sh: helpers for audit tests (source after lib.sh).
#   audit_json ROOT [ARGS...]   run 'audit --format json' on ROOT into $TMP/audit.json;
#                               its exit code in $audit_rc, stderr in $TMP/audit.err
#   check_status ID             status of check ID in $TMP/audit.json
#   expect_check ROOT ID STATUS [ARGS...]
#                               audit ROOT (with ARGS, e.g. --live) and require
#                               check ID to have STATUS
# t1099 scans tests/t*.sh for "expect_check ... ID pass|fail" lines: every
# check in the registry needs at least one of each.
PY=/usr/bin/python3

audit_json() {
	_r=$1; shift
	set +e
	"$K3SGUARD" --root "$_r" audit --format json "$@" >"$TMP/audit.json" 2>"$TMP/audit.err"
	audit_rc=$?
	set -e
	return 0
}

check_field() {
	$PY - "$TMP/audit.json" "$1" "$2" <<'PYEOF'
import json, sys
doc = json.load(open(sys.argv[1]))
for c in doc["checks"]:
    if c["id"] == sys.argv[2]:
        print(c[sys.argv[3]])
        break
else:
    print("(no such check)")
PYEOF
}

check_status() { check_field "$1" status; }

expect_check() {
	audit_json "$1" "${@:4}"
	_got=$(check_status "$2")
	if [ "$_got" != "$3" ]; then
		echo "check $2: expected $3, got $_got: $(check_field "$2" evidence)" >&2
		cat "$TMP/audit.err" >&2
		return 1
	fi
}

# sed_i FILE EXPR: edit in place, keeping the file's mode
sed_i() { sed -i "$2" "$1"; }
