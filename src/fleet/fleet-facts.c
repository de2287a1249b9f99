/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fleet-facts.c: what one node knows that only a comparison across nodes
 * can judge, as the "cluster" object of the node's JSON report
 * (docs/audit.schema.json).  `report merge` (fleet.c) reads it back.
 *
 *   node_name            --node-name, else /etc/hostname, else null
 *   datastore_endpoints  --datastore-endpoint split at commas, credentials
 *                        (user:password@, ?query) cut off; [] when unset
 *   datastore_ca_sha256  sha256 of --datastore-cafile (external), or of
 *                        server/tls/etcd/server-ca.crt (embedded etcd)
 *   datastore_cafile     --datastore-cafile (external), else null: tells "no
 *                        CA configured" from "CA file unreadable"
 *   cluster_ca_sha256    sha256 of server/tls/server-ca.crt: the hash a
 *                        secure token pins (K3s pkg/clientaccess/token.go,
 *                        hashCA: sha256 of the cacerts bytes)
 *   token_form, token_ca_hash  from server/token (servers) or --token
 *   traefik              disabled/packaged/absent/error, chart version,
 *                        sha256 of the merged Helm values, how many files
 *                        hold a HelmChartConfig "traefik"
 * A value that could not be read is null: never guessed.
 */
#include "core/k3sguard.h"
#include "checks/check.h"
#include "fleet/fleet.h"
#include "report/escape.h"
#include "token/token.h"
#include "traefik/traefik.h"
#include "traefik/traefik-yaml.h"

#include <jansson.h>

static json_t *
jchk(json_t *j)
{
	if (!j)
		fatal("out of memory");
	return j;
}

static void
jset(json_t *o, const char *k, json_t *v)
{
	if (json_object_set_new(o, k, jchk(v)) < 0)
		fatal("out of memory");
}

static json_t *
jstr(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *j;

	if (!s)
		return json_null();
	esc_add(&b, s, ESC_UTF8);
	j = jchk(json_string(b.s));
	buf_release(&b);
	return j;
}

/* sha256 of a node file, or NULL (not there, not a plain file, unreadable). */
static json_t *
file_sha256(const char *host_path)
{
	struct buf b = BUF_INIT, why = BUF_INIT;
	char hex[65];
	json_t *j = json_null();

	if (check_read(host_path, 1 << 20, &b, &why) == ST_PASS) {
		sha256_hex(b.s, b.len, hex);
		j = jstr(hex);
	}
	buf_release(&b);
	buf_release(&why);
	return j;
}

/* One endpoint without credentials: scheme://host[:port][/path]. */
static char *
endpoint_public(const char *e, size_t len)
{
	const char *sep = memmem(e, len, "://", 3), *host = sep ? sep + 3 : e;
	const char *end = e + len, *at, *q;
	struct buf b = BUF_INIT;

	q = memchr(host, '?', (size_t)(end - host));
	if (q)
		end = q;
	at = memrchr(host, '@', (size_t)(end - host));
	buf_add(&b, e, (size_t)(host - e));
	if (at)
		host = at + 1;
	buf_add(&b, host, (size_t)(end - host));
	return buf_detach(&b);
}

json_t *
fleet_endpoints_json(const char *v)
{
	json_t *a = jchk(json_array());

	for (const char *p = v; p && *p; ) {
		size_t len = strcspn(p, ",");

		while (len && isspace((unsigned char)*p))
			p++, len--;
		while (len && isspace((unsigned char)p[len - 1]))
			len--;
		if (len) {
			char *pub = endpoint_public(p, len);

			if (json_array_append_new(a, jstr(pub)) < 0)
				fatal("out of memory");
			free(pub);
		}
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	return a;
}

static char *
hostname_of(void)
{
	struct buf b = BUF_INIT, why = BUF_INIT;
	char *s = NULL;

	if (check_read("/etc/hostname", 256, &b, &why) == ST_PASS) {
		b.len = strcspn(b.s, "\r\n \t");
		if (b.len)
			s = xstrndup(b.s, b.len);
	}
	buf_release(&b);
	buf_release(&why);
	return s;
}

static void
token_facts(const struct node *n, json_t *o)
{
	struct buf raw = BUF_INIT, why = BUF_INIT;
	struct token_info t;
	const char *form = "absent", *opt = node_get(n, "token");
	enum status st = ST_FAIL;

	memset(&t, 0, sizeof(t));
	if (n->role != ROLE_AGENT) {
		quiet_errors++;
		st = check_read_token(node_data_path(n, "server/token"), &raw, &t, &why);
		quiet_errors--;
		if (st == ST_ERROR)
			form = "unreadable";
	}
	if (st != ST_PASS && opt && token_parse(opt, strlen(opt), &t) == 0)
		st = ST_PASS;
	if (st == ST_PASS)
		form = t.form == TOKEN_SECURE ? "secure" : "short";
	jset(o, "token_form", jstr(form));
	jset(o, "token_ca_hash", t.form == TOKEN_SECURE && st == ST_PASS ? jstr(t.ca_hash) :
	    json_null());
	buf_wipe(&raw);
	buf_release(&why);
}

static json_t *
traefik_facts(const struct node *n)
{
	const struct traefik *t = traefik_for_node(n);
	json_t *o = jchk(json_object());
	struct buf y = BUF_INIT;
	char hex[65];
	const char *state = t->error ? "error" : t->disabled ? "disabled" :
	    t->packaged ? "packaged" : "absent";

	jset(o, "state", jstr(state));
	jset(o, "chart_version", jstr(t->error ? NULL : t->chart_version));
	if (!t->error && t->packaged && !t->disabled && t->values &&
	    yaml_emit(&t->values, 1, &y) == 0) {
		sha256_hex(y.s, y.len, hex);
		jset(o, "values_sha256", jstr(hex));
	} else
		jset(o, "values_sha256", json_null());
	jset(o, "helmchartconfig_files", t->error ? json_null() :
	    json_integer((json_int_t)t->nhcc));
	buf_release(&y);
	return o;
}

json_t *
fleet_facts_json(const struct node *n)
{
	json_t *o = jchk(json_object());
	const char *name = node_get(n, "node-name"), *cafile = node_get(n, "datastore-cafile");
	char *host = name ? NULL : hostname_of();

	jset(o, "node_name", jstr(name ? name : host));
	free(host);
	jset(o, "datastore_endpoints", fleet_endpoints_json(node_get(n, "datastore-endpoint")));
	if (n->datastore == DS_EMBEDDED_ETCD)
		jset(o, "datastore_ca_sha256",
		    file_sha256(node_data_path(n, "server/tls/etcd/server-ca.crt")));
	else if (cafile)
		jset(o, "datastore_ca_sha256", file_sha256(cafile));
	else
		jset(o, "datastore_ca_sha256", json_null());
	jset(o, "datastore_cafile", jstr(n->datastore == DS_EMBEDDED_ETCD ? NULL : cafile));
	jset(o, "cluster_ca_sha256", n->role == ROLE_AGENT ? json_null() :
	    file_sha256(node_data_path(n, "server/tls/server-ca.crt")));
	token_facts(n, o);
	jset(o, "traefik", n->role == ROLE_AGENT ? json_null() : traefik_facts(n));
	return o;
}
