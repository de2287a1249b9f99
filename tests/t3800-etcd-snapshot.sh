#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t3800: etcd snapshot save/ls/verify/prune/restore/schedule against a real
# 3-member cluster: the encrypted file holds exactly what etcdctl saves,
# tampering of every kind is caught and named, a member killed mid-stream
# is survived, a full filesystem leaves nothing behind, and a full restore
# of the 3-member cluster reads back every key.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd-cluster.sh"
cd "$TMP" || exit 1

if ! etcd_cluster_start; then
	test_expect_success 'start a 3-member etcd cluster from our files' 'false'
	test_done
fi
# the restored cluster of the last test is stopped at exit too (pid files)
at_exit 'ETCD_DIR=$TMP/restored etcd_cluster_stop'
R=$TMP/root			# node root: the secret store lives under it
mkdir -p "$R"
SD=$R/var/lib/k3sguard/etcd-snapshots
S() { k3sguard --root "$R" etcd snapshot "$@"; }
# the first endpoint is the member a save reads first
AS_ROOT1="--endpoints $ETCD_EP1,$ETCD_EP2,$ETCD_EP3 --cacert $ETCD_CA --cert $ETCD_ROOT_CERT --key $ETCD_ROOT_KEY"
etcdctl1() {
	ETCDCTL_API=3 etcdctl --endpoints "$ETCD_EP1" --cacert "$ETCD_CA" \
		--cert "$ETCD_ROOT_CERT" --key "$ETCD_ROOT_KEY" "$@"
}
hexof() { od -An -tx1 | tr -d " \n"; }

# 24 values of 1 MB (random, incompressible) plus small keys to read back
test_expect_success 'fill the cluster (about 25 MB)' '
	for i in $(seq 1 24); do
		head -c 750000 /dev/urandom | base64 -w0 | etcdctl1 put "/registry/big/$i" >/dev/null || exit 1
	done &&
	for i in $(seq 1 20); do etcdctl1 put "/registry/k$i" "v$i" >/dev/null || exit 1; done &&
	etcdctl1 put /bootstrap/0123456789ab token-data >/dev/null &&
	k3sguard etcd rbac apply $ETCD_AS_ROOT >/dev/null
'

test_expect_success 'save: encrypted file and sidecar, 0600, sha256 equals etcdctl'"'"'s trailer' '
	etcdctl1 snapshot save "$TMP/ref.db" >/dev/null &&
	S save $AS_ROOT1 --name s1 >out &&
	grep -q "^saved .*/s1.ksnap: [0-9]* bytes from member" out &&
	test "$(stat -c %a "$SD/s1.ksnap")" = 600 && test "$(stat -c %a "$SD/s1.ksnap.json")" = 600 &&
	want=$(tail -c 32 "$TMP/ref.db" | hexof) &&
	grep -q "\"db_sha256\": \"$want\"" "$SD/s1.ksnap.json" &&
	grep -q "\"size\": $(stat -c %s "$TMP/ref.db")," "$SD/s1.ksnap.json" &&
	grep -q "\"fingerprint\": \"0123456789ab\"" "$SD/s1.ksnap.json" &&
	! grep -q -a "/registry/k1" "$SD/s1.ksnap" &&
	test -z "$(ls -A "$SD" | grep tmp)"
'

test_expect_success 'the key lives in the secret store, not beside the snapshot' '
	k3sguard --root "$R" secrets list >out 2>&1 || k3sguard --root "$R" secrets ls >out 2>&1 &&
	grep -q "etcd-snapshot-key" out &&
	! ls "$SD" | grep -q key
'

test_expect_success 'verify: a good snapshot passes' '
	S verify "$SD/s1.ksnap" >out && grep -q "^ok .*matches etcd.s trailer and the sidecar, bbolt database" out
'

test_expect_success 'ls lists it (text and json)' '
	S save $AS_ROOT1 --name s2 >/dev/null &&
	S ls >out && grep -q "^s1.ksnap .* revision [0-9]* *member https://" out && grep -q "^s2.ksnap" out &&
	S ls --format json >j && python3 -c "import json,sys; d=json.load(open(\"j\")); assert len(d)==2 and all(\"db_sha256\" in x for x in d)"
'

CH=$((4 + 1048576 + 16))	# one chunk record on disk
test_expect_success 'verify names a flipped byte' '
	cp "$SD/s1.ksnap" bad1.ksnap &&
	printf "\\377" | dd of=bad1.ksnap bs=1 seek=$((64 + CH + 5000)) conv=notrunc status=none &&
	expect_code 1 S verify bad1.ksnap 2>err && one_line err &&
	grep -q "chunk 1 fails authentication (modified" err
'

