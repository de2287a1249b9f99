#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t2110: 'token rotate' against the K3s TEST DOUBLES (tests/doubles: a
# stand-in for K3s's supervisor endpoint and for the k3s binary; K3s itself
# cannot run here): full rotation, --dry-run, --via-cli, the version gate,
# CA pinning, and what the double itself must refuse.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1
. "$TOP/tests/doubles/token-node.sh"

token_node n1 >setup.log 2>&1
setup_rc=$?
T() { k3sguard --root "$R" token "$@"; }
tree_sum() { (cd "$1" && find . -type f ! -name .lock ! -name k3s.calls -exec sha256sum {} + | sort); }

test_expect_success 'set up a node (k3s test doubles)' '
	[ $setup_rc -eq 0 ] || { cat setup.log; exit 1; }
'

test_expect_success '--dry-run prints the plan and changes nothing' '
	tree_sum "$R" >before &&
	T rotate --server "$URL" --dry-run >out 2>err &&
	grep -q "would rotate the server token of K3s v1.32.11+k3s3" out &&
	grep -q "PUT $URL/v1-k3s/token" out &&
	grep -q "restart K3s with .$CTL/restart." out &&
	tree_sum "$R" >after && diff before after &&
	[ ! -e "$CTL/requests.log" ] && [ ! -e "$CTL/restarts" ] &&
	! grep -q "$OLDPW" out err
'

