# SPDX-License-Identifier: Apache-2.0
# tests/lib-manifests.sh: helpers for the t4* tests (sourced after lib.sh).

# Background servers and watchers started by a test body run in that
# body's subshell, where lib.sh's at_exit does not reach: their pids go to
# $TMP/.started and the top-level cleanup below ends them, whatever failed.
: >"$TMP/.started"
kill_started() {
	[ -f "$TMP/.started" ] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null || continue
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
	done <"$TMP/.started"
	return 0
}
at_exit kill_started
started() { echo "$1" >>"$TMP/.started"; }

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

# start_watch NAME ARGS...: run `k3sguard manifests watch ARGS` in the
# background, stdout to $TMP/NAME.out, stderr to $TMP/NAME.err, pid in
# $TMP/NAME.pid (killed at exit); returns once it reported "watching".
start_watch() {
	n=$1; shift
	# under timeout(1): a watcher that hangs is killed and its test fails;
	# NAME.pid is the watcher's own pid (tests stop and continue it)
	timeout -k 5 "${WATCH_TIMEOUT:-120}" "$K3SGUARD" manifests watch "$@" \
	    >"$TMP/$n.out" 2>"$TMP/$n.err" &
	started $!
	_wp=
	for _ in $(seq 1 200); do
		_wp=$(pgrep -P $! 2>/dev/null) && break
		sleep 0.01
	done
	[ -n "$_wp" ] || return 1
	echo "$_wp" >"$TMP/$n.pid"
	started "$_wp"
	wait_for "$TMP/$n.out" '"event":"watching"' 10
}

stop_watch() {
	pid=$(cat "$TMP/$1.pid")
	kill -CONT "$pid" 2>/dev/null
	kill "$pid" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null
	return 1
}

# alert_count FILE JQ-FILTER: how many JSON lines of FILE match the filter.
alert_count() {
	jq -c "select($2)" "$1" 2>/dev/null | wc -l
}

# first_alert FILE JQ-CONDITION: the first JSON line of FILE matching it.
# (jq 1.6 -e reports the last input, not the last output: select first.)
first_alert() {
	jq -c "select($2)" "$1" | head -n 1
}
last_alert() {
	jq -c "select($2)" "$1" | tail -n 1
}

# alert_paths FILE JQ-CONDITION: how many distinct paths have a matching line
# (a write the kernel reports in two steps may be alerted twice).
alert_paths() {
	jq -r "select($2) | .path" "$1" 2>/dev/null | sort -u | wc -l
}
