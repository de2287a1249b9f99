/*
 * agent.h: what `k3sguard agent` offers to other commands (fix).
 */
#ifndef K3SGUARD_AGENT_H
#define K3SGUARD_AGENT_H

struct node;

/*
 * Write (or with dry_run, print) the systemd drop-in that makes the node's
 * active K3s unit start through 'k3sguard agent exec --secret SECRET', with
 * the unit's token flags dropped.  secret NULL: agent-token for an agent,
 * server-token for a server; bin NULL: this program.  *changed is 1 when
 * the drop-in was (or would be) written, 0 when it was already up to date.
 * 0, or -1 after error().
 */
int agent_install_dropin(const struct node *n, const char *secret, const char *bin,
    int dry_run, int *changed);

#endif
