#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t4110: manifests watch --alert alertmanager:URL against a REAL Alertmanager
# (Debian's prometheus-alertmanager, started here on a random loopback port
# with its own config and storage, clustering off, always stopped): an alert
# for a dropped-in manifest shows up in Alertmanager's v2 API; an
# Alertmanager that comes up late still gets the alert (retries).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-manifests.sh"
cd "$TMP" || exit 1

AM=$(command -v prometheus-alertmanager || command -v alertmanager || true)
if [ -z "$AM" ]; then
	test_skip 'alertmanager tests' 'prometheus-alertmanager missing (scripts/deps/manifests.txt installs it)'
	test_done
fi

cat >am.yml <<'YML'
route:
  receiver: sink
  group_wait: 1s
  group_interval: 1s
receivers:
  - name: sink
YML

# start_am PORT: Alertmanager on 127.0.0.1:PORT, ready when its API answers.
start_am() {
	mkdir -p "am-data-$1"
	# without the fds the caller had open (a lock held around `make check`)
	(
		for fd in $(ls "/proc/$BASHPID/fd"); do
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done
		exec timeout -k 5 900 "$AM" --config.file=am.yml --storage.path="am-data-$1" \
		    --web.listen-address="127.0.0.1:$1" --cluster.listen-address=
	) >"am-$1.log" 2>&1 &
	echo $! >"am-$1.pid"
	started $!
	for _ in $(seq 1 100); do
		curl -fsS "http://127.0.0.1:$1/api/v2/status" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "alertmanager did not come up:" >&2
	tail -n 20 "am-$1.log" >&2
	return 1
}

# am_has PORT PATH: Alertmanager lists our alert for that manifest path.
am_has() {
	for _ in $(seq 1 100); do
		curl -fsS "http://127.0.0.1:$1/api/v2/alerts" >alerts.json 2>/dev/null &&
		    jq -e --arg p "$2" '[.[] | select(.labels.alertname == "K3sManifestsDrift"
		        and .labels.path == $p)] | length > 0' alerts.json >/dev/null && return 0
		sleep 0.1
	done
	echo "no alert for $2 in Alertmanager:" >&2
	cat alerts.json >&2
	return 1
}

R=$(mroot node)
M=$(mdir "$R")
k3sguard manifests lock --root "$R" >/dev/null 2>&1 || exit 1

test_expect_success 'a dropped-in file shows up in Alertmanager (v2 API)' '
	P=$(free_port) && start_am "$P" &&
	start_watch w --root "$R" --alert stdout --alert "alertmanager:http://127.0.0.1:$P/" &&
	cp "$TOP/tests/fixtures/manifests/evil.yaml" "$M/evil.yaml" &&
	am_has "$P" evil.yaml &&
	jq -e "[.[] | select(.labels.path == \"evil.yaml\")][0] |
	    .labels.severity == \"critical\" and .labels.event == \"drift\" and .labels.job == \"k3sguard\"
	    and (.annotations.summary | contains(\"evil.yaml\")) and (.annotations.new_sha256 | length == 64)
	    and .status.state == \"active\"" alerts.json &&
	! grep -q "alert sink" w.err &&
	stop_watch w
'

test_expect_success 'an Alertmanager that is down at first gets the alert once it is up' '
	P2=$(free_port) &&
	start_watch late --root "$R" --alert stdout --alert "alertmanager:http://127.0.0.1:$P2" &&
	echo "late: 1" >"$M/late.yaml" &&
	wait_for late.out "\"path\":\"late.yaml\"" &&
	wait_for late.err "Couldn.t connect" &&
	start_am "$P2" &&
	am_has "$P2" late.yaml &&
	wait_for late.err "delivering again" &&
	stop_watch late
'

test_done
