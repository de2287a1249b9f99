/* SPDX-License-Identifier: Apache-2.0 */
/*
 * node-merge-units.c: the units' part of the merge: K3S_* variables from the env
 * files (lowest precedence) and the flags of ExecStart= / command_args
 * (highest), with $VAR expansion as systemd does it.
 */
#include "core/k3sguard.h"
#include "node/node.h"
#include "node/node-int.h"
#include "core/gate.h"

/* ---- merge: env (lowest) and unit flags (highest) ---- */

static void
add_env_value(struct node *n, struct merge *m, const char *name, const char *value,
    const char *file, int line, int effective, enum node_role role)
{
	struct buf scratch = BUF_INIT;
	const char *opt = k3s_env_to_opt(name, &scratch);
	struct origin o = { node_intern(n, file), line, SRC_ENV };
	struct mopt *mo;

	if (!opt) {
		buf_release(&scratch);
		return;
	}
	mo = merge_get(m, opt);
	vlist_add(&mo->seen, value, &o);
	/* K3s: only the flags of this command that declare NAME read it */
	if (effective && k3s_env_read(name, role)) {
		if (!k3s_opt_is_list(opt))
			vlist_clear(&mo->env);
		vlist_add(&mo->env, value, &o);
	}
	buf_release(&scratch);
}

static int
envfile_effective(const struct node *n, const char *path)
{
	const struct unit *act = NULL;

	for (size_t i = 0; i < n->nunits; i++)
		if (n->units[i].active)
			act = &n->units[i];
	if (!act)
		return 1;	/* no unit: every env file found counts */
	for (size_t j = 0; j < act->n_env_files; j++)
		if (!strcmp(act->env_files[j], path))
			return 1;
	return 0;
}

void
merge_env(struct node *n, struct merge *m)
{
	const struct unit *act = NULL;

	for (size_t i = 0; i < n->nunits; i++) {
		const struct unit *u = &n->units[i];

		if (u->active)
			act = u;
		/* systemd: EnvironmentFile= overrides Environment=, so these first */
		for (size_t j = 0; j < u->n_env; j++)
			add_env_value(n, m, u->env[j].name, u->env[j].value, u->path,
			    u->env[j].line, u->active, u->role);
	}
	if (act) {
		/* in the order the active unit lists them; later files win */
		for (size_t j = 0; j < act->n_env_files; j++) {
			const char *p = act->env_files[j];

			for (size_t k = 0; k < n->nenvfiles; k++) {
				struct envfile *e = &n->envfiles[k];

				if (strcmp(e->path, p))
					continue;
				for (size_t v = 0; v < e->n; v++)
					add_env_value(n, m, e->vars[v].name, e->vars[v].value,
					    e->path, e->vars[v].line, 1, act->role);
			}
		}
	}
	for (size_t k = 0; k < n->nenvfiles; k++) {
		struct envfile *e = &n->envfiles[k];

		if (act && envfile_effective(n, e->path))
			continue;	/* done above */
		for (size_t v = 0; v < e->n; v++)
			add_env_value(n, m, e->vars[v].name, e->vars[v].value, e->path,
			    e->vars[v].line, !act, ROLE_UNKNOWN);
	}
}

