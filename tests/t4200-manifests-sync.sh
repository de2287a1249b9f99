#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t4200: manifests sync --from DIR: a GitOps source made the directory's
# managed content, atomically and idempotently, then locked; symlinks,
# escaping names and destinations through symlinks refused with nothing
# changed; packaged K3s files left alone; --prune; a running --enforce
# watcher does not undo it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-manifests.sh"
cd "$TMP" || exit 1

R=$(mroot node)
M=$(mdir "$R")
LOCK=$R/var/lib/k3sguard/manifests.lock
k3sguard manifests lock --root "$R" >/dev/null 2>&1 || exit 1
S=$TMP/src
mkdir -p "$S/apps" "$S/.git" "$S/monitoring"
cp "$M/apps/web.yaml" "$S/apps/web.yaml"
printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n' >"$S/apps/team-a.yaml"
printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n' >"$S/monitoring/ns.yaml"
echo "ref: refs/heads/main" >"$S/.git/HEAD"
echo "# not K3s's" >"$S/coredns.yaml"
: >"$S/local-storage.yaml.skip"

test_expect_success '--dry-run prints the changes and changes nothing' '
	sum=$(sha256sum "$LOCK") &&
	k3sguard manifests sync --root "$R" --from "$S" --dry-run >out &&
	grep -q "^+ apps/team-a.yaml (sha256:" out &&
	grep -q "^+ monitoring/ (directory, 0700)" out &&
	grep -q "^+ monitoring/ns.yaml" out &&
	grep -q "^+ local-storage.yaml.skip" out &&
	grep -q "^= coredns.yaml: packaged K3s file, left alone" out &&
	grep -q "^dry run: would write 4, remove 0, leave 1 unchanged" out &&
	! grep -q ".git" out &&
	test ! -e "$M/apps/team-a.yaml" && test "$(sha256sum "$LOCK")" = "$sum"
'

test_expect_success 'sync writes 0600 files atomically, leaves packaged files, then locks' '
	k3sguard manifests sync --root "$R" --from "$S" >out &&
	grep -q "^synced: 4 written, 0 removed, 1 unchanged" out &&
	cmp "$S/apps/team-a.yaml" "$M/apps/team-a.yaml" &&
	cmp "$S/monitoring/ns.yaml" "$M/monitoring/ns.yaml" &&
	test "$(stat -c %a:%u "$M/apps/team-a.yaml")" = 600:0 &&
	test "$(stat -c %a "$M/monitoring")" = 700 &&
	test -e "$M/local-storage.yaml.skip" &&
	! grep -q "not K3s" "$M/coredns.yaml" &&
	test -z "$(find "$M" -name ".k3sguard-*")" &&
	grep -q " m apps/team-a.yaml$" "$LOCK" && grep -q " p coredns.yaml$" "$LOCK" &&
	k3sguard manifests verify --root "$R" >out && grep -q "no drift" out
'

test_expect_success 'a second sync is a no-op (idempotent): nothing written, lock untouched' '
	before=$(stat -c %i:%Y "$LOCK" "$M/apps/team-a.yaml") &&
	k3sguard manifests sync --root "$R" --from "$S" >out &&
	grep -q "^nothing to do: 4 managed files already match" out &&
	test "$(stat -c %i:%Y "$LOCK" "$M/apps/team-a.yaml")" = "$before"
'

test_expect_success 'a changed source and a loosened mode are put right' '
	echo "  extra: 1" >>"$S/apps/team-a.yaml" && chmod 0644 "$M/monitoring/ns.yaml" &&
	k3sguard manifests sync --root "$R" --from "$S" >out &&
	grep -q "^~ apps/team-a.yaml: content" out &&
	grep -q "^~ monitoring/ns.yaml: mode/owner (0644 0 -> 0600 0)" out &&
	cmp "$S/apps/team-a.yaml" "$M/apps/team-a.yaml" &&
	test "$(stat -c %a "$M/monitoring/ns.yaml")" = 600 &&
	k3sguard manifests verify --root "$R" >/dev/null
'

