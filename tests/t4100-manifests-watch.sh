#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t4100: manifests watch: inotify alerts as JSON lines, --enforce restoring
# and quarantining, renames, new subdirectories, the directory replaced,
# baseline reloads (SIGHUP, new lock, forged lock), an inotify queue
# overflow, and a sink that is down (never blocks the watch).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-manifests.sh"
cd "$TMP" || exit 1

EVIL=$TOP/tests/fixtures/manifests/evil.yaml
R=$(mroot node)
M=$(mdir "$R")
k3sguard manifests lock --root "$R" >/dev/null 2>&1 || exit 1

test_expect_success 'usage and set-up errors' '
	expect_code 64 timeout -k 2 30 "$K3SGUARD" manifests watch --root "$R" --dry-run 2>err && one_line err &&
	expect_code 64 timeout -k 2 30 "$K3SGUARD" manifests watch --root "$R" --alert pager:x 2>err && one_line err &&
	expect_code 64 timeout -k 2 30 "$K3SGUARD" manifests watch --root "$R" --alert alertmanager:ftp://x 2>err &&
	expect_code 64 timeout -k 2 30 "$K3SGUARD" manifests watch --root "$R" --queue 0 2>err &&
	R0=$(mroot nolock) &&
	expect_code 2 timeout -k 2 30 "$K3SGUARD" manifests watch --root "$R0" 2>err && one_line err &&
	grep -q "no baseline" err
'

test_expect_success 'a forged baseline is refused (exit 1)' '
	cp -R "$R" "$TMP/forged" &&
	sed -i "s/^f 0600 /f 0666 /" "$TMP/forged/var/lib/k3sguard/manifests.lock" &&
	expect_code 1 timeout -k 2 30 "$K3SGUARD" manifests watch --root "$TMP/forged" 2>err &&
	one_line err && grep -q "signature bad" err
'

