#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t1142: SELinux on a K3s node (manifests strategy, issue 14 item 5) and the
# check that says when neither AppArmor nor SELinux confines K3s.
#
# The node trees follow what the real pieces write: /etc/selinux/config as
# libselinux reads it (SELINUX=, SELINUXTYPE=); the policy store as
# `semodule -X 200 -i k3s.pp` would (k3s-io/k3s-selinux k3s-selinux.spec %post,
# %selinux_modules_install) leaves it, <store>/<type>/active/modules/200/k3s/
# {cil,hll,lang_ext}, and `semodule -d k3s` marks it in
# active/modules/disabled/k3s; K3s's option as pkg/cli/cmds/agent.go
# SELinuxFlag declares it (selinux, env K3S_SELINUX); file labels in the
# security.selinux xattr, as restorecon writes them.
#
# Labels: this kernel has no SELinux, but as root the security.selinux
# xattr can still be written on ext4/tmpfs (the kernel stores it as is).
# When it cannot (no CAP_SYS_ADMIN, no xattr support), the label tests are
# skipped and say so.  --root never reads the kernel's state (an image is
# judged by the config it boots with); the live-host branch reads
# /sys/fs/selinux/enforce, which this kernel does not have: the last test
# audits this host in a private mount namespace (unshare -m) where a tmpfs
# on /sys/fs holds selinux/enforce as selinuxfs shows it ("0"/"1") and an
# overlay on /etc adds selinux/config and a K3s config.  It is not a real
# selinuxfs: what the kernel would do is not exercised, only how the file
# is read.  Skipped when unshare or the mounts are refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP"

S=var/lib/rancher/k3s/server
CFG=etc/rancher/k3s/config.yaml
STORE=var/lib/selinux/targeted/active/modules

label() {	# label TYPE PATH...
	_t=$1; shift
	setfattr -n security.selinux -v "system_u:object_r:$_t:s0" "$@"
}

# A hardened server made into an SELinux node the way the k3s-selinux RPM
# and restorecon leave it.
selinux_node() {
	_r=$(node_root "$1" hardened-server)
	rm -f "$_r/etc/apparmor.d/usr.local.bin.k3s"
	mkdir -p "$_r/etc/selinux" "$_r/$STORE/200/k3s" "$_r/usr/share/selinux/packages"
	printf '# This file controls the state of SELinux on the system.\nSELINUX=enforcing\nSELINUXTYPE=targeted\n' \
		>"$_r/etc/selinux/config"
	: >"$_r/$STORE/200/k3s/cil"
	: >"$_r/$STORE/200/k3s/hll"
	echo pp >"$_r/$STORE/200/k3s/lang_ext"
	install -m 0600 /dev/null "$_r/usr/share/selinux/packages/k3s.pp"
	echo "selinux: true" >>"$_r/$CFG"
	if [ -n "${XATTR_OK:-}" ]; then
		find "$_r/var/lib/rancher/k3s" ! -type l -exec setfattr -n security.selinux \
			-v system_u:object_r:container_var_lib_t:s0 {} +
		label container_runtime_exec_t "$_r/usr/local/bin/k3s"
		label container_unit_file_t "$_r/etc/systemd/system/k3s.service"
	fi
	echo "$_r"
}

XATTR_OK=
if has_cmd setfattr && touch "$TMP/xattr-probe" &&
	setfattr -n security.selinux -v system_u:object_r:etc_t:s0 "$TMP/xattr-probe" 2>/dev/null; then
	XATTR_OK=1
fi

test_expect_success 'not an SELinux node: the SELinux checks skip, nothing passes' '
	H=$(node_root h hardened-server) &&
	expect_check "$H" manifests.selinux-enforcing skip &&
	expect_check "$H" manifests.selinux-option skip &&
	expect_check "$H" manifests.selinux-module skip &&
	expect_check "$H" manifests.selinux-labels skip &&
	check_field manifests.selinux-enforcing evidence | grep -q "no /etc/selinux/config"
