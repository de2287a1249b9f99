#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t6040: rollback kits for a node whose datastore is external etcd, against
# the REAL 3-member cluster of tests/etcd-cluster.sh: 'update prepare' puts
# this tool's encrypted snapshot (the code of 'etcd snapshot save') into the
# kit, with its sha256, sidecar and the token it needs; the snapshot
# verifies with 'etcd snapshot verify'; the k3s identity (no root role
# after 'etcd rbac apply') fails with a one-line permission error and no
# partial kit; 'update rollback' verifies the snapshot and lists the restore
# steps for the etcd hosts.  K3s itself is the k3s-update test double.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd-cluster.sh"
. "$TOP/tests/fixtures/update/root.sh"
cd "$TMP" || exit 1

if ! etcd_cluster_start; then
	test_expect_success 'start a 3-member etcd cluster from our files' 'false'
	test_done
fi
etcdctl1() {
	ETCDCTL_API=3 etcdctl --endpoints "$ETCD_EP1" --cacert "$ETCD_CA" \
		--cert "$ETCD_ROOT_CERT" --key "$ETCD_ROOT_KEY" "$@"
}
fp() { printf %s "$1" | sha256sum | cut -c1-12; }
ROOTID="--etcd-cert $ETCD_ROOT_CERT --etcd-key $ETCD_ROOT_KEY"

# a K3s server root whose config points at the cluster as K3s would use it
# (datastore-endpoint/-cafile/-certfile/-keyfile; the files under the root)
ext_root() {
	update_root "$1" v1.33.8+k3s1 sqlite && rm -rf "$1/var/lib/rancher/k3s/server/db" &&
	mkdir -p "$1/etc/k3s-etcd" &&
	cp "$ETCD_CA" "$1/etc/k3s-etcd/ca.crt" &&
	cp "$ETCD_K3S_CERT" "$1/etc/k3s-etcd/client.crt" &&
	cp "$ETCD_K3S_KEY" "$1/etc/k3s-etcd/client.key" && chmod 600 "$1/etc/k3s-etcd/client.key" &&
	cat >>"$1/etc/rancher/k3s/config.yaml" <<-YAML
	datastore-endpoint: $ETCD_ENDPOINTS
	datastore-cafile: /etc/k3s-etcd/ca.crt
	datastore-certfile: /etc/k3s-etcd/client.crt
	datastore-keyfile: /etc/k3s-etcd/client.key
	YAML
}

test_expect_success 'fill the cluster with K3s-like keys' '
	for i in $(seq 1 20); do etcdctl1 put "/registry/k$i" "v$i" >/dev/null || exit 1; done &&
	etcdctl1 put "/bootstrap/$(fp updTestPW1)" token-data >/dev/null
'

test_expect_success 'dry run: lists the snapshot step, writes nothing' '
	ext_root r &&
	k3sguard --root r update prepare --out kit0 --dry-run $ROOTID >out &&
	grep -q "save an encrypted snapshot of the external etcd cluster $ETCD_ENDPOINTS as client $ETCD_ROOT_CERT" out &&
	test ! -e kit0 && ! ls | grep -q "kit0.k3sguard"
'

