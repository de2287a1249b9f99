#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t3810: a hostile node image (--root) whose K3s config directory, snapshot
# directory or unit directory is a symlink out of the root: etcd
# datastore-config, snapshot ls/prune and snapshot schedule never read,
# write or remove through it (the canary outside stays as it was), with
# openat2 and with the O_NOFOLLOW walk (K3SGUARD_GATE_WALK=1).
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1

PKI=$TMP/pki
OUT=$TMP/outside

test_expect_success 'setup: a PKI, and a canary directory outside the root' '
	k3sguard etcd pki init --out "$PKI" --member e1=127.0.0.1 >/dev/null &&
	mkdir -p "$OUT" &&
	echo canary >"$OUT/50-k3sguard-datastore.yaml" &&
	echo canary >"$OUT/k3sguard-etcd-snapshot.service" &&
	for n in old new; do
		echo "$n" >"$OUT/$n.ksnap" &&
		echo "{\"created_unix\": $([ $n = old ] && echo 1 || echo 2), \"verified\": true}" \
			>"$OUT/$n.ksnap.json" || exit 1
	done &&
	(cd "$OUT" && find . -type f | sort | xargs sha256sum) >"$TMP/canary.sum"
'

# an image: the k3s identity in place, every directory we write a link out
make_image() {
	root=$1
	mkdir -p "$root/etc/e" "$root/etc/rancher/k3s" "$root/var/lib/k3sguard" \
		"$root/etc/systemd" &&
	cp "$PKI/ca.crt" "$PKI/clients/k3s.crt" "$PKI/clients/k3s.key" "$root/etc/e/" &&
	ln -s "$OUT" "$root/etc/rancher/k3s/config.yaml.d" &&
	ln -s "$OUT" "$root/var/lib/k3sguard/etcd-snapshots" &&
	ln -s "$OUT" "$root/etc/systemd/system"
}

canary_intact() {
	(cd "$OUT" && find . -type f | sort | xargs sha256sum) >"$TMP/now.sum" &&
	cmp "$TMP/canary.sum" "$TMP/now.sum"
}

for walk in 0 1; do
	test_expect_success "datastore-config does not write through a linked config.yaml.d (walk=$walk)" '
		root=$TMP/img-ds-'$walk' && make_image "$root" &&
		{ K3SGUARD_GATE_WALK='$walk' k3sguard --root "$root" etcd datastore-config \
			--endpoints https://127.0.0.1:2379 --cacert /etc/e/ca.crt \
			--cert /etc/e/k3s.crt --key /etc/e/k3s.key >out 2>err || true; } &&
		canary_intact &&
		test -L "$root/etc/rancher/k3s/config.yaml.d"
	'

	test_expect_success "snapshot ls and prune do not reach a linked snapshot directory (walk=$walk)" '
		root=$TMP/img-sn-'$walk' && make_image "$root" &&
		{ K3SGUARD_GATE_WALK='$walk' k3sguard --root "$root" etcd snapshot ls >out 2>err || true; } &&
		! grep -q "\.ksnap" out &&
		{ K3SGUARD_GATE_WALK='$walk' k3sguard --root "$root" etcd snapshot prune --keep 1 \
			>out 2>err || true; } &&
		! grep -q "^removed" out &&
		canary_intact
	'

	test_expect_success "snapshot schedule does not write through a linked unit directory (walk=$walk)" '
		root=$TMP/img-sc-'$walk' && make_image "$root" &&
		{ K3SGUARD_GATE_WALK='$walk' k3sguard --root "$root" etcd snapshot schedule \
			>out 2>err || true; } &&
		canary_intact &&
		! grep -q "^wrote.*$OUT" out
	'
done

test_expect_success 'the same image layout without links: datastore-config writes inside the root' '
	root=$TMP/img-plain && mkdir -p "$root/etc/e" &&
	cp "$PKI/ca.crt" "$PKI/clients/k3s.crt" "$PKI/clients/k3s.key" "$root/etc/e/" &&
	k3sguard --root "$root" etcd datastore-config --endpoints https://127.0.0.1:2379 \
		--cacert /etc/e/ca.crt --cert /etc/e/k3s.crt --key /etc/e/k3s.key >out &&
	test "$(stat -c %a "$root/etc/rancher/k3s/config.yaml.d/50-k3sguard-datastore.yaml")" = 600
'

test_expect_success 'datastore-config opens the key inside the root: a link out is not followed' '
	root=$TMP/img-key && mkdir -p "$root/etc/e" &&
	cp "$PKI/ca.crt" "$PKI/clients/k3s.crt" "$root/etc/e/" &&
	ln -s "$PKI/clients/k3s.key" "$root/etc/e/k3s.key" &&
	expect_code 2 k3sguard --root "$root" etcd datastore-config \
		--endpoints https://127.0.0.1:2379 --cacert /etc/e/ca.crt \
		--cert /etc/e/k3s.crt --key /etc/e/k3s.key 2>err &&
	one_line err
'

test_done
