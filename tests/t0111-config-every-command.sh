#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0111: k3sguard's config is checked at start by every command (main.c
# prescan_globals + config_check), also by one that never reads it: for
# every command path of the binary, a typo in the config is exit 2 and one
# line naming the file and the key, whether --root/--config come before or
# after the verb; --help still works; under --root, this host's config
# ($K3SGUARD_HOST_CONFIG) is checked the same way.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
node_root r hardened-server >/dev/null
mkdir -p r/etc/k3sguard
printf 'policy:\n  token-max-age-dayz: 30\n' >r/etc/k3sguard/config.yaml
chmod 0600 r/etc/k3sguard/config.yaml
printf 'store:\n  backedn: file\n' >local.yaml
chmod 0600 local.yaml
printf 'policy:\n  token-max-age-days: 30\n' >good.yaml
chmod 0600 good.yaml

# leaves: paths that are not the parent of another path
command_paths >all.paths
while read -r p; do
	grep -q "^$p " all.paths || echo "$p"
done <all.paths >leaves

# typo_fails WHAT -- ARGS...: exit 2, one line naming the file and the key;
# the command never ran (timeout: watch and agent exec would not return)
typo_fails() {
	local what=$1 file=$2 key=$3; shift 3
	code=0
	timeout 20 "$K3SGUARD" "$@" >out 2>err </dev/null || code=$?
	if [ "$code" != 2 ] || ! one_line err || ! grep -q "'[^']*$file' line [0-9]*: unknown key '$key'" err; then
		echo "$what: exit $code: $(head -c 300 err)"
		return 1
	fi
}

test_expect_success 'the binary has many command paths' '
	test "$(wc -l <leaves)" -gt 30 && grep -qx "manifests watch" leaves &&
	grep -qx "etcd snapshot restore" leaves && grep -qx "node" leaves
'

test_expect_success 'every command: a typo in the node config (--root before the verb)' '
	while read -r p; do
		typo_fails "$p" etc/k3sguard/config.yaml policy.token-max-age-dayz --root r $p >>bad || :
	done <leaves &&
	if test -s bad; then cat bad; false; fi
'

test_expect_success 'every command: --root after the verb' '
	while read -r p; do
		typo_fails "$p" etc/k3sguard/config.yaml policy.token-max-age-dayz $p --root r >>bad2 || :
	done <leaves &&
	if test -s bad2; then cat bad2; false; fi
'

test_expect_success 'every command: a local --config after the verb, and its abbreviation' '
	while read -r p; do
		{ typo_fails "$p" local.yaml store.backedn --root r $p --config local.yaml >>bad3 || :; } &&
		{ typo_fails "$p" local.yaml store.backedn --root r $p --config=local.yaml >>bad3 || :; }
	done <leaves &&
	typo_fails node local.yaml store.backedn --root r node --conf=local.yaml >>bad3 || : &&
	{ typo_fails "node -oh.txt" etc/k3sguard/config.yaml policy.token-max-age-dayz \
		--root r node -oh.txt >>bad3 || :; } && test ! -e h.txt &&
	if test -s bad3; then cat bad3; false; fi
'

test_expect_success 'the control: a good --config after the verb is not refused' '
	expect_code 0 k3sguard --root r node --config good.yaml >out 2>err &&
	! grep -q "unknown key" err &&
	expect_code 0 k3sguard --root r update --help >out 2>err
'

test_expect_success 'after --, a --config is the K3s command'"'"'s, not k3sguard'"'"'s' '
	k3sguard --root r --config good.yaml agent exec --dry-run -- /usr/local/bin/k3s agent --config local.yaml >out 2>err || : &&
	grep -q "secret store" err &&
	! grep -q "unknown key" err &&
	typo_fails "agent exec" local.yaml store.backedn --root r agent exec --config local.yaml \
		--dry-run -- /usr/local/bin/k3s agent
'

test_expect_success '--help needs no config: it works with the typo' '
	while read -r p; do
		{ k3sguard --root r $p --help >out 2>err </dev/null || { echo "$p --help: $(cat err)"; exit 1; }; } &&
		{ grep -q "^usage:" out || { echo "$p --help: no usage"; exit 1; }; }
	done <leaves
'

test_expect_success 'under --root, this host'"'"'s config is checked at start too' '
	printf "k3s-cli: /usr/local/bin/k3s\n" >r/etc/k3sguard/config.yaml &&
	printf "token:\n  probe-comand: [true]\n" >host.yaml && chmod 0600 host.yaml &&
	k3sguard --root r node >/dev/null &&
	code=0 && K3SGUARD_HOST_CONFIG=$TMP/host.yaml k3sguard --root r node >out 2>err || code=$? &&
	test "$code" = 2 && one_line err &&
	grep -q "host.yaml. line 2: unknown key .token.probe-comand. (did you mean .token.probe-command.?)" err
'

test_done
