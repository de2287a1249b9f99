#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t1020: bad input of every kind.  Each gives one error line naming the file
# (and line where there is one), the checks that need the input show
# "error", the others still run, and the exit code is 2.  CI runs as root,
# so "unreadable" is a FIFO, a directory, a symlink loop or a file over the
# size cap rather than chmod 000.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP"

S=var/lib/rancher/k3s/server
CFG=etc/rancher/k3s/config.yaml

# bad_config NAME: the audit of $R names the config file on one stderr line,
# marks the config-dependent checks error, still runs the file checks.
bad_config() {
	audit_json "$R"
	test "$audit_rc" -eq 2 || { echo "exit $audit_rc, want 2" >&2; return 1; }
	one_line "$TMP/audit.err"
	grep -q "etc/rancher/k3s/config.yaml" "$TMP/audit.err"
	test "$(check_status etcd.datastore-external)" = error
	test "$(check_status agent-token.plaintext-config)" = error
	check_field etcd.datastore-external evidence | grep -q "config.yaml"
	# not affected: they still give their verdict
	test "$(check_status manifests.dir-mode)" = fail
	test "$(check_status server-token.file-mode)" = fail
	test "$(check_status updates.version-known)" = pass
	$PY -c "import json; d=json.load(open(\"$TMP/audit.json\")); assert d[\"summary\"][\"error\"] > 0 and d[\"errors\"]"
}

test_expect_success 'malformed YAML: file and line named' '
	R=$(node_root y default-server) &&
	printf "write-kubeconfig-mode: \"0644\"\ntls-san: [a, b\nfoo: 1\n" >"$R/$CFG" &&
	bad_config &&
	grep -q "config.yaml.* line [0-9]" "$TMP/audit.err"
'

test_expect_success 'a key of the wrong type: file, line and key named' '
	R=$(node_root wt default-server) &&
	printf "datastore-endpoint:\n  a: b\n" >"$R/$CFG" &&
	bad_config &&
	grep -q "line 2.*datastore-endpoint" "$TMP/audit.err"
'

test_expect_success 'a config that is a FIFO (unreadable without blocking)' '
	R=$(node_root fifo default-server) &&
	rm "$R/$CFG" && mkfifo "$R/$CFG" &&
	bad_config && grep -q "fifo" "$TMP/audit.err"
'

test_expect_success 'a config that is a directory' '
	R=$(node_root dir default-server) &&
	rm "$R/$CFG" && mkdir "$R/$CFG" &&
	bad_config && grep -q "directory" "$TMP/audit.err"
'

test_expect_success 'a config that is a symlink loop' '
	R=$(node_root loop default-server) &&
	rm "$R/$CFG" && ln -s config.yaml "$R/$CFG" &&
	bad_config
'

test_expect_success 'a 100 MB config: refused at the size cap, not read' '
	R=$(node_root big default-server) &&
	truncate -s 100M "$R/$CFG" &&
	bad_config && grep -q "larger than" "$TMP/audit.err"
'

test_expect_success 'a malformed drop-in is named too' '
	R=$(node_root di default-server) &&
	mkdir -p "$R/etc/rancher/k3s/config.yaml.d" &&
	printf "token: [unclosed\n" >"$R/etc/rancher/k3s/config.yaml.d/20-bad.yaml" &&
	audit_json "$R" && test "$audit_rc" -eq 2 &&
	grep -q "20-bad.yaml" "$TMP/audit.err" &&
	test "$(check_status server-token.plaintext)" = error &&
	test "$(check_status manifests.file-mode)" = fail
'

test_expect_success 'a node root that does not exist: exit 2, one line' '
	expect_code 2 k3sguard --root "$TMP/absent" audit --format json >out 2>err &&
	one_line err && grep -q "absent" err && test ! -s out
'

test_expect_success 'a node root that is a file: exit 2, one line' '
	: >afile &&
	expect_code 2 k3sguard --root "$TMP/afile" audit >out 2>err &&
	one_line err && grep -q "afile" err
'

test_expect_success 'a token file over 4 KiB: the token checks error, exit 2' '
	R=$(node_root tb hardened-server) &&
	head -c 5000 /dev/zero | tr "\0" "a" >"$R/$S/token" &&
	audit_json "$R" && test "$audit_rc" -eq 2 &&
	test "$(check_status server-token.form)" = error &&
	check_field server-token.form evidence | grep -q "token.*larger than" &&
	test "$(check_status server-token.file-mode)" = pass &&
	test "$(check_status etcd.datastore-external)" = pass
'

test_expect_success 'a token file that is a FIFO: a finding, not a hang' '
	R=$(node_root tfifo hardened-server) &&
	rm "$R/$S/token" && mkfifo -m 0600 "$R/$S/token" &&
	audit_json "$R" && test "$audit_rc" -eq 1 &&
	test "$(check_status server-token.file)" = fail &&
	test "$(check_status server-token.form)" = skip
'

test_expect_success 'a CA file that holds no certificate: ca-hash errors' '
	R=$(node_root nocert hardened-server) &&
	echo "not a certificate" >"$R/$S/tls/server-ca.crt" &&
	audit_json "$R" && test "$audit_rc" -eq 2 &&
	test "$(check_status server-token.ca-hash)" = error &&
	check_field server-token.ca-hash evidence | grep -q "server-ca.crt"
'

test_expect_success 'manifests nested too deep: the walk errors, other checks run' '
	R=$(node_root deep hardened-server) &&
	d="$R/$S/manifests" && for i in $(seq 1 20); do d="$d/d$i"; done &&
	mkdir -p -m 0700 "$d" && chmod -R go-rwx "$R/$S/manifests" &&
	audit_json "$R" && test "$audit_rc" -eq 2 &&
	test "$(check_status manifests.file-mode)" = error &&
	check_field manifests.file-mode evidence | grep -q "deeper" &&
	test "$(check_status manifests.dir-mode)" = pass
'

test_expect_success 'the manifests directory replaced by a symlink loop' '
	R=$(node_root mloop hardened-server) &&
	rm -rf "$R/$S/manifests" && ln -s manifests "$R/$S/manifests" &&
	audit_json "$R" &&
	test "$(check_status manifests.dir-mode)" = fail &&
	test "$(check_status manifests.file-mode)" = skip
'

test_expect_success 'error output never holds the planted token' '
	R=$(node_root sec default-server) &&
	pw=$(sed "s/.*::server://" "$R/$S/token") &&
	printf "token: %s\ndatastore-endpoint: [\n" "$pw" >"$R/$CFG" &&
	audit_json "$R" && test "$audit_rc" -eq 2 &&
	! grep -F -q "$pw" "$TMP/audit.err" "$TMP/audit.json"
'

test_done
