#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t4300: apparmor profile: the profile for /usr/local/bin/k3s is checked by
# Debian's apparmor_parser in parse-only mode (-Q: no kernel load, -K: no
# cache), and K3s may write only its packaged files in server/manifests.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-manifests.sh"
cd "$TMP" || exit 1

AAP=$(command -v apparmor_parser || echo /sbin/apparmor_parser)
parse() { "$AAP" -Q -K "$@"; }

if [ ! -x "$AAP" ]; then
	test_skip 'apparmor profile tests' 'apparmor_parser missing (scripts/deps/manifests.txt installs apparmor)'
	test_done
fi

test_expect_success 'complain-mode profile parses with apparmor_parser' '
	k3sguard apparmor profile >complain.prof &&
	grep -q "^profile k3s /usr/local/bin/k3s flags=(attach_disconnected,mediate_deleted,complain) {" complain.prof &&
	parse complain.prof
'

test_expect_success 'enforce-mode profile parses and compiles to binary policy' '
	k3sguard apparmor profile --mode enforce >enforce.prof &&
	grep -q "^profile k3s /usr/local/bin/k3s flags=(attach_disconnected,mediate_deleted) {" enforce.prof &&
	parse -S enforce.prof >policy.bin && test -s policy.bin
'

test_expect_success 'the parser really checks: a broken profile is rejected' '
	sed "s/^  capability,/  capabilityx,/" enforce.prof >broken.prof &&
	! parse broken.prof 2>err && grep -q "parser error" err
'

test_expect_success 'every path of reference/k3s.md "Confinement" is allowed' '
	for p in /etc/rancher/ "@{K3S_DATA}/" /run/k3s/ /run/flannel/ /var/lib/kubelet/ \
	    /var/lib/cni/ /run/netns/ /var/log/pods/ /var/log/containers/ \
	    "/usr/local/bin/k3s mrix" /etc/rancher/node/password; do
		grep -qF "  $p" enforce.prof || { echo "missing $p"; exit 1; }
	done &&
	grep -q "^@{K3S_DATA}=/var/lib/rancher/k3s$" enforce.prof
'

test_expect_success 'in server/manifests K3s may write only its packaged files' '
	parse -p enforce.prof >pre.prof &&
	grep "server/manifests" pre.prof >man.rules &&
	grep -E " [a-z]*w[a-z]*,$" man.rules >man.writes &&
	test "$(wc -l <man.writes)" -eq 3 &&
	grep -qF "server/manifests/{ccm,coredns,local-storage,rolebindings,runtimes,traefik}.yaml w," man.writes &&
	grep -qF "server/manifests/metrics-server/ w," man.writes &&
	grep -qF "server/manifests/metrics-server/*.yaml w," man.writes &&
	grep -qF "server/manifests/** r," man.rules &&
	! grep -E "server/(\*\*|\{[^}]*manifests)" pre.prof &&
	! grep -E "K3S_DATA\}/(\*\*|server/\*\*)" pre.prof
'

test_expect_success 'the data dir comes from the K3s config under --root, or --data-dir' '
	R=$TMP/node && mkdir -p "$R/etc/rancher/k3s" &&
	echo "data-dir: /srv/k3s" >"$R/etc/rancher/k3s/config.yaml" &&
	k3sguard apparmor profile --root "$R" >dd.prof &&
	grep -q "^@{K3S_DATA}=/srv/k3s$" dd.prof && parse dd.prof &&
	k3sguard apparmor profile --data-dir /data/k3s/ --k3s-bin /opt/bin/k3s >dd2.prof &&
	grep -q "^@{K3S_DATA}=/data/k3s$" dd2.prof &&
	grep -q "^profile k3s /opt/bin/k3s " dd2.prof && parse dd2.prof
'

test_expect_success 'a path AppArmor would read as a glob or quote is refused' '
	expect_code 2 k3sguard apparmor profile --data-dir "/var/lib/k3s*" 2>err &&
	one_line err && grep -q "data dir ./var/lib/k3s\*. has characters" err &&
	expect_code 2 k3sguard apparmor profile --k3s-bin "/usr/local/bin/k 3s" 2>err &&
	one_line err
'

test_expect_success '--output --dry-run writes nothing; --output writes 0644 atomically' '
	R=$TMP/outroot && mkdir -p "$R/etc/apparmor.d" &&
	k3sguard apparmor profile --root "$R" --output /etc/apparmor.d/usr.local.bin.k3s --dry-run >out &&
	grep -q "would write the complain-mode profile" out &&
	test ! -e "$R/etc/apparmor.d/usr.local.bin.k3s" &&
	k3sguard apparmor profile --root "$R" --output /etc/apparmor.d/usr.local.bin.k3s >out &&
	test "$(stat -c %a "$R/etc/apparmor.d/usr.local.bin.k3s")" = 644 &&
	parse "$R/etc/apparmor.d/usr.local.bin.k3s"
'

test_expect_success 'usage errors: exit 64' '
	expect_code 64 k3sguard apparmor profile --mode strict 2>err && one_line err &&
	expect_code 64 k3sguard apparmor profile --dry-run 2>err &&
	expect_code 64 k3sguard apparmor load 2>err
'

test_done
