#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t5000: 'traefik audit' on each chart generation (27.x, 34-38, 39+) in the
# states insecure, partly hardened and hardened, plus the defaults; the
# evidence names the generation's keys; bad input gives one-line errors.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/traefik/root.sh"
cd "$TMP" || exit 1
M=var/lib/rancher/k3s/server/manifests

ALL="traefik.chart traefik.helmchartconfig traefik.dashboard traefik.insecure-api
traefik.https-redirect traefik.tls-min-version traefik.rate-limit traefik.access-log
traefik.host-network traefik.security-context traefik.version traefik.waf"

for g in gen27 gen34 gen39; do
	test_expect_success "$g hardened: every Traefik check passes, exit 0" '
		traefik_root r '$g' hardened &&
		k3sguard --root r traefik audit >out 2>err &&
		test ! -s err &&
		for id in $ALL; do
			test "$(status_of out $id)" = pass || { echo "$id: $(status_of out $id)"; exit 1; }
		done
	'
	test_expect_success "$g defaults: no HelmChartConfig, findings, exit 1" '
		traefik_root r '$g' &&
		expect_code 1 k3sguard --root r traefik audit >out &&
		test "$(status_of out traefik.helmchartconfig)" = fail &&
		test "$(status_of out traefik.https-redirect)" = fail &&
		test "$(status_of out traefik.tls-min-version)" = fail &&
		test "$(status_of out traefik.rate-limit)" = fail &&
		test "$(status_of out traefik.access-log)" = fail &&
		test "$(status_of out traefik.chart)" = pass
	'
	test_expect_success "$g insecure: the insecure settings fail" '
		traefik_root r '$g' insecure &&
		expect_code 1 k3sguard --root r traefik audit >out &&
		test "$(status_of out traefik.dashboard)" = fail &&
		test "$(status_of out traefik.https-redirect)" = fail &&
		test "$(status_of out traefik.tls-min-version)" = fail &&
		test "$(status_of out traefik.security-context)" = fail
	'
done

test_expect_success 'chart <= 33: default dashboard route on, redirect key of 34-38 ignored' '
	traefik_root r gen27 &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	grep -q "dashboard route enabled (chart default) on entry point traefik" out &&
	traefik_root r gen27 insecure &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	grep -q "ports.web.redirections.entryPoint (/$M/traefik-config.yaml:20) is the key of chart generation 34-38 and chart 27.0.201+up27.0.2 ignores it; use ports.web.redirectTo.port" out &&
	grep -q "additionalArguments has .--api.insecure=true. (/$M/traefik-config.yaml:14)" out &&
	test "$(status_of out traefik.insecure-api)" = fail &&
	test "$(status_of out traefik.host-network)" = fail &&
	grep -q "tlsOptions.default.minVersion is VersionTLS10" out
'

test_expect_success 'chart 34-38: api.insecure ignored (no such value before 39.0.1), 27.x key, undefined middleware, non-boolean, root' '
	traefik_root r gen34 insecure &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.insecure-api)" = pass &&
	grep -q "note: api.insecure at /$M/traefik-config.yaml:14 is ignored by chart 38.0.201+up38.0.2" out &&
	grep -q "ports.web.redirectTo (/$M/traefik-config.yaml:18) is the key of chart generation 27.x" out &&
	grep -q "kube-system-nosuch@kubernetescrd.*not defined in the manifests" out &&
	grep -q "logs.access.enabled is not a boolean" out &&
	grep -q "TLS_RSA_WITH_AES_128_CBC_SHA" out &&
	grep -q "dashboard route enabled .* on entry point websecure without an auth middleware: reachable through the exposed service" out
'

test_expect_success 'chart 39+: 34-38 redirect key ignored, exposed traefik port, weak named TLS option' '
	traefik_root r gen39 insecure &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	grep -q "ports.web.redirections.entryPoint .* is the key of chart generation 34-38 and chart 39.0.201+up39.0.3 ignores it; use ports.web.http.redirections.entryPoint" out &&
	grep -q "entry point traefik without an auth middleware: reachable through the exposed service" out &&
	grep -q "tlsOptions.legacy.minVersion is VersionTLS11" out &&
	grep -q "securityContext.privileged is true" out
'

