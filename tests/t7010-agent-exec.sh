#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t7010: 'agent exec' hands K3s its token in a pipe.  The k3s binary is a
# test double (tests/doubles/k3s-recorder) that reads --token-file as K3s
# does and records its argv, /proc/self/cmdline, /proc/self/environ, the
# token, the fd, its umask, and what a child it starts reads from every fd
# it inherits.
#
# Why a pipe, not a memfd: K3s reads --token-file once, at start-up
# (ioutil.ReadFile in pkg/cli/server/server.go and pkg/cli/agent/agent.go;
# the k3s wrapper syscall.Exec's k3s-server/k3s-agent, keeping our fd), and
# the fd must be open in K3s at exec, so everything K3s starts inherits it
# (Go does not close fds it did not open).  A memfd stays readable there
# for K3s's lifetime; a pipe whose write end we closed before exec is
# emptied by K3s's one read, and every later reader gets EOF.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
R=$TMP/root
mkdir -p "$R" out
DOUBLE=$TOP/tests/doubles/k3s-recorder
CA=$(printf 'agent exec CA' | sha256sum | cut -c1-64)
AGENT_TOK="K10$CA::node:agentpw-5f1e2d3c"
SERVER_TOK="K10$CA::server:serverpw-9a8b7c6d"
export K3S_RECORDER_OUT=$TMP/out
rec() { /usr/bin/python3 -c "import json,sys; print(json.load(open('$TMP/out/record.json'))[sys.argv[1]])" "$1"; }

test_expect_success 'setup: tokens in the file store' '
	printf "%s\n" "$AGENT_TOK" | k3sguard --root "$R" secrets put agent-token >/dev/null &&
	printf "%s\n" "$SERVER_TOK" | k3sguard --root "$R" secrets put server-token >/dev/null &&
	printf "%s\n" "K10$CA::node:other-7777" | k3sguard --root "$R" secrets put edge-token >/dev/null
'

test_expect_success 'the token arrives through the fd and matches the store' '
	rm -f out/record.json &&
	K3S_TOKEN=leaked-env-token K3S_AGENT_TOKEN=leaked-agent K3S_TOKEN_FILE=/etc/x \
	K3S_AGENT_TOKEN_FILE=/etc/y K3S_CLUSTER_SECRET=legacy K3S_URL=https://10.0.0.1:6443 KEEP_ME=yes \
	    k3sguard --root "$R" agent exec -- "$DOUBLE" agent --server https://10.0.0.1:6443 &&
	test "$(rec token)" = "$AGENT_TOK" &&
	test "$(rec token_file)" = /proc/self/fd/3 &&
	rec fd_target | grep -q "^pipe:\["
'

test_expect_success 'nobody can write another token in; read once, the pipe is empty' '
	rec write | grep -q "^refused" &&
	test -z "$(rec reread)"
'

test_expect_success 'a program K3s starts inherits the fd but cannot read the token from it' '
	rec child_fds >child &&
	grep -q "3" child &&
	! grep -qF "agentpw-5f1e2d3c" child &&
	! grep -qF "$CA" child
'

test_expect_success 'the token is in neither cmdline nor environ of K3s' '
	rec cmdline >cmdline && rec environ >environ &&
	! grep -qF "agentpw-5f1e2d3c" cmdline && ! grep -qF "agentpw-5f1e2d3c" environ &&
	! grep -q "K3S_TOKEN\|K3S_AGENT_TOKEN\|K3S_CLUSTER_SECRET\|leaked" environ &&
	grep -q "K3S_URL=https://10.0.0.1:6443" environ && grep -q "KEEP_ME=yes" environ
'

test_expect_success 'K3s gets its arguments, --token-file first, umask 022, no other fd' '
	rec argv >argv &&
	grep -qF "'"'"'agent'"'"', '"'"'--token-file'"'"', '"'"'/proc/self/fd/3'"'"', '"'"'--server'"'"', '"'"'https://10.0.0.1:6443'"'"'" argv &&
	test "$(rec umask)" = 0022 &&
	test "$(rec open_fds)" = "[0, 1, 2, 3, 4]"
'

test_expect_success 'K3s starts with SIGHUP and SIGINT at their default, not ignored as we got them' '
	(trap "" HUP INT && k3sguard --root "$R" agent exec -- "$DOUBLE" agent) &&
	test "$(rec sigblk)" = 0 &&
	test $(( $(rec sigign) & 3 )) = 0
'

test_expect_success 'k3s server uses server-token; --secret picks another' '
	k3sguard --root "$R" agent exec -- "$DOUBLE" server --server https://10.0.0.1:6443 &&
	test "$(rec token)" = "$SERVER_TOK" &&
	k3sguard --root "$R" agent exec --secret edge-token -- "$DOUBLE" agent &&
	test "$(rec token)" = "K10$CA::node:other-7777"
'

test_expect_success 'exit status is K3s'"'"'s own (exec, not a child)' '
	K3S_RECORDER_EXIT=3 expect_code 3 k3sguard --root "$R" agent exec -- "$DOUBLE" agent
'

for bad in "--token=s3cr3t-argv" "--token s3cr3t-argv" "-t s3cr3t-argv" "-t=s3cr3t-argv" \
    "-token s3cr3t-argv" "--agent-token s3cr3t-argv" "--agent-token=s3cr3t-argv" \
    "--token-file /etc/rancher/k3s/token"; do
	test_expect_success "refused in ARGS with exit 64: $bad" '
		rm -f out/record.json &&
		expect_code 64 k3sguard --root "$R" agent exec -- "$DOUBLE" agent --server https://x:6443 '"$bad"' 2>err &&
		one_line err && grep -q "refusing" err && ! grep -q s3cr3t err &&
		test ! -e out/record.json
	'
done

test_expect_success 'usage errors: no command, not agent/server (64)' '
	expect_code 64 k3sguard --root "$R" agent exec 2>err && one_line err &&
	expect_code 64 k3sguard --root "$R" agent exec -- "$DOUBLE" kubectl get pods 2>err && one_line err &&
	expect_code 64 k3sguard --root "$R" agent exec --secret "../x" -- "$DOUBLE" agent 2>err
'

test_expect_success 'a missing secret: one-line error naming it, exit 2, K3s not run' '
	rm -f out/record.json &&
	expect_code 2 k3sguard --root "$R" agent exec --secret nope -- "$DOUBLE" agent 2>err &&
	one_line err && grep -q "'"'"'nope'"'"'" err && test ! -e out/record.json
'

test_expect_success 'a secret that is not a K3s token is refused' '
	printf "has space\n" | k3sguard --root "$R" secrets put junk >/dev/null &&
	expect_code 2 k3sguard --root "$R" agent exec --secret junk -- "$DOUBLE" agent 2>err &&
	one_line err && ! grep -q "has space" err
'

test_expect_success 'a K3s binary that does not exist: exit 2' '
	expect_code 2 k3sguard --root "$R" agent exec -- "$TMP/no-k3s" agent 2>err && one_line err
'

test_expect_success '--dry-run shows the command and the token redacted, runs nothing' '
	rm -f out/record.json &&
	k3sguard --root "$R" agent exec --dry-run -- "$DOUBLE" agent --node-name n1 >dry &&
	grep -q "would exec: .*k3s-recorder agent --token-file /proc/self/fd/N --node-name n1" dry &&
	grep -q "secure node token (CA ${CA:0:12}..., fingerprint $(printf agentpw-5f1e2d3c | sha256sum | cut -c1-12))" dry &&
	! grep -q agentpw dry && test ! -e out/record.json
'

test_done
