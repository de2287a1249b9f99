# SPDX-License-Identifier: Apache-2.0
# token-node.sh: sourced by tests/t2*.sh after lib.sh.  Builds a K3s server
# node tree for the token tests and starts the TEST DOUBLES:
#   tests/doubles/k3s-supervisor.py  stand-in for K3s's supervisor API (6443)
#   tests/doubles/k3s                stand-in for the k3s binary
# They follow K3s's documented behaviour (shared/reference/k3s.md); they are
# not K3s.
#
# token_node NAME [K3S_VERSION]  -> sets R (root), DD (data dir), CTL (double's
#   control dir), URL (https://127.0.0.1:PORT), OLDPW (the node's password)
#   and writes the host config ($K3SGUARD_HOST_CONFIG, exported) with a
#   restart command that logs to $CTL/restarts and blocks while
#   $CTL/hang-restart exists, and k3s-cli, the k3s double for
#   --via-cli; the image's own config names $CTL/image-restart, which
#   leaves $CTL/image-restart-ran if it ever runs.

DOUBLES=$TOP/tests/doubles
export DOUBLES

token_node() {
	name=$1 ver=${2:-v1.32.11+k3s3}
	R=$TMP/$name
	DD=$R/var/lib/rancher/k3s
	CTL=$TMP/$name.ctl
	rm -rf "$R" "$CTL"
	mkdir -p "$DD/server/tls" "$DD/server/cred" "$DD/server/db" "$R/usr/local/bin" \
		"$R/etc/k3sguard" "$CTL"
	chmod 700 "$DD/server" "$DD/server/cred" "$DD/server/tls"
	# the cluster CA and the serving certificate (127.0.0.1 and localhost),
	# valid from a year ago (when faketime is there) so tests can run
	# k3sguard under faketime for old store records
	bd=
	command -v faketime >/dev/null 2>&1 && bd="faketime -f -365d"
	$bd openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 730 \
		-subj "/CN=k3s-server-ca@test" -keyout "$DD/server/tls/server-ca.key" \
		-out "$DD/server/tls/server-ca.crt" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=k3s" -keyout "$DD/server/tls/serving-kube-apiserver.key" \
		-out "$CTL/serving.csr" 2>/dev/null
	printf "subjectAltName=IP:127.0.0.1,DNS:localhost\n" >"$CTL/san.ext"
	$bd openssl x509 -req -in "$CTL/serving.csr" -CA "$DD/server/tls/server-ca.crt" \
		-CAkey "$DD/server/tls/server-ca.key" -CAcreateserial -days 730 \
		-extfile "$CTL/san.ext" -out "$DD/server/tls/serving-kube-apiserver.crt" 2>/dev/null
	CAHASH=$(sha256sum "$DD/server/tls/server-ca.crt" | cut -c1-64)
	OLDPW=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
	printf "K10%s::server:%s\n" "$CAHASH" "$OLDPW" >"$DD/server/token"
	chmod 600 "$DD/server/token"
	ln -s token "$DD/server/node-token"
	ln -s token "$DD/server/agent-token"
	printf "%s,server,server,k3s:server\n%s,node,node,k3s:agent\n" "$OLDPW" "$OLDPW" \
		>"$DD/server/cred/passwd"
	chmod 600 "$DD/server/cred/passwd"
	# the /bootstrap/<id> record, sealed under the token (see the double)
	python3 - "$DD/server/db/bootstrap.json" "$OLDPW" <<'PY'
import json, sys, importlib.util, os
spec = importlib.util.spec_from_file_location("sup", os.environ["DOUBLES"] + "/k3s-supervisor.py")
sup = importlib.util.module_from_spec(spec); spec.loader.exec_module(sup)
path, pw = sys.argv[1], sys.argv[2]
json.dump({"/bootstrap/" + sup.fp(pw): sup.seal(pw, b'{"ServerCA":"cluster bootstrap data"}')},
          open(path, "w"))
PY
	cp "$DOUBLES/k3s" "$R/usr/local/bin/k3s"
	chmod 755 "$R/usr/local/bin/k3s"
	echo "$ver" >"$R/usr/local/bin/k3s.version"
	# under --root the version is read from the binary's bytes, never by running it
	sed -i "s/v1\.32\.11+k3s3/$ver/g" "$R/usr/local/bin/k3s"
	cat >"$CTL/restart" <<EOS
#!/bin/sh
# restart-command double: K3s restarts; blocks while hang-restart exists
echo restart >>"$CTL/restarts"
while [ -e "$CTL/hang-restart" ]; do sleep 0.05; done
exit 0
EOS
	chmod 755 "$CTL/restart"
	# programs are this host's settings ($K3SGUARD_HOST_CONFIG stands in for
	# the host's /etc/k3sguard/config.yaml); the image's config names a
	# restart command too, which must never run
	cat >"$CTL/image-restart" <<EOS
#!/bin/sh
touch "$CTL/image-restart-ran"
EOS
	chmod 755 "$CTL/image-restart"
	cat >"$R/etc/k3sguard/config.yaml" <<EOC
token:
  restart-command: ["$CTL/image-restart"]
  probe-command: ["$CTL/image-restart"]
  probe-timeout: 20
EOC
	K3SGUARD_HOST_CONFIG=$TMP/host-config.yaml
	export K3SGUARD_HOST_CONFIG
	cat >"$K3SGUARD_HOST_CONFIG" <<EOC
k3s-cli: $R/usr/local/bin/k3s
token:
  restart-command: ["$CTL/restart"]
EOC
	timeout -k 5 "${DOUBLE_TIMEOUT:-900}" python3 "$DOUBLES/k3s-supervisor.py" --data-dir "$DD" \
		--cert "$DD/server/tls/serving-kube-apiserver.crt" \
		--key "$DD/server/tls/serving-kube-apiserver.key" --control "$CTL" \
		>"$CTL/double.log" 2>&1 &
	SUP_PID=$!
	at_exit "kill $SUP_PID"
	for _ in $(seq 100); do [ -s "$CTL/port" ] && break; sleep 0.05; done
	[ -s "$CTL/port" ] || { echo "supervisor double did not start" >&2; cat "$CTL/double.log" >&2; return 1; }
	URL=https://127.0.0.1:$(cat "$CTL/port")
	export DOUBLES
}

# node_password: the password the double accepts now (cred/passwd "server")
node_password() { awk -F, '$2 == "server" {print $1}' "$DD/server/cred/passwd"; }
fp_of() { printf %s "$1" | sha256sum | cut -c1-12; }

# set_k3s_version V: the node's K3s becomes V, both for a run of the double
# (k3s.version) and for its bytes, where --root reads it without running it
set_k3s_version() {
	_old=$(cat "$R/usr/local/bin/k3s.version") &&
	sed -i "s/$(printf '%s' "$_old" | sed 's/[.]/[.]/g')/$1/g" "$R/usr/local/bin/k3s" &&
	echo "$1" >"$R/usr/local/bin/k3s.version"
}
