/* SPDX-License-Identifier: Apache-2.0 */
/*
 * token.h: K3s token forms (shared/reference/k3s.md, "Token formats").
 *
 *   secure:    K10<64 hex sha256 of the cluster CA>::<user>:<password>
 *              or K10<hash>::<bootstrap id>.<bootstrap secret>
 *   short:     the bare password (or a bare bootstrap token): no CA pin
 *
 * The fingerprint is the first 12 hex chars of sha256(password): the id K3s
 * uses for the /bootstrap/<id> key, safe to show.  token_describe() is the
 * ONLY way a token appears in output: form, user, CA hash prefix and
 * fingerprint, never the password.
 */
#ifndef K3SGUARD_TOKEN_H
#define K3SGUARD_TOKEN_H

#include <stddef.h>

#include "core/buf.h"

enum token_form { TOKEN_INVALID, TOKEN_SECURE, TOKEN_SHORT };

struct token_info {
	enum token_form form;
	int bootstrap;		/* the credentials look like abcdef.0123456789abcdef */
	char ca_hash[65];	/* secure form only, as written (K3s compares it
				 * exactly with its lowercase hex) */
	char user[32];		/* "server", "node", or "" */
	const char *password;	/* points into the parsed string */
	size_t password_len;
	char fingerprint[13];	/* sha256(password)[:12] hex */
};

/* Parse s (len bytes, trailing newline/space ignored). 0, or -1 if empty/invalid. */
int token_parse(const char *s, size_t len, struct token_info *out);
/* "secure server token (CA 1a2b3c4d..., fingerprint 0123456789ab)" */
void token_describe(const struct token_info *t, struct buf *out);
/* 1 when s has the kubeadm bootstrap-token shape [a-z0-9]{6}.[a-z0-9]{16}. */
int token_is_bootstrap_shape(const char *s, size_t len);
/* sha256(data) as 64 lowercase hex chars + NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
