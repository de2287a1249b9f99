#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t6900: hostile node images for update check, plan, prepare and rollback.
# The kit directory prepare picks under --root, the files rollback
# restores, a directory on their way and the datastore directory are an
# absolute link, a relative link climbing out with "..", an intermediate
# directory link or a hard link, each to canary files OUTSIDE the root;
# everything runs again with the gate's O_NOFOLLOW walk.  No canary byte
# may reach stdout or stderr and no canary may change (content, mode,
# owner, mtime).  (The kit itself is a local directory the user names.)
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/update/root.sh"
. "$(dirname "$0")/lib-canary.sh"
cd "$TMP" || exit 1
F=$TOP/tests/fixtures/update
MARK=CANARY-51be07-BYTES

# image NAME: an update root $TMP/NAME and the canary tree $TMP/NAME.canary.
image() {
	update_root "$TMP/$1" v1.33.8+k3s1 sqlite &&
	c=$TMP/$1.canary && rm -rf "$c" && mkdir -p "$c/rollback" "$c/k3s" "$c/db" &&
	for f in config.yaml k3s/config.yaml db/state.db rollback/kit.json token; do
		printf '%s %s\n' "$MARK" "$f" >"$c/$f" || return 1
	done
}

# check NAME CMD...: run k3sguard --root $TMP/NAME CMD; exit 0, 1 or 2 (no
# crash), no canary byte in its output, no canary changed.
check() {
	n=$1; shift
	before=$(canary_state "$TMP/$n.canary")
	set +e
	"$K3SGUARD" --root "$TMP/$n" "$@" >out 2>err
	rc=$?
	set -e
	case $rc in 0|1|2) ;; *) echo "$*: exit $rc"; return 1 ;; esac
	! grep -q "$MARK" out err || { echo "$*: canary bytes in the output"; return 1; }
	test "$(canary_state "$TMP/$n.canary")" = "$before" || { echo "$*: a canary changed"; return 1; }
}

update_root "$TMP/clean" v1.33.8+k3s1 sqlite &&
k3sguard --root "$TMP/clean" update prepare --out "$TMP/kit" >/dev/null || exit 1
KD=var/lib/k3sguard

for walk in 0 1; do
	export K3SGUARD_GATE_WALK=$walk
	w=" (gate walk $walk)"

	test_expect_success "prepare: the default kit directory is a link out$w" '
		for kind in abs rel; do
			image p-$kind && mkdir -p "$TMP/p-$kind/$KD" &&
			plant $kind "$TMP/p-$kind/$KD/rollback" "$TMP/p-$kind.canary/rollback" &&
			check p-$kind update prepare && test $rc = 2 && grep -q "symlink" err && one_line err &&
			check p-$kind update prepare --dry-run && test $rc = 2 || exit 1
		done &&
		image p-mid && mkdir -p "$TMP/p-mid/var/lib" &&
		plant abs "$TMP/p-mid/$KD" "$TMP/p-mid.canary" &&
		check p-mid update prepare && test $rc = 2 && grep -q "symlink" err
	'

	test_expect_success "rollback: restored files are absolute / climbing / hard links$w" '
		for kind in abs rel hard; do
			image r-$kind &&
			plant $kind "$TMP/r-$kind/etc/rancher/k3s/config.yaml" "$TMP/r-$kind.canary/config.yaml" &&
			plant $kind "$TMP/r-$kind/var/lib/rancher/k3s/server/token" "$TMP/r-$kind.canary/token" &&
			check r-$kind update rollback --kit "$TMP/kit" --dry-run &&
			{ check r-$kind update rollback --kit "$TMP/kit" || exit 1; } &&
			case $kind in
			hard)	# the name replaced by a rename: the kit copy, one link; the canary kept
				test $rc = 0 &&
				test "$(stat -c %h "$TMP/r-$kind/etc/rancher/k3s/config.yaml")" = 1 &&
				cmp "$TMP/kit/files/etc/rancher/k3s/config.yaml" \
				    "$TMP/r-$kind/etc/rancher/k3s/config.yaml" || exit 1 ;;
			*)	# a link where the kit has a file: refused, not followed
				test $rc = 2 && grep -q "symlink, not a regular file (refused)" err &&
				test -L "$TMP/r-$kind/etc/rancher/k3s/config.yaml" || exit 1 ;;
			esac
		done
	'

	test_expect_success "rollback: a directory on the way, the datastore directory link out$w" '
		image r-mid && rm -rf "$TMP/r-mid/etc/rancher/k3s" &&
		plant abs "$TMP/r-mid/etc/rancher/k3s" "$TMP/r-mid.canary/k3s" &&
		check r-mid update rollback --kit "$TMP/kit" &&
		image r-mid2 && rm -rf "$TMP/r-mid2/etc/rancher" &&
		plant rel "$TMP/r-mid2/etc/rancher" "$TMP/r-mid2.canary" &&
		check r-mid2 update rollback --kit "$TMP/kit" &&
		image r-db && rm -rf "$TMP/r-db/var/lib/rancher/k3s/server/db" &&
		plant rel "$TMP/r-db/var/lib/rancher/k3s/server/db" "$TMP/r-db.canary/db" &&
		check r-db update rollback --kit "$TMP/kit" &&
		image r-dbf && plant hard "$TMP/r-dbf/var/lib/rancher/k3s/server/db/state.db" "$TMP/r-dbf.canary/db/state.db" &&
		check r-dbf update rollback --kit "$TMP/kit" && test $rc = 0
	'

	test_expect_success "check and plan on the same images$w" '
		for n in r-abs r-rel r-hard r-mid r-mid2 r-db p-mid; do
			image $n >/dev/null || exit 1
		done &&
		plant abs "$TMP/r-abs/etc/rancher/k3s/config.yaml" "$TMP/r-abs.canary/config.yaml" &&
		plant rel "$TMP/r-rel/etc/rancher/k3s/config.yaml" "$TMP/r-rel.canary/config.yaml" &&
		plant hard "$TMP/r-hard/etc/rancher/k3s/config.yaml" "$TMP/r-hard.canary/config.yaml" &&
		rm -rf "$TMP/r-mid/etc/rancher/k3s" && plant abs "$TMP/r-mid/etc/rancher/k3s" "$TMP/r-mid.canary/k3s" &&
		for n in r-abs r-rel r-mid; do
			check $n update check --channels-file "$F/channels-good.json" &&
			check $n update plan --channels-file "$F/channels-good.json" || exit 1
		done
	'
done
unset K3SGUARD_GATE_WALK

test_done