'

test_expect_success 'confinement: AppArmor profile passes, neither AppArmor nor SELinux fails' '
	H=$(node_root h hardened-server) &&
	expect_check "$H" manifests.confinement pass &&
	check_field manifests.confinement evidence | grep -q "^AppArmor:" &&
	D=$(node_root d default-server) &&
	expect_check "$D" manifests.confinement fail &&
	ev=$(check_field manifests.confinement evidence) &&
	echo "$ev" | grep -q "neither AppArmor nor SELinux" &&
	echo "$ev" | grep -q "/etc/apparmor.d/usr.local.bin.k3s" &&
	echo "$ev" | grep -q "/etc/selinux/config"
'

test_expect_success 'confinement: an AppArmor profile in complain mode does not confine' '
	R=$(node_root cm default-server) &&
	mkdir -p "$R/etc/apparmor.d" &&
	"$K3SGUARD" apparmor profile --mode complain >"$R/etc/apparmor.d/usr.local.bin.k3s" &&
	expect_check "$R" manifests.apparmor pass &&
	expect_check "$R" manifests.confinement fail &&
	check_field manifests.confinement evidence | grep -q "complain mode"
'

test_expect_success 'SELinux node as k3s-selinux leaves it: every SELinux check passes' '
	R=$(selinux_node se) &&
	expect_check "$R" manifests.selinux-enforcing pass &&
	check_field manifests.selinux-enforcing evidence | grep -q "what it boots with" &&
	expect_check "$R" manifests.selinux-option pass &&
	expect_check "$R" manifests.selinux-module pass &&
	check_field manifests.selinux-module evidence | grep -q "active/modules/200/k3s" &&
	expect_check "$R" manifests.apparmor skip &&
	if [ -n "$XATTR_OK" ]; then
		expect_check "$R" manifests.confinement pass &&
		check_field manifests.confinement evidence | grep -q "^SELinux:"
	else
		# the binary label cannot be written here: unknown, never a pass
		audit_json "$R" && test "$(check_status manifests.confinement)" != pass
	fi
'

test_expect_success 'selinux-enforcing: permissive, disabled, no SELINUX= line, a quoted value fail' '
	R=$(selinux_node pm) &&
	sed_i "$R/etc/selinux/config" "s/^SELINUX=.*/SELINUX=permissive/" &&
	expect_check "$R" manifests.selinux-enforcing fail &&
	expect_check "$R" manifests.confinement fail &&
	check_field manifests.confinement evidence | grep -q "SELINUX=permissive" &&
	"$K3SGUARD" apparmor profile >"$R/etc/apparmor.d/usr.local.bin.k3s" &&
	expect_check "$R" manifests.confinement fail &&
	check_field manifests.confinement evidence | grep -q "not used on an SELinux node" &&
	sed_i "$R/etc/selinux/config" "s/^SELINUX=.*/SELINUX=disabled/" &&
	expect_check "$R" manifests.selinux-enforcing fail &&
	expect_check "$R" manifests.selinux-option skip &&
	expect_check "$R" manifests.selinux-module skip &&
	sed_i "$R/etc/selinux/config" "/^SELINUX=/d" &&
	expect_check "$R" manifests.selinux-enforcing fail &&
	echo "SELINUX=\"enforcing\"" >>"$R/etc/selinux/config" &&
	expect_check "$R" manifests.selinux-enforcing fail &&
	sed_i "$R/etc/selinux/config" "s/^SELINUX=.*/SELINUX=Enforcing/" &&
	expect_check "$R" manifests.selinux-enforcing pass &&
	echo SELINUX=permissive >>"$R/etc/selinux/config" &&
	expect_check "$R" manifests.selinux-enforcing fail
'

