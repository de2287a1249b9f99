#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t3000: etcd pki init/issue/check: the files, their key usages and modes,
# and every kind of bad certificate `pki check` must catch (wrong key,
# expired, missing clientAuth, wrong CA, near expiry, readable key).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd-cluster.sh"
cd "$TMP" || exit 1

PKI=$TMP/pki

test_expect_success 'pki init writes CA, member and client certificates' '
	k3sguard etcd pki init --out "$PKI" --member e1=10.0.0.1,etcd1.example \
		--member e2=10.0.0.2 --localhost >out &&
	for f in ca.crt private/ca.key members/e1/server.crt members/e1/server.key \
		members/e1/peer.crt members/e1/peer.key members/e2/server.crt \
		clients/root.crt clients/root.key clients/k3s.crt clients/k3s.key; do
		test -f "$PKI/$f" || { echo "missing $f"; exit 1; }
	done
'

test_expect_success 'keys are 0600, the CA key alone in a 0700 directory' '
	for k in private/ca.key members/e1/server.key members/e1/peer.key clients/k3s.key; do
		test "$(stat -c %a "$PKI/$k")" = 600 || { echo "$k not 0600"; exit 1; }
	done &&
	test "$(stat -c %a "$PKI/private")" = 700 &&
	test "$(ls "$PKI/private")" = ca.key &&
	! grep -rl "PRIVATE KEY" "$PKI/members" "$PKI/clients" | grep -v "\.key$"
'

test_expect_success 'server certificate: ECDSA P-256, serverAuth AND clientAuth, SANs' '
	openssl x509 -in "$PKI/members/e1/server.crt" -noout -text >t &&
	grep -q "ASN1 OID: prime256v1" t &&
	grep -q "TLS Web Server Authentication, TLS Web Client Authentication" t &&
	grep -q "IP Address:10.0.0.1" t && grep -q "DNS:etcd1.example" t &&
	grep -q "DNS:localhost" t && grep -q "IP Address:127.0.0.1" t &&
	grep -q "CA:FALSE" t &&
	openssl verify -CAfile "$PKI/ca.crt" "$PKI/members/e1/server.crt" &&
	openssl verify -CAfile "$PKI/ca.crt" -purpose sslserver "$PKI/members/e2/peer.crt" &&
	openssl verify -CAfile "$PKI/ca.crt" -purpose sslclient "$PKI/members/e2/peer.crt"
'

test_expect_success 'client certificates: CN root and CN k3s, clientAuth only' '
	openssl x509 -in "$PKI/clients/k3s.crt" -noout -subject | grep -q "CN *= *k3s" &&
	openssl x509 -in "$PKI/clients/root.crt" -noout -subject | grep -q "CN *= *root" &&
	openssl x509 -in "$PKI/clients/k3s.crt" -noout -text >t &&
	grep -A1 "Extended Key Usage" t | grep -q "TLS Web Client Authentication" &&
	! grep -q "TLS Web Server Authentication" t &&
	openssl verify -CAfile "$PKI/ca.crt" -purpose sslclient "$PKI/clients/k3s.crt"
'

test_expect_success 'the CA: CA:TRUE, key usage keyCertSign, key pair matches' '
	openssl x509 -in "$PKI/ca.crt" -noout -text >t &&
	grep -q "CA:TRUE, pathlen:0" t && grep -q "Certificate Sign" t &&
	test "$(openssl x509 -in "$PKI/ca.crt" -noout -pubkey)" = \
	     "$(openssl pkey -in "$PKI/private/ca.key" -pubout)"
'

test_expect_success 'pki check passes a fresh PKI' '
	k3sguard etcd pki check "$PKI" >out &&
	grep -q "^ok   members/e1/server.crt: CN=e1" out &&
	grep -q "^ok   clients/k3s.crt: CN=k3s" out &&
	grep -q "^0 failed, 0 warnings" out &&
	k3sguard etcd pki check "$PKI" --format json >j &&
	grep -q "\"failed\": 0" j
'

test_expect_success 'pki init refuses to overwrite an existing CA' '
	expect_code 2 k3sguard etcd pki init --out "$PKI" --member e1=10.0.0.1 2>err &&
	one_line err && grep -q "already holds a CA" err
'

test_expect_success 'pki init --dry-run writes nothing' '
	k3sguard etcd pki init --out "$TMP/dry" --member e1=10.0.0.1 --dry-run >out &&
	grep -q "would write" out && test ! -e "$TMP/dry"
'

test_expect_success 'pki init --start-script gives the mutual-TLS flags' '
	k3sguard etcd pki init --out "$TMP/ss" --member a=10.1.0.1 --start-script >out &&
	for f in --client-cert-auth --trusted-ca-file --cert-file --key-file \
		--peer-client-cert-auth --peer-trusted-ca-file --peer-cert-file \
		--peer-key-file "--listen-client-urls https://10.1.0.1:2379" \
		"--initial-advertise-peer-urls https://10.1.0.1:2380"; do
		grep -q -e "$f" out || { echo "no $f"; exit 1; }
	done
