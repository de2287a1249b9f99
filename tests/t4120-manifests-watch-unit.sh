#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t4120: the systemd unit shipped for `manifests watch`
# (contrib/systemd/k3sguard-manifests-watch.service): systemd-analyze verify
# accepts it, and the command line it runs really starts a watcher.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-manifests.sh"
cd "$TMP" || exit 1

UNIT=$TOP/contrib/systemd/k3sguard-manifests-watch.service

test_expect_success 'the unit reloads with SIGHUP, restarts, and starts before K3s' '
	grep -q "^ExecReload=/bin/kill -HUP \$MAINPID$" "$UNIT" &&
	grep -q "^Restart=always$" "$UNIT" &&
	grep -q "^Before=k3s.service k3s-agent.service$" "$UNIT" &&
	grep -q "^ReadWritePaths=/var/lib/rancher/k3s/server /var/lib/k3sguard$" "$UNIT"
'

if has_cmd systemd-analyze; then
	test_expect_success 'systemd-analyze verify accepts the unit' '
		sed "s|/usr/local/bin/k3sguard|$K3SGUARD|" "$UNIT" >k3sguard-manifests-watch.service &&
		systemd-analyze verify --man=no ./k3sguard-manifests-watch.service
	'
else
	test_skip 'systemd-analyze verify accepts the unit' 'systemd-analyze missing (package systemd)'
fi

test_expect_success 'the ExecStart= command line starts a watcher' '
	R=$(mroot node) && k3sguard manifests lock --root "$R" >/dev/null 2>&1 &&
	args=$(sed -n "s|^ExecStart=/usr/local/bin/k3sguard manifests watch ||p" "$UNIT") &&
	test -n "$args" &&
	start_watch u --root "$R" $args &&
	grep -q "enforce on" u.out &&
	stop_watch u
'

. "$(dirname "$0")/lib-audit.sh"
test_expect_success 'audit rows: watcher unit enabled, AppArmor profile present' '
	H=$(node_root hw hardened-server) &&
	expect_check "$H" manifests.watcher pass &&
	expect_check "$H" manifests.apparmor pass &&
	rm "$H/etc/systemd/system/multi-user.target.wants/k3sguard-manifests-watch.service" &&
	expect_check "$H" manifests.watcher fail &&
	check_field manifests.watcher evidence | grep -q "installed but not enabled" &&
	k3sguard --root "$H" apparmor profile --output /etc/apparmor.d/usr.local.bin.k3s >/dev/null &&
	expect_check "$H" manifests.apparmor pass &&
	check_field manifests.apparmor evidence | grep -q "complain mode" &&
	echo "# empty" >"$H/etc/apparmor.d/usr.local.bin.k3s" &&
	expect_check "$H" manifests.apparmor fail
'

test_done
