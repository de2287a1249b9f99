#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t4900: hostile node images for manifests lock, verify, sync and watch.
# In each image the manifests directory, the lock file, a manifest, the
# key or a directory on the way to one of them is an absolute link, a
# relative link climbing out with "..", an intermediate directory link or
# a hard link, each to canary files OUTSIDE the root.  Every command runs
# on every image (and again with the gate's O_NOFOLLOW walk instead of
# openat2): no canary byte may reach stdout, stderr or any file written in
# the image, and no canary may change (content, mode, owner, mtime).
# Every `manifests watch` runs under timeout(1): a hang fails.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-manifests.sh"
. "$(dirname "$0")/lib-canary.sh"
cd "$TMP" || exit 1

MARK=CANARY-7f3a9c-BYTES
SRC=$TMP/src
mkdir -p "$SRC/apps" && printf 'kind: ConfigMap\nmetadata: {name: new}\n' >"$SRC/apps/new.yaml"

# image NAME: a node root $TMP/NAME, locked while it is clean, and beside it
# the canary tree $TMP/NAME.canary whose files all hold $MARK.
image() {
	r=$(mroot "$1") && k3sguard manifests lock --root "$r" >/dev/null 2>&1 &&
	c=$TMP/$1.canary && rm -rf "$c" && mkdir -p "$c/manifests/apps" "$c/k3sguard" "$c/keys" &&
	for f in manifests/coredns.yaml manifests/apps/web.yaml k3sguard/manifests.lock \
	    keys/manifests.key keys/manifests.key.pub file.yaml; do
		printf '%s %s\n' "$MARK" "$f" >"$c/$f" || return 1
	done &&
	chmod 0600 "$c/keys/manifests.key" && chmod 0644 "$c/file.yaml"
}

# no_leak ROOT: no $MARK in out/err, nor in a file of ROOT written since the
# stamp (hard links excluded: the planted one holds the canary's bytes).
no_leak() {
	! grep -q "$MARK" out err &&
	! find "$1" -type f -links 1 -newer "$TMP/stamp" -exec grep -l "$MARK" {} + | grep -q .
}

# run_all NAME: every manifests command on the image, the canary unchanged after each.
run_all() {
	r=$TMP/$1 c=$TMP/$1.canary
	before=$(canary_state "$c") && touch "$TMP/stamp" && sleep 0.01 &&
	for cmd in "verify" "verify --format json" "lock --dry-run" "lock" \
	    "sync --from $SRC --dry-run" "sync --from $SRC" "sync --from $SRC --prune" \
	    "watch --enforce" "watch --enforce --dry-run" "watch"; do
		set +e
		case $cmd in
		watch*) timeout -k 2 3 "$K3SGUARD" manifests $cmd --root "$r" >out 2>err ;;
		*) "$K3SGUARD" manifests $cmd --root "$r" >out 2>err ;;
		esac
		rc=$?
		set -e
		case $rc in 0|1|2|124) ;; *) echo "manifests $cmd: exit $rc (a hang or a crash)"; return 1 ;; esac
		no_leak "$r" || { echo "manifests $cmd: canary bytes in the output"; return 1; }
		test "$(canary_state "$c")" = "$before" ||
			{ echo "manifests $cmd: a canary changed"; return 1; }
	done
}

M=var/lib/rancher/k3s/server/manifests
L=var/lib/k3sguard/manifests.lock
K=etc/k3sguard/manifests.key

