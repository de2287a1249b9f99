/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cluster-etcd.c: the applied state from an external etcd, reached as K3s
 * reaches it: datastore-endpoint and the node's datastore-cafile,
 * -certfile and -keyfile (read through the gate into memory, never handed
 * to curl by path).  A linearizable Range per prefix: the latest revision
 * of each key; etcd keeps no deleted keys in a range.
 */
#include "core/k3sguard.h"
#include "cluster/cluster.h"
#include "core/gate.h"
#include "etcd/etcd.h"
#include "node/node.h"

static int
range_prefix(struct etcd_client *c, const char *prefix, struct cluster_state *cs)
{
	Etcdserverpb__RangeRequest rr = ETCDSERVERPB__RANGE_REQUEST__INIT;
	ProtobufCMessage *resp = NULL;
	struct buf end = BUF_INIT;
	int ret = -1;

	etcd_prefix_end(prefix, &end);
	rr.key.data = (uint8_t *)prefix;
	rr.key.len = strlen(prefix);
	rr.range_end.data = (uint8_t *)end.s;
	rr.range_end.len = end.len;
	rr.limit = CLUSTER_MAX_OBJECTS + 1;
	if (etcd_call(c, ETCD_KV_RANGE, &rr.base, &etcdserverpb__range_response__descriptor,
	    &resp) == 0 && resp) {
		Etcdserverpb__RangeResponse *r = (void *)resp;

		ret = 0;
		if (r->more)
			ret = error("more than %d objects under '%s'", CLUSTER_MAX_OBJECTS, prefix);
		for (size_t k = 0; ret == 0 && k < r->n_kvs; k++) {
			const Etcdserverpb__KeyValue *kv = r->kvs[k];

			ret = cluster_add(cs, (const char *)kv->key.data, kv->key.len,
			    kv->value.data ? (const void *)kv->value.data : "", kv->value.len,
			    (long long)kv->mod_revision);
		}
	}
	if (resp)
		protobuf_c_message_free_unpacked(resp, NULL);
	buf_release(&end);
	return ret;
}

int
cluster_etcd_read(const struct node *n, const char *const *prefixes, size_t np,
    struct cluster_state *cs)
{
	const char *ep = node_get(n, "datastore-endpoint");
	const char *ca = node_get(n, "datastore-cafile");
	const char *cert = node_get(n, "datastore-certfile");
	const char *key = node_get(n, "datastore-keyfile");
	struct etcd_tls t = { NULL, NULL, NULL, BUF_INIT, BUF_INIT, BUF_INIT };
	struct etcd_client c;
	char *urls[ETCD_MAX_ENDPOINTS];
	int k, ret = -1;

	memset(&c, 0, sizeof(c));
	if (!ep || !*ep)
		return error("no datastore-endpoint");
	/* the endpoint may hold a password (user:pass@): shown through node_describe_value */
	{
		struct buf shown = BUF_INIT;

		node_describe_value("datastore-endpoint", ep, &shown);
		cs->source = xasprintf("external etcd %s", shown.s);
		cs->label = xstrdup("cluster (external etcd) ");
		buf_release(&shown);
	}
	if (!gate_root_is_host() && !gopt.live)
		return error("offline image: the external etcd it names is not probed "
		    "(audit --live reads it)");
	if (!ca || !cert || !key)
		return error("cannot reach etcd as K3s does: %s not set", !ca ? "datastore-cafile" :
		    !cert ? "datastore-certfile" : "datastore-keyfile");
	if ((k = etcd_parse_endpoints(ep, urls, ETCD_MAX_ENDPOINTS)) < 0)
		return -1;
	if (etcd_tls_read_node(&t, ca, cert, key) == 0 &&
	    etcd_client_init_tls(&c, urls, (size_t)k, &t) == 0) {
		c.connect_timeout_ms = 2000;
		c.timeout_ms = 5000;
		ret = 0;
		for (size_t i = 0; i < np && ret == 0; i++)
			ret = range_prefix(&c, prefixes[i], cs);
		etcd_client_free(&c);
		if (ret == 0)
			cs->kind = CLUSTER_READ;
	}
	etcd_tls_free(&t);
	for (int i = 0; i < k; i++)
		free(urls[i]);
	return ret;
}
