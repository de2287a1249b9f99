/* SPDX-License-Identifier: Apache-2.0 */
/*
 * node.c: node_load() and the accessors of node.h.
 *
 * Reading order: units (node-units.c), env files, then the merge in
 * precedence order env < config files (node-config.c) < unit flags, then
 * the data dir, role, the K3s files (lstat, never followed), the datastore
 * kind and the K3s version.
 *
 * Invariants:
 *  - nothing here follows a symlink of the node tree out of it: every node
 *    path goes through the gate (core/gate.h), files are read with
 *    gate_read() (O_NOFOLLOW) and examined with gate_lstat();
 *  - a node root may be an untrusted disk image: with a root other than
 *    "/" NOTHING of it is run; the K3s version comes from --k3s-version or
 *    from the binary's bytes.  On the host, "k3s --version" is run only
 *    when the binary and its directory are root-owned and not group or
 *    other writable, with a minimal env, no stdin and a 5 s limit;
 *  - every problem is one error() line, printed once, and kept against its
 *    source so the checks that need it can say "error";
 *  - no value of an option is printed here: secrets go only through
 *    node_describe_value().
 */
#include "core/k3sguard.h"
#include "node/node.h"
#include "node/node-int.h"
#include "core/gate.h"
#include "token/token.h"

#include <dirent.h>

#define DEFAULT_DATA_DIR	"/var/lib/rancher/k3s"

/* ---- errors and owned strings ---- */

/* More problems than this in one file are summed up in one last line. */
#define ERRORS_PER_FILE 10

static int
node_errv(struct node *n, const char *source, const char *file, int line,
    const char *msg)
{
	struct source_error *e;
	size_t same = 0;

	for (size_t i = 0; i < n->nerrors; i++)
		if (!strcmp(n->errors[i].file, file ? file : ""))
			same++;
	if (same > ERRORS_PER_FILE)
		return -1;
	if (same == ERRORS_PER_FILE) {
		struct buf b = BUF_INIT;

		buf_addf(&b, "'%s': more problems; only the first %d are shown",
		    file, ERRORS_PER_FILE);
		n->errors = xrealloc(n->errors, (n->nerrors + 1) * sizeof(*n->errors));
		e = &n->errors[n->nerrors++];
		e->source = xstrdup(source);
		e->file = xstrdup(file ? file : "");
		e->line = 0;
		error("%s", b.s);
		e->msg = xstrdup(last_error());
		buf_release(&b);
		return -1;
	}

	n->errors = xrealloc(n->errors, (n->nerrors + 1) * sizeof(*n->errors));
	e = &n->errors[n->nerrors++];
	e->source = xstrdup(source);
	e->file = xstrdup(file ? file : "");
	e->line = line;
	error("%s", msg);
	e->msg = xstrdup(last_error());	/* one line, as error() made it */
	return -1;
}

int
node_err(struct node *n, const char *source, const char *file, int line,
    const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	node_errv(n, source, file, line, b.s);
	buf_release(&b);
	return -1;
}

int
node_err_last(struct node *n, const char *source, const char *file, int line)
{
	char *msg = xstrdup(last_error());

	node_errv(n, source, file, line, msg);
	free(msg);
	return -1;
}

void *
node_grow(void *p, size_t n, size_t size)
{
	size_t bytes;

	if (n & (n - 1))
		return p;	/* not a power of two: there is room */
	if (size_mul(n ? n * 2 : 1, size, &bytes) < 0)
		fatal("out of memory");
	return xrealloc(p, bytes);
}

const char *
node_intern(struct node *n, const char *s)
{
	for (size_t i = 0; i < n->nstrs; i++)
		if (!strcmp(n->strs[i], s))
			return n->strs[i];
	n->strs = xrealloc(n->strs, (n->nstrs + 1) * sizeof(*n->strs));
	return n->strs[n->nstrs++] = xstrdup(s);
}

/* ---- the merge ---- */

