#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t7009: assignments found on repositories the rules were not written for
# (bench/scan-repos/README.md, held-out): K3S_TOKEN=word before a command
# (not prose), a dotted key path that names K3s (NixOS services.k3s.token),
# the environment set through a call or a subscript (os.Setenv, os.environ[],
# ENV[], process.env.X) in Go, Python, Ruby and JS; and names that are not
# secrets: Pulumi type tokens ("pulumi:providers:k3s"), references on the
# right of an assignment, a setter given a variable.  A secure-form token
# whose CA hash is a placeholder ({K3S_TOKEN}::server:<literal>) still
# writes its password.  A function named for a K3s token whose first
# statement returns a literal (Ruby's last expression, return "...") returns
# a hard-coded token.  K3s's pre-1.0 name of the token (K3S_CLUSTER_SECRET,
# --cluster-secret, cluster-secret:) and "command: server|agent ..." lines of
# compose files (the rancher/k3s entrypoint is k3s).  A literal in a value
# wrapper (pulumi.secret("..."), pulumi.interpolate`...`, sensitive("..."))
# is a literal; a type in an annotation ("clusterToken: string;") is not a
# value.  Env entries given by name and value (Kubernetes "- name: K3S_TOKEN"
# then "value:", Terraform, JSON) and Makefile's "?=".  Words without a digit
# that ask to be replaced ("replace-me", "insert-token-here") are
# placeholders in a repository (u-scan-flags: not on a node).  In a text that names
# a K3s datastore endpoint, a literal in a variable named for the database's
# password (db_pass = "...", MYSQL_ROOT_PASSWORD=...) is a datastore password.
. "$(dirname "$0")/lib.sh"

FIX=$TOP/tests/fixtures/scan-assign
PY=/usr/bin/python3
cp "$FIX"/* "$TMP/"
cd "$TMP"

lines() {
	"$PY" -c '
import json, sys
for f in json.load(sys.stdin)["findings"]:
    print("%d:%s" % (f["line"], f["rule"]))'
}

test_expect_success 'no line of the negatives is a finding' '
	k3sguard scan --format json neg.txt >neg.json &&
	lines <neg.json >neg.got &&
	test ! -s neg.got
'

test_expect_success 'every line of the positives is exactly one finding' '
	expect_code 1 k3sguard scan --format json pos.txt >pos.json &&
	lines <pos.json | cut -d: -f1 >pos.got &&
	seq 2 "$(wc -l <pos.txt)" >pos.want &&
	diff -u pos.want pos.got
'

test_expect_success 'environment names are k3s-token-env, the NixOS key k3s-token-config' '
	lines <pos.json >rules &&
	grep -qx "2:k3s-token-env" rules &&
	grep -qx "5:k3s-token-env" rules &&
	grep -qx "6:k3s-token-env" rules &&
	grep -qx "7:k3s-token-env" rules &&
	grep -qx "8:k3s-token-env" rules &&
	grep -qx "4:k3s-token-config" rules &&
	grep -qx "9:k3s-token-env" rules &&
	grep -qx "10:k3s-token-flag" rules
'

test_expect_success 'a type name is a name only under a quoted key (a node token may be any string)' '
	expect_code 1 k3sguard scan --format json typename-noquote.txt >tn.json &&
	lines <tn.json >tn.got &&
	echo "2:k3s-token-config" >tn.want &&
	diff -u tn.want tn.got
'

test_expect_success 'a dotted path without K3s in it is not a K3s key' '
	printf "# k3s\nself.token = \"abc123def\"\nservices.k3s.token = \"abc123def\"\n" >dotted.txt &&
	expect_code 1 k3sguard scan --format json dotted.txt >dotted.json &&
	lines <dotted.json >dotted.got &&
	echo "3:k3s-token-config" >dotted.want &&
	diff -u dotted.want dotted.got
'

test_expect_success 'datastore password variables: literals only, only with a datastore' '
	expect_code 1 k3sguard scan --format json dbpass-pos.txt >dbpos.json &&
	lines <dbpos.json >dbpos.got &&
	printf "%s:k3s-datastore-password\n" 2 3 4 5 >dbpos.want &&
	diff -u dbpos.want dbpos.got &&
	k3sguard scan --format json dbpass-neg.txt dbpass-noctx.txt >dbneg.json &&
	lines <dbneg.json >dbneg.got &&
	test ! -s dbneg.got
'

test_expect_success 'a K3s token function that returns a literal' '
	expect_code 1 k3sguard scan --format json funcs.rb funcs.txt >funcs.json &&
	"$PY" -c "
import json, sys
for f in json.load(sys.stdin)[\"findings\"]:
    print(\"%s:%d:%s\" % (f[\"file\"], f[\"line\"], f[\"rule\"]))" <funcs.json >funcs.got &&
	printf "funcs.rb:3:k3s-token-config\nfuncs.txt:2:k3s-token-config\nfuncs.txt:6:k3s-token-config\n" >funcs.want &&
	diff -u funcs.want funcs.got &&
	k3sguard scan funcs-neg.txt &&
	# the file ends inside the literal, without its closing quote or a
	# newline: the rule read one byte past the buffer (fuzz-scan; make
	# sanitize sees it); the literal to the end of the line is the value
	printf "def k3s_token\n  \"unclosedS3cret1" >funcs-end.rb &&
	expect_code 1 k3sguard scan funcs-end.rb >funcs-end.out &&
	grep -q "funcs-end.rb:2" funcs-end.out
'

test_expect_success 'the old cluster-secret names and compose command lines' '
	expect_code 1 k3sguard scan --format json compose-pos.yml >cpos.json &&
	lines <cpos.json >cpos.got &&
	printf "2:k3s-token-env\n3:k3s-token-flag\n4:k3s-token-config\n5:k3s-token-config\n6:k3s-token-flag\n7:k3s-token-flag\n" >cpos.want &&
	diff -u cpos.want cpos.got &&
	k3sguard scan compose-neg.yml
'

test_expect_success 'wrapped literals are findings, type annotations are not' '
	expect_code 1 k3sguard scan --format json wrapped-pos.ts >wpos.json &&
	lines <wpos.json >wpos.got &&
	printf "%s:k3s-token-config\n" 2 3 4 5 >wpos.want &&
	diff -u wpos.want wpos.got &&
	k3sguard scan wrapped-neg.ts
'

test_expect_success 'env entries given by name and value' '
	expect_code 1 k3sguard scan --format json env-entries.yaml >envs.json &&
	lines <envs.json >envs.got &&
	printf "%s:k3s-token-env\n" 4 14 15 16 >envs.want &&
	diff -u envs.want envs.got
'

test_expect_success 'placeholder words in a repository, words that only contain one' '
	k3sguard scan placeholders.yml &&
	expect_code 1 k3sguard scan --format json placeholders-not.yml >pn.json &&
	lines <pn.json | cut -d: -f1 >pn.got &&
	printf "2\n3\n4\n" >pn.want &&
	diff -u pn.want pn.got
'

test_done
