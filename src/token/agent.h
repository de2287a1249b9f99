/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent.h: what `k3sguard agent` shares with other commands (fix).
 */
#ifndef K3SGUARD_AGENT_H
#define K3SGUARD_AGENT_H

struct buf;
struct node;

#define AGENT_DROPIN_NAME "90-k3sguard-agent-exec.conf"
/* k3sguard on a node, for a drop-in written under --root DIR without --bin */
#define AGENT_DEFAULT_BIN "/usr/local/bin/k3sguard"

/*
 * The flag name when arg is a token flag K3s accepts ("-t", "--token",
 * "-token", "--agent-token=x", "--token-file"; Go takes one or two dashes),
 * else NULL.
 */
const char *agent_token_flag(const char *arg);

/* "server-token" for "server", else "agent-token". */
const char *agent_default_secret(const char *sub);

/*
 * Write (or with dry_run, print) the systemd drop-in that makes the node's
 * active K3s unit start through 'k3sguard agent exec --secret SECRET', with
 * the unit's token flags dropped.  secret NULL: agent-token for an agent,
 * server-token for a server; bin NULL: this program on the host, and
 * AGENT_DEFAULT_BIN under --root DIR (this host's path means nothing there).  *changed is 1 when
 * the drop-in was (or would be) written, 0 when it was already up to date.
 * What it did (or would do) goes to stdout, or to msg when not NULL.
 * 0, or -1 after error().
 */
int agent_install_dropin(const struct node *n, const char *secret, const char *bin,
    int dry_run, int *changed, struct buf *msg);

#endif
