/*
 * fuzz-units.c: libFuzzer harness for the unit readers of node_load()
 * (src/node/node-units.c): systemd units with their drop-ins, and OpenRC
 * scripts.  The input is split at NUL bytes into up to five files:
 * k3s.service, k3s.service.d/10-a.conf, k3s.service.d/20-b.conf,
 * k3s-agent.service (in /etc/systemd/system) and /etc/init.d/k3s (a missing
 * part is no file).  parse_unit_text() and read_openrc() are static and
 * read through rootfs, so the harness goes through node_load() on a temp
 * tree (tree.h).
 *
 * Invariants besides crashes and leaks: every argv word is a string and its
 * line lies inside the file ExecStart= (or command_args) came from; the role
 * of a unit with a command is server or agent only when that word is in argv; every Environment=
 * name is non-empty and has no '='; agent exec's hand-over names a secret.
 */
#include "core/k3sguard.h"
#include "node/node.h"
#include "tree.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const parts[] = {
	"/etc/systemd/system/k3s.service",
	"/etc/systemd/system/k3s.service.d/10-a.conf",
	"/etc/systemd/system/k3s.service.d/20-b.conf",
	"/etc/systemd/system/k3s-agent.service",
	"/etc/init.d/k3s",
};
static int nlines[ARRAY_SIZE(parts)];

/* Physical lines of each part, as next_lline() counts them. */
static void
count_lines(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;

	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		const uint8_t *z = p && i + 1 < ARRAY_SIZE(parts) ?
		    memchr(p, 0, (size_t)(end - p)) : NULL;
		const uint8_t *e = z ? z : end;

		nlines[i] = 0;
		if (!p)
			continue;
		for (const uint8_t *q = p; q < e; q++)
			if (*q == '\n')
				nlines[i]++;
		if (e > p && e[-1] != '\n')
			nlines[i]++;
		p = z ? z + 1 : NULL;
	}
}

static int
lines_of(const char *file)
{
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
		if (file && !strcmp(file, parts[i]))
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

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const dirs[] = {
		"/etc/systemd/system/k3s.service.d", "/etc/init.d", NULL,
	};

	tree_node_setup(dirs);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct node n;

	tree_put_parts(parts, ARRAY_SIZE(parts), data, size);
	count_lines(data, size);
	if (node_load(&n) == 0) {
		for (size_t i = 0; i < n.nunits; i++)
			check_unit(&n.units[i]);
		for (size_t i = 0; i < n.nerrors; i++)
			if (strchr(n.errors[i].msg, '\n'))
				abort();	/* messages are one line */
		node_free(&n);
	}
	clear_error();
	return 0;
}
