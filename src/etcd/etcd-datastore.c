/*
 * etcd-datastore.c: `k3sguard etcd datastore-config`: the K3s drop-in that
 * points K3s at the external etcd with the k3s client identity.
 *
 * Writes /etc/rancher/k3s/config.yaml.d/50-k3sguard-datastore.yaml (under
 * --root), mode 0600, atomically, and nothing else.  Refuses http
 * endpoints, missing files, a key that does not match its certificate, a
 * key readable by others, and the root identity (K3s must run confined).
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "core/config.h"
#include "etcd/etcd-cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DROPIN "/etc/rancher/k3s/config.yaml.d/50-k3sguard-datastore.yaml"

enum { OPT_DRY_RUN = OPT_ETCD_SUB_FIRST };

static const char usage[] =
"usage: k3sguard etcd datastore-config --endpoints URLS --cacert FILE --cert K3S_CERT\n"
"                                      --key K3S_KEY [--dry-run]\n"
"  Write " DROPIN "\n"
"  (mode 0600) with datastore-endpoint (every member, https),\n"
"  datastore-cafile, datastore-certfile and datastore-keyfile.  File paths are\n"
"  paths on the node (mapped under --root for the checks).  Defaults:\n"
"  etcd.endpoints, etcd.cacert, etcd.k3s-cert, etcd.k3s-key in k3sguard's config.\n";

static int
yaml_safe(const char *what, const char *v)
{
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '"' || *p == '\\' || *p == 0x7f)
			return error("%s '%s' has a character that cannot go into "
			    "the drop-in", what, v);
	return 0;
}

static int
node_file(const char *what, const char *path)
{
	struct stat st;

	if (path[0] != '/')
		return error("%s '%s' must be an absolute path on the node", what, path);
	if (yaml_safe(what, path) < 0)
		return -1;
	if (stat(root_path(path), &st) < 0)
		return error_errno("%s '%s'", what, root_path(path));
	if (!S_ISREG(st.st_mode))
		return error("%s '%s' is not a regular file", what, root_path(path));
	return 0;
}

int
etcd_cmd_datastore_config(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		ETCD_CONN_LONG_OPTIONS,
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct etcd_conn o = { 0 };
	char *urls[ETCD_MAX_ENDPOINTS];
	struct buf y = BUF_INIT, old = BUF_INIT, path = BUF_INIT;
	char cert[PATH_MAX], key[PATH_MAX], cn[256];
	int n = 0, dry_run = 0, c, ret = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg) || etcd_conn_option(&o, c, optarg))
			continue;
		switch (c) {
		case OPT_DRY_RUN: dry_run = 1; break;
		case 'h': print_usage_exit(usage);
		default: bad_option(usage);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o.endpoints)
		o.endpoints = config_str("etcd.endpoints", NULL);
	if (!o.cacert)
		o.cacert = config_str("etcd.cacert", NULL);
	if (!o.cert)
		o.cert = config_str("etcd.k3s-cert", NULL);
	if (!o.key)
		o.key = config_str("etcd.k3s-key", NULL);
	if (!o.endpoints || !o.cacert || !o.cert || !o.key)
		usage_error("etcd datastore-config needs --endpoints, --cacert, --cert "
		    "and --key (the k3s identity)");
	if ((n = etcd_parse_endpoints(o.endpoints, urls, ETCD_MAX_ENDPOINTS)) < 0)
		return EXIT_ERROR;
	if (node_file("CA file", o.cacert) < 0 || node_file("certificate", o.cert) < 0 ||
	    node_file("key", o.key) < 0)
		goto done;
	snprintf(cert, sizeof(cert), "%s", root_path(o.cert));
	snprintf(key, sizeof(key), "%s", root_path(o.key));
	if (pki_check_pair(cert, key) < 0 || pki_cert_cn(cert, cn, sizeof(cn)) < 0)
		goto done;
	if (!strcmp(cn, "root")) {
		error("certificate '%s' is the root identity (CN=root): K3s must use "
		    "the confined k3s identity", o.cert);
		goto done;
	}
	if (strcmp(cn, "k3s"))
		warning("certificate '%s' has CN '%s': etcd will treat K3s as user "
		    "'%s', not 'k3s'", o.cert, cn, cn);

	buf_adds(&y, "# Written by k3sguard etcd datastore-config: K3s's datastore is\n"
	    "# the external etcd cluster, over https, as the etcd user k3s\n"
	    "# (client certificate CN=k3s, confined by etcd RBAC).\n"
	    "datastore-endpoint: \"");
	for (int i = 0; i < n; i++)
		buf_addf(&y, "%s%s", i ? "," : "", urls[i]);
	buf_addf(&y, "\"\ndatastore-cafile: \"%s\"\ndatastore-certfile: \"%s\"\n"
	    "datastore-keyfile: \"%s\"\n", o.cacert, o.cert, o.key);

	root_path_buf(&path, DROPIN);
	quiet_errors++;
	c = file_read(path.s, CONFIG_MAX, &old, NULL);
	quiet_errors--;
	if (c == 0 && old.len == y.len && !memcmp(old.s, y.s, y.len)) {
		printf("unchanged: %s\n", path.s);
		ret = EXIT_OK;
		goto done;
	}
	clear_error();
	if (dry_run) {
		printf("would write %s (mode 0600):\n%s", path.s, y.s);
		ret = EXIT_OK;
		goto done;
	}
	{
		char dir[PATH_MAX];
		char *slash;

		snprintf(dir, sizeof(dir), "%s", path.s);
		if ((slash = strrchr(dir, '/')))
			*slash = '\0';
		if (mkdir_p(dir, 0755) < 0)
			goto done;
	}
	if (file_write_atomic(path.s, y.s, y.len, 0600) < 0)
		goto done;
	printf("wrote %s: K3s uses %d etcd endpoints as user '%s'; restart K3s "
	    "to apply\n", path.s, n, cn);
	ret = EXIT_OK;
done:
	for (int i = 0; i < n; i++)
		free(urls[i]);
	buf_release(&y);
	buf_release(&old);
	buf_release(&path);
	return ret;
}
