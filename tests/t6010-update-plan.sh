#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t6010: 'update plan': system-upgrade-controller Plans, parsed back field by
# field (tests/unit/u-update.c checks the YAML tree; here the CLI, refusals
# and options).  The k3s binary is the test double (a stand-in for K3s).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/update/root.sh"
cd "$TMP" || exit 1
F=$TOP/tests/fixtures/update

# docs FILE: number of YAML documents ("---" lines)
docs() { grep -c '^---$' "$1"; }

test_expect_success 'plan to the next minor: server then agents, agents wait for servers' '
	update_root r v1.33.8+k3s1 &&
	k3sguard --root r update plan --channels-file $F/channels-good.json >plan.yaml &&
	grep -q "^# channel stable is at v1.34.6+k3s1" plan.yaml &&
	test "$(docs plan.yaml)" = 2 &&
	grep -q "^  name: k3s-server$" plan.yaml && grep -q "^  name: k3s-agent$" plan.yaml &&
	grep -q "channel: \"https://update.k3s.io/v1-release/channels/stable\"" plan.yaml &&
	awk "/name: k3s-agent/,0" plan.yaml | grep -A4 "^  prepare:" | grep -q "^    - k3s-server$"
'

test_expect_success 'canary first, then servers (prepare on canary), window, concurrency, drain' '
	update_root r v1.33.8+k3s1 &&
	k3sguard --root r update plan --version v1.34.6+k3s1 --canary-selector k3sguard.io/canary=true \
		--window "sat,sun 01:00-05:00 Europe/Berlin" --concurrency 3 --drain --out plans.yaml >out &&
	grep -q "wrote plans.yaml: Plans k3s-canary, k3s-server, k3s-agent" out &&
	test "$(stat -c %a plans.yaml)" = 600 &&
	test "$(docs plans.yaml)" = 3 &&
	grep -q "version: v1.34.6+k3s1" plans.yaml && ! grep -q "channel:" plans.yaml &&
	grep -q "startTime: \"01:00\"" plans.yaml && grep -q "timeZone: Europe/Berlin" plans.yaml &&
	grep -q "^    - saturday$" plans.yaml &&
	grep -q "concurrency: 3" plans.yaml && grep -q "skipWaitForDeleteTimeout: 60" plans.yaml
'

test_expect_success 'refuses a downgrade, saying why (exit 1, nothing written)' '
	update_root r v1.34.6+k3s1 &&
	expect_code 1 k3sguard --root r update plan --version v1.33.10+k3s1 --out p.yaml 2>err &&
	one_line err && grep -q "refusing a downgrade from v1.34.6+k3s1 to v1.33.10+k3s1" err &&
	test ! -e p.yaml &&
	expect_code 1 k3sguard --root r update plan --version v1.34.6+k3s1 2>err &&
	grep -q "already at v1.34.6+k3s1" err &&
	expect_code 1 k3sguard --root r update plan --version v1.34.6-rc1+k3s1 2>err &&
	grep -q "refusing a downgrade" err
'

test_expect_success 'refuses a skipped minor and names the next one' '
	update_root r v1.32.11+k3s3 &&
	expect_code 1 k3sguard --root r update plan --channels-file $F/channels-good.json 2>err &&
	one_line err &&
	grep -q "refusing an upgrade from v1.32.11+k3s3 to v1.34.6+k3s1: it skips v1.33; upgrade one minor at a time (first to the latest v1.33: --channel v1.33)" err &&
	k3sguard --root r update plan --channels-file $F/channels-good.json --channel v1.33 >p.yaml &&
	grep -q "channels/v1.33" p.yaml
'

test_expect_success 'a newer K3s build of the same release is an upgrade' '
	update_root r v1.30.14+k3s1 &&
	k3sguard --root r update plan --version v1.30.14+k3s2 >p.yaml &&
	grep -q "version: v1.30.14+k3s2" p.yaml
'

test_expect_success 'usage errors exit 64' '
	update_root r v1.33.8+k3s1 &&
	expect_code 64 k3sguard --root r update plan --version v1.34 2>err && one_line err &&
	expect_code 64 k3sguard --root r update plan --version v1.34.6+k3s1 --channel stable 2>err &&
	expect_code 64 k3sguard --root r update plan --canary-selector nolabel 2>err &&
	expect_code 64 k3sguard --root r update plan --concurrency 0 2>err &&
	expect_code 64 k3sguard --root r update plan --window "funday 01:00-02:00" 2>err &&
	grep -q "funday" err &&
	expect_code 64 k3sguard --root r update plan --window "sat 25:00-02:00" 2>err &&
	expect_code 64 k3sguard --root r update plan --window "sat" 2>err &&
	k3sguard update plan --help | grep -q "usage: k3sguard update plan"
'

test_done
