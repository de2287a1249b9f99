#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0102: the K3s version.  Under --root nothing of the image runs: the
# version is read from the binary's bytes (K3s sets it with -X ldflags, a
# plain string "vX.Y.Z[-rcN]+k3sN"), or given with --k3s-version.  On the
# host ("--root /") "k3s --version" runs, only for a binary that root owns
# and nobody else may write.  K3s cannot be installed here: each "k3s"
# below is a stand-in shell script (the version string is in its text) that
# leaves a mark when it is run.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/node/server-tree.sh"
cd "$TMP" || exit 1

R=$TMP/n
make_server_tree "$R"
B=$R/usr/local/bin/k3s

# canary VERSION-LINE: a stand-in that marks $B.ran when run
canary() {
	k3s_double "$R" "touch \"\$0.ran\"; echo \"$1\"" ${2:+"$2"} && rm -f "$B.ran"
}

# bytes FILE...: a "binary" at $B made of these bytes, exactly
bytes() {
	cat "$@" >"$B" && chmod 0755 "$B"
}

test_expect_success 'under --root: the version from the bytes, the binary not run' '
	canary "k3s version v1.32.11+k3s3 (0123abcd)" &&
	k3sguard --root "$R" node >out 2>err && test ! -s err &&
	grep -q "^k3s version: v1.32.11+k3s3$" out &&
	grep -q "^version from: binary bytes$" out &&
	test ! -e "$B.ran"
'

test_expect_success 'an rc version, and the source in JSON' '
	canary "k3s version v1.33.0-rc2+k3s1 (x)" &&
	k3sguard --root "$R" node --format json >out.json &&
	jq -e ".k3s_version == \"v1.33.0-rc2+k3s1\" and .k3s_version_from == \"binary bytes\"" out.json &&
	test ! -e "$B.ran"
'

test_expect_success 'a binary nobody should trust is still only read, never run' '
	canary "k3s version v1.32.1+k3s1 (x)" 0777 &&
	chown 65534 "$B" && chmod 0777 "$R/usr/local/bin" &&
	k3sguard --root "$R" node >out 2>err &&
	chmod 0755 "$R/usr/local/bin" &&
	grep -q "^k3s version: v1.32.1+k3s1$" out && test ! -e "$B.ran"
'

test_expect_success 'absent binary: version unknown, no error' '
	rm -f "$B" &&
	k3sguard --root "$R" node >out 2>err && test ! -s err &&
	grep -q "^k3s version: unknown$" out &&
	grep -q "^version from: unknown$" out
'

test_expect_success '--k3s-bin names another binary under the root' '
	mkdir -p "$R/opt/bin" &&
	printf "#!/bin/sh\necho \"k3s version v1.30.9+k3s1 (y)\"\n" >"$R/opt/bin/k3s" &&
	chmod 755 "$R/opt/bin/k3s" &&
	k3sguard --root "$R" --k3s-bin /opt/bin/k3s node >out &&
	grep -q "^k3s version: v1.30.9+k3s1$" out &&
	grep -q "^k3s binary:  /opt/bin/k3s$" out
'

test_expect_success '--k3s-version wins over the binary, and says so' '
	canary "k3s version v1.32.11+k3s3 (0123abcd)" &&
	k3sguard --root "$R" node --k3s-version v1.29.4+k3s2 >out 2>err && test ! -s err &&
	grep -q "^k3s version: v1.29.4+k3s2$" out &&
	grep -q "^version from: --k3s-version$" out &&
	k3sguard --k3s-version v1.31.0-rc1+k3s1 --root "$R" node --format json >out.json &&
	jq -e ".k3s_version == \"v1.31.0-rc1+k3s1\" and .k3s_version_from == \"--k3s-version\"" out.json &&
	test ! -e "$B.ran"
'

