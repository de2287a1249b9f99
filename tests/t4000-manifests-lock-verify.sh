#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t4000: manifests lock and verify: a signed baseline, every kind of drift,
# forged and unsigned baselines, K3s rewriting its packaged files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-manifests.sh"
cd "$TMP" || exit 1

R=$(mroot node)
M=$(mdir "$R")
LOCK=$R/var/lib/k3sguard/manifests.lock
KEY=$R/etc/k3sguard/manifests.key

test_expect_success 'lock --dry-run writes nothing' '
	k3sguard manifests lock --root "$R" --dry-run >out &&
	grep -q "would lock 10 entries" out &&
	grep -q "created now, mode 0600" out &&
	test ! -e "$LOCK" && test ! -e "$KEY"
'

test_expect_success 'lock creates a 0600 key, a signed 0600 lock and the content store' '
	k3sguard manifests lock --root "$R" >out 2>err &&
	grep -q "locked 10 entries" out && grep -q "(6 packaged K3s files)" out &&
	test "$(stat -c %a "$KEY")" = 600 &&
	test "$(stat -c %a "$LOCK")" = 600 &&
	test "$(stat -c %a "$KEY.pub")" = 644 &&
	grep -q "^signature ed25519 " "$LOCK" &&
	grep -q " p coredns.yaml$" "$LOCK" && grep -q " p metrics-server$" "$LOCK" &&
	grep -q " - apps/web.yaml$" "$LOCK" &&
	h=$(sha256sum "$M/apps/web.yaml" | cut -c1-64) &&
	cmp "$M/apps/web.yaml" "$R/var/lib/k3sguard/manifests.store/${h:0:2}/${h:2}"
'

test_expect_success 'the key is a real Ed25519 key that openssl reads' '
	openssl pkey -in "$KEY" -noout -text | grep -q ED25519
'

test_expect_success 'verify on an unchanged tree: exit 0' '
	k3sguard manifests verify --root "$R" >out &&
	grep -q "signature ok" out && grep -q "no drift: 10 entries" out
'

test_expect_success 'K3s rewriting a packaged file with the same content is not drift' '
	cp -p "$M/coredns.yaml" "$TMP/c" && touch -d "2030-01-01" "$TMP/c" &&
	mv "$TMP/c" "$M/coredns.yaml" &&
	k3sguard manifests verify --root "$R" >out
'

test_expect_success 'every kind of drift is reported, exit 1' '
	cp -R "$R" "$TMP/drift" && D=$(mdir "$TMP/drift") &&
	cp "$TOP/tests/fixtures/manifests/evil.yaml" "$D/evil.yaml" &&
	rm "$D/traefik-config.yaml" &&
	echo "  extra: 1" >>"$D/apps/web.yaml" &&
	chmod 0644 "$D/local-storage.yaml" &&
	chown 1000:1000 "$D/traefik.yaml" &&
	rm "$D/metrics-server/metrics-server-service.yaml" &&
	mkdir "$D/metrics-server/metrics-server-service.yaml" &&
	ln -s /etc/shadow "$D/shadow.yaml" &&
	echo "x: 1" >"$D/coredns.yaml" &&
	expect_code 1 k3sguard manifests verify --root "$TMP/drift" >out &&
	grep -q "^added    evil.yaml (regular file .*\[K3s applies it\]" out &&
	grep -q "^removed  traefik-config.yaml" out &&
	grep -q "^changed  apps/web.yaml: content" out &&
	grep -q "^changed  local-storage.yaml: mode (regular file 0600 .* -> regular file 0644" out &&
	grep -q "^changed  traefik.yaml: owner (.* 0:0 .* 1000:1000" out &&
	grep -q "^changed  metrics-server/metrics-server-service.yaml: type" out &&
	grep -q "^added    shadow.yaml (symlink .* -> /etc/shadow)" out &&
	grep -q "^changed  coredns.yaml: content .*\[packaged: not what K3s wrote when locked\]" out &&
	grep -q "^drift: 8 changes" out
'

test_expect_success 'verify --format json lists the same changes' '
	expect_code 1 k3sguard manifests verify --root "$TMP/drift" --format json >out.json &&
	jq -e ".drift == true and .signature == \"ok\" and (.changes | length) == 8" out.json &&
	jq -e ".changes[] | select(.path == \"evil.yaml\") | .change == [\"added\"] and .applied_by_k3s" out.json &&
	jq -e ".changes[] | select(.path == \"traefik.yaml\") | .change == [\"owner\"] and .packaged and .new.uid == 1000" out.json &&
	jq -e ".changes[] | select(.path == \"local-storage.yaml\") | .old.mode == \"0600\" and .new.mode == \"0644\"" out.json &&
	jq -e ".changes[] | select(.path == \"apps/web.yaml\") | .old.sha256 != .new.sha256" out.json
'

test_expect_success 'a dot file and a .skip-ed file are reported but not applied by K3s' '
	cp -R "$R" "$TMP/dots" && D=$(mdir "$TMP/dots") &&
	echo "a: 1" >"$D/.hidden.yaml" && echo "a: 1" >"$D/x.yaml" && : >"$D/x.yaml.skip" &&
	expect_code 1 k3sguard manifests verify --root "$TMP/dots" --format json >out.json &&
	jq -e "[.changes[] | select(.applied_by_k3s)] | length == 0" out.json &&
	jq -e "(.changes | length) == 3" out.json
'

