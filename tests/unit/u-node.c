/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-node.c: the node model: how K3s merges config files, drop-ins, unit
 * flags and env files; origins; datastore kinds; version parsing; env names.
 * Each test builds a small node tree under a temp dir and loads it with
 * --root pointing there.
 */
#include "core/k3sguard.h"
#include "node/node.h"
#include "core/gate.h"
#include "core/run.h"
#include "unit.h"

#include <sys/wait.h>

static char root[PATH_MAX];

static void
put(const char *rel, const char *text, mode_t mode)
{
	struct buf p = BUF_INIT;
	char *slash;

	buf_addf(&p, "%s%s", root, rel);
	slash = strrchr(p.s, '/');
	*slash = '\0';
	if (mkdir_p(p.s, 0755) < 0)
		abort();
	*slash = '/';
	if (file_write_atomic(p.s, text, strlen(text), mode) < 0)
		abort();
	buf_release(&p);
}

static void
mkd(const char *rel)
{
	struct buf p = BUF_INIT;

	buf_addf(&p, "%s%s", root, rel);
	if (mkdir_p(p.s, 0700) < 0)
		abort();
	buf_release(&p);
}

static void
rm_root(void)
{
	const char *argv[] = { "/bin/rm", "-rf", root, NULL };
	struct run_opts o = { .argv = argv };
	int st;

	if (root[0] && (run_cmd(&o, &st) < 0 || st != 0))
		fprintf(stderr, "# could not remove %s\n", root);
}

static void
fresh_root(void)
{
	char tmpl[] = "/tmp/u-node.XXXXXX";

	rm_root();
	if (!mkdtemp(tmpl))
		abort();
	snprintf(root, sizeof(root), "%s", tmpl);
	gopt.root = root;
	gopt.data_dir = NULL;
	gopt.k3s_bin = "/usr/local/bin/k3s";
	gopt.k3s_version = NULL;
	if (gate_set_root(root) < 0)
		abort();
}

static int
load(struct node *n)
{
	int r;

	quiet_errors++;
	r = node_load(n);
	quiet_errors--;
	return r;
}

static const char *
eff(const struct node *n, const char *name, size_t i)
{
	const struct kopt *k = node_opt(n, name);

	return k && i < k->neff ? k->eff[i].value : NULL;
}

static void
test_defaults_empty_root(void)
{
	struct node n;

	fresh_root();
	CHECK(load(&n) == 0);
	CHECK_STR(n.data_dir, "/var/lib/rancher/k3s");
	CHECK(n.role == ROLE_UNKNOWN);
	CHECK(n.k3s_version == NULL);
	CHECK(n.nerrors == 0);
	CHECK(n.nopts == 0);
	CHECK_STR(n.config_path, "/etc/rancher/k3s/config.yaml");
	CHECK(node_file(&n, "server/token") && node_file(&n, "server/token")->exists == 0);
	node_free(&n);
}

static void
test_missing_root(void)
{
	struct node n;

	/* main opens --root at once; a root that is not there is one error */
	quiet_errors++;
	CHECK(gate_set_root("/nonexistent/k3sguard-root") < 0);
	quiet_errors--;
	CHECK(strstr(last_error(), "/nonexistent/k3sguard-root") != NULL);
	/* the root in use stays */
	CHECK(load(&n) == 0);
	node_free(&n);
}

