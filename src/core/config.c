/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c: see config.h.  An absolute --config (and the default) is a node
 * path: read through the gate, inside --root.  A relative one is a local
 * file the user named, relative to the current directory, as before.
 */
#include "core/k3sguard.h"
#include "core/config.h"
#include "core/gate.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

static struct ydocs docs;
static int loaded;

/*
 * Every key k3sguard reads, with what it must be: the whole file is
 * checked once, when it is loaded, so a bad value fails every command,
 * not only the one that happens to read it.
 */
enum key_kind { K_STR, K_NUM, K_LIST };
static const struct config_key {
	const char *key;
	enum key_kind kind;
	long long min, max;
} config_keys[] = {
	{ "etcd.endpoints", K_STR, 0, 0 },
	{ "k3s-cli", K_STR, 0, 0 },
	{ "etcd.cacert", K_STR, 0, 0 },
	{ "etcd.cert", K_STR, 0, 0 },
	{ "etcd.key", K_STR, 0, 0 },
	{ "policy.token-max-age-days", K_NUM, 1, 36500 },
	{ "policy.update-max-minors-behind", K_NUM, 0, 100 },
	{ "policy.update-max-patches-behind", K_NUM, 0, 1000 },
	{ "store.backend", K_STR, 0, 0 },
	{ "store.helper", K_STR, 0, 0 },
	{ "store.helper-env", K_LIST, 0, 0 },
	{ "token.probe-command", K_LIST, 0, 0 },
	{ "token.probe-timeout", K_NUM, 1, 3600 },
	{ "token.restart-command", K_LIST, 0, 0 },
	{ "token.restart-timeout", K_NUM, 1, 3600 },
	{ "token.server-url", K_STR, 0, 0 },
	{ "updates.advisories-url", K_STR, 0, 0 },
	{ "updates.ca-file", K_STR, 0, 0 },
	{ "updates.channel", K_STR, 0, 0 },
	{ "updates.channels-url", K_STR, 0, 0 },
};

/* One key's value against its kind; fatal (exit 2) naming file, line and key. */
static void
check_key(const char *path, const struct ynode *top, const struct config_key *k)
{
	const struct ynode *n = ypath(top, k->key);
	long long v;

	if (!n || yis_null(n))
		return;
	switch (k->kind) {
	case K_STR:
		if (n->type != Y_SCALAR)
			fatal("'%s' line %d: '%s' must be a string", path, n->line, k->key);
		break;
	case K_NUM:
		if (n->type != Y_SCALAR || parse_num(n->str, k->min, k->max, &v) < 0)
			fatal("'%s' line %d: '%s' must be a number from %lld to %lld",
			    path, n->line, k->key, k->min, k->max);
		break;
	case K_LIST:
		if (n->type != Y_SEQ)
			fatal("'%s' line %d: '%s' must be a list", path, n->line, k->key);
		for (size_t i = 0; i < n->n; i++)
			if (n->vals[i]->type != Y_SCALAR)
				fatal("'%s' line %d: '%s' must be a list of strings", path,
				    n->vals[i]->line, k->key);
		break;
	}
}

void
config_validate(const char *path, const struct ynode *top)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++)
		check_key(path, top, &config_keys[i]);
}

static const struct ynode *
config_root(void)
{
	struct buf data = BUF_INIT;
	struct stat st;
	const char *path;
	int node = gopt.config[0] == '/', r;

	if (loaded)
		return docs.n ? docs.doc[0] : NULL;
	loaded = 1;
	path = root_path(gopt.config);	/* to show */
	r = node ? gate_lstat(gopt.config, &st) : path_lstat(gopt.config, &st);
	if (r < 0 && errno == ENOENT)
		return NULL;
	r = node ? gate_read(gopt.config, CONFIG_MAX, &data, &st) :
	    file_read(gopt.config, CONFIG_MAX, &data, &st);
	if (r < 0 || file_trusted(&st, path) < 0 ||
	    yaml_parse(path, data.s, data.len, &docs) < 0)
		exit(EXIT_ERROR);	/* the message is out already */
	buf_release(&data);
	if (docs.n > 1)
		fatal("'%s': expected one YAML document, found %zu", path, docs.n);
	if (docs.n && docs.doc[0] && docs.doc[0]->type != Y_MAP)
		fatal("'%s' line %d: expected a mapping at the top", path, docs.doc[0]->line);
	if (docs.n && docs.doc[0])
		config_validate(path, docs.doc[0]);
	return docs.n ? docs.doc[0] : NULL;
}

const struct ynode *
config_get(const char *dotted)
{
	return ypath(config_root(), dotted);
}

const char *
config_str(const char *dotted, const char *def)
{
	const struct ynode *n = config_get(dotted);

	if (!n || yis_null(n))
		return def;
	if (n->type != Y_SCALAR)
		fatal("'%s' line %d: '%s' must be a string", root_path(gopt.config), n->line, dotted);
	return n->str;
}

long long
config_num(const char *dotted, long long min, long long max, long long def)
{
	const struct ynode *n = config_get(dotted);
	long long v;

	if (!n || yis_null(n))
		return def;
	if (n->type != Y_SCALAR || parse_num(n->str, min, max, &v) < 0)
		fatal("'%s' line %d: '%s' must be a number from %lld to %lld",
		    root_path(gopt.config), n->line, dotted, min, max);
	return v;
}

void
config_reset(void)
{
	ydocs_free(&docs);
	loaded = 0;
}
