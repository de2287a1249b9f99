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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	{ "etcd.k3s-cert", K_STR, 0, 0 },
	{ "etcd.k3s-key", K_STR, 0, 0 },
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
	{ "updates.channels-file", K_STR, 0, 0 },
	{ "updates.advisories-file", K_STR, 0, 0 },
};

/* Levenshtein distance, two rows; keys are short (bounded by KEY_MAX). */
#define KEY_MAX 128
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[2][KEY_MAX + 1];

	if (la > KEY_MAX || lb > KEY_MAX)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *cur = row[i & 1], *prev = row[(i - 1) & 1];

		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	}
	return row[la & 1][lb];
}

/* The known key nearest to an unknown dotted one. */
static const char *
closest_key(const char *dotted)
{
	const char *best = config_keys[0].key;
	size_t bd = SIZE_MAX;

	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		size_t d = edit_distance(dotted, config_keys[i].key);

		if (d < bd) {
			bd = d;
			best = config_keys[i].key;
		}
	}
	return best;
}

static const struct config_key *
find_key(const char *dotted)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++)
		if (!strcmp(config_keys[i].key, dotted))
			return &config_keys[i];
	return NULL;
}

/* 1 when dotted is a section: some known key starts with "dotted.". */
static int
is_section(const char *dotted)
{
	size_t n = strlen(dotted);

	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++)
		if (!strncmp(config_keys[i].key, dotted, n) &&
		    config_keys[i].key[n] == '.')
			return 1;
	return 0;
}

/*
 * Every key in a mapping must be one k3sguard knows, or a section of
 * them: a typo would otherwise silently mean the default policy.
 */
static void
check_unknown(const char *path, const struct ynode *map, const char *prefix)
{
	char dotted[KEY_MAX + 1];

	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->keys[i], *v = map->vals[i];
		int len;

		if (k->type != Y_SCALAR || memchr(k->str, '\0', k->len))
			fatal("'%s' line %d: a key must be a plain string", path, k->line);
		len = snprintf(dotted, sizeof(dotted), "%s%s%s", prefix,
		    prefix[0] ? "." : "", k->str);
		if (len < 0 || (size_t)len >= sizeof(dotted) ||
		    (!find_key(dotted) && !is_section(dotted)))
			fatal("'%s' line %d: unknown key '%s' (did you mean '%s'?)", path,
			    k->line, len > 0 && (size_t)len < sizeof(dotted) ? dotted :
			    "(too long)", closest_key(len > 0 &&
			    (size_t)len < sizeof(dotted) ? dotted : ""));
		if (find_key(dotted) || yis_null(v))
			continue;
		if (v->type != Y_MAP)
			fatal("'%s' line %d: '%s' must be a mapping of keys", path,
			    v->line, dotted);
		check_unknown(path, v, dotted);
	}
}

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
	check_unknown(path, top, "");
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
config_check(void)
{
	(void)config_root();
}

void
config_reset(void)
{
	ydocs_free(&docs);
	loaded = 0;
}
