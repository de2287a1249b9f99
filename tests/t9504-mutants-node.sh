#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9504: the node model at the edges the mutation run (make mutate,
# docs/testing.md) found untested.  A node with both k3s.service and
# k3s-agent.service: K3s's install.sh enables one (systemctl enable: the
# link in multi-user.target.wants), and only the enabled unit runs, so only
# its flags, Environment= and EnvironmentFile= count; the other unit's stay
# inactive.  A unit file named "k3s-.service" is no INSTALL_K3S_NAME unit
# (install.sh: SYSTEM_NAME=k3s-${INSTALL_K3S_NAME}, the name is not empty).
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1

SD=etc/systemd/system

# effective ROOT OPTION: the option's effective values, one a line (value@file)
effective() {
	k3sguard --root "$1" node --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)
for o in d["options"]:
    if o["name"] == sys.argv[1]:
        for e in o["effective"]:
            print("%s@%s" % (e["value"], e["file"]))' "$2"
}

# active ROOT: the name of the active unit (and its role)
active() {
	k3sguard --root "$1" node --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join("%s:%s" % (u["name"], u["role"]) for u in d["units"] if u["active"]))'
}

# two_units NAME: a server unit and an agent unit, each with its flags,
# Environment= and env file
two_units() {
	R=$(node_root "$1" default-server) &&
	sed "s|^    server \\\\\$|    agent --node-label from=agent-unit \\\\|" "$R/$SD/k3s.service" |
		sed "s|k3s.service.env|k3s-agent.service.env|" >"$R/$SD/k3s-agent.service" &&
	grep -q "agent --node-label from=agent-unit" "$R/$SD/k3s-agent.service" &&
	sed -i "s|^    server \\\\\$|    server --node-label from=server-unit \\\\|" "$R/$SD/k3s.service" &&
	grep -q "server --node-label from=server-unit" "$R/$SD/k3s.service" &&
	sed -i "s|^\[Service\]|[Service]\nEnvironment=K3S_NODE_NAME=agent-unit-env|" "$R/$SD/k3s-agent.service" &&
	sed -i "s|^\[Service\]|[Service]\nEnvironment=K3S_NODE_NAME=server-unit-env|" "$R/$SD/k3s.service" &&
	printf "K3S_DATASTORE_ENDPOINT=mysql://agent-env-file\n" >"$R/$SD/k3s-agent.service.env" &&
	chmod 0600 "$R/$SD/k3s-agent.service.env" &&
	mkdir -p "$R/$SD/multi-user.target.wants" &&
	echo "$R"
}

test_expect_success 'both units, k3s-agent enabled: it is the active one; k3s.service flags, Environment= and env file stay inactive' '
	R=$(two_units a) &&
	ln -s ../k3s-agent.service "$R/$SD/multi-user.target.wants/k3s-agent.service" &&
	test "$(active "$R")" = "k3s-agent.service:agent" &&
	effective "$R" node-label >l && grep -q "from=agent-unit" l && ! grep -q "from=server-unit" l &&
	effective "$R" node-name >n && grep -q "agent-unit-env" n && ! grep -q "server-unit-env" n
'

test_expect_success 'both units, k3s.service enabled: the agent unit, its Environment= and env file stay inactive' '
	R=$(two_units b) &&
	ln -s ../k3s.service "$R/$SD/multi-user.target.wants/k3s.service" &&
	test "$(active "$R")" = "k3s.service:server" &&
	effective "$R" node-label >l && grep -q "from=server-unit" l && ! grep -q "from=agent-unit" l &&
	effective "$R" node-name >n && grep -q "server-unit-env" n && ! grep -q "agent-unit-env" n &&
	effective "$R" datastore-endpoint >e && ! grep -q "agent-env-file" e
'

test_expect_success 'a unit file named k3s-.service is not read as a unit' '
	R=$(node_root c default-server) &&
	sed "s|^    server \\\\\$|    server --node-label from=empty-name \\\\|" "$R/$SD/k3s.service" \
		>"$R/$SD/k3s-.service" &&
	k3sguard --root "$R" node --format json >n.json &&
	! grep -q "k3s-.service" n.json &&
	effective "$R" node-label >l && ! grep -q "from=empty-name" l
'

# systemd.syntax(7): a comment line inside a continuation is dropped, the
# continuation goes on (systemd: config_parse() skips it, continuation kept)
test_expect_success 'a comment line inside a continued ExecStart= is dropped, the flags after it count' '
	R=$(node_root d default-server) &&
	sed -i "s|^    server \\\\\$|    server \\\\\n# --cluster-init \\\\\n    --node-label after=comment \\\\|" "$R/$SD/k3s.service" &&
	grep -q "^# --cluster-init" "$R/$SD/k3s.service" &&
	effective "$R" node-label >lc.out && grep -q "after=comment" lc.out &&
	effective "$R" cluster-init >ci.out && test ! -s ci.out
'

# K3s reads one value of a non-list option from the environment: the unit's
# later EnvironmentFile= wins (systemd: later assignments override)
test_expect_success 'the same variable in two env files: only the later file value is effective' '
	R=$(node_root e default-server) &&
	printf "K3S_NODE_NAME=from-default\n" >"$R/etc/default/k3s" 2>/dev/null ||
		{ mkdir -p "$R/etc/default" && printf "K3S_NODE_NAME=from-default\n" >"$R/etc/default/k3s"; } &&
	chmod 0600 "$R/etc/default/k3s" &&
	printf "K3S_NODE_NAME=from-service-env\n" >>"$R/$SD/k3s.service.env" &&
	effective "$R" node-name >n &&
	test "$(wc -l <n)" = 1 && grep -q "^from-service-env@" n
'

test_done
