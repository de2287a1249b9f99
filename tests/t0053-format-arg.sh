#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0053: one --format parser (src/cmd/format.c format_arg) for every command:
# a format a command does not offer is a one-line usage error (exit 64)
# listing the ones it does, before anything runs.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
R=$(node_root r default-server)

while IFS='|' read -r cmd want; do
	test_expect_success "$cmd --format bogus: exit 64, lists $want" '
		expect_code 64 k3sguard --root "$R" '"$cmd"' --format bogus >out 2>err &&
		one_line err && test ! -s out &&
		grep -q -- "--format: .bogus. is not '"$want"'$" err
	'
done <<'EOF_CMDS'
audit|text, json, junit, html or prom
fix|text or json
node|text or json
scan|text, json or sarif
secrets ls|text or json
token verify|text or json
traefik audit|text or json
update check|text or json
manifests verify|text or json
etcd health|text or json
etcd isolate|text or json
EOF_CMDS

test_expect_success 'a format a command offers is taken' '
	{ k3sguard --root "$R" audit --format prom >out; test $? -eq 1; } &&
	grep -q "^k3sguard_check_status" out &&
	k3sguard --root "$R" node --format json >out && python3 -m json.tool out >/dev/null
'

test_done
