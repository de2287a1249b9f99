/*
 * fuzz-config-merge.c: libFuzzer harness for node_load() on a node tree
 * built from the input.  The input is split at NUL bytes into up to four
 * parts: /etc/rancher/k3s/config.yaml, config.yaml.d/50-fuzz.yaml,
 * /etc/systemd/system/k3s.service and /etc/systemd/system/k3s.service.env
 * (a missing part is no file).  The tree (tree.h) lives in one temp dir,
 * rewritten for each input and removed at exit.
 *
 * Besides crashes and leaks it checks one invariant: a token value of 16
 * bytes or more never appears in what node_describe_value() prints.
 */
#include "core/k3sguard.h"
#include "node/node.h"
#include "tree.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const parts[] = {
	"/etc/rancher/k3s/config.yaml",
	"/etc/rancher/k3s/config.yaml.d/50-fuzz.yaml",
	"/etc/systemd/system/k3s.service",
	"/etc/systemd/system/k3s.service.env",
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const dirs[] = {
		"/etc/rancher/k3s/config.yaml.d", "/etc/systemd/system", NULL,
	};

	tree_node_setup(dirs);
	return 0;
}

static void
check_describe(const struct node *n)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n->nopts; i++) {
		const struct kopt *k = &n->opts[i];

		for (size_t j = 0; j < k->nseen; j++) {
			const char *v = k->seen[j].where.file ? k->seen[j].value : NULL;

			buf_reset(&b);
			node_describe_value(k->name, v, &b);
			(void)origin_str(&k->seen[j].where);
			if (v && strlen(v) >= 16 && (!strcmp(k->name, "token") ||
			    !strcmp(k->name, "agent-token")) && strstr(b.s, v))
				abort();	/* a token reached the output */
		}
	}
	(void)node_get(n, "data-dir");
	(void)node_file(n, "server/token");
	buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct node n;

	tree_put_parts(parts, ARRAY_SIZE(parts), data, size);
	if (node_load(&n) == 0) {
		check_describe(&n);
		node_free(&n);
	}
	clear_error();
	return 0;
}
