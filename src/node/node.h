/* SPDX-License-Identifier: Apache-2.0 */
/*
 * node.h: a K3s node as data, read once by node_load().
 *
 * Everything a check needs: role, data dir, K3s version, the merged K3s
 * configuration with the origin of every value, the systemd/OpenRC units
 * and env files, the datastore kind, and the K3s files of
 * shared/reference/k3s.md with their lstat.  Paths inside are HOST paths
 * ("/var/lib/rancher/k3s/server/token"), node paths for the gate
 * (core/gate.h); root_path() only shows them.
 *
 * Precedence, as K3s applies it: env variables (K3S_*) are flag defaults,
 * config files override them (config.yaml, then config.yaml.d/<name>.yaml in
 * lexical order, last value wins, "key+:" appends), the unit's ExecStart=
 * flags override config files.  For list options (tls-san, kubelet-arg,
 * disable, ...) K3s inserts the config values before the command-line ones,
 * so both count: config values, then unit flags.  Every value seen is kept
 * with its origin (in precedence order: env, config files, units), so a
 * plain-text token in any of them can be found and pointed at.
 *
 * Which units: every one K3s's install.sh can write (k3s.service,
 * k3s-agent.service, k3s-<INSTALL_K3S_NAME>.service, OpenRC /etc/init.d/k3s,
 * k3s-agent, k3s-<name>); the enabled one runs (struct unit.active), else the
 * first found in that order.  Its EnvironmentFile=/Environment= (OpenRC:
 * /etc/rancher/k3s/<name>.env) are the effective env; with no unit, every
 * env file found is.  Values from the other units and env files are still
 * in seen.
 *
 * node_load() never fails for a bad source: the error is recorded against
 * that source (node_source_error()) and the checks that need it show
 * "error".  It fails (-1) only when the root does not exist.
 */
#ifndef K3SGUARD_NODE_H
#define K3SGUARD_NODE_H

#include <sys/stat.h>

#include "core/buf.h"

enum node_role { ROLE_UNKNOWN, ROLE_SERVER, ROLE_AGENT };
enum datastore {
	DS_UNKNOWN,
	DS_SQLITE,		/* embedded kine + sqlite (K3s default, servers only) */
	DS_EMBEDDED_ETCD,	/* K3s: pkg/cluster/managed.go assignManagedDriver() */
	DS_EXTERNAL_ETCD,	/* datastore-endpoint http(s)://... */
	DS_EXTERNAL_SQL		/* datastore-endpoint mysql://, postgres://, ... */
};

enum source_kind { SRC_CONFIG, SRC_DROPIN, SRC_UNIT, SRC_ENV };

struct origin {
	const char *file;	/* host path of the file (owned by the node) */
	int line;		/* 1-based, 0 when unknown */
	enum source_kind kind;
};

struct kvalue {
	char *value;
	struct origin where;
};

/* One K3s option ("datastore-endpoint", no dashes) and every value it got. */
struct kopt {
	char *name;
	struct kvalue *eff;	/* effective values (lists: several) */
	size_t neff;
	struct kvalue *seen;	/* every value from every source, in read order */
	size_t nseen;
};

struct envvar {
	char *name;
	char *value;
	int line;
};

struct envfile {
	char *path;		/* host path */
	struct stat st;
	int exists;
	struct envvar *vars;
	size_t n;
};

struct unit {
	char *path;		/* host path of the unit (or OpenRC script) */
	char *name;		/* "k3s.service", "k3s-agent.service", "k3s" (OpenRC) */
	struct stat st;
	int openrc;
	enum node_role role;	/* from "server"/"agent" in the command */
	char **argv;		/* ExecStart= (or command_args) split as systemd does */
	size_t argc;
	int exec_line;
	char **env_files;	/* EnvironmentFile= (host paths, "-" prefix removed) */
	size_t n_env_files;
	struct envvar *env;	/* Environment= assignments */
	size_t n_env;
	/* additions (node engineer) */
	int *arg_lines;		/* line of each argv word */
	const char *exec_file;	/* file ExecStart= came from (unit or drop-in) */
	char **dropins;		/* <unit>.d/<name>.conf read, in order (host paths) */
	size_t ndropins;
	int active;		/* the unit whose flags and env are effective */
	int *env_file_required;	/* per env_files[i]: 1 unless "-" (systemd fails without it) */
	int *env_file_lines;	/* per env_files[i]: line of its EnvironmentFile= */
	/*
	 * ExecStart= (or command) runs "k3sguard agent exec [--secret NAME] --
	 * k3s ...": argv/arg_lines/role are the K3s command after "--", and the
	 * token reaches K3s from the secret store (a sealed memfd as
	 * --token-file), not from any file.  agent_exec_secret: the secret's
	 * name (agent exec's default when --secret is absent); NULL otherwise.
	 */
	int token_via_agent_exec;
	char *agent_exec_secret;
	/*
	 * A linked unit: the link in systemd's search path it was found
	 * through (path is then the file the link leads to, which systemd
	 * reads); NULL otherwise.
	 */
	char *link_path;
};

