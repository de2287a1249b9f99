#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0125: node trees written by K3s's own install.sh, not by hand.
# tests/fixtures/k3s-install/install.sh is K3s's script (README.md there
# names the commit); sandbox.sh runs it in a private mount namespace,
# chrooted into an overlay of this host's "/", and copies what it wrote
# into a tree (the stubs it needs, and why, are listed in sandbox.sh).
# Each test installs one variant operators use and asserts what
# 'k3sguard node' models (unit, role, options and where they come from)
# and the audit verdicts that depend on it.  Ours: src/node/ (node-units.c
# node_read_units(), node-envfile.c, node-merge-units.c, node-config.c).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-audit.sh"
cd "$TMP" || exit 1

SB=$TOP/tests/fixtures/k3s-install/sandbox.sh
SQ="'"
H=K10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa

# inst [--openrc] [--mkdir DIR] TREE [NAME=VALUE ...] [-- ARGS]: install.sh into TREE
inst() { bash "$SB" "$@" >/dev/null; }

# nj ROOT 'PYTHON': assertions on 'node --format json' of ROOT: d is the
# document, o maps an option name to its effective values, u is the active unit
nj() {
	"$K3SGUARD" --root "$1" node --format json >"$TMP/node.json" &&
	$PY - "$TMP/node.json" "$2" <<-'PYEOF'
	import json, sys
	d = json.load(open(sys.argv[1]))
	o = {x["name"]: x["effective"] for x in d["options"]}
	act = [x for x in d["units"] if x["active"]]
	u = act[0] if act else None
	exec(sys.argv[2])
	PYEOF
}

# no_secret ROOT TEXT: TEXT is in no output of node and audit (text, json)
no_secret() {
	for f in text json; do
		"$K3SGUARD" --root "$1" node --format $f >"$TMP/out" 2>&1 || :
		! grep -qF -- "$2" "$TMP/out" || return 1
		"$K3SGUARD" --root "$1" audit --format $f >"$TMP/out" 2>&1 || :
		! grep -qF -- "$2" "$TMP/out" || return 1
	done
}

if [ "$(id -u)" != 0 ] || ! has_cmd unshare || ! inst "$TMP/probe"; then
	test_skip 'install.sh trees' 'needs root, unshare -m, tmpfs and overlay mounts'
	test_done
fi

test_expect_success 'sandbox: install.sh wrote only its unit, env file, binaries and links' '
	! grep -v -e "^/etc$" -e "^/etc/systemd$" -e "^/etc/systemd/system" \
		-e "^/usr$" -e "^/usr/local$" -e "^/usr/local/bin" probe.files &&
	grep -qx /etc/systemd/system/k3s.service probe.files &&
	grep -qx /etc/systemd/system/k3s.service.env probe.files &&
	grep -qx /usr/local/bin/k3s-killall.sh probe.files &&
	grep -qx "/usr/local/bin/k3s-uninstall.sh" probe.files &&
	grep -qx "systemctl enable /etc/systemd/system/k3s.service" probe.calls &&
	test "$(readlink probe/etc/systemd/system/multi-user.target.wants/k3s.service)" = \
		/etc/systemd/system/k3s.service
'

test_expect_success 'server, defaults: k3s.service, role server, sqlite, no token anywhere' '
	inst srv &&
	nj srv "
