/* SPDX-License-Identifier: Apache-2.0 */
/* host-config.c: see host-config.h. */
#include "core/k3sguard.h"
#include "core/config.h"
#include "core/gate.h"
#include "store/host-config.h"

static struct ydocs host_docs;
static int host_loaded;

const char *
host_config_path(void)
{
	const char *e = getenv("K3SGUARD_HOST_CONFIG");

	if (gate_root_is_host())
		return root_path(gopt.config);
	return e && *e ? e : HOST_CONFIG;
}

const char *
host_k3s_program(const char *node_bin, const char *what)
{
	const struct ynode *n;
	const char *p;

	if (gate_root_is_host())
		return node_bin;
	n = host_config("k3s-cli");
	p = n ? yscalar(n) : NULL;
	if (!p || p[0] != '/') {
		error("%s under --root runs no program of the image: set k3s-cli (an absolute "
		    "path to a K3s binary of this host, of the node's version) in '%s'",
		    what, host_config_path());
		return NULL;
	}
	return p;
}

const struct ynode *
host_config(const char *dotted)
{
	const char *path = host_config_path();
	struct buf data = BUF_INIT;
	struct stat st;

	if (gate_root_is_host())
		return config_get(dotted);
	if (!host_loaded) {
		host_loaded = 1;
		/* a local file of this host, not a node path; missing: nothing set */
		if (path_lstat(path, &st) == 0 &&
		    (file_read(path, CONFIG_MAX, &data, &st) < 0 ||
		    file_trusted(&st, path) < 0 ||
		    yaml_parse(path, data.s, data.len, &host_docs) < 0))
			exit(EXIT_ERROR);	/* the message is out already */
		buf_release(&data);
		if (host_docs.n > 1 || (host_docs.n && host_docs.doc[0] &&
		    host_docs.doc[0]->type != Y_MAP))
			fatal("'%s': expected one YAML document, a mapping", path);
		if (host_docs.n && host_docs.doc[0])
			config_validate(path, host_docs.doc[0]);
	}
	return host_docs.n ? ypath(host_docs.doc[0], dotted) : NULL;
}

void
host_config_check(void)
{
	if (!gate_root_is_host())
		(void)host_config("");
}