static size_t
name_hash(const char *s)
{
	size_t h = 14695981039346656037ULL;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/*
 * A config file may hold 100,000 keys (1 MiB): look names up through a
 * hash index, not a linear scan.
 */
struct mopt *
merge_get(struct merge *m, const char *name)
{
	size_t h;

	if (m->cap) {
		for (h = name_hash(name) & (m->cap - 1); m->idx[h];
		    h = (h + 1) & (m->cap - 1))
			if (!strcmp(m->o[m->idx[h] - 1].name, name))
				return &m->o[m->idx[h] - 1];
	}
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;

		free(m->idx);
		m->idx = xcalloc(cap, sizeof(*m->idx));
		m->cap = cap;
		for (size_t i = 0; i < m->n; i++) {
			for (h = name_hash(m->o[i].name) & (cap - 1); m->idx[h];
			    h = (h + 1) & (cap - 1))
				;
			m->idx[h] = i + 1;
		}
	}
	for (h = name_hash(name) & (m->cap - 1); m->idx[h]; h = (h + 1) & (m->cap - 1))
		;
	m->idx[h] = m->n + 1;
	if ((m->n & (m->n - 1)) == 0)	/* doubling: see the comment above */
		m->o = xrealloc(m->o, (m->n ? m->n * 2 : 1) * sizeof(*m->o));
	memset(&m->o[m->n], 0, sizeof(m->o[m->n]));
	m->o[m->n].name = xstrdup(name);
	return &m->o[m->n++];
}

void
vlist_add(struct vlist *l, const char *value, const struct origin *o)
{
	l->v = node_grow(l->v, l->n, sizeof(*l->v));
	l->v[l->n].value = xstrdup(value);
	l->v[l->n].where = *o;
	l->n++;
}

