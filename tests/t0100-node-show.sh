#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0100: 'k3sguard node' on an install-script-style server: the merge as K3s
# does it, origins, text and JSON, and no secret in any output.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/node/server-tree.sh"
cd "$TMP" || exit 1

R=$TMP/node
make_server_tree "$R"
k3s_double "$R" 'echo "k3s version v1.32.11+k3s3 (0123abcd)"; echo "go version go1.23.6"'

test_expect_success 'node prints the merged model (text)' '
	k3sguard --root "$R" node >out 2>err &&
	test ! -s err &&
	grep -q "^role:        server$" out &&
	grep -q "^k3s version: v1.32.11+k3s3$" out &&
	grep -q "^datastore:   external-sql (datastore-endpoint (kine))$" out &&
	grep -q "^data dir:    /var/lib/rancher/k3s (default)$" out &&
	grep -q "write-kubeconfig-mode = 0644  \[unit /etc/systemd/system/k3s.service:27\]" out &&
	grep -q "node-name = node-from-dropin  \[drop-in /etc/rancher/k3s/config.yaml.d/20-name.yaml:1\]" out &&
	grep -q "node-label = zone=b  \[drop-in /etc/rancher/k3s/config.yaml.d/10-labels.yaml:2\]" out &&
	grep -q "node-label = tier=a  \[config /etc/rancher/k3s/config.yaml:7\]" out &&
	grep -q "tls-san = unit.example" out && grep -q "tls-san = cfg.example" out &&
	grep -q "server/node-token .*symlink 0777 .* -> /var/lib/rancher/k3s/server/token" out
'

test_expect_success 'token values are described, never shown (text)' '
	k3sguard --root "$R" node >out 2>&1 &&
	! grep -i "s3cret" out &&
	grep -q "token = secure server token" out &&
	grep -q "datastore-endpoint = postgres://k3s:REDACTED@db.example:5432/k3s" out &&
	grep -q "K3S_AGENT_TOKEN = " out &&
	grep -q "agent-token = short-form token .*\[unit /etc/systemd/system/k3s.service:30\]" out
'

test_expect_success 'unit flag wins over config and env for token' '
	k3sguard --root "$R" node >out &&
	grep -q "^  token = .*\[unit /etc/systemd/system/k3s.service:25\]" out &&
	grep -q "^  token = .*\[env /etc/systemd/system/k3s.service.env:1\]" out &&
	grep -q "^  token = .*\[config /etc/rancher/k3s/config.yaml:2\]" out
'

test_expect_success 'JSON output parses and holds no secret' '
	k3sguard --root "$R" node --format json >out.json &&
	! grep -i "s3cret" out.json &&
	python3 - out.json <<-PY
	import json, sys
	j = json.load(open(sys.argv[1]))
	assert j["role"] == "server", j["role"]
	assert j["k3s_version"] == "v1.32.11+k3s3"
	assert j["datastore"] == "external-sql"
	opts = {o["name"]: o for o in j["options"]}
	eff = opts["node-name"]["effective"][0]
	assert eff["file"] == "/etc/rancher/k3s/config.yaml.d/20-name.yaml" and eff["line"] == 1, eff
	assert [v["value"] for v in opts["node-label"]["effective"]] == ["tier=a", "zone=b"]
	assert len(opts["token"]["seen"]) == 3
	assert opts["token"]["effective"][0]["kind"] == "unit"
	assert j["units"][0]["active"] is True and j["units"][0]["exec_line"] == 23
	assert j["errors"] == []
	files = {f["id"]: f for f in j["files"]}
	assert files["server/token"]["stat"]["mode"] == "0600"
	assert files["server/node-token"]["link_target"] == "/var/lib/rancher/k3s/server/token"
	PY
'

test_expect_success '--data-dir overrides the config' '
	k3sguard --root "$R" --data-dir /srv/k3s node >out &&
	grep -q "^data dir:    /srv/k3s (--data-dir)$" out &&
	grep -q "server/token .*/srv/k3s/server/token: missing" out
'

test_expect_success 'an empty root is a node with nothing: exit 0, version unknown' '
	mkdir -p "$TMP/empty" &&
	k3sguard --root "$TMP/empty" node >out &&
	grep -q "^role:        unknown$" out && grep -q "^k3s version: unknown$" out
'

test_expect_success 'a root that does not exist: one line, exit 2' '
	expect_code 2 k3sguard --root "$TMP/nope" node >out 2>err &&
	one_line err && grep -q "$TMP/nope" err && test ! -s out
'

test_expect_success 'bad --format is a usage error' '
	expect_code 64 k3sguard --root "$R" node --format yaml 2>err &&
	grep -q "text or json" err
'

test_expect_success 'node --help' '
	k3sguard node --help >out && grep -q "usage: k3sguard node" out
'

test_done
