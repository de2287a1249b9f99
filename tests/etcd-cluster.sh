# SPDX-License-Identifier: Apache-2.0
# tests/etcd-cluster.sh: a real 3-member etcd cluster for the tests, from
# Debian's etcd-server, started from OUR files: certificates from
# `k3sguard etcd pki init`, one config file per member from
# `k3sguard etcd provision`.  Source it after lib.sh.
#
#   etcd_cluster_start      pki + provision + start e1 e2 e3 on 127.0.0.1 with
#                           random free ports, mutual TLS on client and peer
#                           ports; waits until every member is healthy
#   etcd_member_kill N      SIGKILL member eN and reap it
#   etcd_member_start N     start member eN again (same data dir)
#   etcd_cluster_stop       kill every member (also run at exit, always)
#
# After start: $ETCD_DIR, $ETCD_PKI, $ETCD_ENDPOINTS, $ETCD_EP1..3, $ETCD_CA,
# $ETCD_ROOT_CERT/$ETCD_ROOT_KEY, $ETCD_K3S_CERT/$ETCD_K3S_KEY, and
# $ETCD_AS_ROOT / $ETCD_AS_K3S (connection options for k3sguard).
# The package's own etcd.service (localhost:2379) is never used: the ports
# here are random and high, so even a running one cannot interfere.

ETCD_BIN=${ETCD_BIN:-/usr/bin/etcd}
ETCDCTL_BIN=${ETCDCTL_BIN:-/usr/bin/etcdctl}

# a port nobody listens on (random, 10000-32767: below the kernel's
# ephemeral range, so no outgoing connection holds it); not one handed out
# before
_etcd_used_ports=
etcd_free_port() {
	while :; do
		p=$((10000 + RANDOM % 22768))
		case " $_etcd_used_ports " in *" $p "*) continue ;; esac
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			_etcd_used_ports="$_etcd_used_ports $p"
			echo "$p"
			return 0
		fi
	done
}

# gone: no such process, or a zombie (reaped later by whoever started it)
_etcd_gone() {
	[ ! -e "/proc/$1" ] && return 0
	state=$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 0
	[ "$state" = Z ]
}

etcd_member_start() {
	n=$1
	# bounded: etcd_cluster_stop (at_exit) kills it; every wait on it has a limit
	"$ETCD_BIN" --config-file "$ETCD_DIR/members/e$n/etcd.conf.yml" \
		>>"$ETCD_DIR/e$n.log" 2>&1 </dev/null &
	echo $! >"$ETCD_DIR/e$n.pid"
	disown $! 2>/dev/null || true	# no "Killed" job notices; reaped by bash
}

etcd_member_kill() {
	n=$1
	[ -f "$ETCD_DIR/e$n.pid" ] || return 0
	pid=$(cat "$ETCD_DIR/e$n.pid")
	kill -9 "$pid" 2>/dev/null
	i=0
	while ! _etcd_gone "$pid" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	wait "$pid" 2>/dev/null
	rm -f "$ETCD_DIR/e$n.pid"
}

etcd_cluster_stop() {
	[ -n "${ETCD_DIR:-}" ] || return 0
	for n in 1 2 3; do etcd_member_kill $n; done
}

# etcdctl as root (the reference client, not ours) for the wait and checks
etcdctl_root() {
	ETCDCTL_API=3 "$ETCDCTL_BIN" --endpoints "$ETCD_ENDPOINTS" --cacert "$ETCD_CA" \
		--cert "$ETCD_ROOT_CERT" --key "$ETCD_ROOT_KEY" --dial-timeout 2s \
		--command-timeout 5s "$@"
}

# all members answer; fails fast when a member process died (e.g. a port
# taken between our check and its bind)
etcd_wait_healthy() {
	i=0
	while [ $i -lt 120 ]; do
		if etcdctl_root endpoint health >/dev/null 2>&1; then
			return 0
		fi
		for n in 1 2 3; do
			[ -f "$ETCD_DIR/e$n.pid" ] || continue
			if _etcd_gone "$(cat "$ETCD_DIR/e$n.pid")"; then
				echo "etcd member e$n exited:" >&2
				tail -n 2 "$ETCD_DIR/e$n.log" >&2
				return 1
			fi
		done
		sleep 0.25
		i=$((i + 1))
	done
	echo "etcd cluster did not become healthy; logs:" >&2
	tail -n 5 "$ETCD_DIR"/e*.log >&2
	return 1
}

