/* SPDX-License-Identifier: Apache-2.0 */
/*
 * node-config.c: K3s's configuration files and their part of the merge.
 *
 * As K3s reads them: the config file (/etc/rancher/k3s/config.yaml, or the
 * one named by --config / K3S_CONFIG_FILE), then every file of
 * <config>.d/ whose name ends in .yaml or .yml (any case), in lexical
 * order.  A key in a later file replaces the earlier value; "key+:" appends
 * to it.  A value is a string (any scalar) or a list of strings.
 *
 * Unlike K3s, a symlinked config file is refused (never followed): under
 * --root the node tree may be hostile, and a link can point anywhere.
 * Directories on the way are resolved inside the root (core/gate.h).
 */
#include "core/k3sguard.h"
#include "node/node.h"
#include "node/node-int.h"
#include "core/gate.h"
#include "core/yamltree.h"

#include <dirent.h>

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
is_yaml_name(const char *s)
{
	size_t n = strlen(s);

	return (n > 5 && !strcasecmp(s + n - 5, ".yaml")) ||
	    (n > 4 && !strcasecmp(s + n - 4, ".yml"));
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

static void
read_config(struct node *n, struct merge *m, const char *host, enum source_kind kind)
{
	struct buf data = BUF_INIT;
	int ret;

	quiet_errors++;
	ret = gate_read(host, CONFIG_MAX, &data, NULL);
	quiet_errors--;
	if (ret < 0)
		node_err_last(n, "config", host, 0);
	else
		node_config_parse(n, m, host, kind, data.s, data.len);
	buf_wipe(&data);
}

void
merge_configs(struct node *n, struct merge *m)
{
	struct buf dir = BUF_INIT;
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t cnt = 0;

	if (gate_lstat(n->config_path, &st) == 0)
		read_config(n, m, n->config_path, SRC_CONFIG);
	else if (errno != ENOENT || n->config_explicit)
		node_err(n, "config", n->config_path, 0, "cannot read '%s'%s: %s",
		    n->config_path, n->config_explicit ? " (named by --config)" : "",
		    strerror(errno));

	buf_addf(&dir, "%s.d", n->config_path);
	if (!(d = gate_opendir(dir.s))) {
		if (errno != ENOENT && errno != ENOTDIR)
			node_err(n, "config", dir.s, 0, "cannot open '%s': %s", dir.s,
			    strerror(errno));
		buf_release(&dir);
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !is_yaml_name(de->d_name) || de->d_type == DT_DIR)
			continue;
		names = node_grow(names, cnt, sizeof(*names));
		names[cnt++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (cnt)
		qsort(names, cnt, sizeof(*names), cmp_str);
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
