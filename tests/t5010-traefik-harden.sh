#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t5010: 'traefik harden' per chart generation and state: the audit right
# after it passes every Traefik check, a second run changes nothing (same
# bytes), the user's other values stay, --dry-run changes nothing.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/traefik/root.sh"
cd "$TMP" || exit 1
M=var/lib/rancher/k3s/server/manifests

# every Traefik check passes, except those listed in $2 (space separated)
all_pass_but() {
	awk -v skip=" $2 " '$3 ~ /^traefik\./ && $1 != "pass" && index(skip, " " $3 " ") == 0 { bad = 1; print } END { exit bad }' "$1"
}

for g in gen27 gen34 gen39; do
	waf=--waf but=
	[ $g = gen27 ] && waf= but=traefik.waf	# Traefik v2 cannot run the Coraza WASM plugin
	for s in none insecure partial hardened; do
		st=$s; [ $s = none ] && st=
		test_expect_success "$g $s: harden, then audit passes${but:+ (but $but)}; harden again changes nothing" '
			traefik_root r '$g' '"$st"' &&
			k3sguard --root r traefik harden '$waf' >hout &&
			test "$(stat -c %a r/$M/traefik-config.yaml)" = 600 &&
			! ls r/$M | grep -q k3sguard- &&
			k3sguard --root r traefik audit >out '"${but:+|| true}"' &&
			all_pass_but out "'$but'" &&
			cp r/$M/traefik-config.yaml first.yaml &&
			k3sguard --root r traefik harden '$waf' >hout2 &&
			grep -q "already hardened .* nothing to change" hout2 &&
			cmp first.yaml r/$M/traefik-config.yaml
		'
	done
done

test_expect_success 'the keys written are those of the generation in use' '
	traefik_root r gen27 insecure && k3sguard --root r traefik harden >hout &&
	grep -q "removed ports.web.redirections (the key of chart generation 34-38)" hout &&
	grep -q "set ports.web.redirectTo.port: websecure" hout &&
	grep -q "removed .--api.insecure=true. from additionalArguments" hout &&
	grep -q "set hostNetwork: false" hout &&
	! grep -q "api.insecure: false" r/$M/traefik-config.yaml &&
	traefik_root r gen34 insecure && k3sguard --root r traefik harden >hout &&
	grep -q "removed ports.web.redirectTo (the key of chart generation 27.x)" hout &&
	grep -q "set ports.web.redirections.entryPoint.to: websecure" hout &&
	! grep -q "api.insecure" hout &&
	grep -q "removed TLS_RSA_WITH_AES_128_CBC_SHA" hout &&
	grep -q "set podSecurityContext.runAsUser: 65532" hout &&
	traefik_root r gen39 && k3sguard --root r traefik harden >hout &&
	grep -q "set ports.web.http.redirections.entryPoint.to: websecure" hout &&
	grep -q "added kube-system-ratelimit@kubernetescrd to ports.websecure.http.middlewares" hout
'

test_expect_success 'user values that do not conflict are kept' '
	traefik_root r gen27 partial && k3sguard --root r traefik harden >hout &&
	grep -q -- "--log.level=INFO" r/$M/traefik-config.yaml &&
	grep -q "format: json" r/$M/traefik-config.yaml &&
	traefik_root r gen39 partial && k3sguard --root r traefik harden >hout &&
	grep -q "average: 20" r/$M/traefik-config.yaml &&
	grep -q "burst: 40" r/$M/traefik-config.yaml
'

test_expect_success 'other documents in the file are kept' '
	traefik_root r gen34 partial &&
	printf -- "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep-me\n  namespace: default\ndata:\n  k: \"042\"\n" >>r/$M/traefik-config.yaml &&
	k3sguard --root r traefik harden >hout &&
	grep -q "name: keep-me" r/$M/traefik-config.yaml &&
	grep -q "k: \"042\"" r/$M/traefik-config.yaml
'

