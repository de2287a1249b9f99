#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t6030: 'update check' online: the channel server's JSON fetched with
# libcurl over https from a local stand-in for update.k3s.io (openssl
# s_server -WWW serving tests/fixtures/update files, self-signed CA given
# with updates.ca-file), including an http URL (refused), an empty answer
# (s_server -WWW answers 200 with no body for a missing file), a malformed
# body and a certificate that does not verify.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/update/root.sh"
cd "$TMP" || exit 1
F=$TOP/tests/fixtures/update

has_cmd openssl || { test_skip 'online channel check' 'openssl not installed'; test_done; }
. "$TOP/tests/lib-https.sh"
mkdir -p www/v1-release www/bad
cp "$F/channels-good.json" www/v1-release/channels
cp "$F/channels-truncated.json" www/bad/channels
https_www
[ -n "$port" ] || { test_skip 'online channel check' 'no free port for the stand-in server'; test_done; }

cfg() {
	mkdir -p r/etc/k3sguard
	printf 'updates:\n  channels-url: "%s"\n  ca-file: "%s"\n' "$1" "$TMP/srv.crt" >r/etc/k3sguard/config.yaml
}

test_expect_success 'fetched from the channel server over https' '
	update_root r v1.30.4+k3s1 && cfg "https://127.0.0.1:$port/v1-release/channels" &&
	expect_code 1 k3sguard --root r update check >out &&
	grep -q "4 minors behind stable (v1.34.6+k3s1)" out &&
	grep -q "channels: https://127.0.0.1:$port/v1-release/channels" out
'

test_expect_success 'http is refused; an empty or malformed answer is an error naming the URL' '
	update_root r v1.30.4+k3s1 && cfg "http://127.0.0.1:$port/v1-release/channels" &&
	expect_code 2 k3sguard --root r update check 2>err && one_line err && grep -q "over https" err &&
	cfg "https://127.0.0.1:$port/nothing/here" &&
	expect_code 2 k3sguard --root r update check 2>err && one_line err && grep -q "nothing/here. line 1: invalid JSON" err &&
	cfg "https://127.0.0.1:$port/bad/channels" &&
	expect_code 2 k3sguard --root r update check 2>err && one_line err && grep -q "invalid JSON" err
'

test_expect_success 'the server certificate is verified' '
	update_root r v1.30.4+k3s1 && cfg "https://127.0.0.1:$port/v1-release/channels" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=other \
		-keyout o.key -out o.crt >/dev/null 2>&1 &&
	sed -i "s|$TMP/srv.crt|$TMP/o.crt|" r/etc/k3sguard/config.yaml &&
	expect_code 2 k3sguard --root r update check 2>err && one_line err && grep -q "cannot fetch" err
'

test_done
