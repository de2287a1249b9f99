#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t1005: the live checks' verdicts say what is known (issue 14 item 4).
#  - the live host (no --root): etcd endpoints that are all unreachable are
#    "error" naming them (exit 2), and etcd.live-members-healthy fails (K3s
#    reaches none of the members it points at); a member down while others
#    answer fails it, naming the member;
#  - an image (--root DIR): the live checks skip as "offline image" and no
#    connection is made (a TCP listener counts accepts: none), unless
#    'audit --live', which probes (the listener counts them; a real etcd
#    cluster answers).
# The host cases point K3s at the test's etcd as K3s reads its node: a
# k3s.service whose ExecStart= names --config (install.sh's unit form; K3s's
# pkg/configfilearg/parser.go findConfigFileFlag() takes the file from the
# command line), made visible at /etc/systemd/system in a private mount
# namespace (unshare -m), so the host's real /etc is never touched; and
# k3sguard's own etcd.endpoints (--config) at a closed port.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd-cluster.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP" || exit 1

V=--k3s-version=v1.30.4+k3s1	# no K3s binary here: the version is given

if ! etcd_cluster_start; then
	test_expect_success 'start a 3-member etcd cluster from our files' 'false'
	test_done
fi

# A TCP listener that records every accepted connection in $TMP/accepts
# and closes it; its port in $LPORT (stopped at exit, or after 15 minutes).
cat >listener.py <<'PYEOF'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    with open(sys.argv[2], "a") as f:
        f.write("accept\n")
    c.close()
