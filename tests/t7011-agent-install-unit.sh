#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t7011: 'agent install-unit' writes a systemd drop-in whose ExecStart= goes
# through 'agent exec', without the unit's token flags; systemd's own
# parser (systemd-analyze verify) reads it without a complaint.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
DROPIN=etc/systemd/system/k3s.service.d/90-k3sguard-agent-exec.conf
CA=$(printf 'install-unit CA' | sha256sum | cut -c1-64)

test_expect_success '--dry-run prints the drop-in and writes nothing' '
	N=$(node_root n1) &&
	k3sguard --root "$N" agent install-unit --dry-run --bin /usr/local/bin/k3sguard >dry &&
	grep -q "^would write /$DROPIN (0644): k3s.service starts K3s through" dry &&
	grep -qx "    ExecStart=" dry &&
	grep -qx "    ExecStart=/usr/local/bin/k3sguard agent exec --secret server-token -- /usr/local/bin/k3s server" dry &&
	test ! -e "$N/$DROPIN"
'

test_expect_success 'install writes it 0644 in a 0755 directory; a second run changes nothing' '
	N=$TMP/n1 &&
	k3sguard --root "$N" agent install-unit --bin /usr/local/bin/k3sguard >out &&
	grep -q "^write /$DROPIN" out &&
	k3sguard --root "$(node_root n1b)" agent install-unit --dry-run --bin /usr/local/bin/k3sguard | sed "s/^would //" >planned &&
	cmp planned out &&
	test "$(stat -c %a "$N/$DROPIN")" = 644 &&
	test "$(stat -c %a "$(dirname "$N/$DROPIN")")" = 755 &&
	cp "$N/$DROPIN" first &&
	k3sguard --root "$N" agent install-unit --bin /usr/local/bin/k3sguard >out2 &&
	grep -q "is up to date" out2 && cmp first "$N/$DROPIN" &&
	grep -qx "ExecStart=/usr/local/bin/k3sguard agent exec --secret server-token -- /usr/local/bin/k3s server" first
'

test_expect_success 'token flags of the unit are dropped; other arguments kept and quoted for systemd' '
	N=$(node_root n2) &&
	cat >"$N/etc/systemd/system/k3s.service" <<-EOF &&
	[Service]
	Type=notify
	ExecStart=/usr/local/bin/k3s \\
	    agent \\
	    "--server" "https://10.0.0.1:6443" \\
	    "--token" "K10$CA::node:unit-token-pw1" \\
	    "--node-label" "team=edge ops" \\
	    -t short-unit-pw2 --agent-token=agent-unit-pw3 \\
	    "--kubelet-arg=eviction-hard=memory.available<5%"
	EOF
	k3sguard --root "$N" agent install-unit --bin "$K3SGUARD" --dry-run >dry2 &&
	! grep -q "unit-token-pw1\|short-unit-pw2\|agent-unit-pw3" dry2 &&
	k3sguard --root "$N" agent install-unit --bin "$K3SGUARD" >/dev/null &&
	grep "^ExecStart=/" "$N/$DROPIN" >line &&
	! grep -q -- "pw1\|pw2\|pw3\|--token\|-t \|--agent-token" line &&
	! grep -q "pw1\|pw2\|pw3" "$N/$DROPIN" &&
	grep -qF "ExecStart=$K3SGUARD agent exec --secret agent-token -- /usr/local/bin/k3s agent --server https://10.0.0.1:6443 --node-label \"team=edge ops\" \"--kubelet-arg=eviction-hard=memory.available<5%%\"" "$N/$DROPIN"
'

test_expect_success 'systemd-analyze verify reads the unit with the drop-in without a complaint' '
	has_cmd systemd-analyze || { echo "systemd-analyze missing (scripts/deps/scan.txt)"; exit 1; } &&
	N=$TMP/n2 &&
	SYSTEMD_UNIT_PATH="$N/etc/systemd/system:" systemd-analyze verify --man=no k3s.service >v.out 2>&1 &&
	! grep -q "90-k3sguard" v.out &&
	# the check is real: a broken line in the drop-in is reported
	cp "$N/$DROPIN" keep && echo "ExecStart=/bin/\"broken" >>"$N/$DROPIN" &&
	SYSTEMD_UNIT_PATH="$N/etc/systemd/system:" systemd-analyze verify --man=no k3s.service >v2.out 2>&1 || true &&
	grep -q "90-k3sguard.*quoting" v2.out && cp keep "$N/$DROPIN"
'

test_expect_success 'a unit that already runs through agent exec is recognised (no double wrapping)' '
	N=$TMP/n2 &&
	sed -i "s/<5%\"/<5\"/" "$N/etc/systemd/system/k3s.service" &&
	rm "$N/$DROPIN" &&
	k3sguard --root "$N" agent install-unit --bin "$K3SGUARD" >/dev/null &&
	cp "$N/$DROPIN" before &&
	k3sguard --root "$N" agent install-unit --bin "$K3SGUARD" >again &&
	grep -q "is up to date" again && cmp before "$N/$DROPIN" &&
	test "$(grep -c "agent exec" "$N/$DROPIN")" -eq 1
'

test_expect_success 'no K3s unit: one-line error, exit 2; bad options: 64' '
	mkdir -p empty/etc &&
	expect_code 2 k3sguard --root "$TMP/empty" agent install-unit 2>err && one_line err &&
	expect_code 64 k3sguard --root "$TMP/n1" agent install-unit --bin relative/k3sguard 2>/dev/null &&
	expect_code 64 k3sguard --root "$TMP/n1" agent install-unit extra 2>/dev/null &&
	expect_code 64 k3sguard agent frob 2>/dev/null
'

test_done
