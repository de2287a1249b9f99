/*
 * fuzz-config-merge.c: libFuzzer harness for node_load() on a node tree
 * built from the input.  The input is split at NUL bytes into up to four
 * parts: /etc/rancher/k3s/config.yaml, config.yaml.d/50-fuzz.yaml,
 * /etc/systemd/system/k3s.service and /etc/systemd/system/k3s.service.env
 * (a missing part is no file).  The tree lives in one temp dir, rewritten
 * for each input and removed at exit.
 *
 * Besides crashes and leaks it checks one invariant: a token value of 16
 * bytes or more never appears in what node_describe_value() prints.
 */
#include "core/k3sguard.h"
#include "node/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64];
static const char *const parts[] = {
	"/etc/rancher/k3s/config.yaml",
	"/etc/rancher/k3s/config.yaml.d/50-fuzz.yaml",
	"/etc/systemd/system/k3s.service",
	"/etc/systemd/system/k3s.service.env",
};

static void
cleanup(void)
{
	struct buf p = BUF_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		buf_reset(&p);
		buf_addf(&p, "%s%s", root, parts[i]);
		unlink(p.s);
	}
	static const char *const dirs[] = {
		"/etc/rancher/k3s/config.yaml.d", "/etc/rancher/k3s", "/etc/rancher",
		"/etc/systemd/system", "/etc/systemd", "/etc", "",
	};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		buf_reset(&p);
		buf_addf(&p, "%s%s", root, dirs[i]);
		rmdir(p.s);
	}
	buf_release(&p);
}

static void
setup(void)
{
	struct buf p = BUF_INIT;

	snprintf(root, sizeof(root), "/tmp/fuzz-node.XXXXXX");
	if (!mkdtemp(root))
		abort();
	buf_addf(&p, "%s/etc/rancher/k3s/config.yaml.d", root);
	if (mkdir_p(p.s, 0700) < 0)
		abort();
	buf_reset(&p);
	buf_addf(&p, "%s/etc/systemd/system", root);
	if (mkdir_p(p.s, 0700) < 0)
		abort();
	buf_release(&p);
	atexit(cleanup);
	gopt.root = root;
	gopt.k3s_bin = "/usr/local/bin/k3s";	/* absent: never run */
	quiet_errors = 1;
}

static void
put(const char *host, const uint8_t *d, size_t n)
{
	struct buf p = BUF_INIT;
	int fd;

	buf_addf(&p, "%s%s", root, host);
	unlink(p.s);
	if (d) {
		/* plain write, no fsync: this runs thousands of times a second */
		fd = open(p.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || write_all(fd, d, n) < 0)
			abort();
		close(fd);
	}
	buf_release(&p);
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
	static int ready;
	const uint8_t *p = data, *end = data + size;
	struct node n;

	if (!ready) {
		setup();
		ready = 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		const uint8_t *z = p ? memchr(p, 0, (size_t)(end - p)) : NULL;

		if (!p) {
			put(parts[i], NULL, 0);
			continue;
		}
		put(parts[i], p, (size_t)((z ? z : end) - p));
		p = z ? z + 1 : NULL;
	}
	if (node_load(&n) == 0) {
		check_describe(&n);
		node_free(&n);
	}
	clear_error();
	return 0;
}
