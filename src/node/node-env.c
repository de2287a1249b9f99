/* SPDX-License-Identifier: Apache-2.0 */
/*
 * node-env.c: which environment variables K3s reads, and the flag each
 * sets (k3s_env_to_opt(), k3s_env_read() of node.h).
 */
#include "core/k3sguard.h"
#include "node/node.h"
#include "node/node-int.h"
#include "core/version.h"

/*
 * The environment variables K3s reads, and the flag each one sets: the
 * EnvVar (urfave/cli v1) / Sources: cli.EnvVars (v3) declarations of
 * K3s: pkg/cli/cmds/server.go ServerFlags (read at commit 005499a),
 * pkg/cli/cmds/agent.go NewAgentCommand() and its shared flag variables
 * (the version with VPNAuth/DisableAgentLBFlag), pkg/cli/cmds/config.go
 * ConfigFlag, pkg/cli/cmds/log.go / root.go DebugFlag.  The log flags (v,
 * vmodule, log, alsologtostderr) declare none.  Transcribed from those
 * declarations by reading them (no K3s checkout here to run a generator
 * on); docs/k3s-fidelity.md row 2.  Nothing else is read: K3S_DISABLE,
 * K3S_NODE_IP, K3S_X_Y in general set no flag.
 */
#define ENV_SERVER	1	/* k3s server reads it */
#define ENV_AGENT	2	/* k3s agent reads it */
#define ENV_OLD		4	/* only older K3s (see the row) */
static const struct k3s_env {
	const char *env, *opt;
	int where;
} k3s_envs[] = {
	{ "K3S_CONFIG_FILE", "config", ENV_SERVER | ENV_AGENT },
	{ "K3S_DEBUG", "debug", ENV_SERVER | ENV_AGENT },
	{ "K3S_TOKEN", "token", ENV_SERVER | ENV_AGENT },
	{ "K3S_TOKEN_FILE", "token-file", ENV_SERVER | ENV_AGENT },
	{ "K3S_URL", "server", ENV_SERVER | ENV_AGENT },
	{ "K3S_NODE_NAME", "node-name", ENV_SERVER | ENV_AGENT },
	{ "K3S_RESOLV_CONF", "resolv-conf", ENV_SERVER | ENV_AGENT },
	{ "K3S_SELINUX", "selinux", ENV_SERVER | ENV_AGENT },
	{ "K3S_LB_SERVER_PORT", "lb-server-port", ENV_SERVER | ENV_AGENT },
	{ "K3S_VPN_AUTH", "vpn-auth", ENV_SERVER | ENV_AGENT },
	{ "K3S_VPN_AUTH_FILE", "vpn-auth-file", ENV_SERVER | ENV_AGENT },
	/*
	 * agent.go: the agent's own data-dir flag; server.go DataDirFlag only
	 * since K3s issue 10589 (see node_env_data_dir(), which drops it for
	 * an older server)
	 */
	{ "K3S_DATA_DIR", "data-dir", ENV_SERVER | ENV_AGENT },
	{ "K3S_AGENT_TOKEN", "agent-token", ENV_SERVER },
	{ "K3S_AGENT_TOKEN_FILE", "agent-token-file", ENV_SERVER },
	{ "K3S_KUBECONFIG_OUTPUT", "write-kubeconfig", ENV_SERVER },
	{ "K3S_KUBECONFIG_MODE", "write-kubeconfig-mode", ENV_SERVER },
	{ "K3S_KUBECONFIG_GROUP", "write-kubeconfig-group", ENV_SERVER },
	{ "K3S_CLUSTER_INIT", "cluster-init", ENV_SERVER },
	{ "K3S_CLUSTER_RESET", "cluster-reset", ENV_SERVER },
	{ "K3S_DATASTORE_ENDPOINT", "datastore-endpoint", ENV_SERVER },
	{ "K3S_DATASTORE_CAFILE", "datastore-cafile", ENV_SERVER },
	{ "K3S_DATASTORE_CERTFILE", "datastore-certfile", ENV_SERVER },
	{ "K3S_DATASTORE_KEYFILE", "datastore-keyfile", ENV_SERVER },
	{ "K3S_SYSTEM_DEFAULT_REGISTRY", "system-default-registry", ENV_SERVER },
	{ "AWS_ACCESS_KEY_ID", "etcd-s3-access-key", ENV_SERVER },
	{ "AWS_SECRET_ACCESS_KEY", "etcd-s3-secret-key", ENV_SERVER },
	/*
	 * cluster-secret (deprecated alias of --token): server.go at 4dcfdfb
	 * and agent.go at eaaf1f8 declare it; server.go at 005499a does not.
	 * Kept as "token" so a plain-text value is still found, never
	 * effective.
	 */
	{ "K3S_CLUSTER_SECRET", "token", ENV_SERVER | ENV_AGENT | ENV_OLD },
};

