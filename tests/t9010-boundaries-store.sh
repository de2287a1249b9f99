#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9010: the file secret store refuses a store file or master key whose
# mode or owner was loosened, bit by bit on both sides (issue 19: "the store
# accepts a .sec file whose mode was loosened"), and the audit row that
# reads the store says error, never pass, when it is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP" || exit 1

R=$TMP/root
SEC=$R/var/lib/k3sguard/secrets
KEY=$R/etc/k3sguard/master.key
mkdir -p "$R"
printf 's3cret-value' | k3sguard --root "$R" secrets put app >/dev/null 2>put.err
put_rc=$?

# get_after FILE MODE|OWNER WANT: set it, 'secrets get app' must exit WANT
# (0 printing the value; 2 printing nothing, naming the file); restored
get_after() {
	_f=$1 _how=$2 _want=$3
	_m=$(stat -c %a "$_f") &&
	case $_how in
	uid=*) chown "${_how#uid=}" "$_f" ;;
	gid=*) chgrp "${_how#gid=}" "$_f" ;;
	*) chmod "$_how" "$_f" ;;
	esac &&
	k3sguard --root "$R" secrets get app >out 2>err && _rc=0 || _rc=$?
	chown 0:0 "$_f" && chmod "$_m" "$_f" &&
	if [ "$_rc" -ne "$_want" ]; then
		echo "$(basename "$_f") $_how: exit $_rc, want $_want" >&2
		cat err >&2
		return 1
	fi &&
	if [ "$_want" -eq 0 ]; then
		[ "$(cat out)" = s3cret-value ]
	else
		[ ! -s out ] && one_line err && grep -q "$(basename "$_f")" err
	fi
}

test_expect_success 'set up: a store with one secret' '
	[ "$put_rc" -eq 0 ] || { cat put.err; exit 1; } &&
	[ "$(stat -c %a "$SEC/app.sec")" = 600 ] && [ "$(stat -c %a "$KEY")" = 400 ]
'

test_expect_success '.sec: 0600 and 0400 open; each group or other bit alone is refused' '
	get_after "$SEC/app.sec" 0600 0 &&
	get_after "$SEC/app.sec" 0400 0 &&
	for m in 0640 0620 0610 0604 0602 0601 0644 0666; do
		get_after "$SEC/app.sec" $m 2 || exit 1
	done
'

test_expect_success '.sec: a non-root owner is refused; a non-root group with 0600 is harmless' '
	get_after "$SEC/app.sec" uid=1000 2 &&
	grep -q "owned by uid 1000" err &&
	get_after "$SEC/app.sec" gid=1000 0
'

test_expect_success 'master key: 0400 (and 0600) open; each group or other bit alone is refused' '
	get_after "$KEY" 0400 0 &&
	get_after "$KEY" 0600 0 &&
	for m in 0440 0420 0404 0402 0444; do
		get_after "$KEY" $m 2 || exit 1
	done &&
	get_after "$KEY" uid=1000 2 &&
	get_after "$KEY" gid=1000 0
'

test_expect_success 'server-token.stored: a loosened store file is an error, never a pass' '
	H=$(node_root h hardened-server) &&
	expect_check "$H" server-token.stored pass &&
	chmod 0640 "$H/var/lib/k3sguard/secrets/server-token.sec" &&
	expect_check "$H" server-token.stored error &&
	check_field server-token.stored evidence | grep -q "server-token.sec" &&
	chmod 0604 "$H/var/lib/k3sguard/secrets/server-token.sec" &&
	expect_check "$H" server-token.stored error &&
	expect_check "$H" server-token.rotation-age error &&
	chmod 0600 "$H/var/lib/k3sguard/secrets/server-token.sec" &&
	chown 1000 "$H/var/lib/k3sguard/secrets/server-token.sec" &&
	expect_check "$H" server-token.stored error
'

test_done
