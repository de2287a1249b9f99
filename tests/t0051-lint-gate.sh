#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0051: scripts/lint-gate.sh, the proof that only src/core/gate.c opens a
# node path, on copies of the source tree: a clean tree passes, a new file
# calling a path function or opening a root_path() fails and is named, and
# comments, strings, fstat() and gate_open() never count.  Also
# scripts/chain-lint.sh, the check of test bodies' && chains.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

# a copy of today's tree: every file is through the gate
clean_tree() {
	rm -rf "$1" &&
	mkdir -p "$1/scripts" &&
	cp -r "$TOP/src" "$1/src"
}

test_expect_success 'the tree of today passes' '
	sh "$TOP/scripts/lint-gate.sh" >out 2>err &&
	test ! -s out
'

test_expect_success 'a clean tree passes' '
	clean_tree c &&
	sh "$TOP/scripts/lint-gate.sh" "$TMP/c" >out 2>err &&
	test ! -s out
'

test_expect_success 'open() of a path in a new file fails, naming file and line' '
	clean_tree v &&
	printf "%s\n" "#include <fcntl.h>" "int f(const char *p);" "int" "f(const char *p)" \
	    "{" "	return open(p, O_RDONLY);" "}" >v/src/node/evil.c &&
	expect_code 1 sh "$TOP/scripts/lint-gate.sh" "$TMP/v" >out 2>err &&
	grep -qx "src/node/evil.c:6: open() by path outside the gate: .*" out &&
	test "$(wc -l <out)" -eq 1
'

test_expect_success 'each path function is caught; fstat, fchmod, gate_open, x->open are not' '
	clean_tree w &&
	for fn in openat stat lstat fstatat chmod chown rename renameat unlink unlinkat \
	    mkdir mkdirat opendir readlink fopen access realpath symlink link rmdir; do
		echo "void g_$fn(void) { $fn(a, b); }" || return 1
	done >w/src/checks/evil.c &&
	cat >>w/src/checks/evil.c <<-\EOC &&
	void ok(void) { fstat(fd, &st); fchmod(fd, 0600); gate_open(p, 0); ops->open(p); f.stat(x); }
	/* open(p, 0) in a comment, and a string: */ const char *s = "cannot open(%s)";
	// stat(p) in a line comment
	EOC
	expect_code 1 sh "$TOP/scripts/lint-gate.sh" "$TMP/w" >out 2>err &&
	test "$(wc -l <out)" -eq 20 &&
	for fn in openat stat lstat fstatat chmod chown rename renameat unlink unlinkat \
	    mkdir mkdirat opendir readlink fopen access realpath symlink link rmdir; do
		grep -q "^src/checks/evil.c:[0-9]*: $fn() by path" out || return 1
	done
'

test_expect_success 'root_path() into file_read(), or through a variable, fails' '
	clean_tree r &&
	cat >r/src/checks/evil.c <<-\EOC &&
	int a(void) { struct buf b = BUF_INIT; return file_read(root_path("/etc/x"), 10, &b, NULL); }
	int b(void)
	{
		const char *p = root_path("/etc/y");

		return mkdir_p(p, 0700);
	}
	int c(void)
	{
		struct buf d = BUF_INIT;

		root_path_buf(&d, "/etc/z");
		return fsync_parent(d.s);
	}
	int d(void) { const char *p = "/etc/w"; error("x %s", root_path(p)); return mkdir_p(p, 0700); }
	EOC
	expect_code 1 sh "$TOP/scripts/lint-gate.sh" "$TMP/r" >out 2>err &&
	grep -q "^src/checks/evil.c:1: root_path() passed to file_read()" out &&
	grep -q "^src/checks/evil.c:6: .p. holds a root_path() and is passed to mkdir_p()" out &&
	grep -q "^src/checks/evil.c:13: .d.s. holds a root_path() and is passed to fsync_parent()" out &&
	test "$(wc -l <out)" -eq 3
'

test_expect_success 'an allowlisted file may call only its own functions' '
	clean_tree m &&
	echo "void extra(void) { unlink(p); }" >>m/src/main.c &&
	expect_code 1 sh "$TOP/scripts/lint-gate.sh" "$TMP/m" >out 2>err &&
	grep -q "^src/main.c:[0-9]*: unlink() by path" out &&
	test "$(wc -l <out)" -eq 1
'

test_expect_success 'chain-lint: a broken && chain is found, a whole one passes' '
	printf "%s\n" "test 1 -eq 2 && echo x" "true" >b1 &&
	expect_code 1 sh "$TOP/scripts/chain-lint.sh" - <b1 >out &&
	grep -qx "1: broken && chain: test 1 -eq 2 && echo x" out &&
	printf "%s\n" "false &&" "sleep 1 &" "wait" >b3 &&
	expect_code 1 sh "$TOP/scripts/chain-lint.sh" - <b3 >out &&
	grep -q "^2: a background job ends the && chain above it" out &&
	cat >b2 <<-\EOB &&
	cat >f <<-EOT &&
		not a command
		neither
	EOT
	x="two
	lines" &&
	case $x in
	two*)
		: ;;
	esac &&
	# a comment
	{ test -f f || exit 1; } &&
	for i in 1 2; do
		test -n "$i" || return 1
	done &&
	k3sguard --version >/dev/null || : &&
	{ sleep 1 & } &&
	wait &&
	test -s f
	EOB
	sh "$TOP/scripts/chain-lint.sh" - <b2 >out &&
	test ! -s out
'

test_expect_success 'chain-lint: every test file of the suite is whole' '
	sh "$TOP/scripts/chain-lint.sh" "$TOP"/tests/t[0-9]*.sh
'

test_done
