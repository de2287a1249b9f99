#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0052: the layering is enforced by the build (Makefile target "layers",
# part of "make"): every library object is linked without src/cmd/ and
# src/main.c, so a library that calls a command or parses argv with the
# commands' helpers does not link.  Proven here on the built objects plus
# one planted library object.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 1
PKG_LIBS=$(pkg-config --libs openssl libcurl yaml-0.1 jansson libprotobuf-c sqlite3 libgit2)
# the objects' own compiler and link flags (make sanitize: clang, ASan+UBSan)
CFLAGS="-std=c11 -D_GNU_SOURCE -I$TOP/src -I$B ${LAYERS_LDFLAGS:-}"
CC=${CC:-cc}

lib_objs() { find "$B/obj" -name '*.o' ! -path "*/obj/cmd/*" ! -name main.o | sort; }

test_expect_success 'the libraries of this tree link on their own' '
	test "$(lib_objs | wc -l)" -gt 50 &&
	$CC $CFLAGS -o layers "$TOP/mk/layers.c" $(lib_objs) $PKG_LIBS
'

test_expect_success 'a library object that calls a command does not link' '
	cat >evil.c <<-\EOF &&
	#include "core/k3sguard.h"
	int cmd_audit(int argc, char **argv);
	int evil(void);
	int evil(void) { char *v[] = { "audit", NULL }; return cmd_audit(1, v); }
	EOF
	$CC $CFLAGS -c -o evil.o evil.c &&
	! $CC $CFLAGS -o layers "$TOP/mk/layers.c" $(lib_objs) evil.o $PKG_LIBS 2>err &&
	grep -q "undefined reference to .cmd_audit" err
'

test_expect_success 'a library object that uses the commands option helpers does not link' '
	cat >evil2.c <<-\EOF &&
	#include "core/k3sguard.h"
	#include "cmd/cmd.h"
	int evil2(void);
	int evil2(void) { return global_option(0, ""); }
	EOF
	$CC $CFLAGS -c -o evil2.o evil2.c &&
	! $CC $CFLAGS -o layers "$TOP/mk/layers.c" $(lib_objs) evil2.o $PKG_LIBS 2>err &&
	grep -q "undefined reference to .global_option" err
'

test_expect_success 'no library source includes a command header' '
	! grep -rln "#include \"cmd/" "$TOP"/src/*/ --include=*.c | grep -v "^$TOP/src/cmd/"
'

test_done
