/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check.c: the registry of the six strategies, results, and the helpers
 * the check files share.
 *
 * Invariants:
 *  - every strategy's title and threats are the seed's, word for word;
 *  - a check that sets no status is an error, never a pass;
 *  - evidence is one line: control characters are escaped on the way in.
 */
#include "core/k3sguard.h"
#include "checks/check.h"
#include "core/gate.h"
#include "core/secret.h"
#include "token/token.h"

/* The seed's threats, with the severity it gives each one. */
static const struct threat threats_etcd[] = {
	{ "etcd Compromise via K3s", "critical" },
	{ "Single Point of Failure (K3s Default)", "high" },
	{ "Unauthorized etcd Access", "high" },
};
static const struct threat threats_server_token[] = {
	{ "Unauthorized Node Joining (K3s Specific)", "high" },
	{ "Token Exposure", "high" },
};
static const struct threat threats_agent_token[] = {
	{ "Unauthorized Node Joining (K3s Specific)", "high" },
	{ "Token Exposure", "high" },
};
static const struct threat threats_manifests[] = {
	{ "Unauthorized Workload Deployment (K3s Specific)", "critical" },
	{ "Tampering", "high" },
};
static const struct threat threats_traefik[] = {
	{ "Ingress Controller Vulnerabilities (K3s Default)", "high" },
	{ "DoS Attacks", "medium" },
	{ "Unauthorized Dashboard Access", "medium" },
};
static const struct threat threats_updates[] = {
	{ "K3s Vulnerabilities", "variable" },
};

#define STRATEGY(id_, title_, t_, c_) \
	{ id_, title_, threats_##t_, ARRAY_SIZE(threats_##t_), checks_##c_, &nchecks_##c_ }

const struct strategy strategies[] = {
	STRATEGY("etcd", "Externalize and Secure etcd (K3s-Specific Focus)", etcd, etcd),
	STRATEGY("server-token", "Rotate and Secure K3s Server Token", server_token, server_token),
	STRATEGY("agent-token", "Secure Agent Token Handling (K3s-Specific Focus)", agent_token,
	    agent_token),
	STRATEGY("manifests", "Secure Auto-Deploying Manifests Directory (K3s-Specific)", manifests,
	    manifests),
	STRATEGY("traefik", "Secure Traefik Configuration (K3s Default Ingress)", traefik, traefik),
	STRATEGY("updates", "Regular K3s Updates", updates, updates),
};
const size_t nstrategies = ARRAY_SIZE(strategies);

static const char *const severity_names[] = { "low", "medium", "high", "critical" };
static const char *const status_names[] = { "pass", "fail", "warn", "skip", "error", "waived" };

const char *
severity_name(enum severity s)
{
	return (unsigned)s < ARRAY_SIZE(severity_names) ? severity_names[s] : "unknown";
}

int
severity_parse(const char *s, enum severity *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(severity_names); i++) {
		if (!strcmp(s, severity_names[i])) {
			*out = (enum severity)i;
			return 0;
		}
	}
	return -1;
}

static const char *const fixable_ids[] = {
	"server-token.file-mode", "server-token.file-owner", "server-token.cred-mode",
	"agent-token.agent-token-file", "agent-token.token-file", "agent-token.env-mode",
	"agent-token.unit-mode", "etcd.key-mode", "manifests.dir-mode", "manifests.owner",
	"manifests.file-mode", "agent-token.plaintext-env", "agent-token.plaintext-unit",
	"agent-token.plaintext-config", "server-token.kubeconfig-mode", "server-token.cred-files",
	"server-token.tls-keys",
};

int
check_fixable(const char *id)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixable_ids); i++)
		if (!strcmp(fixable_ids[i], id))
			return 1;
	return 0;
}

const char *
status_name(enum status s)
{
	return (unsigned)s < ARRAY_SIZE(status_names) ? status_names[s] : "unknown";
}

static const char *const reach_names[] = { "root", "network", "kernel" };

const char *
check_reach_name(enum check_reach reach)
{
	return (unsigned)reach < ARRAY_SIZE(reach_names) ? reach_names[reach] : "unknown";
}

/* The check check_run() is running: check_offline() reads its row. */
static const struct check *running;

