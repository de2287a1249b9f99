#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t6031: 'update prepare' on hostile node images: the K3s data dir, the
# sqlite db directory and the files in it are links (absolute, relative
# climbing out with .., an intermediate directory) or hard links to canary
# files outside the root.  A link is resolved inside the root (the kit
# holds the tree's own database, never the canary's), a hard link is
# refused; no canary byte reaches any output and no canary changes
# (content, mode, owner, mtime).  Every case also with the gate's
# component walk (K3SGUARD_GATE_WALK=1).  The kit directory is --out, a
# local path the user typed.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/update/root.sh"
cd "$TMP" || exit 1
DB=var/lib/rancher/k3s/server/db
C=$TMP/canary
UP=../../../../../../../../../../../../../../../..

rows() { sqlite3 "$1" "SELECT count(*) FROM kine"; }

# canaries outside every root: a K3s data dir with a sqlite database and a
# token, all holding the marker CANARY-Q7
sqlite3 "$TMP/canary.db" "PRAGMA journal_mode=WAL; CREATE TABLE kine(id INTEGER PRIMARY KEY, name TEXT, value BLOB);
	INSERT INTO kine(name, value) VALUES ('/registry/x', 'CANARY-Q7'), ('/registry/y', 'CANARY-Q7'), ('/registry/z', 'CANARY-Q7');
	PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null &&
mkdir -p "$C/k3s/server/db" "$C/db" &&
cp "$TMP/canary.db" "$C/k3s/server/db/state.db" && cp "$TMP/canary.db" "$C/db/state.db" &&
printf 'K10%s::server:CANARY-Q7\n' "$(printf '%064d' 0 | tr 0 c)" >"$C/k3s/server/token" &&
printf 'CANARY-Q7 wal\n' >"$C/db/wal" &&
printf 'node-label:\n  - canary=CANARY-Q7\n' >"$C/label.yaml" &&
chmod 0640 "$C/db/state.db" && rm -f "$TMP/canary.db" || exit 1
touch -d '2001-02-03 04:05:06' "$C/db/state.db" "$C/k3s/server/token" "$C/db/wal" "$C/label.yaml"
# (the link count is not compared: the test's own hard links change it)
canary_state() {
	(cd "$C" && find . -printf '%p %y %m %U %G %T@ %s\n' | sort &&
		find . -type f -exec sha256sum {} + | sort)
}
BEFORE=$(canary_state)

# no canary byte in any output, the canaries untouched
clean() {
	! grep -ra "CANARY-Q7" out err "$@" 2>/dev/null &&
	! grep -ra "cccccccc" out err "$@" 2>/dev/null &&
	test "$(canary_state)" = "$BEFORE"
}

# prepare ROOT KIT with and without the component walk (kits KIT and KIT-w)
prepare() {
	k3sguard --root "$1" update prepare --out "$2" >out 2>err &&
	K3SGUARD_GATE_WALK=1 k3sguard --root "$1" update prepare --out "$2-w" >>out 2>>err
}

# the data dir of root $1 replaced by a link ($2), the tree's own data dir
# moved to where the link leads inside the root
link_datadir() {
	mkdir -p "$1$C" && mv "$1/var/lib/rancher/k3s" "$1$C/k3s" &&
	ln -s "$2" "$1/var/lib/rancher/k3s"
}

# a link target out of the root: absolute, or relative climbing with ..
out_link() { if [ "$1" = abs ]; then echo "$2"; else echo "$UP$2"; fi; }

for how in abs rel; do
	target=$(out_link $how "$C/k3s")
	test_expect_success "data dir is a link out of the root ($how): the tree's own datastore and token" '
		update_root r v1.33.8+k3s1 sqlite && link_datadir r "$target" &&
		test -s r/var/lib/rancher/k3s/server/token &&
		prepare r kit-d$how &&
		for k in kit-d$how kit-d$how-w; do
			test "$(rows $k/datastore/state.db)" = 2 &&
			test "$(jq -r .token.fingerprint $k/kit.json)" = "$(printf %s updTestPW1 | sha256sum | cut -c1-12)" || exit 1
		done &&
		clean kit-d$how kit-d$how-w
	'
done

test_expect_success 'an intermediate directory (/var/lib/rancher) links out of the root' '
	update_root r v1.33.8+k3s1 sqlite &&
	mkdir -p "r$TMP/canary-rancher" "$TMP/canary-rancher" &&
	ln -s "$C/k3s" "$TMP/canary-rancher/k3s" &&
	mv r/var/lib/rancher/k3s "r$TMP/canary-rancher/k3s" && rmdir r/var/lib/rancher &&
	ln -s "$TMP/canary-rancher" r/var/lib/rancher &&
	prepare r kit-i &&
	test "$(rows kit-i/datastore/state.db)" = 2 && test "$(rows kit-i-w/datastore/state.db)" = 2 &&
	clean kit-i kit-i-w