etcd_cluster_start() {
	[ -x "$ETCD_BIN" ] || { echo "no $ETCD_BIN (apt install etcd-server)" >&2; return 1; }
	ETCD_DIR=$TMP/etcd
	ETCD_PKI=$ETCD_DIR/pki
	rm -rf "$ETCD_DIR"
	mkdir -p "$ETCD_DIR"
	at_exit etcd_cluster_stop
	"$K3SGUARD" etcd pki init --out "$ETCD_PKI" --localhost \
		--member e1=127.0.0.1 --member e2=127.0.0.1 --member e3=127.0.0.1 \
		>"$ETCD_DIR/pki.out" || return 1
	ETCD_CA=$ETCD_PKI/ca.crt
	ETCD_ROOT_CERT=$ETCD_PKI/clients/root.crt
	ETCD_ROOT_KEY=$ETCD_PKI/clients/root.key
	ETCD_K3S_CERT=$ETCD_PKI/clients/k3s.crt
	ETCD_K3S_KEY=$ETCD_PKI/clients/k3s.key
	# a port can be taken between our check and etcd's bind: try again
	for attempt in 1 2 3; do
		etcd_cluster_stop
		rm -rf "$ETCD_DIR/members" "$ETCD_DIR/data" "$ETCD_DIR"/e*.log
		set --
		ETCD_ENDPOINTS=
		for n in 1 2 3; do
			c=$(etcd_free_port); p=$(etcd_free_port)
			set -- "$@" --member "e$n=127.0.0.1:$c:$p"
			eval "ETCD_EP$n=https://127.0.0.1:$c"
			ETCD_ENDPOINTS="$ETCD_ENDPOINTS${ETCD_ENDPOINTS:+,}https://127.0.0.1:$c"
		done
		"$K3SGUARD" etcd provision --pki "$ETCD_PKI" --out "$ETCD_DIR/members" \
			--cert-dir "$ETCD_DIR/members/%n" --etcd-data-dir "$ETCD_DIR/data/%n" \
			"$@" >"$ETCD_DIR/provision.out" || return 1
		ETCD_AS_ROOT="--endpoints $ETCD_ENDPOINTS --cacert $ETCD_CA --cert $ETCD_ROOT_CERT --key $ETCD_ROOT_KEY"
		ETCD_AS_K3S="--endpoints $ETCD_ENDPOINTS --cacert $ETCD_CA --cert $ETCD_K3S_CERT --key $ETCD_K3S_KEY"
		export ETCD_DIR ETCD_PKI ETCD_ENDPOINTS ETCD_EP1 ETCD_EP2 ETCD_EP3 ETCD_CA \
			ETCD_ROOT_CERT ETCD_ROOT_KEY ETCD_K3S_CERT ETCD_K3S_KEY ETCD_AS_ROOT ETCD_AS_K3S
		for n in 1 2 3; do etcd_member_start $n; done
		if etcd_wait_healthy; then
			return 0
		fi
		echo "etcd cluster start, attempt $attempt failed; retrying with new ports" >&2
	done
	return 1
}

# etcd_openssl_cert CN EKU STARTDATE ENDDATE OUT [SAN]: a certificate signed by
# $1's CA with the openssl CLI (for validity periods `etcd pki` refuses to
# make, e.g. already expired).  Dates as YYYYMMDDHHMMSSZ.  Uses $PKI (dir).
etcd_openssl_cert() {
	cn=$1 eku=$2 start=$3 end=$4 out=$5 san=${6:-}
	db=$TMP/openssl-ca
	mkdir -p "$db"
	[ -f "$db/index.txt" ] || { : >"$db/index.txt"; echo 1000 >"$db/serial"; }
	cat >"$db/ca.cnf" <<CNF
[ca]
default_ca = x
[x]
database = $db/index.txt
serial = $db/serial
new_certs_dir = $db
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
[ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = $eku
${san:+subjectAltName = $san}
CNF
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$out.key" -out "$db/req.csr" -subj "/CN=$cn" 2>/dev/null &&
	chmod 600 "$out.key" &&
	openssl ca -batch -config "$db/ca.cnf" -cert "$PKI/ca.crt" \
		-keyfile "$PKI/private/ca.key" -in "$db/req.csr" -out "$out.crt" \
		-startdate "$start" -enddate "$end" -extensions ext -notext >/dev/null 2>&1
}

# a date N days from now (negative: in the past) for etcd_openssl_cert
etcd_date() { date -u -d "$1 days" +%Y%m%d%H%M%SZ; }
