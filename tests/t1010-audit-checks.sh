#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t1010: every check of the etcd, server-token, agent-token and manifests
# strategies (and the first traefik/updates checks) on fixtures where it
# passes and where it fails.  The fixtures are the example nodes, changed
# the way real nodes drift.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP"

S=var/lib/rancher/k3s/server
CFG=etc/rancher/k3s/config.yaml
UNIT=etc/systemd/system/k3s.service
ENVF=etc/systemd/system/k3s.service.env

test_expect_success 'etcd: hardened passes every etcd check, default fails the datastore ones' '
	H=$(node_root h hardened-server) && D=$(node_root d default-server) &&
	expect_check "$H" etcd.datastore-external pass &&
	expect_check "$D" etcd.datastore-external fail &&
	expect_check "$H" etcd.members pass &&
	expect_check "$D" etcd.members fail &&
	expect_check "$H" etcd.endpoint-https pass &&
	expect_check "$H" etcd.tls-flags pass &&
	expect_check "$H" etcd.tls-files pass &&
	expect_check "$H" etcd.key-mode pass &&
	expect_check "$D" etcd.wrong-flag-names pass &&
	expect_check "$D" etcd.endpoint-https skip
'

test_expect_success 'etcd.datastore-external: embedded etcd (cluster-init) fails too' '
	R=$(node_root ce default-server) &&
	echo "cluster-init: true" >>"$R/$CFG" &&
	expect_check "$R" etcd.datastore-external fail &&
	expect_check "$R" etcd.members warn
'

test_expect_success 'etcd.members: two endpoints fail' '
	R=$(node_root m2 hardened-server) &&
	sed_i "$R/$CFG" "s|^datastore-endpoint: .*|datastore-endpoint: https://etcd-1:2379,https://etcd-2:2379|" &&
	expect_check "$R" etcd.members fail &&
	grep -q "only 2 etcd members" "$TMP/audit.json"
'

test_expect_success 'etcd.endpoint-https: one http:// endpoint fails, credentials hidden' '
	R=$(node_root http hardened-server) &&
	sed_i "$R/$CFG" "s|https://etcd-2|http://k3s:s3cretpw@etcd-2|" &&
	expect_check "$R" etcd.endpoint-https fail &&
	! grep -q s3cretpw "$TMP/audit.json" "$TMP/audit.err"
'

test_expect_success 'etcd.tls-flags: no datastore-keyfile fails' '
	R=$(node_root tf hardened-server) &&
	sed_i "$R/$CFG" "/^datastore-keyfile:/d" &&
	expect_check "$R" etcd.tls-flags fail &&
	expect_check "$R" etcd.key-mode fail
'

test_expect_success 'etcd.tls-files: a missing client certificate fails' '
	R=$(node_root tfi hardened-server) &&
	rm "$R/etc/rancher/k3s/etcd/client.crt" &&
	expect_check "$R" etcd.tls-files fail
'

test_expect_success 'etcd.key-mode: a client key readable by others fails' '
	R=$(node_root km hardened-server) &&
	chmod 0644 "$R/etc/rancher/k3s/etcd/client.key" &&
	expect_check "$R" etcd.key-mode fail
'

test_expect_success 'etcd.wrong-flag-names: the seed names in config, ExecStart and env files' '
	R=$(node_root wf1 hardened-server) &&
	echo "etcd-certfile: /etc/rancher/k3s/etcd/client.crt" >>"$R/$CFG" &&
	expect_check "$R" etcd.wrong-flag-names fail &&
	grep -q "etcd-certfile at /etc/rancher/k3s/config.yaml:[0-9]* (use datastore-certfile)" "$TMP/audit.json" &&
	R=$(node_root wf2 default-server) &&
	sed_i "$R/$UNIT" "s|^    server \\\\$|    server --etcd-cafile=/etc/ca.pem \\\\|" &&
	grep -q -- "--etcd-cafile" "$R/$UNIT" &&
	expect_check "$R" etcd.wrong-flag-names fail &&
	grep -q "use datastore-cafile" "$TMP/audit.json" &&
	R=$(node_root wf3 default-server) &&
	echo "K3S_ETCD_KEYFILE=/etc/key.pem" >>"$R/$ENVF" &&
	expect_check "$R" etcd.wrong-flag-names fail &&
	grep -q "datastore-keyfile" "$TMP/audit.json"
'