static const struct k3s_env *
k3s_env_find(const char *env)
{
	for (size_t i = 0; i < ARRAY_SIZE(k3s_envs); i++)
		if (!strcmp(env, k3s_envs[i].env))
			return &k3s_envs[i];
	return NULL;
}

const char *
k3s_env_to_opt(const char *env, struct buf *scratch)
{
	const struct k3s_env *e = k3s_env_find(env);

	(void)scratch;
	return e ? e->opt : NULL;
}

int
k3s_env_read(const char *env, enum node_role role)
{
	const struct k3s_env *e = k3s_env_find(env);

	if (!e || (e->where & ENV_OLD))
		return 0;
	if (role == ROLE_SERVER)
		return (e->where & ENV_SERVER) != 0;
	if (role == ROLE_AGENT)
		return (e->where & ENV_AGENT) != 0;
	return 1;	/* command unknown: either reads it */
}

/*
 * K3S_DATA_DIR and k3s server.  The agent's data-dir flag has always
 * declared it; the server's DataDirFlag (pkg/cli/cmds/server.go) declares
 * none at 4dcfdfb and 005499a, and declares it since K3s issue 10589 ("K3s
 * does not respect data-dir set ... via env var"), released in v1.27.16,
 * v1.28.12, v1.29.7 (backports 10595, 10594, 10593), v1.30.3 (10592) and
 * v1.31.0.  install.sh writes K3S_DATA_DIR into the unit's env file like
 * every K3S_* variable, so a server installed with it keeps its state
 * there on those releases and in the default directory before them.  1
 * when a server of version reads it.  An unknown version counts as
 * reading it: every release line K3s still supports does, and the unknown
 * version is itself a "version" source error (node-version.c).
 */
static int
server_reads_data_dir_env(const char *version)
{
	static const struct { long minor, patch; } fixed[] = {
		{ 27, 16 }, { 28, 12 }, { 29, 7 }, { 30, 3 },
	};
	struct version v;

	if (!version || version_parse_k3s(version, &v) < 0)
		return 1;
	if (v.major != 1)
		return v.major > 1;
	if (v.minor >= 31)
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		if (v.minor == fixed[i].minor)
			return v.patch >= fixed[i].patch;
	return 0;
}

void
node_env_data_dir(struct node *n)
{
	struct kopt *k = (struct kopt *)node_opt(n, "data-dir");
	enum node_role role = ROLE_UNKNOWN;

	if (!k || !k->neff || k->eff[k->neff - 1].where.kind != SRC_ENV)
		return;
	for (size_t i = 0; i < n->nunits; i++)
		if (n->units[i].active)
			role = n->units[i].role;
	if (role != ROLE_SERVER || server_reads_data_dir_env(n->k3s_version))
		return;
	for (size_t i = 0; i < k->neff; i++)
		free(k->eff[i].value);	/* a path, not a secret */
	k->neff = 0;	/* still in "seen": a value K3s does not use */
}