test_expect_success 'verify names a truncated file (mid-chunk and at a boundary)' '
	head -c $((64 + CH + 100)) "$SD/s1.ksnap" >bad2.ksnap &&
	expect_code 1 S verify bad2.ksnap 2>err && one_line err && grep -q "truncated inside chunk 1" err &&
	head -c $((64 + 2 * CH)) "$SD/s1.ksnap" >bad3.ksnap &&
	expect_code 1 S verify bad3.ksnap 2>err && one_line err && grep -q "truncated: the final chunk is missing" err
'

test_expect_success 'verify names two swapped chunks' '
	cp "$SD/s1.ksnap" bad4.ksnap &&
	dd if="$SD/s1.ksnap" of=bad4.ksnap bs=1 skip=$((64 + CH)) seek=64 count=$CH conv=notrunc status=none iflag=skip_bytes,count_bytes oflag=seek_bytes &&
	dd if="$SD/s1.ksnap" of=bad4.ksnap bs=1 skip=64 seek=$((64 + CH)) count=$CH conv=notrunc status=none iflag=skip_bytes,count_bytes oflag=seek_bytes &&
	expect_code 1 S verify bad4.ksnap 2>err && one_line err && grep -q "chunk 0 is chunk 1 moved" err
'

test_expect_success 'verify names a wrong key' '
	head -c 32 /dev/urandom | tr "\\n" x >k2 && k3sguard --root "$R" secrets put etcd-snapshot-key <k2 >/dev/null 2>&1 &&
	cp "$SD/s1.ksnap" bad5.ksnap &&
	printf "\\002" | dd of=bad5.ksnap bs=1 seek=15 conv=notrunc status=none &&
	expect_code 1 S verify bad5.ksnap 2>err && one_line err && grep -q "wrong key" err &&
	S verify "$SD/s1.ksnap" >/dev/null
'

test_expect_success 'data appended after the final chunk is refused' '
	cp "$SD/s1.ksnap" bad6.ksnap && printf "junk" >>bad6.ksnap &&
	expect_code 1 S verify bad6.ksnap 2>err && one_line err
'

test_expect_success 'the k3s identity may not take snapshots: exit 2, one line' '
	expect_code 2 S save --endpoints "$ETCD_EP1" --cacert "$ETCD_CA" --cert "$ETCD_K3S_CERT" \
		--key "$ETCD_K3S_KEY" --name denied 2>err &&
	tail -n1 err | grep -q "no etcd member gave a complete snapshot\|PERMISSION_DENIED\|Snapshot:" &&
	test ! -e "$SD/denied.ksnap" && test -z "$(ls -A "$SD" | grep tmp)"
' 

test_expect_success 'a full filesystem: exit 2, no partial file, older snapshots untouched' '
	mkdir -p small && if ! mount -t tmpfs -o size=3m tmpfs small 2>/dev/null; then
		echo "# cannot mount a tmpfs here: skipped"; exit 0; fi &&
	rc=0 &&
	S save $AS_ROOT1 --dir "$TMP/small" --name full 2>err || rc=$? &&
	cp "$SD/s2.ksnap" /dev/null &&
	ls -A small >left &&
	umount small &&
	test "$rc" -eq 2 && tail -n1 err | grep -q "No space left on device" &&
	test ! -s left
'

test_expect_success 'older snapshots are untouched by the failed save' '
	S verify "$SD/s2.ksnap" >/dev/null
'

test_expect_success 'a member killed mid-stream: the save completes from another member' '
	pid=$(cat "$ETCD_DIR/e1.pid") &&
	# bounded: waited for below, under TEST_BODY_TIMEOUT
	{ ( S save $AS_ROOT1 --name mid >out 2>err; echo $? >rc ) & } &&
	i=0 &&
	while [ $i -lt 500 ]; do
		# the temp file of the gate, beside the snapshot
		f=$(ls "$SD"/.k3sguard-tmp-* 2>/dev/null | head -n1) &&
		if [ -n "$f" ] && [ "$(stat -c %s "$f" 2>/dev/null || echo 0)" -gt 2000000 ]; then
			kill -9 "$pid"; break
		fi &&
		sleep 0.01; i=$((i + 1))
	done &&
	wait &&
	cat err &&
	test "$(cat rc)" -eq 0 &&
	grep -q "failed mid-stream after [0-9]* bytes.*starting over on https://" err &&
	S verify "$SD/mid.ksnap" >/dev/null &&
	grep -q "\"endpoint\": \"https://127.0.0.1" "$SD/mid.ksnap.json" &&
	! grep -q "\"endpoint\": \"$ETCD_EP1\"" "$SD/mid.ksnap.json"
'

test_expect_success 'prune keeps N and never the newest verified snapshot' '
	etcd_member_start 1 &&
	cp "$SD/s2.ksnap" "$SD/zz-unverified.ksnap" && touch -d "+1 hour" "$SD/zz-unverified.ksnap" &&
	S prune --keep 1 --dry-run >out && grep -q "would remove" out && test -e "$SD/s1.ksnap" &&
	S prune --keep 1 >out &&
	test -e "$SD/zz-unverified.ksnap" && test -e "$SD/mid.ksnap" &&
	test ! -e "$SD/s1.ksnap" && test ! -e "$SD/s1.ksnap.json" && test ! -e "$SD/s2.ksnap" &&
	grep -q "2 removed, 2 kept" out
