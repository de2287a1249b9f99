#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t2000: 'secrets' with the file backend: versions, metadata, modes, and
# every way a store file can be wrong (wrong key, tampered, truncated).
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
R=$TMP/root
mkdir -p "$R"
SEC=$R/var/lib/k3sguard/secrets
S() { k3sguard --root "$R" secrets "$@"; }

test_expect_success 'put reads stdin, creates a 0400 master key and a 0600 file' '
	printf "s3cret-one\n" | S put app --note "first one" >out &&
	grep -q "stored .app. version 1 (current, fingerprint [0-9a-f]\{12\})" out &&
	[ "$(stat -c %a "$R/etc/k3sguard/master.key")" = 400 ] &&
	[ "$(stat -c %s "$R/etc/k3sguard/master.key")" = 32 ] &&
	[ "$(stat -c %a "$SEC/app.sec")" = 600 ] &&
	[ "$(stat -c %a "$SEC")" = 700 ] &&
	! grep -q s3cret "$SEC/app.sec"
'

test_expect_success 'get prints the value; a new put makes the old one previous' '
	[ "$(S get app)" = s3cret-one ] &&
	printf "s3cret-two" | S put app >/dev/null &&
	[ "$(S get app)" = s3cret-two ] &&
	[ "$(S get app --version 1)" = s3cret-one ] &&
	S history app >h &&
	grep -q "^v1 *previous .*first one$" h &&
	grep -q "^v2 *current " h
'

test_expect_success 'pending versions do not replace the current one' '
	printf "s3cret-three" | S put app --pending >/dev/null &&
	[ "$(S get app)" = s3cret-two ] &&
	S history app --format json >h.json &&
	python3 -c "import json,sys; h=json.load(open(\"h.json\")); assert [v[\"state\"] for v in h]==[\"previous\",\"current\",\"pending\"], h"
'

test_expect_success 'fingerprint of a K3s token is sha256(password)[:12]' '
	ca=$(printf "%064d" 0) &&
	printf "K10%s::server:p4ssw0rd\n" "$ca" | S put tok >out &&
	fp=$(printf p4ssw0rd | sha256sum | cut -c1-12) &&
	grep -q "fingerprint $fp" out
'

test_expect_success 'ls lists names, text and json' '
	S ls >ls && grep -q "^app " ls && grep -q "^tok " ls &&
	S ls --format json >ls.json &&
	python3 -c "import json; d=json.load(open(\"ls.json\")); assert d[\"backend\"]==\"file\"; assert sorted(s[\"name\"] for s in d[\"secrets\"])==[\"app\",\"tok\"]"
'

test_expect_success 'get refuses a terminal unless --force-tty' '
	has_cmd script || { echo "script(1) missing"; exit 1; } &&
	script -qec "$K3SGUARD --root $R secrets get app; echo rc=\$?" /dev/null >tty.out </dev/null &&
	grep -q "refusing to print" tty.out && grep -q "rc=64" tty.out &&
	! grep -q s3cret tty.out &&
	script -qec "$K3SGUARD --root $R secrets get app --force-tty" /dev/null >tty2.out </dev/null &&
	grep -q s3cret-two tty2.out
'

test_expect_success 'dry-run put and rm change nothing' '
	cp "$SEC/app.sec" before &&
	printf "x" | S put app --dry-run >out && grep -q "would store" out &&
	S rm app --dry-run >out && grep -q "would remove .app. with its 3 versions" out &&
	cmp before "$SEC/app.sec"
'

test_expect_success 'bad input: name, empty value, unknown version, usage' '
	expect_code 64 S put "../x" </dev/null 2>err && one_line err &&
	expect_code 2 S put empty </dev/null 2>err && one_line err &&
	[ ! -e "$SEC/empty.sec" ] &&
	expect_code 2 S get app --version 9 >out 2>err && one_line err && [ ! -s out ] &&
	expect_code 2 S get nothere >out 2>err && one_line err && [ ! -s out ] &&
	expect_code 64 S get 2>err &&
	expect_code 64 S put a b </dev/null 2>err &&
	expect_code 64 S frob 2>err
'

test_expect_success 'tampered file: exit 2 naming the file, no output' '
	cp "$SEC/app.sec" good &&
	python3 -c "
