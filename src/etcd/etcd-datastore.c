/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-datastore.c: `k3sguard etcd datastore-config`: the K3s drop-in that
 * points K3s at the external etcd with the k3s client identity.
 *
 * Writes ETCD_DROPIN (a node path, through the gate), mode 0600,
 * atomically, and nothing else.  Refuses http endpoints, missing files, a
 * key that does not match its certificate, and the root identity (K3s
 * must run confined).  The CA, certificate and key are node paths too:
 * they are opened through the gate, inside the root.
 */
#include "core/k3sguard.h"
#include "core/config.h"
#include "core/gate.h"
#include "etcd/etcd-cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
yaml_safe(const char *what, const char *v)
{
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '"' || *p == '\\' || *p == 0x7f)
			return error("%s '%s' has a character that cannot go into "
			    "the drop-in", what, v);
	return 0;
}

/* The identity K3s will use: the files exist in the root, the pair matches; its CN into cn. */
static int
check_identity(const struct etcd_conn *o, char *cn, size_t cnlen)
{
	if (etcd_node_file_check("CA file", o->cacert) < 0 ||
	    yaml_safe("CA file", o->cacert) < 0 ||
	    etcd_node_file_check("certificate", o->cert) < 0 ||
	    yaml_safe("certificate", o->cert) < 0 ||
	    etcd_node_file_check("key", o->key) < 0 || yaml_safe("key", o->key) < 0)
		return -1;
	if (etcd_node_identity(o->cert, o->key, cn, cnlen) < 0)
		return -1;
	if (!strcmp(cn, "root"))
		return error("certificate '%s' is the root identity (CN=root): K3s must use "
		    "the confined k3s identity", o->cert);
	if (strcmp(cn, "k3s"))
		warning("certificate '%s' has CN '%s': etcd will treat K3s as user "
		    "'%s', not 'k3s'", o->cert, cn, cn);
	return 0;
}

static void
dropin_text(struct buf *y, const struct etcd_conn *o, char **urls, int n)
{
	buf_adds(y, "# Written by k3sguard etcd datastore-config: K3s's datastore is\n"
	    "# the external etcd cluster, over https, as the etcd user k3s\n"
	    "# (client certificate CN=k3s, confined by etcd RBAC).\n"
	    "datastore-endpoint: \"");
	for (int i = 0; i < n; i++)
		buf_addf(y, "%s%s", i ? "," : "", urls[i]);
	buf_addf(y, "\"\ndatastore-cafile: \"%s\"\ndatastore-certfile: \"%s\"\n"
	    "datastore-keyfile: \"%s\"\n", o->cacert, o->cert, o->key);
}

/* Write y as the drop-in unless it already says that; 0 or -1 after error(). */
static int
dropin_write(const struct buf *y, int dry_run, int *unchanged)
{
	struct buf old = BUF_INIT;
	char dir[sizeof(ETCD_DROPIN)];
	int c;

	quiet_errors++;
	c = gate_read(ETCD_DROPIN, CONFIG_MAX, &old, NULL);
	quiet_errors--;
	clear_error();
	*unchanged = c == 0 && old.len == y->len && !memcmp(old.s, y->s, y->len);
	buf_release(&old);
	if (*unchanged || dry_run)
		return 0;
	snprintf(dir, sizeof(dir), "%s", ETCD_DROPIN);
	*strrchr(dir, '/') = '\0';
	if (gate_mkdir_p(dir, 0755) < 0)
		return -1;
	return gate_write_atomic(ETCD_DROPIN, y->s, y->len, 0600);
}

int
etcd_datastore_config(const struct datastore_opts *o)
{
	char *urls[ETCD_MAX_ENDPOINTS];
	struct buf y = BUF_INIT;
	char cn[256];
	int n, unchanged = 0, ret = EXIT_ERROR;

	if ((n = etcd_parse_endpoints(o->conn.endpoints, urls, ETCD_MAX_ENDPOINTS)) < 0)
		return EXIT_ERROR;
	if (check_identity(&o->conn, cn, sizeof(cn)) < 0)
		goto done;
	dropin_text(&y, &o->conn, urls, n);
	if (dropin_write(&y, o->dry_run, &unchanged) < 0)
		goto done;
	if (unchanged)
		printf("unchanged: %s\n", root_path(ETCD_DROPIN));
	else if (o->dry_run)
		printf("would write %s (mode 0600):\n%s", root_path(ETCD_DROPIN), y.s);
	else
		printf("wrote %s: K3s uses %d etcd endpoints as user '%s'; restart K3s "
		    "to apply\n", root_path(ETCD_DROPIN), n, cn);
	ret = EXIT_OK;
done:
	for (int i = 0; i < n; i++)
		free(urls[i]);
	buf_release(&y);
	return ret;
}
