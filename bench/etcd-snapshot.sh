#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/etcd-snapshot.sh: on a real 3-member TLS cluster holding about 95 MB
# (1 MB incompressible values), same member, one hyperfine run each:
#  1. save: `k3sguard etcd snapshot save` (native gRPC, AES-256-GCM chunks,
#     sha256 trailer checked, fsync, sidecar) against `etcdctl snapshot save`
#     and against the floor, the raw gRPC download of the same Snapshot stream
#     with curl --http2 (5-byte empty request, to a file).
#     Targets: k3sguard <= 1.10x raw and <= 0.80x etcdctl (medians).
#  2. verify: `k3sguard etcd snapshot verify` (decrypt, tags, trailer, bbolt)
#     against a plain `sha256sum` of etcdctl's file.  Target <= 1.0x.
#  3. restore: `k3sguard etcd snapshot restore` (verify, decrypt to a temp
#     file, then etcdctl restore --skip-hash-check: the trailer is checked
#     already) against `etcdctl snapshot restore` of the plain file, one
#     member.  Target <= 1.0x.
# Not a test: `make bench`.
#   RUNS  hyperfine runs per command (default 5)
#   MB    1 MB values to put (default 75: a snapshot of 90-100 MB, bbolt's
#         pages and free list included)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$top/$B ;; esac
K3SGUARD=$B/k3sguard
RUNS=${RUNS:-5}
MB=${MB:-75}
export TOP=$top B K3SGUARD

for t in hyperfine etcd etcdctl python3 curl sha256sum; do
	command -v $t >/dev/null || { echo "bench/etcd-snapshot.sh: '$t' is missing (scripts/install-deps)" >&2; exit 2; }
done
[ -x "$K3SGUARD" ] || { echo "bench/etcd-snapshot.sh: build k3sguard first" >&2; exit 2; }

# the test helpers: a private $TMP, the cluster, teardown at exit
set +u
. "$top/tests/lib.sh"
. "$top/tests/etcd-cluster.sh"
set -u
etcd_cluster_start >/dev/null || { echo "bench/etcd-snapshot.sh: cluster did not start" >&2; exit 2; }

echo "filling the cluster with $MB x 1 MB values ..."
v=$TMP/value
for i in $(seq 1 "$MB"); do
	head -c 750000 /dev/urandom | base64 -w0 >"$v"
	ETCDCTL_API=3 etcdctl --endpoints "$ETCD_EP1" --cacert "$ETCD_CA" --cert "$ETCD_ROOT_CERT" \
		--key "$ETCD_ROOT_KEY" put "/registry/bench/$i" <"$v" >/dev/null
done
R=$TMP/root
mkdir -p "$R"
SD=$TMP/snaps
CONN="--endpoints $ETCD_EP1 --cacert $ETCD_CA --cert $ETCD_ROOT_CERT --key $ETCD_ROOT_KEY"
"$K3SGUARD" --root "$R" etcd snapshot save $CONN --dir "$SD" --name warmup >/dev/null
size=$(python3 -c "import json; print(json.load(open('$SD/warmup.ksnap.json'))['size'])")
echo "snapshot size: $size bytes (member $ETCD_EP1), $(nproc) cores, $RUNS runs each"
[ "$size" -ge $((MB * 1000 * 1000)) ] || { echo "bench: snapshot smaller than $MB MB" >&2; exit 2; }

# the raw download: gRPC framing, an empty SnapshotRequest (5 zero bytes)
printf '\0\0\0\0\0' >"$TMP/req"
RAW="curl -sS --fail --http2 --cacert $ETCD_CA --cert $ETCD_ROOT_CERT --key $ETCD_ROOT_KEY \
-H content-type:application/grpc -H te:trailers --data-binary @$TMP/req \
-o $TMP/raw.bin https://${ETCD_EP1#https://}/etcdserverpb.Maintenance/Snapshot"
$RAW
raw=$(stat -c %s "$TMP/raw.bin")
[ "$raw" -ge "$size" ] || { echo "bench: the raw download got $raw bytes, less than $size" >&2; exit 2; }

hyperfine --runs "$RUNS" --warmup 1 --style basic --export-json "$TMP/save.json" \
	--prepare "rm -f $TMP/e.db $TMP/raw.bin $SD/b.ksnap $SD/b.ksnap.json" \
	-n raw "$RAW" \
	-n etcdctl "ETCDCTL_API=3 etcdctl $CONN snapshot save $TMP/e.db" \
	-n k3sguard "$K3SGUARD --root $R etcd snapshot save $CONN --dir $SD --name b"
[ -s "$TMP/e.db" ] || ETCDCTL_API=3 etcdctl $CONN snapshot save "$TMP/e.db" >/dev/null 2>&1
[ -s "$SD/b.ksnap" ] || "$K3SGUARD" --root "$R" etcd snapshot save $CONN --dir "$SD" --name b >/dev/null

hyperfine --runs "$RUNS" --warmup 1 --style basic --export-json "$TMP/verify.json" \
	-n sha256sum "sha256sum $TMP/e.db" \
	-n k3sguard "$K3SGUARD --root $R etcd snapshot verify $SD/b.ksnap"

hyperfine --runs "$RUNS" --warmup 1 --style basic --export-json "$TMP/restore.json" \
	--prepare "rm -rf $TMP/rk $TMP/re" \
	-n etcdctl "ETCDCTL_API=3 etcdctl snapshot restore $TMP/e.db --name e1 --initial-cluster e1=https://127.0.0.1:1 --initial-advertise-peer-urls https://127.0.0.1:1 --data-dir $TMP/re" \
	-n k3sguard "$K3SGUARD --root $R etcd snapshot restore $SD/b.ksnap --member e1=https://127.0.0.1:1 --data-dir-base $TMP/rk"

python3 - "$TMP" <<'PY'
import json, sys
def med(name):
    return {x["command"]: x["median"] for x in json.load(open("%s/%s.json" % (sys.argv[1], name)))["results"]}
def line(what, a, b, target):
    r = a / b
    print("%-36s %.2fx (target <= %.2fx) %s" % (what, r, target, "MET" if r <= target else "NOT MET"))
s, v, r = med("save"), med("verify"), med("restore")
print("medians (s):")
print("  save:    raw curl %.3f  etcdctl %.3f  k3sguard %.3f" % (s["raw"], s["etcdctl"], s["k3sguard"]))
print("  verify:  sha256sum %.3f  k3sguard %.3f" % (v["sha256sum"], v["k3sguard"]))
print("  restore: etcdctl %.3f  k3sguard %.3f" % (r["etcdctl"], r["k3sguard"]))
line("save k3sguard/raw download:", s["k3sguard"], s["raw"], 1.10)
line("save k3sguard/etcdctl:", s["k3sguard"], s["etcdctl"], 0.80)
line("verify k3sguard/sha256sum:", v["k3sguard"], v["sha256sum"], 1.00)
line("restore k3sguard/etcdctl:", r["k3sguard"], r["etcdctl"], 1.00)
PY