test_expect_success '--dry-run prints the file and changes nothing' '
	traefik_root r gen34 insecure &&
	sum=$(sha256sum r/$M/traefik-config.yaml) &&
	k3sguard --root r traefik harden --dry-run >dout &&
	test "$sum" = "$(sha256sum r/$M/traefik-config.yaml)" &&
	grep -q "^# would write /$M/traefik-config.yaml (mode 0600)" dout &&
	grep -q "^kind: HelmChartConfig" dout &&
	traefik_root r gen34 &&
	k3sguard --root r traefik harden --dry-run >dout &&
	test ! -e r/$M/traefik-config.yaml
'

test_expect_success 'options: basic-auth, rate, min TLS 1.3 (never lowered by default)' '
	traefik_root r gen39 &&
	k3sguard --root r traefik harden --dashboard basic-auth --htpasswd-secret dash-users \
		--rate 10/20 --min-tls 1.3 --waf >hout &&
	k3sguard --root r traefik audit >out &&
	grep -q "behind basicAuth middleware .dashboard-auth." out &&
	grep -q "average 10 per 1s, burst 20" out &&
	grep -q "minVersion VersionTLS13" out &&
	grep -q "secret: dash-users" r/$M/traefik-config.yaml &&
	k3sguard --root r traefik harden --dashboard basic-auth --htpasswd-secret dash-users --waf >hout &&
	grep -q "nothing to change" hout &&
	k3sguard --root r traefik harden --waf >hout &&
	grep -q "set ingressRoute.dashboard.enabled: false" hout &&
	grep -q "minVersion: VersionTLS13" r/$M/traefik-config.yaml
'

test_expect_success 'refusals: --waf on Traefik v2, two HelmChartConfigs, disabled Traefik' '
	traefik_root r gen27 &&
	expect_code 2 k3sguard --root r traefik harden --waf 2>err && one_line err &&
	grep -q "needs Traefik v3" err && test ! -e r/$M/traefik-config.yaml &&
	traefik_root r gen39 hardened && cp r/$M/traefik-config.yaml r/$M/zz.yaml &&
	expect_code 2 k3sguard --root r traefik harden 2>err && one_line err &&
	grep -q "defined in 2 files" err &&
	traefik_root r gen39 && touch r/$M/traefik.yaml.skip &&
	expect_code 2 k3sguard --root r traefik harden 2>err && grep -q "Traefik is disabled" err
'

test_expect_success 'a value from the node reaches the change list escaped, never raw' '
	traefik_root r gen34 insecure &&
	cat >>r/$M/traefik-config.yaml <<-\EOF &&
	    additionalArguments:
	      - "--api.insecure=true\nset everything: fine\e[2J"
	EOF
	for dry in --dry-run ""; do
		k3sguard --root r traefik harden $dry >hout &&
		! grep -q "$(printf "\033")" hout &&
		! grep -q "^ *#* *set everything" hout &&
		grep -q "removed .--api.insecure=true\\\\x0aset everything: fine\\\\x1b\[2J. from additionalArguments" hout ||
		return 1
	done
'

test_expect_success 'usage errors exit 64 and write nothing' '
	traefik_root r gen34 &&
	expect_code 64 k3sguard --root r traefik harden --dashboard basic-auth 2>err && one_line err &&
	expect_code 64 k3sguard --root r traefik harden --dashboard basic-auth --htpasswd-secret "Bad_Name" 2>err &&
	expect_code 64 k3sguard --root r traefik harden --htpasswd-secret x 2>err &&
	expect_code 64 k3sguard --root r traefik harden --rate 10 2>err &&
	expect_code 64 k3sguard --root r traefik harden --rate 0/5 2>err &&
	expect_code 64 k3sguard --root r traefik harden --min-tls 1.1 2>err &&
	expect_code 64 k3sguard --root r traefik harden --dashboard on 2>err &&
	test ! -e r/$M/traefik-config.yaml &&
	k3sguard traefik harden --help | grep -q "usage: k3sguard traefik harden"
'

test_done
