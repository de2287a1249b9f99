/*
 * etcd-cli.h: what the `k3sguard etcd` sub-verbs share: their entry
 * points (the table is in src/cmd-etcd.c), the connection options
 * (--endpoints --cacert --cert --key), member specs, and the PKI layout.
 */
#ifndef K3SGUARD_ETCD_CLI_H
#define K3SGUARD_ETCD_CLI_H

#include <stddef.h>

#include "etcd/etcd.h"
#include "core/pki.h"

/* sub-verbs: argv[0] is the sub-verb's name */
int etcd_cmd_pki(int argc, char **argv);
int etcd_cmd_provision(int argc, char **argv);
int etcd_cmd_rbac(int argc, char **argv);
int etcd_cmd_health(int argc, char **argv);
int etcd_cmd_datastore_config(int argc, char **argv);

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

/* connection options, in a getopt table's order */
enum {
	OPT_ETCD_ENDPOINTS = 1100,
	OPT_ETCD_CACERT,
	OPT_ETCD_CERT,
	OPT_ETCD_KEY,
	OPT_ETCD_TIMEOUT,
	OPT_ETCD_SUB_FIRST	/* sub-verbs number their own from here */
};

#define ETCD_CONN_LONG_OPTIONS \
	{ "endpoints", required_argument, NULL, OPT_ETCD_ENDPOINTS }, \
	{ "cacert", required_argument, NULL, OPT_ETCD_CACERT }, \
	{ "cert", required_argument, NULL, OPT_ETCD_CERT }, \
	{ "key", required_argument, NULL, OPT_ETCD_KEY }, \
	{ "timeout", required_argument, NULL, OPT_ETCD_TIMEOUT }

#define ETCD_CONN_USAGE \
"connection (defaults: etcd.endpoints, etcd.cacert, etcd.cert, etcd.key in\n" \
"k3sguard's config):\n" \
"  --endpoints URLS   https://HOST:PORT[,...] (every member's client URL)\n" \
"  --cacert FILE      the CA that signed the members' certificates\n" \
"  --cert FILE        client certificate (its CN is the etcd user)\n" \
"  --key FILE         its private key (0600)\n" \
"  --timeout SECONDS  per call (default 5)\n"

struct etcd_conn {
	const char *endpoints, *cacert, *cert, *key;
	long timeout_ms;
};

/* 1 when c was a connection option (applied), 0 if not; exits 64 on a bad value. */
int etcd_conn_option(struct etcd_conn *o, int c, const char *arg);

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
enum out_format { FMT_TEXT, FMT_JSON };
int parse_format(const char *s, enum out_format *f);

#endif