test_expect_success 'a dropped-in file, a change, a rename and a new subdirectory are alerted' '
	start_watch w1 --root "$R" &&
	cp "$EVIL" "$M/evil.yaml" &&
	wait_for w1.out "\"path\":\"evil.yaml\"" &&
	first_alert w1.out ".path == \"evil.yaml\"" | jq -e ".event == \"drift\" and .change == [\"added\"]
	    and .severity == \"critical\" and .applied_by_k3s and (.new_sha256 | length == 64)
	    and (.mode | test(\"^0[0-7]{3}$\")) and .uid == 0 and has(\"process\")" &&
	echo "# edited" >>"$M/apps/web.yaml" &&
	wait_for w1.out "\"path\":\"apps/web.yaml\"" &&
	first_alert w1.out ".path == \"apps/web.yaml\"" | jq -e ".change == [\"content\"] and .old_sha256 != .new_sha256" &&
	mv "$M/traefik-config.yaml" "$M/traefik-config.yml" &&
	wait_for w1.out "\"path\":\"traefik-config.yml\"" &&
	wait_for w1.out "\"path\":\"traefik-config.yaml\"" &&
	first_alert w1.out ".path == \"traefik-config.yaml\"" | jq -e ".change == [\"removed\"]" &&
	mkdir -p "$M/new/deeper" && echo "a: 1" >"$M/new/deeper/x.yaml" &&
	wait_for w1.out "\"path\":\"new/deeper/x.yaml\"" &&
	echo "b: 2" >"$M/new/deeper/y.json" &&
	wait_for w1.out "\"path\":\"new/deeper/y.json\"" &&
	chmod 0644 "$M/coredns.yaml" &&
	wait_for w1.out "\"path\":\"coredns.yaml\"" &&
	first_alert w1.out ".path == \"coredns.yaml\"" | jq -e ".change == [\"mode\"] and .packaged and .old_mode == \"0600\" and .mode == \"0644\"" &&
	test -e "$M/evil.yaml" &&
	stop_watch w1
'

R=$(mroot enf)
M=$(mdir "$R")
k3sguard manifests lock --root "$R" >/dev/null 2>&1 || exit 1
WEB=$(cat "$M/apps/web.yaml")

test_expect_success '--enforce --dry-run reports and changes nothing' '
	start_watch dry --root "$R" --enforce --dry-run &&
	echo "x: 1" >>"$M/apps/web.yaml" &&
	wait_for dry.out "\"action\":\"would-restore\"" &&
	grep -q "x: 1" "$M/apps/web.yaml" &&
	stop_watch dry &&
	timeout -k 2 30 "$K3SGUARD" manifests watch --help >/dev/null &&
	printf "%s\n" "$WEB" >"$M/apps/web.yaml" && chmod 0600 "$M/apps/web.yaml" &&
	k3sguard manifests verify --root "$R" >/dev/null
'

test_expect_success '--enforce restores a modified file, its mode, a removed file; quarantines a new one' '
	start_watch enf --root "$R" --enforce &&
	echo "  pwned: true" >>"$M/apps/web.yaml" &&
	wait_for enf.out "\"event\":\"restored\",.*\"path\":\"apps/web.yaml\"" &&
	test "$(cat "$M/apps/web.yaml")" = "$WEB" &&
	test "$(stat -c %a "$M/apps/web.yaml")" = 600 &&
	chmod 0666 "$M/local-storage.yaml" &&
	wait_for enf.out "\"event\":\"restored\",.*\"path\":\"local-storage.yaml\"" &&
	test "$(stat -c %a "$M/local-storage.yaml")" = 600 &&
	rm "$M/metrics-server/metrics-server-service.yaml" &&
	wait_for enf.out "\"event\":\"restored\",.*\"path\":\"metrics-server/metrics-server-service.yaml\"" &&
	test -s "$M/metrics-server/metrics-server-service.yaml" &&
	cp "$EVIL" "$M/evil.yaml" &&
	wait_for enf.out "\"event\":\"quarantined\",.*\"path\":\"evil.yaml\"" &&
	test ! -e "$M/evil.yaml" &&
	q=$(ls "$R/var/lib/k3sguard/quarantine/" | grep evil.yaml) &&
	cmp "$EVIL" "$R/var/lib/k3sguard/quarantine/$q" &&
	test "$(stat -c %a "$R/var/lib/k3sguard/quarantine")" = 700 &&
	k3sguard manifests verify --root "$R" >out &&
	grep -q "no drift" out
'

test_expect_success '--enforce: a symlink planted over a file is quarantined and the file restored' '
	ln -s /etc/passwd "$TMP/planted" && mv -T "$TMP/planted" "$M/apps/web.yaml" &&
	wait_for enf.out "\"path\":\"apps/web.yaml\".*\"severity\"" &&
	for _ in $(seq 1 100); do [ ! -L "$M/apps/web.yaml" ] && [ -f "$M/apps/web.yaml" ] && break; sleep 0.05; done &&
	test ! -L "$M/apps/web.yaml" && test "$(cat "$M/apps/web.yaml")" = "$WEB"
'

test_expect_success '--enforce: the directory replaced by another is put back' '
	kill -STOP "$(cat enf.pid)" &&
	mv "$M" "$M.old" && mkdir "$M" && cp "$EVIL" "$M/evil2.yaml" &&
	kill -CONT "$(cat enf.pid)" &&
	wait_for enf.out "\"event\":\"dir-replaced\"" &&
	for _ in $(seq 1 100); do
		k3sguard manifests verify --root "$R" >/dev/null 2>&1 && break; sleep 0.05
	done &&
	k3sguard manifests verify --root "$R" >out && grep -q "no drift" out &&
	test ! -e "$M/evil2.yaml"
'

test_expect_success 'a new lock is picked up by itself; SIGHUP reloads' '
	stop_watch enf &&
	start_watch hup --root "$R" &&
	echo "z: 1" >"$M/legit.yaml" && chmod 0600 "$M/legit.yaml" &&
	wait_for hup.out "\"path\":\"legit.yaml\"" &&
	k3sguard manifests lock --root "$R" >/dev/null 2>&1 &&
	wait_for hup.out "\"event\":\"baseline-loaded\".*lock file replaced" &&
	wait_for hup.out "\"event\":\"resolved\".*legit.yaml" &&
	kill -HUP "$(cat hup.pid)" &&
	wait_for hup.out "\"event\":\"baseline-loaded\".*SIGHUP" &&
	kill -0 "$(cat hup.pid)"
'

test_expect_success 'a forged lock written while watching is refused; the old baseline stays' '
	L=$R/var/lib/k3sguard/manifests.lock &&
	sed "s/ legit.yaml$/ legit2.yaml/" "$L" >"$L.new" && mv "$L.new" "$L" &&
	wait_for hup.out "\"event\":\"baseline-rejected\"" &&
	echo "y: 1" >>"$M/legit.yaml" &&
	wait_for hup.out "\"path\":\"legit.yaml\",.*\"severity\"" &&
	last_alert hup.out ".path == \"legit.yaml\" and .event == \"drift\"" | jq -e ".change == [\"content\"]" &&
	stop_watch hup
'

R=$(mroot ovf)
M=$(mdir "$R")
k3sguard manifests lock --root "$R" >/dev/null 2>&1 || exit 1

test_expect_success 'an inotify queue overflow triggers a full rescan; nothing is missed' '
	start_watch ovf --root "$R" --enforce &&
	max=$(cat /proc/sys/fs/inotify/max_queued_events) &&
	n=$((max / 2 + 200)) &&
	kill -STOP "$(cat ovf.pid)" &&
	(cd "$M" && seq -f "flood-%g" 1 "$n" | xargs touch && seq -f "flood-%g" 1 "$n" | xargs rm -f) &&
	cp "$EVIL" "$M/after-flood.yaml" &&
	kill -CONT "$(cat ovf.pid)" &&
	wait_for ovf.out "\"event\":\"overflow\"" 20 &&
	wait_for ovf.out "\"event\":\"quarantined\",.*\"path\":\"after-flood.yaml\"" 20 &&
	test ! -e "$M/after-flood.yaml" &&
	cp "$EVIL" "$M/after-rescan.yaml" &&
	wait_for ovf.out "\"event\":\"quarantined\",.*\"path\":\"after-rescan.yaml\"" &&
	stop_watch ovf
'

test_expect_success 'a sink that is down never blocks the watch (bounded queue, retries)' '
	p=$(free_port) &&
	start_watch down --root "$R" --queue 4 --alert "alertmanager:http://127.0.0.1:$p" --alert stdout &&
	for i in $(seq 1 12); do echo "n: $i" >"$M/drop$i.yaml"; done &&
	wait_for down.out "\"path\":\"drop12.yaml\"" &&
	test "$(alert_paths down.out ".event == \"drift\" and (.path | startswith(\"drop\"))")" -eq 12 &&
	grep -q "alert sink .alertmanager:http://127.0.0.1:$p.: Couldn.t connect" down.err &&
	kill -0 "$(cat down.pid)" &&
	stop_watch down &&
	grep -q "4 alerts not delivered at exit" down.err
'

test_expect_success 'exec: sink gets every alert as a JSON line on stdin' '
	printf "#!/bin/sh\ncat >>%s\n" "$TMP/hook.log" >hook.sh && chmod 0755 hook.sh &&
	start_watch hook --root "$R" --alert "exec:$TMP/hook.sh" --alert stdout &&
	for i in $(seq 1 5); do echo "n: $i" >"$M/hook$i.yaml"; done &&
	wait_for hook.log "\"path\":\"hook5.yaml\"" &&
	test "$(alert_paths hook.log ".event == \"drift\" and (.path | startswith(\"hook\"))")" -eq 5 &&
	stop_watch hook
'

test_done
