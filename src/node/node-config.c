/* SPDX-License-Identifier: Apache-2.0 */
/*
 * node-config.c: K3s's configuration files and their part of the merge.
 *
 * As K3s reads them (K3s: pkg/configfilearg/parser.go, defaultparser.go):
 * the config file named by K3S_CONFIG_FILE (the environment wins), else by
 * --config/-c on the command line, else /etc/rancher/k3s/config.yaml; then
 * every entry of <config>.d/ that is not a directory and whose name ends in
 * .yaml or .yml (any case), in byte order of the names.  A key in a later
 * file replaces the earlier value; "key+:" appends to it.  A value is a
 * string (any scalar) or a list of strings.
 *
 * Links are followed as K3s follows them, but only inside the root
 * (core/gate.h resolves every component there): under --root the tree may
 * be hostile, and an absolute link then names a file of the tree.
 */
#include "core/k3sguard.h"
#include "node/node.h"
#include "node/node-int.h"
#include "core/gate.h"
#include "core/yamltree.h"
#include "core/file.h"

#include <fcntl.h>
#include <unistd.h>

#include <dirent.h>

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* K3s: pkg/agent/util HasSuffixI(name, ".yaml", ".yml"), as dotDFiles() calls it */
static int
is_yaml_name(const char *s)
{
	size_t n = strlen(s);

	return (n >= 5 && !strcasecmp(s + n - 5, ".yaml")) ||
	    (n >= 4 && !strcasecmp(s + n - 4, ".yml"));
}

/* The number at s (a line number in a message), or 0. */
static int
line_in(const char *s)
{
	char num[12];
	size_t len = strspn(s, "0123456789");
	long long v;

	if (!len || len >= sizeof(num))
		return 0;
	memcpy(num, s, len);
	num[len] = '\0';
	return parse_num(num, 1, INT_MAX, &v) < 0 ? 0 : (int)v;
}

/* Add one key's values to the merge (values already checked). */
static void
add_values(struct node *n, struct merge *m, const char *file, enum source_kind kind,
    const char *key, const struct ynode *val)
{
	struct buf name = BUF_INIT;
	int append = ends_with(key, "+");
	struct mopt *mo;
	const char *hfile = node_intern(n, file);

	buf_add(&name, key, strlen(key) - (size_t)append);
	mo = merge_get(m, name.s);
	if (!append)
		vlist_clear(&mo->cfg);
	if (val->type == Y_SEQ) {
		for (size_t i = 0; i < val->n; i++) {
			struct origin o = { hfile, val->vals[i]->line, kind };

			vlist_add(&mo->seen, val->vals[i]->str, &o);
			vlist_add(&mo->cfg, val->vals[i]->str, &o);
		}
	} else {
		struct origin o = { hfile, val->line, kind };
		/* "key:" with nothing after it is a YAML null: K3s gets "" */
		const char *v = yis_null(val) ? "" : val->str;

		vlist_add(&mo->seen, v, &o);
		vlist_add(&mo->cfg, v, &o);
	}
	buf_release(&name);
}

static void
merge_doc(struct node *n, struct merge *m, const char *file, enum source_kind kind,
    const struct ynode *doc)
{
	if (!doc)
		return;		/* empty file */
	if (doc->type != Y_MAP) {
		node_err(n, "config", file, doc->line,
		    "'%s' line %d: expected a map of K3s options, found a %s", file,
		    doc->line, doc->type == Y_SEQ ? "list" : "scalar");
		return;
	}
	for (size_t i = 0; i < doc->n; i++) {
		const struct ynode *k = doc->keys[i], *v = doc->vals[i];
		const char *key = yscalar(k);
		int ok = 1;

		if (!key || !*key || !strcmp(key, "+")) {
			node_err(n, "config", file, k->line,
			    "'%s' line %d: option name is not a string", file, k->line);
			continue;
		}
		if (v->type == Y_MAP) {
			node_err(n, "config", file, v->line,
			    "'%s' line %d: '%s' is a map; K3s expects a string or a list of strings",
			    file, v->line, key);
			continue;
		}
		if (v->type == Y_SEQ) {
			for (size_t j = 0; j < v->n; j++) {
				if (v->vals[j]->type != Y_SCALAR) {
					node_err(n, "config", file, v->vals[j]->line,
					    "'%s' line %d: item of '%s' is a %s; K3s expects strings",
					    file, v->vals[j]->line, key,
					    v->vals[j]->type == Y_MAP ? "map" : "list");
					ok = 0;
					break;
				}
			}
		}
		if (ok)
			add_values(n, m, file, kind, key, v);
	}
}

