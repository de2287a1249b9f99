/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-units.c: libFuzzer harness for the unit parsers of node_load()
 * (src/node/node-units.c): systemd units with their drop-ins, and OpenRC
 * scripts, from texts in memory (node_unit_parse(), node_openrc_parse():
 * what the readers call once a file is read through the gate).  The input
 * is split at NUL bytes into up to five texts (parts.h): k3s.service,
 * k3s.service.d/10-a.conf, k3s.service.d/20-b.conf, k3s-agent.service (in
 * /etc/systemd/system) and /etc/init.d/k3s; a missing part is no file, and
 * drop-ins are read after their unit, as read_systemd_unit() does.  The
 * units then go through the merge (merge_units_env(), merge_finish()).
 *
 * Invariants besides crashes and leaks: every argv word is a string and its
 * line lies inside the file ExecStart= (or command_args) came from; the role
 * of a unit with a command is server or agent only when that word is in argv; every Environment=
 * name is non-empty and has no '='; agent exec's hand-over names a secret;
 * every recorded error is one line.
 */
#include "core/k3sguard.h"
#include "node/node-int.h"
#include "parts.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *path;
	const char *unit;	/* the unit it adds, or NULL: a drop-in of the last one */
	int openrc;
} files[] = {
	{ "/etc/systemd/system/k3s.service", "k3s.service", 0 },
	{ "/etc/systemd/system/k3s.service.d/10-a.conf", NULL, 0 },
	{ "/etc/systemd/system/k3s.service.d/20-b.conf", NULL, 0 },
	{ "/etc/systemd/system/k3s-agent.service", "k3s-agent.service", 0 },
	{ "/etc/init.d/k3s", "k3s", 1 },
};
#define NFILES ARRAY_SIZE(files)
static int nlines[NFILES];

/* Physical lines of each text, as next_lline() counts them. */
static void
count_lines(const struct part *p)
{
	for (size_t i = 0; i < NFILES; i++) {
		const char *s = p[i].text.s;
		size_t len = p[i].text.len;

		nlines[i] = 0;
		for (size_t k = 0; k < len; k++)
			if (s[k] == '\n')
				nlines[i]++;
		if (len && s[len - 1] != '\n')
			nlines[i]++;
	}
}

static int
lines_of(const char *file)
{
	for (size_t i = 0; i < NFILES; i++)
		if (file && !strcmp(file, files[i].path))
			return nlines[i];
	abort();	/* ExecStart= from a file we did not write */
}

static void
check_unit(const struct unit *u)
{
	int max;
	int have_role = 0;

	if (u->argc) {
		if (!u->exec_file || !u->argv || !u->arg_lines)
			abort();
		max = lines_of(u->exec_file);
		for (size_t i = 0; i < u->argc; i++) {
			if (!u->argv[i])
				abort();
			(void)strlen(u->argv[i]);
			if (u->arg_lines[i] < 1 || u->arg_lines[i] > max)
				abort();
			if (i && (!strcmp(u->argv[i], "server") || !strcmp(u->argv[i], "agent")))
				have_role = 1;
		}
		if (u->exec_line < 1 || u->exec_line > max)
			abort();
	}
	/* a role only from a command that names it (a cleared ExecStart= clears it: t0106) */
	if (u->role != ROLE_UNKNOWN && !have_role)
		abort();
	if (u->token_via_agent_exec && !u->agent_exec_secret)
		abort();
	for (size_t i = 0; i < u->n_env; i++)
		if (!u->env[i].name[0] || strchr(u->env[i].name, '='))
			abort();
	for (size_t i = 0; i < u->n_env_files; i++)
		(void)strlen(u->env_files[i]);
}

/* The units of the texts, as node_read_units() finds them. */
static void
add_units(struct node *n, const struct part *p)
{
	static const struct stat st = { .st_mode = S_IFREG | 0644 };
	struct unit *u = NULL;

	for (size_t i = 0; i < NFILES; i++) {
		if (files[i].unit)
			u = NULL;
		if (!p[i].present || (!files[i].unit && !u))
			continue;
		if (files[i].unit)
			u = node_unit_add(n, files[i].path, files[i].unit, files[i].openrc, &st);
		if (files[i].openrc)
			node_openrc_parse(n, u, files[i].path, p[i].text.s, p[i].text.len);
		else
			node_unit_parse(n, u, files[i].path, p[i].text.s, p[i].text.len);
		u = &n->units[n->nunits - 1];
	}
	if (n->nunits)
		n->units[0].active = 1;
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
	struct part p[NFILES];
	struct merge m = { NULL, 0, NULL, 0 };
	struct node n;

	memset(&n, 0, sizeof(n));
	parts_split(data, size, p, NFILES);
	count_lines(p);
	add_units(&n, p);
	for (size_t i = 0; i < n.nunits; i++)
		check_unit(&n.units[i]);
	merge_units_env(&n, &m);
	merge_finish(&n, &m);
	for (size_t i = 0; i < n.nerrors; i++)
		if (strchr(n.errors[i].msg, '\n'))
			abort();	/* messages are one line */
	node_free(&n);
	parts_free(p, NFILES);
	clear_error();
	return 0;
}
