#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9505: manifests watch --enforce at the edges the mutation run (make
# mutate, docs/testing.md) found untested: what is quarantined is private
# afterwards (a file 0600, a directory 0700, whatever mode it came with),
# and a file whose only change is its mode gets its locked mode back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-manifests.sh"
cd "$TMP" || exit 1

R=$(mroot q)
M=$(mdir "$R")
Q=$R/var/lib/k3sguard/quarantine
k3sguard manifests lock --root "$R" >/dev/null 2>&1 || exit 1

test_expect_success '--enforce: a dropped-in 0644 file is quarantined 0600' '
	start_watch q1 --root "$R" --enforce &&
	printf "kind: ConfigMap\n" >"$TMP/drop.yaml" && chmod 0644 "$TMP/drop.yaml" &&
	mv "$TMP/drop.yaml" "$M/drop.yaml" &&
	wait_for q1.out "\"event\":\"quarantined\",.*\"path\":\"drop.yaml\"" &&
	test ! -e "$M/drop.yaml" &&
	q=$(ls "$Q" | grep "drop.yaml") &&
	test "$(stat -c %a "$Q/$q")" = 600 &&
	test "$(stat -c %a "$Q")" = 700
'

test_expect_success '--enforce: a dropped-in 0755 directory is quarantined 0700' '
	mkdir -m 0755 "$TMP/dropdir" && printf "a: 1\n" >"$TMP/dropdir/x.yaml" &&
	mv "$TMP/dropdir" "$M/dropdir" &&
	wait_for q1.out "\"event\":\"quarantined\",.*\"path\":\"dropdir\"" &&
	test ! -e "$M/dropdir" &&
	q=$(ls "$Q" | grep "dropdir") &&
	test "$(stat -c %a "$Q/$q")" = 700
'

test_expect_success '--enforce: a mode-only change (0640) gets the locked 0600 back' '
	chmod 0640 "$M/coredns.yaml" &&
	wait_for q1.out "\"event\":\"restored\",.*\"path\":\"coredns.yaml\"" &&
	for _ in $(seq 1 100); do [ "$(stat -c %a "$M/coredns.yaml")" = 600 ] && break; sleep 0.05; done &&
	test "$(stat -c %a "$M/coredns.yaml")" = 600 &&
	stop_watch q1
'

R2=$(mroot r)
M2=$(mdir "$R2")
k3sguard manifests lock --root "$R2" >/dev/null 2>&1 || exit 1

test_expect_success 'a removed manifest K3s applies is a critical drift, applied_by_k3s' '
	start_watch r1 --root "$R2" &&
	rm "$M2/coredns.yaml" &&
	wait_for r1.out "\"path\":\"coredns.yaml\"" &&
	first_alert r1.out ".path == \"coredns.yaml\" and .event == \"drift\"" |
		jq -e ".change == [\"removed\"] and .severity == \"critical\" and .applied_by_k3s" &&
	stop_watch r1
'

test_done
