#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t7030: hostile node images for the store, token, agent and fix commands.
# In each image one path the command touches is (a) an absolute symlink,
# (b) a relative symlink climbing out with "..", (c) a directory on the way
# that is a symlink, or (d) a hard link, each to CANARY files outside the
# root: another secret store with its master key, a token file, a unit
# directory with a unit and an env file holding a token.  Every command
# runs with and without K3SGUARD_GATE_WALK=1 (openat2, and the walk).
# Asserted: no canary byte reaches any output, and nothing outside the root
# changes (content, mode, owner, mtime, and no new file).
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1

OUT=$TMP/outside
UP=$(printf '../%.0s' $(seq 1 24))	# more ".." than any image is deep
CA=$(printf 'canary CA %s' "$$" | sha256sum | cut -c1-64)
C_SECRET=canary-secret-7f3e9a1c
C_PW=canarypw4b2d8e61
C_ENV=canary-env-c05e77aa
C_SERVER=canary-server.example
CANARIES="$C_SECRET $C_PW $C_ENV $C_SERVER ${CA:0:12}"

# The canaries: a whole other store (made by k3sguard), a token file, a
# unit directory, all with modes fix would change if it got to them.
mkdir -p "$OUT" other
printf "%s" "$C_SECRET" | k3sguard --root "$TMP/other" secrets put canary >/dev/null
printf "%s" "$C_SECRET" | k3sguard --root "$TMP/other" secrets put server-token >/dev/null
mkdir -p "$OUT/lib" "$OUT/etc" "$OUT/k3s/server/cred" "$OUT/units/k3s.service.d" "$OUT/rancher"
cp -a other/var/lib/k3sguard "$OUT/lib/k3sguard"
cp -a other/etc/k3sguard "$OUT/etc/k3sguard"
cp -a "$OUT/lib/k3sguard" "$OUT/k3sguard-var"
printf "K10%s::server:%s\n" "$CA" "$C_PW" >"$OUT/token"
chmod 644 "$OUT/token"
cp "$OUT/token" "$OUT/k3s/server/token"
printf "%s,server,server,k3s:server\n" "$C_PW" >"$OUT/k3s/server/cred/passwd"
chmod 755 "$OUT/k3s/server/cred"
printf "K3S_TOKEN='K10%s::server:%s'\nCANARY=%s\n" "$CA" "$C_PW" "$C_ENV" >"$OUT/units/k3s.service.env"
chmod 644 "$OUT/units/k3s.service.env"
cat >"$OUT/units/k3s.service" <<EOF
[Service]
Type=notify
EnvironmentFile=-/etc/systemd/system/k3s.service.env
ExecStart=/usr/local/bin/k3s server --server https://$C_SERVER:6443 --token K10$CA::server:$C_PW
EOF
chmod 664 "$OUT/units/k3s.service"
printf "token: K10%s::server:%s\nserver: https://%s:6443\n" "$CA" "$C_PW" "$C_SERVER" \
	>"$OUT/rancher/config.yaml"
chmod 666 "$OUT/rancher/config.yaml"
cp -a "$OUT/units" "$OUT/systemd-system"

state() {
	( cd "$OUT" && find . -printf '%p %y %m %U:%G %T@ %s %l\n' | sort &&
	  find . -type f -exec sha256sum {} + | sort )
}
state >state.before

# no_canary FILE...: none of the canary strings in any of the files
no_canary() {
	for c in $CANARIES; do
		if grep -qF -- "$c" "$@"; then
			echo "canary '$c' in output:" >&2; grep -F -- "$c" "$@" >&2; return 1
		fi
	done
}

# untouched: nothing outside the root changed
untouched() {
	state >state.after && cmp -s state.before state.after ||
		{ diff state.before state.after >&2; return 1; }
}

# run_all NAME CMD...: run a k3sguard command (status ignored: refusing is
# fine), keep its output for no_canary
run() {
	_n=$1; shift
	"$@" >"out.$_n" 2>"err.$_n" </dev/null || :
}

