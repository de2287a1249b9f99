#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t6000: 'update check' and the updates checks of 'audit': the installed
# version (k3s test double, a stand-in for K3s) against channel files in the
# channel server's JSON format, including malformed ones; advisories as data.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/update/root.sh"
cd "$TMP" || exit 1
F=$TOP/tests/fixtures/update
# code_le MAX cmd...: run cmd, fail when its exit code is above MAX
code_le() { max=$1; shift; set +e; "$@"; got=$?; set -e; [ "$got" -le "$max" ]; }

test_expect_success 'up to date: exit 0, latest of its line' '
	update_root r v1.34.6+k3s1 &&
	k3sguard --root r update check --channels-file $F/channels-good.json >out &&
	grep -q "^v1.34.6+k3s1: on the minor of stable (v1.34.6+k3s1); latest of v1.34" out
'

test_expect_success 'minors and patches behind, advisories: exit 1' '
	update_root r v1.30.4+k3s1 &&
	expect_code 1 k3sguard --root r update check --channels-file $F/channels-good.json >out &&
	grep -q "4 minors behind stable (v1.34.6+k3s1); 10 patch releases behind v1.30 (v1.30.14+k3s2)" out &&
	grep -q "advisories: CVE-2026-54250 (high)" out
'

test_expect_success 'a newer K3s build of the same release counts (+k3s2 > +k3s1)' '
	update_root r v1.30.14+k3s1 &&
	expect_code 1 k3sguard --root r update check --channels-file $F/channels-good.json >out &&
	grep -q "behind v1.30 (v1.30.14+k3s2), a newer K3s build of the same release" out
'

test_expect_success 'policy from the config; end-of-life line' '
	update_root r v1.33.8+k3s1 &&
	expect_code 1 k3sguard --root r update check --channels-file $F/channels-good.json >out &&
	mkdir -p r/etc/k3sguard &&
	printf "policy:\n  update-max-patches-behind: 5\n" >r/etc/k3sguard/config.yaml &&
	expect_code 1 k3sguard --root r update check --channels-file $F/channels-good.json >out &&
	grep -q "CVE-2026-54250" out &&
	printf "{\"schema\":1,\"k3s\":[],\"traefik\":[]}" >none.json &&
	update_root r v1.34.5+k3s1 && mkdir -p r/etc/k3sguard &&
	printf "policy:\n  update-max-patches-behind: 0\n" >r/etc/k3sguard/config.yaml &&
	expect_code 1 k3sguard --root r update check --channels-file $F/channels-good.json --advisories none.json >out &&
	grep -q "at most 1 minor and 0 patches behind" out &&
	printf "policy:\n  update-max-patches-behind: 1\n" >r/etc/k3sguard/config.yaml &&
	k3sguard --root r update check --channels-file $F/channels-good.json --advisories none.json >out &&
	printf "policy:\n  update-max-patches-behind: many\n" >r/etc/k3sguard/config.yaml &&
	expect_code 2 k3sguard --root r update check --channels-file $F/channels-good.json 2>err &&
	one_line err && grep -q "update-max-patches-behind" err &&
	update_root r v1.27.16+k3s1 &&
	expect_code 1 k3sguard --root r update check --channels-file $F/channels-min.json >out &&
	grep -q "release line v1.27 is not in the channels (end of life)" out
'

test_expect_success 'an rc is older than its release; --channel latest' '
	update_root r v1.35.3-rc1+k3s1 &&
	code_le 1 k3sguard --root r update check --channels-file $F/channels-good.json --channel latest >out &&
	grep -q "behind v1.35 (v1.35.3+k3s1)" out &&
	update_root r v1.36.0-rc1+k3s1 &&
	code_le 1 k3sguard --root r update check --channels-file $F/channels-good.json >out &&
	grep -q "newer than stable" out
'

test_expect_success 'json output' '
	update_root r v1.30.4+k3s1 &&
	expect_code 1 k3sguard --root r update check --channels-file $F/channels-good.json --format json >out.json &&
	jq -e ".installed == \"v1.30.4+k3s1\" and .minors_behind == 4 and .patches_behind == 10 and .line_latest == \"v1.30.14+k3s2\" and .over_policy == true" out.json &&
	jq -e ".advisories | map(.id) == [\"CVE-2026-54250\"]" out.json
'

