/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-node.c: print the node model, what every check sees.
 * k3sguard-command: node | show the K3s node as k3sguard reads it (config, flags, env, files)
 *
 * Invariant: a value of a secret option or variable (token, agent-token,
 * K3S_TOKEN, K3S_AGENT_TOKEN, a password in a datastore URL, ...) is
 * printed only through node_describe_value(); variables that are not
 * K3s's are listed by name only.  Exit 2 when a source could not be read.
 */
#include "core/k3sguard.h"
#include "report/escape.h"
#include "cmd/cmd.h"
#include "node/node.h"

#include <jansson.h>

enum { OPT_FORMAT = OPT_GLOBAL_LAST };

static const char usage[] =
"usage: k3sguard node [--format text|json] [-o FILE]\n"
"  Show the K3s node as k3sguard reads it: role, data dir, K3s version\n"
"  (and where it came from: --k3s-version, k3s --version on this host,\n"
"  the binary's bytes under --root, or unknown),\n"
"  datastore, the merged configuration with the origin of every value,\n"
"  units, env files, the K3s files (type, mode, owner, link) and every\n"
"  source that could not be read.  Secrets are shown by form and\n"
"  fingerprint only.  Exit 2 when a source could not be read.\n"
OUTPUT_USAGE;

/* ---- values, never a secret ---- */

static void
describe(const char *opt, const char *value, struct buf *out)
{
	node_describe_value(opt, value, out);
}

/* An environment variable: K3s's are described, others not shown at all. */
static void
describe_env(const char *name, const char *value, struct buf *out)
{
	if (starts_with(name, "K3S_", NULL))
		node_describe_value(name, value, out);
	else
		buf_adds(out, "(not a K3s variable; not shown)");
}

/* Append argv as one line, the value of a secret flag described, not shown. */
static void
describe_argv(const struct unit *u, struct buf *out)
{
	for (size_t i = 0; i < u->argc; i++) {
		const char *w = u->argv[i], *eq;
		struct buf name = BUF_INIT;

		if (i)
			buf_addch(out, ' ');
		if (i == 0 || w[0] != '-' || !w[1]) {
			buf_add_printable(out, w);
			continue;
		}
		w += 1 + (w[1] == '-');
		eq = strchr(w, '=');
		buf_add(&name, w, eq ? (size_t)(eq - w) : strlen(w));
		if (!strcmp(name.s, "t")) {
			buf_reset(&name);
			buf_adds(&name, "token");
		}
		if (!k3s_opt_is_secret(name.s)) {
			buf_add_printable(out, u->argv[i]);
		} else if (eq) {
			buf_add(out, u->argv[i], (size_t)(eq + 1 - u->argv[i]));
			buf_addch(out, '[');
			node_describe_value(name.s, eq + 1, out);
			buf_addch(out, ']');
		} else {
			buf_add_printable(out, u->argv[i]);
			/* as node_load parses it: a secret flag takes the next word */
			if (i + 1 < u->argc) {
				buf_adds(out, " [");
				node_describe_value(name.s, u->argv[++i], out);
				buf_addch(out, ']');
			}
		}
		buf_release(&name);
	}
}

/* ---- text ---- */

static void
print_stat(const struct stat *st)
{
	char m[8];

	printf("%s %s owner %u:%u", type_str(st->st_mode), mode_str(st->st_mode, m),
	    (unsigned)st->st_uid, (unsigned)st->st_gid);
}

