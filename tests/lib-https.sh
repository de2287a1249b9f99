# SPDX-License-Identifier: Apache-2.0
# tests/lib-https.sh: a local https stand-in (openssl s_server -WWW) serving
# the files under $TMP/www with a self-signed certificate $TMP/srv.crt for
# 127.0.0.1.  After https_www: $port and $pid are set, or $port is empty
# (no free port: the caller skips).  Sourced after lib.sh.
https_www() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$TMP/srv.key" -out "$TMP/srv.crt" >/dev/null 2>&1
	mkdir -p "$TMP/www"
	port=
	for try in 1 2 3 4 5 6 7 8; do
		p=$(shuf -i 20000-60000 -n 1)
		(cd "$TMP/www" && exec timeout -k 5 "${HTTPS_TIMEOUT:-900}" openssl s_server -quiet -accept "127.0.0.1:$p" -WWW \
			-cert "$TMP/srv.crt" -key "$TMP/srv.key") >"$TMP/srv.log" 2>&1 &
		pid=$!
		for w in 1 2 3 4 5 6 7 8 9 10; do
			if grep -q "ACCEPT\|error\|unable" "$TMP/srv.log" 2>/dev/null; then break; fi
			(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && { port=$p; break; }
			sleep 0.2
		done
		[ -n "$port" ] && break
		kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	done
	at_exit "kill $pid"
}