int
check_offline(struct check_result *r)
{
	const struct check *c = running;

	if (!c || c->reach == REACH_ROOT) {
		check_error(r, "check '%s' reads beyond the root, but its row says it reads only "
		    "the node's files", c ? c->id : "(none)");
		return 1;
	}
	if (gate_root_is_host())
		return 0;
	if (c->reach == REACH_NETWORK) {
		if (gopt.live)
			return 0;
		check_skip(r, "offline image (--live to probe the endpoints it names)");
		return 1;
	}
	check_skip(r, "offline image: this check reads the running kernel's state (firewall "
	    "rules, loaded profiles, processes), which is this host's, not the image's: audit "
	    "the node itself");
	return 1;
}

/* A status no check can set: marks "the function said nothing". */
#define ST_UNSET ((enum status)-1)

void
check_result_init(struct check_result *r)
{
	r->status = ST_UNSET;
	buf_init(&r->evidence);
}

void
check_result_release(struct check_result *r)
{
	buf_wipe(&r->evidence);
}

static void
set_result(struct check_result *r, enum status st, const char *fmt, va_list ap)
{
	struct buf raw = BUF_INIT;

	r->status = st;
	buf_reset(&r->evidence);
	buf_vaddf(&raw, fmt, ap);
	buf_add_printable(&r->evidence, raw.s);
	buf_wipe(&raw);
}

void
check_set(struct check_result *r, enum status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_result(r, st, fmt, ap);
	va_end(ap);
}

#define SETTER(name, st) \
void \
name(struct check_result *r, const char *fmt, ...) \
{ \
	va_list ap; \
	va_start(ap, fmt); \
	set_result(r, st, fmt, ap); \
	va_end(ap); \
}
SETTER(check_pass, ST_PASS)
SETTER(check_fail, ST_FAIL)
SETTER(check_warn, ST_WARN)
SETTER(check_skip, ST_SKIP)
SETTER(check_error, ST_ERROR)

void
check_run(const struct check *c, const struct node *n, struct check_result *r)
{
	check_result_init(r);
	quiet_errors++;		/* library errors become evidence, not stderr noise */
	running = c;
	c->fn(n, r);
	running = NULL;
	quiet_errors--;
	if (r->status == ST_UNSET)
		check_error(r, "check '%s' reached no verdict", c->id);
}

const struct strategy *
strategy_find(const char *id)
{
	for (size_t i = 0; i < nstrategies; i++)
		if (!strcmp(strategies[i].id, id))
			return &strategies[i];
	return NULL;
}

const struct check *
check_find(const char *id, const struct strategy **sp)
{
	for (size_t i = 0; i < nstrategies; i++) {
		for (size_t j = 0; j < *strategies[i].nchecks; j++) {
			if (!strcmp(strategies[i].checks[j].id, id)) {
				if (sp)
					*sp = &strategies[i];
				return &strategies[i].checks[j];
			}
		}
	}
	return NULL;
}

void
check_stat(const struct node *n, const char *host_path, struct check_file *f)
{
	ssize_t len;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", host_path);
	for (size_t i = 0; i < n->nfiles; i++) {
		const struct node_file *nf = &n->files[i];

		if (!nf->path || strcmp(nf->path, host_path) != 0)
			continue;
		f->exists = nf->exists;
		f->st = nf->st;
		if (nf->link_target)
			snprintf(f->target, sizeof(f->target), "%s", nf->link_target);
		if (nf->err)
			snprintf(f->err, sizeof(f->err), "%s", nf->err);
		else if (f->exists < 0)
			snprintf(f->err, sizeof(f->err), "'%s' could not be examined", host_path);
		return;
	}
	/* resolved inside the root: a link on the way never leads out */
	if (gate_lstat(host_path, &f->st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			f->exists = 0;
		} else {
			f->exists = -1;
			snprintf(f->err, sizeof(f->err), "cannot examine '%s': %s", host_path,
			    strerror(errno));
		}
		return;
	}
	f->exists = 1;
	if (S_ISLNK(f->st.st_mode)) {
		len = gate_readlink(host_path, f->target, sizeof(f->target));
		if (len < 0)
			f->target[0] = '\0';
	}
}

