#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t1050: 'k3sguard fix': the safe remediations of modes and owners, their
# --dry-run, idempotence, and that fix never follows a symlink nor touches
# a file no check examined.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP"

S=var/lib/rancher/k3s/server

snapshot() { (cd "$1" && find . -printf "%p %y %m %U:%G %s\n" | LC_ALL=C sort); }

test_expect_success 'fix --help, usage errors' '
	k3sguard fix --help >out && grep -q "^usage: k3sguard fix" out &&
	expect_code 64 k3sguard fix --format xml 2>err && one_line err &&
	expect_code 64 k3sguard fix now 2>err && one_line err &&
	expect_code 2 k3sguard --root "$TMP/none" fix 2>err && one_line err
'

test_expect_success 'fix --dry-run prints every change and changes nothing' '
	R=$(node_root dry default-server) &&
	chown 1000:1000 "$R/$S/manifests/hello-app.yaml" &&
	snapshot "$R" >before &&
	k3sguard --root "$R" fix --dry-run >dry.out &&
	snapshot "$R" >after &&
	cmp before after &&
	grep -q "^would chmod 0644 -> 0600 .*/server/token. (server-token.file-mode)$" dry.out &&
	grep -q "^would chmod 0755 -> 0700 .*/server/manifests. (manifests.dir-mode)$" dry.out &&
	grep -q "^would chown 1000:1000 -> 0:0 .*hello-app.yaml" dry.out &&
	grep -q "dry run: nothing changed" dry.out
'

test_expect_success 'fix does what --dry-run said, and the audit checks then pass' '
	R=$(node_root real default-server) &&
	chown 1000:1000 "$R/$S/manifests/hello-app.yaml" &&
	chmod 0664 "$R/etc/systemd/system/k3s.service" &&
	chmod 0640 "$R/etc/systemd/system/k3s.service.env" &&
	k3sguard --root "$R" fix --dry-run | grep -v "^fix:" | sed "s/^would //" >planned &&
	k3sguard --root "$R" fix >done.txt &&
	grep -v "^fix:" done.txt >done &&
	cmp planned done &&
	test "$(stat -c %a "$R/$S/token")" = 600 &&
	test "$(stat -c %a "$R/$S/cred")" = 700 &&
	test "$(stat -c %a "$R/$S/cred/passwd")" = 600 &&
	test "$(stat -c %a "$R/$S/manifests")" = 700 &&
	test "$(stat -c %a:%u:%g "$R/$S/manifests/hello-app.yaml")" = 600:0:0 &&
	test "$(stat -c %a "$R/etc/systemd/system/k3s.service")" = 644 &&
	test "$(stat -c %a "$R/etc/systemd/system/k3s.service.env")" = 600 &&
	audit_json "$R" &&
	for id in server-token.file-mode server-token.cred-mode manifests.dir-mode \
	    manifests.file-mode manifests.owner agent-token.unit-mode agent-token.env-mode; do
		test "$(check_status $id)" = pass || { echo "$id still $(check_status $id)"; exit 1; }
	done
'

test_expect_success 'a second fix changes nothing' '
	R=$(node_root twice default-server) &&
	k3sguard --root "$R" fix >/dev/null &&
	snapshot "$R" >before &&
	k3sguard --root "$R" fix >again &&
	snapshot "$R" >after &&
	cmp before after &&
	test "$(cat again)" = "fix: nothing to change"
'

test_expect_success 'the hardened node needs nothing' '
	R=$(node_root h hardened-server) &&
	k3sguard --root "$R" fix >out &&
	test "$(cat out)" = "fix: nothing to change"
'

test_expect_success 'fix never follows a symlinked token or agent-token' '
	R=$(node_root link default-server) &&
	echo outside >"$TMP/outside-token" && chmod 0644 "$TMP/outside-token" &&
	rm "$R/$S/token" && ln -s "$TMP/outside-token" "$R/$S/token" &&
	echo outside >"$TMP/outside-agent" && chmod 0644 "$TMP/outside-agent" &&
	rm "$R/$S/agent-token" && ln -s "$TMP/outside-agent" "$R/$S/agent-token" &&
	k3sguard --root "$R" fix >out &&
	test "$(stat -c %a "$TMP/outside-token")" = 644 &&
	test "$(stat -c %a "$TMP/outside-agent")" = 644 &&
	test -L "$R/$S/token" &&
	! grep -q "outside" out
