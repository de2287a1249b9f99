#!/bin/bash
# t0104: a node root is read as K3s on that node would see it: symlinks in
# the tree resolve INSIDE the tree (an absolute link points into the root,
# ".." stops at its top), so a hostile disk image cannot make k3sguard read
# or run the host's files.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/node/server-tree.sh"
cd "$TMP" || exit 1

# what lives on the "host", outside every root
H=$TMP/host
mkdir -p "$H/etc-rancher/k3s" "$H/bin"
echo "node-name: FROM-THE-HOST" >"$H/etc-rancher/k3s/config.yaml"
chmod 0600 "$H/etc-rancher/k3s/config.yaml"
printf '#!/bin/sh\ntouch "%s/host-k3s-ran"\necho "k3s version v9.9.9+k3s9 (host)"\n' "$TMP" >"$H/bin/k3s"
chmod 0755 "$H/bin/k3s"

test_expect_success 'an absolute link to a host directory is resolved inside the root' '
	R=$TMP/r1 && mkdir -p "$R/etc" &&
	ln -s "$H/etc-rancher" "$R/etc/rancher" &&
	k3sguard --root "$R" node >out 2>err &&
	! grep -q "FROM-THE-HOST" out &&
	grep -q "^config files read (in order):$" out &&
	grep -A1 "^config files read" out | grep -q "(none)" &&
	grep -q "^  config.yaml .*\[warning: .* is reached only through a symlink that leads out of the node root\]" out
'

test_expect_success 'a ".." link cannot climb out of the root' '
	R=$TMP/r2 && mkdir -p "$R/etc" &&
	ln -s "../../../../../../../../..$H/etc-rancher" "$R/etc/rancher" &&
	k3sguard --root "$R" node >out 2>err &&
	! grep -q "FROM-THE-HOST" out
'

test_expect_success 'an absolute link inside the tree works as on the node (data dir moved)' '
	R=$TMP/r3 && make_server_tree "$R" &&
	mkdir -p "$R/data" &&
	mv "$R/var/lib/rancher/k3s" "$R/data/k3s" &&
	ln -s /data/k3s "$R/var/lib/rancher/k3s" &&
	k3sguard --root "$R" node >out 2>err &&
	grep -q "server/token .*/var/lib/rancher/k3s/server/token: regular file 0600" out &&
	grep -q "^role:        server$" out
'

test_expect_success 'a k3s binary reached through a link out of the root is not run' '
	R=$TMP/r4 && mkdir -p "$R/usr/local" &&
	ln -s "$H/bin" "$R/usr/local/bin" &&
	rm -f "$TMP/host-k3s-ran" &&
	k3sguard --root "$R" node >out 2>err &&
	grep -q "^k3s version: unknown$" out &&
	test ! -e "$TMP/host-k3s-ran"
'

test_expect_success 'the same binary inside the root (through an in-root link) is run' '
	R=$TMP/r5 && mkdir -p "$R/opt/k3s/bin" "$R/usr/local" &&
	cp "$H/bin/k3s" "$R/opt/k3s/bin/k3s" &&
	sed -i "s#$TMP/host-k3s-ran#/dev/null#" "$R/opt/k3s/bin/k3s" &&
	ln -s /opt/k3s/bin "$R/usr/local/bin" &&
	k3sguard --root "$R" node >out 2>err &&
	grep -q "^k3s version: v9.9.9+k3s9$" out
'

test_done
