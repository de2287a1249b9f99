#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t7020: 'fix' moves plain-text tokens into the secret store: on the
# default example node, after it the audit's plain-text token checks pass,
# the store holds the token, no file outside K3s's own server/ state holds
# it (grep the tree), K3s starts through 'agent exec' (drop-in), and a
# second run changes nothing.  --dry-run shows a redacted diff only.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
PW=0eef365b010205985cef3526e4adff0f	# the example's token password

# fix's table gets a row that calls fix_tokens() once 'fix' (audit area) is
# on main and the node model reads a unit that runs 'k3sguard agent exec --
# k3s ...' (node area): until then the migration is covered by u-fix-tokens.
if ! k3sguard fix --help >/dev/null 2>&1 ||
    ! grep -q "fix_tokens" "$TOP/src/cmd/fix.c" 2>/dev/null; then
	test_skip 'fix migrates plain-text tokens' "'k3sguard fix' does not call fix_tokens() in this build yet"
	test_done
fi

# every file of the node except K3s's own server state (server/token and
# cred/passwd hold the password by design) and the encrypted store
grep_tree() {
	grep -rlF --exclude-dir=server -- "$2" "$1" || true
}

# status of an audit check
check_status() {
	/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print([c["status"] for c in d["checks"] if c["id"] == sys.argv[2]][0])' "$1" "$2"
}

test_expect_success 'setup: the example holds the token in plain text' '
	N=$(node_root n1) && cp -a "$N" pristine &&
	test -n "$(grep_tree "$N" "$PW")" &&
	k3sguard --root "$N" audit --format json >before.json || test $? -eq 1 &&
	test "$(check_status before.json agent-token.plaintext-env)" = fail
'

test_expect_success '--dry-run: redacted diff, nothing changed' '
	N=$TMP/n1 &&
	k3sguard --root "$N" fix --dry-run >dry 2>dry.err &&
	grep -qx -- "-K3S_TOKEN='"'"'<short-form token without CA pin (fingerprint $(printf %s $PW | sha256sum | cut -c1-12))>'"'"'" dry &&
	grep -q "^+++ /etc/systemd/system/k3s.service.env (k3sguard fix)" dry &&
	grep -q "would write /etc/systemd/system/k3s.service.d/90-k3sguard-agent-exec.conf" dry &&
	! grep -q "$PW" dry dry.err &&
	diff -r pristine "$N"
'

test_expect_success 'fix: token in the store, out of every file, drop-in installed' '
	N=$TMP/n1 &&
	k3sguard --root "$N" fix >fix.out 2>fix.err &&
	! grep -q "$PW" fix.out fix.err &&
	k3sguard --root "$N" secrets get server-token >stored &&
	cmp stored "$N/var/lib/rancher/k3s/server/token" &&
	test -z "$(grep_tree "$N" "$PW")" &&
	test -f "$N/etc/systemd/system/k3s.service.d/90-k3sguard-agent-exec.conf" &&
	grep -q "agent exec --secret server-token -- /usr/local/bin/k3s server" \
	    "$N/etc/systemd/system/k3s.service.d/90-k3sguard-agent-exec.conf" &&
	test "$(stat -c %a "$N/etc/systemd/system/k3s.service.env")" = 600
'

test_expect_success 'after it, the plain-text token checks of the audit pass' '
	N=$TMP/n1 &&
	{ k3sguard --root "$N" audit --format json >after.json || true; } &&
	for c in agent-token.plaintext-env agent-token.plaintext-unit agent-token.plaintext-config; do
		test "$(check_status after.json $c)" = pass || { echo "$c not pass"; exit 1; }
	done
'

test_expect_success 'after it, the node is still a server: the server checks run' '
	N=$TMP/n1 &&
	k3sguard --root "$N" node >node.out &&
	grep -q "^role: *server$" node.out &&
	grep -q "token: from the secret store (.server-token.) through k3sguard agent exec" node.out &&
	for c in server-token.file-mode agent-token.token-file; do
		test "$(check_status after.json $c)" = pass || { echo "$c not pass"; exit 1; }
	done &&
	/usr/bin/python3 -c "
