#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t1090: hostile node images for 'audit' and 'traefik audit|harden'.  Each
# path the checks read (the data dir, server/, etc/rancher/k3s, the
# manifests dir) is made (a) an absolute symlink, (b) a relative symlink
# climbing out with .., (c) a link through an intermediate directory link
# (X -> hop/../X, hop a link out), and (d) the token file and a manifest
# are hard links; every link leads to canary files OUTSIDE the root.  No
# canary byte (a marker, the canary token's fingerprint and CA hash) may
# reach any output, and no canary may change (content, mode, owner, mtime).
# All of it twice: with openat2 and with the gate's own walk.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1

S=var/lib/rancher/k3s/server
M=$S/manifests
# the canary token: its password, fingerprint (sha256(password)[:12]) and
# CA hash are the bytes that would show if a check read it
mark=kgcanary
pw=kgcanarypw5d1e0f2b7c9a4e3f
ca=$(printf 'kg canary ca' | sha256sum | cut -c1-64)
fp=$(printf '%s' "$pw" | sha256sum | cut -c1-12)
ctoken="K10$ca::server:$pw"

# make_canaries DIR: the outside world, every file marked
make_canaries() {
	o=$1
	mkdir -p "$o"
	src=$(node_root .canary-src)
	cp -a "$src/var/lib/rancher/k3s" "$o/k3s"
	cp -a "$src/etc/rancher/k3s" "$o/etck3s"
	rm -rf "$src"
	printf '%s\n' "$ctoken" >"$o/k3s/server/token"
	printf 'token: "%s"\nnode-name: %s-node\n' "$ctoken" "$mark" >"$o/etck3s/config.yaml"
	sed -i "s/tag: \"2.10.7\"/tag: \"v2.10.7-$mark\"/" "$o/k3s/server/manifests/traefik.yaml"
	grep -q "$mark" "$o/k3s/server/manifests/traefik.yaml"
	cat >"$o/k3s/server/manifests/$mark-hcc.yaml" <<EOF
apiVersion: helm.cattle.io/v1
kind: HelmChartConfig
metadata:
  name: traefik
  namespace: kube-system
spec:
  valuesContent: |-
    image:
      tag: v2.11.0-$mark
    ports:
      websecure:
        middlewares:
          - kube-system-$mark-mw@kubernetescrd
    additionalArguments:
      - "--$mark.marker=1"
EOF
	chmod 0600 "$o/k3s/server/manifests/$mark-hcc.yaml"
}

# snapshot DIR: everything a change would touch, content included
snapshot() {
	(cd "$1" && find . -printf '%p %y %m %U:%G %T@ %s %n %l\n' | LC_ALL=C sort &&
	    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
}

# the canary bytes must appear in none of the files given
no_canary() {
	for f in "$@"; do
		if grep -a -i -F -q -e "$mark" -e "$pw" -e "$fp" -e "$(printf %.8s "$ca")" "$f"; then
			echo "canary bytes reached $f:" >&2
			grep -a -i -F -n -e "$mark" -e "$pw" -e "$fp" -e "$(printf %.8s "$ca")" "$f" >&2
			return 1
		fi
	done
}

# runs CASE ROOT: every command on the root; exit codes 0, 1 or 2 only
runs() {
	for c in "audit" "audit --format json" "traefik audit" "traefik audit --format json" \
	    "traefik harden --dry-run" "traefik harden"; do
		set +e
		# shellcheck disable=SC2086
		"$K3SGUARD" --root "$2" $c >"$1.${c// /_}.out" 2>&1
		rc=$?
		set -e
		if [ "$rc" -gt 2 ]; then
			echo "'$c' exited $rc" >&2
			cat "$1.${c// /_}.out" >&2
			return 1
		fi
	done
}

# the ".." that climb from any directory of a root to /
ups=$(printf '../%.0s' $(seq 24))

# hostile CASE KIND TARGET MIRROR: a fresh root whose TARGET leads to the
# canary MIRROR (a path below the outside dir), set up as KIND
hostile() {
	r=$(node_root "$1")
	o=$TMP/$1.out
	rm -rf "$o"
	make_canaries "$o"
	case $2 in
	abs)
		rm -rf "${r:?}/$3" && ln -s "$o/$4" "$r/$3" ;;
	rel)
		rm -rf "${r:?}/$3" && ln -s "$ups${o#/}/$4" "$r/$3" ;;
	mid)
		# X -> hop/../X where hop is a link out: by plain paths X is the
		# canary beside hop's target; resolved inside the root, nothing
		b=$(basename "$3")
		mkdir -p "$o/c/hop" && cp -a "$o/$4" "$o/c/$b"
		ln -s "$o/c/hop" "$r/$(dirname "$3")/hop"
		rm -rf "${r:?}/$3" && ln -s "hop/../$b" "$r/$3" ;;
	esac
	echo "$r"
}