assert d[\"role\"] == \"server\", d[\"role\"]
assert [x[\"name\"] for x in d[\"units\"]] == [\"k3s.service\"]
assert u[\"name\"] == \"k3s.service\" and u[\"kind\"] == \"systemd\" and u[\"role\"] == \"server\", u
assert u[\"command\"] == \"/usr/local/bin/k3s server\", u[\"command\"]
assert u[\"env_files\"][-1] == \"/etc/systemd/system/k3s.service.env\", u
assert d[\"datastore\"] == \"sqlite\", d[\"datastore\"]
assert d[\"k3s_version\"] == \"v1.31.4+k3s1\", d[\"k3s_version\"]
assert o == {}, o
e = [x for x in d[\"env_files\"] if x[\"path\"] == \"/etc/systemd/system/k3s.service.env\"][0]
assert e[\"stat\"][\"mode\"] == \"0600\" and e[\"vars\"] == [], e
" &&
	expect_check srv server-token.plaintext pass &&
	expect_check srv agent-token.plaintext-env pass &&
	expect_check srv agent-token.env-mode pass &&
	expect_check srv agent-token.unit-mode pass &&
	expect_check srv etcd.datastore-external fail
'

test_expect_success 'agent: K3S_URL + K3S_TOKEN land in k3s-agent.service.env, quoted by sh' '
	inst agent K3S_URL=https://10.0.0.1:6443 "K3S_TOKEN=$H::node:agentS3cretPW" &&
	grep -qx "K3S_TOKEN=$SQ$H::node:agentS3cretPW$SQ" agent/etc/systemd/system/k3s-agent.service.env &&
	nj agent "
assert d[\"role\"] == \"agent\", d[\"role\"]
assert u[\"name\"] == \"k3s-agent.service\" and u[\"role\"] == \"agent\", u
assert o[\"server\"][0][\"value\"] == \"https://10.0.0.1:6443\", o[\"server\"]
t = o[\"token\"][0]
assert t[\"file\"] == \"/etc/systemd/system/k3s-agent.service.env\" and t[\"kind\"] == \"env\", t
assert t[\"value\"].startswith(\"secure node token (CA aaaaaaaaaaaa\"), t
" &&
	expect_check agent agent-token.plaintext-env fail &&
	expect_check agent agent-token.token-file fail &&
	expect_check agent agent-token.env-mode pass &&
	no_secret agent agentS3cretPW
'

test_expect_success 'INSTALL_K3S_EXEC flags: each word of ExecStart= read, with its line' '
	inst flags "INSTALL_K3S_EXEC=--token tokS3cretPW --datastore-endpoint=postgres://k3s:dbPassw0rd@db:5432/k3s --disable traefik --write-kubeconfig-mode 644 --secrets-encryption --selinux" &&
	nj flags "
assert u[\"name\"] == \"k3s.service\" and u[\"role\"] == \"server\", u
v = lambda k: [x[\"value\"] for x in o[k]]
assert o[\"token\"][0][\"kind\"] == \"unit\" and o[\"token\"][0][\"line\"] == 31, o[\"token\"]
assert v(\"datastore-endpoint\") == [\"postgres://k3s:REDACTED@db:5432/k3s\"], v(\"datastore-endpoint\")
assert v(\"disable\") == [\"traefik\"], v(\"disable\")
assert v(\"write-kubeconfig-mode\") == [\"644\"], v(\"write-kubeconfig-mode\")
assert v(\"secrets-encryption\") == [\"true\"] and v(\"selinux\") == [\"true\"], o
assert d[\"datastore\"] == \"external-sql\", d[\"datastore\"]
" &&
	expect_check flags server-token.plaintext fail &&
	expect_check flags agent-token.plaintext-unit fail &&
	expect_check flags agent-token.unit-mode fail &&
	expect_check flags server-token.kubeconfig-mode fail &&
	expect_check flags traefik.chart pass &&
	test "$(check_status etcd.datastore-external)" = warn &&
	no_secret flags tokS3cretPW && no_secret flags dbPassw0rd
'

test_expect_success 'INSTALL_K3S_NAME=edge: k3s-edge.service and its env file are the node' '
	inst named INSTALL_K3S_NAME=edge K3S_TOKEN=edgeS3cretPW &&
	nj named "
assert [x[\"name\"] for x in d[\"units\"]] == [\"k3s-edge.service\"] and u, d[\"units\"]
assert o[\"token\"][0][\"file\"] == \"/etc/systemd/system/k3s-edge.service.env\", o[\"token\"]
" &&
	expect_check named server-token.plaintext fail
'

test_expect_success 'INSTALL_K3S_TYPE=exec: Type=exec, the same node' '
	inst exectype INSTALL_K3S_TYPE=exec &&
	grep -qx "Type=exec" exectype/etc/systemd/system/k3s.service &&
	nj exectype "
assert u[\"name\"] == \"k3s.service\" and u[\"role\"] == \"server\" and o == {}, (u, o)
"
'

test_expect_success 'K3S_TOKEN_FILE: token-file from the env file; the file it names is judged' '
	inst tfile K3S_TOKEN_FILE=/etc/rancher/k3s/token-file &&
	nj tfile "
assert [x[\"value\"] for x in o[\"token-file\"]] == [\"/etc/rancher/k3s/token-file\"], o
assert \"token\" not in o, o
" &&
	mkdir -p tfile/etc/rancher/k3s &&
	echo "$H::server:fileS3cretPW" >tfile/etc/rancher/k3s/token-file &&
	chmod 0600 tfile/etc/rancher/k3s/token-file &&
	expect_check tfile agent-token.token-file pass &&
	expect_check tfile server-token.plaintext pass &&
	chmod 0644 tfile/etc/rancher/k3s/token-file &&
	expect_check tfile agent-token.token-file fail
'

test_expect_success 'K3S_CONFIG_FILE: that file and its .d drop-ins, not config.yaml' '
	inst cfg K3S_CONFIG_FILE=/etc/k3s/custom.yaml &&
	mkdir -p cfg/etc/k3s/custom.yaml.d cfg/etc/rancher/k3s &&
	printf "token: cfgS3cretPW\nwrite-kubeconfig-mode: \"0600\"\n" >cfg/etc/k3s/custom.yaml &&
	printf "disable:\n- traefik\n" >cfg/etc/k3s/custom.yaml.d/10-no-traefik.yaml &&
	printf "write-kubeconfig-mode: \"0644\"\n" >cfg/etc/rancher/k3s/config.yaml &&
	nj cfg "
assert d[\"config_path\"] == \"/etc/k3s/custom.yaml\" and d[\"config_explicit\"], d[\"config_path\"]
assert d[\"config_files\"] == [\"/etc/k3s/custom.yaml\", \"/etc/k3s/custom.yaml.d/10-no-traefik.yaml\"], d[\"config_files\"]
assert [x[\"value\"] for x in o[\"write-kubeconfig-mode\"]] == [\"0600\"], o[\"write-kubeconfig-mode\"]
assert o[\"token\"][0][\"file\"] == \"/etc/k3s/custom.yaml\", o[\"token\"]
" &&
	expect_check cfg agent-token.plaintext-config fail &&
	expect_check cfg traefik.chart pass &&
	no_secret cfg cfgS3cretPW
'

test_expect_success 'K3S_KUBECONFIG_MODE=644 (the K3s docs example): read from the env file' '
	inst kcm K3S_KUBECONFIG_MODE=644 &&
	nj kcm "
w = o[\"write-kubeconfig-mode\"][0]
assert w[\"value\"] == \"644\" and w[\"file\"] == \"/etc/systemd/system/k3s.service.env\", w
" &&
	expect_check kcm server-token.kubeconfig-mode fail
'

test_expect_success 'K3S_URL + K3S_TOKEN with "server": a joining server on embedded etcd' '
	inst join K3S_URL=https://10.0.0.1:6443 K3S_TOKEN=joinS3cretPW -- server &&
	nj join "
assert u[\"name\"] == \"k3s.service\" and d[\"role\"] == \"server\", u
assert d[\"datastore\"] == \"embedded-etcd\", d[\"datastore\"]
" &&
	expect_check join server-token.plaintext fail &&
	expect_check join etcd.datastore-external fail
'

test_expect_success 'script arguments with a quote and a space: one word each, as systemd splits' '
	inst args -- server --token "it${SQ}s s3cretPW" --node-label "a=b c" &&
	nj args "
assert [x[\"value\"] for x in o[\"node-label\"]] == [\"a=b c\"], o[\"node-label\"]
assert o[\"token\"][0][\"line\"] == 31, o[\"token\"]
" &&
	expect_check args agent-token.plaintext-unit fail &&
	no_secret args "s3cretPW"
'

test_expect_success 'OpenRC agent: /etc/init.d/k3s-agent, enabled, /etc/rancher/k3s/k3s-agent.env' '
	inst --openrc orc K3S_URL=https://10.0.0.1:6443 K3S_TOKEN=orcS3cretPW &&
	test "$(readlink orc/etc/runlevels/default/k3s-agent)" = /etc/init.d/k3s-agent &&
	nj orc "
assert u[\"name\"] == \"k3s-agent\" and u[\"kind\"] == \"openrc\" and u[\"role\"] == \"agent\", u
assert u[\"env_files\"] == [\"/etc/rancher/k3s/k3s-agent.env\"], u
assert o[\"token\"][0][\"file\"] == \"/etc/rancher/k3s/k3s-agent.env\", o[\"token\"]
assert o[\"server\"][0][\"value\"] == \"https://10.0.0.1:6443\", o[\"server\"]
" &&
	expect_check orc agent-token.plaintext-env fail &&
	expect_check orc agent-token.env-mode pass
'

test_expect_success 'OpenRC server with INSTALL_K3S_EXEC: command_args as install.sh escapes it' '
	inst --openrc orcs "INSTALL_K3S_EXEC=--token orcsS3cretPW --disable=traefik --write-kubeconfig-mode=0644" &&
	nj orcs "
assert u[\"name\"] == \"k3s\" and u[\"role\"] == \"server\", u
assert [x[\"value\"] for x in o[\"disable\"]] == [\"traefik\"], o
assert [x[\"value\"] for x in o[\"write-kubeconfig-mode\"]] == [\"0644\"], o
assert o[\"token\"][0][\"file\"] == \"/etc/init.d/k3s\", o[\"token\"]
" &&
	expect_check orcs agent-token.plaintext-unit fail &&
	expect_check orcs agent-token.unit-mode fail &&
	expect_check orcs server-token.kubeconfig-mode fail &&
	expect_check orcs traefik.chart pass &&
	no_secret orcs orcsS3cretPW
'

test_expect_success 'INSTALL_K3S_BIN_DIR=/opt/bin: the binary is the unit'"'"'s, its version read from it' '
	inst --bin-dir /opt/bin bindir INSTALL_K3S_BIN_DIR=/opt/bin &&
	test -x bindir/opt/bin/k3s && test -x bindir/opt/bin/k3s-uninstall.sh &&
	nj bindir "
assert u[\"command\"] == \"/opt/bin/k3s server\", u[\"command\"]
assert d[\"k3s_bin\"] == \"/opt/bin/k3s\" and d[\"k3s_version\"] == \"v1.31.4+k3s1\", d
" &&
	expect_check bindir updates.version-known pass
'

test_expect_success 'K3S_TOKEN_FILE and K3S_AGENT_TOKEN_FILE on a server: the k3s 5619 trap' '
	inst both K3S_TOKEN_FILE=/etc/rancher/k3s/token K3S_AGENT_TOKEN_FILE=/etc/rancher/k3s/agent-token &&
	expect_check both agent-token.both-token-files fail
'

test_expect_success 'INSTALL_K3S_EXEC="server --cluster-init": embedded etcd' '
	inst cinit "INSTALL_K3S_EXEC=server --cluster-init" &&
	nj cinit "assert d[\"datastore\"] == \"embedded-etcd\", d[\"datastore\"]" &&
	expect_check cinit etcd.datastore-external fail
'

test_expect_success 'agent with K3S_TOKEN_FILE: token-file from the env file, no plain-text token' '
	inst atf K3S_URL=https://10.0.0.1:6443 K3S_TOKEN_FILE=/etc/rancher/k3s/node-token &&
	nj atf "
assert u[\"name\"] == \"k3s-agent.service\" and \"token\" not in o, (u, o)
assert o[\"token-file\"][0][\"value\"] == \"/etc/rancher/k3s/node-token\", o
" &&
	expect_check atf agent-token.plaintext-env pass
'

test_expect_success 'OpenRC with K3S_CONFIG_FILE: the sourced env file names the config' '
	inst --openrc orcc K3S_CONFIG_FILE=/etc/k3s/edge.yaml &&
	mkdir -p orcc/etc/k3s && echo "write-kubeconfig-mode: \"0644\"" >orcc/etc/k3s/edge.yaml &&
	nj orcc "
assert d[\"config_path\"] == \"/etc/k3s/edge.yaml\", d[\"config_path\"]
assert o[\"config\"][0][\"file\"] == \"/etc/rancher/k3s/k3s.env\", o
" &&
	expect_check orcc server-token.kubeconfig-mode fail
'

test_expect_success 'install.sh run twice (k3s, then INSTALL_K3S_NAME=b): both enabled, the options are unknown, no pass' '
	inst twice "INSTALL_K3S_EXEC=--write-kubeconfig-mode 0600" &&
	inst twice INSTALL_K3S_NAME=b "INSTALL_K3S_EXEC=--write-kubeconfig-mode 0644" &&
	test -L twice/etc/systemd/system/multi-user.target.wants/k3s.service &&
	test -L twice/etc/systemd/system/multi-user.target.wants/k3s-b.service &&
	expect_check twice server-token.kubeconfig-mode error &&
	grep -q "k3s-b.service. are both enabled" "$TMP/audit.err" &&
	test "$(check_status traefik.chart)" = error &&
	rm twice/etc/systemd/system/multi-user.target.wants/k3s-b.service &&
	expect_check twice server-token.kubeconfig-mode pass &&
	ln -s /etc/systemd/system/k3s-b.service twice/etc/systemd/system/multi-user.target.wants/ &&
	rm twice/etc/systemd/system/multi-user.target.wants/k3s.service &&
	expect_check twice server-token.kubeconfig-mode fail
'

# K3s has started once: its data dir exists (the role no longer needs the unit)
started() { mkdir -p "$1/var/lib/rancher/k3s/server" && chmod 0700 "$1/var/lib/rancher/k3s/server"; }

test_expect_success 'INSTALL_K3S_SYSTEMD_DIR=/usr/lib/systemd/system: the unit there runs (was a false pass)' '
	inst usrlib INSTALL_K3S_SYSTEMD_DIR=/usr/lib/systemd/system K3S_TOKEN=usrlibS3cretPW &&
	test -f usrlib/usr/lib/systemd/system/k3s.service.env && started usrlib &&
	nj usrlib "
assert u and u[\"path\"] == \"/usr/lib/systemd/system/k3s.service\" and u[\"link\"] is None, d[\"units\"]
assert o[\"token\"][0][\"file\"] == \"/usr/lib/systemd/system/k3s.service.env\", o
" &&
	expect_check usrlib server-token.plaintext fail &&
	expect_check usrlib agent-token.plaintext-env fail
'

test_expect_success 'drop-ins from every unit directory, /etc hiding a same-named one in /usr/lib' '
	inst dropins INSTALL_K3S_SYSTEMD_DIR=/usr/lib/systemd/system && started dropins &&
	mkdir -p dropins/etc/systemd/system/k3s.service.d dropins/usr/lib/systemd/system/k3s.service.d &&
	printf "[Service]\nExecStart=\nExecStart=/usr/local/bin/k3s server --disable=traefik\n" \
		>dropins/usr/lib/systemd/system/k3s.service.d/20-flags.conf &&
	printf "[Service]\nEnvironment=K3S_TOKEN=usrlibDropS3cretPW\n" \
		>dropins/usr/lib/systemd/system/k3s.service.d/10-token.conf &&
	printf "[Service]\nEnvironment=K3S_NODE_NAME=edge-1\n" \
		>dropins/etc/systemd/system/k3s.service.d/10-token.conf &&
	nj dropins "
assert u[\"dropins\"] == [\"/etc/systemd/system/k3s.service.d/10-token.conf\",
    \"/usr/lib/systemd/system/k3s.service.d/20-flags.conf\"], u[\"dropins\"]
assert [x[\"value\"] for x in o[\"disable\"]] == [\"traefik\"], o
assert o[\"node-name\"][0][\"value\"] == \"edge-1\" and \"token\" not in o, o
" &&
	expect_check dropins server-token.plaintext pass &&
	rm dropins/etc/systemd/system/k3s.service.d/10-token.conf &&
	expect_check dropins server-token.plaintext fail
'

test_expect_success 'INSTALL_K3S_SYSTEMD_DIR outside the search path: the linked unit is read through its link' '
	inst --mkdir /opt/k3s/units opt INSTALL_K3S_SYSTEMD_DIR=/opt/k3s/units K3S_TOKEN=optS3cretPW &&
	test "$(readlink opt/etc/systemd/system/k3s.service)" = /opt/k3s/units/k3s.service &&
	started opt &&
	nj opt "
assert u and u[\"path\"] == \"/opt/k3s/units/k3s.service\", d[\"units\"]
assert u[\"link\"] == \"/etc/systemd/system/k3s.service\", u
assert o[\"token\"][0][\"file\"] == \"/opt/k3s/units/k3s.service.env\", o
assert d[\"errors\"] == [], d[\"errors\"]
" &&
	expect_check opt server-token.plaintext fail &&
	expect_check opt agent-token.unit-mode pass &&
	chmod 0666 opt/opt/k3s/units/k3s.service &&
	expect_check opt agent-token.unit-mode fail
'

test_expect_success 'a unit masked in /etc (link to /dev/null, or empty) hides the one in /usr/lib' '
	inst masked INSTALL_K3S_SYSTEMD_DIR=/usr/lib/systemd/system &&
	started masked &&
	ln -s /dev/null masked/etc/systemd/system/k3s.service &&
	nj masked "
assert d[\"units\"] == [], d[\"units\"]
assert d[\"errors\"] == [], d[\"errors\"]
" &&
	rm masked/etc/systemd/system/k3s.service &&
	: >masked/etc/systemd/system/k3s.service &&
	nj masked "assert d[\"units\"] == [], d[\"units\"]"
'

# K3s PR 10591 (issue 10589): server.go DataDirFlag reads K3S_DATA_DIR since
# v1.27.16, v1.28.12, v1.29.7, v1.30.3, v1.31.0 (src/node/node-env.c
# node_env_data_dir()); before, only the agent did
test_expect_success 'K3S_DATA_DIR=/srv/k3s on a server: its data dir on K3s that reads it (was the default)' '
	inst ddir K3S_DATA_DIR=/srv/k3s &&
	grep -qx "K3S_DATA_DIR=$SQ/srv/k3s$SQ" ddir/etc/systemd/system/k3s.service.env &&
	for d in ddir/var/lib/rancher/k3s ddir/srv/k3s; do
		mkdir -p $d/server && chmod 0700 $d/server &&
		echo "$H::server:ddS3cretPW" >$d/server/token || return 1
	done &&
	chmod 0600 ddir/var/lib/rancher/k3s/server/token &&
	chmod 0644 ddir/srv/k3s/server/token &&
	nj ddir "
assert d[\"data_dir\"] == \"/srv/k3s\" and d[\"k3s_version\"] == \"v1.31.4+k3s1\", d[\"data_dir\"]
" &&
	expect_check ddir server-token.file-mode fail &&
	expect_check ddir server-token.file-mode pass --k3s-version v1.30.2+k3s1
'

test_expect_success 'a linked unit that leads nowhere or loops: an error naming it, never a pass' '
	inst badlink K3S_TOKEN=badS3cretPW && started badlink &&
	S=badlink/etc/systemd/system &&
	mv $S/k3s.service $S/k3s.service.real && ln -s /nowhere $S/k3s.service &&
	ln -s k3s-b.service $S/k3s-a.service && ln -s k3s-a.service $S/k3s-b.service &&
	expect_check badlink server-token.plaintext error &&
	grep -q "cannot follow the link .*k3s-a.service.: Too many levels of symbolic links" "$TMP/audit.err" &&
	grep -q "k3s.service. (a symlink to ./nowhere., resolved inside the root)" "$TMP/audit.err"
'

test_done