static void
test_dropins_last_wins_and_append(void)
{
	struct node n;
	const struct origin *o;

	fresh_root();
	put("/etc/rancher/k3s/config.yaml",
	    "write-kubeconfig-mode: \"0644\"\n"
	    "tls-san:\n  - a.example\n  - b.example\n"
	    "node-label:\n  - x=1\n", 0600);
	put("/etc/rancher/k3s/config.yaml.d/20-b.yaml",
	    "write-kubeconfig-mode: \"0600\"\n"
	    "tls-san+:\n  - d.example\n", 0600);
	put("/etc/rancher/k3s/config.yaml.d/10-a.yaml",
	    "tls-san+: [c.example]\n"
	    "node-label:\n  - y=2\n", 0600);
	put("/etc/rancher/k3s/config.yaml.d/05-ignored.txt", "tls-san: nope\n", 0600);
	CHECK(load(&n) == 0);
	CHECK(n.nerrors == 0);
	CHECK(n.nconfig_files == 3);
	CHECK_STR(n.config_files[1], "/etc/rancher/k3s/config.yaml.d/10-a.yaml");
	CHECK_STR(node_get(&n, "write-kubeconfig-mode"), "0600");
	o = node_origin(&n, "write-kubeconfig-mode");
	CHECK(o && o->line == 1 && o->kind == SRC_DROPIN);
	CHECK_STR(origin_str(o), "/etc/rancher/k3s/config.yaml.d/20-b.yaml:1");
	CHECK(node_opt(&n, "tls-san")->neff == 4);
	CHECK_STR(eff(&n, "tls-san", 0), "a.example");
	CHECK_STR(eff(&n, "tls-san", 2), "c.example");
	CHECK_STR(eff(&n, "tls-san", 3), "d.example");
	CHECK(node_opt(&n, "tls-san")->eff[1].where.line == 4);
	/* no "+": the drop-in replaces the list */
	CHECK(node_opt(&n, "node-label")->neff == 1);
	CHECK_STR(eff(&n, "node-label", 0), "y=2");
	/* seen keeps every value */
	CHECK(node_opt(&n, "write-kubeconfig-mode")->nseen == 2);
	CHECK(node_opt(&n, "node-label")->nseen == 2);
	node_free(&n);
}

static const char unit_text[] =
    "[Unit]\n"
    "Description=Lightweight Kubernetes\n"
    "[Service]\n"
    "Type=notify\n"
    "EnvironmentFile=-/etc/default/%N\n"
    "EnvironmentFile=-/etc/systemd/system/k3s.service.env\n"
    "ExecStart=/usr/local/bin/k3s \\\n"
    "    server \\\n"
    "\t'--write-kubeconfig-mode' \\\n"
    "\t'0640' \\\n"
    "\t--tls-san=\"unit.example\" \\\n"
    "\t--cluster-init \\\n"
    "\t-t \"K10abc::server:pass word\" \\\n"
    "\t--node-label a=1 --node-label 'b=2' \\\n"
    "\t--kubelet-arg \"max-pods=50\\x21\" \\\n"
    "\t--agent-token -dashsecret --debug\n";

static void
test_unit_flags_over_config(void)
{
	struct node n;
	const struct unit *u;
	const struct origin *o;

	fresh_root();
	put("/etc/systemd/system/k3s.service", unit_text, 0644);
	put("/etc/rancher/k3s/config.yaml",
	    "write-kubeconfig-mode: \"0600\"\ntls-san: [cfg.example]\ntoken: cfgtoken\n"
	    "node-name: from-config\n", 0600);
	put("/etc/systemd/system/k3s.service.env",
	    "K3S_TOKEN=envtoken\nK3S_NODE_NAME=from-env\nK3S_URL='https://10.0.0.1:6443'\n"
	    "K3S_AGENT_TOKEN_FILE=/etc/k3s-agent-token\nHOME=/root\n", 0600);
	put("/etc/default/k3s", "K3S_DATA_DIR=/srv/k3s\nK3S_RESOLV_CONF=/etc/k3s-resolv\n", 0600);
	CHECK(load(&n) == 0);
	CHECK(n.nerrors == 0);
	CHECK(n.nunits == 1);
	u = &n.units[0];
	CHECK(u->active && u->role == ROLE_SERVER && n.role == ROLE_SERVER);
	CHECK(u->exec_line == 7);
	CHECK(u->argc == 17);
	CHECK_STR(node_get(&n, "agent-token"), "-dashsecret");
	CHECK(node_opt_true(&n, "debug"));
	CHECK_STR(u->argv[0], "/usr/local/bin/k3s");
	CHECK_STR(u->argv[7], "K10abc::server:pass word");
	CHECK(u->n_env_files == 2);
	CHECK_STR(u->env_files[0], "/etc/default/k3s");
	/* unit flag beats config */
	CHECK_STR(node_get(&n, "write-kubeconfig-mode"), "0640");
	o = node_origin(&n, "write-kubeconfig-mode");
	CHECK(o && o->kind == SRC_UNIT && o->line == 9);
	/* -t is --token, unit beats config beats env */
	CHECK_STR(node_get(&n, "token"), "K10abc::server:pass word");
	CHECK(node_origin(&n, "token")->line == 13);
	CHECK(node_opt(&n, "token")->nseen == 3);
	CHECK(node_opt(&n, "token")->seen[0].where.kind == SRC_ENV);
	CHECK(node_opt(&n, "token")->seen[1].where.kind == SRC_CONFIG);
	CHECK(node_opt(&n, "token")->seen[2].where.kind == SRC_UNIT);
	/* config beats env */
	CHECK_STR(node_get(&n, "node-name"), "from-config");
	/* env alone */
	CHECK_STR(node_get(&n, "server"), "https://10.0.0.1:6443");
	CHECK_STR(node_get(&n, "agent-token-file"), "/etc/k3s-agent-token");
	CHECK(node_origin(&n, "agent-token-file")->line == 4);
	CHECK(node_origin(&n, "agent-token-file")->kind == SRC_ENV);
	CHECK(node_opt(&n, "home") == NULL);
	/* an EnvironmentFile= with %N is read ... */
	CHECK_STR(node_get(&n, "resolv-conf"), "/etc/k3s-resolv");
	/*
	 * ... and so is K3S_DATA_DIR: server.go DataDirFlag declares it since
	 * K3s PR 10591 (v1.27.16, v1.28.12, v1.29.7, v1.30.3, v1.31.0); the
	 * version is unknown here, which counts as a release that reads it
	 */
	CHECK_STR(n.data_dir, "/srv/k3s");
	/* list: config values, then the command line's */
	CHECK(node_opt(&n, "tls-san")->neff == 2);
	CHECK_STR(eff(&n, "tls-san", 0), "cfg.example");
	CHECK_STR(eff(&n, "tls-san", 1), "unit.example");
	CHECK(node_opt(&n, "node-label")->neff == 2);
	CHECK_STR(eff(&n, "node-label", 1), "b=2");
	CHECK_STR(node_get(&n, "kubelet-arg"), "max-pods=50!");
	CHECK(node_opt_true(&n, "cluster-init"));
	CHECK(n.datastore == DS_EMBEDDED_ETCD);
	node_free(&n);
}