# the setups are real: by plain paths, each root reaches its canary
reaches_canary() {
	case $2 in
	var/lib/rancher/k3s|$S) cmp -s "$1/$S/token" "$TMP/$3.out/k3s/server/token" ;;
	etc/rancher/k3s) grep -q "$mark" "$1/etc/rancher/k3s/config.yaml" ;;
	$M) test -f "$1/$M/$mark-hcc.yaml" ;;
	esac
}

n=0
for walk in 0 1; do
	for kind in abs rel mid; do
		for target in var/lib/rancher/k3s $S etc/rancher/k3s $M; do
			n=$((n + 1))
			case $target in
			etc/rancher/k3s) mirror=etck3s ;;
			*) mirror=k3s${target#var/lib/rancher/k3s} ;;
			esac
			test_expect_success "walk=$walk $kind link at $target: no canary byte out, no canary changed" '
				export K3SGUARD_GATE_WALK='$walk' &&
				r=$(hostile h'$n' '$kind' '$target' '$mirror') &&
				reaches_canary "$r" '$target' h'$n' &&
				snapshot h'$n'.out >before &&
				runs h'$n' "$r" &&
				no_canary h'$n'.*.out &&
				snapshot h'$n'.out >after &&
				cmp before after
			'
		done
	done

	test_expect_success "walk=$walk hard-linked token: a finding, never read" '
		export K3SGUARD_GATE_WALK='$walk' &&
		r=$(node_root hl'$walk') &&
		o=$TMP/hl'$walk'.out && make_canaries "$o" &&
		rm "$r/$S/token" && ln "$o/k3s/server/token" "$r/$S/token" &&
		snapshot "$o" >before &&
		runs hl'$walk' "$r" &&
		no_canary hl'$walk'.*.out &&
		grep -A1 "server-token\.file " hl'$walk'.audit.out | grep -q "2 hard links" &&
		grep -A1 "server-token\.form " hl'$walk'.audit.out | grep -q "hard links.*not read" &&
		snapshot "$o" >after && cmp before after
	'

	test_expect_success "walk=$walk hard-linked manifest: Traefik checks error, harden refuses" '
		export K3SGUARD_GATE_WALK='$walk' &&
		r=$(node_root hm'$walk') &&
		o=$TMP/hm'$walk'.out && make_canaries "$o" &&
		ln "$o/k3s/server/manifests/$mark-hcc.yaml" "$r/$M/extra-config.yaml" &&
		snapshot "$o" >before &&
		runs hm'$walk' "$r" &&
		no_canary hm'$walk'.*.out &&
		grep -q "^error .*traefik\.chart " hm'$walk'.traefik_audit.out &&
		grep -q "hard links: not read" hm'$walk'.traefik_audit.out &&
		grep -q "hard links: not read" hm'$walk'.traefik_harden.out &&
		! test -e "$r/$M/traefik-config.yaml" &&
		snapshot "$o" >after && cmp before after
	'
done

test_expect_success 'harden writes through the gate: a link out in place of its file is refused' '
	r=$(node_root hw) && o=$TMP/hw.out && make_canaries "$o" &&
	printf "kind: x\n" >"$o/$mark-target.yaml" &&
	ln -s "$o/$mark-target.yaml" "$r/$M/traefik-config.yaml" &&
	snapshot "$o" >before &&
	expect_code 2 k3sguard --root "$r" traefik harden >out 2>&1 &&
	grep -q "a symlink to .$o/$mark-target.yaml., resolved inside the root" out &&
	snapshot "$o" >after && cmp before after &&
	test -L "$r/$M/traefik-config.yaml"
'

test_done