import json
d = json.load(open(\"after.json\"))
e = [c for c in d[\"checks\"] if c[\"id\"] == \"agent-token.token-file\"][0][\"evidence\"]
assert \"agent exec\" in e and \"server-token\" in e, e
"
'

test_expect_success 'the original is backed up encrypted in the store, byte for byte' '
	N=$TMP/n1 &&
	k3sguard --root "$N" secrets get fix-backup.etc_systemd_system_k3s.service.env | head -c -1 >orig &&
	cmp orig pristine/etc/systemd/system/k3s.service.env
'

test_expect_success 'a second run changes nothing' '
	N=$TMP/n1 &&
	(cd "$N" && find . -type f -exec sha256sum {} + | sort) >sums1 &&
	k3sguard --root "$N" fix >fix2.out &&
	(cd "$N" && find . -type f -exec sha256sum {} + | sort) >sums2 &&
	cmp sums1 sums2 &&
	test "$(k3sguard --root "$N" secrets history server-token | grep -c "^v")" -eq 1
'

test_expect_success 'tokens in ExecStart= (install-script layout), Environment= and config.yaml' '
	N=$(node_root n2) &&
	CA=$(printf "t7020 CA" | sha256sum | cut -c1-64) &&
	cat >"$N/etc/systemd/system/k3s.service" <<-EOF &&
	[Service]
	Type=notify
	EnvironmentFile=-/etc/systemd/system/k3s.service.env
	Environment="FOO=bar" "K3S_AGENT_TOKEN=agent-pw-t7020"
	ExecStart=/usr/local/bin/k3s \\
	    server \\
	 	'"'"'--token'"'"' \\
	 	'"'"'K10$CA::server:$PW'"'"' \\
	 	'"'"'--tls-san'"'"' \\
	 	'"'"'k3s.example'"'"' \\

	EOF
	printf "write-kubeconfig-mode: \"0644\"\nagent-token: agent-pw-t7020\ntls-san:\n  - k3s.example.internal\n" \
	    >"$N/etc/rancher/k3s/config.yaml" &&
	k3sguard --root "$N" fix >fix3.out 2>fix3.err &&
	test -z "$(grep_tree "$N" "$PW")" && test -z "$(grep_tree "$N" agent-pw-t7020)" &&
	test "$(k3sguard --root "$N" secrets get agent-token)" = agent-pw-t7020 &&
	grep -qx "Environment=\"FOO=bar\"" "$N/etc/systemd/system/k3s.service" &&
	grep -q "tls-san" "$N/etc/systemd/system/k3s.service" &&
	grep -qx "  - k3s.example.internal" "$N/etc/rancher/k3s/config.yaml" &&
	grep -q "agent exec --secret server-token -- /usr/local/bin/k3s server --tls-san k3s.example" \
	    "$N/etc/systemd/system/k3s.service.d/90-k3sguard-agent-exec.conf" &&
	if has_cmd systemd-analyze; then
		# under --root the drop-in names k3sguard as installed on the node,
		# /usr/local/bin/k3sguard, which this test host need not have
		SYSTEMD_UNIT_PATH="$N/etc/systemd/system:" systemd-analyze verify --man=no k3s.service >v.out 2>&1 || true &&
		! grep -v "Command /usr/local/bin/k3sguard is not executable" v.out | grep -q "k3s.service:"
	fi &&
	grep -q "^ExecStart=/usr/local/bin/k3sguard agent exec" \
	    "$N/etc/systemd/system/k3s.service.d/90-k3sguard-agent-exec.conf" &&
	! grep -qF "$B" "$N/etc/systemd/system/k3s.service.d/90-k3sguard-agent-exec.conf"
'

test_expect_success 'fix --bin PATH: the drop-in runs k3sguard from PATH; a relative one is refused' '
	N=$(node_root nbin) &&
	k3sguard --root "$N" fix --bin /opt/k3sguard/bin/k3sguard >fb.out 2>fb.err &&
	grep -q "^ExecStart=/opt/k3sguard/bin/k3sguard agent exec --secret server-token --" \
	    "$N/etc/systemd/system/k3s.service.d/90-k3sguard-agent-exec.conf" &&
	! grep -q "/usr/local/bin/k3sguard" "$N/etc/systemd/system/k3s.service.d/90-k3sguard-agent-exec.conf" &&
	N2=$(node_root nbin2) && cp -a "$N2" nbin2.pristine &&
	expect_code 64 k3sguard --root "$N2" fix --bin bin/k3sguard 2>rel.err &&
	one_line rel.err && grep -q "not an absolute path" rel.err &&
	diff -r nbin2.pristine "$N2"
'

test_expect_success 'fix --help lists everything fix may change, drop-in and --bin included' '
	k3sguard fix --help >fh &&
	grep -q -- "--bin PATH" fh && grep -q "90-k3sguard-agent-exec.conf" fh &&
	grep -q "secret store" fh && grep -q "modes and owners" fh &&
	grep -q "manifests directory" fh && grep -q "etcd client key" fh
'

test_expect_success '%% in ExecStart= is one %: the drop-in keeps it %%, not %%%%' '
	N=$(node_root n5) &&
	sed -i "s|^    server \\\\$|    server --node-label pct=a%%b \\\\|" "$N/etc/systemd/system/k3s.service" &&
	grep -q "pct=a%%b" "$N/etc/systemd/system/k3s.service" &&
	k3sguard --root "$N" node >n5.out && grep -q "node-label = pct=a%b " n5.out &&
	k3sguard --root "$N" fix >fix5.out &&
	grep -q "node-label.*pct=a%%b" "$N/etc/systemd/system/k3s.service.d/90-k3sguard-agent-exec.conf" &&
	! grep -q "%%%%" "$N/etc/systemd/system/k3s.service.d/90-k3sguard-agent-exec.conf" &&
	k3sguard --root "$N" node >n5b.out && grep -q "node-label = pct=a%b " n5b.out
'

test_expect_success 'a different current token in the store is not overwritten: file left, exit 2' '
	N=$(node_root n3) &&
	printf "other-current-token-1\n" | k3sguard --root "$N" secrets put server-token >/dev/null &&
	cp "$N/etc/systemd/system/k3s.service.env" env.before &&
	expect_code 2 k3sguard --root "$N" fix >fix4.out 2>fix4.err &&
	grep -q "differs from the current .server-token." fix4.err &&
	! grep -q "$PW\|other-current" fix4.err fix4.out &&
	cmp env.before "$N/etc/systemd/system/k3s.service.env" &&
	test "$(k3sguard --root "$N" secrets get server-token)" = other-current-token-1
'

test_expect_success 'fix --format json lists the migration actions' '
	N=$(node_root n4) &&
	k3sguard --root "$N" fix --format json >fix.json &&
	/usr/bin/python3 -c "
import json
d = json.load(open(\"fix.json\"))
acts = [a for a in d[\"actions\"] if a[\"check\"] == \"agent-token.plaintext\"]
assert {a[\"action\"] for a in acts} >= {\"store\", \"rewrite\"}, acts
assert all(a[\"done\"] for a in acts if a[\"action\"] in (\"store\", \"rewrite\")), acts
" && ! grep -q "$PW" fix.json
'

test_done