'

test_expect_success 'fix never follows a symlink in the manifests directory, nor touches a FIFO' '
	R=$(node_root mlink default-server) &&
	echo "kind: x" >"$TMP/outside.yaml" && chmod 0644 "$TMP/outside.yaml" &&
	ln -s "$TMP/outside.yaml" "$R/$S/manifests/outside.yaml" &&
	mkfifo -m 0644 "$R/$S/manifests/pipe.yaml" &&
	k3sguard --root "$R" fix >out &&
	test "$(stat -c %a "$TMP/outside.yaml")" = 644 &&
	test "$(stat -c %a "$R/$S/manifests/pipe.yaml")" = 644 &&
	test "$(stat -c %a "$R/$S/manifests/hello-app.yaml")" = 600
'

# The gate resolves the link inside the root (src/core/gate.c): there it
# leads to nothing, so the server files are missing for fix as for audit.
test_expect_success 'a directory link out of the root: nothing behind it is read or changed' '
	R=$(node_root dlink default-server) &&
	mv "$R/$S" "$TMP/server.real" && ln -s "$TMP/server.real" "$R/$S" &&
	k3sguard --root "$R" fix >out 2>err &&
	! grep -q "server.real" out err &&
	test "$(stat -c %a "$TMP/server.real/token")" = 644 &&
	test "$(stat -c %a "$TMP/server.real/manifests")" = 755 &&
	# findings (1), or 2 where a check could not decide on the missing files
	{ k3sguard --root "$R" audit --format json >audit.json; test $? -ne 0; } &&
	grep -q "\"server-token.file\"" audit.json &&
	python3 - audit.json <<-\PYEOF
	import json, sys
	st = {c["id"]: c["status"] for c in json.load(open(sys.argv[1]))["checks"]}
	assert st["server-token.file"] == "fail" and st["server-token.file-mode"] != "pass", st
	PYEOF
'

test_expect_success 'fix touches no file that no check examined' '
	R=$(node_root other default-server) &&
	mkdir -p "$R/var/lib/rancher/k3s/agent" &&
	echo x >"$R/var/lib/rancher/k3s/agent/notes.txt" &&
	chmod 0644 "$R/var/lib/rancher/k3s/agent/notes.txt" &&
	chmod 0644 "$R/etc/rancher/k3s/config.yaml" &&
	echo x >"$R/$S/tls/client.crt" && chmod 0666 "$R/$S/tls/client.crt" &&
	k3sguard --root "$R" fix >out &&
	test "$(stat -c %a "$R/var/lib/rancher/k3s/agent/notes.txt")" = 644 &&
	test "$(stat -c %a "$R/etc/rancher/k3s/config.yaml")" = 644 &&
	test "$(stat -c %a "$R/$S/tls/client.crt")" = 666 &&
	test "$(stat -c %a "$R/$S/cred")" = 700
'