enum status
check_read(const char *host_path, size_t cap, struct buf *out, struct buf *why)
{
	struct stat st;
	int fd, e;

	/* a FIFO or device node is never opened: -2, the type shown below */
	fd = gate_open_regular(host_path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, &st);
	if (fd < 0 && fd != -2) {
		e = errno;
		if (e == ENOENT || e == ENOTDIR) {
			buf_addf(why, "'%s' is missing", host_path);
			return ST_FAIL;
		}
		if (e == ELOOP) {
			buf_addf(why, "'%s' is a symlink (or a loop of links on the way): not read",
			    host_path);
			return ST_SKIP;
		}
		buf_addf(why, "cannot open '%s': %s", host_path, strerror(e));
		return ST_ERROR;
	}
	if (fd == -2) {
		buf_addf(why, "'%s' is a %s, not a regular file: not read", host_path,
		    type_str(st.st_mode));
		return ST_SKIP;
	}
	if (st.st_nlink > 1) {
		buf_addf(why, "'%s' has %ju hard links: another name, perhaps outside the root, "
		    "shares it (not read)", host_path, (uintmax_t)st.st_nlink);
		close(fd);
		return ST_FAIL;
	}
	if (file_read_fd(fd, host_path, cap, out, NULL) < 0) {
		buf_adds(why, last_error());
		close(fd);
		return ST_ERROR;
	}
	close(fd);
	return ST_PASS;
}

enum status
check_read_token(const char *host_path, struct buf *raw, struct token_info *t,
    struct buf *why)
{
	enum status st;

	memset(t, 0, sizeof(*t));
	secret_buf_reserve(raw, TOKEN_MAX + 1);
	if ((st = check_read(host_path, TOKEN_MAX, raw, why)) != ST_PASS)
		return st;
	if (token_parse(raw->s, raw->len, t) < 0) {
		buf_addf(why, "'%s' does not hold a valid K3s token", host_path);
		return ST_FAIL;
	}
	return ST_PASS;
}

void
check_describe_file(struct buf *b, const struct check_file *f)
{
	char m[8];

	buf_addf(b, "'%s' (", f->path);
	if (f->exists == 0) {
		buf_adds(b, "missing)");
		return;
	}
	if (f->exists < 0) {
		buf_addf(b, "%s)", f->err);
		return;
	}
	if (S_ISLNK(f->st.st_mode)) {
		buf_adds(b, "symlink to '");
		buf_add_printable(b, f->target);
		buf_adds(b, "')");
		return;
	}
	buf_addf(b, "%s, mode %s, owner uid %u)", type_str(f->st.st_mode),
	    mode_str(f->st.st_mode, m), (unsigned)f->st.st_uid);
}

int
check_source_failed(const struct node *n, const char *source, struct check_result *r)
{
	const struct source_error *e = node_source_error(n, source);

	if (!e)
		return 0;
	check_error(r, "%s", e->msg);
	return 1;
}

int
check_options_failed(const struct node *n, struct check_result *r)
{
	return check_source_failed(n, "config", r) || check_source_failed(n, "unit", r) ||
	    check_source_failed(n, "env", r);
}

int
check_skip_agent(const struct node *n, struct check_result *r)
{
	if (n->role != ROLE_AGENT)
		return 0;
	check_skip(r, "agent node: this applies to servers only");
	return 1;
}

const char *
check_origin(const struct node *n, const char *opt)
{
	const struct origin *o = node_origin(n, opt);

	return o ? origin_str(o) : "an unknown place";
}

static void
add_hit(struct token_hit **v, size_t *k, const char *opt, const char *name,
    const char *value, enum source_kind kind, const char *where)
{
	for (size_t i = 0; i < *k; i++)
		if (!strcmp((*v)[i].where, where) && !strcmp((*v)[i].opt, opt))
			return;
	*v = xrealloc(*v, (*k + 1) * sizeof(**v));
	(*v)[*k].opt = opt;
	(*v)[*k].name = name;
	(*v)[*k].value = value;
	(*v)[*k].kind = kind;
	snprintf((*v)[*k].where, sizeof((*v)[*k].where), "%s", where);
	(*k)++;
}

/* The option an ExecStart= argument sets ("--token", "-t", "--token=x"). */
static const char *
argv_opt(const char *arg, const char *const *opts, size_t nopts, const char **inline_val)
{
	const char *rest;

	*inline_val = NULL;
	if (!strcmp(arg, "-t"))
		arg = "--token";
	if (!starts_with(arg, "--", &rest))
		return NULL;
	for (size_t i = 0; i < nopts; i++) {
		const char *after;

		if (starts_with(rest, opts[i], &after) && (*after == '\0' || *after == '=')) {
			if (*after == '=')
				*inline_val = after + 1;
			return opts[i];
		}
	}
	return NULL;
}

