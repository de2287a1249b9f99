/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-config-merge.c: libFuzzer harness for the merge of node_load(): env
 * file, unit and config files, from texts in memory, through the steps
 * node_load() takes once each file is read through the gate
 * (node_unit_parse(), node_envfile_parse(), merge_units_env(),
 * node_config_parse(), merge_finish()).  The input is split at NUL bytes
 * into up to four texts (parts.h): the config file, its drop-in
 * <config>.d/50-fuzz.yaml, /etc/systemd/system/k3s.service and
 * /etc/systemd/system/k3s.service.env (a missing part is no file).  The
 * config texts are read at the path the unit and env name (--config,
 * K3S_CONFIG_FILE), /etc/rancher/k3s/config.yaml when none.
 *
 * Besides crashes and leaks it checks one invariant: a token value of 16
 * bytes or more never appears in what node_describe_value() prints.
 */
#include "core/k3sguard.h"
#include "node/node-int.h"
#include "parts.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { CONFIG, DROPIN, UNIT, ENV, NPARTS };

#define UNIT_PATH "/etc/systemd/system/k3s.service"
#define ENV_PATH "/etc/systemd/system/k3s.service.env"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	quiet_errors = 1;
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

/* The unit and env file, then the config files they name, then the merge. */
static void
load(struct node *n, const struct part *p)
{
	static const struct stat st = { .st_mode = S_IFREG | 0644 };
	struct merge m = { NULL, 0, NULL, 0 };
	struct buf dropin = BUF_INIT;

	if (p[UNIT].present) {
		struct unit *u = node_unit_add(n, UNIT_PATH, "k3s.service", 0, &st);

		node_unit_parse(n, u, UNIT_PATH, p[UNIT].text.s, p[UNIT].text.len);
		n->units[0].active = 1;
	}
	if (p[ENV].present) {
		struct envfile *e = node_envfile_add(n, ENV_PATH);

		e->exists = 1;
		node_envfile_parse(n, e, p[ENV].text.s, p[ENV].text.len);
	}
	merge_units_env(n, &m);
	if (p[CONFIG].present)
		node_config_parse(n, &m, n->config_path, SRC_CONFIG, p[CONFIG].text.s,
		    p[CONFIG].text.len);
	buf_addf(&dropin, "%s.d/50-fuzz.yaml", n->config_path);
	if (p[DROPIN].present)
		node_config_parse(n, &m, dropin.s, SRC_DROPIN, p[DROPIN].text.s,
		    p[DROPIN].text.len);
	merge_finish(n, &m);
	buf_release(&dropin);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct part p[NPARTS];
	struct node n;

	memset(&n, 0, sizeof(n));
	parts_split(data, size, p, NPARTS);
	load(&n, p);
	check_describe(&n);
	node_free(&n);
	parts_free(p, NPARTS);
	clear_error();
	return 0;
}