test_expect_success '--prune removes managed files gone from the source, never someone else'"'"'s' '
	cp "$TOP/tests/fixtures/manifests/evil.yaml" "$M/evil.yaml" &&
	rm "$S/apps/team-a.yaml" &&
	k3sguard manifests sync --root "$R" --from "$S" >out &&
	test -e "$M/apps/team-a.yaml" &&
	k3sguard manifests sync --root "$R" --from "$S" --prune >out &&
	grep -q "^- apps/team-a.yaml (pruned; .*delete addon team-a)" out &&
	test ! -e "$M/apps/team-a.yaml" && test -e "$M/apps/web.yaml" &&
	test -e "$M/evil.yaml" && test -e "$M/traefik.yaml" &&
	expect_code 1 k3sguard manifests verify --root "$R" >out &&
	grep -q "^added    evil.yaml" out && grep -q "^drift: 1 change$" out &&
	rm "$M/evil.yaml"
'

refused() {
	sum=$(sha256sum "$LOCK")
	expect_code 2 k3sguard manifests sync --root "$R" --from "$1" >out 2>err &&
	one_line err && grep -q "$2" err && grep -q "nothing changed" err &&
	test "$(sha256sum "$LOCK")" = "$sum"
}

test_expect_success 'a symlink in the source is refused; nothing changed' '
	cp -R "$S" "$TMP/s1" && echo "new: 1" >"$TMP/s1/new.yaml" &&
	ln -s /etc/shadow "$TMP/s1/shadow.yaml" &&
	refused "$TMP/s1" "shadow.yaml. is a symlink (refused)" &&
	test ! -e "$M/new.yaml"
'

test_expect_success 'a symlinked directory escaping with ../ is refused' '
	cp -R "$S" "$TMP/s2" && ln -s ../../../../etc "$TMP/s2/up" &&
	refused "$TMP/s2" "up. is a symlink (refused)"
'

test_expect_success 'a name with a control character is refused' '
	cp -R "$S" "$TMP/s3" && echo "a: 1" >"$TMP/s3/$(printf "bad\nname.yaml")" &&
	refused "$TMP/s3" "is not a plain relative name"
'

test_expect_success 'a special file and an oversized file are refused' '
	cp -R "$S" "$TMP/s4" && mkfifo "$TMP/s4/pipe.yaml" &&
	refused "$TMP/s4" "pipe.yaml. is a fifo (refused)" &&
	cp -R "$S" "$TMP/s5" && head -c 1100000 /dev/zero >"$TMP/s5/big.yaml" &&
	refused "$TMP/s5" "big.yaml. (larger than"
'

test_expect_success 'a destination path through a symlink is refused' '
	mkdir -p "$TMP/elsewhere" && ln -s "$TMP/elsewhere" "$M/ext" &&
	cp -R "$S" "$TMP/s6" && mkdir "$TMP/s6/ext" && echo "x: 1" >"$TMP/s6/ext/x.yaml" &&
	refused "$TMP/s6" "ext. is a symlink (refused)" &&
	test -z "$(ls "$TMP/elsewhere")" && rm "$M/ext"
'

test_expect_success 'a forged baseline: sync refuses to build on it (exit 1)' '
	cp -R "$R" "$TMP/forged" &&
	sed -i "s/^f 0600 /f 0644 /" "$TMP/forged/var/lib/k3sguard/manifests.lock" &&
	expect_code 1 k3sguard manifests sync --root "$TMP/forged" --from "$S" 2>err &&
	one_line err && grep -q "signature bad" err
'

test_expect_success 'usage: --from is required' '
	expect_code 64 k3sguard manifests sync --root "$R" 2>err && one_line err
'

test_expect_success 'a running watch --enforce does not undo a sync' '
	start_watch w --root "$R" --enforce &&
	printf "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-b\n" >"$S/apps/team-b.yaml" &&
	k3sguard manifests sync --root "$R" --from "$S" >out &&
	wait_for w.out "\"event\":\"baseline-loaded\".*lock file replaced" &&
	sleep 0.3 &&
	cmp "$S/apps/team-b.yaml" "$M/apps/team-b.yaml" &&
	k3sguard manifests verify --root "$R" >/dev/null &&
	stop_watch w
'

test_done
