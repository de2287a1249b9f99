#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0101: every kind of bad input to the node model: one line on stderr naming
# the file (and line), exit 2, and the other sources still read.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/node/server-tree.sh"
cd "$TMP" || exit 1

fresh() { rm -rf "$TMP/n"; make_server_tree "$TMP/n"; echo "$TMP/n"; }
C=etc/rancher/k3s/config.yaml

# still_read OUT: the unit and the env file were read despite the bad config
still_read() {
	grep -q "write-kubeconfig-mode = 0644  \[unit /etc/systemd/system/k3s.service:27\]" "$1" &&
	grep -q "K3S_NODE_NAME = node-from-env" "$1"
}

test_expect_success 'malformed YAML: file and line, exit 2, rest read' '
	R=$(fresh) &&
	printf "token: x\nnode-label: [a\n" >"$R/$C" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err &&
	grep -q "/etc/rancher/k3s/config.yaml'"'"' line 3: invalid YAML" err &&
	still_read out &&
	grep -q "node-name = node-from-dropin" out &&
	grep -q "^  config: .*config.yaml'"'"' line 3" out
'

test_expect_success 'a key of the wrong type (a map): file and line, other keys kept' '
	R=$(fresh) &&
	printf "node-name: n\nkubelet-arg:\n  max-pods: 50\n" >"$R/etc/rancher/k3s/config.yaml.d/30-bad.yaml" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err &&
	grep -q "30-bad.yaml'"'"' line 3: '"'"'kubelet-arg'"'"' is a map" err &&
	grep -q "node-name = n  \[drop-in /etc/rancher/k3s/config.yaml.d/30-bad.yaml:1\]" out &&
	still_read out
'

test_expect_success 'a list item of the wrong type' '
	R=$(fresh) &&
	printf "tls-san:\n  - a\n  - [b]\n" >"$R/$C" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "config.yaml'"'"' line 3: item of '"'"'tls-san'"'"' is a list" err
'

test_expect_success 'a config that is a directory' '
	R=$(fresh) && rm "$R/$C" && mkdir "$R/$C" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "config.yaml'"'"' is a directory, not a regular file" err &&
	still_read out
'

test_expect_success 'an unreadable config (read as nobody)' '
	R=$TMP/nobody && rm -rf "$R" &&
	mkdir -p "$R/etc/rancher/k3s/config.yaml.d" &&
	echo "node-name: a" >"$R/$C" && chmod 000 "$R/$C" &&
	echo "node-label: [x=1]" >"$R/etc/rancher/k3s/config.yaml.d/a.yaml" &&
	chmod -R a+rX "$R/etc" && chmod 000 "$R/$C" && chmod 755 "$TMP" &&
	cp "$K3SGUARD" "$TMP/k3sguard-copy" && chmod 755 "$TMP/k3sguard-copy" &&
	expect_code 2 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$TMP/k3sguard-copy" --root "$R" node >out 2>err &&
	one_line err && grep -q "config.yaml'"'"': Permission denied" err &&
	grep -q "node-label = x=1" out
'

test_expect_success 'a config that is a symlink loop' '
	R=$(fresh) && rm "$R/$C" && ln -s config.yaml "$R/$C" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "config.yaml'"'"': Too many levels of symbolic links" err &&
	still_read out
'

# K3s: pkg/configfilearg/parser.go dotDFiles() fails, readConfigFile() returns
# the error before reading config.yaml, and K3s does not start
test_expect_success 'a drop-in directory that is a symlink loop' '
	R=$(fresh) && rm -rf "$R/$C.d" && ln -s config.yaml.d "$R/$C.d" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "config.yaml.d'"'"' (K3s cannot either, and does not start): Too many levels of symbolic links" err &&
	! grep -q "\[config /etc/rancher/k3s/config.yaml:2\]" out
'

# K3s: readConfigFileData() is os.ReadFile(): a link is followed (here only
# inside the root, core/gate.h)
test_expect_success 'a config that is a symlink to a good file is read, as K3s reads it' '
	R=$(fresh) && mv "$R/$C" "$R/etc/rancher/k3s/real.yaml" &&
	ln -s real.yaml "$R/$C" &&
	k3sguard --root "$R" node >out 2>err && test ! -s err &&
	grep -q "token = .*\[config /etc/rancher/k3s/config.yaml:2\]" out
'

test_expect_success 'a 100 MB config: refused at the 1 MiB cap, not read' '
	R=$(fresh) && truncate -s 100M "$R/$C" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "config.yaml'"'"' is larger than 1048576 bytes" err &&
	still_read out
'

