# tests/lib-manifests.sh: helpers for the t4* tests (sourced after lib.sh).

# mroot NAME: a node root at $TMP/NAME whose manifests directory holds the
# fixture tree tests/fixtures/manifests/base, with the modes K3s creates
# (dir 0700, files 0600).  Prints the root; $M is not set (subshells).
mroot() {
	r=$TMP/$1
	rm -rf "$r"
	m=$r/var/lib/rancher/k3s/server/manifests
	mkdir -p "$m"
	cp -R "$TOP/tests/fixtures/manifests/base/." "$m/"
	find "$m" -type d -exec chmod 0700 {} +
	find "$m" -type f -exec chmod 0600 {} +
	echo "$r"
}

mdir() { echo "$1/var/lib/rancher/k3s/server/manifests"; }

# free_port: a TCP port on 127.0.0.1 nobody listens on (random, checked).
free_port() {
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# wait_for FILE PATTERN [SECONDS]: until grep -E PATTERN FILE matches.
wait_for() {
	n=$(( ${3:-10} * 20 ))
	while [ "$n" -gt 0 ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
		n=$((n - 1))
	done
	echo "timed out waiting for '$2' in $1:" >&2
	tail -n 20 "$1" >&2
	return 1
}