test_expect_success 'full rotation: endpoint, server/token, cred/passwd, bootstrap, store, restart' '
	T rotate --server "$URL" >out 2>err &&
	NEWPW=$(node_password) && [ "$NEWPW" != "$OLDPW" ] &&
	[ ${#NEWPW} -eq 64 ] &&
	! echo "$NEWPW" | grep -qE "^[a-z0-9]{6}\.[a-z0-9]{16}$" &&
	[ "$(cat "$DD/server/token")" = "K10$CAHASH::server:$NEWPW" ] &&
	grep -q "^rotated: fingerprint $(fp_of "$OLDPW") -> $(fp_of "$NEWPW")$" out &&
	grep -q "no separate agent token" out &&
	grep -q "^PUT /v1-k3s/token 200$" "$CTL/requests.log" &&
	grep -q "^GET /ping 200$" "$CTL/requests.log" &&
	[ "$(cat "$CTL/restarts")" = restart ] &&
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert list(d)==[\"/bootstrap/$(fp_of "$NEWPW")\"], d" "$DD/server/db/bootstrap.json" &&
	[ "$(k3sguard --root "$R" secrets get server-token)" = "K10$CAHASH::server:$NEWPW" ] &&
	[ "$(k3sguard --root "$R" secrets get server-token --version 1)" = "K10$CAHASH::server:$OLDPW" ] &&
	k3sguard --root "$R" secrets history server-token >h &&
	grep -q "^v1 *previous .*$(fp_of "$OLDPW")" h && grep -q "^v2 *current .*$(fp_of "$NEWPW")" h &&
	[ ! -e "$R/var/lib/k3sguard/token-rotate.journal" ] &&
	T verify >/dev/null &&
	! grep -q -e "$OLDPW" -e "$NEWPW" out err "$CTL/requests.log" "$CTL/double.log"
'

test_expect_success 'a second rotation keeps v1 as old and v2 as previous (json output)' '
	T rotate --server "$URL" --format json >r.json &&
	python3 -c "import json; d=json.load(open(\"r.json\")); assert d[\"result\"]==\"rotated\" and d[\"new_version\"]==3, d" &&
	k3sguard --root "$R" secrets history server-token >h &&
	grep -q "^v1 *old " h && grep -q "^v2 *previous " h && grep -q "^v3 *current " h
'

test_expect_success '--via-cli runs k3s token rotate (double) and warns about argv' '
	: >"$R/usr/local/bin/k3s.calls" &&
	PW3=$(node_password) &&
	T rotate --server "$URL" --via-cli >out 2>err &&
	grep -q "^token rotate$" "$R/usr/local/bin/k3s.calls" &&
	grep -q "argv" err && grep -q "K3S_TOKEN" err &&
	[ "$(node_password)" != "$PW3" ] &&
	[ "$(k3sguard --root "$R" secrets get server-token)" = "$(cat "$DD/server/token")" ] &&
	T verify >/dev/null
'

test_expect_success 'version gate: backports accepted, older refused with the explanation' '
	for v in v1.25.15+k3s1 v1.26.10+k3s2 v1.27.7+k3s1 v1.28.3+k3s1 v1.29.0+k3s1 v1.33.1+k3s1; do
		set_k3s_version "$v" &&
		T rotate --server "$URL" --dry-run >out 2>err || { echo "refused $v"; cat err; exit 1; }
	done &&
	for v in v1.25.14+k3s1 v1.26.9+k3s1 v1.27.6+k3s1 v1.28.2+k3s1 v1.28.3-rc1+k3s1 v1.24.17+k3s1; do
		set_k3s_version "$v" &&
		expect_code 2 T rotate --server "$URL" >out 2>err &&
		grep -q "K3s $v cannot rotate its server token" err &&
		grep -q "cred/passwd" err && grep -q "does NOT" err && grep -q "Upgrade K3s" err || { echo "accepted $v"; exit 1; }
	done &&
	set_k3s_version v1.32.11+k3s3
'

test_expect_success 'unknown K3s version: refused (fail closed)' '
	mv "$R/usr/local/bin/k3s" k3s.away &&
	expect_code 2 T rotate --server "$URL" >out 2>err && one_line err &&
	grep -q "cannot tell the K3s version" err &&
	mv k3s.away "$R/usr/local/bin/k3s"
'

test_expect_success 'CA file that does not match the token CA hash: refused, nothing sent' '
	cp "$DD/server/tls/server-ca.crt" ca.good &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
		-subj "/CN=evil-ca" -keyout evil.key -out "$DD/server/tls/server-ca.crt" 2>/dev/null &&
	reqs=$(wc -l <"$CTL/requests.log") && hist=$(k3sguard --root "$R" secrets history server-token | wc -l) &&
	expect_code 2 T rotate --server "$URL" >out 2>err && one_line err &&
	grep -q "does not match the CA hash" err && grep -q "refusing to send credentials" err &&
	[ "$(wc -l <"$CTL/requests.log")" = "$reqs" ] &&
	[ "$(k3sguard --root "$R" secrets history server-token | wc -l)" = "$hist" ] &&
	[ ! -e "$R/var/lib/k3sguard/token-rotate.journal" ] &&
	cp ca.good "$DD/server/tls/server-ca.crt"
'

test_expect_success 'endpoint whose certificate the node CA does not sign: TLS refused' '
	mkdir -p evil.ctl && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
		-subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1" \
		-keyout evil.ctl/k -out evil.ctl/c 2>/dev/null &&
	{ timeout -k 5 300 python3 "$DOUBLES/k3s-supervisor.py" --data-dir "$DD" --cert evil.ctl/c --key evil.ctl/k \
		--control "$TMP/evil.ctl" >/dev/null 2>&1 & } &&
	evil=$! &&
	for _ in $(seq 100); do [ -s evil.ctl/port ] && break; sleep 0.05; done &&
	before=$(node_password) &&
	{ expect_code 2 T rotate --server "https://127.0.0.1:$(cat evil.ctl/port)" >out 2>err; rc=$?; } &&
	kill $evil &&
	[ $rc -eq 0 ] && grep -q "cannot reach the K3s token endpoint" err &&
	[ ! -e evil.ctl/requests.log ] && [ "$(node_password)" = "$before" ] &&
	grep -q "interrupted" <(T rotate --server "$URL" 2>&1) &&
	T rotate --resume --server "$URL" >out 2>&1 && grep -q "^rotated" out &&
	T verify >/dev/null
'

test_expect_success 'the double follows K3s: wrong password 401, bootstrap-shaped token 400' '
	python3 - "$URL" "$DD/server/tls/server-ca.crt" "$(node_password)" <<-"PY"
	import base64, json, ssl, sys, urllib.request, urllib.error
	url, ca, pw = sys.argv[1:]
	ctx = ssl.create_default_context(cafile=ca)
	def put(user, password, new):
	    r = urllib.request.Request(url + "/v1-k3s/token", data=json.dumps({"newToken": new}).encode(), method="PUT")
	    r.add_header("Authorization", "Basic " + base64.b64encode((user + ":" + password).encode()).decode())
	    try:
	        return urllib.request.urlopen(r, context=ctx).status
	    except urllib.error.HTTPError as e:
	        return e.code
	assert put("server", "wrong", "a" * 32) == 401
	assert put("node", pw, "a" * 32) == 401
	assert put("server", pw, "abcdef.0123456789abcdef") == 400
	PY
'

test_expect_success '--resume without a journal does nothing; rotate refuses while one exists' '
	T rotate --resume --server "$URL" >out && grep -q "nothing to resume" out &&
	printf "{\"state\": \"calling\"}" >"$R/var/lib/k3sguard/token-rotate.journal" &&
	expect_code 2 T rotate --server "$URL" --resume >out 2>err && one_line err &&
	grep -q "token-rotate.journal" err &&
	rm "$R/var/lib/k3sguard/token-rotate.journal"
'

test_expect_success 'bad usage and a non-https server URL' '
	expect_code 64 T rotate --frob 2>err &&
	expect_code 2 T rotate --server http://127.0.0.1:1 2>err && one_line err && grep -q https err
'

test_expect_success 'the image'"'"'s config names a restart and a probe command: neither ever ran' '
	test -s "$CTL/restarts" && test ! -e "$CTL/image-restart-ran"
'

test_expect_success '--via-cli under --root without k3s-cli in the host config: refused, nothing run' '
	cp "$K3SGUARD_HOST_CONFIG" hc.saved &&
	grep -v k3s-cli hc.saved >"$K3SGUARD_HOST_CONFIG" &&
	: >"$R/usr/local/bin/k3s.calls" &&
	expect_code 2 T rotate --server "$URL" --via-cli >out 2>err &&
	cp hc.saved "$K3SGUARD_HOST_CONFIG" &&
	one_line err && grep -q "set k3s-cli" err &&
	! grep -q "^token rotate" "$R/usr/local/bin/k3s.calls" &&
	test ! -e "$R/var/lib/k3sguard/token-rotate.journal"
'

test_done
