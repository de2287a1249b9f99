#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0121: K3s reads an environment variable only for a flag that declares it
# (EnvVar in K3s: pkg/cli/cmds/server.go ServerFlags, agent.go
# NewAgentCommand(), config.go ConfigFlag, log.go DebugFlag).  The node
# model's table is src/node/node-env.c k3s_envs[].
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-audit.sh"
. "$TOP/tests/fixtures/fidelity/trees.sh"
cd "$TMP" || exit 1

effective() {	# ROOT OPTION: its effective values, space-separated
	"$K3SGUARD" --root "$1" node --format json 2>/dev/null | $PY -c '
import json, sys
o = {x["name"]: x for x in json.load(sys.stdin)["options"]}
print(" ".join(v["value"] for v in o.get(sys.argv[1], {}).get("effective", [])))' "$2"
}

# no flag declares K3S_DISABLE: Traefik stays enabled, its checks run
test_expect_success 'K3S_DISABLE=traefik is not read: Traefik checks do not skip' '
	fid_server dis &&
	echo K3S_DISABLE=traefik >dis/etc/systemd/system/k3s.service.env &&
	test -z "$(effective dis disable)" &&
	audit_json dis && test "$(check_status traefik.insecure-api)" != skip &&
	test "$(check_status traefik.helmchartconfig)" != skip
'

test_expect_success 'disable: traefik in config.yaml still skips them' '
	fid_server dis2 &&
	printf "disable:\n  - traefik\n" >dis2/etc/rancher/k3s/config.yaml &&
	expect_check dis2 traefik.insecure-api skip
'

# server.go DataDirFlag declares K3S_DATA_DIR only since K3s PR 10591
# (issue 10589): v1.27.16, v1.28.12, v1.29.7, v1.30.3, v1.31.0; agent.go's
# data-dir always did (node-env.c node_env_data_dir())
test_expect_success 'K3S_DATA_DIR on a server: the default data dir before v1.30.3, K3S_DATA_DIR since' '
	fid_server dd &&
	mkdir -p dd/srv/k3s/server &&
	cp -p dd/var/lib/rancher/k3s/server/token dd/srv/k3s/server/ &&
	chmod 0644 dd/var/lib/rancher/k3s/server/token &&
	echo K3S_DATA_DIR=/srv/k3s >dd/etc/systemd/system/k3s.service.env &&
	expect_check dd server-token.file-mode fail --k3s-version v1.30.2+k3s1 &&
	expect_check dd server-token.file-mode fail --k3s-version v1.29.6+k3s1 &&
	expect_check dd server-token.file-mode pass --k3s-version v1.30.3+k3s1 &&
	expect_check dd server-token.file-mode pass --k3s-version v1.27.16+k3s1 &&
	expect_check dd server-token.file-mode pass --k3s-version v1.31.0+k3s1 &&
	chmod 0600 dd/var/lib/rancher/k3s/server/token &&
	chmod 0644 dd/srv/k3s/server/token &&
	expect_check dd server-token.file-mode fail --k3s-version v1.32.1+k3s1
'

test_expect_success 'K3S_DATA_DIR on an agent is read' '
	fid_server ag &&
	sed -i "s/^    server /    agent /" ag/etc/systemd/system/k3s.service &&
	echo K3S_DATA_DIR=/srv/k3s >ag/etc/systemd/system/k3s.service.env &&
	test "$(effective ag data-dir)" = /srv/k3s
'

# K3S_AGENT_TOKEN: server.go only
test_expect_success 'K3S_AGENT_TOKEN is read by a server, not by an agent' '
	fid_server at &&
	echo K3S_AGENT_TOKEN=agentS3cret >at/etc/systemd/system/k3s.service.env &&
	test -n "$(effective at agent-token)" &&
	sed -i "s/^    server /    agent /" at/etc/systemd/system/k3s.service &&
	test -z "$(effective at agent-token)"
'

# server.go at 4dcfdfb declares K3S_CLUSTER_SECRET; at 005499a it does not
test_expect_success 'K3S_CLUSTER_SECRET sets no token on current K3s, and is still found as plain text' '
	fid_server cs &&
	echo K3S_CLUSTER_SECRET=legacyS3cret >cs/etc/systemd/system/k3s.service.env &&
	test -z "$(effective cs token)" &&
	expect_check cs server-token.plaintext fail
'

# AWS_SECRET_ACCESS_KEY is etcd-s3-secret-key's EnvVar (server.go)
test_expect_success 'AWS_SECRET_ACCESS_KEY sets etcd-s3-secret-key and never shows' '
	fid_server aws &&
	echo AWS_SECRET_ACCESS_KEY=awsS3cretKey >aws/etc/systemd/system/k3s.service.env &&
	test -n "$(effective aws etcd-s3-secret-key)" &&
	"$K3SGUARD" --root aws node >out 2>&1 && ! grep -q awsS3cretKey out
'

test_done
