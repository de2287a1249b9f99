#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/etcd-snapshot.sh: `k3sguard etcd snapshot save` (streamed over native
# gRPC, AES-256-GCM chunks, sha256 trailer checked, sidecar written) against
# `etcdctl snapshot save` (plain file, no check), same member of a real
# 3-member TLS cluster filled with at least 64 MB (1 MB values), in one
# hyperfine run; prints the ratio.  Target: k3sguard <= 0.8x etcdctl.
# Not a test: `make bench`.
#   RUNS  hyperfine runs per command (default 10)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$top/$B ;; esac
K3SGUARD=$B/k3sguard
RUNS=${RUNS:-10}
export TOP=$top B K3SGUARD

for t in hyperfine etcd etcdctl python3; do
	command -v $t >/dev/null || { echo "bench/etcd-snapshot.sh: '$t' is missing (scripts/install-deps)" >&2; exit 2; }
done
[ -x "$K3SGUARD" ] || { echo "bench/etcd-snapshot.sh: build k3sguard first" >&2; exit 2; }

# the test helpers: a private $TMP, the cluster, teardown at exit
set +u
. "$top/tests/lib.sh"
. "$top/tests/etcd-cluster.sh"
set -u
etcd_cluster_start >/dev/null || { echo "bench/etcd-snapshot.sh: cluster did not start" >&2; exit 2; }

echo "filling the cluster with 68 x 1 MB values ..."
v=$TMP/value
head -c 750000 /dev/urandom | base64 -w0 >"$v"
for i in $(seq 1 68); do
	ETCDCTL_API=3 etcdctl --endpoints "$ETCD_EP1" --cacert "$ETCD_CA" --cert "$ETCD_ROOT_CERT" \
		--key "$ETCD_ROOT_KEY" put "/registry/bench/$i" <"$v" >/dev/null
done
R=$TMP/root
mkdir -p "$R"
SD=$TMP/snaps
"$K3SGUARD" --root "$R" etcd snapshot save --endpoints "$ETCD_EP1" --cacert "$ETCD_CA" \
	--cert "$ETCD_ROOT_CERT" --key "$ETCD_ROOT_KEY" --dir "$SD" --name warmup >/dev/null
size=$(python3 -c "import json; print(json.load(open('$SD/warmup.ksnap.json'))['size'])")
echo "snapshot size: $size bytes (member $ETCD_EP1)"
[ "$size" -ge $((64 * 1000 * 1000)) ] || { echo "bench: snapshot smaller than 64 MB" >&2; exit 2; }

hyperfine --runs "$RUNS" --warmup 1 --export-json "$TMP/h.json" \
	--prepare "rm -f $TMP/e.db $SD/b.ksnap $SD/b.ksnap.json" \
	-n etcdctl "ETCDCTL_API=3 etcdctl --endpoints $ETCD_EP1 --cacert $ETCD_CA --cert $ETCD_ROOT_CERT --key $ETCD_ROOT_KEY snapshot save $TMP/e.db" \
	-n k3sguard "$K3SGUARD --root $R etcd snapshot save --endpoints $ETCD_EP1 --cacert $ETCD_CA --cert $ETCD_ROOT_CERT --key $ETCD_ROOT_KEY --dir $SD --name b"
python3 - "$TMP/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
e, k = r["etcdctl"]["median"], r["k3sguard"]["median"]
print("etcdctl snapshot save: median %.3f s" % e)
print("k3sguard etcd snapshot save (encrypted, verified): median %.3f s" % k)
print("ratio k3sguard/etcdctl: %.2fx (target <= 0.80x) %s" % (k / e, "MET" if k / e <= 0.8 else "NOT MET"))
PY
