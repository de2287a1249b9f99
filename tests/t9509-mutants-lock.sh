#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9509: the manifests lock and content store at the edges the mutation run
# (make mutate, docs/testing.md) found untested: what 'manifests lock'
# writes is private (the lock, every blob 0600, their directories 0700);
# a lock with a second hard link or one its group can write is refused;
# a tampered blob is never restored by watch --enforce.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-manifests.sh"
cd "$TMP" || exit 1

R=$(mroot l)
M=$(mdir "$R")
L=$R/var/lib/k3sguard/manifests.lock
ST=$R/var/lib/k3sguard/manifests.store

test_expect_success 'lock writes the lock and every blob 0600, the store directories 0700' '
	k3sguard manifests lock --root "$R" >/dev/null 2>&1 &&
	test "$(stat -c %a "$L")" = 600 &&
	test -n "$(find "$ST" -type f)" &&
	test -z "$(find "$ST" -type f ! -perm 0600)" &&
	test -z "$(find "$ST" -type d ! -perm 0700)"
'

test_expect_success 'a lock with a second hard link is refused (exit 2)' '
	ln "$L" "$TMP/lock-copy" &&
	expect_code 2 k3sguard manifests verify --root "$R" >out 2>err &&
	grep -q "hard link" err &&
	rm "$TMP/lock-copy" && k3sguard manifests verify --root "$R" >/dev/null
'

test_expect_success 'a lock its group can write is refused (exit 2)' '
	chmod 0620 "$L" &&
	expect_code 2 k3sguard manifests verify --root "$R" >out 2>err &&
	grep -q "writable by group or others" err &&
	chmod 0600 "$L" && k3sguard manifests verify --root "$R" >/dev/null
'

test_expect_success 'watch --enforce: a tampered blob is not restored, the restore fails' '
	blob=$(find "$ST" -type f | head -n 1) && sha=$(basename "$(dirname "$blob")")$(basename "$blob") &&
	f=$(cd "$M" && for x in $(find . -type f); do
		[ "$(sha256sum "$x" | cut -c1-64)" = "$sha" ] && { echo "${x#./}"; break; }; done) &&
	test -n "$f" &&
	printf "tampered: true\n" >"$blob" &&
	start_watch w --root "$R" --enforce &&
	echo "changed: 1" >>"$M/$f" &&
	wait_for w.out "\"event\":\"failed\",.*\"path\":\"$f\"" &&
	! grep -q "tampered" "$M/$f" &&
	stop_watch w
'

test_done
