#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9511: waivers at the edges the mutation run (make mutate,
# docs/testing.md) found untested: a waiver expiring today still applies
# (it expires after its day), one that expired yesterday does not; a warn
# is waived like a fail.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-audit.sh"
cd "$TMP" || exit 1

# waiver FILE CHECK EXPIRES
waiver() {
	printf "waivers:\n  - check: %s\n    reason: accepted for the test\n    expires: %s\n" "$2" "$3" >"$1"
}

test_expect_success 'a waiver expiring today applies; one that expired yesterday does not' '
	R=$(node_root a default-server) &&
	audit_json "$R" --strategy manifests && test "$(check_status manifests.baseline)" = fail &&
	waiver w.yaml manifests.baseline "$(date -u +%F)" &&
	audit_json "$R" --strategy manifests --waivers w.yaml &&
	test "$(check_status manifests.baseline)" = waived &&
	waiver w.yaml manifests.baseline "$(date -u -d yesterday +%F)" &&
	audit_json "$R" --strategy manifests --waivers w.yaml &&
	test "$(check_status manifests.baseline)" = fail &&
	check_field manifests.baseline evidence | grep -q "waiver expired"
'

test_expect_success 'a warn is waived like a fail' '
	R=$(node_root b default-server) &&
	echo "cluster-init: true" >>"$R/etc/rancher/k3s/config.yaml" &&
	audit_json "$R" --strategy etcd && test "$(check_status etcd.members)" = warn &&
	waiver w.yaml etcd.members 2099-12-31 &&
	audit_json "$R" --strategy etcd --waivers w.yaml &&
	test "$(check_status etcd.members)" = waived
'

test_expect_success 'a waivers file its group can write is refused (exit 2)' '
	R=$(node_root c default-server) &&
	waiver w.yaml manifests.baseline 2099-12-31 && chmod 0620 w.yaml &&
	expect_code 2 k3sguard --root "$R" audit --strategy manifests --waivers w.yaml >out 2>err &&
	grep -q "writable by group or others" err &&
	chmod 0600 w.yaml &&
	expect_code 1 k3sguard --root "$R" audit --strategy manifests --waivers w.yaml >out 2>err
'

test_expect_success 'prom: a warn check has the gauge value 2 (the HELP text says so)' '
	R=$(node_root d default-server) &&
	echo "cluster-init: true" >>"$R/etc/rancher/k3s/config.yaml" &&
	expect_code 1 k3sguard --root "$R" audit --strategy etcd --format prom >p &&
	grep -q "^k3sguard_check_status{id=\"etcd.members\",.*status=\"warn\"} 2$" p &&
	grep -q "^# HELP k3sguard_check_status .* 2 warn" p
'

test_done