'

test_expect_success 'restore --dry-run prints the etcdctl calls and writes nothing' '
	S restore "$SD/mid.ksnap" --member e1=https://127.0.0.1:1 --data-dir-base "$TMP/rd" --dry-run >out &&
	grep -q "would run: ETCDCTL_API=3 /usr/bin/etcdctl snapshot restore" out &&
	grep -q "fingerprint 0123456789ab" out && test ! -e "$TMP/rd"
'

# etcdctl runs with --skip-hash-check (src/etcd/etcd-snapshot-ops.c
# restore_member): k3sguard's own checks must stop a bad file first
test_expect_success 'restore of a tampered snapshot: exit 1, etcdctl never runs, no data dir' '
	printf "#!/bin/sh\ntouch %s/etcdctl-ran\n" "$TMP" >fake-etcdctl && chmod 0700 fake-etcdctl &&
	S restore "$SD/mid.ksnap" --member e1=https://127.0.0.1:1 --data-dir-base "$TMP/rd" \
		--dry-run >out && grep -q "snapshot restore SNAPSHOT --skip-hash-check --name e1" out &&
	cp "$SD/mid.ksnap" badr.ksnap &&
	printf "\377" | dd of=badr.ksnap bs=1 seek=$((64 + 5000)) conv=notrunc status=none &&
	expect_code 1 S restore badr.ksnap --member e1=https://127.0.0.1:1 \
		--data-dir-base "$TMP/rt" --etcdctl "$TMP/fake-etcdctl" >out 2>err &&
	one_line err && grep -q "chunk 0 fails authentication" err &&
	test ! -e "$TMP/etcdctl-ran" && test ! -e "$TMP/rt/e1" &&
	test -z "$(ls -A "$TMP/rt" 2>/dev/null)"
'

test_expect_success 'full restore of the 3-member cluster: every key reads back' '
	etcd_wait_healthy && etcd_cluster_stop &&
	old_dir=$ETCD_DIR && NEW=$TMP/restored && mkdir -p "$NEW" &&
	set -- && members= &&
	for n in 1 2 3; do
		c=$(etcd_free_port); p=$(etcd_free_port) &&
		set -- "$@" --member "e$n=127.0.0.1:$c:$p" &&
		members="$members --member e$n=https://127.0.0.1:$p" &&
		eval "NEP$n=https://127.0.0.1:$c"
	done &&
	k3sguard etcd provision --pki "$ETCD_PKI" --out "$NEW/members" --cert-dir "$NEW/members/%n" \
		--etcd-data-dir "$NEW/data/%n" "$@" >/dev/null &&
	S restore "$SD/mid.ksnap" $members --data-dir-base "$NEW/data" >out &&
	test "$(grep -c "^restored member" out)" -eq 3 &&
	test -z "$(ls -A "$NEW/data" | grep k3sguard-restore)" &&
	ETCD_DIR=$NEW && ETCD_ENDPOINTS="$NEP1,$NEP2,$NEP3" &&
	for n in 1 2 3; do etcd_member_start $n; done && etcd_wait_healthy &&
	for i in $(seq 1 20); do
		test "$(etcdctl_root get "/registry/k$i" --print-value-only)" = "v$i" || exit 1
	done &&
	test "$(etcdctl_root get --prefix /registry/big/ --keys-only | grep -c big)" -eq 24 &&
	etcd_cluster_stop
'

test_expect_success 'schedule writes a hardened service and a timer (and --dry-run does not)' '
	S schedule --dry-run --keep 7 >out && grep -q "ExecStart=/usr/local/bin/k3sguard etcd snapshot prune --dir /var/lib/k3sguard/etcd-snapshots --keep 7" out &&
	test ! -e "$R/etc/systemd/system/k3sguard-etcd-snapshot.service" &&
	S schedule --keep 7 --on-calendar "daily" >/dev/null &&
	grep -q "^OnCalendar=daily$" "$R/etc/systemd/system/k3sguard-etcd-snapshot.timer" &&
	grep -q "^ProtectSystem=strict$" "$R/etc/systemd/system/k3sguard-etcd-snapshot.service" &&
	grep -q "^NoNewPrivileges=yes$" "$R/etc/systemd/system/k3sguard-etcd-snapshot.service" &&
	if command -v systemd-analyze >/dev/null 2>&1; then
		systemd-analyze verify --man=no "$R/etc/systemd/system/k3sguard-etcd-snapshot.timer" 2>&1 |
			grep -v -e "k3sguard: " -e "Failed to prepare" -e "not executable" | grep -i "error" && exit 1
	fi; true
'

test_done