test_expect_success 'server-token.file: regular file passes; a symlink or a regular node-token fails' '
	D=$(node_root d default-server) &&
	expect_check "$D" server-token.file pass &&
	R=$(node_root tl default-server) &&
	mv "$R/$S/token" "$TMP/elsewhere-token" && ln -s "$TMP/elsewhere-token" "$R/$S/token" &&
	expect_check "$R" server-token.file fail &&
	expect_check "$R" server-token.file-mode skip &&
	R=$(node_root nt default-server) &&
	rm "$R/$S/node-token" && cp "$R/$S/token" "$R/$S/node-token" &&
	expect_check "$R" server-token.file fail
'

test_expect_success 'server-token.file-mode and file-owner' '
	H=$(node_root h hardened-server) && D=$(node_root d default-server) &&
	expect_check "$H" server-token.file-mode pass &&
	expect_check "$D" server-token.file-mode fail &&
	expect_check "$D" server-token.file-owner pass &&
	R=$(node_root own hardened-server) &&
	chown 1234 "$R/$S/token" &&
	expect_check "$R" server-token.file-owner fail
'

test_expect_success 'server-token.form: secure passes, short form fails' '
	D=$(node_root d default-server) &&
	expect_check "$D" server-token.form pass &&
	R=$(node_root short default-server) &&
	sed_i "$R/$S/token" "s/^K10[0-9a-f]*::server://" &&
	expect_check "$R" server-token.form fail &&
	expect_check "$R" server-token.ca-hash skip
'

test_expect_success 'server-token.ca-hash: a token for another CA fails' '
	D=$(node_root d default-server) &&
	expect_check "$D" server-token.ca-hash pass &&
	R=$(node_root ca default-server) &&
	sed_i "$R/$S/token" "s/^K10[0-9a-f]\{8\}/K10deadbeef/" &&
	expect_check "$R" server-token.ca-hash fail
'

test_expect_success 'server-token.ca-hash: a bundle is hashed as the DER of its root (last) cert' '
	R=$(node_root bundle default-server) &&
	openssl ecparam -name prime256v1 -genkey -noout -out root.key &&
	openssl req -x509 -new -key root.key -days 30 -subj "/CN=root" -out root.crt 2>/dev/null &&
	openssl ecparam -name prime256v1 -genkey -noout -out int.key &&
	openssl req -new -key int.key -subj "/CN=intermediate" -out int.csr 2>/dev/null &&
	openssl x509 -req -in int.csr -CA root.crt -CAkey root.key -CAcreateserial -days 30 -out int.crt 2>/dev/null &&
	cat int.crt root.crt >"$R/$S/tls/server-ca.crt" &&
	h=$(openssl x509 -in root.crt -outform DER | sha256sum | cut -c1-64) &&
	pw=$(sed "s/.*:://" "$R/$S/token") &&
	echo "K10$h::$pw" >"$R/$S/token" &&
	expect_check "$R" server-token.ca-hash pass &&
	h2=$(sha256sum <"$R/$S/tls/server-ca.crt" | cut -c1-64) &&
	echo "K10$h2::$pw" >"$R/$S/token" &&
	expect_check "$R" server-token.ca-hash fail
'

test_expect_success 'server-token.plaintext: env file, config, ExecStart, agent-token equal to it' '
	H=$(node_root h hardened-server) && D=$(node_root d default-server) &&
	expect_check "$H" server-token.plaintext pass &&
	expect_check "$D" server-token.plaintext fail &&
	grep -q "K3S_TOKEN at /etc/systemd/system/k3s.service.env:1" "$TMP/audit.json" &&
	R=$(node_root ptc hardened-server) &&
	echo "token: $(cat "$R/$S/token")" >>"$R/$CFG" &&
	expect_check "$R" server-token.plaintext fail &&
	grep -q "secure server token" "$TMP/audit.json" &&
	R=$(node_root ptu hardened-server) &&
	sed_i "$R/$UNIT" "s|^    server \\\\$|    server --token plainvalue123 \\\\|" &&
	expect_check "$R" server-token.plaintext fail &&
	R=$(node_root pta hardened-server) &&
	pw=$(sed "s/.*::server://" "$R/$S/token") &&
	echo "agent-token: $pw" >>"$R/$CFG" &&
	expect_check "$R" server-token.plaintext fail
'

test_expect_success 'server-token.cred-mode' '
	H=$(node_root h hardened-server) && D=$(node_root d default-server) &&
	expect_check "$H" server-token.cred-mode pass &&
	expect_check "$D" server-token.cred-mode fail &&
	R=$(node_root cr hardened-server) &&
	chmod 0640 "$R/$S/cred/passwd" &&
	expect_check "$R" server-token.cred-mode fail
'