static void
test_dropin_unit_and_environment(void)
{
	struct node n;

	fresh_root();
	put("/etc/systemd/system/k3s-agent.service",
	    "[Service]\nEnvironment=\"K3S_TOKEN=unit env\" K3S_NODE_NAME=n1\n"
	    "ExecStart=/usr/local/bin/k3s agent --server https://s:6443\n", 0644);
	put("/etc/systemd/system/k3s-agent.service.d/10-override.conf",
	    "[Service]\nExecStart=\nExecStart=/usr/local/bin/k3s agent --token-file /t\n", 0644);
	CHECK(load(&n) == 0);
	CHECK(n.nerrors == 0);
	CHECK(n.role == ROLE_AGENT);
	CHECK(n.units[0].ndropins == 1);
	CHECK_STR(n.units[0].exec_file,
	    "/etc/systemd/system/k3s-agent.service.d/10-override.conf");
	/* the reset dropped --server */
	CHECK(node_get(&n, "server") == NULL);
	CHECK_STR(node_get(&n, "token-file"), "/t");
	CHECK(node_origin(&n, "token-file")->line == 3);
	CHECK_STR(node_get(&n, "token"), "unit env");
	CHECK_STR(node_get(&n, "node-name"), "n1");
	CHECK(n.datastore == DS_UNKNOWN);
	node_free(&n);
}

static void
test_unit_env_expansion(void)
{
	struct node n;
	const struct origin *o;

	fresh_root();
	put("/etc/systemd/system/k3s.service",
	    "[Service]\nEnvironment=MYTOK=fromenvironment NODE=n1\n"
	    "EnvironmentFile=/etc/k3s-secrets.env\n"
	    "ExecStart=/usr/local/bin/k3s server --token ${MYTOK} --agent-token $AGENT \\\n"
	    "  --node-name pre-${NODE}-$$ --node-label ${UNSET}x\n", 0644);
	put("/etc/k3s-secrets.env", "# secrets\nAGENT=agentvalue\nMYTOK=fromfile\n", 0600);
	CHECK(load(&n) == 0);
	CHECK(n.nerrors == 0);
	/* EnvironmentFile= beats Environment=; origin is where the text is */
	CHECK_STR(node_get(&n, "token"), "fromfile");
	o = node_origin(&n, "token");
	CHECK(o && o->kind == SRC_ENV && o->line == 3);
	CHECK_STR(o ? o->file : NULL, "/etc/k3s-secrets.env");
	CHECK_STR(node_get(&n, "agent-token"), "agentvalue");
	CHECK(node_origin(&n, "agent-token")->line == 2);
	CHECK_STR(node_get(&n, "node-name"), "pre-n1-$");
	CHECK(node_origin(&n, "node-name")->kind == SRC_UNIT);
	CHECK(node_origin(&n, "node-name")->line == 5);
	CHECK_STR(node_get(&n, "node-label"), "x");
	node_free(&n);
}