static void
print_text(const struct node *n)
{
	struct buf b = BUF_INIT;
	const struct origin *dd = node_origin(n, "data-dir");
	struct esc_ring er;

	/* every value from the node through E(): no control byte reaches the terminal */
	esc_ring_init(&er, ESC_TEXT);
#define E(s)	esc_ring(&er, (s))

	printf("root:        %s\n", E(n->root));
	printf("role:        %s\n", role_name(n->role));
	printf("data dir:    %s", E(n->data_dir));
	if (gopt.data_dir && *gopt.data_dir)
		printf(" (--data-dir)\n");
	else if (dd)
		printf(" (%s)\n", E(origin_str(dd)));
	else
		printf(" (default)\n");
	printf("k3s binary:  %s\n", E(n->k3s_bin));
	printf("k3s version: %s\n", n->k3s_version ? E(n->k3s_version) : "unknown");
	printf("version from: %s\n", E(n->k3s_version_from));
	printf("datastore:   %s%s%s%s\n", datastore_name(n->datastore),
	    n->datastore_why ? " (" : "", n->datastore_why ? E(n->datastore_why) : "",
	    n->datastore_why ? ")" : "");
	printf("config file: %s%s\n", E(n->config_path),
	    n->config_explicit ? " (named by --config / K3S_CONFIG_FILE)" : "");

	printf("\nconfig files read (in order):\n");
	if (!n->nconfig_files)
		printf("  (none)\n");
	for (size_t i = 0; i < n->nconfig_files; i++)
		printf("  %s\n", E(n->config_files[i]));

	printf("\neffective options:\n");
	if (!n->nopts)
		printf("  (none)\n");
	for (size_t i = 0; i < n->nopts; i++) {
		const struct kopt *k = &n->opts[i];

		for (size_t j = 0; j < k->neff; j++) {
			buf_reset(&b);
			describe(k->name, k->eff[j].value, &b);
			printf("  %s = %s  [%s %s]\n", E(k->name), E(b.s),
			    source_kind_name(k->eff[j].where.kind), E(origin_str(&k->eff[j].where)));
		}
	}
	printf("\nevery value seen (env < config < unit):\n");
	for (size_t i = 0; i < n->nopts; i++) {
		const struct kopt *k = &n->opts[i];

		for (size_t j = 0; j < k->nseen; j++) {
			buf_reset(&b);
			describe(k->name, k->seen[j].value, &b);
			printf("  %s = %s  [%s %s]\n", E(k->name), E(b.s),
			    source_kind_name(k->seen[j].where.kind),
			    E(origin_str(&k->seen[j].where)));
		}
	}

	printf("\nunits:\n");
	if (!n->nunits)
		printf("  (none)\n");
	for (size_t i = 0; i < n->nunits; i++) {
		const struct unit *u = &n->units[i];

		printf("  %s (%s%s, role %s, ", E(u->path), u->openrc ? "OpenRC" : "systemd",
		    u->active ? ", active" : "", role_name(u->role));
		print_stat(&u->st);
		printf(")\n");
		if (u->link_path)
			printf("    linked unit: systemd finds it through %s\n", E(u->link_path));
		for (size_t j = 0; j < u->ndropins; j++)
			printf("    drop-in: %s\n", E(u->dropins[j]));
		if (u->argc) {
			buf_reset(&b);
			describe_argv(u, &b);
			printf("    %s (%s): %s\n", u->openrc ? "command_args" : "ExecStart",
			    E(origin_str(&(struct origin){ u->exec_file, u->exec_line, SRC_UNIT })),
			    E(b.s));
		}
		if (u->token_via_agent_exec)
			printf("    token: from the secret store ('%s') through k3sguard agent exec\n",
			    E(u->agent_exec_secret));
		for (size_t j = 0; j < u->n_env_files; j++)
			printf("    env file: %s\n", E(u->env_files[j]));
		for (size_t j = 0; j < u->n_env; j++) {
			buf_reset(&b);
			describe_env(u->env[j].name, u->env[j].value, &b);
			printf("    Environment (line %d): %s = %s\n", u->env[j].line,
			    E(u->env[j].name), E(b.s));
		}
	}

	printf("\nenv files:\n");
	if (!n->nenvfiles)
		printf("  (none)\n");
	for (size_t i = 0; i < n->nenvfiles; i++) {
		const struct envfile *e = &n->envfiles[i];

		printf("  %s (", E(e->path));
		if (e->exists)
			print_stat(&e->st);
		else
			printf("missing");
		printf(")\n");
		for (size_t j = 0; j < e->n; j++) {
			buf_reset(&b);
			describe_env(e->vars[j].name, e->vars[j].value, &b);
			printf("    line %d: %s = %s\n", e->vars[j].line, E(e->vars[j].name), E(b.s));
		}
	}

	printf("\nfiles:\n");
	for (size_t i = 0; i < n->nfiles; i++) {
		const struct node_file *f = &n->files[i];

		printf("  %-30s %s: ", f->id, E(f->path));
		if (f->exists == 1) {
			print_stat(&f->st);
			if (f->link_target)
				printf(" -> %s", E(f->link_target));
			if (f->err)
				printf(" [warning: %s]", E(f->err));
		} else if (f->exists == 0) {
			printf("missing");
			if (f->err)
				printf(" [%s]", E(f->err));
		} else {
			printf("error: %s", f->err ? E(f->err) : "cannot examine");
		}
		printf("\n");
	}

	printf("\nsource errors:\n");
	if (!n->nerrors)
		printf("  (none)\n");
	for (size_t i = 0; i < n->nerrors; i++)
		printf("  %s: %s\n", n->errors[i].source, E(n->errors[i].msg));
#undef E
	esc_ring_release(&er);
	buf_release(&b);
}