test_expect_success 'selinux-option: missing or false fails; K3S_SELINUX in the unit env passes' '
	R=$(selinux_node op) &&
	sed_i "$R/$CFG" "/^selinux:/d" &&
	expect_check "$R" manifests.selinux-option fail &&
	check_field manifests.selinux-option evidence | grep -q "has not been started with --selinux" &&
	expect_check "$R" manifests.confinement fail &&
	echo "selinux: false" >>"$R/$CFG" &&
	expect_check "$R" manifests.selinux-option fail &&
	sed_i "$R/$CFG" "/^selinux:/d" &&
	echo "K3S_SELINUX=true" >>"$R/etc/systemd/system/k3s.service.env" &&
	expect_check "$R" manifests.selinux-option pass &&
	check_field manifests.selinux-option evidence | grep -q "k3s.service.env"
'

test_expect_success 'selinux-option: containerd config.toml K3s rendered without enable_selinux fails' '
	R=$(selinux_node ct) &&
	C=var/lib/rancher/k3s/agent/etc/containerd &&
	mkdir -p "$R/$C" &&
	printf "[plugins.\"io.containerd.grpc.v1.cri\"]\n  enable_selinux = true\n" >"$R/$C/config.toml" &&
	expect_check "$R" manifests.selinux-option pass &&
	check_field manifests.selinux-option evidence | grep -q "has enable_selinux = true" &&
	printf "[plugins.\"io.containerd.grpc.v1.cri\"]\n  enable_selinux = false\n" >"$R/$C/config.toml" &&
	expect_check "$R" manifests.selinux-option fail &&
	check_field manifests.selinux-option evidence | grep -q "config.toml.tmpl drops it" &&
	expect_check "$R" manifests.confinement fail
'

test_expect_success 'selinux-module: missing, only the .pp, disabled fail; store-root is honoured' '
	R=$(selinux_node mo) &&
	mv "$R/$STORE/200/k3s" "$R/k3s-module" &&
	expect_check "$R" manifests.selinux-module fail &&
	check_field manifests.selinux-module evidence | grep -q "never loaded" &&
	rm "$R/usr/share/selinux/packages/k3s.pp" &&
	expect_check "$R" manifests.selinux-module fail &&
	check_field manifests.selinux-module evidence | grep -q "not installed" &&
	expect_check "$R" manifests.confinement fail &&
	mkdir -p "$R/$STORE/400" && mv "$R/k3s-module" "$R/$STORE/400/k3s" &&
	expect_check "$R" manifests.selinux-module pass &&
	mkdir -p "$R/$STORE/disabled" && : >"$R/$STORE/disabled/k3s" &&
	expect_check "$R" manifests.selinux-module fail &&
	check_field manifests.selinux-module evidence | grep -q "disabled" &&
	rm "$R/$STORE/disabled/k3s" &&
	mkdir -p "$R/etc/selinux/targeted/active" &&
	mv "$R/var/lib/selinux/targeted/active/modules" "$R/etc/selinux/targeted/active/" &&
	expect_check "$R" manifests.selinux-module fail &&
	printf "module-store = direct\nstore-root = /etc/selinux\n" >"$R/etc/selinux/semanage.conf" &&
	expect_check "$R" manifests.selinux-module pass
'

if [ -z "$XATTR_OK" ]; then
	test_skip 'selinux-labels: as the policy says passes, container_file_t on manifests fails' \
		'setfattr cannot write security.selinux here (needs root and xattr support)'
	test_skip 'selinux-labels: unlabeled file, wrong binary label, custom data dir' \
		'setfattr cannot write security.selinux here'
else
test_expect_success 'selinux-labels: as the policy says passes, container_file_t on manifests fails' '
	R=$(selinux_node lb) &&
	expect_check "$R" manifests.selinux-labels pass &&
	check_field manifests.selinux-labels evidence | grep -q "as stored in the image" &&
	label container_file_t "$R/$S/manifests" &&
	expect_check "$R" manifests.selinux-labels fail &&
	ev=$(check_field manifests.selinux-labels evidence) &&
	echo "$ev" | grep -q "server/manifests. is container_file_t, the policy gives container_var_lib_t (containers can write it)"