static void
test_unit_rules(void)
{
	struct node n;
	const struct source_error *e;

	fresh_root();
	put("/etc/systemd/system/k3s.service",
	    "[Service]\n# a comment that ends in a backslash \\\n"
	    "ExecStart=/usr/local/bin/k3s server --node-name a\n"
	    "EnvironmentFile=/etc/missing.env\n"
	    "EnvironmentFile=-/etc/optional.env\n", 0644);
	put("/etc/systemd/system/k3s.service.d/override.conf",
	    "[Service]\nExecStart=/usr/local/bin/k3s server --node-name b\n", 0644);
	CHECK(load(&n) == 0);
	CHECK(n.nerrors == 2);
	/* the comment did not swallow ExecStart= */
	CHECK_STR(node_get(&n, "node-name"), "b");
	e = node_source_error(&n, "unit");
	CHECK(e && strstr(e->msg, "override.conf' line 2: a second ExecStart="));
	e = node_source_error(&n, "env");
	CHECK(e && strstr(e->msg, "'/etc/missing.env' (EnvironmentFile= at "
	    "'/etc/systemd/system/k3s.service' line 4) does not exist"));
	node_free(&n);
}

static void
test_openrc(void)
{
	struct node n;

	fresh_root();
	put("/etc/init.d/k3s",
	    "#!/sbin/openrc-run\n"
	    "depend() {\n    after network-online\n}\n"
	    "supervisor=supervise-daemon\n"
	    "command=\"/usr/local/bin/k3s\"\n"
	    "command_args=\"server  '--disable' 'traefik' \\\n"
	    "    --data-dir /opt/k3s\n"
	    "    >>/var/log/k3s.log 2>&1\"\n", 0755);
	put("/etc/rancher/k3s/k3s.env", "export K3S_TOKEN=\"rc token\"\n", 0600);
	CHECK(load(&n) == 0);
	CHECK(n.nerrors == 0);
	CHECK(n.nunits == 1 && n.units[0].openrc);
	CHECK(n.role == ROLE_SERVER);
	CHECK_STR(node_get(&n, "disable"), "traefik");
	CHECK(node_origin(&n, "disable")->line == 7);
	CHECK_STR(node_get(&n, "data-dir"), "/opt/k3s");
	CHECK(node_origin(&n, "data-dir")->line == 8);
	CHECK_STR(n.data_dir, "/opt/k3s");
	CHECK_STR(node_get(&n, "token"), "rc token");
	CHECK(n.units[0].argc == 6);
	node_free(&n);
}

static void
test_config_flag_and_data_dir_override(void)
{
	struct node n;

	fresh_root();
	put("/etc/systemd/system/k3s.service",
	    "[Service]\nExecStart=/usr/local/bin/k3s server --config=/srv/k3s.yaml\n", 0644);
	put("/srv/k3s.yaml", "data-dir: /data/k3s\n", 0600);
	put("/srv/k3s.yaml.d/a.yml", "node-name: dropped-in\n", 0600);
	put("/etc/rancher/k3s/config.yaml", "node-name: not-read\n", 0600);
	CHECK(load(&n) == 0);
	CHECK_STR(n.config_path, "/srv/k3s.yaml");
	CHECK(n.config_explicit);
	CHECK_STR(node_get(&n, "node-name"), "dropped-in");
	CHECK_STR(n.data_dir, "/data/k3s");
	node_free(&n);

	gopt.data_dir = "/cli/dir";
	CHECK(load(&n) == 0);
	CHECK_STR(n.data_dir, "/cli/dir");
	CHECK_STR(node_data_path(&n, "server/token"), "/cli/dir/server/token");
	node_free(&n);
	gopt.data_dir = NULL;

	/* a --config that does not exist is an error against "config" */
	fresh_root();
	put("/etc/systemd/system/k3s.service",
	    "[Service]\nExecStart=/usr/local/bin/k3s server -c /missing.yaml\n", 0644);
	CHECK(load(&n) == 0);
	CHECK(node_source_error(&n, "config") != NULL);
	node_free(&n);
}

