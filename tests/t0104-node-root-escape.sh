#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0104: a node root is read as K3s on that node would see it: symlinks in
# the tree resolve INSIDE the tree (an absolute link points into the root,
# ".." stops at its top), so a hostile disk image cannot make k3sguard read
# or run the host's files; and nothing of the image itself is ever run.
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
	grep -q "^  config.yaml  *[^ ]*: missing \[.*/etc/rancher.* is a symlink to .*$H/etc-rancher.*, which leads to nothing inside the node root\]$" out
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

test_expect_success 'a k3s binary reached through a link out of the root is neither run nor read' '
	R=$TMP/r4 && mkdir -p "$R/usr/local" &&
	ln -s "$H/bin" "$R/usr/local/bin" &&
	rm -f "$TMP/host-k3s-ran" &&
	k3sguard --root "$R" node >out 2>err &&
	grep -q "^k3s version: unknown$" out &&
	! grep -q "v9.9.9" out err &&
	test ! -e "$TMP/host-k3s-ran"
'

test_expect_success 'the same binary inside the root (through an in-root link) is read, not run' '
	R=$TMP/r5 && mkdir -p "$R/opt/k3s/bin" "$R/usr/local" &&
	cp "$H/bin/k3s" "$R/opt/k3s/bin/k3s" &&
	ln -s /opt/k3s/bin "$R/usr/local/bin" &&
	rm -f "$TMP/host-k3s-ran" &&
	k3sguard --root "$R" node >out 2>err &&
	grep -q "^k3s version: v9.9.9+k3s9$" out &&
	grep -q "^version from: binary bytes$" out &&
	test ! -e "$TMP/host-k3s-ran"
'

# The image's own k3s is a canary: it marks $TMP/image-k3s-ran when run.
image_k3s() {
	mkdir -p "$1/usr/local/bin" &&
	printf '#!/bin/sh\ntouch "%s/image-k3s-ran"\necho "k3s version v1.31.5+k3s1 (image)"\n' "$TMP" \
		>"$1/usr/local/bin/k3s" &&
	chmod 0755 "$1/usr/local/bin/k3s" && rm -f "$TMP/image-k3s-ran"
}

test_expect_success 'no command runs the image'"'"'s k3s; node and audit read its version from its bytes' '
	R=$TMP/r6 && make_server_tree "$R" && image_k3s "$R" &&
	k3sguard --root "$R" node >out 2>err &&
	grep -q "^k3s version: v1.31.5+k3s1$" out &&
	grep -q "^version from: binary bytes$" out &&
	{ k3sguard --root "$R" audit --format json >audit.json 2>err || test $? -le 2; } &&
	jq -e ".node.k3s_version == \"v1.31.5+k3s1\"" audit.json &&
	{ k3sguard --root "$R" fix --dry-run >out 2>err || test $? -le 2; } &&
	test ! -e "$TMP/image-k3s-ran"
'

test_expect_success 'a binary linked with ".." out of the root to a canary: resolved inside, not read outside' '
	R=$TMP/r7 && make_server_tree "$R" && mkdir -p "$R/usr/local/bin" &&
	rm -f "$R/usr/local/bin/k3s" "$TMP/host-k3s-ran" &&
	ln -s "../../../../../../../../..$H/bin/k3s" "$R/usr/local/bin/k3s" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "is a symlink to nothing inside the node root" err &&
	grep -q "^k3s version: unknown$" out &&
	! grep -q "v9.9.9" out err && test ! -e "$TMP/host-k3s-ran"
'

test_expect_success 'an absolute link to the canary resolves to the image'"'"'s file of that name' '
	R=$TMP/r8 && make_server_tree "$R" && mkdir -p "$R/usr/local/bin" "$R$H/bin" &&
	printf "#!/bin/sh\necho \"k3s version v1.29.1+k3s2 (in the image)\"\n" >"$R$H/bin/k3s" &&
	rm -f "$R/usr/local/bin/k3s" "$TMP/host-k3s-ran" &&
	ln -s "$H/bin/k3s" "$R/usr/local/bin/k3s" &&
	k3sguard --root "$R" node >out 2>err &&
	grep -q "^k3s version: v1.29.1+k3s2$" out &&
	! grep -q "v9.9.9" out err && test ! -e "$TMP/host-k3s-ran"
'

test_expect_success 'a directory on the way linked out of the root: the binary is not read outside' '
	R=$TMP/r9 && make_server_tree "$R" && rm -rf "$R/usr/local/bin" &&
	ln -s "../../../../../../../..$H/bin" "$R/usr/local/bin" &&
	k3sguard --root "$R" node >out 2>err &&
	grep -q "^k3s version: unknown$" out &&
	! grep -q "v9.9.9" out err && test ! -e "$TMP/host-k3s-ran"
'

test_done
