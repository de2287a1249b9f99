#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9020: the audit's equal-to-limit values, one second / one day / one
# patch either side (issue 19 "Boundaries"):
#  - server-token.rotation-age: a token passes while it is at most
#    policy.token-max-age-days x 86400 s old: exactly N days passes, N days
#    and one second fails (the evidence says "N days 00:00:01").  Same for a token
#    k3sguard rotated (its store note, as src/token/token-rotate.c writes it).
#    Clocks frozen with faketime -f, for 'token store' and for the audit
#    (without -f the time given is a start and the clock runs: off by the
#    run's duration at a boundary; frozen, under with_timeout).
#  - updates.advisories and traefik.version with an advisory file whose
#    "introduced" equals the installed version, and one patch either side.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP" || exit 1

H=$(node_root h hardened-server)
CONF=$H/etc/k3sguard/config.yaml
T0='2026-01-01 00:00:00'
# make sanitize: ASan's allocator and faketime (see t2140)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:allocator_release_to_os_interval_ms=-1"

# age_at 'DATE TIME' WANT: rotation-age at that frozen time is WANT
age_at() {
	with_timeout 60 faketime -f "$1" "$K3SGUARD" --root "$H" audit --strategy server-token --format json \
		>"$TMP/audit.json" 2>"$TMP/audit.err" || :
	_got=$(check_status server-token.rotation-age)
	[ "$_got" = "$2" ] || {
		echo "at $1: rotation-age $_got, want $2: $(check_field server-token.rotation-age evidence)" >&2
		return 1
	}
}

# restore_token_at 'DATE TIME' [NOTE]: the store's server token recorded then
restore_token_at() {
	k3sguard --root "$H" secrets rm server-token >/dev/null &&
	if [ -n "${2:-}" ]; then
		with_timeout 60 faketime -f "$1" "$K3SGUARD" --root "$H" secrets put server-token --note "$2" \
			<"$H/var/lib/rancher/k3s/server/token" >/dev/null
	else
		with_timeout 60 faketime -f "$1" "$K3SGUARD" --root "$H" token store >/dev/null
	fi
}

test_expect_success 'faketime is installed (scripts/deps)' '
	has_cmd faketime
'

test_expect_success 'rotation-age, stored by token store: 90 days (the default) pass, 91 fail' '
	restore_token_at "$T0" &&
	age_at "2026-03-31 23:59:59" pass &&
	age_at "2026-04-01 00:00:00" pass &&
	check_field server-token.rotation-age evidence | grep -q "(90 days; policy 90 days" &&
	age_at "2026-04-01 00:00:01" fail &&
	check_field server-token.rotation-age evidence | grep -q "(90 days 00:00:01, policy 90 days)" &&
	age_at "2026-04-01 23:59:59" fail &&
	age_at "2026-04-02 00:00:00" fail &&
	check_field server-token.rotation-age evidence | grep -q "(91 days, policy 90 days)"
'

test_expect_success 'rotation-age: the policy value is the limit (1 day and 30 days)' '
	printf "policy:\n  token-max-age-days: 30\n" >"$CONF" &&
	age_at "2026-01-30 23:59:59" pass &&
	age_at "2026-01-31 00:00:00" pass &&
	age_at "2026-01-31 00:00:01" fail &&
	printf "policy:\n  token-max-age-days: 1\n" >"$CONF" &&
	age_at "2026-01-02 00:00:00" pass &&
	age_at "2026-01-02 00:00:01" fail &&
	rm "$CONF"
'

test_expect_success 'rotation-age, rotated by k3sguard: 90 days pass, 91 fail' '
	rm -f "$CONF" &&
	restore_token_at "$T0" "new token of the rotation started 2026-01-01T00:00:00Z" &&
	age_at "2026-04-01 00:00:00" pass &&
	check_field server-token.rotation-age evidence | grep -q "last rotated 2026-01-01 (90 days ago" &&
	age_at "2026-04-01 00:00:01" fail &&
	check_field server-token.rotation-age evidence | grep -q "90 days 00:00:01 ago: older than the policy of 90 days" &&
	age_at "2026-04-02 00:00:00" fail &&
	check_field server-token.rotation-age evidence | grep -q "91 days ago: older than the policy of 90 days"
'

# adv KIND INTRODUCED FIXED: an advisory file with one advisory for KIND
adv() {
	printf '{"schema":1,"updated":"%s","k3s":[%s],"traefik":[%s]}\n' "$(date -u +%F)" \
		"$([ "$1" = k3s ] && printf '{"id":"CVE-2099-1","severity":"high","introduced":"%s","fixed":["%s"]}' "$2" "$3")" \
		"$([ "$1" = traefik ] && printf '{"id":"CVE-2099-2","severity":"high","introduced":"%s","fixed":["%s"]}' "$2" "$3")" \
		>"$TMP/adv.json" &&
	printf "updates:\n  advisories-file: %s\n" "$TMP/adv.json" >"$CONF"
}

test_expect_success 'updates.advisories: introduced equal to the installed v1.34.6+k3s1 applies' '
	adv k3s v1.34.6+k3s1 v1.34.9 && expect_check "$H" updates.advisories fail &&
	grep -q CVE-2099-1 "$TMP/audit.json" &&
	adv k3s v1.34.6 v1.34.9 && expect_check "$H" updates.advisories fail &&
	adv k3s v1.34.5 v1.34.9 && expect_check "$H" updates.advisories fail &&
	adv k3s v1.34.7 v1.34.9 && expect_check "$H" updates.advisories pass &&
	adv k3s v1.34.6+k3s2 v1.34.9 && expect_check "$H" updates.advisories pass
'

test_expect_success 'updates.advisories: fixed equal to the installed version does not apply' '
	adv k3s v1.34.0 v1.34.6+k3s1 && expect_check "$H" updates.advisories pass &&
	adv k3s v1.34.0 v1.34.6 && expect_check "$H" updates.advisories pass &&
	adv k3s v1.34.0 v1.34.7 && expect_check "$H" updates.advisories fail &&
	adv k3s v1.34.0 v1.34.6+k3s2 && expect_check "$H" updates.advisories fail
'

# the example's datastore is an external etcd that an image does not probe:
# its Traefik verdicts would be unknown (skip); as a kine (SQLite) server
# that never started (no state.db) the manifests are what K3s applies
test_expect_success 'traefik.version: introduced equal to the installed v3.6.9 applies, one patch either side' '
	sed -i "/^datastore-/d" "$H/etc/rancher/k3s/config.yaml" &&
	adv traefik v3.6.9 v3.6.12 && expect_check "$H" traefik.version fail &&
	grep -q CVE-2099-2 "$TMP/audit.json" &&
	adv traefik v3.6.8 v3.6.12 && expect_check "$H" traefik.version fail &&
	adv traefik v3.6.10 v3.6.12 && expect_check "$H" traefik.version pass &&
	adv traefik v3.6.0 v3.6.9 && expect_check "$H" traefik.version pass &&
	adv traefik v3.6.0 v3.6.10 && expect_check "$H" traefik.version fail &&
	rm "$CONF"
'

test_done
