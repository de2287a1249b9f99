#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t8120: make image (mk/image.mk): built offline with buildah, the same
# digest twice (the target checks; here a third build from a clean stage
# must give it again); the image's file system exported from the OCI
# archive (no container is started: where podman run is refused this is
# the way) has no shell and no package manager, and its binary, run with
# chroot in a private mount namespace, audits example trees bind-mounted
# read-only at /host, with the same results as the binary on the host.
. "$(dirname "$0")/lib.sh"

for t in buildah jq unshare chroot tar; do
	has_cmd "$t" || { echo "missing '$t' (scripts/deps/fleet.txt installs it)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "t8120 needs root (chroot, mount namespaces)" >&2; exit 1; }
cd "$TMP" || exit 1
# the image target writes into the build dir of the binary under test
IB=$(dirname "$K3SGUARD")

test_expect_success 'make image: built twice with one digest, and again from scratch' '
	make -s -C "$TOP" B="$IB" image >out1 &&
	d1=$(cat "$IB/image.digest") && echo "$d1" | grep -Eq "^sha256:[0-9a-f]{64}$" &&
	rm -rf "$IB/image-root" &&
	make -s -C "$TOP" B="$IB" image >out2 &&
	test "$(cat "$IB/image.digest")" = "$d1"
'

test_expect_success 'the exported file system: the binary, its libraries, data, CA certificates; no shell' '
	mkdir oci rootfs && tar -xf "$IB/k3sguard-image.tar" -C oci &&
	m=$(jq -r ".manifests[0].digest" oci/index.json | sed "s/sha256://") &&
	for l in $(jq -r ".layers[].digest" "oci/blobs/sha256/$m" | sed "s/sha256://"); do
		tar -xf "oci/blobs/sha256/$l" -C rootfs || exit 1
	done &&
	test -x rootfs/usr/bin/k3sguard && test -s rootfs/etc/ssl/certs/ca-certificates.crt &&
	test -s rootfs/usr/share/k3sguard/advisories.json &&
	for no in bin/sh usr/bin/sh bin/bash usr/bin/dpkg usr/bin/apt usr/bin/env; do
		test ! -e "rootfs/$no" || { echo "image has $no"; exit 1; }
	done &&
	c=$(jq -r ".config.digest" "oci/blobs/sha256/$m" | sed "s/sha256://") &&
	jq -e ".config.Entrypoint == [\"/usr/bin/k3sguard\"]" "oci/blobs/sha256/$c"
'

# inimage TREE ARGS...: the image binary, chrooted, with TREE read-only at /host
inimage() {
	t=$1; shift
	unshare -m --propagation private sh -c '
		r=$1 t=$2; shift 2
		mount --bind "$t" "$r/host" && mount -o remount,bind,ro "$r/host" &&
		exec chroot "$r" /usr/bin/k3sguard "$@"' sh "$TMP/rootfs" "$t" "$@"
}

for ex in default-server hardened-server; do
	test_expect_success "the image audits $ex, read-only, as the host binary does" '
		T=$(node_root "$ex" "$ex") &&
		{ inimage "$T" --root /host audit --format json >img.json || test $? -eq 1; } &&
		{ k3sguard --root "$T" audit --format json >host.json || test $? -eq 1; } &&
		jq -c "[.checks[] | [.id, .status]]" img.json >a && jq -c "[.checks[] | [.id, .status]]" host.json >b &&
		cmp a b && test "$(jq ".checks | length" img.json)" -gt 40 &&
		jq -e ".cluster.cluster_ca_sha256 != null" img.json &&
		! chroot "$TMP/rootfs" /bin/sh -c true 2>/dev/null
	'
done

test_done
