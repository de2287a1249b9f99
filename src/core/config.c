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
