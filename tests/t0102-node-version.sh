#!/bin/bash
# t0102: the K3s version from 'k3s --version'.  K3s cannot be installed
# here: each "k3s" below is a stand-in shell script that prints what
# 'k3s --version' prints (first line "k3s version vX.Y.Z+k3sN (commit)"),
# or misbehaves the ways a broken or hostile binary could.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/node/server-tree.sh"
cd "$TMP" || exit 1

R=$TMP/n
make_server_tree "$R"

test_expect_success 'version parsed from the stand-in' '
	k3s_double "$R" "echo \"k3s version v1.32.11+k3s3 (0123abcd)\"; echo \"go version go1.23.6\"" &&
	k3sguard --root "$R" node >out 2>err && test ! -s err &&
	grep -q "^k3s version: v1.32.11+k3s3$" out
'

test_expect_success 'an rc version' '
	k3s_double "$R" "echo \"k3s version v1.33.0-rc2+k3s1 (x)\"" &&
	k3sguard --root "$R" node --format json >out.json &&
	python3 -c "import json; assert json.load(open(\"out.json\"))[\"k3s_version\"] == \"v1.33.0-rc2+k3s1\""
'

test_expect_success 'the stand-in gets --version, no stdin, a minimal env' '
	k3s_double "$R" "printf \"%s|\" \"\$@\" >\"\$0.args\"; env | sort >\"\$0.env\"; cat >\"\$0.stdin\"; echo \"k3s version v1.31.4+k3s1 (x)\"" &&
	K3S_TOKEN=fromParentS3cret k3sguard --root "$R" node >out &&
	grep -q "^k3s version: v1.31.4+k3s1$" out &&
	test "$(cat "$R/usr/local/bin/k3s.args")" = "--version|" &&
	! grep -q S3cret "$R/usr/local/bin/k3s.env" &&
	! grep -v -E "^(PATH|LC_ALL|PWD|SHLVL|_)=" "$R/usr/local/bin/k3s.env" &&
	test ! -s "$R/usr/local/bin/k3s.stdin"
'

test_expect_success 'absent binary: version unknown, no error' '
	rm -f "$R/usr/local/bin/k3s" &&
	k3sguard --root "$R" node >out 2>err && test ! -s err &&
	grep -q "^k3s version: unknown$" out
'

test_expect_success '--k3s-bin names another binary under the root' '
	mkdir -p "$R/opt/bin" &&
	printf "#!/bin/sh\necho \"k3s version v1.30.9+k3s1 (y)\"\n" >"$R/opt/bin/k3s" &&
	chmod 755 "$R/opt/bin/k3s" &&
	k3sguard --root "$R" --k3s-bin /opt/bin/k3s node >out &&
	grep -q "^k3s version: v1.30.9+k3s1$" out &&
	grep -q "^k3s binary:  /opt/bin/k3s$" out
'

test_expect_success 'a binary that fails: version error, exit 2' '
	k3s_double "$R" "echo oops >&2; exit 1" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "exited with status 1" err &&
	grep -q "^  version: " out && grep -q "^k3s version: unknown$" out
'

test_expect_success 'a binary that prints something else: version error' '
	k3s_double "$R" "echo hello" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "printed no" err
'

test_expect_success 'a binary that hangs is killed after 5 s' '
	k3s_double "$R" "exec sleep 60" &&
	start=$(date +%s) &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	end=$(date +%s) &&
	one_line err && grep -q "did not finish within 5000 ms" err &&
	test $((end - start)) -lt 15
'

test_expect_success 'a group-writable binary is not run' '
	k3s_double "$R" "touch \"\$0.ran\"; echo \"k3s version v1.32.1+k3s1 (x)\"" 0775 &&
	rm -f "$R/usr/local/bin/k3s.ran" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "writable by group or others" err &&
	test ! -e "$R/usr/local/bin/k3s.ran" &&
	grep -q "^k3s version: unknown$" out
'

test_expect_success 'a binary in a world-writable directory is not run' '
	k3s_double "$R" "touch \"\$0.ran\"; echo \"k3s version v1.32.1+k3s1 (x)\"" &&
	chmod 0777 "$R/usr/local/bin" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	chmod 0755 "$R/usr/local/bin" &&
	one_line err && test ! -e "$R/usr/local/bin/k3s.ran"
'

test_expect_success 'a binary owned by another user is not run' '
	k3s_double "$R" "touch \"\$0.ran\"; echo \"k3s version v1.32.1+k3s1 (x)\"" &&
	chown 65534 "$R/usr/local/bin/k3s" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "owned by uid 65534" err && test ! -e "$R/usr/local/bin/k3s.ran"
'

test_expect_success 'a symlinked binary under --root is not followed' '
	printf "#!/bin/sh\ntouch /tmp/k3sguard-should-not-run.\$\$\n" >"$TMP/outside" &&
	chmod 755 "$TMP/outside" &&
	rm -f "$R/usr/local/bin/k3s" && ln -s "$TMP/outside" "$R/usr/local/bin/k3s" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "symlink" err
'

test_done