static void
test_datastore_kinds(void)
{
	static const struct { const char *cfg; enum datastore ds; } cases[] = {
		{ "", DS_SQLITE },
		{ "cluster-init: true\n", DS_EMBEDDED_ETCD },
		{ "cluster-init: false\n", DS_SQLITE },
		{ "datastore-endpoint: https://e1:2379,https://e2:2379\n", DS_EXTERNAL_ETCD },
		{ "datastore-endpoint: http://e1:2379\n", DS_EXTERNAL_ETCD },
		{ "datastore-endpoint: mysql://u:p@tcp(db:3306)/k3s\n", DS_EXTERNAL_SQL },
		{ "datastore-endpoint: postgres://u:p@db:5432/k3s\n", DS_EXTERNAL_SQL },
		/* K3s: kine pkg/endpoint/endpoint.go ParseStorageEndpoint() */
		{ "datastore-endpoint: sqlite:///var/lib/x.db\n", DS_SQLITE },
		{ "datastore-endpoint: weird\n", DS_SQLITE },	/* no "://" */
		{ "datastore-endpoint: weird://x\n", DS_UNKNOWN },
		/* K3s: pkg/cluster/managed.go assignManagedDriver() */
		{ "datastore-endpoint: etcd\n", DS_EMBEDDED_ETCD },
		{ "server: https://s:6443\ntoken: t\n", DS_EMBEDDED_ETCD },
	};
	struct node n;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		fresh_root();
		mkd("/var/lib/rancher/k3s/server");
		put("/etc/rancher/k3s/config.yaml", cases[i].cfg, 0600);
		CHECK(load(&n) == 0);
		if (n.datastore != cases[i].ds)
			fprintf(stderr, "# case %zu: got %s\n", i, datastore_name(n.datastore));
		CHECK(n.datastore == cases[i].ds);
		CHECK(n.role == ROLE_SERVER);
		node_free(&n);
	}
	/* K3s: pkg/etcd IsInitialized(): member/wal, not db/etcd alone */
	fresh_root();
	mkd("/var/lib/rancher/k3s/server/db/etcd");
	CHECK(load(&n) == 0);
	CHECK(n.datastore == DS_SQLITE);
	node_free(&n);
	fresh_root();
	mkd("/var/lib/rancher/k3s/server/db/etcd/member/wal");
	put("/etc/rancher/k3s/config.yaml", "datastore-endpoint: https://e1:2379\n", 0600);
	CHECK(load(&n) == 0);
	CHECK(n.datastore == DS_EMBEDDED_ETCD);
	CHECK_STR(datastore_name(n.datastore), "embedded-etcd");
	node_free(&n);
}

static void
test_files_lstat(void)
{
	struct node n;
	const struct node_file *f;
	struct buf p = BUF_INIT;

	fresh_root();
	put("/var/lib/rancher/k3s/server/token", "K10x::server:y\n", 0640);
	buf_addf(&p, "%s/var/lib/rancher/k3s/server/node-token", root);
	CHECK(symlink("/var/lib/rancher/k3s/server/token", p.s) == 0);
	CHECK(load(&n) == 0);
	f = node_file(&n, "server/token");
	CHECK(f && f->exists == 1 && S_ISREG(f->st.st_mode) && (f->st.st_mode & 0777) == 0640);
	CHECK_STR(f->path, "/var/lib/rancher/k3s/server/token");
	f = node_file(&n, "server/node-token");
	CHECK(f && f->exists == 1 && S_ISLNK(f->st.st_mode));
	CHECK_STR(f->link_target, "/var/lib/rancher/k3s/server/token");
	CHECK(node_file(&n, "server/cred/passwd")->exists == 0);
	CHECK(n.role == ROLE_SERVER);
	node_free(&n);
	buf_release(&p);
}