static const char *
env_opt(const char *name, const char *const *opts, size_t nopts, struct buf *scratch)
{
	const char *o = k3s_env_to_opt(name, scratch);

	for (size_t i = 0; o && i < nopts; i++)
		if (!strcmp(o, opts[i]))
			return opts[i];
	return NULL;
}

size_t
check_token_hits(const struct node *n, const char *const *opts, size_t nopts,
    struct token_hit **out)
{
	struct buf scratch = BUF_INIT, at = BUF_INIT;
	size_t k = 0;

	*out = NULL;
	/* env files and units first: their hits keep the name as written */
	for (size_t e = 0; e < n->nenvfiles; e++) {
		const struct envfile *ef = &n->envfiles[e];

		for (size_t i = 0; i < ef->n; i++) {
			const char *o = env_opt(ef->vars[i].name, opts, nopts, &scratch);

			if (!o)
				continue;
			buf_reset(&at);
			buf_addf(&at, "%s:%d", ef->path, ef->vars[i].line);
			add_hit(out, &k, o, ef->vars[i].name, ef->vars[i].value, SRC_ENV, at.s);
		}
	}
	for (size_t u = 0; u < n->nunits; u++) {
		const struct unit *un = &n->units[u];

		for (size_t i = 0; i < un->n_env; i++) {
			const char *o = env_opt(un->env[i].name, opts, nopts, &scratch);

			if (!o)
				continue;
			buf_reset(&at);
			buf_addf(&at, "%s:%d", un->path, un->env[i].line);
			add_hit(out, &k, o, un->env[i].name, un->env[i].value, SRC_UNIT, at.s);
		}
		for (size_t a = 0; a < un->argc; a++) {
			const char *val, *o = argv_opt(un->argv[a], opts, nopts, &val);

			if (!o)
				continue;
			size_t flag_at = a;

			if (!val && a + 1 < un->argc)
				val = un->argv[++a];
			if (!val)
				continue;
			buf_reset(&at);
			buf_addf(&at, "%s:%d", un->exec_file ? un->exec_file : un->path,
			    un->arg_lines ? un->arg_lines[flag_at] : un->exec_line);
			add_hit(out, &k, o, o, val, SRC_UNIT, at.s);
		}
	}
	/* then every value the model saw (config files, drop-ins, ...) */
	for (size_t i = 0; i < nopts; i++) {
		const struct kopt *o = node_opt(n, opts[i]);

		for (size_t j = 0; o && j < o->nseen; j++)
			add_hit(out, &k, opts[i], o->name, o->seen[j].value, o->seen[j].where.kind,
			    origin_str(&o->seen[j].where));
	}
	buf_release(&scratch);
	buf_release(&at);
	return k;
}

void
check_describe_hit(struct buf *b, const struct token_hit *h)
{
	struct token_info t;

	buf_add_printable(b, h->name);
	buf_addf(b, " at %s (", h->where);
	if (token_parse(h->value, strlen(h->value), &t) == 0)
		token_describe(&t, b);
	else
		buf_adds(b, "a value that is not a valid token");
	buf_adds(b, ")");
	explicit_bzero(&t, sizeof(t));
}

static int
path_has_hit(const char *path, const struct token_hit *hits, size_t k)
{
	size_t plen = strlen(path);

	for (size_t i = 0; i < k; i++)
		if (!strncmp(hits[i].where, path, plen) && hits[i].where[plen] == ':')
			return 1;
	return 0;
}

size_t
check_unit_files(const struct node *n, struct unit_file **out)
{
	static const char *const opts[] = { "token", "agent-token" };
	struct token_hit *hits;
	size_t k = check_token_hits(n, opts, ARRAY_SIZE(opts), &hits), m = 0;

	*out = NULL;
	for (size_t u = 0; u < n->nunits; u++) {
		const struct unit *un = &n->units[u];

		for (size_t d = 0; d <= un->ndropins; d++) {
			const char *p = d == 0 ? un->path : un->dropins[d - 1];

			*out = xrealloc(*out, (m + 1) * sizeof(**out));
			(*out)[m].path = p;
			(*out)[m].openrc = un->openrc;
			(*out)[m].has_token = path_has_hit(p, hits, k);
			m++;
		}
	}
	free(hits);
	return m;
}