test_expect_success 'a config that is not a map' '
	R=$(fresh) && printf -- "- token\n- x\n" >"$R/$C" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "config.yaml'"'"' line 1: expected a map of K3s options" err
'

test_expect_success 'a unit with an unterminated quote: unit and line' '
	R=$(fresh) &&
	printf "[Service]\nExecStart=/usr/local/bin/k3s \\\\\n  server \\\\\n  '"'"'--token\n" \
		>"$R/etc/systemd/system/k3s.service" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err &&
	grep -q "k3s.service'"'"' line 4: unterminated quote in ExecStart=" err &&
	grep -q "node-name = node-from-dropin" out
'

test_expect_success 'an env file with a line that is not NAME=VALUE' '
	R=$(fresh) &&
	printf "K3S_NODE_NAME=x\nthis is not an assignment\n" >"$R/etc/rancher/k3s/k3s.env" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "k3s.env'"'"' line 2: not a NAME=VALUE assignment" err &&
	still_read out
'

test_expect_success 'an env file that is a symlink is refused' '
	R=$(fresh) &&
	mv "$R/etc/systemd/system/k3s.service.env" "$R/etc/real.env" &&
	ln -s /etc/real.env "$R/etc/systemd/system/k3s.service.env" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	one_line err && grep -q "k3s.service.env'"'"' is a symlink (refused)" err
'

test_expect_success 'JSON names the source of each error' '
	R=$(fresh) && printf "a: [\n" >"$R/$C" &&
	expect_code 2 k3sguard --root "$R" node --format json >out.json 2>err &&
	python3 -c "
import json, sys
j = json.load(open(\"out.json\"))
e = j[\"errors\"]
assert len(e) == 1 and e[0][\"source\"] == \"config\" and e[0][\"line\"] == 2, e
assert e[0][\"file\"] == \"/etc/rancher/k3s/config.yaml\"
"
'

test_expect_success 'a config with 100,000 keys is merged quickly (hash index)' '
	R=$(fresh) &&
	awk "BEGIN { for (i = 0; i < 100000; i++) printf \"k%d: v\\n\", i }" >"$R/$C" &&
	test "$(wc -c <"$R/$C")" -lt 1048576 &&
	timeout 30 "$K3SGUARD" --root "$R" node >out 2>err &&
	grep -q "^  k99999 = v  \[config /etc/rancher/k3s/config.yaml:100000\]" out
'

test_expect_success 'a 1 MB unit, env file and OpenRC script are read in linear time' '
	R=$(fresh) &&
	awk "BEGIN { printf \"[Service]\\nExecStart=/usr/local/bin/k3s server\"; for (i = 0; i < 60000; i++) printf \" --tls-san=x%d\", i; print \"\" }" \
		>"$R/etc/systemd/system/k3s.service" &&
	awk "BEGIN { for (i = 0; i < 80000; i++) printf \"K3S_X%d=v\\n\", i }" >"$R/etc/rancher/k3s/k3s.env" &&
	mkdir -p "$R/etc/init.d" &&
	awk "BEGIN { printf \"command_args=\\\"server\"; for (i = 0; i < 60000; i++) printf \" --tls-san=y%d\", i; print \"\\\"\" }" \
		>"$R/etc/init.d/k3s" &&
	timeout 30 "$K3SGUARD" --root "$R" node >out 2>err &&
	grep -q "^  tls-san = x59999  \[unit /etc/systemd/system/k3s.service:2\]" out &&
	grep -q "^  tls-san = y59999  \[unit /etc/init.d/k3s:1\]" out &&
	grep -q "line 80000: K3S_X79999 = v" out
'

test_expect_success 'many bad keys in one file: ten lines and a summary, not thousands' '
	R=$(fresh) &&
	awk "BEGIN { for (i = 0; i < 5000; i++) printf \"k%d: {a: b}\\n\", i }" >"$R/$C" &&
	expect_code 2 k3sguard --root "$R" node >out 2>err &&
	test "$(wc -l <err)" -eq 11 &&
	tail -n 1 err | grep -q "more problems; only the first 10 are shown"
'

test_expect_success 'a --root that is not a directory: one line, exit 2, before or after the verb' '
	echo x >notadir &&
	expect_code 2 k3sguard --root notadir node >out 2>err &&
	one_line err && grep -q "cannot open the root '"'"'notadir'"'"': Not a directory" err &&
	test ! -s out &&
	expect_code 2 k3sguard node --root "$TMP/nonexistent" >out 2>err &&
	one_line err && grep -q "cannot open the root .*nonexistent'"'"': No such file or directory" err &&
	expect_code 2 k3sguard --root notadir audit >out 2>err && one_line err
'

test_done