static void
test_bad_sources(void)
{
	struct node n;
	const struct source_error *e;
	struct buf p = BUF_INIT;

	fresh_root();
	put("/etc/rancher/k3s/config.yaml", "token: a\nnode-label: [x\n", 0600);
	put("/etc/rancher/k3s/config.yaml.d/10.yaml", "kubelet-arg:\n  a: b\nnode-name: ok\n", 0600);
	put("/etc/systemd/system/k3s.service",
	    "[Service]\nExecStart=/usr/local/bin/k3s server '--token\n", 0644);
	put("/etc/rancher/k3s/k3s.env", "K3S_TOKEN=x\nthis is not an assignment\n", 0600);
	buf_addf(&p, "%s/etc/rancher/k3s/config.yaml.d/20-loop.yaml", root);
	CHECK(symlink(p.s, p.s) == 0);
	CHECK(load(&n) == 0);
	e = node_source_error(&n, "config");
	/* libyaml notices the unclosed [ at the end of the file */
	CHECK(e && strstr(e->msg, "/etc/rancher/k3s/config.yaml' line 3: invalid YAML") &&
	    e->line == 3);
	CHECK(n.nerrors == 5);
	/* the good key of a file with a bad one is still read */
	CHECK_STR(node_get(&n, "node-name"), "ok");
	CHECK(node_opt(&n, "kubelet-arg") == NULL);
	e = node_source_error(&n, "unit");
	CHECK(e && e->line == 2 && strstr(e->msg, "k3s.service' line 2: unterminated quote"));
	e = node_source_error(&n, "env");
	CHECK(e && e->line == 2 && strstr(e->msg, "k3s.env' line 2"));
	for (size_t i = 0; i < n.nerrors; i++) {
		CHECK(strchr(n.errors[i].msg, '\n') == NULL);
		if (strstr(n.errors[i].msg, "20-loop"))
			/* K3s: os.ReadFile follows the link (here inside the root: to nothing) */
			CHECK(strstr(n.errors[i].msg, "cannot open") != NULL);
	}
	node_free(&n);
	buf_release(&p);
}

static int
ran(const char *rel)
{
	struct buf p = BUF_INIT;
	int r;

	buf_addf(&p, "%s%s", root, rel);
	r = access(p.s, F_OK) == 0;
	buf_release(&p);
	return r;
}

