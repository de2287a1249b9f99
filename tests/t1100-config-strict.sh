#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t1100: k3sguard's own config is strict (src/core/config.c check_unknown):
# an unknown key or a section of the wrong kind is a one-line error naming
# the file, the line and the nearest valid key, so a typo never silently
# means the default policy.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1

conf() {
	rm -rf r && node_root r hardened-server >/dev/null && mkdir -p r/etc/k3sguard &&
	printf '%s\n' "$1" >r/etc/k3sguard/config.yaml &&
	chmod 0600 r/etc/k3sguard/config.yaml
}

test_expect_success 'a typo in a key names file, line and the closest key' '
	conf "policy:
  token-max-age-days: 30
  token-max-age-dayz: 30" &&
	expect_code 2 k3sguard --root r audit >out 2>err &&
	one_line err &&
	grep -q "config.yaml. line 3: unknown key .policy.token-max-age-dayz. (did you mean .policy.token-max-age-days.?)" err
'

test_expect_success 'an unknown section and an unknown top-level key' '
	conf "polcy:
  token-max-age-days: 30" &&
	expect_code 2 k3sguard --root r audit >out 2>err && one_line err &&
	grep -q "line 1: unknown key .polcy." err &&
	conf "k3s-clj: /usr/bin/k3s" &&
	expect_code 2 k3sguard --root r audit >out 2>err && one_line err &&
	grep -q "line 1: unknown key .k3s-clj. (did you mean .k3s-cli.?)" err
'

test_expect_success 'a section given a scalar is a wrong type' '
	conf "policy: 30" &&
	expect_code 2 k3sguard --root r audit >out 2>err && one_line err &&
	grep -q "line 1: .policy. must be a mapping" err
'

test_expect_success 'a local --config file is held to the same rules' '
	conf "" &&
	printf "store:\n  backedn: file\n" >local.yaml && chmod 0600 local.yaml &&
	expect_code 2 k3sguard --root r --config local.yaml audit >out 2>err && one_line err &&
	grep -q "local.yaml. line 2: unknown key .store.backedn. (did you mean .store.backend.?)" err
'

test_expect_success 'every known key is accepted' '
	conf "etcd:
  endpoints: https://127.0.0.1:2379
  cacert: /a
  cert: /b
  key: /c
  k3s-cert: /d
  k3s-key: /e
k3s-cli: /usr/local/bin/k3s
policy:
  token-max-age-days: 90
  update-max-minors-behind: 1
  update-max-patches-behind: 2
store:
  backend: file
  helper: /usr/bin/pass
  helper-env: [A=1]
token:
  probe-command: [true]
  probe-timeout: 5
  restart-command: [true]
  restart-timeout: 5
  server-url: https://127.0.0.1:6443
updates:
  ca-file: /etc/ssl/certs/ca-certificates.crt
  channel: stable
  channels-url: https://update.k3s.io/v1-release/channels
  channels-file: /x
  advisories-file: /y" &&
	# /x and /y do not exist: those checks say error (2), the config is fine
	{ k3sguard --root r audit >out 2>err || test $? -le 2; } &&
	grep -q "^summary:" out &&
	! grep -q "config.yaml" err
'

test_done
