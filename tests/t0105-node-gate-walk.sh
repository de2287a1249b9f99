#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t0105: the node tests again with K3SGUARD_GATE_WALK=1: the gate's
# component-by-component walk (what runs on kernels without openat2) must
# read the node, resolve links inside the root and keep the image's k3s
# binary unrun exactly as openat2's RESOLVE_IN_ROOT does.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1

if has_cmd strace; then
	test_expect_success 'K3SGUARD_GATE_WALK=1 really replaces openat2 by the walk' '
		mkdir -p r/etc/rancher/k3s && echo "node-name: n" >r/etc/rancher/k3s/config.yaml &&
		# LeakSanitizer cannot run under ptrace (make sanitize)
		export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" &&
		strace -f -e trace=openat2 -o with.trace "$K3SGUARD" --root "$TMP/r" node >out 2>&1 &&
		grep -q "openat2(" with.trace &&
		K3SGUARD_GATE_WALK=1 strace -f -e trace=openat2 -o walk.trace \
			"$K3SGUARD" --root "$TMP/r" node >out 2>&1 &&
		! grep -q "openat2(" walk.trace &&
		grep -q "node-name = n" out
	'
else
	test_skip 'K3SGUARD_GATE_WALK=1 really replaces openat2 by the walk' 'no strace'
fi

for t in "$TOP"/tests/t010[0-4]-node-*.sh; do
	name=$(basename "$t")
	test_expect_success "$name with the gate's walk" '
		{ K3SGUARD_GATE_WALK=1 bash "$t" >"$TMP/$name.log" 2>&1 ||
			{ grep -A12 "^not ok" "$TMP/$name.log"; exit 1; }; } &&
		! grep -q "^not ok" "$TMP/$name.log" &&
		grep -q "^1\.\.[1-9]" "$TMP/$name.log"
	'
done

test_done
