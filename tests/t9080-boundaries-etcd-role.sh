#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t9080: etcd.live-k3s-role at its boundary, against a real 3-member etcd
# (tests/etcd-cluster.sh, as t3040): after 'etcd rbac apply' the k3s role
# holds exactly /registry/ and /bootstrap/ as prefixes and compact_rev_key
# (K3s keeps its data there: shared/reference/k3s.md); one more permission
# that reaches one key further fails the check, and revoking it passes
# again (issue 19 "etcd role scope"): /registry as a prefix (it covers
# /registry-other and /registryX), /registry/ with a wider range end, from
# /registry/ to the end of the keyspace, compact_rev_key as a prefix,
# /bootstrap without its slash.  The grants are made by etcdctl, the
# reference client, so the range ends are etcd's own.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd-cluster.sh"
. "$(dirname "$0")/lib-audit.sh"
cd "$TMP" || exit 1

if ! etcd_cluster_start; then
	test_expect_success 'start a 3-member etcd cluster from our files' 'false'
	test_done
fi

R=$TMP/node
mkdir -p "$R/etc/rancher/k3s" "$R/etc/k3s-etcd" &&
cp "$ETCD_CA" "$R/etc/k3s-etcd/ca.crt" &&
cp "$ETCD_K3S_CERT" "$R/etc/k3s-etcd/client.crt" &&
cp "$ETCD_K3S_KEY" "$R/etc/k3s-etcd/client.key" &&
cat >"$R/etc/rancher/k3s/config.yaml" <<CFG
datastore-endpoint: "$ETCD_ENDPOINTS"
datastore-cafile: /etc/k3s-etcd/ca.crt
datastore-certfile: /etc/k3s-etcd/client.crt
datastore-keyfile: /etc/k3s-etcd/client.key
CFG

# role STATUS: audit --live (the tree is an image: its live checks probe the
# test's etcd only when asked), etcd strategy only, bounded in time, and compare
# (etcdctl_root is bounded by its own --dial-timeout and --command-timeout)
role() {
	with_timeout 60 k3sguard --root "$R" audit --live --strategy etcd --format json \
		>"$TMP/audit.json" 2>"$TMP/audit.err" || :
	_got=$(check_status etcd.live-k3s-role)
	[ "$_got" = "$1" ] || {
		echo "etcd.live-k3s-role: $_got, want $1: $(check_field etcd.live-k3s-role evidence)" >&2
		return 1
	}
}

# wider WHAT GRANT-ARGS... : granting it fails the check, revoking passes
wider() {
	_what=$1; shift
	etcdctl_root role grant-permission "$@" >/dev/null &&
	role fail &&
	check_field etcd.live-k3s-role evidence | grep -q "may do more than K3s needs" || {
		echo "granted $_what: not a failure" >&2
		return 1
	}
	# revoke takes the key and range, without the permission type
	_opt=
	case $1 in --prefix|--from-key) _opt=$1; shift ;; esac
	shift 2	# role name and permission type
	etcdctl_root role revoke-permission $_opt k3s "$@" >/dev/null &&
	role pass
}

test_expect_success 'etcd rbac apply: the k3s role is exactly what K3s needs (pass)' '
	with_timeout 60 k3sguard etcd rbac apply $ETCD_AS_ROOT >/dev/null &&
	role pass &&
	check_field etcd.live-k3s-role evidence | grep -q "3 permissions, all within"
'

test_expect_success 'the same ranges again with another type stay within (pass)' '
	etcdctl_root role grant-permission --prefix k3s read /registry/ >/dev/null &&
	role pass &&
	etcdctl_root role grant-permission --prefix k3s readwrite /registry/ >/dev/null &&
	role pass
'

test_expect_success '/registry as a prefix (no slash) fails' '
	wider "/registry prefix" --prefix k3s readwrite /registry
'

test_expect_success '/registry/ with a wider range end (/registry1) fails' '
	wider "/registry/../registry1" k3s readwrite /registry/ /registry1
'

test_expect_success '/registry/ to the end of the keyspace (--from-key) fails' '
	wider "/registry/ from-key" --from-key k3s read /registry/
'

test_expect_success 'compact_rev_key as a prefix fails' '
	wider "compact_rev_key prefix" --prefix k3s readwrite compact_rev_key
'

test_expect_success '/bootstrap as a prefix (no slash) fails' '
	wider "/bootstrap prefix" --prefix k3s readwrite /bootstrap
'

test_expect_success 'the whole keyspace fails' '
	wider "everything" --prefix k3s read ""
'

test_done
