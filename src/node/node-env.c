/* SPDX-License-Identifier: Apache-2.0 */
/*
 * node-env.c: which environment variables K3s reads, and the flag each
 * sets (k3s_env_to_opt(), k3s_env_read() of node.h).
 */
#include "core/k3sguard.h"
#include "node/node.h"

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
	/* agent.go: the agent's own data-dir flag; server.go DataDirFlag has none */
	{ "K3S_DATA_DIR", "data-dir", ENV_AGENT },
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
