/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd.h: a client for etcd's native gRPC API (v3), over libcurl's HTTP/2
 * with mutual TLS, messages from proto/etcd.proto (protobuf-c).
 *
 * Identity is the client certificate: with auth enabled, etcd maps its CN
 * to the etcd user (CN=root, CN=k3s).  No passwords, no tokens.
 *
 * Invariants:
 *  - only https:// endpoints; the server certificate MUST verify against
 *    the given CA file alone (not the system store) and match the host;
 *  - every call has a deadline: unary calls send grpc-timeout and set curl's
 *    connect and total timeouts; streams set a connect timeout and a
 *    low-speed limit (a stalled member is abandoned, a slow big one is not);
 *  - HTTP/2 is verified on every response (curl silently falls back to
 *    HTTP/1.1 when ALPN fails, and etcd then answers 404 text/plain);
 *  - the outcome is grpc-status from the trailers (or a trailers-only
 *    response); a response without it is truncated, whatever curl says;
 *  - one connection per endpoint, reused across calls (one curl easy
 *    handle each);
 *  - failover: a call goes to the preferred endpoint first and moves on to
 *    the next on a transport error or on UNAVAILABLE (14); nothing else
 *    (a PERMISSION_DENIED from one member is the cluster's answer).
 */
#ifndef K3SGUARD_ETCD_H
#define K3SGUARD_ETCD_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "core/buf.h"
#include "etcd/grpc.h"

#include "etcd.pb-c.h"

/* gRPC method paths (etcd's service and method names). */
#define ETCD_KV_RANGE		"/etcdserverpb.KV/Range"
#define ETCD_KV_PUT		"/etcdserverpb.KV/Put"
#define ETCD_KV_DELETE_RANGE	"/etcdserverpb.KV/DeleteRange"
#define ETCD_KV_TXN		"/etcdserverpb.KV/Txn"
#define ETCD_MAINT_STATUS	"/etcdserverpb.Maintenance/Status"
#define ETCD_MAINT_ALARM	"/etcdserverpb.Maintenance/Alarm"
#define ETCD_MAINT_SNAPSHOT	"/etcdserverpb.Maintenance/Snapshot"
#define ETCD_CLUSTER_MEMBER_LIST "/etcdserverpb.Cluster/MemberList"
#define ETCD_AUTH_ENABLE	"/etcdserverpb.Auth/AuthEnable"
#define ETCD_AUTH_AUTHENTICATE	"/etcdserverpb.Auth/Authenticate"
#define ETCD_AUTH_USER_ADD	"/etcdserverpb.Auth/UserAdd"
#define ETCD_AUTH_USER_GET	"/etcdserverpb.Auth/UserGet"
#define ETCD_AUTH_USER_GRANT_ROLE "/etcdserverpb.Auth/UserGrantRole"
#define ETCD_AUTH_ROLE_ADD	"/etcdserverpb.Auth/RoleAdd"
#define ETCD_AUTH_ROLE_GET	"/etcdserverpb.Auth/RoleGet"
#define ETCD_AUTH_ROLE_GRANT	"/etcdserverpb.Auth/RoleGrantPermission"

#define ETCD_MAX_ENDPOINTS	16

/*
 * The TLS files.  A path the user typed (local) is handed to curl, which
 * opens it.  A node's file (datastore-cafile/certfile/keyfile) is never
 * handed to curl by path (curl would follow links out of --root): it is
 * read through the gate into the *_pem blob (the key into secret memory)
 * and given to curl as a blob; the path field then holds the name shown in
 * messages.  A blob is used when it is not empty.
 */
struct etcd_tls {
	char *cacert;		/* PEM: the CA that signed the members' certs */
	char *cert;		/* client certificate, or NULL (probe without) */
	char *key;		/* its key */
	struct buf ca_pem, cert_pem, key_pem;
};

struct etcd_endpoint {
	char *url;		/* "https://host:port", no trailing slash */
	void *curl;		/* CURL *, created on first use, then reused */
	int failed;		/* the last call failed at the transport */
	int unreachable;	/* ... because nothing answered (refused, timed out) */
	int tls_verify_failed;	/* ... because the server's certificate did not verify */
	struct buf err;		/* that failure, one line */
};

struct etcd_client {
	struct etcd_endpoint ep[ETCD_MAX_ENDPOINTS];
	size_t nep;
	size_t cur;		/* preferred endpoint (the last that answered) */
	struct etcd_tls tls;
	long connect_timeout_ms;	/* default 3000 */
	long timeout_ms;		/* unary total, default 5000 */
	long stream_low_speed_bytes;	/* default 1024 ... */
	long stream_low_speed_secs;	/* ... per 30 s */
	size_t max_msg;			/* largest response message (default 64 MiB) */
	int say_failover;		/* print a line on stderr when failing over */
	/* the outcome of the last call */
	int last_code;			/* grpc status, or -1: transport/protocol */
	size_t last_ep;			/* endpoint that gave it */
	struct buf last_msg;		/* grpc-message, decoded */
};

/*
 * Split a comma-separated endpoint list ("https://10.0.0.1:2379,...") into
 * urls (each strdup'd).  Refuses http://, a missing port, a path, an
 * empty item, and more than ETCD_MAX_ENDPOINTS.  Returns the count or -1.
 */
int etcd_parse_endpoints(const char *csv, char **urls, size_t max);

/*
 * Set up a client (no connection yet).  tls files are checked to exist and
 * be readable; cert and key must both be set or both NULL.
 */
int etcd_client_init(struct etcd_client *c, char *const *urls, size_t n,
    const char *cacert, const char *cert, const char *key);
void etcd_client_free(struct etcd_client *c);

/*
 * Read node files (node paths, each may be NULL) through the gate into the
 * blobs of t (size-capped; the key into secret memory), the shown names
 * into its path fields.  -1 after error() naming the file.
 */
int etcd_tls_read_node(struct etcd_tls *t, const char *ca, const char *cert,
    const char *key);
/* Release t (the key wiped). */
void etcd_tls_free(struct etcd_tls *t);
/*
 * etcd_client_init with TLS files already set in *t (paths, blobs, or
 * both kinds): c takes them over and *t is left empty, also on error.
 */
int etcd_client_init_tls(struct etcd_client *c, char *const *urls, size_t n,
    struct etcd_tls *t);

/* Add an endpoint URL (already validated form); its index, or -1 when full. */
int etcd_client_add(struct etcd_client *c, const char *url);
/* The index of url among the endpoints, or -1. */
int etcd_client_find(const struct etcd_client *c, const char *url);

/*
 * One unary call on endpoint i.  Returns 0 when etcd gave a gRPC status:
 * c->last_code holds it and, when it is GRPC_OK, *resp the unpacked
 * response (free it with protobuf_c_message_free_unpacked).  Returns -1
 * after error() (naming the endpoint) when the transport failed, the peer
 * is not a gRPC server over HTTP/2, or the response is malformed.
 */
int etcd_unary_at(struct etcd_client *c, size_t i, const char *method,
    const ProtobufCMessage *req, const ProtobufCMessageDescriptor *rdesc,
    ProtobufCMessage **resp);

/*
 * The same with failover across endpoints (preferred one first).  Returns
 * 0 when some endpoint gave a status other than UNAVAILABLE (check
 * c->last_code), -1 when none did (error() says so, with the last reason).
 */
int etcd_unary(struct etcd_client *c, const char *method,
    const ProtobufCMessage *req, const ProtobufCMessageDescriptor *rdesc,
    ProtobufCMessage **resp);

/*
 * Like etcd_unary but only GRPC_OK is success: any other status becomes an
 * error() "etcd 'URL': CODE_NAME: message" and -1 (c->last_code tells).
 */
int etcd_call(struct etcd_client *c, const char *method,
    const ProtobufCMessage *req, const ProtobufCMessageDescriptor *rdesc,
    ProtobufCMessage **resp);

/*
 * A server-streaming call on endpoint i: fn gets every message's bytes
 * (unpack them there).  Returns 0 when the stream ended with a gRPC status
 * (c->last_code) on a message boundary, -1 after error() otherwise
 * (transport failure, truncation, fn's error).  No failover: the caller
 * decides whether a restart on another endpoint makes sense.
 */
int etcd_stream_at(struct etcd_client *c, size_t i, const char *method,
    const ProtobufCMessage *req, grpc_msg_fn fn, void *arg);

/*
 * Is auth enabled?  etcd 3.4 has no AuthStatus: an Authenticate with a
 * user name that cannot exist answers FAILED_PRECONDITION ("authentication
 * is not enabled") when it is off and INVALID_ARGUMENT ("authentication
 * failed") when it is on.  1 on, 0 off, -1 unknown (error()).
 */
int etcd_auth_enabled(struct etcd_client *c);

/* A "prefix" range end: the prefix with its last byte incremented. */
void etcd_prefix_end(const char *prefix, struct buf *out);

/* "a1b2c3..." member ids as etcd prints them (hex). */
const char *etcd_id_str(uint64_t id, char out[17]);

#endif