PYEOF
: >accepts
timeout --kill-after=5 900 python3 listener.py "$TMP/lport" "$TMP/accepts" </dev/null >/dev/null 2>&1 &
echo $! >listener.pid
at_exit "kill $(cat listener.pid)"
i=0; while [ ! -s lport ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
LPORT=$(cat lport)

# the cluster's files for a node at $1 (an image root, or a host directory)
tls_files() {
	mkdir -p "$1" &&
	cp "$ETCD_CA" "$1/ca.crt" &&
	cp "$ETCD_K3S_CERT" "$1/client.crt" &&
	cp "$ETCD_K3S_KEY" "$1/client.key" &&
	chmod 600 "$1/client.key"
}

# image NAME ENDPOINTS: a K3s server image whose datastore is ENDPOINTS
image() {
	r=$TMP/$1
	rm -rf "$r" && mkdir -p "$r/etc/rancher/k3s" "$r/var/lib/rancher/k3s/server" &&
	tls_files "$r/etc/k3s-etcd" &&
	cat >"$r/etc/rancher/k3s/config.yaml" <<-CFG
	datastore-endpoint: "$2"
	datastore-cafile: /etc/k3s-etcd/ca.crt
	datastore-certfile: /etc/k3s-etcd/client.crt
	datastore-keyfile: /etc/k3s-etcd/client.key
	CFG
	echo "$r"
}

# live checks of the last audit_json: "id status" lines
live_statuses() {
	$PY - "$TMP/audit.json" <<-'PYEOF'
	import json, sys
	for c in json.load(open(sys.argv[1]))["checks"]:
	    if c["id"].startswith("etcd.live-"):
	        print(c["id"], c["status"], c["evidence"])
	PYEOF
}

test_expect_success 'image without --live: skip "offline image", no connection made' '
	r=$(image img-listener "https://127.0.0.1:$LPORT") &&
	audit_json "$r" $V --strategy etcd &&
	live_statuses >st &&
	test $(wc -l <st) -eq 4 &&
	test $(grep -c " skip offline image (--live to probe the endpoints it names)$" st) -eq 4 &&
	sleep 0.2 && test ! -s accepts &&
	k3sguard --root "$r" $V audit --strategy etcd >out 2>&1 || true &&
	grep -q "^  SKIP *critical *etcd.live-client-cert-auth " out &&
	sleep 0.2 && test ! -s accepts
'

# A peer that accepts and closes is not etcd: refusing a client without a
# certificate proves nothing there (it refuses ours too), so even
# etcd.live-client-cert-auth is an error, not a pass.
test_expect_success 'image with --live: the endpoint is probed (the listener counts it), nothing passes' '
	r=$TMP/img-listener &&
	audit_json "$r" $V --strategy etcd --live &&
	live_statuses >st &&
	! grep " pass " st && ! grep " skip " st &&
	grep -q "^etcd.live-client-cert-auth error not known to be etcd: .https://127.0.0.1:$LPORT. refused both" st &&
	test "$audit_rc" -eq 2 &&
	sleep 0.2 && test -s accepts
'

test_expect_success 'image with --live: a real cluster answers the live checks' '
	r=$(image img-etcd "$ETCD_ENDPOINTS") &&
	expect_check "$r" etcd.live-members-healthy pass --live &&
	expect_check "$r" etcd.live-client-cert-auth pass --live &&
	expect_check "$r" etcd.live-auth-enabled fail --live &&
	audit_json "$r" --strategy etcd &&
	test "$(check_status etcd.live-members-healthy)" = skip &&
	test "$(check_field etcd.live-members-healthy evidence)" = "offline image (--live to probe the endpoints it names)"
'

# An image's own /etc/k3sguard/config.yaml names etcd.endpoints and TLS
# files: those are the image's paths.  Files that exist at those paths only
# on this host are another machine's: not read (the certificate checks do
# not pass); copied into the image, they are.
test_expect_success 'image: k3sguard config TLS paths are the image'"'"'s, not this host'"'"'s' '
	r=$TMP/img-cfg && rm -rf "$r" &&
	mkdir -p "$r/etc/rancher/k3s" "$r/etc/k3sguard" "$r/var/lib/rancher/k3s/server" &&
	echo "write-kubeconfig-mode: \"0600\"" >"$r/etc/rancher/k3s/config.yaml" &&
	tls_files "$TMP/hostonly" &&
	cat >"$r/etc/k3sguard/config.yaml" <<-CFG &&
	etcd:
	  endpoints: $ETCD_ENDPOINTS
	  cacert: $TMP/hostonly/ca.crt
	  cert: $TMP/hostonly/client.crt
	  key: $TMP/hostonly/client.key
	CFG
	audit_json "$r" $V --strategy etcd --live &&
	test "$(check_status etcd.cert-expiry)" = fail &&
	check_field etcd.cert-expiry evidence | grep -q "cannot open .$r$TMP/hostonly/client.crt" &&
	test "$(check_status etcd.live-k3s-role)" = skip &&
	tls_files "$r$TMP/hostonly" &&
	audit_json "$r" $V --strategy etcd --live &&
	test "$(check_status etcd.cert-expiry)" = pass &&
	test "$(check_status etcd.live-members-healthy)" = pass
'

# host_audit OUT ARGS...: audit this host, with $TMP/units seen as
# /etc/systemd/system (a private mount namespace); exit status in $host_rc
HOSTNS=
if unshare -m true 2>/dev/null; then
	HOSTNS=1
fi
host_audit() {
	_out=$1; shift
	set +e
	unshare -m sh -c 'mount --bind "$1" /etc/systemd/system && shift && exec "$@"' \
		_ "$TMP/units" "$K3SGUARD" $V "$@" >"$_out" 2>"$_out.err"
	host_rc=$?
	set -e
	return 0
}
mkdir -p host/data/server units
tls_files "$TMP/host"
cat >host/config.yaml <<CFG
datastore-endpoint: "$ETCD_ENDPOINTS"
datastore-cafile: $TMP/host/ca.crt
datastore-certfile: $TMP/host/client.crt
datastore-keyfile: $TMP/host/client.key
CFG
cat >units/k3s.service <<UNIT
[Unit]
Description=Lightweight Kubernetes

[Service]
Type=notify
ExecStart=/usr/local/bin/k3s server --config $TMP/host/config.yaml --data-dir $TMP/host/data
UNIT

if [ -z "$HOSTNS" ]; then
	test_skip 'live host: K3s points at a real etcd (unit in /etc/systemd/system)' 'unshare -m is refused here (needs root and mount namespaces)'
else
test_expect_success 'live host, members up: the live checks probe and answer' '
	host_audit out audit --strategy etcd --format json &&
	mv out "$TMP/audit.json" &&
	test "$(check_field etcd.datastore-external evidence | cut -c1-20)" != "" &&
	test "$(check_status etcd.datastore-external)" = pass &&
	test "$(check_status etcd.live-members-healthy)" = pass &&
	test "$(check_status etcd.live-client-cert-auth)" = pass &&
	test "$(check_status etcd.live-auth-enabled)" = fail &&
	test "$host_rc" -eq 1
'

test_expect_success 'live host, one member down: members-healthy fails naming it' '
	etcd_member_kill 3 &&
	host_audit out audit --strategy etcd --format json &&
	mv out "$TMP/audit.json" &&
	test "$(check_status etcd.live-members-healthy)" = fail &&
	check_field etcd.live-members-healthy evidence | grep -q "^2 of 3 members healthy; down: e3 (quorum held)$"
'

test_expect_success 'live host, every member down: error naming the endpoints (exit 2), members-healthy fails' '
	etcd_cluster_stop &&
	host_audit out audit --strategy etcd &&
	test "$host_rc" -eq 2 &&
	for c in live-client-cert-auth live-auth-enabled live-k3s-role; do
		grep -A1 "^  ERROR *[a-z]* *etcd.$c " out |
			grep -q "etcd unreachable: no endpoint of K3s.s datastore-endpoint answered ($ETCD_EP1, $ETCD_EP2, $ETCD_EP3)" ||
			{ echo "etcd.$c is not an error naming the endpoints"; cat out; exit 1; }
	done &&
	grep -q "^  FAIL *high *etcd.live-members-healthy " out &&
	grep -A1 "etcd.live-members-healthy" out |
		grep -q "every etcd member K3s.s datastore-endpoint names is down: $ETCD_EP1, $ETCD_EP2, $ETCD_EP3 unreachable (.*); quorum LOST" &&
	! grep -q "^  \(PASS\|SKIP\) *[a-z]* *etcd.live-" out
'
fi

# k3sguard's own etcd.endpoints (embedded etcd on the node) at a closed port
test_expect_success 'live host, closed port (k3sguard config): error naming it, members-healthy fails' '
	p=$(etcd_free_port) &&
	mkdir -p emb/server/db/etcd/member/wal &&
	cat >k3sguard.yaml <<-CFG &&
	etcd:
	  endpoints: https://127.0.0.1:$p
	  cacert: $TMP/host/ca.crt
	  cert: $TMP/host/client.crt
	  key: $TMP/host/client.key
	CFG
	expect_code 2 k3sguard $V --config "$TMP/k3sguard.yaml" --data-dir "$TMP/emb" audit --strategy etcd >out 2>&1 &&
	grep -A1 "^  ERROR *[a-z]* *etcd.live-auth-enabled " out |
		grep -q "no endpoint of k3sguard.s etcd.endpoints answered (https://127.0.0.1:$p)" &&
	grep -A1 "^  FAIL *[a-z]* *etcd.live-members-healthy " out |
		grep -q "every etcd member k3sguard.s etcd.endpoints names is down: https://127.0.0.1:$p unreachable"
'

test_done