/* ---- json ---- */

/* A JSON string even for bytes that are not UTF-8 (escaped as \xNN). */
static json_t *
jstr(const char *s)
{
	json_t *j;
	struct buf b = BUF_INIT;

	if (!s)
		return json_null();
	if ((j = json_string(s)))
		return j;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80)
			buf_addf(&b, "\\x%02x", *p);
		else
			buf_addch(&b, *p);
	}
	j = json_string(b.s);
	buf_release(&b);
	return j ? j : json_null();
}

static json_t *
jvalue(const char *name, const char *value, int env)
{
	struct buf b = BUF_INIT;
	json_t *j;

	if (env)
		describe_env(name, value, &b);
	else
		describe(name, value, &b);
	j = jstr(b.s);
	buf_release(&b);
	return j;
}

static json_t *
jstat(const struct stat *st)
{
	char m[8];

	return json_pack("{s:s, s:s, s:I, s:I, s:I}", "type", type_str(st->st_mode),
	    "mode", mode_str(st->st_mode, m), "uid", (json_int_t)st->st_uid,
	    "gid", (json_int_t)st->st_gid, "size", (json_int_t)st->st_size);
}

static json_t *
jvals(const char *name, const struct kvalue *v, size_t nv)
{
	json_t *a = json_array();

	for (size_t i = 0; i < nv; i++)
		json_array_append_new(a, json_pack("{s:o, s:o, s:i, s:s}",
		    "value", jvalue(name, v[i].value, 0), "file", jstr(v[i].where.file),
		    "line", v[i].where.line, "kind", source_kind_name(v[i].where.kind)));
	return a;
}

