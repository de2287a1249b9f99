#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t5020: the Traefik loader and the manifests classification select files
# as K3s's deploy controller does (k3s-io/k3s pkg/deploy/controller.go:
# walkFiles() walks into dot-directories; shouldSkipFile() skips a file whose
# own name starts with '.', any "<name>" for which a "<name>.skip" exists
# anywhere in the tree, and anything not .yaml/.yml/.json).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/traefik/root.sh"
. "$(dirname "$0")/lib-manifests.sh"
cd "$TMP" || exit 1
M=var/lib/rancher/k3s/server/manifests

test_expect_success 'a HelmChartConfig in manifests/.staging/ is applied: insecure API fails' '
	traefik_root r gen39 hardened &&
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = pass &&
	mkdir r/$M/.staging &&
	mv r/$M/traefik-config.yaml r/$M/.staging/traefik-config.yaml &&
	sed -i "s/insecure: false/insecure: true/" r/$M/.staging/traefik-config.yaml &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = fail &&
	grep -q "api.insecure is true (/$M/.staging/traefik-config.yaml:" out
'

test_expect_success 'a dotfile itself is still not applied (own name starts with .)' '
	traefik_root r gen39 hardened &&
	mkdir r/$M/.staging &&
	sed "s/insecure: false/insecure: true/" r/$M/traefik-config.yaml >r/$M/.staging/.z.yaml &&
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = pass
'

test_expect_success 'a <name>.skip in another directory skips <name> (skip map keyed by name)' '
	traefik_root r gen39 hardened &&
	mkdir r/$M/zz &&
	sed "s/insecure: false/insecure: true/" r/$M/traefik-config.yaml >r/$M/zz/zz.yaml &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = fail &&
	mkdir r/$M/.other && : >r/$M/.other/zz.yaml.skip &&
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = pass
'

test_expect_success 'order is sort.Strings of whole paths: traefik/x.yaml after traefik-config.yaml wins' '
	traefik_root r gen39 hardened &&
	mkdir r/$M/traefik &&
	sed "s/insecure: false/insecure: true/" r/$M/traefik-config.yaml >r/$M/traefik/x.yaml &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = fail &&
	grep -q "api.insecure is true (/$M/traefik/x.yaml:" out
'

test_expect_success 'traefik.yaml.skip in a subdirectory disables the packaged chart' '
	traefik_root r gen34 &&
	mkdir r/$M/x && : >r/$M/x/traefik.yaml.skip &&
	k3sguard --root r traefik audit >out &&
	grep -q "Traefik is disabled (a .traefik.yaml.skip. exists below the manifests dir)" out
'

test_expect_success 'manifests verify: files under a dot-directory are applied by K3s' '
	R=$(mroot dots) && D=$(mdir "$R") &&
	k3sguard manifests lock --root "$R" >/dev/null &&
	mkdir "$D/.staging" && echo "a: 1" >"$D/.staging/web.yaml" &&
	echo "a: 1" >"$D/.staging/.hidden.yaml" &&
	echo "a: 1" >"$D/y.yaml" && mkdir "$D/.o" && : >"$D/.o/y.yaml.skip" &&
	expect_code 1 k3sguard manifests verify --root "$R" --format json >out.json &&
	jq -e "[.changes[] | select(.path == \".staging/web.yaml\")][0].applied_by_k3s" out.json &&
	jq -e "[.changes[] | select(.path == \".staging/.hidden.yaml\")][0].applied_by_k3s | not" out.json &&
	jq -e "[.changes[] | select(.path == \"y.yaml\")][0].applied_by_k3s | not" out.json
'

# controller.go listFilesIn(): filepath.Walk lstats (a link is never walked
# into) and deploy() reads each applied name with os.ReadFile, which follows
# a link.  The gate follows it inside the root only.
test_expect_success 'a link whose name K3s applies is read through (inside the root): insecure API fails' '
	traefik_root r gen39 hardened &&
	mkdir -p r/opt/cfg &&
	sed "s/insecure: false/insecure: true/" r/$M/traefik-config.yaml >r/opt/cfg/hcc.yaml &&
	rm r/$M/traefik-config.yaml &&
	ln -s ../../../../../../opt/cfg/hcc.yaml r/$M/traefik-config.yaml &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = fail &&
	ln -sfn /opt/cfg/hcc.yaml r/$M/traefik-config.yaml &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = fail &&
	expect_code 2 k3sguard --root r traefik harden --dry-run 2>err &&
	one_line err && grep -q "is a symlink: harden replaces files" err
'

test_expect_success 'an absolute link is resolved inside the root, never on this host' '
	traefik_root r gen39 hardened &&
	mkdir -p "$TMP/host-only" &&
	sed "s/insecure: false/insecure: true/" r/$M/traefik-config.yaml >"$TMP/host-only/hcc.yaml" &&
	rm r/$M/traefik-config.yaml &&
	ln -s "$TMP/host-only/hcc.yaml" r/$M/traefik-config.yaml &&
	expect_code 2 k3sguard --root r traefik audit >out 2>err &&
	test "$(status_of out traefik.insecure-api)" = error &&
	grep -q "cannot open" out
'

test_expect_success 'a directory link is not walked into (K3s lstats it)' '
	traefik_root r gen39 hardened &&
	mkdir -p r/opt/d &&
	sed "s/insecure: false/insecure: true/" r/$M/traefik-config.yaml >r/opt/d/z.yaml &&
	ln -s ../../../../../../opt/d r/$M/linked &&
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = pass
'

test_done
