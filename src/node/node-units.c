/* SPDX-License-Identifier: Apache-2.0 */
/*
 * node-units.c: K3s's systemd units (and drop-ins) and OpenRC scripts.
 * Env files are node-envfile.c, the merge of both node-merge-units.c,
 * line and word splitting node-lines.c.
 *
 * Parsing follows systemd: "\" at the end of a line continues it, lines
 * starting with # or ; are comments, ExecStart= words are split with
 * single/double quotes and C escapes, an empty ExecStart= or
 * EnvironmentFile= resets the list, and drop-ins <unit>.d/<name>.conf are read in
 * lexical order after the unit.  Every word keeps its physical line.
 *
 * Nothing is executed or sourced: OpenRC scripts are read as text.
 */
#include "core/k3sguard.h"
#include "node/node.h"
#include "node/node-int.h"
#include "core/gate.h"
#include "core/file.h"

#include <dirent.h>

/* ---- systemd units ---- */

struct unit *
node_unit_add(struct node *n, const char *path, const char *name, int openrc,
    const struct stat *st)
{
	struct unit *u;

	n->units = xrealloc(n->units, (n->nunits + 1) * sizeof(*n->units));
	u = &n->units[n->nunits++];
	memset(u, 0, sizeof(*u));
	u->path = xstrdup(path);
	u->name = xstrdup(name);
	u->openrc = openrc;
	u->st = *st;
	return u;
}

static void
unit_reset_exec(struct unit *u)
{
	free_words(u->argv, u->argc);
	free(u->arg_lines);
	u->argv = NULL;
	u->arg_lines = NULL;
	u->argc = 0;
	u->exec_line = 0;
	u->exec_file = NULL;
	u->role = ROLE_UNKNOWN;	/* the role was the cleared command's */
	u->token_via_agent_exec = 0;
	free(u->agent_exec_secret);
	u->agent_exec_secret = NULL;
}

/*
 * "k3sguard agent exec [--secret NAME] [--dry-run] -- k3s server|agent ..."
 * (the drop-in 'agent install-unit' and 'fix' write): K3s runs the words
 * after "--", with its token from the secret store.  Keep only those words
 * in argv, so the role and the flags are K3s's, and record the hand-over.
 * Any other k3sguard command line is left as it is (role unknown).
 */
static void
unit_unwrap_agent_exec(struct unit *u)
{
	const char *base, *secret = NULL;
	size_t i, dd = 0;

	if (u->argc < 4)
		return;
	base = strrchr(u->argv[0], '/');
	base = base ? base + 1 : u->argv[0];
	if (strcmp(base, "k3sguard"))
		return;
	/* global options (--root, ...) may come before "agent exec" */
	for (i = 1; i + 1 < u->argc; i++)
		if (!strcmp(u->argv[i], "agent") && !strcmp(u->argv[i + 1], "exec"))
			break;
	if (i + 1 >= u->argc)
		return;
	for (i += 2; i < u->argc; i++) {
		const char *w = u->argv[i], *rest;

		if (!strcmp(w, "--")) {
			dd = i;
			break;
		}
		if (!strcmp(w, "--secret") && i + 1 < u->argc)
			secret = u->argv[++i];
		else if (starts_with(w, "--secret=", &rest))
			secret = rest;
	}
	if (!dd || dd + 1 >= u->argc)
		return;
	if (!secret)	/* agent exec's default (agent_default_secret()) */
		secret = dd + 2 < u->argc && !strcmp(u->argv[dd + 2], "server") ?
		    "server-token" : "agent-token";
	u->agent_exec_secret = xstrdup(secret);
	u->token_via_agent_exec = 1;
	for (i = 0; i <= dd; i++)
		free(u->argv[i]);
	memmove(u->argv, u->argv + dd + 1, (u->argc - dd - 1) * sizeof(*u->argv));
	memmove(u->arg_lines, u->arg_lines + dd + 1, (u->argc - dd - 1) * sizeof(*u->arg_lines));
	u->argc -= dd + 1;
	u->argv[u->argc] = NULL;
}

