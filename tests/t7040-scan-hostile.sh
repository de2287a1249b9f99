#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t7040: `scan` under --root: an absolute argument is a node path, opened
# through the gate (src/cmd/scan.c start_path, open_job_dir), so a link in
# the image (absolute, climbing with .., an intermediate directory, the
# argument itself) never leads the walk to files outside the root; a
# relative argument is a local path the user typed and is walked as such.
. "$(dirname "$0")/lib.sh"

H=ef415f2d986e79275d1bd067fec6a5f7738f26b4af083ba05bf10c4407c41a28
CANARY="K10$H::server:canary0utside"
INSIDE="K10$H::server:inside0image"
cd "$TMP" || exit 1

# image: R/etc/app holds one token of its own; canary/ (outside R) holds
# the canary token, and the image links to it in every way
test_expect_success 'an image whose links lead to a canary outside it' '
	mkdir -p canary/sub R/etc/app R/opt R/hop &&
	printf "token = \"%s\"\n" "$CANARY" >canary/k3s.env &&
	printf "token = \"%s\"\n" "$CANARY" >canary/sub/k3s.env &&
	printf "token = \"%s\"\n" "$INSIDE" >R/etc/app/k3s.env &&
	ln -s "$TMP/canary" R/etc/app/abs &&
	ln -s ../../../canary R/etc/app/rel &&
	ln -s "$TMP/canary" R/opt/dirlink &&
	ln -s "$TMP/canary" R/hop/x &&
	ln -s ../hop/x/../x R/etc/mid &&
	cat R/opt/dirlink/k3s.env | grep -q canary0utside &&
	cat R/etc/app/rel/k3s.env | grep -q canary0utside &&
	sha256sum canary/k3s.env canary/sub/k3s.env >canary.sum
'

for walk in 0 1; do
	test_expect_success "node paths stay in the root (walk=$walk)" '
		export K3SGUARD_GATE_WALK='$walk' &&
		expect_code 1 k3sguard --root R scan /etc >out 2>err &&
		grep -q "inside0image" out || grep -q "fingerprint" out &&
		! grep -q "canary0utside" out err &&
		for arg in /opt/dirlink /opt/dirlink/sub /opt/dirlink/k3s.env /etc/mid \
		    /etc/mid/sub /etc/app/abs/sub /etc/app/rel/k3s.env; do
			{ k3sguard --root R scan "$arg" >out 2>err; rc=$?; } &&
			test "$rc" -ne 1 &&
			! grep -q "canary0utside" out err &&
			! grep -q "$TMP/canary" out err || { echo "via $arg: rc $rc"; cat out err; exit 1; }
		done &&
		sha256sum -c --quiet canary.sum
	'
done

test_expect_success 'a relative argument is a local path: walked as typed' '
	unset K3SGUARD_GATE_WALK &&
	expect_code 1 k3sguard scan --format json canary >out.json &&
	grep -q "canary/k3s.env" out.json &&
	expect_code 1 k3sguard --root R scan --format json R/etc/app >out.json &&
	grep -q "R/etc/app/k3s.env" out.json
'

test_expect_success 'the same node path without --root is the host path' '
	expect_code 1 k3sguard scan --format json "$TMP/canary" >out.json &&
	grep -q "$TMP/canary/k3s.env" out.json
'

test_done
