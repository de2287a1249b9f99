#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t8010: audit --format prom, read by its real consumers: `promtool check
# metrics` (the exposition format and Prometheus's naming rules), and
# `promtool test rules`, which evaluates the shipped alerting rules
# (contrib/prometheus/k3sguard-rules.yml) over series made from our own
# output and says which alerts fire.
. "$(dirname "$0")/lib.sh"

for t in promtool jq; do
	has_cmd "$t" || { echo "missing '$t' (scripts/deps/reports.txt installs it)" >&2; exit 1; }
done
cd "$TMP" || exit 1
Q="'"
RULES=$TOP/contrib/prometheus/k3sguard-rules.yml
D=$(node_root d default-server)
H=$(node_root h hardened-server)

# prom_series FILE: the samples of a metrics file as promtool input_series
prom_series() {
	grep -v '^#' "$1" | while read -r series value; do
		printf "      - series: '%s'\n        values: '%sx20'\n" "$series" "$value"
	done
}

test_expect_success 'default-server: metrics pass promtool check metrics, one gauge per check' '
	expect_code 1 k3sguard --root "$D" audit --format prom >d.prom &&
	promtool check metrics <d.prom >lint 2>&1 && test ! -s lint &&
	k3sguard --root "$D" audit --format json >d.json || test $? -eq 1 &&
	test "$(grep -c "^k3sguard_check_status{" d.prom)" -eq "$(jq ".checks | length" d.json)" &&
	jq -r ".checks[] | select(.status == \"fail\") | .id" d.json >failed &&
	while read -r id; do
		grep -q "^k3sguard_check_status{id=\"$id\",.*} 0$" d.prom || { echo "no 0 for $id"; exit 1; }
	done <failed &&
	jq -r ".checks[] | select(.status == \"skip\") | .id" d.json | head -n1 >skipped &&
	grep -q "^k3sguard_check_status{id=\"$(cat skipped)\",.*} -1$" d.prom &&
	grep -q "^k3sguard_audit_timestamp_seconds [0-9]*$" d.prom &&
	grep -q "^k3sguard_audit_duration_seconds [0-9.]*$" d.prom &&
	grep -q "^k3sguard_strategy_passed_ratio{strategy=\"etcd\"} " d.prom &&
	grep -q "^k3sguard_node_info{role=\"server\",datastore=\"sqlite\"" d.prom
'

# An image without --live: its live etcd checks skip as "offline image" (-1); an
# AppArmor node skips the SELinux checks (-1); traefik.* -1: the HelmChartConfig
# in the cluster lives in the example's external etcd, not read from an image
# without --live (applied state unknown: skip)
test_expect_success 'hardened-server: every check 1 (live etcd, SELinux on an AppArmor node, traefik -1), ratios 1, lint clean' '
	k3sguard --root "$H" audit --format prom >h.prom &&
	promtool check metrics <h.prom >lint 2>&1 && test ! -s lint &&
	grep -q "^k3sguard_check_status{id=\"etcd.live-auth-enabled\",.*} -1$" h.prom &&
	grep -q "^k3sguard_check_status{id=\"traefik.insecure-api\",.*} -1$" h.prom &&
	! grep "^k3sguard_check_status" h.prom | grep -v " 1$" | grep -v "{id=\"etcd.live-[a-z0-9-]*\",.* -1$" |
		grep -v "{id=\"manifests.selinux-[a-z]*\",.* -1$" | grep -v "{id=\"traefik.[a-z0-9-]*\",.* -1$" &&
	! grep "^k3sguard_strategy_passed_ratio" h.prom | grep -v " 1$"
'

test_expect_success 'manifests drift and snapshot age appear where the node has them' '
	k3sguard --root "$H" manifests lock >/dev/null &&
	k3sguard --root "$H" audit --format prom >h2.prom &&
	grep -q "^k3sguard_manifests_drift_entries 0$" h2.prom &&
	echo "kind: ConfigMap" >"$H/var/lib/rancher/k3s/server/manifests/dropped.yaml" &&
	k3sguard --root "$H" audit --format prom >h3.prom || : &&
	grep -q "^k3sguard_manifests_drift_entries 1$" h3.prom &&
	E=$(node_root e default-server) &&
	mkdir -p "$E/var/lib/rancher/k3s/server/db/etcd/member/wal" "$E/var/lib/rancher/k3s/server/db/snapshots" &&
	touch -d "-30 hours" "$E/var/lib/rancher/k3s/server/db/snapshots/etcd-snapshot-node1-1700000000" &&
	k3sguard --root "$E" audit --format prom >e.prom || : &&
	promtool check metrics <e.prom &&
	grep -q "^k3sguard_etcd_snapshots{source=\"k3s\"} 1$" e.prom &&
	age=$(sed -n "s/^k3sguard_etcd_snapshot_age_seconds{source=\"k3s\"} //p" e.prom) &&
	test "$age" -ge 108000 && test "$age" -lt 110000 &&
	! grep -q "source=\"k3sguard\"" e.prom &&
	mkdir -p "$E/var/lib/k3sguard/etcd-snapshots" &&
	touch -d "-2 hours" "$E/var/lib/k3sguard/etcd-snapshots/etcd-20261128T000000Z.ksnap" &&
	touch "$E/var/lib/k3sguard/etcd-snapshots/etcd-20261128T000000Z.ksnap.json" &&
	k3sguard --root "$E" audit --format prom >e2.prom || : &&
	promtool check metrics <e2.prom &&
	grep -q "^k3sguard_etcd_snapshots{source=\"k3sguard\"} 1$" e2.prom &&
	age=$(sed -n "s/^k3sguard_etcd_snapshot_age_seconds{source=\"k3sguard\"} //p" e2.prom) &&
	test "$age" -ge 7200 && test "$age" -lt 7400
'

test_expect_success 'the shipped alerting rules pass promtool check rules' '
	promtool check rules "$RULES" >out 2>&1 &&
	grep -q "SUCCESS: 7 rules found" out
'

test_expect_success 'promtool test rules: our default-server metrics fire exactly the expected alerts' '
	jq -r ".checks[] | select(.severity == \"critical\" and (.status == \"fail\" or .status == \"error\")) | [.id, .strategy, .status] | @tsv" d.json >crit &&
	test -s crit &&
	{
		printf "rule_files:\n  - %s\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n" "$RULES" &&
		prom_series d.prom &&
		printf "    alert_rule_test:\n      - eval_time: 5m\n        alertname: K3sguardCriticalCheckFailed\n        exp_alerts:\n" &&
		while IFS="	" read -r id strategy st; do
			verb=fails && { test "$st" != error || verb="could not be evaluated"; } &&
			printf "          - exp_labels: {severity: critical, id: \"%s\", strategy: \"%s\", status: %s}\n" "$id" "$strategy" "$st" &&
			printf "            exp_annotations:\n" &&
			printf "              summary: \"k3sguard: critical check %s %s on \"\n" "$id" "$verb" &&
			printf "              description: \"Run %sk3sguard audit --strategy %s%s on the node for the evidence and the fix.\"\n" "$Q" "$strategy" "$Q"
		done <crit &&
		printf "      - eval_time: 5m\n        alertname: K3sguardManifestsDrift\n        exp_alerts: []\n"
	} >test.yml &&
	promtool test rules test.yml >out 2>&1 || { cat out; exit 1; }
'

# contrib/prometheus/k3sguard-rules.test.yml: every status value at each
# severity (fail and error alert, warn lower, pass/waived/skip nothing).
test_expect_success 'promtool test rules: the shipped per-status rule tests pass' '
	promtool test rules "$TOP/contrib/prometheus/k3sguard-rules.test.yml" >out 2>&1 || { cat out; exit 1; }
'

test_expect_success 'promtool test rules: stale audit, old snapshot, old token, drift fire' '
	cat >t2.yml <<-EOF &&
	rule_files:
	  - $RULES
	evaluation_interval: 1m
	tests:
	  - interval: 1h
	    input_series:
	      - series: k3sguard_audit_timestamp_seconds{instance="n1"}
	        values: 0x5
	      - series: k3sguard_etcd_snapshot_age_seconds{instance="n1"}
	        values: 90000x5
	      - series: k3sguard_etcd_snapshots{instance="n2"}
	        values: 0x5
	      - series: k3sguard_server_token_file_age_seconds{instance="n1"}
	        values: 7776001x5
	      - series: k3sguard_server_token_file_age_seconds{instance="n2"}
	        values: 86400x5
	      - series: k3sguard_manifests_drift_entries{instance="n1"}
	        values: 2x5
	    alert_rule_test:
	      - eval_time: 4h
	        alertname: K3sguardAuditStale
	        exp_alerts:
	          - exp_labels: {severity: warning, instance: n1}
	            exp_annotations: {summary: "k3sguard: no audit from n1 for 4h 0m 0s"}
	      - eval_time: 1h
	        alertname: K3sguardEtcdSnapshotTooOld
	        exp_alerts:
	          - exp_labels: {severity: critical, instance: n1}
	            exp_annotations: {summary: "k3sguard: newest etcd snapshot on n1 is too old (or there is none)"}
	          - exp_labels: {severity: critical, instance: n2}
	            exp_annotations: {summary: "k3sguard: newest etcd snapshot on n2 is too old (or there is none)"}
	      - eval_time: 1h
	        alertname: K3sguardServerTokenTooOld
	        exp_alerts:
	          - exp_labels: {severity: warning, instance: n1}
	            exp_annotations: {summary: "k3sguard: server token on n1 not rotated for 90d 0h 0m 1s"}
	      - eval_time: 1h
	        alertname: K3sguardManifestsDrift
	        exp_alerts:
	          - exp_labels: {severity: critical, instance: n1}
	            exp_annotations:
	              summary: "k3sguard: manifests on n1 differ from the signed baseline (or it does not verify)"
	              description: "${Q}k3sguard manifests verify${Q} lists the changes; K3s applies any file there as cluster-admin."
	EOF
	promtool test rules t2.yml >out 2>&1 || { cat out; exit 1; }
'

test_done