static void
unit_role(struct unit *u)
{
	u->role = ROLE_UNKNOWN;
	for (size_t i = 1; i < u->argc; i++) {
		const char *a = u->argv[i];

		if (a[0] == '-')
			continue;	/* global flags before the verb take "=" or none */
		if (!strcmp(a, "server"))
			u->role = ROLE_SERVER;
		else if (!strcmp(a, "agent"))
			u->role = ROLE_AGENT;
		return;
	}
}

/* systemd specifiers we meet in K3s units: %N %n %p %% (others kept). */
static char *
expand_specifiers(const char *s, const char *unit_name)
{
	struct buf b = BUF_INIT;
	size_t nlen = strlen(unit_name);

	if (ends_with(unit_name, ".service"))
		nlen -= strlen(".service");
	for (; *s; s++) {
		if (*s != '%' || !s[1]) {
			buf_addch(&b, *s);
			continue;
		}
		s++;
		if (*s == 'N' || *s == 'p')
			buf_add(&b, unit_name, nlen);
		else if (*s == 'n')
			buf_adds(&b, unit_name);
		else if (*s == '%')
			buf_addch(&b, '%');
		else {
			buf_addch(&b, '%');
			buf_addch(&b, *s);
		}
	}
	return buf_detach(&b);
}

void
node_unit_parse(struct node *n, struct unit *u, const char *file, const char *data,
    size_t len)
{
	const char *hfile = node_intern(n, file);
	struct lline l = { BUF_INIT, NULL, 0 };
	size_t pos = 0;
	int lineno = 0, in_service = 0;

	while (next_lline(data, len, &pos, &lineno, &l)) {
		char *t = l.text.s, *eq, *key, *val;
		size_t off;

		while (isspace((unsigned char)*t))
			t++;
		if (!*t || *t == '#' || *t == ';')
			continue;
		if (*t == '[') {
			in_service = starts_with(t, "[Service]", NULL);
			continue;
		}
		if (!in_service || !(eq = strchr(t, '=')))
			continue;
		key = t;
		*eq = '\0';
		for (char *e = eq; e > key && isspace((unsigned char)e[-1]); e--)
			e[-1] = '\0';
		val = eq + 1;
		while (isspace((unsigned char)*val))
			val++;
		off = (size_t)(val - l.text.s);
		if (!strcmp(key, "ExecStart")) {
			char **w;
			int *wl;
			size_t nw, bad;

			if (u->argc && *val)
				node_err(n, "unit", hfile, l.first,
				    "'%s' line %d: a second ExecStart= without an empty "
				    "ExecStart= before it; systemd refuses the unit", hfile,
				    l.first);
			unit_reset_exec(u);
			/* prefixes: - @ : + ! !! (ignore-failure, argv0, privileges) */
			while (*val && strchr("-@:+!", *val)) {
				val++;
				off++;
			}
			if (!*val)
				continue;	/* "ExecStart=" resets */
			if (split_words(val, l.map + off, &w, &wl, &nw, &bad) < 0) {
				node_err(n, "unit", hfile, l.map[off + bad],
				    "'%s' line %d: unterminated quote in ExecStart=",
				    hfile, l.map[off + bad]);
				continue;
			}
			/* systemd expands specifiers in ExecStart= words: %% is % */
			for (size_t i = 0; i < nw; i++) {
				char *x;

				if (!strchr(w[i], '%'))
					continue;
				x = expand_specifiers(w[i], u->name);
				explicit_bzero(w[i], strlen(w[i]));
				free(w[i]);
				w[i] = x;
			}
			u->argv = w;
			u->arg_lines = wl;
			u->argc = nw;
			u->exec_line = l.first;
			u->exec_file = hfile;
			unit_unwrap_agent_exec(u);
			unit_role(u);
		} else if (!strcmp(key, "EnvironmentFile")) {
			char *p;

			if (!*val) {
				for (size_t i = 0; i < u->n_env_files; i++)
					free(u->env_files[i]);
				u->n_env_files = 0;
				continue;
			}
			p = expand_specifiers(val + (*val == '-'), u->name);
			p[strcspn(p, " \t")] = '\0';
			u->env_files = xrealloc(u->env_files,
			    (u->n_env_files + 1) * sizeof(*u->env_files));
			u->env_file_required = xrealloc(u->env_file_required,
			    (u->n_env_files + 1) * sizeof(*u->env_file_required));
			u->env_file_lines = xrealloc(u->env_file_lines,
			    (u->n_env_files + 1) * sizeof(*u->env_file_lines));
			u->env_file_required[u->n_env_files] = *val != '-';
			u->env_file_lines[u->n_env_files] = l.first;
			u->env_files[u->n_env_files++] = p;
		} else if (!strcmp(key, "Environment")) {
			char **w;
			int *wl;
			size_t nw, bad;

			if (split_words(val, l.map + off, &w, &wl, &nw, &bad) < 0) {
				node_err(n, "unit", hfile, l.map[off + bad],
				    "'%s' line %d: unterminated quote in Environment=",
				    hfile, l.map[off + bad]);
				continue;
			}
			for (size_t i = 0; i < nw; i++) {
				char *e = strchr(w[i], '=');

				if (!e || e == w[i]) {
					node_err(n, "unit", hfile, wl[i],
					    "'%s' line %d: Environment= word is not NAME=VALUE",
					    hfile, wl[i]);
					continue;
				}
				u->env = node_grow(u->env, u->n_env, sizeof(*u->env));
				u->env[u->n_env].name = xstrndup(w[i], (size_t)(e - w[i]));
				u->env[u->n_env].value = xstrdup(e + 1);
				u->env[u->n_env].line = wl[i];
				u->n_env++;
			}
			free_words(w, nw);
			free(wl);
		}
	}
	lline_free(&l);
}

