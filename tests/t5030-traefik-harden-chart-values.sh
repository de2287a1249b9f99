#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t5030: 'traefik harden' writes only keys the chart in use renders, for
# each chart generation K3s has bundled (10.x on 1.22-1.24, 21.x on 1.25 to
# 1.27.6/1.28.2, 25.x and 27.x after, then 34.x, 38.x, 39.x): its output is
# checked against that chart's values.yaml (keys exist, types match) and,
# from 34.x, validated against the chart's values.schema.json with
# python3-jsonschema.  Charts: tests/fixtures/traefik-charts/<version>/
# (traefik/traefik-helm-chart at tag v<version>, LICENSE beside them).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/traefik/root.sh"
cd "$TMP" || exit 1
M=var/lib/rancher/k3s/server/manifests
C=$TOP/tests/fixtures/traefik-charts

# chart_root DIR GEN K3S_CHART_VERSION [STATE]: GEN's root with the chart
# URL naming K3S_CHART_VERSION (as K3s's manifests/traefik.yaml does)
chart_root() {
	traefik_root "$1" "$2" "${4:-}" &&
	sed -i -E "s/traefik(-crd)?-[0-9][^/]*\.tgz/traefik\1-$3.tgz/" "$1/$M/traefik.yaml"
}
# check_values CHART DIR [BEFORE]: the HelmChartConfig in DIR against CHART
check_values() {
	python3 "$C/check-values.py" "$C/$1" "$2/$M/traefik.yaml" "$2/$M/traefik-config.yaml" ${3:+"$3"}
}

while read -r chart gen k3s; do
	for s in none insecure partial hardened; do
		st=$s; [ $s = none ] && st=
		test_expect_success "chart $chart ($k3s), $s: harden writes only keys the chart renders" '
			chart_root r '$gen' '$k3s' '"$st"' &&
			k3sguard --root r traefik harden >hout &&
			check_values '$chart' r '"${st:+$TOP/tests/fixtures/traefik/$gen/$st.yaml}"'
		'
	done
done <<-\EOF
	10.19.3 gen27 10.19.300
	21.2.0 gen27 21.2.1+up21.2.0
	34.2.0 gen34 34.2.1+up34.2.0
	25.0.0 gen27 25.0.3+up25.0.0
	27.0.2 gen27 27.0.201+up27.0.2
	38.0.2 gen34 38.0.201+up38.0.2
	39.0.3 gen39 39.0.201+up39.0.3
EOF

test_expect_success 'chart 21: redirectTo is the string, Middleware in traefik.containo.us' '
	chart_root r gen27 21.2.1+up21.2.0 && k3sguard --root r traefik harden >hout &&
	grep -q "set ports.web.redirectTo: websecure" hout &&
	grep -q "^        redirectTo: websecure$" r/$M/traefik-config.yaml &&
	grep -q "apiVersion: traefik.containo.us/v1alpha1" r/$M/traefik-config.yaml &&
	{ k3sguard --root r traefik audit >out || :; } &&
	test "$(status_of out traefik.https-redirect)" = pass
'

test_expect_success 'chart 21 with the object form of 25+: the install fails, redirect fails; harden fixes it' '
	chart_root r gen27 21.2.1+up21.2.0 hardened &&
	grep -q "port: websecure" r/$M/traefik-config.yaml &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.https-redirect)" = fail &&
	grep -q "ports.web.redirectTo (.*) is an object but chart 21.2.1+up21.2.0 takes the port.s name" out &&
	k3sguard --root r traefik harden >hout &&
	grep -q "removed ports.web.redirectTo (the object form of charts >= 25)" hout &&
	{ k3sguard --root r traefik audit >out || :; } &&
	test "$(status_of out traefik.https-redirect)" = pass
'

test_expect_success 'chart 27 with the string form of <= 24: redirect fails' '
	chart_root r gen27 27.0.201+up27.0.2 &&
	printf "%s\n" "---" "apiVersion: helm.cattle.io/v1" "kind: HelmChartConfig" \
	    "metadata: {name: traefik, namespace: kube-system}" "spec:" \
	    "  valuesContent: |-" "    ports:" "      web:" "        redirectTo: websecure" \
	    >r/$M/traefik-config.yaml &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.https-redirect)" = fail &&
	grep -q "is a string but chart 27.0.201+up27.0.2 takes an object" out
'

test_expect_success 'chart 10: no rate limit written (no extraObjects, no ports.websecure.middlewares)' '
	chart_root r gen27 10.19.300 && k3sguard --root r traefik harden >hout &&
	grep -q "not set: a rate limit (chart 10.19.300 renders no extraObjects" hout &&
	! grep -q extraObjects r/$M/traefik-config.yaml &&
	chart_root r gen27 10.19.300 hardened &&
	expect_code 1 k3sguard --root r traefik audit >out &&
	test "$(status_of out traefik.rate-limit)" = fail
'

test_expect_success 'the checker fails on a key of another generation and on a schema violation' '
	chart_root r gen27 21.2.1+up21.2.0 hardened &&
	! check_values 21.2.0 r >err && grep -q "redirectTo: object here, a scalar" err &&
	chart_root r gen39 39.0.201+up39.0.3 hardened &&
	sed -i "s/enabled: true/enabled: \"yes\"/" r/$M/traefik-config.yaml &&
	! check_values 39.0.3 r >err && grep -q "^schema: " err
'

test_expect_success 'every chart fixture has its LICENSE beside it' '
	for d in "$C"/*/; do grep -q "Apache License" "$d/LICENSE" || exit 1; done
'

test_done
