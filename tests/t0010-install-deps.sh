#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0010: the README's two commands install what each needs: the run command
# (scripts/run -> install-deps --run) only what building and running need,
# the test command (scripts/test -> install-deps) everything.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1

test_expect_success 'the run list holds the package of every library the build links' '
	sh "$TOP/scripts/install-deps" --run --list >run &&
	mods=$(make -s -C "$TOP" --no-print-directory print-pkgs) &&
	[ -n "$mods" ] &&
	for m in $mods; do
		pc=$(pkg-config --variable=pcfiledir "$m")/$m.pc &&
		pkg=$(dpkg -S "$pc" | cut -d: -f1) &&
		grep -qx "$pkg" run || { echo "$m: $pkg not in run.txt"; exit 1; }
	done &&
	for r in $(cat run); do dpkg-query -W -f="\${Depends}, " "$r"; done | tr "," "\n" |
		sed "s/^ *//; s/[ :].*//" >deps &&
	for t in protoc-c gcc make pkg-config; do
		f=$(readlink -f "$(command -v $t)") &&
		pkg=$(dpkg -S "$f" | cut -d: -f1) &&
		{ grep -qx "$pkg" run || grep -qx "$pkg" deps ||
		  for d in $(cat deps); do dpkg-query -W -f="\${Depends}, " "$d" 2>/dev/null; done |
		  grep -q "\(^\|, \)$pkg\b"; } || { echo "$t: $pkg not installed by run.txt"; exit 1; }
	done
'

test_expect_success 'the run list holds none of the test suite'"'"'s browsers, servers and tools' '
	sh "$TOP/scripts/install-deps" --run --list >run &&
	for p in chromium prometheus prometheus-alertmanager lintian etcd-server etcd-client \
	    hyperfine ripgrep pass aide faketime clang nftables poppler-utils; do
		! grep -qx "$p" run || { echo "$p is in the run list"; exit 1; }
	done
'

test_expect_success 'the test list holds every run package, and the test tools' '
	sh "$TOP/scripts/install-deps" --run --list >run &&
	sh "$TOP/scripts/install-deps" --list >all &&
	[ -z "$(comm -23 run all)" ] &&
	grep -qx chromium all && grep -qx etcd-server all && grep -qx prometheus all
'

test_expect_success 'scripts/run installs the run list; scripts/test everything' '
	grep -q "^sh scripts/install-deps --run$" "$TOP/scripts/run" &&
	grep -q "^sh scripts/install-deps$" "$TOP/scripts/test"
'

test_expect_success 'install-deps: an unknown option is a one-line usage error (64)' '
	expect_code 64 sh "$TOP/scripts/install-deps" --bogus 2>err &&
	one_line err && grep -q "unknown option" err
'

test_expect_success 'install-deps: PACKAGE:COMMAND is satisfied by the command from another source (NodeSource nodejs bundles npm; Debian npm conflicts with it)' '
	mkdir -p alt/deps && cp "$TOP/scripts/install-deps" alt/ &&
	echo "k3sguard-no-such-package-zz:sh   # any shell satisfies it" >alt/deps/x.txt &&
	sh alt/install-deps --list >list && test "$(cat list)" = k3sguard-no-such-package-zz &&
	sh alt/install-deps >out 2>&1 && ! grep -q installing out
'

test_done
