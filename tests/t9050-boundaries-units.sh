#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9050: a node with both k3s.service and k3s-agent.service (issue 19):
# the unit that runs is the enabled one, else the first of k3s.service,
# k3s-agent.service (K3s: install.sh setup_env() names them, then
# 'systemctl enable'; ours: src/node/node-units.c node_read_units()).  The
# inactive unit's flags and env file never reach the verdicts that depend
# on the running configuration; a token written in plain text in it is
# still on disk and still fails.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP" || exit 1
U=etc/systemd/system

# with_agent_unit ROOT: a k3s-agent.service as install.sh writes it for an
# agent, with its .env, whose settings would fail the server's checks
with_agent_unit() {
	sed -e 's|k3s.service.env|k3s-agent.service.env|' \
	    -e 's|^    server \\$|    agent --datastore-endpoint=http://etcd-9.example.internal:2379 --write-kubeconfig-mode=0644 \\|' \
		"$1/$U/k3s.service" >"$1/$U/k3s-agent.service" &&
	grep -q -- "agent --datastore-endpoint=http" "$1/$U/k3s-agent.service" &&
	chmod 0644 "$1/$U/k3s-agent.service" &&
	printf "K3S_URL=https://10.0.0.1:6443\nK3S_KUBECONFIG_MODE=0644\nK3S_DATASTORE_ENDPOINT=http://etcd-8.example.internal:2379\n" \
		>"$1/$U/k3s-agent.service.env" &&
	chmod 0600 "$1/$U/k3s-agent.service.env"
}

units() {
	k3sguard --root "$1" node --format json | $PY -c '
import json, sys
print(" ".join(u["name"] + ("*" if u["active"] else "") for u in json.load(sys.stdin)["units"]))'
}

test_expect_success 'k3s.service runs (first, none enabled): the agent unit is inactive' '
	R=$(node_root a hardened-server) && with_agent_unit "$R" &&
	test "$(units "$R")" = "k3s.service* k3s-agent.service"
'

test_expect_success "the inactive unit's flags and env file do not reach the verdicts" '
	R=$(node_root b hardened-server) && with_agent_unit "$R" &&
	expect_check "$R" etcd.endpoint-https pass &&
	! check_field etcd.endpoint-https evidence | grep -q "etcd-[89]" &&
	expect_check "$R" server-token.kubeconfig-mode pass &&
	expect_check "$R" server-token.file-mode pass &&
	k3sguard --root "$R" node --format json >node.json &&
	$PY - node.json <<-\PY
	import json, sys
	d = json.load(open(sys.argv[1]))
	o = {x["name"]: x for x in d["options"]}
	for name in ("datastore-endpoint", "write-kubeconfig-mode"):
	    eff = o[name]["effective"]
	    assert [e["file"] for e in eff] == ["/etc/rancher/k3s/config.yaml"], (name, eff)
	    # seen, but not in force
	    assert any("k3s-agent" in e["file"] for e in o[name]["seen"]), (name, o[name])
	PY
'

test_expect_success 'the same node with k3s.service enabled: still the server' '
	R=$(node_root c hardened-server) && with_agent_unit "$R" &&
	mkdir -p "$R/$U/multi-user.target.wants" &&
	ln -s /$U/k3s.service "$R/$U/multi-user.target.wants/k3s.service" &&
	test "$(units "$R")" = "k3s.service* k3s-agent.service" &&
	expect_check "$R" etcd.endpoint-https pass
'

test_expect_success "k3s-agent.service enabled: it runs; its flags count, the server unit's do not" '
	R=$(node_root d hardened-server) && with_agent_unit "$R" &&
	mkdir -p "$R/$U/multi-user.target.wants" &&
	ln -s /$U/k3s-agent.service "$R/$U/multi-user.target.wants/k3s-agent.service" &&
	test "$(units "$R")" = "k3s.service k3s-agent.service*" &&
	expect_check "$R" server-token.file-mode skip &&
	check_field server-token.file-mode evidence | grep -qi agent &&
	k3sguard --root "$R" node --format json >node.json &&
	$PY - node.json <<-\PY
	import json, sys
	o = {x["name"]: x for x in json.load(open(sys.argv[1]))["options"]}
	eff = o["datastore-endpoint"]["effective"]
	assert [e["file"] for e in eff] == ["/etc/systemd/system/k3s-agent.service"], eff
	PY
'

test_expect_success 'a plain-text token in the inactive unit still fails (it is on disk)' '
	R=$(node_root e hardened-server) && with_agent_unit "$R" &&
	sed -i "s|agent --datastore-endpoint|agent --token=inactiveUnitS3cret --datastore-endpoint|" "$R/$U/k3s-agent.service" &&
	expect_check "$R" agent-token.plaintext-unit fail &&
	! grep -q inactiveUnitS3cret "$TMP/audit.json" "$TMP/audit.err"
'

test_done