/* Read a file of the node quietly; on failure record it against source. */
int
node_read_file(struct node *n, const char *source, const char *host,
    struct buf *out, struct stat *st)
{
	int ret;

	quiet_errors++;
	ret = gate_read(host, CONFIG_MAX, out, st);
	quiet_errors--;
	if (ret < 0)
		node_err_last(n, source, host, 0);
	return ret;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Names in host directory dir that end with suffix (and start with prefix),
 * sorted.  A missing directory is an empty list; any other failure is
 * recorded against source.
 */
char **
node_list_dir(struct node *n, const char *source, const char *dir, const char *prefix,
    const char *suffix, size_t *count)
{
	DIR *d = gate_opendir(dir);
	char **names = NULL;
	struct dirent *de;

	*count = 0;
	if (!d) {
		if (errno != ENOENT && errno != ENOTDIR)
			node_err(n, source, dir, 0, "cannot open '%s': %s", dir,
			    strerror(errno));
		return NULL;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !starts_with(de->d_name, prefix, NULL) ||
		    !ends_with(de->d_name, suffix))
			continue;
		names = node_grow(names, *count, sizeof(*names));
		names[(*count)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*count)
		qsort(names, *count, sizeof(*names), cmp_str);
	return names;
}

/*
 * systemd's unit search path for system units, in its order: the first
 * directory that holds a name is where systemd loads that unit from.
 * systemd: src/basic/path-lookup.c lookup_paths_init() (RUNTIME_SCOPE_SYSTEM:
 * /etc/systemd/system, /run/systemd/system, /usr/local/lib/systemd/system,
 * /usr/lib/systemd/system, and /lib/systemd/system on split-usr systems;
 * control, transient, attached and generator directories hold no unit
 * install.sh writes).  install.sh writes its unit to
 * ${INSTALL_K3S_SYSTEMD_DIR:-/etc/systemd/system} (setup_env()): a K3s
 * unit in /usr/lib/systemd/system runs like one in /etc.
 */
static const char *const unit_dirs[] = {
	SYSTEMD_DIR,
	"/run/systemd/system",
	"/usr/local/lib/systemd/system",
	"/usr/lib/systemd/system",
	"/lib/systemd/system",
};

static int
have_unit(const struct node *n, const char *name)
{
	for (size_t i = 0; i < n->nunits; i++)
		if (!n->units[i].openrc && !strcmp(n->units[i].name, name))
			return 1;
	return 0;
}

/*
 * Where systemd finds unit name: the first directory of unit_dirs[]
 * holding it.  0 with *path set; 1 when no directory holds it; -1 after
 * recording why it could not be examined.
 */
static int
find_unit_file(struct node *n, const char *name, struct buf *path, struct stat *st)
{
	for (size_t i = 0; i < ARRAY_SIZE(unit_dirs); i++) {
		buf_reset(path);
		buf_addf(path, "%s/%s", unit_dirs[i], name);
		if (gate_lstat(path->s, st) == 0)
			return 0;
		if (errno != ENOENT && errno != ENOTDIR) {
			node_err(n, "unit", path->s, 0, "cannot examine '%s': %s", path->s,
			    strerror(errno));
			return -1;
		}
	}
	return 1;
}

/*
 * The path a chain of links at path leads to, as node paths (a relative
 * target is taken from the link's directory; the gate keeps every step
 * inside the root).  -1 with errno (ELOOP past 16 links).
 */
static int
resolve_link(const char *path, struct buf *out)
{
	char target[PATH_MAX];
	struct stat st;

	buf_reset(out);
	buf_adds(out, path);
	for (int i = 0; i < 16; i++) {
		ssize_t len;
		char *slash;

		if (gate_lstat(out->s, &st) < 0)
			return errno == ENOENT ? 0 : -1;
		if (!S_ISLNK(st.st_mode))
			return 0;
		len = gate_readlink(out->s, target, sizeof(target));
		if (len < 0)
			return -1;
		if (target[0] == '/') {
			buf_reset(out);
		} else {
			slash = strrchr(out->s, '/');
			buf_setlen(out, slash ? (size_t)(slash - out->s) + 1 : 0);
		}
		buf_adds(out, target);
	}
	errno = ELOOP;
	return -1;
}

/*
 * Read the unit file at path.  A symlink there is a linked unit (what
 * "systemctl enable /other/dir/NAME.service" makes for a unit file outside
 * the search path, as INSTALL_K3S_SYSTEMD_DIR can put it): systemd loads
 * the file it leads to, so it is read through the link, inside the root;
 * one to /dev/null, or an empty file, is a masked unit, which systemd never
 * starts: no unit.  systemd: src/shared/install.c (linked and masked unit
 * files), src/core/load-fragment.c unit_load_fragment() (null_or_empty()).
 */
static struct unit *
load_unit_file(struct node *n, const char *path, const char *name,
    const struct stat *lst, struct buf *data)
{
	struct buf real = BUF_INIT;
	struct stat st = *lst;
	struct unit *u;
	int r;

	if (S_ISLNK(lst->st_mode)) {
		if (resolve_link(path, &real) < 0) {
			node_err(n, "unit", path, 0, "cannot follow the link '%s': %s",
			    root_path(path), strerror(errno));
			buf_release(&real);
			return NULL;
		}
		if (!strcmp(real.s, "/dev/null")) {
			buf_release(&real);
			return NULL;
		}
		/* the unit is the file systemd reads: its path and mode count */
		u = node_unit_add(n, real.s, name, 0, &st);
		u->link_path = xstrdup(path);
		quiet_errors++;
		r = gate_read_follow(path, CONFIG_MAX, data, &u->st);
		quiet_errors--;
		if (r < 0)
			node_err_last(n, "unit", path, 0);
	} else {
		if (S_ISREG(lst->st_mode) && lst->st_size == 0)
			return NULL;
		u = node_unit_add(n, path, name, 0, &st);
		r = node_read_file(n, "unit", path, data, &u->st);
	}
	if (r == 0)
		node_unit_parse(n, u, u->path, data->s, data->len);
	buf_release(&real);
	return u;
}

static int
cmp_base(const void *a, const void *b)
{
	const char *x = strrchr(*(char *const *)a, '/');
	const char *y = strrchr(*(char *const *)b, '/');

	return strcmp(x, y);
}

/*
 * The drop-ins of unit name: the .conf files in <dir>/<name>.d of every
 * directory of the search path, a file name in an earlier directory hiding
 * the same name in later ones, all read in the order of their file names.
 * systemd: src/shared/dropin.c unit_file_find_dropin_paths(),
 * conf_files_list_strv().  Host paths, sorted; *count of them.
 */
static char **
unit_dropins(struct node *n, const char *name, size_t *count)
{
	char **all = NULL;

	*count = 0;
	for (size_t d = 0; d < ARRAY_SIZE(unit_dirs); d++) {
		struct buf dir = BUF_INIT;
		size_t cnt;
		char **names;

		buf_addf(&dir, "%s/%s.d", unit_dirs[d], name);
		names = node_list_dir(n, "unit", dir.s, "", ".conf", &cnt);
		for (size_t i = 0; i < cnt; i++) {
			size_t k;

			for (k = 0; k < *count; k++)
				if (!strcmp(strrchr(all[k], '/') + 1, names[i]))
					break;
			if (k == *count) {
				struct buf p = BUF_INIT;

				buf_addf(&p, "%s/%s", dir.s, names[i]);
				all = node_grow(all, *count, sizeof(*all));
				all[(*count)++] = buf_detach(&p);
			}
			free(names[i]);
		}
		free(names);
		buf_release(&dir);
	}
	if (*count)
		qsort(all, *count, sizeof(*all), cmp_base);
	return all;
}

static void
read_systemd_unit(struct node *n, const char *name)
{
	struct buf path = BUF_INIT, data = BUF_INIT;
	struct stat st;
	struct unit *u;
	char **drop;
	size_t ndrop;

	if (have_unit(n, name) || find_unit_file(n, name, &path, &st) != 0)
		goto out;
	if (!load_unit_file(n, path.s, name, &st, &data))
		goto out;
	drop = unit_dropins(n, name, &ndrop);
	for (size_t i = 0; i < ndrop; i++) {
		u = &n->units[n->nunits - 1];
		u->dropins = xrealloc(u->dropins, (u->ndropins + 1) * sizeof(*u->dropins));
		u->dropins[u->ndropins++] = drop[i];
		buf_wipe(&data);
		if (node_read_file(n, "unit", drop[i], &data, NULL) == 0)
			node_unit_parse(n, u, drop[i], data.s, data.len);
	}
	free(drop);
out:
	buf_wipe(&data);
	buf_release(&path);
}

/*
 * OpenRC: the install script writes command="/usr/local/bin/k3s" and
 * command_args="server ... \n >>/var/log/k3s.log 2>&1" (double-quoted,
 * possibly over several lines).  Read as text; never sourced.
 */
static void
read_openrc(struct node *n, const char *name)
{
	struct buf path = BUF_INIT, data = BUF_INIT;
	struct stat st;
	struct unit *u;

	buf_addf(&path, "/etc/init.d/%s", name);
	if (gate_lstat(path.s, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			node_err(n, "unit", path.s, 0, "cannot examine '%s': %s", path.s,
			    strerror(errno));
		goto out;
	}
	u = node_unit_add(n, path.s, name, 1, &st);
	if (node_read_file(n, "unit", path.s, &data, &u->st) == 0)
		node_openrc_parse(n, u, path.s, data.s, data.len);
out:
	buf_wipe(&data);
	buf_release(&path);
}

/*
 * The text of an OpenRC script (data[len] is NUL): command= and the
 * words of command_args=, and the env file the script sources.
 */
void
node_openrc_parse(struct node *n, struct unit *u, const char *file,
    const char *data, size_t len)
{
	struct buf args = BUF_INIT, cmd = BUF_INIT;
	const char *hfile = node_intern(n, file);
	int *map = NULL;
	int lineno = 1, args_line = 0;

	buf_adds(&cmd, "/usr/local/bin/k3s");
	for (size_t i = 0; i < len;) {
		const char *p = data + i;
		const char *v;
		int is_args;

		if (i == 0 || data[i - 1] == '\n') {
			while (*p == ' ' || *p == '\t')
				p++;
			is_args = starts_with(p, "command_args=", &v);
			if (is_args || starts_with(p, "command=", &v)) {
				struct buf *dst = is_args ? &args : &cmd;
				char q = (*v == '"' || *v == '\'') ? *v++ : 0;
				int start = lineno;

				buf_reset(dst);
				if (is_args) {
					free(map);
					map = NULL;
					args_line = start;
				}
				for (; *v && (q ? *v != q : !isspace((unsigned char)*v)); v++) {
					if (*v == '\\' && q == '"' && v[1] == '\n') {
						v++;
						lineno++;
						continue;
					}
					if (is_args) {
						/* args never outgrow the file */
						if (!map)
							map = xcalloc(len + 2, sizeof(*map));
						map[args.len] = lineno;
						map[args.len + 1] = lineno;
					}
					buf_addch(dst, *v);
					if (*v == '\n')
						lineno++;
				}
				if (q && *v != q)
					node_err(n, "unit", hfile, start,
					    "'%s' line %d: unterminated quote in %s", hfile,
					    start, is_args ? "command_args" : "command");
				i = (size_t)(v - data) + (*v ? 1 : 0);
				continue;
			}
		}
		if (data[i] == '\n')
			lineno++;
		i++;
	}
	if (args_line) {
		char **w;
		int *wl;
		size_t nw, bad, keep = 0;

		if (split_words(args.s, map, &w, &wl, &nw, &bad) < 0) {
			node_err(n, "unit", hfile, args_line,
			    "'%s' line %d: unterminated quote in command_args", hfile,
			    args_line);
			goto out;
		}
		u->argv = xcalloc(nw + 2, sizeof(*u->argv));
		u->arg_lines = xcalloc(nw + 2, sizeof(*u->arg_lines));
		u->argv[0] = xstrdup(cmd.s);
		u->arg_lines[0] = args_line;
		u->argc = 1;
		for (size_t i = 0; i < nw; i++) {
			/* shell redirections are not arguments */
			if (w[i][0] == '>' || w[i][0] == '<' || strstr(w[i], ">&") ||
			    (isdigit((unsigned char)w[i][0]) && w[i][1] == '>')) {
				free(w[i]);
				continue;
			}
			u->argv[u->argc] = w[i];
			u->arg_lines[u->argc++] = wl[i];
			keep++;
		}
		(void)keep;
		free(w);
		free(wl);
		u->exec_line = args_line;
		u->exec_file = hfile;
		unit_unwrap_agent_exec(u);
		unit_role(u);
	}
	/* the install script's OpenRC service sources /etc/rancher/k3s/<name>.env */
	{
		struct buf ef = BUF_INIT;

		buf_addf(&ef, "/etc/rancher/k3s/%s.env", u->name);
		u->env_files = xrealloc(u->env_files, sizeof(*u->env_files));
		u->env_file_required = xcalloc(1, sizeof(*u->env_file_required));
		u->env_file_lines = xcalloc(1, sizeof(*u->env_file_lines));
		u->env_files[0] = buf_detach(&ef);
		u->n_env_files = 1;	/* sourced only when present */
	}
out:
	free(map);
	buf_wipe(&args);
	buf_release(&cmd);
}

/* Every name k3s-*<suffix> in dir but k3s-agent<suffix>, sorted. */
static void
read_named(struct node *n, const char *dir, const char *suffix,
    void (*rd)(struct node *, const char *))
{
	struct buf agent = BUF_INIT;
	size_t cnt;
	char **names = node_list_dir(n, "unit", dir, "k3s-", suffix, &cnt);

	buf_addf(&agent, "k3s-agent%s", suffix);
	for (size_t i = 0; i < cnt; i++) {
		if (strcmp(names[i], agent.s) && strlen(names[i]) > 4 + strlen(suffix))
			rd(n, names[i]);
		free(names[i]);
	}
	free(names);
	buf_release(&agent);
}

/* 1 when u is enabled: systemctl enable's / rc-update add's link exists. */
static int
unit_enabled(const struct unit *u)
{
	struct buf p = BUF_INIT;
	struct stat st;
	int ret;

	if (u->openrc)
		buf_addf(&p, "/etc/runlevels/default/%s", u->name);
	else
		buf_addf(&p, SYSTEMD_DIR "/multi-user.target.wants/%s", u->name);
	quiet_errors++;
	ret = gate_lstat(p.s, &st) == 0;
	quiet_errors--;
	buf_release(&p);
	return ret;
}

/*
 * Two enabled K3s units (install.sh run twice, with and without
 * INSTALL_K3S_NAME, enables both): systemd (or OpenRC's default runlevel)
 * starts both at boot, and which one ends up running K3s, with its flags
 * and env, is a race (the other fails on the port or the datastore and is
 * restarted, Restart=always).  Which options are effective is then not
 * known: an error for every check that reads them, not a guess.
 */
static void
two_enabled(struct node *n, const struct unit *a, const struct unit *b)
{
	node_err(n, "unit", a->path, 0,
	    "'%s' and '%s' are both enabled: both start at boot and which one "
	    "runs K3s is a race, so its flags and env are not known (disable "
	    "one)", root_path(a->path), root_path(b->path));
}

/*
 * Every unit and init script K3s's install.sh can write.  K3s: install.sh
 * setup_env(): SYSTEM_NAME is k3s (server), k3s-agent (agent) or
 * k3s-${INSTALL_K3S_NAME}; with systemd the unit is
 * ${SYSTEMD_DIR}/${SYSTEM_NAME}.service (SYSTEMD_DIR /etc/systemd/system)
 * with EnvironmentFile=-${SYSTEMD_DIR}/${SYSTEM_NAME}.service.env; with
 * OpenRC /etc/init.d/${SYSTEM_NAME}, sourcing
 * /etc/rancher/k3s/${SYSTEM_NAME}.env.  INSTALL_K3S_SYSTEMD_DIR moves the
 * systemd files elsewhere: a unit anywhere on systemd's search path
 * (unit_dirs[]) is found, and one elsewhere through the link systemctl
 * enable makes for it in /etc/systemd/system.  Then systemctl enable / rc-update
 * add: the enabled unit is the one that runs; with none enabled, the first
 * found in the order below.
 */
void
node_read_units(struct node *n)
{
	size_t act = 0, nenabled = 0;

	read_systemd_unit(n, "k3s.service");
	read_systemd_unit(n, "k3s-agent.service");
	for (size_t d = 0; d < ARRAY_SIZE(unit_dirs); d++)
		read_named(n, unit_dirs[d], ".service", read_systemd_unit);
	read_openrc(n, "k3s");
	read_openrc(n, "k3s-agent");
	read_named(n, "/etc/init.d", "", read_openrc);
	if (!n->nunits)
		return;
	for (size_t i = 0; i < n->nunits; i++)
		if (unit_enabled(&n->units[i])) {
			if (nenabled++ == 0)
				act = i;
			else if (nenabled == 2)
				two_enabled(n, &n->units[act], &n->units[i]);
		}
	n->units[act].active = 1;
}
