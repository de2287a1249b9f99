/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fix-tokens.h: `k3sguard fix` moves plain-text K3s tokens into the store.
 */
#ifndef K3SGUARD_FIX_TOKENS_H
#define K3SGUARD_FIX_TOKENS_H

#include <stddef.h>
#include <jansson.h>

struct node;

/*
 * For every plain-text token on the node (env files, a unit's Environment=
 * and ExecStart= flags, config.yaml and its drop-ins): put it in the secret
 * store (server-token or agent-token; never a second version of the same
 * token), install the drop-in that starts K3s through 'agent exec', then
 * remove the token from the file (atomic rewrite that keeps every other
 * byte; the original goes into the store as fix-backup.<path>).
 * dry_run: print the diff (values redacted), change nothing.
 * actions: NULL for text on stdout, else a JSON array to append to.
 * Runs once per node model (fix calls it for each agent-token.plaintext-*
 * check that failed; every call after the first with the same n is a no-op).  *changes gets the number of changes (made or, with
 * dry_run, that would be made).  0, or -1 when something was left undone.
 */
int fix_tokens(const struct node *n, const char *bin, int dry_run, json_t *actions,
    size_t *changes);

struct fix_ctx;
struct check;

/*
 * fix_tokens() as a custom rule of cmd-fix.c's table (see fix.h), for the
 * rows agent-token.plaintext-env, -unit and -config.
 */
int fix_tokens_rule(struct fix_ctx *ctx, const struct check *c);

#endif