/* A K3s file from reference/k3s.md, lstat'ed without following. */
struct node_file {
	const char *id;		/* "server/token", "config.yaml", ... */
	char *path;		/* host path */
	int exists;		/* 0: ENOENT; -1: could not be examined (see err) */
	struct stat st;
	char *link_target;	/* when a symlink */
	char *err;		/* with exists -1: why; with exists 0: a note, or
				 * NULL (a directory on the way is a link to nothing
				 * inside the root) */
};

struct source_error {
	char *source;		/* "config", "unit", "env", "version", "files" */
	char *file;
	char *msg;		/* one line, names the file (and line) */
	int line;		/* 0 when none */
};

struct node {
	char *root;		/* --root or "/" */
	enum node_role role;
	char *data_dir;		/* host path, default /var/lib/rancher/k3s */
	char *k3s_bin;		/* host path of the k3s binary */
	char *k3s_version;	/* "v1.32.11+k3s3", NULL = unknown */
	const char *k3s_version_from;	/* VERSION_FROM_*: where it came from */
	enum datastore datastore;

	struct kopt *opts;
	size_t nopts;
	char **config_files;	/* host paths read, in order */
	size_t nconfig_files;

	struct unit *units;
	size_t nunits;
	struct envfile *envfiles;
	size_t nenvfiles;
	struct node_file *files;
	size_t nfiles;

	struct source_error *errors;
	size_t nerrors;

	/* additions (node engineer) */
	char *config_path;	/* host path of the main K3s config file */
	int config_explicit;	/* named by --config / K3S_CONFIG_FILE */
	const char *datastore_why;	/* static text: which K3s branch chose it */
	int config_none;	/* "--config" ends the command line: K3s reads
				 * no config file at all */
	char **strs;		/* owned strings that origins point at */
	size_t nstrs;
};

/*
 * Where struct node.k3s_version came from: --k3s-version; on the host,
 * running the (root-owned, closed) binary; under a node root, the
 * binary's bytes (nothing of an image is ever run); or unknown.
 */
#define VERSION_FROM_OPTION	"--k3s-version"
#define VERSION_FROM_RUN	"k3s --version"
#define VERSION_FROM_BYTES	"binary bytes"
#define VERSION_FROM_UNKNOWN	"unknown"

int node_load(struct node *n);
void node_free(struct node *n);

/* The option, or NULL. name without leading dashes. */
const struct kopt *node_opt(const struct node *n, const char *name);
/* Last effective value of a scalar option, or NULL. */
const char *node_get(const struct node *n, const char *name);
/* Where the effective value came from, or NULL. */
const struct origin *node_origin(const struct node *n, const char *name);
/* Host path under the data dir: node_data_path(n, "server/token"). Static ring. */
const char *node_data_path(const struct node *n, const char *rel);
/* The file entry by id, or NULL. */
const struct node_file *node_file(const struct node *n, const char *id);
/*
 * 1 when the root holds a K3s node: a K3s unit or init script, a config
 * file, /etc/rancher/k3s, or the data dir's server/ or agent/ (anything
 * K3s's installer or K3s itself writes first).  0 with what was looked
 * for appended to looked: an audit of such a root has no verdicts to give.
 */
int node_found(const struct node *n, struct buf *looked);
/* First error recorded against a source ("config", ...), or NULL. */
const struct source_error *node_source_error(const struct node *n, const char *source);

/* 1 when v is a K3s release version, all of it: vX.Y.Z[-rcN]+k3sN. */
int k3s_version_valid(const char *v);

const char *role_name(enum node_role r);
const char *datastore_name(enum datastore d);	/* "sqlite", "embedded-etcd", ... */
const char *source_kind_name(enum source_kind k);
/* "file:line" for evidence; static ring buffer. */
const char *origin_str(const struct origin *o);

/*
 * The flag an environment variable K3s reads sets (K3S_URL -> "server",
 * AWS_SECRET_ACCESS_KEY -> "etcd-s3-secret-key"), or NULL when no K3s flag
 * declares it (K3S_DISABLE, K3S_X_Y in general): a table from K3s's EnvVar
 * declarations, not a pattern.  scratch is unused (kept for callers).
 */
const char *k3s_env_to_opt(const char *env, struct buf *scratch);
/* 1 when K3s's command for role (server, agent; unknown: either) reads env now. */
int k3s_env_read(const char *env, enum node_role role);

/* 1 when K3s repeats the option (tls-san, kubelet-arg, disable, ...). */
int k3s_opt_is_list(const char *name);
/* 1 when the option takes no value on the command line (cluster-init, ...). */
int k3s_opt_is_bool(const char *name);
/*
 * 1 when a value of this option (or env variable) is a secret: token,
 * agent-token, K3S_TOKEN, K3S_AGENT_TOKEN, datastore-endpoint (may hold a
 * password), etcd-s3-secret-key, ...  Such values are shown only through
 * node_describe_value().
 */
int k3s_opt_is_secret(const char *name);
/*
 * Append a printable form of value: as is for ordinary options; for a
 * token, token_describe(); for a URL, the password replaced by "REDACTED";
 * for any other secret, "<redacted, N bytes>".
 */
void node_describe_value(const char *name, const char *value, struct buf *out);
/* Go's strconv.ParseBool plus YAML's yes/on: 1, 0, or -1 when not a bool. */
int k3s_parse_bool(const char *s);
/* 1 when the effective value of a boolean option is true. */
int node_opt_true(const struct node *n, const char *name);

#endif
