#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9060: what 'manifests watch --enforce' quarantines is private afterwards
# (issue 19 "Quarantined manifests: the file's mode after quarantine"): a
# dropped-in file at 0644, 0666 or 0604 becomes 0600, a directory 0755
# becomes 0700, inside the 0700 quarantine; a file with a second hard link
# (whose other name may be outside the root) is moved but its mode is left
# alone, so the other name is not changed through it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-manifests.sh"
cd "$TMP" || exit 1

EVIL=$TOP/tests/fixtures/manifests/evil.yaml
R=$(mroot node)
M=$(mdir "$R")
Q=$R/var/lib/k3sguard/quarantine
k3sguard manifests lock --root "$R" >/dev/null 2>&1 || exit 1

# quarantined NAME: the quarantine's entry for manifests path NAME
quarantined() {
	wait_for q.out "\"event\":\"quarantined\",.*\"path\":\"$1\"" &&
	ls "$Q" | grep -- "-$(printf %s "$1" | tr / _)\$" | head -n 1
}

test_expect_success 'start the enforcing watcher' '
	start_watch q --root "$R" --enforce
'

test_expect_success 'dropped-in files at 0644, 0666, 0604, 0640 are 0600 in the quarantine' '
	for m in 0644 0666 0604 0640; do
		cp "$EVIL" "$TMP/evil-$m.yaml" && chmod $m "$TMP/evil-$m.yaml" &&
		mv "$TMP/evil-$m.yaml" "$M/evil-$m.yaml" &&
		q=$(quarantined "evil-$m.yaml") && [ -n "$q" ] &&
		test ! -e "$M/evil-$m.yaml" &&
		cmp "$EVIL" "$Q/$q" &&
		test "$(stat -c %a "$Q/$q")" = 600 || { echo "$m: $(stat -c %a "$Q/$q")"; exit 1; }
	done &&
	test "$(stat -c %a "$Q")" = 700
'

test_expect_success 'a dropped-in directory 0755 is 0700 in the quarantine' '
	mkdir -m 0755 "$TMP/evil-dir" && cp "$EVIL" "$TMP/evil-dir/x.yaml" &&
	mv "$TMP/evil-dir" "$M/evil-dir" &&
	q=$(quarantined "evil-dir") && [ -n "$q" ] &&
	test ! -e "$M/evil-dir" &&
	test -d "$Q/$q" && test "$(stat -c %a "$Q/$q")" = 700
'

test_expect_success 'a hard-linked file is moved, its mode (shared with its other name) left alone' '
	cp "$EVIL" "$TMP/outside.yaml" && chmod 0644 "$TMP/outside.yaml" &&
	ln "$TMP/outside.yaml" "$M/linked.yaml" &&
	q=$(quarantined "linked.yaml") && [ -n "$q" ] &&
	test ! -e "$M/linked.yaml" &&
	test "$(stat -c %a "$TMP/outside.yaml")" = 644
'

test_expect_success 'the tree is back to its baseline' '
	k3sguard manifests verify --root "$R" >out &&
	grep -q "no drift" out &&
	stop_watch q
'

test_done
