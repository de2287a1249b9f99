#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9040: 'traefik harden' on chart 39+ input that still carries the keys of
# chart generation 34-38 (issue 19): ports.web.redirections (39 renders
# ports.web.http.redirections) and ports.websecure.middlewares (39:
# ports.websecure.http.middlewares).  A node upgraded from K3s with chart
# 38 to chart 39 keeps its old HelmChartConfig.  The audit must not count
# the old keys; harden must move them, and its output must hold only keys
# chart 39.0.3 renders (its values.yaml and values.schema.json, checked by
# tests/fixtures/traefik-charts/check-values.py as t5030 does).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/traefik/root.sh"
cd "$TMP" || exit 1
M=var/lib/rancher/k3s/server/manifests
C=$TOP/tests/fixtures/traefik-charts

# root DIR GEN CHART CONFIG_GEN: GEN's traefik.yaml with the chart URL of
# CHART, and CONFIG_GEN's hardened HelmChartConfig
root() {
	traefik_root "$1" "$2" &&
	sed -i -E "s/traefik(-crd)?-[0-9][^/]*\.tgz/traefik\1-$3.tgz/" "$1/$M/traefik.yaml" &&
	cp "$TOP/tests/fixtures/traefik/$4/hardened.yaml" "$1/$M/traefik-config.yaml" &&
	chmod 0600 "$1/$M/traefik-config.yaml"
}
audit_of() {	# DIR ID: the status of one traefik check
	{ k3sguard --root "$1" traefik audit >"$TMP/ta.out" 2>&1 || :; } &&
	status_of "$TMP/ta.out" "$2"
}

test_expect_success 'chart 39 with the 34-38 keys: redirect and rate limit are not counted' '
	root r gen39 39.0.201+up39.0.3 gen34 &&
	grep -q "^        redirections:" r/$M/traefik-config.yaml &&
	test "$(audit_of r traefik.https-redirect)" = fail &&
	test "$(audit_of r traefik.rate-limit)" = fail
'

test_expect_success 'harden moves them to the chart 39 keys; the output fits chart 39.0.3' '
	root r gen39 39.0.201+up39.0.3 gen34 &&
	k3sguard --root r traefik harden >hout &&
	grep -q "removed ports.web.redirections (the key of chart generation 34-38)" hout &&
	grep -q "set ports.web.http.redirections.entryPoint.to: websecure" hout &&
	python3 "$C/check-values.py" "$C/39.0.3" r/$M/traefik.yaml r/$M/traefik-config.yaml &&
	python3 - r/$M/traefik-config.yaml <<-\PY
	import sys, yaml
	docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
	hcc = [d for d in docs if d.get("kind") == "HelmChartConfig"][0]
	v = yaml.safe_load(hcc["spec"]["valuesContent"])
	web, ws = v["ports"]["web"], v["ports"]["websecure"]
	assert "redirections" not in web, web
	assert web["http"]["redirections"]["entryPoint"]["to"] == "websecure", web
	assert "middlewares" not in ws, ws
	mw = ws["http"]["middlewares"]
	# the middlewares set before move with it, none lost, none twice
	assert "kube-system-waf@kubernetescrd" in mw, mw
	assert mw.count("kube-system-ratelimit@kubernetescrd") == 1, mw
	PY
'

test_expect_success 'after harden the audit passes redirect and rate limit; harden again changes nothing' '
	test "$(audit_of r traefik.https-redirect)" = pass &&
	test "$(audit_of r traefik.rate-limit)" = pass &&
	cp r/$M/traefik-config.yaml before.yaml &&
	k3sguard --root r traefik harden >hout2 &&
	cmp before.yaml r/$M/traefik-config.yaml
'

test_done