test_expect_success 'agent-token.plaintext-env / -unit / -config' '
	H=$(node_root h hardened-server) && D=$(node_root d default-server) &&
	expect_check "$H" agent-token.plaintext-env pass &&
	expect_check "$D" agent-token.plaintext-env fail &&
	expect_check "$D" agent-token.plaintext-unit pass &&
	expect_check "$D" agent-token.plaintext-config pass &&
	R=$(node_root au default-server) &&
	sed_i "$R/$UNIT" "s|^    server \\\\$|    server -t abcdef0123456789 \\\\|" &&
	expect_check "$R" agent-token.plaintext-unit fail &&
	R=$(node_root aue hardened-server) &&
	sed_i "$R/$UNIT" "s|^KillMode=process|Environment=K3S_AGENT_TOKEN=abcdef0123456789\nKillMode=process|" &&
	expect_check "$R" agent-token.plaintext-env fail &&
	R=$(node_root ac default-server) &&
	mkdir -p "$R/etc/rancher/k3s/config.yaml.d" &&
	echo "agent-token: K10$(printf %064d 0)::node:abc123xyz" >"$R/etc/rancher/k3s/config.yaml.d/50-agent.yaml" &&
	expect_check "$R" agent-token.plaintext-config fail &&
	grep -q "50-agent.yaml:1" "$TMP/audit.json"
'

test_expect_success 'agent-token.token-file: token-file passes; plain values or a loose token file fail' '
	H=$(node_root h hardened-server) && D=$(node_root d default-server) &&
	expect_check "$H" agent-token.token-file pass &&
	expect_check "$D" agent-token.token-file fail &&
	R=$(node_root tfm hardened-server) &&
	chmod 0644 "$R/etc/rancher/k3s/token" &&
	expect_check "$R" agent-token.token-file fail
'

test_expect_success 'agent-token.both-token-files (k3s issue 5619)' '
	H=$(node_root h hardened-server) &&
	expect_check "$H" agent-token.both-token-files pass &&
	R=$(node_root both hardened-server) &&
	echo "K3S_AGENT_TOKEN_FILE=/etc/rancher/k3s/agent-token" >>"$R/$ENVF" &&
	expect_check "$R" agent-token.both-token-files fail &&
	grep -q "k3s.service.env:1" "$TMP/audit.json"
'

test_expect_success 'agent-token.unit-mode: writable unit, or a 0644 unit holding a token, fail' '
	D=$(node_root d default-server) &&
	expect_check "$D" agent-token.unit-mode pass &&
	R=$(node_root um default-server) &&
	chmod 0666 "$R/$UNIT" &&
	expect_check "$R" agent-token.unit-mode fail &&
	R=$(node_root umt default-server) &&
	sed_i "$R/$UNIT" "s|^    server \\\\$|    server --token abcdef0123456789 \\\\|" &&
	expect_check "$R" agent-token.unit-mode fail &&
	chmod 0600 "$R/$UNIT" &&
	expect_check "$R" agent-token.unit-mode pass
'

test_expect_success 'agent-token.unit-mode: a 0644 drop-in with --token on ExecStart= fails' '
	R=$(node_root umd hardened-server) &&
	mkdir -p "$R/etc/systemd/system/k3s.service.d" &&
	printf "[Service]\nExecStart=\nExecStart=/usr/local/bin/k3s server --token abcdef0123456789\n" >"$R/etc/systemd/system/k3s.service.d/10-token.conf" &&
	chmod 0644 "$R/etc/systemd/system/k3s.service.d/10-token.conf" &&
	expect_check "$R" agent-token.unit-mode fail &&
	check_field agent-token.unit-mode evidence | grep -q "10-token.conf" &&
	chmod 0600 "$R/etc/systemd/system/k3s.service.d/10-token.conf" &&
	expect_check "$R" agent-token.unit-mode pass
'

test_expect_success 'agent-token.env-mode' '
	D=$(node_root d default-server) &&
	expect_check "$D" agent-token.env-mode pass &&
	R=$(node_root em default-server) &&
	chmod 0644 "$R/$ENVF" &&
	expect_check "$R" agent-token.env-mode fail
'

test_expect_success 'agent-token.agent-token-file: link to token passes; odd link or loose file fails' '
	D=$(node_root d default-server) &&
	expect_check "$D" agent-token.agent-token-file pass &&
	R=$(node_root atl default-server) &&
	rm "$R/$S/agent-token" && ln -s /etc/passwd "$R/$S/agent-token" &&
	expect_check "$R" agent-token.agent-token-file fail &&
	R=$(node_root atf default-server) &&
	rm "$R/$S/agent-token" && echo "K10$(printf %064d 0)::node:abc" >"$R/$S/agent-token" &&
	chmod 0644 "$R/$S/agent-token" &&
	expect_check "$R" agent-token.agent-token-file fail &&
	chmod 0600 "$R/$S/agent-token" &&
	expect_check "$R" agent-token.agent-token-file pass