test_expect_success 'partly hardened: the done parts pass, the rest fails' '
	traefik_root r gen27 partial &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.https-redirect)" = pass &&
	test "$(status_of out traefik.access-log)" = pass &&
	test "$(status_of out traefik.dashboard)" = pass &&
	test "$(status_of out traefik.tls-min-version)" = fail &&
	test "$(status_of out traefik.rate-limit)" = fail &&
	traefik_root r gen34 partial &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.https-redirect)" = pass &&
	test "$(status_of out traefik.tls-min-version)" = pass &&
	test "$(status_of out traefik.rate-limit)" = fail &&
	traefik_root r gen39 partial &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.https-redirect)" = pass &&
	test "$(status_of out traefik.rate-limit)" = pass &&
	grep -q "average 20 per 1s, burst 40" out &&
	test "$(status_of out traefik.waf)" = fail
'

test_expect_success 'basic-auth dashboard resolves to its Middleware' '
	traefik_root r gen34 hardened &&
	k3sguard --root r traefik audit >out &&
	grep -q "dashboard route on entry point websecure behind basicAuth middleware .dashboard-auth." out
'

test_expect_success 'Traefik version against the advisory data file' '
	traefik_root r old27 &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.version)" = fail &&
	grep -q "Traefik v2.11.10 .* affected by CVE-2025-32431 (medium), CVE-2025-47952 (medium), CVE-2025-66490 (high)" out &&
	! grep -q "CVE-2024-45410" out &&
	! grep -q "CVE-2025-54386" out &&
	traefik_root r old34 &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	grep -q "Traefik v3.3.2 .* affected by CVE-2025-32431 (medium), CVE-2025-47952 (medium), CVE-2025-66490 (high)" out
'

test_expect_success 'a refreshed advisory file is used as data (--advisories)' '
	traefik_root r gen39 hardened &&
	cat >adv.json <<-\JSON &&
	{"schema": 1, "updated": "2027-01-01", "k3s": [],
	 "traefik": [{"id": "CVE-2027-0001", "severity": "critical", "fixed": ["v3.6.10"]}]}
	JSON
	expect_code 1 k3sguard --root r traefik audit --advisories adv.json >out &&
	grep -q "affected by CVE-2027-0001 (critical)" out &&
	printf "{\"schema\": 1, \"k3s\": [], \"traefik\": [{\"id\": \"x\", \"fixed\": [\"banana\"]}]}" >bad.json &&
	expect_code 2 k3sguard --root r traefik audit --advisories bad.json >out &&
	test "$(status_of out traefik.version)" = error &&
	grep -q "bad.json.: x fixed\[0\] is not a version" out
'

test_expect_success 'disabled Traefik: checks skip with the reason, exit 0' '
	traefik_root r gen34 &&
	mkdir -p r/etc/rancher/k3s &&
	printf "disable:\n  - servicelb\n  - traefik\n" >r/etc/rancher/k3s/config.yaml &&
	k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.chart)" = pass &&
	test "$(status_of out traefik.dashboard)" = skip &&
	grep -q "Traefik is disabled (disable: traefik at /etc/rancher/k3s/config.yaml:3)" out
'

test_expect_success 'traefik.yaml.skip disables it as K3s does' '
	traefik_root r gen34 &&
	touch r/$M/traefik.yaml.skip &&
	k3sguard --root r traefik audit >out &&
	grep -q "Traefik is disabled (a .traefik.yaml.skip. exists below the manifests dir)" out
'

test_expect_success 'two HelmChartConfigs named traefik: warn, they overwrite each other' '
	traefik_root r gen39 hardened &&
	mkdir r/$M/extra && cp r/$M/traefik-config.yaml r/$M/extra/more.yml &&
	expect_code 0 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.helmchartconfig)" = warn &&
	grep -q "2 files define HelmChartConfig .traefik." out
'

test_expect_success 'malformed valuesContent: error naming the file and line, exit 2' '
	traefik_root r gen34 &&
	printf "apiVersion: helm.cattle.io/v1\nkind: HelmChartConfig\nmetadata:\n  name: traefik\n  namespace: kube-system\nspec:\n  valuesContent: |-\n    ports:\n      web: [oops\n" >r/$M/traefik-config.yaml &&
	expect_code 2 k3sguard --root r traefik audit >out 2>err &&
	one_line err &&
	grep -q "traefik-config.yaml (valuesContent at line 7).* line [0-9]*: invalid YAML" err &&
	test "$(status_of out traefik.dashboard)" = error
'