for walk in 0 1; do
	export K3SGUARD_GATE_WALK=$walk
	w=" (gate walk $walk)"

	test_expect_success "the manifests directory is an absolute / climbing link$w" '
		for kind in abs rel; do
			image d-$kind && plant $kind "$TMP/d-$kind/$M" "$TMP/d-$kind.canary/manifests" &&
			expect_code 2 k3sguard manifests verify --root "$TMP/d-$kind" 2>err &&
			grep -q "symlink" err && one_line err &&
			run_all d-$kind || exit 1
		done
	'

	test_expect_success "a directory on the way to the manifests is a link out$w" '
		image d-mid && rm -rf "$TMP/d-mid/var/lib/rancher/k3s/server" &&
		plant abs "$TMP/d-mid/var/lib/rancher/k3s/server" "$TMP/d-mid.canary" &&
		expect_code 2 k3sguard manifests verify --root "$TMP/d-mid" 2>err && one_line err &&
		run_all d-mid &&
		image d-mid2 && plant rel "$TMP/d-mid2/var/lib/rancher" "$TMP/d-mid2.canary" &&
		run_all d-mid2
	'

	test_expect_success "the lock file is an absolute / climbing / hard link$w" '
		for kind in abs rel hard; do
			image l-$kind && plant $kind "$TMP/l-$kind/$L" "$TMP/l-$kind.canary/k3sguard/manifests.lock" &&
			expect_code 2 k3sguard manifests verify --root "$TMP/l-$kind" 2>err && one_line err &&
			case $kind in hard) grep -q "hard links" err ;; *) grep -q "symlink" err ;; esac &&
			run_all l-$kind || exit 1
		done
	'

	test_expect_success "the lock directory is a link out$w" '
		for kind in abs rel; do
			image ld-$kind && rm -rf "$TMP/ld-$kind/var/lib/k3sguard" &&
			plant $kind "$TMP/ld-$kind/var/lib/k3sguard" "$TMP/ld-$kind.canary/k3sguard" &&
			expect_code 2 k3sguard manifests verify --root "$TMP/ld-$kind" 2>err && one_line err &&
			grep -q "no baseline" err &&
			run_all ld-$kind || exit 1
		done
	'

	test_expect_success "a manifest is an absolute / climbing / hard link; a subdirectory links out$w" '
		for kind in abs rel hard; do
			image f-$kind && plant $kind "$TMP/f-$kind/$M/coredns.yaml" "$TMP/f-$kind.canary/file.yaml" &&
			expect_code 1 k3sguard manifests verify --root "$TMP/f-$kind" >out &&
			grep -q "coredns.yaml" out &&
			run_all f-$kind || exit 1
		done &&
		image f-hard2 && plant hard "$TMP/f-hard2/$M/coredns.yaml" "$TMP/f-hard2.canary/file.yaml" &&
		expect_code 2 k3sguard manifests lock --root "$TMP/f-hard2" 2>err && grep -q "hard links" err &&
		image f-mid && plant abs "$TMP/f-mid/$M/apps" "$TMP/f-mid.canary/manifests/apps" &&
		run_all f-mid
	'

	test_expect_success "watch --enforce replaces a hard link whose other name is outside, never chmods it$w" '
		image f-hmode && cp "$TMP/f-hmode/$M/coredns.yaml" "$TMP/f-hmode.canary/same.yaml" &&
		chmod 0644 "$TMP/f-hmode.canary/same.yaml" &&
		plant hard "$TMP/f-hmode/$M/coredns.yaml" "$TMP/f-hmode.canary/same.yaml" &&
		before=$(canary_state "$TMP/f-hmode.canary") &&
		expect_code 124 timeout -k 2 3 "$K3SGUARD" manifests watch --enforce --root "$TMP/f-hmode" >out 2>err &&
		grep -q "\"action\":\"restored\",.*\"path\":\"coredns.yaml\"" out &&
		test "$(stat -c "%h %a" "$TMP/f-hmode/$M/coredns.yaml")" = "1 600" &&
		test "$(canary_state "$TMP/f-hmode.canary")" = "$before" &&
		test "$(stat -c %a "$TMP/f-hmode.canary/same.yaml")" = 644 &&
		run_all f-hmode
	'

	test_expect_success "the signing key is an absolute / climbing / hard link$w" '
		for kind in abs rel hard; do
			image k-$kind &&
			plant $kind "$TMP/k-$kind/$K" "$TMP/k-$kind.canary/keys/manifests.key" &&
			plant $kind "$TMP/k-$kind/$K.pub" "$TMP/k-$kind.canary/keys/manifests.key.pub" &&
			expect_code 2 k3sguard manifests verify --root "$TMP/k-$kind" 2>err && one_line err &&
			run_all k-$kind || exit 1
		done
	'
done
unset K3SGUARD_GATE_WALK

test_done