static json_t *
to_json(const struct node *n)
{
	json_t *j = json_object(), *a;
	struct buf b = BUF_INIT;

	json_object_set_new(j, "root", jstr(n->root));
	json_object_set_new(j, "role", json_string(role_name(n->role)));
	json_object_set_new(j, "data_dir", jstr(n->data_dir));
	json_object_set_new(j, "k3s_bin", jstr(n->k3s_bin));
	json_object_set_new(j, "k3s_version", jstr(n->k3s_version));
	json_object_set_new(j, "k3s_version_from", jstr(n->k3s_version_from));
	json_object_set_new(j, "datastore", json_string(datastore_name(n->datastore)));
	json_object_set_new(j, "datastore_why",
	    n->datastore_why ? json_string(n->datastore_why) : json_null());
	json_object_set_new(j, "config_path", jstr(n->config_path));
	json_object_set_new(j, "config_explicit", json_boolean(n->config_explicit));
	a = json_array();
	for (size_t i = 0; i < n->nconfig_files; i++)
		json_array_append_new(a, jstr(n->config_files[i]));
	json_object_set_new(j, "config_files", a);

	a = json_array();
	for (size_t i = 0; i < n->nopts; i++) {
		const struct kopt *k = &n->opts[i];

		json_array_append_new(a, json_pack("{s:o, s:o, s:o}", "name", jstr(k->name),
		    "effective", jvals(k->name, k->eff, k->neff),
		    "seen", jvals(k->name, k->seen, k->nseen)));
	}
	json_object_set_new(j, "options", a);

	a = json_array();
	for (size_t i = 0; i < n->nunits; i++) {
		const struct unit *u = &n->units[i];
		json_t *ju = json_object(), *x;

		json_object_set_new(ju, "path", jstr(u->path));
		json_object_set_new(ju, "link", jstr(u->link_path));
		json_object_set_new(ju, "name", jstr(u->name));
		json_object_set_new(ju, "kind", json_string(u->openrc ? "openrc" : "systemd"));
		json_object_set_new(ju, "active", json_boolean(u->active));
		json_object_set_new(ju, "role", json_string(role_name(u->role)));
		json_object_set_new(ju, "stat", jstat(&u->st));
		json_object_set_new(ju, "exec_file", jstr(u->exec_file));
		json_object_set_new(ju, "exec_line", json_integer(u->exec_line));
		buf_reset(&b);
		describe_argv(u, &b);
		json_object_set_new(ju, "command", jstr(b.s));
		x = json_array();
		for (size_t k = 0; k < u->ndropins; k++)
			json_array_append_new(x, jstr(u->dropins[k]));
		json_object_set_new(ju, "dropins", x);
		x = json_array();
		for (size_t k = 0; k < u->n_env_files; k++)
			json_array_append_new(x, jstr(u->env_files[k]));
		json_object_set_new(ju, "env_files", x);
		x = json_array();
		for (size_t k = 0; k < u->n_env; k++)
			json_array_append_new(x, json_pack("{s:o, s:o, s:i}",
			    "name", jstr(u->env[k].name),
			    "value", jvalue(u->env[k].name, u->env[k].value, 1),
			    "line", u->env[k].line));
		json_object_set_new(ju, "environment", x);
		json_array_append_new(a, ju);
	}
	json_object_set_new(j, "units", a);

	a = json_array();
	for (size_t i = 0; i < n->nenvfiles; i++) {
		const struct envfile *e = &n->envfiles[i];
		json_t *je = json_object(), *x = json_array();

		json_object_set_new(je, "path", jstr(e->path));
		json_object_set_new(je, "exists", json_boolean(e->exists));
		json_object_set_new(je, "stat", e->exists ? jstat(&e->st) : json_null());
		for (size_t k = 0; k < e->n; k++)
			json_array_append_new(x, json_pack("{s:o, s:o, s:i}",
			    "name", jstr(e->vars[k].name),
			    "value", jvalue(e->vars[k].name, e->vars[k].value, 1),
			    "line", e->vars[k].line));
		json_object_set_new(je, "vars", x);
		json_array_append_new(a, je);
	}
	json_object_set_new(j, "env_files", a);

	a = json_array();
	for (size_t i = 0; i < n->nfiles; i++) {
		const struct node_file *f = &n->files[i];

		json_array_append_new(a, json_pack("{s:s, s:o, s:s, s:o, s:o, s:o, s:o}",
		    "id", f->id, "path", jstr(f->path),
		    "state", f->exists == 1 ? "present" : f->exists == 0 ? "missing" : "error",
		    "stat", f->exists == 1 ? jstat(&f->st) : json_null(),
		    "link_target", jstr(f->link_target),
		    "error", f->exists < 0 ? jstr(f->err) : json_null(),
		    "note", f->exists == 0 ? jstr(f->err) : json_null()));
	}
	json_object_set_new(j, "files", a);

	a = json_array();
	for (size_t i = 0; i < n->nerrors; i++)
		json_array_append_new(a, json_pack("{s:s, s:o, s:i, s:o}",
		    "source", n->errors[i].source, "file", jstr(n->errors[i].file),
		    "line", n->errors[i].line, "message", jstr(n->errors[i].msg)));
	json_object_set_new(j, "errors", a);
	buf_release(&b);
	return j;
}

/* The node, read and shown (after the parse: cmd_output runs it). */
static int
node_run(void *p)
{
	const int *json = p;
	struct node n;
	int ret;

	if (node_load(&n) < 0)
		return EXIT_ERROR;
	if (*json) {
		json_t *j = to_json(&n);
		char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (!s)
			fatal("out of memory");
		puts(s);
		free(s);
		json_decref(j);
	} else {
		print_text(&n);
	}
	ret = n.nerrors ? EXIT_ERROR : EXIT_OK;
	node_free(&n);
	return ret;
}

int cmd_node(int argc, char **argv);

int
cmd_node(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		OUTPUT_LONG_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *output = NULL;
	int c, json = 0;

	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_FORMAT:
			json = format_arg(optarg, FMT_TEXT_JSON) == FMT_JSON;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			print_usage_exit(usage);
		default:
			bad_option(usage);
		}
	}
	if (optind < argc)
		usage_error("'node' takes no arguments ('%s')", argv[optind]);
	return cmd_output(output, node_run, &json);
}
