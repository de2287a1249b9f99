/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-cli.h: what the etcd library's verbs share: the connection
 * (endpoints, CA, client identity; the options that fill it are parsed in
 * src/cmd/etcd-conn.c), member specs, and the PKI layout.
 */
#ifndef K3SGUARD_ETCD_CLI_H
#define K3SGUARD_ETCD_CLI_H

#include <stddef.h>
#include <time.h>

#include "core/format.h"
#include "etcd/etcd.h"
#include "core/pki.h"

/*
 * The PKI directory written by `etcd pki init`:
 *   DIR/ca.crt                       the CA certificate (public)
 *   DIR/private/ca.key               the CA key (0700 dir, 0600 file)
 *   DIR/members/NAME/server.{crt,key} client-facing certificate of a member
 *   DIR/members/NAME/peer.{crt,key}   peer certificate of a member
 *   DIR/clients/CN.{crt,key}          client identities (root, k3s)
 */
#define PKI_CA_CERT	"ca.crt"
#define PKI_CA_KEY	"private/ca.key"

/*
 * cacert, cert and key are local paths the user typed, except: with ca_node
 * cacert, with id_node cert and key, are node paths (a node's
 * datastore-cafile/certfile/keyfile), read through the gate and handed to
 * curl as blobs, never by path.
 */
struct etcd_conn {
	const char *endpoints, *cacert, *cert, *key;
	long timeout_ms;
	int ca_node, id_node;
};

/*
 * Fill the missing connection options from k3sguard's config, check the
 * files (the key must match the certificate), and set up the client.
 * need_cert: a client certificate is required.
 */
int etcd_connect(struct etcd_client *c, struct etcd_conn *o, int need_cert);

/* NAME=ADDR[,ADDR...] */
struct member_spec {
	char name[64];
	char *addrs[PKI_MAX_SANS];
	size_t naddrs;
	int client_port, peer_port;	/* provision: NAME=ADDR[:CLIENT:PEER] */
};

/* A member name etcd and a file name both accept. */
int valid_member_name(const char *s);
/* Parse NAME=ADDR[,ADDR...]; with_ports: NAME=ADDR[:CLIENT:PEER] (one address). */
int member_spec_parse(const char *s, int with_ports, struct member_spec *m);
void member_spec_free(struct member_spec *m);

/* "DIR/rel" into a static ring of buffers */
const char *pki_path(const char *dir, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* host:port part of a URL "https://host:port" written as a URL for addr:port */
void url_for(struct buf *out, const char *addr, int port);

/* The k3s role's permissions: readwrite on each key (prefix or single key). */
struct perm_want {
	const char *key;
	int prefix;
};
#define ETCD_K3S_NPERMS 3
extern const struct perm_want etcd_k3s_perms[ETCD_K3S_NPERMS];
void etcd_perm_range_end(const struct perm_want *p, struct buf *end);
int etcd_bytes_eq(const ProtobufCBinaryData *d, const char *s, size_t n);

/* 1 when p is one of the k3s role's permissions (same key and range end) */
int etcd_perm_is_k3s(const Etcdserverpb__Permission *p);

/* --format text|json */

/*
 * A PEM certificate in memory (shown: its name in messages): its CN into cn
 * (may be NULL; "" when none) and its validity (each may be NULL).  -1
 * after error().
 */
int etcd_pem_cert(const struct buf *pem, const char *shown, char *cn, size_t cnlen,
    time_t *not_before, time_t *not_after);

/* An absolute node path to a regular file (followed inside the root); -1 after error(). */
int etcd_node_file_check(const char *what, const char *path);
/*
 * The node files cert and key (read through the gate): the key is the
 * certificate's; its CN into cn.  -1 after error().
 */
int etcd_node_identity(const char *cert, const char *key, char *cn, size_t cnlen);

/* `etcd datastore-config`: the K3s drop-in for the external etcd. */
#define ETCD_DROPIN "/etc/rancher/k3s/config.yaml.d/50-k3sguard-datastore.yaml"
struct datastore_opts {
	struct etcd_conn conn;	/* all four set: endpoints, cacert, cert, key (node paths) */
	int dry_run;
};
int etcd_datastore_config(const struct datastore_opts *o);

/* `etcd health`: every member's state and the cluster's verdict; an exit code. */
struct health_opts {
	struct etcd_conn conn;
	enum out_format fmt;
};
int etcd_health(const struct health_opts *o);

/* `etcd pki init|issue|check` (etcd-pki.c); the PKI directories are local paths. */
#define PKI_MAX_MEMBERS 16
#define PKI_MAX_CLIENTS 16
struct pki_init_opts {
	const char *out;
	const struct member_spec *ms;	/* distinct names */
	size_t nms;
	const char *const *clients;	/* CNs; duplicates issued once */
	size_t ncl;
	int days, ca_days, localhost, start_script, dry_run;
};
int etcd_pki_init(const struct pki_init_opts *o);
struct pki_issue_opts {
	const char *dir;
	const struct member_spec *member;	/* exactly one of member and client */
	const char *client;
	int days, localhost, force, dry_run;
};
int etcd_pki_issue(const struct pki_issue_opts *o);
/* Exit 0 all pass, 1 something failed, 2 not a PKI directory. */
int etcd_pki_check(const char *dir, enum out_format fmt);

/* `etcd provision`: a bundle per member under out (local paths). */
struct provision_opts {
	const char *pki, *out;
	const char *cert_dir, *data_dir;	/* on the member; %n: its name */
	const char *user, *etcd_bin;
	const struct member_spec *ms;		/* with ports; distinct */
	size_t nms;
	int dry_run;
};
void etcd_provision_defaults(struct provision_opts *o);
int etcd_provision(const struct provision_opts *o);

/*
 * `etcd rbac apply|verify`: apply connects as root and makes what is
 * missing; verify probes as the k3s identity (conn.cert, conn.key).
 */
struct rbac_opts {
	struct etcd_conn conn;
	int dry_run;		/* apply */
};
int etcd_rbac_apply(const struct rbac_opts *o);
int etcd_rbac_verify(const struct rbac_opts *o);

#endif