test_expect_success 'prepare with root'"'"'s identity: the kit holds a snapshot that verifies' '
	k3sguard --root r update prepare --out kit $ROOTID >out &&
	grep -q "rollback kit for K3s v1.33.8+k3s1 written to kit" out &&
	test "$(stat -c %a kit)" = 700 &&
	test "$(stat -c %a kit/datastore/external-etcd.ksnap)" = 600 &&
	test "$(stat -c %a kit/datastore/external-etcd.ksnap.json)" = 600 &&
	jq -e ".datastore.kind == \"external-etcd\" and .datastore.file == \"datastore/external-etcd.ksnap\"
	    and .datastore.sidecar == \"datastore/external-etcd.ksnap.json\"
	    and .datastore.endpoints == \"$ETCD_ENDPOINTS\" and .datastore.key_secret == \"etcd-snapshot-key\"
	    and (.datastore.key_version | type) == \"number\"
	    and ([.datastore.members[].name] | sort) == [\"e1\", \"e2\", \"e3\"]" kit/kit.json >/dev/null &&
	test "$(jq -r .datastore.sha256 kit/kit.json)" = "$(sha256sum <kit/datastore/external-etcd.ksnap | cut -d" " -f1)" &&
	test "$(jq -r .datastore.sidecar_sha256 kit/kit.json)" = "$(sha256sum <kit/datastore/external-etcd.ksnap.json | cut -d" " -f1)" &&
	test "$(jq -r .token.fingerprint kit/kit.json)" = "$(fp updTestPW1)" &&
	jq -e ".datastore.bootstrap[0].fingerprint == \"$(fp updTestPW1)\"" kit/kit.json >/dev/null &&
	k3sguard --root r etcd snapshot verify kit/datastore/external-etcd.ksnap >vout &&
	grep -q "^ok " vout &&
	! grep -a -q "/registry/k1" kit/datastore/external-etcd.ksnap &&
	! grep -rq updTestPW1 kit/kit.json out &&
	! ls | grep -q "kit.k3sguard"
'

test_expect_success 'the decrypted snapshot is what etcd holds (etcdctl reads it)' '
	k3sguard --root r etcd snapshot restore kit/datastore/external-etcd.ksnap \
		--member e1=https://127.0.0.1:1 --data-dir-base "$TMP/rs" >/dev/null &&
	test -d "$TMP/rs/e1/member"
'

test_expect_success 'auth off: the node'"'"'s own identity (datastore-certfile) works too' '
	k3sguard --root r update prepare --out kit-k3s >/dev/null &&
	k3sguard --root r etcd snapshot verify kit-k3s/datastore/external-etcd.ksnap >/dev/null
'

test_expect_success 'after rbac apply the k3s identity is refused: one line, no partial kit' '
	k3sguard etcd rbac apply $ETCD_AS_ROOT >/dev/null &&
	expect_code 2 k3sguard --root r update prepare --out kit2 2>err &&
	one_line err &&
	grep -q "permission denied.*needs etcd.s root role.*--etcd-cert FILE --etcd-key FILE.*no kit written" err &&
	grep -q "/etc/k3s-etcd/client.crt" err &&
	test ! -e kit2 && ! ls | grep -q "kit2.k3sguard"
'

test_expect_success 'after rbac apply root'"'"'s identity still makes a kit' '
	k3sguard --root r update prepare --out kit3 $ROOTID >/dev/null &&
	k3sguard --root r etcd snapshot verify kit3/datastore/external-etcd.ksnap >/dev/null
'

test_expect_success 'bad input: one cert without key; no cafile; a CA that is not the cluster'"'"'s' '
	expect_code 64 k3sguard --root r update prepare --out k4 --etcd-cert "$ETCD_ROOT_CERT" 2>err &&
	one_line err && grep -q "go together" err &&
	ext_root r2 && sed -i "/datastore-cafile/d" r2/etc/rancher/k3s/config.yaml &&
	expect_code 2 k3sguard --root r2 update prepare --out k4 $ROOTID 2>err &&
	one_line err && grep -q "no datastore-cafile" err &&
	ext_root r3 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout other.key -out r3/etc/k3s-etcd/ca.crt -subj /CN=other -days 2 2>/dev/null &&
	expect_code 2 k3sguard --root r3 update prepare --out k4 $ROOTID 2>err &&
	one_line err && grep -q "no etcd member gave a complete snapshot.*no kit written" err &&
	test ! -e k4 && ! ls | grep -q "k4.k3sguard"
'

test_expect_success 'rollback --dry-run verifies the snapshot and lists the restore steps' '
	printf "# upgraded\n" >>r/usr/local/bin/k3s &&
	before=$(cd r && find . -type f ! -name "*.calls" | sort | xargs sha256sum) &&
	k3sguard --root r update rollback --kit kit --dry-run >out &&
	grep -q "would roll back to K3s v1.33.8+k3s1" out &&
	grep -q "snapshot datastore/external-etcd.ksnap verifies: [0-9]* bytes" out &&
	grep -q "restore /usr/local/bin/k3s (sha256 verified)" out &&
	grep -q "restored on its etcd hosts, not by this command" out &&
	grep -q "stop etcd on every member" out &&
	grep -q "etcd-snapshot-key. version [0-9]" out &&
	grep -q "k3sguard etcd snapshot restore /.*/kit/datastore/external-etcd.ksnap --member e[123]=https://127.0.0.1:[0-9]* --member e[123]=https://127.0.0.1:[0-9]* --member e[123]=https://127.0.0.1:[0-9]* --data-dir-base /var/lib/etcd-restored$" out &&
	grep -q "start k3s.service: NOT done here" out &&
	grep -q "nothing was changed (--dry-run)" out &&
	after=$(cd r && find . -type f ! -name "*.calls" | sort | xargs sha256sum) &&
	test "$before" = "$after"
'

test_expect_success 'the listed restore command works as printed (dry run of it)' '
	cmd=$(sed -n "s/^    3\. //p" out) && test -n "$cmd" &&
	cmd=${cmd/--data-dir-base \/var\/lib\/etcd-restored/--data-dir-base $TMP/rs2} &&
	$K3SGUARD --root r ${cmd#k3sguard } --dry-run >rout &&
	grep -q "e1" rout && grep -q "e3" rout
'

test_expect_success 'rollback restores binary and config, leaves K3s stopped' '
	k3sguard --root r update rollback --kit kit >out &&
	cmp r/usr/local/bin/k3s kit/k3s &&
	grep -q "start k3s.service: NOT done here" out &&
	grep -q "restore the etcd cluster as listed" out
'

test_expect_success 'a tampered snapshot: rollback refuses, changes nothing' '
	cp -r kit bad && chmod u+w bad/datastore/external-etcd.ksnap &&
	printf "\\377" | dd of=bad/datastore/external-etcd.ksnap bs=1 seek=5000 conv=notrunc status=none &&
	expect_code 1 k3sguard --root r update rollback --kit bad --dry-run 2>err &&
	one_line err && grep -q "does not match its sha256" err &&
	cp kit/datastore/external-etcd.ksnap bad/datastore/ && chmod u+w bad/kit.json &&
	h=$(sha256sum <bad/datastore/external-etcd.ksnap.json | cut -d" " -f1) &&
	printf " \n" >>bad/datastore/external-etcd.ksnap.json &&
	expect_code 1 k3sguard --root r update rollback --kit bad --dry-run 2>err &&
	one_line err && grep -q "ksnap.json. does not match its sha256" err
'


test_done