'

test_expect_success 'bad member specs and options are usage errors (64)' '
	expect_code 64 k3sguard etcd pki init --out "$TMP/x" --member e1 2>err && one_line err &&
	expect_code 64 k3sguard etcd pki init --out "$TMP/x" --member "e 1=10.0.0.1" 2>err &&
	expect_code 64 k3sguard etcd pki init --out "$TMP/x" --member "e1=10.0.0.1,bad_name!" 2>err &&
	expect_code 64 k3sguard etcd pki init --out "$TMP/x" --member e1=1.2.3.4 --days 0 2>err &&
	expect_code 64 k3sguard etcd pki init --member e1=1.2.3.4 2>err &&
	expect_code 64 k3sguard etcd pki frob 2>err &&
	test ! -e "$TMP/x"
'

test_expect_success 'pki issue adds a member and a client, refuses to replace without --force' '
	k3sguard etcd pki issue --pki "$PKI" --member e3=10.0.0.3 >out &&
	openssl verify -CAfile "$PKI/ca.crt" "$PKI/members/e3/server.crt" &&
	k3sguard etcd pki issue --pki "$PKI" --client backup >out &&
	openssl x509 -in "$PKI/clients/backup.crt" -noout -subject | grep -q "CN *= *backup" &&
	expect_code 2 k3sguard etcd pki issue --pki "$PKI" --client backup 2>err &&
	one_line err && grep -q "use --force" err &&
	k3sguard etcd pki issue --pki "$PKI" --client backup --force >out
'

test_expect_success 'pki issue with a CA key that is readable by others fails' '
	cp -a "$PKI" "$TMP/pki-open" && chmod 644 "$TMP/pki-open/private/ca.key" &&
	expect_code 2 k3sguard etcd pki issue --pki "$TMP/pki-open" --client x 2>err &&
	one_line err && grep -q "must be 0600" err && test ! -e "$TMP/pki-open/clients/x.crt"
'

test_expect_success 'pki check: a key that does not match its certificate fails' '
	cp -a "$PKI" "$TMP/p1" && cp "$TMP/p1/clients/root.key" "$TMP/p1/clients/k3s.key" &&
	expect_code 1 k3sguard etcd pki check "$TMP/p1" >out &&
	grep "^fail clients/k3s.crt" out | grep -q "does not match"
'

test_expect_success 'pki check: an expired certificate fails' '
	cp -a "$PKI" "$TMP/p2" &&
	PKI=$TMP/p2 etcd_openssl_cert old clientAuth "$(etcd_date -400)" "$(etcd_date -30)" \
		"$TMP/p2/clients/old" &&
	expect_code 1 k3sguard etcd pki check "$TMP/p2" >out &&
	grep -q "^fail clients/old.crt:.*expired" out
'

test_expect_success 'pki check: a certificate near expiry warns (exit 0)' '
	cp -a "$PKI" "$TMP/p3" &&
	PKI=$TMP/p3 etcd_openssl_cert soon clientAuth "$(etcd_date -1)" "$(etcd_date 10)" \
		"$TMP/p3/clients/soon" &&
	k3sguard etcd pki check "$TMP/p3" >out &&
	grep -q "^warn clients/soon.crt: CN=soon expires in [0-9]* days" out
'

test_expect_success 'pki check: a member certificate without clientAuth fails' '
	cp -a "$PKI" "$TMP/p4" &&
	PKI=$TMP/p4 etcd_openssl_cert e1 serverAuth "$(etcd_date -1)" "$(etcd_date 100)" \
		"$TMP/p4/members/e1/server" "IP:10.0.0.1" &&
	expect_code 1 k3sguard etcd pki check "$TMP/p4" >out &&
	grep "^fail members/e1/server.crt" out | grep -q "serverAuth AND clientAuth"
'

test_expect_success 'pki check: a certificate from another CA fails' '
	k3sguard etcd pki init --out "$TMP/other" --member e1=10.0.0.1 >/dev/null &&
	cp -a "$PKI" "$TMP/p5" &&
	cp "$TMP/other/clients/k3s.crt" "$TMP/other/clients/k3s.key" "$TMP/p5/clients/" &&
	expect_code 1 k3sguard etcd pki check "$TMP/p5" >out &&
	grep "^fail clients/k3s.crt" out | grep -q "does not verify against ca.crt"
'

test_expect_success 'pki check: a key readable by others fails' '
	cp -a "$PKI" "$TMP/p6" && chmod 644 "$TMP/p6/members/e2/peer.key" &&
	expect_code 1 k3sguard etcd pki check "$TMP/p6" >out &&
	grep "^fail members/e2/peer.crt" out | grep -q "0600"
'

test_expect_success 'pki check on a directory that is not a PKI: exit 2, one line' '
	mkdir -p "$TMP/empty" &&
	expect_code 2 k3sguard etcd pki check "$TMP/empty" 2>err && one_line err
'

test_done
