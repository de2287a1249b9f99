/* SPDX-License-Identifier: Apache-2.0 */
/*
 * node-envfile.c: the env files systemd and OpenRC give K3s (K3S_* variables): which
 * ones the units name, and their NAME=VALUE lines, read as text.
 */
#include "core/k3sguard.h"
#include "node/node.h"
#include "node/node-int.h"
#include "core/gate.h"

/* ---- env files ---- */

/* Value of a systemd/sh env assignment: quotes removed, escapes in "". */
static char *
env_value(const char *v)
{
	struct buf b = BUF_INIT;
	char q = 0;

	while (*v == ' ' || *v == '\t')
		v++;
	for (size_t i = 0; v[i]; i++) {
		char c = v[i];

		if (q) {
			if (c == q)
				q = 0;
			else if (c == '\\' && q == '"' && v[i + 1])
				buf_addch(&b, v[++i]);
			else
				buf_addch(&b, c);
		} else if (c == '"' || c == '\'') {
			q = c;
		} else if (c == '\\' && v[i + 1]) {
			buf_addch(&b, v[++i]);
		} else if (c == '#' && i > 0 && isspace((unsigned char)v[i - 1])) {
			break;	/* trailing comment */
		} else {
			buf_addch(&b, c);
		}
	}
	buf_trim(&b);
	return buf_detach(&b);
}

static struct envfile *
find_envfile(struct node *n, const char *host)
{
	for (size_t i = 0; i < n->nenvfiles; i++)
		if (!strcmp(n->envfiles[i].path, host))
			return &n->envfiles[i];
	return NULL;
}

struct envfile *
node_envfile_add(struct node *n, const char *host)
{
	struct envfile *e = find_envfile(n, host);

	if (e)
		return e;
	n->envfiles = xrealloc(n->envfiles, (n->nenvfiles + 1) * sizeof(*n->envfiles));
	e = &n->envfiles[n->nenvfiles++];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(host);
	return e;
}

void
node_envfile_parse(struct node *n, struct envfile *e, const char *data, size_t len)
{
	struct lline l = { BUF_INIT, NULL, 0 };
	size_t pos = 0;
	int lineno = 0;

	while (next_lline(data, len, &pos, &lineno, &l)) {
		char *t = l.text.s, *eq;

		while (isspace((unsigned char)*t))
			t++;
		if (!*t || *t == '#' || *t == ';')
			continue;
		/*
		 * sh (OpenRC sources the file) takes any blanks after export;
		 * other white space there is trimmed like the line's own
		 * (fuzz-envfile: a name must not start with it; reading
		 * "export \fK3S_TOKEN=" as K3S_TOKEN errs toward a finding)
		 */
		if (starts_with(t, "export", NULL) && (t[6] == ' ' || t[6] == '\t')) {
			t += 6;
			while (isspace((unsigned char)*t))
				t++;
		}
		eq = strchr(t, '=');
		if (!eq || eq == t) {
			node_err(n, "env", e->path, l.first,
			    "'%s' line %d: not a NAME=VALUE assignment", e->path, l.first);
			continue;
		}
		e->vars = node_grow(e->vars, e->n, sizeof(*e->vars));
		while (eq > t && isspace((unsigned char)eq[-1]))
			eq--;
		e->vars[e->n].name = xstrndup(t, (size_t)(eq - t));
		eq = strchr(t, '=');
		e->vars[e->n].value = env_value(eq + 1);
		e->vars[e->n].line = l.first;
		e->n++;
	}
	lline_free(&l);
}

static void
read_envfile(struct node *n, const char *host, int optional)
{
	struct buf data = BUF_INIT;
	struct envfile *e;

	if (find_envfile(n, host))
		return;
	e = node_envfile_add(n, host);
	if (gate_lstat(host, &e->st) < 0) {
		if (errno == ENOENT && optional)
			return;
		node_err(n, "env", host, 0, "cannot examine '%s': %s", host, strerror(errno));
		return;
	}
	e->exists = 1;
	if (node_read_file(n, "env", host, &data, NULL) == 0)
		node_envfile_parse(n, e, data.s, data.len);
	buf_wipe(&data);
}

void
node_read_envfiles(struct node *n)
{
	static const struct { const char *dir, *prefix, *suffix; } globs[] = {
		{ SYSTEMD_DIR, "k3s", ".service.env" },
		{ "/etc/rancher/k3s", "", ".env" },
	};

	for (size_t g = 0; g < ARRAY_SIZE(globs); g++) {
		size_t cnt;
		char **names = node_list_dir(n, "env", globs[g].dir, globs[g].prefix,
		    globs[g].suffix, &cnt);

		for (size_t i = 0; i < cnt; i++) {
			struct buf p = BUF_INIT;

			buf_addf(&p, "%s/%s", globs[g].dir, names[i]);
			read_envfile(n, p.s, 1);
			buf_release(&p);
			free(names[i]);
		}
		free(names);
	}
	/* EnvironmentFile= of each unit ("-" prefix: may be missing) */
	for (size_t i = 0; i < n->nunits; i++) {
		struct unit *u = &n->units[i];

		for (size_t j = 0; j < u->n_env_files; j++) {
			const char *p = u->env_files[j];
			const struct envfile *e;

			read_envfile(n, p, 1);
			e = find_envfile(n, p);
			if (e && !e->exists && u->env_file_required[j])
				node_err(n, "env", p, 0,
				    "'%s' (EnvironmentFile= at '%s' line %d) does not exist: "
				    "systemd will not start the unit", p, u->path,
				    u->env_file_lines[j]);
		}
	}
}
