#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0000: the binary itself: help, version, exit codes, start-up hygiene.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1

test_expect_success 'version prints name and version' '
	k3sguard --version >out &&
	grep -E "^k3sguard [0-9]+\.[0-9]+\.[0-9]+$" out
'

test_expect_success 'help lists commands and exit codes' '
	k3sguard --help >out &&
	grep -q "exit codes: 0 ok, 1 findings, 2 operational error, 64 usage" out
'

test_expect_success 'no command is a usage error (64)' '
	expect_code 64 k3sguard 2>err
'

test_expect_success 'unknown command is a one-line usage error' '
	expect_code 64 k3sguard frobnicate 2>err &&
	one_line err && grep -q "frobnicate" err
'

test_expect_success 'unknown global option is a usage error' '
	expect_code 64 k3sguard --no-such-option 2>err
'

test_expect_success 'writing to a full device fails with exit 2' '
	expect_code 2 k3sguard --help >/dev/full 2>err &&
	expect_code 2 k3sguard --version >/dev/full 2>err &&
	one_line err
'

test_expect_success 'license: LICENSE is Apache-2.0 and every source file says so (SPDX)' '
	grep -q "Apache License" "$TOP/LICENSE" && grep -q "Version 2.0, January 2004" "$TOP/LICENSE" &&
	find "$TOP/src" "$TOP/tests" "$TOP/scripts" "$TOP/bench" "$TOP/mk" "$TOP/man" \
		-path "$TOP/tests/fixtures" -prune -o -path "$TOP/tests/fuzz/seeds" -prune -o \
		-path "$TOP/tests/fuzz/crashes" -prune -o -path "$TOP/scripts/deps" -prune -o \
		-type f \( -name "*.[ch]" -o -name "*.sh" -o -name "*.mk" -o -name "*.roff" \) -print |
		while read -r f; do
			head -n 2 "$f" | grep -q "SPDX-License-Identifier: Apache-2.0" || echo "$f"
		done >missing &&
	{ [ ! -s missing ] || { cat missing; false; }; } &&
	head -n 1 "$TOP/Makefile" | grep -q SPDX-License-Identifier
'

test_done