void
node_config_parse(struct node *n, struct merge *m, const char *host,
    enum source_kind kind, const char *data, size_t len)
{
	struct ydocs docs = { 0, NULL };
	int ret;

	quiet_errors++;
	ret = yaml_parse(host, data, len, &docs);
	quiet_errors--;
	if (ret < 0) {
		const char *l = strstr(last_error(), "' line ");

		node_err_last(n, "config", host, l ? line_in(l + 7) : 0);
		return;
	}
	n->config_files = xrealloc(n->config_files,
	    (n->nconfig_files + 1) * sizeof(*n->config_files));
	n->config_files[n->nconfig_files++] = xstrdup(host);
	/* K3s decodes one document */
	if (docs.n)
		merge_doc(n, m, host, kind, docs.doc[0]);
	ydocs_free(&docs);
}

/*
 * Read one config file as K3s's readConfigFileData() does (os.ReadFile:
 * links followed, here inside the root).
 */
static void
read_config(struct node *n, struct merge *m, const char *host, enum source_kind kind)
{
	struct buf data = BUF_INIT;
	int fd, ret = -1;

	quiet_errors++;
	fd = gate_open(host, O_RDONLY | O_CLOEXEC | O_NONBLOCK);	/* a FIFO must not block */
	if (fd < 0) {
		error_errno("cannot open '%s'", host);
	} else {
		ret = file_read_fd(fd, host, CONFIG_MAX, &data, NULL);
		close(fd);
	}
	quiet_errors--;
	if (ret < 0)
		node_err_last(n, "config", host, 0);
	else
		node_config_parse(n, m, host, kind, data.s, data.len);
	buf_wipe(&data);
}

/* The config file named on the command line (the K3s command of u), or NULL. */
static const char *
config_flag(const struct unit *u, int *dangling)
{
	*dangling = 0;
	for (size_t a = 1; a < u->argc; a++) {
		const char *w = u->argv[a], *v;

		if (!strcmp(w, "--config") || !strcmp(w, "-c")) {
			if (a + 1 < u->argc)
				return u->argv[a + 1];
			/* K3s: "actually invalid": no config file is read */
			*dangling = 1;
			return NULL;
		}
		if (starts_with(w, "--config=", &v) || starts_with(w, "-c=", &v))
			return v;
	}
	return NULL;
}

/*
 * K3s: pkg/configfilearg/parser.go findConfigFileFlag() with
 * defaultparser.go DefaultParser: a non-empty K3S_CONFIG_FILE in K3s's
 * environment first; then the first "--config"/"-c" word of the command
 * line (the next word is the file, even when it starts with '-'; as the
 * last word, no file at all) or "--config=F"/"-c=F" (F may be empty: then
 * no file either); else /etc/rancher/k3s/config.yaml.  Other spellings
 * ("-config", "--c") do not name the file K3s reads.
 */
