#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9510: 'traefik harden' at the edges the mutation run (make mutate,
# docs/testing.md) found untested: a values key of another chart
# generation is removed (the 39+ key on a 34-38 chart), the dashboard's
# entry points are exactly [websecure], an empty default cipher list gets
# the strong one, a root securityContext.runAsUser is replaced.  The chart
# keys follow the K3s-packaged charts (tests/fixtures/traefik/*/traefik.yaml,
# with their LICENSE).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fixtures/traefik/root.sh"
cd "$TMP" || exit 1
M=var/lib/rancher/k3s/server/manifests

# config DIR VALUES: the HelmChartConfig with VALUES (indented 4) as traefik-config.yaml
config() {
	{
		printf -- "---\napiVersion: helm.cattle.io/v1\nkind: HelmChartConfig\n"
		printf "metadata:\n  name: traefik\n  namespace: kube-system\n"
		printf "spec:\n  valuesContent: |-\n"
		printf "%s\n" "$2" | sed "s/^/    /"
	} >"$1/$M/traefik-config.yaml" && chmod 0600 "$1/$M/traefik-config.yaml"
}

# values DIR: the valuesContent of DIR's traefik-config.yaml, as YAML on stdout
values() {
	python3 -c '
import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d.get("kind") == "HelmChartConfig":
        print(yaml.safe_dump(yaml.safe_load(d["spec"]["valuesContent"]), sort_keys=True))' \
		"$1/$M/traefik-config.yaml"
}

test_expect_success 'chart 34-38 carrying the 39+ redirect key: it is removed' '
	traefik_root r gen34 &&
	config r "ports:
  web:
    http:
      redirections:
        entryPoint:
          to: web" &&
	k3sguard --root r traefik harden >hout &&
	grep -q "removed ports.web.http.redirections (the key of chart generation 39+)" hout &&
	values r >v.yaml &&
	python3 -c "
import yaml, sys
v = yaml.safe_load(open(\"v.yaml\"))
assert not (v[\"ports\"][\"web\"].get(\"http\") or {}).get(\"redirections\"), v
assert v[\"ports\"][\"web\"][\"redirections\"][\"entryPoint\"][\"to\"] == \"websecure\", v"
'

test_expect_success 'the dashboard on [websecure, web] is set to [websecure] only' '
	traefik_root r gen39 &&
	config r "ingressRoute:
  dashboard:
    enabled: true
    entryPoints:
      - websecure
      - web" &&
	k3sguard --root r traefik harden --dashboard basic-auth --htpasswd-secret dash-users >hout &&
	values r >v.yaml &&
	python3 -c "
import yaml
v = yaml.safe_load(open(\"v.yaml\"))
d = v[\"ingressRoute\"][\"dashboard\"]
assert d[\"entryPoints\"] == [\"websecure\"], d"
'

test_expect_success 'an empty default cipherSuites list gets the strong ciphers' '
	traefik_root r gen34 &&
	config r "tlsOptions:
  default:
    minVersion: VersionTLS12
    cipherSuites: []" &&
	k3sguard --root r traefik harden >hout &&
	values r >v.yaml &&
	python3 -c "
import yaml
v = yaml.safe_load(open(\"v.yaml\"))
cs = v[\"tlsOptions\"][\"default\"][\"cipherSuites\"]
assert cs and all(\"GCM\" in c or \"CHACHA20\" in c for c in cs), cs"
'

test_expect_success 'securityContext.runAsUser 0 is replaced by 65532; 1000 is kept' '
	traefik_root r gen39 &&
	config r "securityContext:
  runAsUser: 0" &&
	k3sguard --root r traefik harden >hout &&
	grep -q "set securityContext.runAsUser: 65532" hout &&
	traefik_root r gen39 &&
	config r "securityContext:
  runAsUser: 1000" &&
	k3sguard --root r traefik harden >hout &&
	! grep -q "securityContext.runAsUser" hout
'

test_done