# The planted unit tokens are the node's own (the one its secret store
# holds), so fix also migrates them (t7020 covers that in depth); a token
# that differs from the store's is refused (exit 2) but the modes are still
# made private.
test_expect_success 'a unit that holds a token is made private; the etcd key and token-file too' '
	R=$(node_root ut hardened-server) &&
	TOK=$(cat "$R/$S/token") &&
	sed -i "s|^    server \\\\$|    server --token $TOK \\\\|" "$R/etc/systemd/system/k3s.service" &&
	grep -q -- "--token $TOK" "$R/etc/systemd/system/k3s.service" &&
	chmod 0644 "$R/etc/rancher/k3s/etcd/client.key" "$R/etc/rancher/k3s/token" &&
	k3sguard --root "$R" fix >out &&
	test "$(stat -c %a "$R/etc/systemd/system/k3s.service")" = 600 &&
	test "$(stat -c %a "$R/etc/rancher/k3s/etcd/client.key")" = 600 &&
	test "$(stat -c %a "$R/etc/rancher/k3s/token")" = 600 &&
	! grep -q "$TOK" out &&
	! grep -q -- "--token" "$R/etc/systemd/system/k3s.service" &&
	R=$(node_root ut2 hardened-server) &&
	sed -i "s|^    server \\\\$|    server --token abcdef0123456789 \\\\|" "$R/etc/systemd/system/k3s.service" &&
	cp "$R/etc/systemd/system/k3s.service" unit.before &&
	expect_code 2 k3sguard --root "$R" fix >out 2>err &&
	grep -q "differs from the current .server-token." err &&
	! grep -q abcdef0123456789 out err &&
	cmp unit.before "$R/etc/systemd/system/k3s.service" &&
	test "$(stat -c %a "$R/etc/systemd/system/k3s.service")" = 600
'

test_expect_success 'a drop-in holding a token is made private; an OpenRC script stays executable' '
	R=$(node_root dropin hardened-server) &&
	mkdir -p "$R/etc/systemd/system/k3s.service.d" &&
	TOK=$(cat "$R/$S/token") &&
	printf "[Service]\nExecStart=\nExecStart=/usr/local/bin/k3s server --token $TOK\n" >"$R/etc/systemd/system/k3s.service.d/10-token.conf" &&
	chmod 0644 "$R/etc/systemd/system/k3s.service.d/10-token.conf" &&
	k3sguard --root "$R" fix >out &&
	test "$(stat -c %a "$R/etc/systemd/system/k3s.service.d/10-token.conf")" = 600 &&
	test "$(stat -c %a "$R/etc/systemd/system/k3s.service")" = 644 &&
	! grep -q "$TOK" out "$R/etc/systemd/system/k3s.service.d/10-token.conf" &&
	R=$(node_root openrc hardened-server) &&
	rm "$R/etc/systemd/system/k3s.service" "$R/etc/systemd/system/k3s.service.env" &&
	mkdir -p "$R/etc/init.d" &&
	TOK=$(cat "$R/$S/token") &&
	printf "#!/sbin/openrc-run\ncommand=/usr/local/bin/k3s\ncommand_args=\"server --token $TOK\"\n" >"$R/etc/init.d/k3s" &&
	chmod 0755 "$R/etc/init.d/k3s" &&
	audit_json "$R" && test "$(check_status agent-token.unit-mode)" = fail &&
	cp "$R/etc/init.d/k3s" openrc.before &&
	: "no agent exec set-up for OpenRC yet: the token migration refuses (exit 2)" &&
	expect_code 2 k3sguard --root "$R" fix >out 2>err &&
	grep -q "OpenRC services are not supported" err &&
	! grep -q "$TOK" out err &&
	cmp openrc.before "$R/etc/init.d/k3s" &&
	test "$(stat -c %a "$R/etc/init.d/k3s")" = 700
'

test_expect_success 'fix --format json lists the actions' '
	R=$(node_root js default-server) &&
	k3sguard --root "$R" fix --dry-run --format json >out.json &&
	$PY - out.json <<-PYEOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["dry_run"] is True and d["errors"] == 0
	assert d["changes"] == len(d["actions"]) >= 4
	a = [x for x in d["actions"] if x["check"] == "server-token.file-mode"][0]
	assert a["action"] == "chmod" and a["from"] == "0644" and a["to"] == "0600" and a["done"] is False
	PYEOF
'

test_expect_success 'when the check errors, fix leaves that file alone and says why (exit 2)' '
	R=$(node_root ce default-server) &&
	printf "tls-san: [\n" >"$R/etc/rancher/k3s/config.yaml" &&
	expect_code 2 k3sguard --root "$R" fix >out 2>err &&
	grep -q "agent-token.unit-mode\|agent-token.token-file" err &&
	test "$(stat -c %a "$R/$S/token")" = 600
'

test_done
