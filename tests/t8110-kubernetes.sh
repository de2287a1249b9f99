#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t8110: contrib/kubernetes, offline: every manifest validated against the
# Kubernetes OpenAPI schemas (kubernetes-models, installed from npm into the
# build dir by its lock file), the least-privilege rules checked field by
# field, and the very arguments of each manifest run against an example
# node laid out as the pod sees it (only the mounted paths, under /host);
# the Pushgateway variant's metrics pushed to a real Pushgateway.
. "$(dirname "$0")/lib.sh"

for t in node npm python3 jq; do
	has_cmd "$t" || { echo "missing '$t' (scripts/deps/fleet.txt installs it)" >&2; exit 1; }
done
K=$TOP/contrib/kubernetes
V=$B/k8s-validate
cd "$TMP" || exit 1

test_expect_success 'the validator installs from its lock file (npm ci)' '
	if ! cmp -s "$K/validate/package-lock.json" "$V/package-lock.json" || test ! -d "$V/node_modules"; then
		rm -rf "$V" && mkdir -p "$V" &&
		cp "$K/validate/package.json" "$K/validate/package-lock.json" "$V/" &&
		(cd "$V" && timeout 600 npm ci --no-audit --no-fund >npm.log 2>&1)
	fi &&
	cp "$K/validate/validate.mjs" "$V/"
'

# docs FILE OUT: the YAML documents of a manifest, NODE_NAME filled in, as a JSON array
docs() {
	sed "s/NODE_NAME/k3s-server-1/g" "$1" |
		python3 -c "import json,sys,yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin))))" >"$2"
}

test_expect_success 'every manifest is valid against the Kubernetes schemas' '
	for m in job daemonset job-pushgateway; do
		docs "$K/$m.yaml" "$m.json" &&
		node "$V/validate.mjs" "$m.json" >"$m.out" && grep -q ": valid$" "$m.out" ||
			{ cat "$m.out"; exit 1; }
	done
'

test_expect_success 'the validator rejects a wrong type and a missing field' '
	jq ".[0].spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = \"yes\"" job.json >bad1.json &&
	expect_code 1 node "$V/validate.mjs" bad1.json >bad1.out &&
	grep -q "readOnlyRootFilesystem must be boolean" bad1.out &&
	jq "del(.[0].spec.template.spec.containers[0].name)" job.json >bad2.json &&
	expect_code 1 node "$V/validate.mjs" bad2.json >bad2.out
'

test_expect_success 'least privilege, field by field' '
	python3 - job.json daemonset.json job-pushgateway.json <<-PY
	import json, re, sys
	for f in sys.argv[1:]:
	    for d in json.load(open(f)):
	        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", d["metadata"]["name"]), f
	        p = d["spec"]["template"]["spec"]
	        for k in ("hostPID", "hostNetwork", "hostIPC", "automountServiceAccountToken"):
	            assert p.get(k) is False, (f, k)
	        tol = {t["key"] for t in p["tolerations"]}
	        assert {"node-role.kubernetes.io/control-plane", "CriticalAddonsOnly"} <= tol, f
	        hostvols = {v["name"]: v["hostPath"]["path"] for v in p["volumes"] if "hostPath" in v}
	        assert hostvols, f
	        for c in p.get("initContainers", []) + p["containers"]:
	            sc = c["securityContext"]
	            assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False, (f, c["name"])
	            assert sc["capabilities"]["drop"] == ["ALL"], (f, c["name"])
	            assert set(sc["capabilities"].get("add", [])) <= {"DAC_READ_SEARCH"}, (f, c["name"])
	            assert sc.get("privileged", False) is False
	            assert sc["seccompProfile"]["type"] == "RuntimeDefault"
	            r = c["resources"]
	            assert r["requests"]["cpu"] and r["limits"]["memory"], (f, c["name"])
	            for m in c.get("volumeMounts", []):
	                if m["name"] in hostvols:
	                    assert m["readOnly"] is True, (f, m)
	                    assert m["mountPath"] == "/host" + hostvols[m["name"]], (f, m)
	            if "k3sguard" in c["image"]:
	                assert c["args"][:3] == ["--root", "/host", "audit"], (f, c["args"])
	                assert sc["capabilities"]["add"] == ["DAC_READ_SEARCH"]
	print("ok")
	PY
'

# host MANIFEST.json DIR: the example node as the pod sees it: only the mounted paths
host() {
	rm -rf "$2" && mkdir -p "$2" &&
	for p in $(jq -r ".[0].spec.template.spec.volumes[] | select(.hostPath) | .hostPath.path" "$1"); do
		if [ -e "$EX$p" ]; then
			mkdir -p "$2$(dirname "$p")" && cp -a "$EX$p" "$2$p"
		fi
	done
}
# args MANIFEST.json [CONTAINER]: the k3sguard container's args, one per line
args() { jq -r "[.[0].spec.template.spec | (.initContainers // [])[], .containers[]] | map(select(.image | test(\"k3sguard\")))[0].args[]" "$1"; }

EX=$(node_root ex hardened-server)
echo k3s-server-1 >"$EX/etc/hostname"

test_expect_success 'job.yaml: its args audit the mounted paths and print the JSON report' '
	host job.json h1 &&
	mapfile -t a < <(args job.json) &&
	a=("${a[@]/#\/host/$TMP/h1}") &&
	{ k3sguard "${a[@]}" >r1.json || test $? -eq 1; } &&
	jq -e ".node.role == \"server\" and .cluster.node_name == \"k3s-server-1\"" r1.json &&
	jq -e ".cluster.token_ca_hash != null and .cluster.traefik.state == \"packaged\"" r1.json &&
	test "$(jq "[.checks[] | select(.status == \"error\")] | length" r1.json)" -eq 0 &&
	k3sguard report merge --format json r1.json >m.json || test $? -eq 1
'

test_expect_success 'daemonset.yaml: the init container exits 0 with findings' '
	host daemonset.json h2 &&
	mapfile -t a < <(args daemonset.json) &&
	a=("${a[@]/#\/host/$TMP/h2}") &&
	k3sguard "${a[@]}" >r2.json &&
	test "$(jq "[.checks[] | select(.status == \"fail\")] | length" r2.json)" -gt 0
'

test_expect_success 'job-pushgateway.yaml: -o writes the metrics, a real Pushgateway takes them' '
	host job-pushgateway.json h3 && mkdir out &&
	mapfile -t a < <(args job-pushgateway.json) &&
	a=("${a[@]/#\/host/$TMP/h3}") && a=("${a[@]/#\/out/$TMP/out}") &&
	k3sguard "${a[@]}" &&
	{ ! has_cmd promtool || promtool check metrics <out/k3sguard.prom; } &&
	PG=$(command -v prometheus-pushgateway || true) &&
	if test -n "$PG"; then
		port=$((20000 + RANDOM % 20000)) &&
		{ timeout -k 5 300 "$PG" --web.listen-address=127.0.0.1:$port >pg.log 2>&1 & } &&
		at_exit "kill $!" &&
		for i in $(seq 50); do curl -fs "http://127.0.0.1:$port/-/ready" >/dev/null && break; sleep 0.1; done &&
		curl --fail --silent --show-error --data-binary "@out/k3sguard.prom" \
			"http://127.0.0.1:$port/metrics/job/k3sguard/instance/k3s-server-1" &&
		curl -fs "http://127.0.0.1:$port/metrics" >pg.txt &&
		grep -q "^k3sguard_check_status{.*instance=\"k3s-server-1\"" pg.txt
	else
		echo "prometheus-pushgateway missing (scripts/deps/fleet.txt)" >&2; exit 1
	fi
'

test_done