test_expect_success 'a baseline edited without the key is rejected (forged)' '
	cp -R "$R" "$TMP/forged" && F=$TMP/forged/var/lib/k3sguard/manifests.lock &&
	D=$(mdir "$TMP/forged") &&
	cp "$TOP/tests/fixtures/manifests/evil.yaml" "$D/apps/web.yaml" &&
	h=$(sha256sum "$D/apps/web.yaml" | cut -c1-64) &&
	s=$(stat -c %s "$D/apps/web.yaml") &&
	sed -i "s|^f 0600 \([0-9]*\) \([0-9]*\) [0-9]* [0-9a-f]* - apps/web.yaml$|f 0600 \1 \2 $s $h - apps/web.yaml|" "$F" &&
	grep -q "$h - apps/web.yaml" "$F" &&
	expect_code 1 k3sguard manifests verify --root "$TMP/forged" >out &&
	grep -q "signature bad" out && grep -q "verification failed" out &&
	! grep -q "no drift" out &&
	expect_code 1 k3sguard manifests verify --root "$TMP/forged" --format json >out.json &&
	jq -e ".signature == \"bad\" and .drift == true" out.json
'

test_expect_success 'a baseline without its signature line is rejected (missing)' '
	cp -R "$R" "$TMP/unsigned" && F=$TMP/unsigned/var/lib/k3sguard/manifests.lock &&
	sed -i "/^signature /d" "$F" &&
	expect_code 1 k3sguard manifests verify --root "$TMP/unsigned" >out &&
	grep -q "signature missing" out
'

test_expect_success 'a baseline signed with another key is rejected' '
	cp -R "$R" "$TMP/otherkey" &&
	rm -f "$TMP/otherkey/etc/k3sguard/manifests.key"* &&
	k3sguard manifests lock --root "$TMP/otherkey" >/dev/null 2>&1 &&
	cp "$R/etc/k3sguard/manifests.key.pub" "$TMP/otherkey/etc/k3sguard/manifests.key.pub" &&
	expect_code 1 k3sguard manifests verify --root "$TMP/otherkey" >out &&
	grep -q "signature bad" out
'

test_expect_success 'a validly signed but malformed lock names file and line' '
	cp -R "$R" "$TMP/bad" && F=$TMP/bad/var/lib/k3sguard/manifests.lock &&
	sed "/^signature /d; s/^f 0600 \(.*\) apps\/web.yaml$/f 9999 \1 apps\/web.yaml/" "$F" >"$TMP/body" &&
	sig=$(openssl pkeyutl -sign -rawin -inkey "$TMP/bad/etc/k3sguard/manifests.key" -in "$TMP/body" | base64 -w0) &&
	{ cat "$TMP/body"; echo "signature ed25519 $sig"; } >"$F" &&
	expect_code 2 k3sguard manifests verify --root "$TMP/bad" 2>err &&
	one_line err && grep -q "manifests.lock. line [0-9]*: malformed mode" err
'

test_expect_success 'no baseline: one-line error, exit 2' '
	R2=$(mroot nolock) &&
	expect_code 2 k3sguard manifests verify --root "$R2" 2>err &&
	one_line err && grep -q "run .k3sguard manifests lock. first" err
'

test_expect_success 'a private key readable by others is refused' '
	cp -R "$R" "$TMP/loosekey" && chmod 0644 "$TMP/loosekey/etc/k3sguard/manifests.key" &&
	expect_code 2 k3sguard manifests lock --root "$TMP/loosekey" 2>err &&
	one_line err && grep -q "readable by group or others" err
'

test_expect_success 'a symlinked manifests directory is refused' '
	R3=$(mroot linkdir) && M3=$(mdir "$R3") &&
	mv "$M3" "$M3.real" && ln -s manifests.real "$M3" &&
	expect_code 2 k3sguard manifests lock --root "$R3" 2>err &&
	one_line err && grep -q "is a symlink (refused)" err
'

test_expect_success 'a symlinked subdirectory is recorded, never entered' '
	R4=$(mroot linksub) && M4=$(mdir "$R4") && mkdir -p "$TMP/outside" &&
	echo "a: 1" >"$TMP/outside/o.yaml" && ln -s "$TMP/outside" "$M4/sub" &&
	k3sguard manifests lock --root "$R4" >/dev/null 2>&1 &&
	grep -q "^l 0777 .* sub " "$R4/var/lib/k3sguard/manifests.lock" &&
	! grep -q "o.yaml" "$R4/var/lib/k3sguard/manifests.lock"
'

test_expect_success 'the data dir comes from the K3s config (node model) or --data-dir' '
	R5=$TMP/dd && mkdir -p "$R5/etc/rancher/k3s" "$R5/srv/k3s/server" &&
	cp -R "$M" "$R5/srv/k3s/server/manifests" &&
	echo "data-dir: /srv/k3s" >"$R5/etc/rancher/k3s/config.yaml" &&
	k3sguard manifests lock --root "$R5" >out 2>/dev/null &&
	grep -q "/srv/k3s/server/manifests" out &&
	k3sguard manifests verify --root "$R5" >/dev/null &&
	k3sguard manifests verify --root "$TMP/dd" --data-dir /srv/k3s >/dev/null
'

. "$(dirname "$0")/lib-audit.sh"
test_expect_success 'audit row manifests.baseline: pass when locked, fail on drift or a forged lock' '
	expect_check "$R" manifests.baseline pass &&
	expect_check "$TMP/drift" manifests.baseline fail &&
	check_field manifests.baseline evidence | grep -q "differs from its signed baseline in 8 entries" &&
	expect_check "$TMP/forged" manifests.baseline fail &&
	check_field manifests.baseline evidence | grep -q "signature bad" &&
	expect_check "$TMP/nolock" manifests.baseline fail
'

test_expect_success 'usage errors: exit 64' '
	expect_code 64 k3sguard manifests verify --format yaml 2>err &&
	expect_code 64 k3sguard manifests lock extra 2>err &&
	expect_code 64 k3sguard manifests frob 2>err &&
	k3sguard manifests lock --help | grep -q "^usage: k3sguard manifests lock"
'

test_done