test_expect_success '--k3s-version that is not a K3s release version: usage error' '
	for v in 1.30.4+k3s1 v1.30.4 v1.30.4-k3s1 v1.30.4+k3s v1.30.4+k3s1x "v1.30.4+k3s1 " v1.30+k3s1 \
	    v1.30.4+k3s-0123abcd; do
		expect_code 64 k3sguard --root "$R" --k3s-version "$v" node >out 2>err &&
		one_line err && grep -q "not a K3s release version" err || { echo "accepted $v"; exit 1; }
	done
'

test_expect_success 'two different versions in the binary: unknown, never a guess' '
	canary "k3s version v1.32.11+k3s3 (0123abcd); echo v1.31.2+k3s1" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "holds different K3s versions" err && grep -q -- "--k3s-version" err &&
	grep -q "^k3s version: unknown$" out && grep -q "^version from: unknown$" out &&
	grep -q "^  version: " out && test ! -e "$B.ran"
'

test_expect_success 'the same version twice is that version' '
	canary "k3s version v1.32.11+k3s3; echo v1.32.11+k3s3" &&
	k3sguard --root "$R" node >out 2>err && test ! -s err &&
	grep -q "^k3s version: v1.32.11+k3s3$" out
'

test_expect_success 'Go-packed strings: a build number running into digits is resolved by a clean copy' '
	printf "\177ELF..go:string v1.30.4+k3s10123abcd..more\0-ldflags=-X version.Version=v1.30.4+k3s1 -X" >a &&
	bytes a &&
	k3sguard --root "$R" node >out 2>err && test ! -s err &&
	grep -q "^k3s version: v1.30.4+k3s1$" out
'

test_expect_success 'only a build number that may run on: unknown' '
	printf "\0v1.30.4+k3s12\0" >a && bytes a &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "may run on into other digits" err &&
	grep -q "^k3s version: unknown$" out
'

test_expect_success '"-k3s" versions (containerd, Kubernetes) and dev builds are not the K3s version' '
	printf "containerd v1.7.20-k3s1 k8s.io/kubernetes v1.30.4-k3s1 cni v1.5.1-k3s1\0" >a &&
	bytes a &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "holds no K3s release version" err &&
	printf "\0v1.30.4+k3s-0123abcd\0" >b && bytes b &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	grep -q "holds no K3s release version" err &&
	bytes a b && printf "Version=v1.30.4+k3s1\n" >>"$B" &&
	k3sguard --root "$R" node >out 2>err && test ! -s err &&
	grep -q "^k3s version: v1.30.4+k3s1$" out
'

test_expect_success 'a version string across the 1 MiB read boundary is found' '
	head -c $((1048576 - 6)) /dev/zero >a && printf "v1.28.15+k3s1\0" >>a &&
	head -c 3000000 /dev/urandom | tr -d v >>a &&
	bytes a &&
	k3sguard --root "$R" node >out 2>err && test ! -s err &&
	grep -q "^k3s version: v1.28.15+k3s1$" out
'

test_expect_success 'a binary over 256 MiB is not read' '
	rm -f "$B" && truncate -s 257M "$B" && chmod 755 "$B" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "larger than 256 MiB" err &&
	grep -q "^k3s version: unknown$" out
'

test_expect_success 'a directory or a FIFO as the binary: version error' '
	rm -f "$B" && mkdir "$B" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "is a directory, not a K3s binary" err &&
	rmdir "$B" && mkfifo "$B" &&
	expect_code 2 timeout 10 "$K3SGUARD" --root "$R" node >out 2>err &&
	one_line err && grep -q "not a K3s binary" err &&
	rm -f "$B"
'

test_expect_success 'a binary that is an in-root symlink is read where it points, inside the root' '
	mkdir -p "$R/opt/k3s" &&
	printf "#!/bin/sh\ntouch \"\$0.ran\"\necho \"k3s version v1.31.7+k3s1 (x)\"\n" >"$R/opt/k3s/k3s" &&
	chmod 755 "$R/opt/k3s/k3s" && rm -f "$B" && ln -s /opt/k3s/k3s "$B" &&
	k3sguard --root "$R" node >out 2>err && test ! -s err &&
	grep -q "^k3s version: v1.31.7+k3s1$" out && test ! -e "$R/opt/k3s/k3s.ran"