test_expect_success 'malformed manifest YAML: error naming file and line, exit 2' '
	traefik_root r gen27 &&
	printf "a: b\n  c: [d\n" >r/$M/broken.yaml &&
	expect_code 2 k3sguard --root r traefik audit >out 2>err &&
	one_line err && grep -q "broken.yaml. line 2" err
'

test_expect_success 'unknown chart version: error, never a pass' '
	traefik_root r gen27 &&
	sed -i "s|traefik-27.0.201+up27.0.2.tgz|traefik-latest.tgz|" r/$M/traefik.yaml &&
	expect_code 2 k3sguard --root r traefik audit >out 2>err &&
	one_line err && grep -q "traefik.yaml. line 10: cannot tell the Traefik chart version" err &&
	! grep -q "^pass" out
'

# K3s reads an applied name through its link (t5020); the gate resolves it
# inside the root, so a link to this host's /etc/passwd names the image's
test_expect_success 'a symlinked manifest is read inside the root only (error when absent there), oversized file too' '
	traefik_root r gen27 &&
	ln -s /etc/passwd r/$M/link.yaml &&
	expect_code 2 k3sguard --root r traefik audit >out 2>err &&
	one_line err && grep -q "link.yaml. (a symlink to ./etc/passwd., resolved inside the root): No such file" err &&
	printf "\033[31m" >esc && ln -sfn "/etc/$(cat esc)red" r/$M/link.yaml &&
	expect_code 2 k3sguard --root r traefik audit >out 2>err &&
	one_line err && ! grep -q "$(cat esc)" err &&
	rm r/$M/link.yaml &&
	head -c 2000000 /dev/zero | tr "\0" "#" >r/$M/big.yaml &&
	expect_code 2 k3sguard --root r traefik audit >out 2>err &&
	one_line err && grep -q "big.yaml. is larger than" err
'

test_expect_success 'no traefik.yaml and not disabled: error' '
	traefik_root r gen27 && rm r/$M/traefik.yaml &&
	expect_code 2 k3sguard --root r traefik audit >out 2>err &&
	grep -q "no HelmChart .traefik. in kube-system" err
'

test_expect_success 'json output: same ids, valid JSON, summary adds up' '
	traefik_root r gen34 insecure &&
	expect_code 1 k3sguard --root r traefik audit --format json >out.json &&
	jq -e ".tool == \"k3sguard\" and .traefik.generation == \"34-38\" and .traefik.chart_version == \"38.0.201+up38.0.2\"" out.json &&
	jq -e "[.checks[].id] | length == 12" out.json &&
	jq -e "[.checks[] | select(.strategy != \"traefik\")] | length == 0" out.json &&
	jq -e "(.summary | .pass + .fail + .warn + .skip + .error) == 12" out.json &&
	jq -e ".checks[] | select(.id == \"traefik.insecure-api\") | .status == \"pass\" and .severity == \"high\"" out.json &&
	jq -e ".checks[] | select(.id == \"traefik.https-redirect\") | .status == \"fail\" and .severity == \"medium\"" out.json
'

test_expect_success 'a value from the node cannot forge a report line nor reach the terminal raw' '
	traefik_root r gen34 insecure &&
	cat >>r/$M/traefik-config.yaml <<-\EOF &&
	    additionalArguments:
	      - "--api.insecure=true\npass  high     traefik.forged             forged\e[2J"
	EOF
	expect_code 1 k3sguard --root r traefik audit >out &&
	expect_code 1 k3sguard --root r audit --strategy traefik >out2 &&
	! grep -qi "^ *pass .*traefik\.forged" out out2 &&
	! grep -q "$(printf "\033")" out out2 &&
	grep "traefik.insecure-api" -A1 out | grep -q "true\\\\x0apass .*forged\\\\x1b\[2J" &&
	expect_code 1 k3sguard --root r traefik audit --format json >out.json &&
	jq -e ".checks[] | select(.id == \"traefik.insecure-api\") | .evidence | test(\"\\\\\\\\x1b\")" out.json
'

test_expect_success 'usage errors exit 64' '
	expect_code 64 k3sguard traefik audit --format xml 2>err && one_line err &&
	expect_code 64 k3sguard traefik audit extra 2>err &&
	expect_code 64 k3sguard traefik frob 2>err &&
	k3sguard traefik audit --help | grep -q "usage: k3sguard traefik audit"
'

test_done
