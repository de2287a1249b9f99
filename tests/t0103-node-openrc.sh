#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0103: an OpenRC agent as the install script writes it (static fixture
# tests/fixtures/node/openrc-agent): command_args over several lines with a
# log redirection, the <name>.env file it sources, config list semantics.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1

R=$TMP/agent
cp -R "$TOP/tests/fixtures/node/openrc-agent" "$R"
find "$R" -name .keep -delete
chmod 0755 "$R/etc/init.d/k3s-agent"
chmod 0600 "$R/etc/rancher/k3s/k3s-agent.env" "$R/etc/rancher/k3s/config.yaml"

test_expect_success 'OpenRC agent: role, server from K3S_URL, no datastore' '
	k3sguard --root "$R" node >out 2>err && test ! -s err &&
	grep -q "^role:        agent$" out &&
	grep -q "^datastore:   unknown (agent: no datastore)$" out &&
	grep -q "^  server = https://10.0.0.10:6443  \[env /etc/rancher/k3s/k3s-agent.env:1\]" out &&
	grep -q "/etc/init.d/k3s-agent (OpenRC, active, role agent" out
'

test_expect_success 'command_args: flags kept, redirections dropped, lines kept' '
	k3sguard --root "$R" node >out &&
	grep -q "command_args (/etc/init.d/k3s-agent:15): /usr/local/bin/k3s agent --node-label tier=edge --kubelet-arg=max-pods=40$" out &&
	grep -q "^  kubelet-arg = max-pods=40  \[unit /etc/init.d/k3s-agent:16\]" out
'

test_expect_success 'lists: config values first, then the command line' '
	k3sguard --root "$R" node --format json >out.json &&
	python3 - out.json <<-PY
	import json, sys
	j = json.load(open(sys.argv[1]))
	o = {x["name"]: x for x in j["options"]}
	assert [v["value"] for v in o["node-label"]["effective"]] == ["os=alpine", "tier=edge"], o["node-label"]
	assert [v["value"] for v in o["kubelet-arg"]["effective"]] == ["eviction-hard=memory.available<100Mi", "max-pods=40"]
	t = o["token"]["effective"][0]
	assert t["file"] == "/etc/rancher/k3s/k3s-agent.env" and t["line"] == 2 and t["kind"] == "env"
	assert "secure node token" in t["value"] or "secure" in t["value"], t["value"]
	PY
'

test_expect_success 'the agent token never shows' '
	k3sguard --root "$R" node >out && k3sguard --root "$R" node --format json >>out &&
	! grep -q "S3cret" out
'

test_done
