#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0123: every unit and init script K3s's install.sh can write (setup_env():
# SYSTEM_NAME k3s, k3s-agent or k3s-${INSTALL_K3S_NAME}; systemd
# ${SYSTEMD_DIR}/${SYSTEM_NAME}.service + .service.env, OpenRC
# /etc/init.d/${SYSTEM_NAME} + /etc/rancher/k3s/${SYSTEM_NAME}.env).  Ours:
# src/node/node-units.c node_read_units().
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-audit.sh"
. "$TOP/tests/fixtures/fidelity/trees.sh"
cd "$TMP" || exit 1

# named ROOT NAME: fid_server's unit and env file renamed as INSTALL_K3S_NAME=NAME
named() {
	S=$1/etc/systemd/system
	sed "s|/etc/systemd/system/k3s.service.env|/etc/systemd/system/k3s-$2.service.env|" \
		$S/k3s.service >$S/k3s-$2.service &&
	chmod 0644 $S/k3s-$2.service && rm $S/k3s.service &&
	mv $S/k3s.service.env $S/k3s-$2.service.env
}

units() {
	"$K3SGUARD" --root "$1" node --format json 2>/dev/null | $PY -c '
import json, sys
print(" ".join(u["name"] + ("*" if u["active"] else "") for u in json.load(sys.stdin)["units"]))'
}

test_expect_success 'INSTALL_K3S_NAME=worker: k3s-worker.service is read, its --token found' '
	FID_ARGS="--token
K10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa::server:unitS3cretPW" fid_server w &&
	named w worker &&
	test "$(units w)" = "k3s-worker.service*" &&
	expect_check w server-token.plaintext fail
'

test_expect_success 'its k3s-worker.service.env is the effective env' '
	fid_server we && named we worker &&
	echo K3S_TOKEN=envS3cretPW >we/etc/systemd/system/k3s-worker.service.env &&
	"$K3SGUARD" --root we node --format json | $PY -c "
import json, sys
o = {x[\"name\"]: x for x in json.load(sys.stdin)[\"options\"]}
assert o[\"token\"][\"effective\"][0][\"file\"] == \"/etc/systemd/system/k3s-worker.service.env\", o[\"token\"]
"
'

test_expect_success 'k3s.service and an enabled k3s-worker.service: the enabled one runs' '
	FID_ARGS="--token
K10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa::server:unitS3cretPW" fid_server two &&
	named two worker && fid_server two &&
	mkdir -p two/etc/systemd/system/multi-user.target.wants &&
	ln -s /etc/systemd/system/k3s-worker.service two/etc/systemd/system/multi-user.target.wants/ &&
	test "$(units two)" = "k3s.service k3s-worker.service*"
'

test_expect_success 'OpenRC with INSTALL_K3S_NAME=edge: /etc/init.d/k3s-edge and k3s-edge.env' '
	mkdir -p o/etc/init.d o/etc/rancher/k3s o/var/lib/rancher/k3s/agent &&
	cat >o/etc/init.d/k3s-edge <<-\EOF &&
	#!/sbin/openrc-run
	depend() {
	    after network-online
	}
	start_pre() {
	    rm -f /tmp/k3s.*
	}
	supervisor=supervise-daemon
	name=k3s-edge
	command="/usr/local/bin/k3s"
	command_args="agent \
	    >>/var/log/k3s-edge.log 2>&1"
	EOF
	chmod 0755 o/etc/init.d/k3s-edge &&
	printf "K3S_URL=https://10.0.0.1:6443\nK3S_TOKEN=edgeS3cretPW\n" >o/etc/rancher/k3s/k3s-edge.env &&
	test "$(units o)" = "k3s-edge*" &&
	"$K3SGUARD" --root o node >out &&
	grep -q "^  server = https://10.0.0.1:6443  \[env /etc/rancher/k3s/k3s-edge.env:1\]" out &&
	! grep -q edgeS3cretPW out
'

test_done