static void
wipe_str(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void
vlist_clear(struct vlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		wipe_str(l->v[i].value);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
kind_rank(enum source_kind k)
{
	return k == SRC_ENV ? 0 : k == SRC_UNIT ? 2 : 1;
}

/* Move a layer's values into out (the layer is emptied). */
static void
take(struct vlist *out, struct vlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		out->v = node_grow(out->v, out->n, sizeof(*out->v));
		out->v[out->n++] = l->v[i];
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
merge_finish(struct node *n, struct merge *m)
{
	n->opts = xcalloc(m->n ? m->n : 1, sizeof(*n->opts));
	for (size_t i = 0; i < m->n; i++) {
		struct mopt *o = &m->o[i];
		struct kopt *k = &n->opts[n->nopts++];
		struct vlist eff = { NULL, 0 };

		if (k3s_opt_is_list(o->name)) {
			/* K3s puts config args before the command line's */
			if (o->cfg.n || o->cli.n) {
				take(&eff, &o->cfg);
				take(&eff, &o->cli);
			} else {
				take(&eff, &o->env);
			}
		} else if (o->cli.n) {
			take(&eff, &o->cli);
		} else if (o->cfg.n) {
			take(&eff, &o->cfg);
		} else {
			take(&eff, &o->env);
		}
		vlist_clear(&o->env);
		vlist_clear(&o->cfg);
		vlist_clear(&o->cli);
		/* scalars: only the last value counts */
		if (!k3s_opt_is_list(o->name) && eff.n > 1) {
			for (size_t j = 0; j + 1 < eff.n; j++)
				wipe_str(eff.v[j].value);
			eff.v[0] = eff.v[eff.n - 1];
			eff.n = 1;
		}
		/* seen in precedence order, read order within a kind (stable) */
		if (o->seen.n > 1) {
			struct kvalue *sorted = xcalloc(o->seen.n, sizeof(*sorted));
			size_t at = 0;

			for (int rank = 0; rank <= 2; rank++)
				for (size_t a = 0; a < o->seen.n; a++)
					if (kind_rank(o->seen.v[a].where.kind) == rank)
						sorted[at++] = o->seen.v[a];
			free(o->seen.v);
			o->seen.v = sorted;
		}
		k->name = o->name;
		k->eff = eff.v;
		k->neff = eff.n;
		k->seen = o->seen.v;
		k->nseen = o->seen.n;
	}
	free(m->o);
	free(m->idx);
	m->o = NULL;
	m->idx = NULL;
	m->n = m->cap = 0;
}

/* ---- files ---- */

struct file_spec {
	const char *id;
	const char *path;	/* absolute host path, or relative to the data dir */
};

static const struct file_spec data_files[] = {
	{ "server", "server" },
	{ "server/token", "server/token" },
	{ "server/node-token", "server/node-token" },
	{ "server/agent-token", "server/agent-token" },
	{ "server/cred", "server/cred" },
	{ "server/cred/passwd", "server/cred/passwd" },
	{ "server/cred/admin.kubeconfig", "server/cred/admin.kubeconfig" },
	{ "server/tls", "server/tls" },
	{ "server/tls/server-ca.crt", "server/tls/server-ca.crt" },
	{ "server/tls/server-ca.key", "server/tls/server-ca.key" },
	{ "server/tls/client-ca.key", "server/tls/client-ca.key" },
	{ "server/db", "server/db" },
	{ "server/db/etcd", "server/db/etcd" },
	{ "server/db/snapshots", "server/db/snapshots" },
	{ "server/db/state.db", "server/db/state.db" },
	{ "server/manifests", "server/manifests" },
	{ "server/manifests/traefik.yaml", "server/manifests/traefik.yaml" },
	{ "agent", "agent" },
};

static const struct file_spec host_files[] = {
	{ "/etc/rancher/k3s", "/etc/rancher/k3s" },
	{ "k3s.yaml", "/etc/rancher/k3s/k3s.yaml" },
	{ "k3s.service", "/etc/systemd/system/k3s.service" },
	{ "k3s-agent.service", "/etc/systemd/system/k3s-agent.service" },
	{ "k3s.service.env", "/etc/systemd/system/k3s.service.env" },
	{ "k3s-agent.service.env", "/etc/systemd/system/k3s-agent.service.env" },
	{ "k3s.env", "/etc/rancher/k3s/k3s.env" },
	{ "k3s-agent.env", "/etc/rancher/k3s/k3s-agent.env" },
	{ "init.d/k3s", "/etc/init.d/k3s" },
	{ "init.d/k3s-agent", "/etc/init.d/k3s-agent" },
};

/*
 * host is missing inside the root: when a directory on its way is a link
 * that resolves to nothing there (an image's link to a host path, say),
 * say which, so a reader sees why.  Asked through the gate only; nothing
 * outside the root is looked at.  NULL when no such link.
 */
static char *
link_to_nothing(const char *host)
{
	struct buf pre = BUF_INIT, msg = BUF_INIT;
	const char *p = host;
	char t[PATH_MAX];
	struct stat st;

	while (*p) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (!len || !p[len])
			break;	/* the last name: missing itself */
		buf_addch(&pre, '/');
		buf_add(&pre, p, len);
		p += len;
		if (gate_lstat(pre.s, &st) < 0)
			break;
		if (S_ISLNK(st.st_mode) && gate_stat(pre.s, &st) < 0 &&
		    gate_readlink(pre.s, t, sizeof(t)) >= 0) {
			buf_addf(&msg, "'%s' is a symlink to '", pre.s);
			buf_add_printable(&msg, t);
			buf_adds(&msg, "', which leads to nothing inside the node root");
			break;
		}
	}
	buf_release(&pre);
	if (!msg.len) {
		buf_release(&msg);
		return NULL;
	}
	return buf_detach(&msg);
}

static void
add_file(struct node *n, const char *id, const char *host)
{
	struct node_file *f;

	n->files = xrealloc(n->files, (n->nfiles + 1) * sizeof(*n->files));
	f = &n->files[n->nfiles++];
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->path = xstrdup(host);
	if (gate_lstat(host, &f->st) == 0) {
		f->exists = 1;
		if (S_ISLNK(f->st.st_mode)) {
			char t[PATH_MAX];

			if (gate_readlink(host, t, sizeof(t)) >= 0)
				f->link_target = xstrdup(t);
		}
		return;
	}
	if (errno == ENOENT || errno == ENOTDIR) {
		f->exists = 0;
		f->err = link_to_nothing(host);
		return;
	}
	f->exists = -1;
	error_errno("cannot examine '%s'", root_path(host));
	f->err = xstrdup(last_error());
	/* the message was printed by error_errno: record without a second line */
	quiet_errors++;
	node_err(n, "files", host, 0, "%s", f->err);
	quiet_errors--;
}

static void
read_files(struct node *n)
{
	struct buf b = BUF_INIT;

	add_file(n, "config.yaml", n->config_path);
	buf_addf(&b, "%s.d", n->config_path);
	add_file(n, "config.yaml.d", b.s);
	buf_release(&b);
	add_file(n, "k3s-bin", n->k3s_bin);
	for (size_t i = 0; i < ARRAY_SIZE(host_files); i++)
		add_file(n, host_files[i].id, host_files[i].path);
	for (size_t i = 0; i < ARRAY_SIZE(data_files); i++)
		add_file(n, data_files[i].id, node_data_path(n, data_files[i].path));
}

/* ---- data dir, role, datastore ---- */

char *
node_host_abs(const char *p)
{
	struct buf b = BUF_INIT;

	if (*p != '/')
		buf_addch(&b, '/');	/* systemd runs K3s in / */
	buf_adds(&b, p);
	while (b.len > 1 && b.s[b.len - 1] == '/')
		buf_setlen(&b, b.len - 1);
	return buf_detach(&b);
}

static int
is_dir_under_root(const char *host)
{
	struct stat st;

	return gate_lstat(host, &st) == 0 && S_ISDIR(st.st_mode);
}

static void
find_role(struct node *n)
{
	for (size_t i = 0; i < n->nunits; i++)
		if (n->units[i].active && n->units[i].role != ROLE_UNKNOWN) {
			n->role = n->units[i].role;
			return;
		}
	if (is_dir_under_root(node_data_path(n, "server")))
		n->role = ROLE_SERVER;
	else if (is_dir_under_root(node_data_path(n, "agent")))
		n->role = ROLE_AGENT;
}

/*
 * K3s: kine pkg/endpoint/endpoint.go ParseStorageEndpoint() and
 * networkAndAddress(): the scheme is what comes before "://"; none at all
 * (no "://") is SQLite; http and https are etcd; mysql, postgres, sqlite,
 * nats and dqlite are kine backends; anything else is "storage backend is
 * not defined" (K3s does not start): unknown.
 */
static enum datastore
endpoint_kind(const char *ep)
{
	static const char *const sql[] = { "mysql", "postgres", "postgresql", "nats" };
	const char *sep = strstr(ep, "://");
	size_t len;

	if (!sep)
		return DS_SQLITE;
	len = (size_t)(sep - ep);
	if ((len == 4 && !strncmp(ep, "http", 4)) || (len == 5 && !strncmp(ep, "https", 5)))
		return DS_EXTERNAL_ETCD;
	if (len == 6 && !strncmp(ep, "sqlite", 6))
		return DS_SQLITE;
	for (size_t i = 0; i < ARRAY_SIZE(sql); i++)
		if (len == strlen(sql[i]) && !strncmp(ep, sql[i], len))
			return DS_EXTERNAL_SQL;
	return DS_UNKNOWN;
}

/*
 * K3s: pkg/etcd/etcd.go IsInitialized(): os.Stat of
 * <data-dir>/server/db/etcd/member/wal is a directory.  1, 0, or -1 when it
 * cannot be examined (K3s then fails: "invalid state for wal directory").
 */
static int
etcd_initialized(const struct node *n)
{
	struct stat st;
	int ret;

	quiet_errors++;
	ret = gate_stat(node_data_path(n, "server/db/etcd/member/wal"), &st);
	quiet_errors--;
	if (ret == 0)
		return S_ISDIR(st.st_mode);
	return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
}

/*
 * K3s: pkg/cluster/managed.go assignManagedDriver(), in its order:
 *  1. an initialized embedded etcd on disk is used, whatever
 *     datastore-endpoint says (an endpoint added later is ignored);
 *  2. a datastore-endpoint whose text before the first ':' is "etcd"
 *     selects the embedded etcd;
 *  3. no datastore-endpoint and cluster-init, or a token (token or
 *     token-file) and a server URL (joining): the embedded etcd;
 *  4. otherwise no managed database: kine with datastore-endpoint
 *     (endpoint_kind()), SQLite when it is empty.
 * Agents have no datastore.
 */
static void
find_datastore(struct node *n)
{
	const char *ep = node_get(n, "datastore-endpoint");
	const char *tok = node_get(n, "token"), *tokf = node_get(n, "token-file");
	const char *url = node_get(n, "server");
	int init;

	if (!ep)
		ep = "";
	if (n->role == ROLE_AGENT) {
		n->datastore = DS_UNKNOWN;	/* agents have none */
		n->datastore_why = "agent: no datastore";
		return;
	}
	init = etcd_initialized(n);
	if (init < 0) {
		n->datastore = DS_UNKNOWN;
		n->datastore_why = "server/db/etcd/member/wal could not be examined";
	} else if (init) {
		n->datastore = DS_EMBEDDED_ETCD;
		n->datastore_why = *ep ? "server/db/etcd/member/wal exists: K3s uses the "
		    "initialized embedded etcd and ignores datastore-endpoint" :
		    "server/db/etcd/member/wal exists (initialized embedded etcd)";
	} else if (!strncmp(ep, "etcd", 4) && (ep[4] == '\0' || ep[4] == ':')) {
		n->datastore = DS_EMBEDDED_ETCD;
		n->datastore_why = "datastore-endpoint names the embedded etcd driver";
	} else if (!*ep && (node_opt_true(n, "cluster-init") ||
	    (((tok && *tok) || (tokf && *tokf)) && url && *url))) {
		n->datastore = DS_EMBEDDED_ETCD;
		n->datastore_why = node_opt_true(n, "cluster-init") ? "cluster-init" :
		    "joins a server (token and server URL, no datastore-endpoint)";
	} else if (n->role != ROLE_SERVER && !*ep) {
		n->datastore = DS_UNKNOWN;	/* unknown role: do not guess */
		n->datastore_why = "role unknown";
	} else {
		n->datastore = endpoint_kind(ep);
		n->datastore_why = !*ep ? "no datastore-endpoint: kine with SQLite" :
		    n->datastore == DS_UNKNOWN ? "datastore-endpoint scheme kine does not know" :
		    "datastore-endpoint (kine)";
	}
}

/* ---- node_load ---- */

/*
 * Env files (lowest), then unit flags; then the config file they name
 * (node-config.c: K3S_CONFIG_FILE beats --config, as K3s decides it).
 */
void
merge_units_env(struct node *n, struct merge *m)
{
	merge_env(n, m);
	merge_units(n, m);
	find_config_file(n, m);
}

/*
 * The binary K3s runs: --k3s-bin when given; else the running unit's
 * command, as install.sh writes it (create_systemd_service_file() and
 * create_openrc_service_file(): ExecStart=/command= ${BIN_DIR}/k3s, BIN_DIR
 * from setup_binary_dir(): INSTALL_K3S_BIN_DIR, /usr/local/bin by
 * default); else /usr/local/bin/k3s.  A relative command is left to the
 * default (systemd refuses one that is not absolute).
 */
static void
find_k3s_bin(struct node *n)
{
	const char *bin = "/usr/local/bin/k3s";

	if (gopt.k3s_bin && *gopt.k3s_bin) {
		bin = gopt.k3s_bin;
	} else {
		for (size_t i = 0; i < n->nunits; i++) {
			const struct unit *u = &n->units[i];

			if (u->active && u->argc && u->argv[0][0] == '/')
				bin = u->argv[0];
		}
	}
	n->k3s_bin = node_host_abs(bin);
}

int
node_load(struct node *n)
{
	const char *root = gopt.root && *gopt.root ? gopt.root : "/";
	struct merge m = { NULL, 0, NULL, 0 };
	struct stat st;

	memset(n, 0, sizeof(*n));
	quiet_errors++;
	if (gate_stat("/", &st) < 0) {
		quiet_errors--;
		return error_errno("cannot open the node root '%s'", root);
	}
	quiet_errors--;
	if (!S_ISDIR(st.st_mode))
		return error("node root '%s' is not a directory", root);
	n->root = xstrdup(root);
	node_read_units(n);
	find_k3s_bin(n);
	node_read_envfiles(n);
	merge_units_env(n, &m);
	merge_configs(n, &m);
	merge_finish(n, &m);
	node_read_version(n);
	node_env_data_dir(n);

	if (gopt.data_dir && *gopt.data_dir)
		n->data_dir = node_host_abs(gopt.data_dir);
	else if (node_get(n, "data-dir") && *node_get(n, "data-dir"))
		n->data_dir = node_host_abs(node_get(n, "data-dir"));
	else
		n->data_dir = xstrdup(DEFAULT_DATA_DIR);

	find_role(n);
	read_files(n);
	find_datastore(n);
	return 0;
}

static void
free_unit(struct unit *u)
{
	free(u->path);
	free(u->link_path);
	free(u->name);
	for (size_t i = 0; i < u->argc; i++)
		wipe_str(u->argv[i]);
	free(u->argv);
	free(u->arg_lines);
	for (size_t i = 0; i < u->n_env_files; i++)
		free(u->env_files[i]);
	free(u->env_files);
	free(u->env_file_required);
	free(u->env_file_lines);
	free(u->agent_exec_secret);
	for (size_t i = 0; i < u->n_env; i++) {
		free(u->env[i].name);
		wipe_str(u->env[i].value);
	}
	free(u->env);
	for (size_t i = 0; i < u->ndropins; i++)
		free(u->dropins[i]);
	free(u->dropins);
}

void
node_free(struct node *n)
{
	free(n->root);
	free(n->data_dir);
	free(n->k3s_bin);
	free(n->k3s_version);
	for (size_t i = 0; i < n->nopts; i++) {
		struct kopt *k = &n->opts[i];

		for (size_t j = 0; j < k->neff; j++)
			wipe_str(k->eff[j].value);
		for (size_t j = 0; j < k->nseen; j++)
			wipe_str(k->seen[j].value);
		free(k->eff);
		free(k->seen);
		free(k->name);
	}
	free(n->opts);
	for (size_t i = 0; i < n->nconfig_files; i++)
		free(n->config_files[i]);
	free(n->config_files);
	for (size_t i = 0; i < n->nunits; i++)
		free_unit(&n->units[i]);
	free(n->units);
	for (size_t i = 0; i < n->nenvfiles; i++) {
		struct envfile *e = &n->envfiles[i];

		for (size_t j = 0; j < e->n; j++) {
			free(e->vars[j].name);
			wipe_str(e->vars[j].value);
		}
		free(e->vars);
		free(e->path);
	}
	free(n->envfiles);
	for (size_t i = 0; i < n->nfiles; i++) {
		free(n->files[i].path);
		free(n->files[i].link_target);
		free(n->files[i].err);
	}
	free(n->files);
	for (size_t i = 0; i < n->nerrors; i++) {
		free(n->errors[i].source);
		free(n->errors[i].file);
		free(n->errors[i].msg);
	}
	free(n->errors);
	free(n->config_path);
	for (size_t i = 0; i < n->nstrs; i++)
		free(n->strs[i]);
	free(n->strs);
	memset(n, 0, sizeof(*n));
}

/* ---- accessors ---- */

const struct kopt *
node_opt(const struct node *n, const char *name)
{
	for (size_t i = 0; i < n->nopts; i++)
		if (!strcmp(n->opts[i].name, name))
			return &n->opts[i];
	return NULL;
}

const char *
node_get(const struct node *n, const char *name)
{
	const struct kopt *k = node_opt(n, name);

	return k && k->neff ? k->eff[k->neff - 1].value : NULL;
}

const struct origin *
node_origin(const struct node *n, const char *name)
{
	const struct kopt *k = node_opt(n, name);

	return k && k->neff ? &k->eff[k->neff - 1].where : NULL;
}

const char *
node_data_path(const struct node *n, const char *rel)
{
	static struct buf ring[8];
	static unsigned next;
	struct buf *b = &ring[next++ % ARRAY_SIZE(ring)];

	buf_reset(b);
	buf_adds(b, n->data_dir ? n->data_dir : DEFAULT_DATA_DIR);
	if (rel && *rel) {
		if (b->len == 0 || b->s[b->len - 1] != '/')
			buf_addch(b, '/');
		buf_adds(b, rel);
	}
	return b->s;
}

const struct node_file *
node_file(const struct node *n, const char *id)
{
	for (size_t i = 0; i < n->nfiles; i++)
		if (!strcmp(n->files[i].id, id))
			return &n->files[i];
	return NULL;
}

int
node_found(const struct node *n, struct buf *looked)
{
	static const char *const ids[] = { "server", "agent", "/etc/rancher/k3s" };
	const struct node_file *f;

	if (n->nunits || n->nconfig_files)
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		if ((f = node_file(n, ids[i])) && f->exists)
			return 1;	/* present, or there but not examinable */
	buf_addf(looked, "no K3s unit (k3s*.service, /etc/init.d/k3s*), no config file, no "
	    "/etc/rancher/k3s, no %s/server or %s/agent", n->data_dir, n->data_dir);
	return 0;
}

const struct source_error *
node_source_error(const struct node *n, const char *source)
{
	for (size_t i = 0; i < n->nerrors; i++)
		if (!strcmp(n->errors[i].source, source))
			return &n->errors[i];
	return NULL;
}

const char *
role_name(enum node_role r)
{
	return r == ROLE_SERVER ? "server" : r == ROLE_AGENT ? "agent" : "unknown";
}

const char *
datastore_name(enum datastore d)
{
	switch (d) {
	case DS_SQLITE:
		return "sqlite";
	case DS_EMBEDDED_ETCD:
		return "embedded-etcd";
	case DS_EXTERNAL_ETCD:
		return "external-etcd";
	case DS_EXTERNAL_SQL:
		return "external-sql";
	default:
		return "unknown";
	}
}

const char *
source_kind_name(enum source_kind k)
{
	switch (k) {
	case SRC_CONFIG:
		return "config";
	case SRC_DROPIN:
		return "drop-in";
	case SRC_UNIT:
		return "unit";
	default:
		return "env";
	}
}

const char *
origin_str(const struct origin *o)
{
	static struct buf ring[8];
	static unsigned next;
	struct buf *b = &ring[next++ % ARRAY_SIZE(ring)];

	buf_reset(b);
	if (!o || !o->file)
		return "(unknown)";
	buf_add_printable(b, o->file);
	if (o->line > 0)
		buf_addf(b, ":%d", o->line);
	return b->s;
}

/* ---- K3s option facts ---- */

static int
in_list(const char *name, const char *const *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, l[i]))
			return 1;
	return 0;
}

