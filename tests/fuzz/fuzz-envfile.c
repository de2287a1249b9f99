/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-envfile.c: libFuzzer harness for the env file parser of node_load()
 * (node_envfile_parse() and env_value() in src/node/node-envfile.c: what
 * read_envfile() calls once the file is read through the gate).  The whole
 * input is the text of /etc/systemd/system/k3s.service.env, in memory,
 * without units, so it is the effective env (K3S_* feed the merge, which
 * runs: merge_units_env(), merge_finish()).
 *
 * Invariants besides crashes and leaks: every
 * variable has a non-empty name without '=' or trailing space, its line
 * lies inside the file, lines only grow, there are no more variables than
 * lines, and a K3S_TOKEN value of 16 bytes or more never appears in what
 * node_describe_value() prints for the token option; no name starts with
 * white space (the bugs "export  K3S_TOKEN=" and "export \fK3S_TOKEN="
 * once were: seeds/fuzz-envfile/export-two-spaces and
 * export-form-feed-before-name, fixed in read_envfile(), t0106).
 */
#include "core/k3sguard.h"
#include "node/node-int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ENVFILE "/etc/systemd/system/k3s.service.env"

static void
check(const struct node *n, int lines)
{
	const struct envfile *e = NULL;
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n->nenvfiles; i++)
		if (!strcmp(n->envfiles[i].path, ENVFILE))
			e = &n->envfiles[i];
	if (!e || !e->exists)
		abort();
	if (e->n > (size_t)lines)
		abort();
	for (size_t i = 0; i < e->n; i++) {
		const struct envvar *v = &e->vars[i];
		size_t len = strlen(v->name);

		if (!len || strchr(v->name, '=') || isspace((unsigned char)v->name[len - 1]) ||
		    isspace((unsigned char)v->name[0]))
			abort();
		if (v->line < 1 || v->line > lines || (i && v->line <= e->vars[i - 1].line))
			abort();
		if (!strcmp(v->name, "K3S_TOKEN") && strlen(v->value) >= 16) {
			buf_reset(&b);
			node_describe_value("token", v->value, &b);
			if (strstr(b.s, v->value))
				abort();	/* a token reached the output */
		}
	}
	buf_release(&b);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	quiet_errors = 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct merge m = { NULL, 0, NULL, 0 };
	struct buf text = BUF_INIT;
	struct envfile *e;
	struct node n;
	int lines = 0;

	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n')
			lines++;
	if (size && data[size - 1] != '\n')
		lines++;
	buf_add(&text, data, size);	/* data[len] is NUL, as gate_read() gives */
	memset(&n, 0, sizeof(n));
	e = node_envfile_add(&n, ENVFILE);
	e->exists = 1;
	node_envfile_parse(&n, e, text.s, text.len);
	check(&n, lines);
	merge_units_env(&n, &m);
	merge_finish(&n, &m);
	node_free(&n);
	buf_release(&text);
	clear_error();
	return 0;
}
