#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0120: which config files K3s reads, as pkg/configfilearg/parser.go
# decides it (findConfigFileFlag(), dotDFiles(), readConfigFile()) with
# defaultparser.go's DefaultParser.  Cases follow K3s's parser_test.go
# (TestParser_findConfigFileFlag, TestParser_Parse) and its testdata
# (data.yaml.d/02-data-ignore-this.txt is not read).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-audit.sh"
. "$TOP/tests/fixtures/fidelity/trees.sh"
cd "$TMP" || exit 1

files_read() {
	"$K3SGUARD" --root "$1" node --format json 2>/dev/null | $PY -c '
import json, sys
print(" ".join(json.load(sys.stdin)["config_files"]))'
}

# parser_test "env override args": K3S_CONFIG_FILE beats --config
test_expect_success 'K3S_CONFIG_FILE wins over --config: its token is found' '
	FID_ARGS="--config
/etc/rancher/k3s/unit.yaml" fid_server env &&
	echo K3S_CONFIG_FILE=/etc/rancher/k3s/env.yaml >env/etc/systemd/system/k3s.service.env &&
	echo "node-name: clean" >env/etc/rancher/k3s/unit.yaml &&
	echo "token: plainS3cretPW" >env/etc/rancher/k3s/env.yaml &&
	test "$(files_read env)" = /etc/rancher/k3s/env.yaml &&
	expect_check env server-token.plaintext fail
'

# parser_test "simple case" / "garbage in start and end": -c VALUE
test_expect_success '-c FILE names the file, words around it do not matter' '
	FID_ARGS="--node-name
x
-c
/etc/rancher/k3s/unit.yaml
--debug" fid_server short &&
	echo "token: plainS3cretPW" >short/etc/rancher/k3s/unit.yaml &&
	test "$(files_read short)" = /etc/rancher/k3s/unit.yaml &&
	expect_check short server-token.plaintext fail
'

# findConfigFileFlag matches only "--config" and "-c": "-config F" leaves the default
test_expect_success '"-config FILE" does not name the file: the default is read' '
	FID_ARGS="-config
/etc/rancher/k3s/unit.yaml" fid_server single &&
	echo "node-name: clean" >single/etc/rancher/k3s/unit.yaml &&
	echo "token: plainS3cretPW" >single/etc/rancher/k3s/config.yaml &&
	test "$(files_read single)" = /etc/rancher/k3s/config.yaml &&
	expect_check single server-token.plaintext fail
'

# parser_test "empty arg value": -c= names no file
test_expect_success '"-c=" names no file: K3s reads none' '
	FID_ARGS="-c=" fid_server empty &&
	echo "node-name: x" >empty/etc/rancher/k3s/config.yaml &&
	test -z "$(files_read empty)"
'

# parser_test "invalid args string": "-c" last: no value, and K3s refuses the flag
test_expect_success '"--config" as the last word: error, not pass' '
	FID_ARGS="--config" fid_server dangling &&
	echo "node-name: x" >dangling/etc/rancher/k3s/config.yaml &&
	expect_check dangling server-token.plaintext error
'

# dotDFiles(): .yaml/.yml in any case, not directories, not .txt, byte order
test_expect_success 'drop-ins: suffixes in any case, byte order, .txt and directories skipped' '
	fid_server dotd &&
	c=dotd/etc/rancher/k3s/config.yaml.d &&
	mkdir -p $c/dir.yaml &&
	echo "node-name: a" >$c/9-b.YML &&
	echo "node-name: b" >$c/10-a.yaml &&
	echo "token: plainS3cretPW" >$c/02-data-ignore-this.txt &&
	echo "node-name: c" >$c/.yaml &&
	test "$(files_read dotd)" = "/etc/rancher/k3s/config.yaml.d/.yaml /etc/rancher/k3s/config.yaml.d/10-a.yaml /etc/rancher/k3s/config.yaml.d/9-b.YML" &&
	expect_check dotd server-token.plaintext pass
'

# readConfigFile(): a missing config file is fine when a drop-in exists;
# os.ReadFile follows links (here: inside the root)
test_expect_success 'no config.yaml, a linked drop-in: read, token found' '
	fid_server link &&
	mkdir -p link/etc/rancher/k3s/config.yaml.d link/srv &&
	echo "token: plainS3cretPW" >link/srv/k3s.yaml &&
	ln -s /srv/k3s.yaml link/etc/rancher/k3s/config.yaml.d/50-link.yaml &&
	test "$(files_read link)" = /etc/rancher/k3s/config.yaml.d/50-link.yaml &&
	expect_check link server-token.plaintext fail
'

test_expect_success 'a linked config.yaml is followed inside the root' '
	fid_server clink &&
	mkdir -p clink/srv &&
	echo "token: plainS3cretPW" >clink/srv/k3s.yaml &&
	ln -s /srv/k3s.yaml clink/etc/rancher/k3s/config.yaml &&
	expect_check clink server-token.plaintext fail
'

# dotDFiles(): a ReadDir error other than "does not exist" stops K3s
test_expect_success 'config.yaml.d is a file: error, not pass' '
	fid_server notdir &&
	echo x >notdir/etc/rancher/k3s/config.yaml.d &&
	expect_check notdir server-token.plaintext error
'

test_expect_success 'a named config file that is missing: error, not pass' '
	FID_ARGS="--config=/etc/rancher/k3s/gone.yaml" fid_server gone &&
	expect_check gone server-token.plaintext error
'

# readConfigFileData(): http(s) config is fetched by K3s, never by us
test_expect_success 'K3S_CONFIG_FILE=https://...: error, not pass' '
	fid_server url &&
	echo K3S_CONFIG_FILE=https://cfg.example/k3s.yaml >url/etc/systemd/system/k3s.service.env &&
	expect_check url server-token.plaintext error
'

test_done
