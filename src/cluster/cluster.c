/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cluster.c: which datastore holds the applied state (the node model's
 * decision), the objects read, and the Addon spec (see cluster.h).
 */
#include "core/k3sguard.h"
#include "cluster/cluster.h"
#include "node/node.h"

#include <jansson.h>

static const char *const prefixes[] = {
	CLUSTER_HCC_PREFIX, CLUSTER_HC_PREFIX, CLUSTER_ADDON_PREFIX, CLUSTER_MW_PREFIX,
	CLUSTER_MW_OLD_PREFIX
};

void
cluster_free(struct cluster_state *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		free(cs->o[i].key);
		free(cs->o[i].value);
	}
	free(cs->o);
	free(cs->source);
	free(cs->label);
	free(cs->why);
	memset(cs, 0, sizeof(*cs));
}

int
cluster_add(struct cluster_state *cs, const char *key, size_t klen, const void *val,
    size_t vlen, long long rev)
{
	struct cobj *o;

	if (cs->n >= CLUSTER_MAX_OBJECTS)
		return error("more than %d objects under the prefixes read", CLUSTER_MAX_OBJECTS);
	if (vlen > CLUSTER_MAX_VALUE)
		return error("the value of '%.*s' is larger than %u bytes", (int)klen, key,
		    CLUSTER_MAX_VALUE);
	cs->o = xrealloc(cs->o, (cs->n + 1) * sizeof(*cs->o));
	o = &cs->o[cs->n++];
	o->key = xstrndup(key, klen);
	o->value = xmalloc(vlen + 1);
	memcpy(o->value, val, vlen);
	o->value[vlen] = '\0';
	o->len = vlen;
	o->rev = rev;
	return 0;
}

const struct cobj *
cluster_get(const struct cluster_state *cs, const char *key)
{
	for (size_t i = 0; cs->kind == CLUSTER_READ && i < cs->n; i++)
		if (!strcmp(cs->o[i].key, key))
			return &cs->o[i];
	return NULL;
}

const char *
cluster_obj_name(const struct cluster_state *cs, const struct cobj *o)
{
	static struct buf ring[4];
	static unsigned next;
	struct buf *b = &ring[next++ % ARRAY_SIZE(ring)];

	buf_reset(b);
	buf_addf(b, "%s%s", cs->label ? cs->label : "", o->key);
	return b->s;
}

void
cluster_describe(const struct cluster_state *cs, struct buf *out)
{
	switch (cs->kind) {
	case CLUSTER_READ:
		buf_addf(out, "applied state read from %s (%zu objects)", cs->source, cs->n);
		break;
	case CLUSTER_NONE:
		buf_addf(out, "no applied state: %s", cs->why ? cs->why : "none");
		break;
	default:
		buf_addf(out, "the cluster's applied state is unknown: %s",
		    cs->why ? cs->why : "not read");
	}
}

static void
set_unknown(struct cluster_state *cs, const char *why)
{
	for (size_t i = 0; i < cs->n; i++) {
		free(cs->o[i].key);
		free(cs->o[i].value);
	}
	free(cs->o);
	cs->o = NULL;
	cs->n = 0;
	cs->kind = CLUSTER_UNKNOWN;
	free(cs->why);
	cs->why = xstrdup(why && *why ? why : "unknown error");
}

/*
 * The kine database of a SQLite node: no datastore-endpoint is K3s's
 * default <data-dir>/server/db/state.db (what update-kit backs up too);
 * "sqlite://<absolute path>[?params]" names another file.  A relative
 * sqlite path is not modelled: NULL, *why set.
 */
static char *
sqlite_db(const struct node *n, const char **why)
{
	const char *ep = node_get(n, "datastore-endpoint"), *rest;

	if (!ep || !*ep)
		return xstrdup(node_data_path(n, "server/db/state.db"));
	if (starts_with(ep, "sqlite://", &rest) && rest[0] == '/')
		return xstrndup(rest, strcspn(rest, "?"));
	*why = "a datastore-endpoint naming a relative SQLite path is not modelled";
	return NULL;
}

/* dst = a deep copy of src */
static void
cluster_copy(struct cluster_state *dst, const struct cluster_state *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->kind = src->kind;
	dst->source = src->source ? xstrdup(src->source) : NULL;
	dst->label = src->label ? xstrdup(src->label) : NULL;
	dst->why = src->why ? xstrdup(src->why) : NULL;
	for (size_t i = 0; i < src->n; i++)
		(void)cluster_add(dst, src->o[i].key, strlen(src->o[i].key), src->o[i].value,
		    src->o[i].len, src->o[i].rev);
}

static void
cluster_read_node(const struct node *n, struct cluster_state *cs)
{
	const char *why = NULL;
	char *db;
	int r = -1;

	memset(cs, 0, sizeof(*cs));
	cs->kind = CLUSTER_UNKNOWN;
	quiet_errors++;
	switch (n->datastore) {
	case DS_SQLITE:
		if (!(db = sqlite_db(n, &why)))
			break;
		cs->source = xasprintf("kine '%s'", root_path(db));
		cs->label = xasprintf("cluster (kine '%s') ", root_path(db));
		r = kine_read(db, prefixes, ARRAY_SIZE(prefixes), cs);
		free(db);
		break;
	case DS_EXTERNAL_ETCD:
		r = cluster_etcd_read(n, prefixes, ARRAY_SIZE(prefixes), cs);
		break;
	case DS_EMBEDDED_ETCD:
		why = "embedded etcd: its data is read only through the etcd K3s runs, not "
		    "from files";
		break;
	case DS_EXTERNAL_SQL:
		why = "an external SQL datastore (kine over mysql/postgres/nats) is not read";
		break;
	default:
		why = "the datastore K3s uses is unknown";
	}
	quiet_errors--;
	if (r < 0)
		set_unknown(cs, why ? why : last_error());
	clear_error();
}

/*
 * One read per node and process: the audit's Traefik and manifests checks
 * see the same state, and an etcd that does not answer costs its timeouts
 * once.
 */
void
cluster_load_node(const struct node *n, struct cluster_state *cs)
{
	static struct cluster_state cached;
	static const struct node *cached_node;
	static char *cached_dir;

	if (cached_node != n || !cached_dir || !n->data_dir || strcmp(cached_dir, n->data_dir)) {
		cluster_free(&cached);
		free(cached_dir);
		cluster_read_node(n, &cached);
		cached_node = n;
		cached_dir = xstrdup(n->data_dir ? n->data_dir : "");
	}
	cluster_copy(cs, &cached);
}

int
cluster_addon_spec(const struct cobj *o, char **source, char **checksum)
{
	json_error_t jerr;
	json_t *j = json_loadb(o->value, o->len, JSON_REJECT_DUPLICATES, &jerr);
	const char *src = NULL, *sum = NULL;
	int ret = -1;

	*source = *checksum = NULL;
	if (!j)
		return -1;
	if (json_unpack(j, "{s:{s?s,s?s}}", "spec", "source", &src, "checksum", &sum) == 0 &&
	    src && sum) {
		*source = xstrdup(src);
		*checksum = xstrdup(sum);
		ret = 0;
	}
	json_decref(j);
	return ret;
}
