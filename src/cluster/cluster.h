/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cluster.h: the cluster's applied state, read from K3s's datastore.
 *
 * What K3s has applied (HelmChartConfig, HelmChart and K3s's own Addon
 * objects) lives in the datastore, not in the manifests directory: a
 * HelmChartConfig applied with kubectl, Helm or a GitOps tool exists only
 * there, and each Addon records the sha256 of the manifest file K3s last
 * applied.  The kube-apiserver stores custom resources as JSON (CRDs have
 * no protobuf encoding), under /registry/<group>/<plural>/<ns>/<name>.
 *
 * Sources, by the node model's datastore decision (node.c find_datastore(),
 * the mirror of K3s's pkg/cluster/managed.go assignManagedDriver()):
 *  - sqlite (kine): <data-dir>/server/db/state.db, read-only (kine.c);
 *  - external etcd: the same keys with our etcd client, as K3s reaches it
 *    (datastore-endpoint and the datastore-* TLS files of the node);
 *  - embedded etcd, external SQL (mysql, postgres, nats), unknown: not
 *    read.  The state is then CLUSTER_UNKNOWN with the reason: never a
 *    pass on what the cluster holds.
 *
 * Invariants: nothing is written to the node (kine.c copies state.db and
 * its WAL through the gate into a private temp dir and opens the copy);
 * every object kept is the latest revision of its key and not deleted.
 */
#ifndef K3SGUARD_CLUSTER_H
#define K3SGUARD_CLUSTER_H

#include <stddef.h>

#include "core/buf.h"

struct node;

/* Key prefixes of the objects read (K3s's CRDs: helm.cattle.io, k3s.cattle.io). */
#define CLUSTER_HCC_PREFIX	"/registry/helm.cattle.io/helmchartconfigs/"
#define CLUSTER_HC_PREFIX	"/registry/helm.cattle.io/helmcharts/"
#define CLUSTER_ADDON_PREFIX	"/registry/k3s.cattle.io/addons/"
/* Traefik's Middleware CRD: traefik.io, and traefik.containo.us on charts up to 22 */
#define CLUSTER_MW_PREFIX	"/registry/traefik.io/middlewares/"
#define CLUSTER_MW_OLD_PREFIX	"/registry/traefik.containo.us/middlewares/"

/* At most this many objects and bytes per value (etcd's request limit is 1.5 MiB). */
#define CLUSTER_MAX_OBJECTS	20000
#define CLUSTER_MAX_VALUE	(2u << 20)

struct cobj {
	char *key;		/* "/registry/helm.cattle.io/helmchartconfigs/kube-system/traefik" */
	char *value;		/* the stored bytes, NUL-terminated (JSON) */
	size_t len;
	long long rev;		/* kine row id / etcd mod_revision */
};

enum cluster_kind {
	CLUSTER_NONE,		/* no applied state exists (sqlite: no state.db yet) */
	CLUSTER_READ,		/* objs holds what the datastore holds */
	CLUSTER_UNKNOWN		/* could not be read: why says why */
};

struct cluster_state {
	enum cluster_kind kind;
	char *source;		/* "kine '<state.db>'", "external etcd <endpoints>" (shown) */
	char *label;		/* prefix of an object's name in evidence */
	char *why;		/* NONE/UNKNOWN: one line */
	struct cobj *o;
	size_t n;
};

/*
 * Read the objects under the prefixes above for node n (a server).  Always
 * leaves cs valid (cluster_free it): a failure is CLUSTER_UNKNOWN with
 * why, never an error return; error() is not called for it.  The datastore
 * is read once per node (and data dir) in a process; cs is a copy.
 */
void cluster_load_node(const struct node *n, struct cluster_state *cs);
void cluster_free(struct cluster_state *cs);

/* The object at key, or NULL. */
const struct cobj *cluster_get(const struct cluster_state *cs, const char *key);
/* "<label><key>": how evidence names an object (static ring). */
const char *cluster_obj_name(const struct cluster_state *cs, const struct cobj *o);
/* One line for evidence: "applied state read from ..." or "... unknown: why". */
void cluster_describe(const struct cluster_state *cs, struct buf *out);

/* kine.c: the kine database at db (node path), objects under the prefixes. */
int kine_read(const char *db, const char *const *prefixes, size_t np,
    struct cluster_state *cs);
/* cluster-etcd.c: the same keys from external etcd as K3s reaches it. */
int cluster_etcd_read(const struct node *n, const char *const *prefixes, size_t np,
    struct cluster_state *cs);
/* Append one object (copies key and value); -1 after error() past the caps. */
int cluster_add(struct cluster_state *cs, const char *key, size_t klen,
    const void *val, size_t vlen, long long rev);

/*
 * An Addon's spec (pkg/apis/k3s.cattle.io/v1/types.go AddonSpec): source
 * (the manifest's path on the node) and checksum (hex sha256 of the file's
 * bytes when K3s applied it, pkg/deploy/controller.go checksum()).  0 when
 * the object is JSON with both strings (copies), -1 otherwise.
 */
int cluster_addon_spec(const struct cobj *o, char **source, char **checksum);

#endif