'

# On the host the binary is run, as before: "--root /" with --k3s-bin
# pointing at a stand-in in $TMP (the node model of this host is read
# too; only its version lines are looked at).
H=$TMP/hostbin
mkdir -p "$H" && chmod 0755 "$H"
HB=$H/k3s
host_double() {
	printf '#!/bin/sh\n%s\n' "$1" >"$HB" && chmod "${2:-0755}" "$HB" && rm -f "$HB.ran"
}
host_node() { k3sguard --root / --k3s-bin "$HB" node "$@"; }

test_expect_success 'on the host: k3s --version is run, with no stdin and a minimal env' '
	host_double "printf \"%s|\" \"\$@\" >\"\$0.args\"; env | sort >\"\$0.env\"; cat >\"\$0.stdin\"; echo \"k3s version v1.31.4+k3s1 (x)\"" &&
	K3S_TOKEN=fromParentS3cret host_node >out &&
	grep -q "^k3s version: v1.31.4+k3s1$" out &&
	grep -q "^version from: k3s --version$" out &&
	test "$(cat "$HB.args")" = "--version|" &&
	! grep -q S3cret "$HB.env" &&
	! grep -v -E "^(PATH|LC_ALL|PWD|SHLVL|_)=" "$HB.env" &&
	test ! -s "$HB.stdin"
'

test_expect_success 'on the host: --k3s-version wins, nothing run' '
	host_double "touch \"\$0.ran\"; echo \"k3s version v1.31.4+k3s1 (x)\"" &&
	host_node --k3s-version v1.30.2+k3s2 >out &&
	grep -q "^k3s version: v1.30.2+k3s2$" out && test ! -e "$HB.ran"
'

test_expect_success 'on the host: a binary that fails: version error, exit 2' '
	host_double "echo oops >&2; exit 1" &&
	expect_code 2 host_node >out 2>err &&
	one_line err && grep -q "exited with status 1" err &&
	grep -q "^  version: " out && grep -q "^k3s version: unknown$" out
'

test_expect_success 'on the host: a binary that prints something else: version error' '
	host_double "echo hello" &&
	expect_code 2 host_node >out 2>err &&
	one_line err && grep -q "printed no" err
'

test_expect_success 'on the host: a binary that hangs is killed after 5 s' '
	host_double "exec sleep 60" &&
	start=$(date +%s) &&
	expect_code 2 host_node >out 2>err &&
	end=$(date +%s) &&
	one_line err && grep -q "did not finish within 5000 ms" err &&
	test $((end - start)) -lt 15
'

test_expect_success 'on the host: a group-writable binary is not run' '
	host_double "touch \"\$0.ran\"; echo \"k3s version v1.32.1+k3s1 (x)\"" 0775 &&
	expect_code 2 host_node >out 2>err &&
	one_line err && grep -q "writable by group or others" err &&
	test ! -e "$HB.ran" && grep -q "^k3s version: unknown$" out
'

test_expect_success 'on the host: a binary in a world-writable directory is not run' '
	host_double "touch \"\$0.ran\"; echo \"k3s version v1.32.1+k3s1 (x)\"" &&
	chmod 0777 "$H" &&
	expect_code 2 host_node >out 2>err &&
	chmod 0755 "$H" &&
	one_line err && test ! -e "$HB.ran"
'

test_expect_success 'on the host: a binary owned by another user is not run' '
	host_double "touch \"\$0.ran\"; echo \"k3s version v1.32.1+k3s1 (x)\"" &&
	chown 65534 "$HB" &&
	expect_code 2 host_node >out 2>err &&
	one_line err && grep -q "owned by uid 65534" err && test ! -e "$HB.ran"
'

test_done
