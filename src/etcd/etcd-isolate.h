/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-isolate.h: nftables isolation of etcd's ports, its status and a
 * probe (`k3sguard etcd isolate`, parsed in src/cmd/etcd-isolate.c).
 */
#ifndef K3SGUARD_ETCD_ISOLATE_H
#define K3SGUARD_ETCD_ISOLATE_H

enum isolate_mode { M_PRINT, M_APPLY, M_REMOVE, M_STATUS, M_PROBE };

struct isolate_opts {
	enum isolate_mode mode;
	int dry_run;
	int json;
	const char *clients, *peers, *probe, *nft, *from_json;	/* from_json: a local file */
	unsigned client_port, peer_port;
	int timeout_ms;
};

/* A port 1..65535 given to option opt; exits 64 on anything else. */
unsigned isolate_port_arg(const char *opt, const char *s);
/* Defaults: print mode, ports 2379/2380, 3 s probe timeout. */
void etcd_isolate_defaults(struct isolate_opts *o);
/* Do what o->mode says; an exit code. */
int etcd_isolate(const struct isolate_opts *o);

#endif