# image KIND WHAT: a fresh default-server image at $N with one path made
# hostile.  WHAT names the path; KIND is abs, rel, dir or hard.
image() {
	N=$(node_root img) &&
	case $2 in
	store)
		# a store of the image's own, so the path exists in every kind
		mkdir -p "$N/var/lib" "$N/etc"
		case $1 in
		abs) ln -s "$OUT/lib/k3sguard" "$N/var/lib/k3sguard" &&
		     ln -s "$OUT/etc/k3sguard" "$N/etc/k3sguard" ;;
		rel) ln -s "$UP${OUT#/}/lib/k3sguard" "$N/var/lib/k3sguard" &&
		     ln -s "$UP${OUT#/}/etc/k3sguard" "$N/etc/k3sguard" ;;
		dir) rm -rf "$N/var/lib" && ln -s "$UP${OUT#/}/lib" "$N/var/lib" &&
		     rm -rf "$N/etc" && ln -s "$OUT/etc" "$N/etc" ;;
		hard) mkdir -p "$N/var/lib/k3sguard/secrets" "$N/etc/k3sguard" &&
		     chmod 700 "$N/var/lib/k3sguard/secrets" &&
		     for f in canary.sec canary.gen server-token.sec server-token.gen; do
			ln "$OUT/lib/k3sguard/secrets/$f" "$N/var/lib/k3sguard/secrets/$f" || return 1
		     done &&
		     ln "$OUT/etc/k3sguard/master.key" "$N/etc/k3sguard/master.key" ;;
		esac ;;
	token)
		T=$N/var/lib/rancher/k3s/server/token
		case $1 in
		abs) rm -f "$T" && ln -s "$OUT/token" "$T" ;;
		rel) rm -f "$T" && ln -s "$UP${OUT#/}/token" "$T" ;;
		dir) rm -rf "$N/var/lib/rancher/k3s/server" &&
		     ln -s "$UP${OUT#/}/k3s/server" "$N/var/lib/rancher/k3s/server" ;;
		hard) rm -f "$T" && ln "$OUT/token" "$T" ;;
		esac ;;
	units)
		U=$N/etc/systemd/system
		case $1 in
		abs) rm -f "$U/k3s.service" "$U/k3s.service.env" &&
		     ln -s "$OUT/units/k3s.service" "$U/k3s.service" &&
		     ln -s "$OUT/units/k3s.service.env" "$U/k3s.service.env" &&
		     mkdir -p "$U" && ln -s "$OUT/units/k3s.service.d" "$U/k3s.service.d" ;;
		rel) rm -f "$U/k3s.service" "$U/k3s.service.env" &&
		     ln -s "$UP${OUT#/}/units/k3s.service" "$U/k3s.service" &&
		     ln -s "$UP${OUT#/}/units/k3s.service.env" "$U/k3s.service.env" &&
		     ln -s "$UP${OUT#/}/units/k3s.service.d" "$U/k3s.service.d" ;;
		dir) rm -rf "$U" && ln -s "$UP${OUT#/}/systemd-system" "$U" &&
		     rm -rf "$N/etc/rancher" && ln -s "$OUT/rancher" "$N/etc/rancher" ;;
		hard) rm -f "$U/k3s.service" "$U/k3s.service.env" "$N/etc/rancher/k3s/config.yaml" &&
		     ln "$OUT/units/k3s.service" "$U/k3s.service" &&
		     ln "$OUT/units/k3s.service.env" "$U/k3s.service.env" &&
		     ln "$OUT/rancher/config.yaml" "$N/etc/rancher/k3s/config.yaml" ;;
		esac ;;
	esac
}

K() { k3sguard --root "$N" "$@"; }

for walk in 0 1; do
	if [ $walk = 1 ]; then
		export K3SGUARD_GATE_WALK=1; how="walk"
	else
		unset K3SGUARD_GATE_WALK; how="openat2"
	fi
	for kind in abs rel dir hard; do
		test_expect_success "$how, $kind: secrets get/put/ls/history/rm, the store and key outside" '
			image '$kind' store &&
			run get K secrets get canary &&
			run get2 K secrets get server-token &&
			run hist K secrets history canary &&
			run ls K secrets ls &&
			run put sh -c "printf new-value | k3sguard --root \"$N\" secrets put canary" &&
			run put2 sh -c "printf new-value | k3sguard --root \"$N\" secrets put fresh" &&
			run rm K secrets rm canary &&
			no_canary out.* err.* && untouched
		'
		test_expect_success "$how, $kind: token store/verify/rotate, server/token outside" '
			image '$kind' token &&
			run store K token store &&
			run verify K token verify &&
			run rotate K token rotate --server https://127.0.0.1:1 &&
			run rotate2 K token rotate --dry-run --server https://127.0.0.1:1 &&
			no_canary out.* err.* && untouched
		'
		test_expect_success "$how, $kind: token store/verify with the store outside" '
			image '$kind' store &&
			run store K token store &&
			run verify K token verify &&
			no_canary out.* err.* && untouched
		'
		test_expect_success "$how, $kind: agent install-unit (dry run and real), unit dir outside" '
			image '$kind' units &&
			run dry K agent install-unit --dry-run --bin /usr/local/bin/k3sguard &&
			run real K agent install-unit --bin /usr/local/bin/k3sguard &&
			no_canary out.* err.* && untouched
		'
		for what in units token store; do
			test_expect_success "$how, $kind: fix --dry-run and fix, $what outside" '
				image '$kind' '$what' &&
				run dry K fix --dry-run &&
				run json K fix --dry-run --format json &&
				run real K fix &&
				run again K fix &&
				no_canary out.* err.* && untouched
			'
		done
	done
done

# The suite is worth something only if the images reach the canaries when
# followed: plain tools do, through the very links above.
test_expect_success 'the links of the images do lead to the canaries (cat follows them)' '
	unset K3SGUARD_GATE_WALK &&
	image abs token && grep -q "$C_PW" "$N/var/lib/rancher/k3s/server/token" &&
	image rel units && grep -q "$C_ENV" "$N/etc/systemd/system/k3s.service.env" &&
	image dir store && test -f "$N/var/lib/k3sguard/secrets/canary.sec" &&
	image hard token && test "$(stat -c %i "$N/var/lib/rancher/k3s/server/token")" = "$(stat -c %i "$OUT/token")"
'

test_expect_success 'hard links: fix says why it refuses, secrets get says why it refuses' '
	image hard token &&
	expect_code 2 K fix --dry-run >out 2>err &&
	grep -q "server/token. has 2 hard links; another name of it may be outside the node (refused)" err &&
	image hard units &&
	expect_code 2 K agent install-unit --dry-run >out 2>err && one_line err &&
	grep -q "k3s.service. has 2 hard links" err &&
	image hard store &&
	expect_code 2 K secrets get canary >out 2>err && one_line err && grep -q "hard links" err
'

test_done
