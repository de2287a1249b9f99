#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t8020: the systemd units (systemd-analyze verify, and its offline security
# review) and the Debian package (make deb; lintian; installed with dpkg -i
# into this machine, run from the installed paths, removed: nothing left).
. "$(dirname "$0")/lib.sh"

for t in dpkg-deb lintian objdump; do
	has_cmd "$t" || { echo "missing '$t' (scripts/deps/reports.txt installs it)" >&2; exit 1; }
done
cd "$TMP" || exit 1
UNITS="k3sguard-audit.service k3sguard-audit.timer k3sguard-snapshot.service k3sguard-snapshot.timer k3sguard-manifests-watch.service"
VERSION=$("$K3SGUARD" --version | sed 's/^k3sguard //')
ARCH=$(dpkg --print-architecture)
DEB=$B/k3sguard_${VERSION}_$ARCH.deb

# systemd-analyze verify can run without systemd as PID 1; find out first
printf '[Service]\nType=oneshot\nExecStart=/bin/true\n' >probe.service
if ! has_cmd systemd-analyze; then
	verify_skip="systemd-analyze is not installed"
elif ! systemd-analyze verify --man=no ./probe.service >probe.out 2>&1; then
	verify_skip="systemd-analyze verify cannot run here: $(head -n1 probe.out)"
else
	verify_skip=
fi

# units UNIT...: the units with k3sguard at the built binary, into $TMP/units
if [ -n "$verify_skip" ]; then
	test_skip 'the units pass systemd-analyze verify' "$verify_skip"
else
	test_expect_success 'the units pass systemd-analyze verify (no warnings)' '
		mkdir -p units &&
		for u in $UNITS; do
			sed "s|/usr/bin/k3sguard|$K3SGUARD|g; s|/usr/local/bin/k3sguard|$K3SGUARD|g" \
				"$TOP/contrib/systemd/$u" >"units/$u" || exit 1
		done &&
		(cd units && systemd-analyze verify --man=no $UNITS) >verify.out 2>&1 &&
		cat verify.out && test ! -s verify.out
	'
	test_expect_success 'the services are sandboxed (systemd-analyze security: OK or better)' '
		for u in k3sguard-audit.service k3sguard-snapshot.service; do
			(cd units && systemd-analyze security --offline=yes "./$u") >sec.out 2>&1 || : &&
			grep -E "Overall exposure level for $u: [0-9.]+ (OK|SAFE)" sec.out || { tail -n 3 sec.out; exit 1; }
		done
	'
	test_expect_success 'the audit unit publishes atomically: temp file, then rename' '
		grep -qx "StandardOutput=truncate:/var/lib/prometheus/node-exporter/k3sguard.prom.tmp" \
			"$TOP/contrib/systemd/k3sguard-audit.service" &&
		grep -qx "ExecStartPost=/bin/mv -f /var/lib/prometheus/node-exporter/k3sguard.prom.tmp /var/lib/prometheus/node-exporter/k3sguard.prom" \
			"$TOP/contrib/systemd/k3sguard-audit.service" &&
		grep -qx "SuccessExitStatus=1 2" "$TOP/contrib/systemd/k3sguard-audit.service"
	'
fi

test_expect_success 'make deb builds a package with every artifact' '
	(cd "$TOP" && make -s B="$B" deb) >build.out 2>&1 || { cat build.out; exit 1; } &&
	test -f "$DEB" &&
	dpkg-deb --info "$DEB" >info &&
	grep -q "^ Package: k3sguard$" info &&
	grep -q "^ Depends: .*libc6" info && grep -q "^ Depends: .*libssl3" info &&
	dpkg-deb --contents "$DEB" | awk "{print \$6}" | sed "s|^\./|/|" >contents &&
	for f in /usr/bin/k3sguard /usr/share/man/man1/k3sguard.1.gz \
		/usr/share/bash-completion/completions/k3sguard /usr/share/k3sguard/advisories.json \
		/usr/share/zsh/vendor-completions/_k3sguard /usr/share/fish/vendor_completions.d/k3sguard.fish \
		/usr/share/k3sguard/channels.json /usr/share/k3sguard/prometheus/k3sguard-rules.yml \
		/usr/share/doc/k3sguard/copyright; do
		grep -qx "$f" contents || { echo "missing $f"; exit 1; }
	done &&
	for u in $UNITS; do grep -qx "/lib/systemd/system/$u" contents || exit 1; done &&
	dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./lib/systemd/system/k3sguard-manifests-watch.service |
		grep -q "^ExecStart=/usr/bin/k3sguard manifests watch"