import sys
p=sys.argv[1]; b=bytearray(open(p,\"rb\").read()); b[-20]^=1; open(p,\"wb\").write(b)" "$SEC/app.sec" &&
	expect_code 2 S get app >out 2>err && [ ! -s out ] && one_line err &&
	grep -q "app.sec" err &&
	expect_code 2 S history app >out 2>err && [ ! -s out ] &&
	cp good "$SEC/app.sec" && [ "$(S get app)" = s3cret-two ]
'

test_expect_success 'truncated file: exit 2 naming the file, no output' '
	head -c 40 good >"$SEC/app.sec" &&
	expect_code 2 S get app >out 2>err && [ ! -s out ] && one_line err &&
	grep -q "app.sec" err &&
	head -c 10 good >"$SEC/app.sec" &&
	expect_code 2 S get app >out 2>err && [ ! -s out ] && grep -q "app.sec" err &&
	cp good "$SEC/app.sec"
'

test_expect_success 'a file renamed to another secret does not open' '
	cp "$SEC/app.sec" "$SEC/other.sec" &&
	expect_code 2 S get other >out 2>err && [ ! -s out ] && grep -q "other.sec" err &&
	rm "$SEC/other.sec"
'

test_expect_success 'wrong master key: exit 2 naming the file, no output' '
	mv "$R/etc/k3sguard/master.key" key.good &&
	head -c 32 /dev/urandom >"$R/etc/k3sguard/master.key" &&
	chmod 400 "$R/etc/k3sguard/master.key" &&
	expect_code 2 S get app >out 2>err && [ ! -s out ] && one_line err &&
	grep -q "app.sec" err && grep -q "wrong master key" err &&
	rm -f "$R/etc/k3sguard/master.key" && mv key.good "$R/etc/k3sguard/master.key"
'

test_expect_success 'master key readable by others, or a symlink, is refused' '
	chmod 444 "$R/etc/k3sguard/master.key" &&
	expect_code 2 S get app >out 2>err && [ ! -s out ] && grep -q "master.key" err &&
	chmod 400 "$R/etc/k3sguard/master.key" &&
	mv "$R/etc/k3sguard/master.key" "$TMP/real.key" &&
	ln -s "$TMP/real.key" "$R/etc/k3sguard/master.key" &&
	expect_code 2 S get app >out 2>err && grep -q "symlink" err &&
	rm "$R/etc/k3sguard/master.key" && mv "$TMP/real.key" "$R/etc/k3sguard/master.key"
'

test_expect_success 'systemd credential key is used when CREDENTIALS_DIRECTORY is set' '
	mkdir -p creds && head -c 32 /dev/urandom >creds/k3sguard.key && chmod 400 creds/k3sguard.key &&
	printf "via-cred" | CREDENTIALS_DIRECTORY=$PWD/creds S put credsec >/dev/null &&
	[ "$(CREDENTIALS_DIRECTORY=$PWD/creds S get credsec)" = via-cred ] &&
	expect_code 2 S get credsec >out 2>err && [ ! -s out ] && grep -q credsec.sec err
'

test_expect_success 'rm removes one version, refuses the current one, then all' '
	S rm app --version 1 >out && grep -q "removed version 1" out &&
	expect_code 2 S get app --version 1 >out 2>err &&
	expect_code 2 S rm app --version 2 2>err && grep -q "is current" err &&
	S rm app >out && [ ! -e "$SEC/app.sec" ] &&
	expect_code 2 S get app 2>err
'

test_expect_success 'the value never appears in any argv or environment' '
	printf "argv-canary-93af" | S put canary >/dev/null &&
	! grep -rq "argv-canary-93af" "$R" &&
	[ "$(S get canary)" = argv-canary-93af ]
'

test_expect_success 'an older copy of a .sec file put back is refused (rollback): exit 2, one line' '
	printf "roll-v1-0c4e" | S put roll >/dev/null &&
	cp "$SEC/roll.sec" roll.v1 &&
	printf "roll-v2-9d1f" | S put roll >/dev/null &&
	[ "$(S get roll)" = roll-v2-9d1f ] &&
	cp roll.v1 "$SEC/roll.sec" &&
	expect_code 2 S get roll >out 2>err && [ ! -s out ] && one_line err &&
	grep -q "roll.sec. is an older copy (generation 1, the store recorded 2): rolled back" err &&
	expect_code 2 S get roll --version 1 >out 2>err && [ ! -s out ] && one_line err &&
	expect_code 2 S history roll >out 2>err && one_line err &&
	! grep -q "roll-v1" out err
'

test_expect_success 'a state change is a write too: the copy before it is refused' '
	printf "roll-v3" | S put roll2 >/dev/null && printf "roll-v4" | S put roll2 >/dev/null &&
	cp "$SEC/roll2.sec" before-rm &&
	S rm roll2 --version 1 >/dev/null &&
	cp before-rm "$SEC/roll2.sec" &&
	expect_code 2 S get roll2 >out 2>err && one_line err && grep -q "older copy" err
'

test_expect_success 'a removed secret stays recorded: its old file put back is refused' '
	printf "gone-1" | S put gone >/dev/null && printf "gone-2" | S put gone >/dev/null &&
	cp "$SEC/gone.sec" gone.old && S rm gone >/dev/null &&
	cp gone.old "$SEC/gone.sec" &&
	expect_code 2 S get gone >out 2>err && one_line err && grep -q "older copy" err &&
	rm "$SEC/gone.sec" &&
	printf "gone-3" | S put gone >/dev/null && [ "$(S get gone)" = gone-3 ]
'

test_expect_success 'the record removed under a written file: refused, not trusted' '
	printf "rec-1" | S put rec >/dev/null && printf "rec-2" | S put rec >/dev/null &&
	rm "$SEC/rec.gen" &&
	expect_code 2 S get rec >out 2>err && one_line err && grep -q "no record" err
'

test_done
