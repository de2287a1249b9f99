/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options.h: the global options, one struct.  main.c fills it from argv
 * (the only place that parses them); libraries read it and never parse
 * argv.  The defaults live in options.c so a library links without main.
 */
#ifndef K3SGUARD_OPTIONS_H
#define K3SGUARD_OPTIONS_H

struct options {
	const char *root;		/* --root DIR: NULL, "" or "/" is this host */
	const char *k3s_bin;		/* --k3s-bin; NULL: the running unit's, else /usr/local/bin/k3s */
	const char *data_dir;		/* --data-dir override, NULL = from K3s's config */
	const char *config;		/* --config, k3sguard's own config file */
	const char *k3s_version;	/* --k3s-version V: the node's K3s version, given */
	/*
	 * --live (audit, traefik audit): under an image (--root DIR, DIR not /)
	 * the endpoints it names are probed (etcd, the cluster's applied state
	 * in external etcd).  0: an image is offline.  Set by the command.
	 */
	int live;
};

extern struct options gopt;

#endif
