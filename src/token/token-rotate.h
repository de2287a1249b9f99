/* SPDX-License-Identifier: Apache-2.0 */
/*
 * token-rotate.h: the server-token lifecycle behind 'k3sguard token'
 * (cmd-token.c): the K3s supervisor endpoint (token-endpoint.c) and the
 * crash-safe rotation (token-rotate.c).
 *
 * Facts (shared/reference/k3s.md): rotation is PUT https://<server>:6443/
 * v1-k3s/token with basic auth server:<old password> and {"newToken":
 * "<new>"}, TLS verified against server/tls/server-ca.crt, available from
 * v1.28.3+k3s1 (1.27.7, 1.26.10, 1.25.15).  Deleting server/token and
 * restarting rotates nothing: K3s reads the password back from cred/passwd.
 */
#ifndef K3SGUARD_TOKEN_ROTATE_H
#define K3SGUARD_TOKEN_ROTATE_H

#include "core/buf.h"
#include "node/node.h"
#include "token/token.h"

#define STORE_SERVER_TOKEN	"server-token"
#define STORE_AGENT_TOKEN	"agent-token"
#define TOKEN_JOURNAL		"/var/lib/k3sguard/token-rotate.journal"
#define TOKEN_DEFAULT_SERVER	"https://127.0.0.1:6443"

/*
 * 1 when the K3s version v ("v1.28.3+k3s1") has the token endpoint, 0 when
 * it is too old, -1 when v is NULL or does not parse.
 */
int k3s_can_rotate(const char *v);
/* The explanation printed when refusing an old version (several lines). */
extern const char k3s_rotate_too_old[];

/*
 * Check that the CA file's hash is the one the token pins: sha256 of the
 * file when it holds one certificate, of the root's DER for a bundle.
 * 0 when it matches, -1 with a message naming the file otherwise.
 */
int ca_matches_token(const char *ca_path, const struct token_info *t);

/*
 * PUT <server>/v1-k3s/token.  The passwords go only into libcurl options
 * and the request body (never argv, env, a log).  0 on HTTP 200; -1 with a
 * message (HTTP status, and the server's answer when it holds no token).
 */
int endpoint_rotate(const char *server, const char *ca_path, const char *old_pw,
    size_t old_len, const char *new_pw, size_t new_len);

/* GET <server>/ping until it answers 200 or timeout_s pass: 0 or -1. */
int endpoint_wait(const char *server, const char *ca_path, int timeout_s);

/* Read and parse a token file (0600 regular file, TOKEN_MAX).  The buf is secret. */
int token_file_read(const char *host_path, struct buf *raw, struct token_info *t);

struct rotate_opts {
	const char *server;	/* --server, else config token.server-url */
	int dry_run, resume, via_cli, json;
};
int token_rotate(const struct rotate_opts *o);

/*
 * Audit checks of the server-token strategy that need the store (rows in
 * check-server-token.c, functions in check-token-store.c).
 */
struct check_result;
void check_token_stored(const struct node *n, struct check_result *r);
void check_token_rotation_age(const struct node *n, struct check_result *r);
void check_token_rotate_capable(const struct node *n, struct check_result *r);
/* Notes of rotated versions start with this (so the age check can tell). */
#define ROTATION_NOTE_PREFIX "new token of the rotation started "

#endif
