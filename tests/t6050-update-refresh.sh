#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t6050: data freshness.  The audit's updates.data-fresh warns when the
# advisory or channel data is older than 30 days or undated, and
# 'update refresh' fetches both over https (a local openssl s_server
# stand-in for update.k3s.io and an advisory feed), checks them with the
# parsers the audit uses, and replaces the files atomically; a bad answer
# leaves every file as it was.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/update/root.sh"
. "$TOP/tests/lib-https.sh"
cd "$TMP" || exit 1
F=$TOP/tests/fixtures/update

# status and detail of one check in a JSON audit
check_of() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = [c for c in d["checks"] if c["id"] == sys.argv[2]][0]
print(c["status"], c.get("detail") or c.get("evidence") or "")' "$1" "$2"
}

# advisories.json of the bundled data, dated $1
advisories_dated() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); d["updated"] = sys.argv[2]
json.dump(d, open(sys.argv[3], "w"))' "$TOP/data/advisories.json" "$1" "$2"
}

# channels data stamped "fetched": $1 (or none when $1 is empty)
channels_dated() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
if sys.argv[2]: d["fetched"] = sys.argv[2]
else: d.pop("fetched", None)
json.dump(d, open(sys.argv[3], "w"))' "$TOP/data/channels.json" "$1" "$2"
}

cfg_files() {
	mkdir -p r/etc/k3sguard
	printf 'updates:\n  channels-file: "%s"\n  advisories-file: "%s"\n' "$1" "$2" >r/etc/k3sguard/config.yaml
}

today=$(date -u +%F)
old=$(date -u -d '-31 days' +%F)
edge=$(date -u -d '-30 days' +%F)

test_expect_success 'data-fresh passes on data dated today, and on exactly 30 days' '
	update_root r v1.30.4+k3s1 && advisories_dated "$today" adv.json &&
	channels_dated "$today" ch.json && cfg_files "$TMP/ch.json" "$TMP/adv.json" &&
	{ k3sguard --root r audit --format json >a.json || true; } &&
	check_of a.json updates.data-fresh >st && grep -q "^pass .*0 days old" st &&
	advisories_dated "$edge" adv.json && channels_dated "$edge" ch.json &&
	{ k3sguard --root r audit --format json >a.json || true; } &&
	check_of a.json updates.data-fresh >st && grep -q "^pass .*30 days old" st
'

test_expect_success 'data-fresh warns at 31 days (advisories, then channels), naming the file' '
	update_root r v1.30.4+k3s1 && advisories_dated "$old" adv.json &&
	channels_dated "$today" ch.json && cfg_files "$TMP/ch.json" "$TMP/adv.json" &&
	{ k3sguard --root r audit --format json >a.json || true; } &&
	check_of a.json updates.data-fresh >st && grep -q "^warn .*adv.json. is 31 days old" st &&
	grep -q "update refresh" st &&
	advisories_dated "$today" adv.json && channels_dated "$old" ch.json &&
	{ k3sguard --root r audit --format json >a.json || true; } &&
	check_of a.json updates.data-fresh >st && grep -q "^warn .*ch.json. is 31 days old" st
'

test_expect_success 'undated channel data, or a date that is not a date, is a warning, never a pass' '
	update_root r v1.30.4+k3s1 && advisories_dated "$today" adv.json &&
	channels_dated "" ch.json && cfg_files "$TMP/ch.json" "$TMP/adv.json" &&
	{ k3sguard --root r audit --format json >a.json || true; } &&
	check_of a.json updates.data-fresh >st && grep -q "^warn .*has no date" st &&
	advisories_dated "28/11/2026" adv.json && channels_dated "$today" ch.json &&
	{ k3sguard --root r audit --format json >a.json || true; } &&
	check_of a.json updates.data-fresh >st && grep -q "^warn .*is not YYYY-MM-DD" st
'

mkdir -p www/v1-release www/feed www/bad
cp "$F/channels-good.json" www/v1-release/channels
advisories_dated "$today" www/feed/advisories.json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); d.pop("updated")
json.dump(d, open(sys.argv[2], "w"))' "$TOP/data/advisories.json" www/bad/undated.json
cp "$F/channels-truncated.json" www/bad/channels
has_cmd openssl && https_www
if [ -z "${port:-}" ]; then
	test_skip 'update refresh' 'no openssl or no free port for the stand-in server'
	test_done
fi
U=https://127.0.0.1:$port

cfg_urls() {
	mkdir -p r/etc/k3sguard
	printf 'updates:\n  ca-file: "%s"\n' "$TMP/srv.crt" >r/etc/k3sguard/config.yaml
}

test_expect_success 'refresh: both files fetched, checked, written 0644; the audit then reads them fresh' '
	update_root r v1.30.4+k3s1 && cfg_urls &&
	k3sguard --root r update refresh --channels-url "$U/v1-release/channels" \
	    --advisories-url "$U/feed/advisories.json" --dir "$TMP/data" >out &&
	grep -q "^wrote $TMP/data/channels.json" out && grep -q "^wrote $TMP/data/advisories.json" out &&
	test "$(stat -c %a data/channels.json)" = 644 &&
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"fetched\"]==sys.argv[2]; assert d[\"data\"]" \
	    data/channels.json "$today" &&
	cmp data/advisories.json www/feed/advisories.json &&
	cfg_files "$TMP/data/channels.json" "$TMP/data/advisories.json" &&
	{ k3sguard --root r audit --format json >a.json || true; } &&
	check_of a.json updates.data-fresh >st && grep -q "^pass" st
'

test_expect_success 'refresh --dry-run fetches and checks, writes nothing' '
	update_root r v1.30.4+k3s1 && cfg_urls && rm -rf dry &&
	k3sguard --root r update refresh --dry-run --channels-url "$U/v1-release/channels" --dir "$TMP/dry" >out &&
	grep -q "^would write $TMP/dry/channels.json" out && grep -q "advisories: no feed set" out &&
	test ! -e dry
'

test_expect_success 'refresh: a malformed channel answer or undated advisories write nothing, exit 2' '
	update_root r v1.30.4+k3s1 && cfg_urls && rm -rf keep && mkdir keep &&
	echo before >keep/channels.json && echo before >keep/advisories.json &&
	expect_code 2 k3sguard --root r update refresh --channels-url "$U/bad/channels" \
	    --advisories-url "$U/feed/advisories.json" --dir "$TMP/keep" >out 2>err &&
	one_line err && grep -q "invalid JSON" err &&
	expect_code 2 k3sguard --root r update refresh --channels-url "$U/v1-release/channels" \
	    --advisories-url "$U/bad/undated.json" --dir "$TMP/keep" >out 2>err &&
	one_line err && grep -q "undated" err &&
	test "$(cat keep/channels.json keep/advisories.json)" = "$(printf "before\nbefore")" &&
	expect_code 2 k3sguard --root r update refresh --channels-url "http://127.0.0.1:$port/v1-release/channels" \
	    --dir "$TMP/keep" 2>err && one_line err && grep -q "over https" err
'

test_expect_success 'refresh: a usage error is 64' '
	expect_code 64 k3sguard update refresh --bogus 2>err &&
	expect_code 64 k3sguard update refresh extra 2>err && one_line err
'

test_done
