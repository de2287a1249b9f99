#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9090: the remaining equal-to-limit values of the audit, one second,
# day, patch or minor either side (issue 19 item 1): etcd.cert-expiry (30
# days), updates.data-fresh (30 days), updates.channel (the update policy:
# at most 1 minor and 2 patches behind by default, or as configured).
# Clocks frozen with faketime -f (without -f the given time is a start
# and the clock runs: a boundary would be off by the run's own duration;
# frozen, anything that waits on the clock could hang: with_timeout).
# The hardened example node (K3s v1.34.6+k3s1).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP" || exit 1

H=$(node_root h hardened-server)
CONF=$H/etc/k3sguard/config.yaml
# make sanitize: ASan's allocator and faketime (see t2140)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:allocator_release_to_os_interval_ms=-1"

# at 'DATE TIME' ID WANT [STRATEGY]: at that frozen time check ID is WANT
at() {
	with_timeout 60 faketime -f "$1" "$K3SGUARD" --root "$H" audit --strategy "${4:-${2%%.*}}" --format json \
		>"$TMP/audit.json" 2>"$TMP/audit.err" || :
	_got=$(check_status "$2")
	[ "$_got" = "$3" ] || {
		echo "at $1: $2 $_got, want $3: $(check_field "$2" evidence)" >&2
		return 1
	}
}

test_expect_success 'faketime is installed (scripts/deps)' '
	has_cmd faketime
'

test_expect_success 'etcd.cert-expiry: 30 days left passes, one second less does not; expired fails' '
	end=$(openssl x509 -noout -enddate -in "$H/etc/rancher/k3s/etcd/client.crt" | cut -d= -f2) &&
	ca_end=$(openssl x509 -noout -enddate -in "$H/etc/rancher/k3s/etcd/ca.crt" | cut -d= -f2) &&
	e=$(date -u -d "$end" +%s) && c=$(date -u -d "$ca_end" +%s) &&
	[ "$e" -le "$c" ] &&
	t() { date -u -d "@$(( e - $1 ))" "+%Y-%m-%d %H:%M:%S"; } &&
	at "$(t $((30 * 86400 + 1)))" etcd.cert-expiry pass &&
	at "$(t $((30 * 86400)))" etcd.cert-expiry pass &&
	at "$(t $((30 * 86400 - 1)))" etcd.cert-expiry warn &&
	check_field etcd.cert-expiry evidence | grep -q "expires in 29 days" &&
	# the node path K3s names, not this host'"'"'s path to it under --root
	check_field etcd.cert-expiry evidence | grep -q "datastore-certfile '"'"'/etc/rancher/k3s/etcd/client.crt'"'"' expires" &&
	at "$(t 1)" etcd.cert-expiry warn &&
	at "$(t 0)" etcd.cert-expiry fail &&
	at "$(t -1)" etcd.cert-expiry fail
'

test_expect_success 'updates.data-fresh: data 30 days old passes, 31 days warns' '
	printf "{\"schema\":1,\"updated\":\"2026-11-28\",\"k3s\":[],\"traefik\":[]}\n" >adv.json &&
	printf "{\"fetched\":\"2026-11-29\",\"data\":[{\"id\":\"stable\",\"latest\":\"v1.34.6+k3s1\"}]}\n" >chf.json &&
	printf "updates:\n  advisories-file: %s\n  channels-file: %s\n" "$TMP/adv.json" "$TMP/chf.json" >"$CONF" &&
	at "2026-12-28 00:00:00" updates.data-fresh pass &&
	at "2026-12-28 23:59:59" updates.data-fresh pass &&
	at "2026-12-29 00:00:00" updates.data-fresh warn &&
	check_field updates.data-fresh evidence | grep -q "adv.json. is 31 days old" &&
	printf "{\"schema\":1,\"updated\":\"2026-11-29\",\"k3s\":[],\"traefik\":[]}\n" >adv.json &&
	at "2026-12-29 00:00:00" updates.data-fresh pass &&
	at "2026-12-30 00:00:00" updates.data-fresh warn &&
	check_field updates.data-fresh evidence | grep -q "chf.json. is 31 days old" &&
	rm "$CONF"
'

# channels STABLE V1.34-LATEST [V1.35-LATEST]: a channels file, named in the config
channels() {
	printf '{"fetched":"%s","data":[{"id":"stable","latest":"%s"},{"id":"v1.34","latest":"%s"}%s]}\n' \
		"$(date -u +%F)" "$1" "$2" "${3:+,{\"id\":\"v1.35\",\"latest\":\"$3\"\}}" >"$TMP/ch.json" &&
	printf "updates:\n  channels-file: %s\n%s" "$TMP/ch.json" "${POLICY:-}" >"$CONF"
}

test_expect_success 'updates.channel: 2 patches behind passes, 3 fail (default policy)' '
	channels v1.34.8+k3s1 v1.34.8+k3s1 && expect_check "$H" updates.channel pass &&
	grep -q "ch.json" "$TMP/audit.json" &&
	channels v1.34.9+k3s1 v1.34.9+k3s1 && expect_check "$H" updates.channel fail
'

test_expect_success 'updates.channel: 1 minor behind passes, 2 fail (default policy)' '
	channels v1.35.1+k3s1 v1.34.6+k3s1 v1.35.1+k3s1 && expect_check "$H" updates.channel pass &&
	channels v1.36.0+k3s1 v1.34.6+k3s1 v1.35.1+k3s1 && expect_check "$H" updates.channel fail
'

test_expect_success 'updates.channel: the configured policy is the limit (0 minors, 0 patches)' '
	POLICY="policy:
  update-max-minors-behind: 0
  update-max-patches-behind: 0
" &&
	channels v1.34.6+k3s1 v1.34.6+k3s1 && expect_check "$H" updates.channel pass &&
	channels v1.34.7+k3s1 v1.34.7+k3s1 && expect_check "$H" updates.channel fail &&
	channels v1.35.0+k3s1 v1.34.6+k3s1 v1.35.0+k3s1 && expect_check "$H" updates.channel fail &&
	rm "$CONF"
'

test_done