for bad in truncated no-data bad-version no-id empty html; do
	test_expect_success "malformed channel file ($bad): one-line error, exit 2" '
		update_root r v1.34.6+k3s1 &&
		expect_code 2 k3sguard --root r update check --channels-file $F/channels-'$bad'.json >out 2>err &&
		one_line err && grep -q "channels-'$bad'.json" err
	'
done

test_expect_success 'channel errors say what is wrong' '
	update_root r v1.34.6+k3s1 &&
	expect_code 2 k3sguard --root r update check --channels-file $F/channels-truncated.json 2>err &&
	grep -q "line 1: invalid JSON" err &&
	expect_code 2 k3sguard --root r update check --channels-file $F/channels-no-data.json 2>err &&
	grep -q "no \"data\" list: not the channel server.s format" err &&
	expect_code 2 k3sguard --root r update check --channels-file $F/channels-bad-version.json 2>err &&
	grep -q "channel .stable.: \"latest\" is not a K3s version" err &&
	expect_code 2 k3sguard --root r update check --channels-file $F/channels-min.json --channel v1.99 2>err &&
	grep -q "no channel .v1.99." err &&
	expect_code 2 k3sguard --root r update check --channels-file $F/no-such.json 2>err &&
	grep -q "no-such.json" err
'

test_expect_success 'no k3s binary: error, not a crash' '
	update_root r v1.34.6+k3s1 && rm r/usr/local/bin/k3s &&
	expect_code 2 k3sguard --root r update check --channels-file $F/channels-good.json 2>err &&
	one_line err && grep -q "cannot tell the installed K3s version" err
'

test_expect_success 'advisories are data: a refreshed file is used, a broken one is an error' '
	update_root r v1.34.6+k3s1 &&
	printf "{\"schema\":1,\"k3s\":[{\"id\":\"CVE-2027-1\",\"severity\":\"critical\",\"fixed\":[\"v1.34.7+k3s1\"]}],\"traefik\":[]}" >adv.json &&
	expect_code 1 k3sguard --root r update check --channels-file $F/channels-good.json --advisories adv.json >out &&
	grep -q "CVE-2027-1 (critical)" out &&
	printf "{\"schema\":2}" >adv2.json &&
	expect_code 2 k3sguard --root r update check --channels-file $F/channels-good.json --advisories adv2.json 2>err &&
	one_line err && grep -q "not a k3sguard advisory file" err
'

test_expect_success 'introduced: CVE-2025-46599 only for 1.32.0-1.32.3' '
	printf "{\"schema\":1,\"k3s\":[{\"id\":\"CVE-2025-46599\",\"introduced\":\"v1.32.0\",\"fixed\":[\"v1.32.4\"]}],\"traefik\":[]}" >adv.json &&
	update_root r v1.32.3+k3s1 &&
	code_le 1 k3sguard --root r update check --channels-file $F/channels-good.json --advisories adv.json >out &&
	grep -q CVE-2025-46599 out &&
	update_root r v1.31.5+k3s1 &&
	code_le 1 k3sguard --root r update check --channels-file $F/channels-good.json --advisories adv.json >out &&
	! grep -q CVE-2025-46599 out
'

test_expect_success 'audit: updates checks with the shipped data, pass and fail' '
	update_root r v1.34.6+k3s1 &&
	code_le 1 k3sguard --root r audit --strategy updates --format json >a.json &&
	jq -e "[.checks[] | select(.id == \"updates.channel\" or .id == \"updates.advisories\" or .id == \"updates.version-known\") | .status] == [\"pass\",\"pass\",\"pass\"]" a.json &&
	update_root r v1.30.4+k3s1 &&
	expect_code 1 k3sguard --root r audit --strategy updates --format json >a.json &&
	jq -e "[.checks[] | select(.id == \"updates.channel\" or .id == \"updates.advisories\") | .status] == [\"fail\",\"fail\"]" a.json &&
	rm r/usr/local/bin/k3s &&
	code_le 2 k3sguard --root r audit --strategy updates --format json >a.json &&
	jq -e "[.checks[] | select(.id == \"updates.channel\") | .status] != [\"pass\"]" a.json
'

test_expect_success 'usage errors exit 64' '
	expect_code 64 k3sguard update check --format yaml 2>err && one_line err &&
	expect_code 64 k3sguard update check extra 2>err &&
	expect_code 64 k3sguard update frob 2>err &&
	k3sguard update check --help | grep -q "usage: k3sguard update check"
'

test_done