static const char *
short_flag(const char *f)
{
	static const struct { const char *s, *l; } map[] = {
		{ "t", "token" }, { "s", "server" }, { "c", "config" },
		{ "d", "data-dir" }, { "o", "write-kubeconfig" }, { "l", "log" },
		{ "h", "help" }, { "v", "v" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(f, map[i].s))
			return map[i].l;
	return f;
}

/*
 * NAME in the environment systemd gives the unit: EnvironmentFile= values
 * override Environment= ones.  NULL when unset; *o says where it was set.
 */
static const char *
unit_env_lookup(struct node *n, const struct unit *u, const char *name, size_t len,
    struct origin *o)
{
	const char *val = NULL;

	for (size_t f = 0; f < u->n_env_files; f++) {
		for (size_t k = 0; k < n->nenvfiles; k++) {
			const struct envfile *e = &n->envfiles[k];

			if (strcmp(e->path, u->env_files[f]))
				continue;
			for (size_t v = 0; v < e->n; v++) {
				if (strlen(e->vars[v].name) != len ||
				    memcmp(e->vars[v].name, name, len))
					continue;
				val = e->vars[v].value;
				*o = (struct origin){ node_intern(n, e->path), e->vars[v].line,
				    SRC_ENV };
			}
		}
	}
	if (val)
		return val;
	for (size_t v = 0; v < u->n_env; v++) {
		if (strlen(u->env[v].name) != len || memcmp(u->env[v].name, name, len))
			continue;
		val = u->env[v].value;
		*o = (struct origin){ node_intern(n, u->path), u->env[v].line, SRC_ENV };
	}
	return val;
}

/*
 * systemd replaces ${NAME} and $NAME in ExecStart= with the unit's
 * environment ($$ is a '$'; an unset name is empty).  When the whole value
 * is one variable, its origin becomes the env file or Environment= line that
 * set it: that is where the plain text is.  ($NAME alone would be split at
 * whitespace by systemd; here it stays one value.)
 */
static char *
expand_env(struct node *n, const struct unit *u, const char *v, struct origin *o)
{
	struct buf b = BUF_INIT;
	struct origin vo;
	int vars = 0, whole = 0;

	for (const char *p = v; *p; p++) {
		const char *name, *end;
		const char *val;

		if (*p != '$') {
			buf_addch(&b, *p);
			continue;
		}
		if (p[1] == '$') {
			buf_addch(&b, '$');
			p++;
			continue;
		}
		if (p[1] == '{') {
			name = p + 2;
			end = strchr(name, '}');
			if (!end) {
				buf_addch(&b, *p);
				continue;
			}
		} else {
			name = p + 1;
			end = name;
			while (isalnum((unsigned char)*end) || *end == '_')
				end++;
			if (end == name || isdigit((unsigned char)*name)) {
				buf_addch(&b, *p);
				continue;
			}
		}
		vars++;
		whole = p == v && end[*end == '}'] == '\0';
		if ((val = unit_env_lookup(n, u, name, (size_t)(end - name), &vo)))
			buf_adds(&b, val);
		p = *end == '}' ? end : end - 1;
	}
	if (vars == 1 && whole && b.len)
		*o = vo;
	return buf_detach(&b);
}

/* A value expanded from an env variable is often in seen already. */
static void
seen_add(struct mopt *mo, const char *val, const struct origin *o)
{
	for (size_t i = 0; o->kind == SRC_ENV && i < mo->seen.n; i++) {
		const struct kvalue *k = &mo->seen.v[i];

		if (k->where.line == o->line && k->where.file && o->file &&
		    !strcmp(k->where.file, o->file) && !strcmp(k->value, val))
			return;
	}
	vlist_add(&mo->seen, val, o);
}

void
merge_units(struct node *n, struct merge *m)
{
	for (size_t i = 0; i < n->nunits; i++) {
		const struct unit *u = &n->units[i];

		for (size_t a = 1; a < u->argc; a++) {
			const char *w = u->argv[a], *name;
			struct buf nb = BUF_INIT;
			const char *eq, *val;
			struct origin o = { u->exec_file, u->arg_lines[a], SRC_UNIT };
			struct mopt *mo;

			if (!strcmp(w, "--"))
				break;
			if (w[0] != '-' || !w[1])
				continue;	/* the verb, or a stray word */
			name = w + 1 + (w[1] == '-');
			eq = strchr(name, '=');
			buf_add(&nb, name, eq ? (size_t)(eq - name) : strlen(name));
			name = short_flag(nb.s);
			if (eq) {
				val = eq + 1;
			} else if (k3s_opt_is_bool(name) || a + 1 >= u->argc ||
			    (u->argv[a + 1][0] == '-' && !k3s_opt_is_secret(name))) {
				/* a secret flag always takes the next word, as K3s's
				 * parser does for every flag with a value */
				val = "true";
			} else {
				val = u->argv[++a];
			}
			mo = merge_get(m, name);
			{
				char *x = strchr(val, '$') && !u->openrc ?
				    expand_env(n, u, val, &o) : xstrdup(val);

				seen_add(mo, x, &o);
				if (u->active) {
					if (!k3s_opt_is_list(name))
						vlist_clear(&mo->cli);
					vlist_add(&mo->cli, x, &o);
				}
				explicit_bzero(x, strlen(x));
				free(x);
			}
			buf_release(&nb);
		}
	}
}