'

test_expect_success 'the copyright file grants Apache-2.0 (DEP-5), like LICENSE' '
	dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./usr/share/doc/k3sguard/copyright >copyright &&
	grep -qx "License: Apache-2.0" copyright &&
	grep -q "/usr/share/common-licenses/Apache-2.0" copyright &&
	! grep -qi "no license" copyright &&
	grep -q "Apache License" "$TOP/LICENSE"
'

test_expect_success 'lintian: no errors' '
	lintian --fail-on error "$DEB" >lint.out 2>&1 || { cat lint.out; exit 1; } &&
	cat lint.out &&
	! grep -q "^E:" lint.out
'

if dpkg-query -W -f='${Status}' k3sguard 2>/dev/null | grep -q installed; then
	test_skip 'install, run and remove the package' 'a k3sguard package is already installed on this machine: not touching it'
	test_done
fi

# dpkg ARGS: dpkg, waiting (up to a minute) while another dpkg holds its lock
dpkg_wait() {
	for _ in $(seq 1 60); do
		dpkg "$@" >dpkg.out 2>&1 && return 0
		grep -q "lock" dpkg.out || { cat dpkg.out; return 1; }
		sleep 1
	done
	cat dpkg.out
	return 1
}
at_exit 'dpkg-query -W k3sguard >/dev/null 2>&1 && dpkg --purge k3sguard'

test_expect_success 'dpkg -i installs it; the installed binary runs' '
	dpkg_wait -i "$DEB" &&
	test "$(dpkg-query -W -f="\${Status}" k3sguard)" = "install ok installed" &&
	/usr/bin/k3sguard --version | grep -qx "k3sguard $VERSION" &&
	zcat /usr/share/man/man1/k3sguard.1.gz | groff -man -Tutf8 -ww -z
'

test_expect_success 'the installed binary audits the example nodes with the installed data' '
	D=$(node_root d default-server) && H=$(node_root h hardened-server) &&
	expect_code 1 /usr/bin/k3sguard --root "$D" audit --format json >d.json &&
	jq -r ".checks[] | select(.id == \"traefik.version\") | .evidence" d.json | grep -q "/usr/share/k3sguard/advisories.json" &&
	/usr/bin/k3sguard --root "$H" audit >h.txt &&
	grep -q "^summary: [0-9]* pass, 0 fail" h.txt &&
	/usr/bin/k3sguard --root "$H" audit --format prom | promtool check metrics
'

if [ -z "$verify_skip" ]; then
	test_expect_success 'the installed units pass systemd-analyze verify' '
		(cd /lib/systemd/system && systemd-analyze verify --man=no $UNITS) >v.out 2>&1 &&
		cat v.out && test ! -s v.out
	'
fi

test_expect_success 'the installed bash completion completes commands and options' '
	bash -c "
		source /usr/share/bash-completion/completions/k3sguard
		COMP_WORDS=(k3sguard et); COMP_CWORD=1; _k3sguard; echo \"\${COMPREPLY[*]}\"
		COMP_WORDS=(k3sguard etcd is); COMP_CWORD=2; _k3sguard; echo \"\${COMPREPLY[*]}\"
		COMP_WORDS=(k3sguard audit --format h); COMP_CWORD=3; _k3sguard; echo \"\${COMPREPLY[*]}\"
		COMP_WORDS=(k3sguard audit --fa); COMP_CWORD=2; _k3sguard; echo \"\${COMPREPLY[*]}\"
	" >comp &&
	cat comp &&
	test "$(sed -n 1p comp)" = etcd && test "$(sed -n 2p comp)" = isolate &&
	test "$(sed -n 3p comp)" = html && test "$(sed -n 4p comp)" = --fail-on
'

test_expect_success 'dpkg -r then --purge: nothing of the package is left' '
	grep -v "/$" contents >files &&
	dpkg_wait -r k3sguard &&
	dpkg_wait --purge k3sguard &&
	! dpkg-query -W k3sguard >/dev/null 2>&1 &&
	while read -r f; do
		test ! -e "$f" || { echo "left behind: $f"; exit 1; }
	done <files &&
	for d in /usr/share/k3sguard /usr/lib/k3sguard /usr/share/doc/k3sguard; do
		test ! -e "$d" || { echo "left behind: $d"; exit 1; }
	done
'

test_done