'

test_expect_success 'selinux-labels: unlabeled file, wrong binary label, custom data dir' '
	R=$(selinux_node lu) &&
	f=$(find "$R/$S/manifests" -type f | head -1) &&
	setfattr -x security.selinux "$f" &&
	expect_check "$R" manifests.selinux-labels fail &&
	check_field manifests.selinux-labels evidence | grep -q "is unlabeled" &&
	R=$(selinux_node lbin) &&
	label bin_t "$R/usr/local/bin/k3s" &&
	expect_check "$R" manifests.selinux-labels fail &&
	expect_check "$R" manifests.confinement fail &&
	check_field manifests.confinement evidence | grep -q "K3s does not run as container_runtime_t" &&
	check_field manifests.selinux-labels evidence | grep -q "k3s. is bin_t, the policy gives container_runtime_exec_t" &&
	mv "$R/usr/local/bin/k3s" "$R/usr/local/bin/k3s-v1" &&
	ln -s k3s-v1 "$R/usr/local/bin/k3s" &&
	expect_check "$R" manifests.selinux-labels fail &&
	label container_runtime_exec_t "$R/usr/local/bin/k3s-v1" &&
	expect_check "$R" manifests.selinux-labels pass &&
	R=$(selinux_node ldd) &&
	mkdir -p "$R/srv" && mv "$R/var/lib/rancher/k3s" "$R/srv/k3s" &&
	echo "data-dir: /srv/k3s" >>"$R/$CFG" &&
	expect_check "$R" manifests.selinux-labels warn &&
	mkdir -p "$R/etc/selinux/targeted/contexts/files" &&
	echo "/srv/k3s /var/lib/rancher/k3s" >"$R/etc/selinux/targeted/contexts/files/file_contexts.subs" &&
	expect_check "$R" manifests.selinux-labels pass &&
	label container_file_t "$R/srv/k3s/server/manifests" &&
	expect_check "$R" manifests.selinux-labels fail
'
fi

# live_audit ENFORCE: audit this host (manifests strategy) with
# /sys/fs/selinux/enforce holding ENFORCE ("" = no selinuxfs) and SELINUX=enforcing.
live_audit() {
	_u=$TMP/live-upper _w=$TMP/live-work
	rm -rf "$_u" "$_w" && mkdir -p "$_u/selinux" "$_u/rancher/k3s" "$_w" &&
	echo SELINUX=enforcing >"$_u/selinux/config" &&
	echo "selinux: true" >"$_u/rancher/k3s/config.yaml" &&
	unshare -m --propagation private sh -c '
		mount -t tmpfs none /sys/fs || exit 99
		if [ -n "$1" ]; then mkdir /sys/fs/selinux && echo "$1" >/sys/fs/selinux/enforce; fi
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$2,workdir=$3" /etc || exit 99
		"$4" audit --strategy manifests --format json' sh "$1" "$_u" "$_w" "$K3SGUARD" \
		>"$TMP/audit.json" 2>"$TMP/audit.err"
}

live_ok=
if [ "$(id -u)" = 0 ] && has_cmd unshare; then
	rm -f "$TMP/audit.json"
	live_audit 1 && live_rc=0 || live_rc=$?
	[ "$live_rc" -ne 99 ] && [ -s "$TMP/audit.json" ] && live_ok=1
fi
if [ -n "$live_ok" ]; then
test_expect_success 'live host: /sys/fs/selinux/enforce decides, not only the config' '
	{ live_audit 1 || :; } &&
	test "$(check_status manifests.selinux-enforcing)" = pass &&
	{ live_audit 0 || :; } &&
	test "$(check_status manifests.selinux-enforcing)" = fail &&
	check_field manifests.selinux-enforcing evidence | grep -q "the kernel: permissive" &&
	test "$(check_status manifests.confinement)" = fail &&
	{ live_audit "" || :; } &&
	test "$(check_status manifests.selinux-enforcing)" = fail &&
	check_field manifests.selinux-enforcing evidence | grep -q "the kernel: disabled (no /sys/fs/selinux/enforce)" &&
	test "$(check_status manifests.selinux-option)" = skip