'

for how in abs rel; do
	target=$(out_link $how "$C/db")
	test_expect_success "the sqlite db directory is a link out of the root ($how)" '
		update_root r v1.33.8+k3s1 sqlite &&
		mkdir -p "r$C" && mv r/$DB "r$C/db" && ln -s "$target" r/$DB &&
		prepare r kit-b$how &&
		test "$(rows kit-b$how/datastore/state.db)" = 2 && test "$(rows kit-b$how-w/datastore/state.db)" = 2 &&
		clean kit-b$how kit-b$how-w
	'
done

test_expect_success 'the db directory link leads nowhere inside the root: an error, no kit' '
	update_root r v1.33.8+k3s1 sqlite &&
	rm -rf r/$DB && ln -s "$C/db" r/$DB &&
	expect_code 2 k3sguard --root r update prepare --out kit-n >out 2>err &&
	one_line err && grep -q "cannot open the directory of .*state.db" err &&
	K3SGUARD_GATE_WALK=1 expect_code 2 k3sguard --root r update prepare --out kit-n >>out 2>>err &&
	test ! -e kit-n && ! ls | grep -q "kit-n.k3sguard" &&
	clean
'

test_expect_success 'state.db, its -wal, -shm: links and hard links out of the root are refused' '
	for f in "state.db:s:$C/db/state.db" "state.db:h:$C/db/state.db" "state.db-wal:h:$C/db/wal" \
	    "state.db-wal:s:$UP$C/db/wal" "state.db-shm:s:$C/db/wal" "state.db-shm:h:$C/db/wal"; do
		name=${f%%:*} rest=${f#*:} kind=${rest%%:*} to=${rest#*:} &&
		update_root r v1.33.8+k3s1 sqlite && rm -f r/$DB/$name &&
		if [ $kind = h ]; then ln "$to" r/$DB/$name; else ln -s "$to" r/$DB/$name; fi &&
		expect_code 2 k3sguard --root r update prepare --out kit-x >out 2>err &&
		one_line err &&
		grep -q "$name. is .*refused" err &&
		K3SGUARD_GATE_WALK=1 expect_code 2 k3sguard --root r update prepare --out kit-x >>out 2>>err &&
		test ! -e kit-x && ! ls | grep -q "kit-x.k3sguard" &&
		clean || { echo "failed: $f"; cat err; exit 1; }
	done
'

test_expect_success 'a hard-linked config file or token: refused, never copied' '
	update_root r v1.33.8+k3s1 sqlite &&
	rm r/etc/rancher/k3s/config.yaml.d/10-label.yaml &&
	ln "$C/label.yaml" r/etc/rancher/k3s/config.yaml.d/10-label.yaml &&
	expect_code 2 k3sguard --root r update prepare --out kit-h >out 2>err &&
	one_line err && grep -q "10-label.yaml. has 2 links" err &&
	test ! -e kit-h && clean &&
	update_root r v1.33.8+k3s1 sqlite &&
	rm r/var/lib/rancher/k3s/server/token && ln "$C/k3s/server/token" r/var/lib/rancher/k3s/server/token &&
	prepare r kit-t &&
	jq -r .token.error kit-t/kit.json | grep -q "token. has 2 links" &&
	test "$(jq -r .token.fingerprint kit-t/kit.json)" = null &&
	clean kit-t kit-t-w
'

test_expect_success 'embedded etcd: a data dir link is refused before k3s runs on it' '
	update_root e v1.33.8+k3s1 etcd && link_datadir e "$C/k3s" &&
	: >e/usr/local/bin/k3s.calls &&
	# the K3s program is a host setting under --root (k3s-cli)
	printf "k3s-cli: %s\n" "$TMP/e/usr/local/bin/k3s" >host.yaml && chmod 0600 host.yaml &&
	K3SGUARD_HOST_CONFIG=$TMP/host.yaml expect_code 2 \
		k3sguard --root e update prepare --out kit-e >out 2>err &&
	one_line err && grep -q "var/lib/rancher/k3s. is a symlink: a program run on it would leave the root" err &&
	! grep -q etcd-snapshot e/usr/local/bin/k3s.calls &&
	test ! -e kit-e && clean
'

test_done