void
find_config_file(struct node *n, struct merge *m)
{
	const struct unit *act = NULL;
	struct mopt *c = NULL;
	const char *cfg = NULL;
	int dangling = 0;

	for (size_t i = 0; i < n->nunits; i++)
		if (n->units[i].active)
			act = &n->units[i];
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->o[i].name, "config"))
			c = &m->o[i];
	if (c && c->env.n && *c->env.v[c->env.n - 1].value)
		cfg = c->env.v[c->env.n - 1].value;
	else if (act && (cfg = config_flag(act, &dangling)) && strchr(cfg, '$') &&
	    !act->openrc && c && c->cli.n)
		cfg = c->cli.v[c->cli.n - 1].value;	/* systemd expanded it */
	if (cfg || dangling)
		n->config_explicit = 1;
	if (dangling) {
		/* then urfave/cli refuses the command line: K3s does not start */
		n->config_none = 1;
		node_err(n, "config", act->exec_file, 0,
		    "the K3s command line ends with '--config' and no file: K3s reads no "
		    "config file and does not start (flag needs an argument)");
	} else if (cfg && !*cfg) {
		n->config_none = 1;	/* "-c=": K3s reads no config file */
		cfg = NULL;
	} else if (cfg && (!strncasecmp(cfg, "http://", 7) ||
	    !strncasecmp(cfg, "https://", 8))) {
		/* K3s: readConfigFileData() fetches it; we never do */
		n->config_none = 1;
		node_err(n, "config", NULL, 0,
		    "K3s reads its configuration from a URL (K3S_CONFIG_FILE or --config); "
		    "k3sguard does not fetch it, so K3s's options are not known");
		cfg = NULL;
	}
	n->config_path = node_host_abs(cfg ? cfg : "/etc/rancher/k3s/config.yaml");
}

/*
 * K3s: pkg/configfilearg/parser.go dotDFiles(): every entry of DIR that is
 * not a directory (a link to one is not: reading it then fails) and whose
 * name ends in .yaml/.yml in any case, in os.ReadDir's byte order.  0 (no
 * directory: none), or -1 after an error (K3s then fails to start).
 */
static int
dotd_files(struct node *n, const char *dir, char ***names, size_t *cnt)
{
	DIR *d;
	struct dirent *de;

	if (!(d = gate_opendir(dir))) {
		if (errno == ENOENT)
			return 0;
		return node_err(n, "config", dir, 0,
		    "cannot read '%s' (K3s cannot either, and does not start): %s", dir,
		    strerror(errno));
	}
	while ((de = readdir(d))) {
		int isdir = de->d_type == DT_DIR;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !is_yaml_name(de->d_name))
			continue;
		if (de->d_type == DT_UNKNOWN) {
			struct buf p = BUF_INIT;
			struct stat st;

			buf_addf(&p, "%s/%s", dir, de->d_name);
			isdir = gate_lstat(p.s, &st) == 0 && S_ISDIR(st.st_mode);
			buf_release(&p);
		}
		if (isdir)
			continue;
		*names = node_grow(*names, *cnt, sizeof(**names));
		(*names)[(*cnt)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*cnt)
		qsort(*names, *cnt, sizeof(**names), cmp_str);
	return 0;
}

/*
 * K3s: pkg/configfilearg/parser.go readConfigFile(): the drop-ins are
 * listed first; the config file (os.Stat: links followed) is read before
 * them when it exists; a missing config file is fine when there is a
 * drop-in.  Parse() ignores a missing default file; a missing file named
 * by K3S_CONFIG_FILE/--config with no drop-in is recorded as an error
 * (older K3s refuses to start then; newer K3s runs without the file).
 */
void
merge_configs(struct node *n, struct merge *m)
{
	struct buf dir = BUF_INIT;
	struct stat st;
	char **names = NULL;
	size_t cnt = 0;
	int ret;

	if (n->config_none)
		return;
	buf_addf(&dir, "%s.d", n->config_path);
	if (dotd_files(n, dir.s, &names, &cnt) < 0) {
		buf_release(&dir);
		return;
	}
	quiet_errors++;
	ret = gate_stat(n->config_path, &st);
	quiet_errors--;
	if (ret == 0)
		read_config(n, m, n->config_path, SRC_CONFIG);
	else if (errno != ENOENT || (n->config_explicit && !cnt))
		node_err(n, "config", n->config_path, 0, "cannot read '%s'%s: %s",
		    n->config_path,
		    n->config_explicit ? " (named by K3S_CONFIG_FILE or --config)" : "",
		    strerror(errno));
	for (size_t i = 0; i < cnt; i++) {
		struct buf p = BUF_INIT;

		buf_addf(&p, "%s/%s", dir.s, names[i]);
		read_config(n, m, p.s, SRC_DROPIN);
		buf_release(&p);
		free(names[i]);
	}
	free(names);
	buf_release(&dir);
}