static void
test_version_valid(void)
{
	static const char *const good[] = {
		"v1.30.4+k3s1", "v1.33.0-rc2+k3s1", "v1.32.11+k3s3", "v2.0.0+k3s12",
	};
	static const char *const bad[] = {
		"", "1.30.4+k3s1", "v1.30.4", "v1.30.4-k3s1", "v1.30.4+k3s", "v1.30.4+k3s1x",
		"v1.30.4+k3s1 ", "v1.30+k3s1", "v1.30.4+k3s-0123abcd", "v1.30.4-rc+k3s1",
		"v12345.1.1+k3s1", "v1.30.4+k3s1v1.30.4+k3s1", "v1.30.4+k3s1234567890",
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		CHECK(k3s_version_valid(good[i]));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(!k3s_version_valid(bad[i]));
	CHECK(!k3s_version_valid(NULL));
}

/* Under a node root: the bytes, never a run. */
static void
test_version(void)
{
	static const struct {
		const char *bytes;
		const char *want;	/* NULL: unknown, with a version error */
	} scans[] = {
		{ "#!/bin/sh\ntouch \"$0.ran\"\necho 'k3s version v1.32.11+k3s3 (abcdef12)'\n",
		    "v1.32.11+k3s3" },
		{ "#!/bin/sh\ntouch \"$0.ran\"\necho 'k3s version v1.33.0-rc1+k3s1 (x)'\n",
		    "v1.33.0-rc1+k3s1" },
		{ "v1.30.4+k3s1", "v1.30.4+k3s1" },			/* at the very end */
		{ "xxv1.30.4+k3s1v1.30.4+k3s1yy", "v1.30.4+k3s1" },	/* back to back */
		{ "vvv1.30.4+k3s1-", "v1.30.4+k3s1" },
		{ "v1.30.4+k3s10123abcd v1.30.4+k3s1\n", "v1.30.4+k3s1" },	/* Go packing */
		{ "v1.30.4+k3s10 v1.30.4+k3s15", "v1.30.4+k3s1" },
		{ "v1.30.4+k3s12", NULL },				/* k3s1 or k3s12? */
		{ "v1.30.4+k3s1 v1.30.5+k3s1", NULL },
		{ "v1.30.4+k3s1 v1.30.4+k3s2", NULL },
		{ "v1.30.4-rc1+k3s1 v1.30.4+k3s1", NULL },
		{ "containerd v1.7.20-k3s1 kubernetes v1.30.4-k3s1", NULL },
		{ "v1.30.4+k3s-0123abcd", NULL },
		{ "v1.30.4+k3s", NULL },
		{ "v1.30.4.1+k3s1", NULL },
		{ "v11111.2.3+k3s1", NULL },
		{ "", NULL },
	};
	struct node n;

	fresh_root();
	for (size_t i = 0; i < ARRAY_SIZE(scans); i++) {
		put("/usr/local/bin/k3s", scans[i].bytes, 0755);
		CHECK(load(&n) == 0);
		if (scans[i].want) {
			CHECK_STR(n.k3s_version, scans[i].want);
			CHECK_STR(n.k3s_version_from, VERSION_FROM_BYTES);
			CHECK(n.nerrors == 0);
		} else {
			CHECK(n.k3s_version == NULL);
			CHECK_STR(n.k3s_version_from, VERSION_FROM_UNKNOWN);
			CHECK(node_source_error(&n, "version") &&
			    strstr(node_source_error(&n, "version")->msg, "--k3s-version"));
		}
		CHECK(!ran("/usr/local/bin/k3s.ran"));
		if (unit_cur_failed)
			fprintf(stderr, "# scan case %zu\n", i);
		node_free(&n);
	}

	/* --k3s-version: the binary's bytes do not matter */
	gopt.k3s_version = "v1.29.4+k3s2";
	CHECK(load(&n) == 0);
	CHECK_STR(n.k3s_version, "v1.29.4+k3s2");
	CHECK_STR(n.k3s_version_from, VERSION_FROM_OPTION);
	CHECK(n.nerrors == 0);
	node_free(&n);
	gopt.k3s_version = "1.29";
	CHECK(load(&n) == 0);
	CHECK(n.k3s_version == NULL && node_source_error(&n, "version"));
	node_free(&n);
	gopt.k3s_version = NULL;

	/* --k3s-bin somewhere else, absent: unknown, no error */
	gopt.k3s_bin = "/opt/bin/k3s";
	CHECK(load(&n) == 0);
	CHECK(n.k3s_version == NULL && n.nerrors == 0);
	CHECK_STR(n.k3s_version_from, VERSION_FROM_UNKNOWN);
	node_free(&n);
	gopt.k3s_bin = "/usr/local/bin/k3s";
}

/* On the host ("/"): k3s --version is run, for a trusted binary only. */
static void
test_version_host(void)
{
	struct buf bin = BUF_INIT;
	struct node n;

	fresh_root();
	buf_addf(&bin, "%s/usr/local/bin/k3s", root);
	gopt.root = "/";
	CHECK(gate_set_root("/") == 0);
	gopt.k3s_bin = bin.s;

	put("/usr/local/bin/k3s",
	    "#!/bin/sh\necho 'k3s version v1.32.11+k3s3 (abcdef12)'\n"
	    "echo 'go version go1.23.6'\n", 0755);
	CHECK(load(&n) == 0);
	CHECK_STR(n.k3s_version, "v1.32.11+k3s3");
	CHECK_STR(n.k3s_version_from, VERSION_FROM_RUN);
	node_free(&n);

	put("/usr/local/bin/k3s", "#!/bin/sh\necho 'hello v1.32.11+k3s3'\n", 0755);
	CHECK(load(&n) == 0);
	CHECK(n.k3s_version == NULL && node_source_error(&n, "version"));
	node_free(&n);

	put("/usr/local/bin/k3s", "#!/bin/sh\nexit 3\n", 0755);
	CHECK(load(&n) == 0);
	CHECK(n.k3s_version == NULL && node_source_error(&n, "version"));
	node_free(&n);

	/* group-writable: never run */
	put("/usr/local/bin/k3s", "#!/bin/sh\ntouch \"$0.ran\"\necho 'k3s version v1.32.1+k3s1 (x)'\n", 0775);
	CHECK(load(&n) == 0);
	CHECK(n.k3s_version == NULL);
	CHECK(node_source_error(&n, "version") &&
	    strstr(node_source_error(&n, "version")->msg, "writable"));
	CHECK(!ran("/usr/local/bin/k3s.ran"));
	node_free(&n);

	gopt.k3s_bin = "/usr/local/bin/k3s";
	buf_release(&bin);
	fresh_root();
}

static void
test_env_names(void)
{
	struct buf s = BUF_INIT;

	CHECK_STR(k3s_env_to_opt("K3S_URL", &s), "server");
	CHECK_STR(k3s_env_to_opt("K3S_TOKEN", &s), "token");
	CHECK_STR(k3s_env_to_opt("K3S_AGENT_TOKEN_FILE", &s), "agent-token-file");
	CHECK_STR(k3s_env_to_opt("K3S_DATASTORE_ENDPOINT", &s), "datastore-endpoint");
	CHECK_STR(k3s_env_to_opt("K3S_KUBECONFIG_MODE", &s), "write-kubeconfig-mode");
	CHECK(k3s_env_to_opt("HOME", &s) == NULL);
	CHECK(k3s_env_to_opt("K3S_", &s) == NULL);
	CHECK(k3s_env_to_opt("K3S_a", &s) == NULL);
	/* K3s: pkg/cli/cmds: no flag declares these */
	CHECK(k3s_env_to_opt("K3S_DISABLE", &s) == NULL);
	CHECK(k3s_env_to_opt("K3S_NODE_IP", &s) == NULL);
	CHECK(k3s_env_to_opt("K3S_KUBELET_ARG", &s) == NULL);
	CHECK_STR(k3s_env_to_opt("AWS_SECRET_ACCESS_KEY", &s), "etcd-s3-secret-key");
	/* both declare it now (server.go since K3s PR 10591: node_env_data_dir()) */
	CHECK(k3s_env_read("K3S_DATA_DIR", ROLE_SERVER));
	CHECK(k3s_env_read("K3S_DATA_DIR", ROLE_AGENT));
	CHECK(k3s_env_read("K3S_AGENT_TOKEN", ROLE_SERVER));
	CHECK(!k3s_env_read("K3S_AGENT_TOKEN", ROLE_AGENT));
	CHECK(!k3s_env_read("K3S_CLUSTER_SECRET", ROLE_SERVER));
	CHECK(!k3s_env_read("K3S_DISABLE", ROLE_UNKNOWN));
	CHECK(k3s_env_read("K3S_CONFIG_FILE", ROLE_AGENT));
	buf_release(&s);
}

static void
test_describe_redacts(void)
{
	static const char tok[] =
	    "K10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa::server:s3cretpass";
	struct buf b = BUF_INIT;

	node_describe_value("token", tok, &b);
	CHECK(strstr(b.s, "s3cretpass") == NULL && strstr(b.s, "secure"));
	buf_reset(&b);
	node_describe_value("K3S_AGENT_TOKEN", "shortsecret", &b);
	CHECK(strstr(b.s, "shortsecret") == NULL);
	buf_reset(&b);
	node_describe_value("datastore-endpoint",
	    "postgres://k3s:pgsecret@db:5432/k3s?sslmode=verify-full,mysql://r:mysecret@tcp(h:3306)/k", &b);
	CHECK(strstr(b.s, "pgsecret") == NULL && strstr(b.s, "mysecret") == NULL);
	CHECK(strstr(b.s, "postgres://k3s:REDACTED@db:5432") != NULL);
	buf_reset(&b);
	node_describe_value("datastore-endpoint", "postgres://db/k3s?user=a&password=pw2", &b);
	CHECK(strstr(b.s, "pw2") == NULL);
	buf_reset(&b);
	node_describe_value("node-name", "plain", &b);
	CHECK_STR(b.s, "plain");
	buf_release(&b);
	CHECK(k3s_opt_is_secret("K3S_TOKEN") && k3s_opt_is_secret("agent-token"));
	CHECK(!k3s_opt_is_secret("token-file"));
}

int
main(void)
{
	T(test_defaults_empty_root);
	T(test_missing_root);
	T(test_dropins_last_wins_and_append);
	T(test_unit_flags_over_config);
	T(test_dropin_unit_and_environment);
	T(test_unit_env_expansion);
	T(test_unit_rules);
	T(test_openrc);
	T(test_config_flag_and_data_dir_override);
	T(test_datastore_kinds);
	T(test_files_lstat);
	T(test_bad_sources);
	T(test_version_valid);
	T(test_version);
	T(test_version_host);
	T(test_env_names);
	T(test_describe_redacts);
	rm_root();
	return UNIT_DONE();
}