'

test_expect_success 'an agent node: server-only checks skip with a reason' '
	R=$(node_root agent default-server) &&
	mv "$R/$UNIT" "$R/etc/systemd/system/k3s-agent.service" &&
	sed_i "$R/etc/systemd/system/k3s-agent.service" "s|^    server \\\\$|    agent --server https://10.0.0.1:6443 --token-file /etc/rancher/k3s/token \\\\|; s|k3s.service.env|k3s-agent.service.env|" &&
	mv "$R/$ENVF" "$R/etc/systemd/system/k3s-agent.service.env" && : >"$R/etc/systemd/system/k3s-agent.service.env" &&
	echo "K10$(printf %064d 0)::node:abc" >"$R/etc/rancher/k3s/token" && chmod 0600 "$R/etc/rancher/k3s/token" &&
	audit_json "$R" &&
	test "$(check_status server-token.file)" = skip &&
	test "$(check_status manifests.dir-mode)" = skip &&
	test "$(check_status etcd.datastore-external)" = skip &&
	grep -q "agent node" "$TMP/audit.json" &&
	test "$(check_status agent-token.token-file)" = pass
'

test_expect_success 'manifests.dir-mode and file-mode' '
	H=$(node_root h hardened-server) && D=$(node_root d default-server) &&
	expect_check "$H" manifests.dir-mode pass &&
	expect_check "$D" manifests.dir-mode fail &&
	expect_check "$H" manifests.file-mode pass &&
	expect_check "$D" manifests.file-mode fail &&
	grep -q "hello-app.yaml" "$TMP/audit.json" &&
	R=$(node_root sub hardened-server) &&
	mkdir -m 0755 "$R/$S/manifests/apps" &&
	expect_check "$R" manifests.file-mode fail
'

test_expect_success 'manifests.owner: a file owned by another user fails' '
	D=$(node_root d default-server) &&
	expect_check "$D" manifests.owner pass &&
	R=$(node_root mo hardened-server) &&
	chown 1000:1000 "$R/$S/manifests/rolebindings.yaml" &&
	expect_check "$R" manifests.owner fail
'

test_expect_success 'manifests.path-writable: an other-writable ancestor fails' '
	D=$(node_root d default-server) &&
	expect_check "$D" manifests.path-writable pass &&
	R=$(node_root pw hardened-server) &&
	chmod 0777 "$R/var/lib/rancher" &&
	expect_check "$R" manifests.path-writable fail &&
	grep -q "/var/lib/rancher" "$TMP/audit.json" &&
	R=$(node_root pwl hardened-server) &&
	mv "$R/var/lib/rancher/k3s/server" "$R/var/lib/rancher/k3s/server.real" &&
	ln -s server.real "$R/var/lib/rancher/k3s/server" &&
	expect_check "$R" manifests.path-writable fail
'

test_expect_success 'manifests.symlinks: links out of the directory fail, links inside pass' '
	D=$(node_root d default-server) &&
	expect_check "$D" manifests.symlinks pass &&
	R=$(node_root ln hardened-server) &&
	ln -s rolebindings.yaml "$R/$S/manifests/rb-link.yaml" &&
	expect_check "$R" manifests.symlinks pass &&
	ln -s ../../server/token "$R/$S/manifests/evil.yaml" &&
	expect_check "$R" manifests.symlinks fail &&
	R=$(node_root ln2 hardened-server) &&
	ln -s /tmp/x.yaml "$R/$S/manifests/abs.yaml" &&
	expect_check "$R" manifests.symlinks fail
'

test_expect_success 'manifests.file-types: a FIFO fails' '
	D=$(node_root d default-server) &&
	expect_check "$D" manifests.file-types pass &&
	R=$(node_root ff hardened-server) &&
	mkfifo -m 0600 "$R/$S/manifests/pipe.yaml" &&
	expect_check "$R" manifests.file-types fail
'

test_expect_success 'traefik.chart: passes with the packaged chart, errors when it cannot be told' '
	D=$(node_root d default-server) &&
	expect_check "$D" traefik.chart pass &&
	R=$(node_root tc default-server) &&
	sed_i "$R/$S/manifests/traefik.yaml" "s|traefik-27.0.201+up27.0.2.tgz|traefik.tgz|" &&
	expect_check "$R" traefik.chart error
'

test_expect_success 'updates.version-known: no k3s binary fails' '
	D=$(node_root d default-server) &&
	expect_check "$D" updates.version-known pass &&
	R=$(node_root nov default-server) &&
	rm "$R/usr/local/bin/k3s" &&
	expect_check "$R" updates.version-known fail
'

test_done