int
k3s_opt_is_list(const char *name)
{
	static const char *const lists[] = {
		"tls-san", "kube-apiserver-arg", "kube-controller-manager-arg",
		"kube-scheduler-arg", "kube-cloud-controller-manager-arg",
		"kubelet-arg", "kube-proxy-arg", "etcd-arg", "disable",
		"node-label", "node-taint", "node-ip", "node-external-ip",
		"node-internal-dns", "node-external-dns", "cluster-cidr",
		"service-cidr", "cluster-dns", "containerd-arg", "image-service-endpoint",
		"airgap-extra-registry", "flannel-external-ip-list", "tls-san-list",
	};

	return in_list(name, lists, ARRAY_SIZE(lists));
}

int
k3s_opt_is_bool(const char *name)
{
	static const char *const bools[] = {
		"cluster-init", "cluster-reset", "debug", "disable-agent",
		"disable-apiserver", "disable-apiserver-lb", "disable-cloud-controller",
		"disable-controller-manager", "disable-etcd", "disable-helm-controller",
		"disable-kube-proxy", "disable-network-policy", "disable-scheduler",
		"disable-default-registry-endpoint", "docker", "embedded-registry",
		"enable-pprof", "etcd-disable-snapshots", "etcd-expose-metrics",
		"etcd-s3", "etcd-s3-insecure", "etcd-s3-skip-ssl-verify",
		"flannel-ipv6-masq", "flannel-external-ip", "help", "kine-tls",
		"prefer-bundled-bin", "protect-kernel-defaults", "rootless",
		"secrets-encryption", "selinux", "supervisor-metrics", "tls-san-security",
		"with-node-id", "alsologtostderr", "no-flannel", "no-deploy",
		"cluster-reset-restore-path-skip", "disable-servicelb", "disable-traefik",
	};

	return in_list(name, bools, ARRAY_SIZE(bools));
}

