#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0106: node-model parse bugs the fuzz harnesses found (issue 13, item 7;
# reproducers in tests/fuzz/crashes/, now seeds): each once let a verdict
# rest on something K3s would not do.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
ENV=/etc/systemd/system/k3s.service.env
UNIT=/etc/systemd/system/k3s.service

role_of_unit() {
	k3sguard --root "$1" node --format json | python3 -c "
import json, sys
print([u['role'] for u in json.load(sys.stdin)['units'] if u['name'] == 'k3s.service'][0])"
}

# sh (OpenRC sources env files) takes any blanks after "export": the token
# is K3S_TOKEN's, and the plain-text token check must see it; other white
# space after the blank (fuzz-envfile's form feed) is trimmed too
for sep in "  " "$(printf '\t')" " $(printf '\t') " " $(printf '\f\v')"; do
	test_expect_success "export with blanks '$(printf %s "$sep" | od -An -c | tr -s " ")' before the name: still K3S_TOKEN" '
		R=$(node_root r default-server) &&
		printf "export%sK3S_TOKEN=0eef365b010205985cef3526e4adff0f\n" "$sep" >"$R$ENV" &&
		{ k3sguard --root "$R" audit --format json >a.json; test $? -eq 1; } &&
		python3 - a.json <<-\PYEOF
		import json, sys
		c = {c["id"]: c for c in json.load(open(sys.argv[1]))["checks"]}
		assert c["server-token.plaintext"]["status"] == "fail", c["server-token.plaintext"]
		assert "K3S_TOKEN at" in c["server-token.plaintext"]["evidence"], c["server-token.plaintext"]
		PYEOF
	'
done

# systemd: an empty ExecStart= in a drop-in clears the command, and with it
# the role that command gave; a later ExecStart= gives the role again
test_expect_success 'a drop-in that clears ExecStart= clears the role too' '
	R=$(node_root r default-server) &&
	test "$(role_of_unit "$R")" = server &&
	mkdir -p "$R$UNIT.d" &&
	printf "[Service]\nExecStart=\n" >"$R$UNIT.d/50-clear.conf" &&
	test "$(role_of_unit "$R")" != server &&
	printf "[Service]\nExecStart=\nExecStart=/usr/local/bin/k3s agent\n" >"$R$UNIT.d/50-clear.conf" &&
	test "$(role_of_unit "$R")" = agent
'

test_expect_success 'an unterminated quote in a drop-in ExecStart= leaves no role behind' '
	R=$(node_root r default-server) &&
	mkdir -p "$R$UNIT.d" &&
	printf "[Service]\nExecStart=\nExecStart=/usr/local/bin/k3s \"server\n" >"$R$UNIT.d/50-bad.conf" &&
	test "$(role_of_unit "$R")" != server
'

test_done
