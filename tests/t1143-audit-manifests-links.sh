#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t1143: symlinks in server/manifests as K3s's deploy controller treats them
# (k3s-io/k3s pkg/deploy/controller.go `listFilesIn()`, commit 43bde46):
# filepath.Walk lstats every entry and never descends into a symlinked
# directory; a link whose own name passes `shouldSkipFile()` (no leading
# '.', .yaml/.yml/.json in any case, no "<name>.skip" anywhere in the tree)
# is read with ioutil.ReadFile, which follows it.  So manifests.symlinks
# fails only for such links leading outside the directory, and describes
# what K3s reads through them, resolved inside the node root (never this
# host's files); other links are listed, not failed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP"

S=var/lib/rancher/k3s/server
M=$S/manifests

test_expect_success 'a symlinked directory is not walked by K3s: listed, not failed' '
	R=$(node_root dl hardened-server) &&
	mkdir -p "$R/opt/apps" &&
	printf "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: evil\n" >"$R/opt/apps/ns.yaml" &&
	chmod 0666 "$R/opt/apps/ns.yaml" && chown 1000:1000 "$R/opt/apps/ns.yaml" &&
	ln -s /opt/apps "$R/$M/apps" &&
	expect_check "$R" manifests.symlinks pass &&
	ev=$(check_field manifests.symlinks evidence) &&
	echo "$ev" | grep -q "1 link(s) K3s does not read" &&
	echo "$ev" | grep -q "/apps. -> ./opt/apps." &&
	expect_check "$R" manifests.owner pass &&
	expect_check "$R" manifests.file-mode pass
'

test_expect_success 'a link K3s applies that leads out is judged: what K3s reads is described' '
	R=$(node_root fl hardened-server) &&
	mkdir -p "$R/opt/apps" &&
	echo "kind: Namespace" >"$R/opt/apps/ns.yaml" &&
	chmod 0666 "$R/opt/apps/ns.yaml" && chown 1234:1234 "$R/opt/apps/ns.yaml" &&
	ln -s /opt/apps/ns.yaml "$R/$M/ns.YAML" &&
	expect_check "$R" manifests.symlinks fail &&
	check_field manifests.symlinks evidence |
		grep -q "ns.YAML. (-> ./opt/apps/ns.yaml., K3s applies a regular file, mode 0666, uid 1234)"
'

test_expect_success 'a link climbing out of the root is resolved inside it, never on this host' '
	R=$(node_root cl hardened-server) &&
	test ! -e /etc/k3sguard-t1143-absent.yaml &&
	echo "kind: Namespace" >"$R/etc/k3sguard-t1143-absent.yaml" &&
	chown 4321 "$R/etc/k3sguard-t1143-absent.yaml" &&
	ln -s ../../../../../../../../../../../etc/k3sguard-t1143-absent.yaml "$R/$M/climb.yaml" &&
	expect_check "$R" manifests.symlinks fail &&
	check_field manifests.symlinks evidence | grep -q "uid 4321" &&
	R=$(node_root ab hardened-server) &&
	test -e /etc/passwd && test ! -e "$R/etc/passwd" &&
	ln -s /etc/passwd "$R/$M/passwd.json" &&
	expect_check "$R" manifests.symlinks fail &&
	check_field manifests.symlinks evidence | grep -q "dangling: whoever creates the target deploys it"
'

test_expect_success 'names K3s does not apply: dotfile, other extension, <name>.skip anywhere' '
	R=$(node_root sk hardened-server) &&
	ln -s /tmp/a "$R/$M/.hidden.yaml" &&
	ln -s /tmp/b "$R/$M/notes.txt" &&
	ln -s /tmp/c "$R/$M/x.yaml" &&
	install -d -m 0700 "$R/$M/sub" &&
	install -m 0600 /dev/null "$R/$M/sub/x.yaml.skip" &&
	expect_check "$R" manifests.symlinks pass &&
	check_field manifests.symlinks evidence | grep -q "3 link(s) K3s does not read" &&
	rm "$R/$M/sub/x.yaml.skip" &&
	expect_check "$R" manifests.symlinks fail &&
	check_field manifests.symlinks evidence | grep -q "1 symlink(s) K3s applies leading outside"
'

test_done