int
k3s_opt_is_secret(const char *name)
{
	static const char *const secrets[] = {
		"token", "agent-token", "cluster-secret", "datastore-endpoint",
		"etcd-s3-secret-key", "etcd-s3-session-token", "vpn-auth",
	};
	struct buf scratch = BUF_INIT;
	const char *opt = name;
	int ret;

	if (!(opt = k3s_env_to_opt(name, &scratch)))
		opt = name;
	ret = in_list(opt, secrets, ARRAY_SIZE(secrets));
	buf_release(&scratch);
	return ret;
}

int
k3s_parse_bool(const char *s)
{
	static const char *const yes[] = { "1", "t", "true", "yes", "on", "y" };
	static const char *const no[] = { "0", "f", "false", "no", "off", "n" };

	if (!s)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (!strcasecmp(s, yes[i]))
			return 1;
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (!strcasecmp(s, no[i]))
			return 0;
	return -1;
}

int
node_opt_true(const struct node *n, const char *name)
{
	return k3s_parse_bool(node_get(n, name)) == 1;
}

/* scheme://user:PASSWORD@host -> scheme://user:REDACTED@host, and password=... */
static void
redact_urls(const char *v, struct buf *out)
{
	struct buf tmp = BUF_INIT;
	const char *p = v;

	while (*p) {
		const char *sep = strstr(p, "://");
		const char *end, *at, *colon;

		if (!sep) {
			buf_adds(&tmp, p);
			break;
		}
		buf_add(&tmp, p, (size_t)(sep + 3 - p));
		p = sep + 3;
		end = p + strcspn(p, ",/?");
		at = NULL;
		for (const char *q = p; q < end; q++)
			if (*q == '@')
				at = q;
		/* mysql's user:pass@tcp(host:3306) has '/' only after the '@' */
		if (!at) {
			const char *q = strchr(p, '@');

			if (q && (!strchr(p, ',') || q < strchr(p, ',')))
				at = q;
		}
		if (at) {
			colon = memchr(p, ':', (size_t)(at - p));
			if (colon) {
				buf_add(&tmp, p, (size_t)(colon + 1 - p));
				buf_adds(&tmp, "REDACTED");
			} else {
				buf_add(&tmp, p, (size_t)(at - p));
			}
			p = at;
		}
	}
	/* query-string or DSN passwords: password=..., sslpassword=... */
	p = tmp.s;
	while (*p) {
		const char *k = strcasestr(p, "password=");

		if (!k) {
			buf_add_printable(out, p);
			break;
		}
		{
			struct buf chunk = BUF_INIT;

			buf_add(&chunk, p, (size_t)(k + 9 - p));
			buf_add_printable(out, chunk.s);
			buf_release(&chunk);
		}
		buf_adds(out, "REDACTED");
		p = k + 9;
		p += strcspn(p, "& ,");
	}
	buf_wipe(&tmp);
}

void
node_describe_value(const char *name, const char *value, struct buf *out)
{
	struct buf scratch = BUF_INIT;
	const char *opt = name;

	if (!(opt = k3s_env_to_opt(name, &scratch)))
		opt = name;
	if (!value) {
		buf_adds(out, "(none)");
	} else if (!k3s_opt_is_secret(opt)) {
		buf_add_printable(out, value);
	} else if (!*value) {
		buf_adds(out, "(empty)");
	} else if (!strcmp(opt, "token") || !strcmp(opt, "agent-token") ||
	    !strcmp(opt, "cluster-secret")) {
		struct token_info ti;

		if (token_parse(value, strlen(value), &ti) == 0)
			token_describe(&ti, out);
		else
			buf_addf(out, "<unparseable token, %zu bytes>", strlen(value));
		explicit_bzero(&ti, sizeof(ti));
	} else if (!strcmp(opt, "datastore-endpoint")) {
		redact_urls(value, out);
	} else {
		buf_addf(out, "<redacted, %zu bytes>", strlen(value));
	}
	buf_release(&scratch);
}
