#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0110: k3sguard's own config is checked whole, once, when it is loaded
# (src/core/config.c config_validate): a bad value fails every command that
# reads the config, not only the one that reads that key.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1

# conf TEXT: a node root whose /etc/k3sguard/config.yaml holds TEXT
conf() {
	node_root r hardened-server >/dev/null && mkdir -p r/etc/k3sguard &&
	printf '%s\n' "$1" >r/etc/k3sguard/config.yaml &&
	chmod 0600 r/etc/k3sguard/config.yaml
}

test_expect_success 'a number key that is not a number fails audit, which never reads it' '
	conf "token:
  probe-timeout: lots" &&
	expect_code 2 k3sguard --root r audit >out 2>err &&
	one_line err &&
	grep -q "config.yaml.* line 2: .token.probe-timeout. must be a number from 1 to 3600" err
'

test_expect_success 'out of range, a list where a string belongs, a string where a list belongs' '
	conf "policy:
  token-max-age-days: 0" &&
	expect_code 2 k3sguard --root r audit >out 2>err && one_line err &&
	grep -q "token-max-age-days. must be a number from 1 to 36500" err &&
	conf "etcd:
  endpoints: [a, b]" &&
	expect_code 2 k3sguard --root r audit >out 2>err && one_line err &&
	grep -q "etcd.endpoints. must be a string" err &&
	conf "token:
  restart-command: systemctl restart k3s" &&
	expect_code 2 k3sguard --root r audit >out 2>err && one_line err &&
	grep -q "token.restart-command. must be a list" err
'

test_expect_success 'valid values at the limits pass' '
	conf "policy:
  token-max-age-days: 36500
  update-max-minors-behind: 0
token:
  restart-command: [systemctl, restart, k3s]
  probe-timeout: 1" &&
	{ k3sguard --root r audit >out 2>err || test $? -eq 1; } &&
	! grep -q "config.yaml" err
'

test_done