'
else
	test_skip 'live host: /sys/fs/selinux/enforce decides, not only the config' \
		'needs root, unshare -m, and tmpfs/overlay mounts in a private mount namespace'
fi

# live_aa ENABLED PROFILES: audit this host (manifests strategy) with an
# AppArmor profile file for K3s in /etc/apparmor.d, the kernel's
# /sys/module/apparmor/parameters/enabled holding ENABLED ("" = no AppArmor)
# and /sys/kernel/security/apparmor/profiles holding PROFILES, as the
# kernel lists loaded profiles ("name (mode)" lines).  tmpfs files in a
# private mount namespace, not the real securityfs.
live_aa() {
	_u=$TMP/aa-upper _w=$TMP/aa-work
	rm -rf "$_u" "$_w" && mkdir -p "$_u/apparmor.d" "$_u/rancher/k3s" "$_w" &&
	"$K3SGUARD" apparmor profile --mode enforce >"$_u/apparmor.d/usr.local.bin.k3s" &&
	echo "write-kubeconfig-mode: \"0600\"" >"$_u/rancher/k3s/config.yaml" &&
	rm -f "$TMP/audit.json" &&
	unshare -m --propagation private sh -c '
		mount -t tmpfs none /sys/module && mount -t tmpfs none /sys/kernel/security || exit 99
		if [ -n "$1" ]; then
			mkdir -p /sys/module/apparmor/parameters /sys/kernel/security/apparmor
			echo "$1" >/sys/module/apparmor/parameters/enabled
			printf "%b" "$2" >/sys/kernel/security/apparmor/profiles
		fi
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$3,workdir=$4" /etc || exit 99
		"$5" audit --strategy manifests --format json' sh "$1" "$2" "$_u" "$_w" "$K3SGUARD" \
		>"$TMP/audit.json" 2>"$TMP/audit.err"
}

aa_ok=
if [ -n "$live_ok" ]; then
	live_aa Y "k3s (enforce)\n" && aa_rc=0 || aa_rc=$?
	[ "$aa_rc" -ne 99 ] && [ -s "$TMP/audit.json" ] && aa_ok=1
fi
if [ -n "$aa_ok" ]; then
test_expect_success 'live host: an AppArmor profile counts only when the kernel has it loaded, enforcing' '
	{ live_aa Y "docker-default (enforce)\nk3s (enforce)\n" || :; } &&
	test "$(check_status manifests.apparmor)" = pass &&
	test "$(check_status manifests.confinement)" = pass &&
	{ live_aa Y "k3s (complain)\n" || :; } &&
	test "$(check_status manifests.apparmor)" = fail &&
	check_field manifests.apparmor evidence | grep -q "profile .k3s. is loaded in complain mode" &&
	test "$(check_status manifests.confinement)" = fail &&
	{ live_aa Y "docker-default (enforce)\n" || :; } &&
	test "$(check_status manifests.apparmor)" = fail &&
	check_field manifests.apparmor evidence | grep -q "no profile for K3s is loaded" &&
	{ live_aa "" "" || :; } &&
	test "$(check_status manifests.apparmor)" = fail &&
	check_field manifests.apparmor evidence | grep -q "AppArmor is not enabled in this kernel" &&
	test "$(check_status manifests.confinement)" = fail
'
else
	test_skip 'live host: an AppArmor profile counts only when the kernel has it loaded, enforcing' \
		'needs root, unshare -m, and tmpfs/overlay mounts in a private mount namespace'
fi

test_done
