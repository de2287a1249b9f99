/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-mut-gate.c: the modes the gate gives what it creates, whatever the
 * umask, at the edges the mutation run (make mutate, docs/testing.md) found
 * untested: an atomic write ends with the mode asked for even when the
 * umask would take bits away (k3sguard runs under umask 077 and restores
 * locked 0644 manifests), a file gate_openat creates is 0600 even under
 * umask 0, a second hard link makes gate_fix_mode refuse.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "unit.h"

#include <sys/wait.h>

static char top[64];

static void
must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "u-mut-gate: set-up failed: %s: %s\n", what, strerror(errno));
		exit(2);
	}
}

static mode_t
mode_of(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", top, rel);
	if (lstat(p, &st) < 0)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

static void
test_atomic_mode_under_umask(void)
{
	mode_t old = umask(077);

	CHECK(gate_write_atomic("/wide", "x\n", 2, 0644) == 0);
	CHECK(mode_of("/wide") == 0644);
	CHECK(gate_write_atomic("/wide", "y\n", 2, 0600) == 0);
	CHECK(mode_of("/wide") == 0600);
	umask(0);
	CHECK(gate_write_atomic("/narrow", "x\n", 2, 0600) == 0);
	CHECK(mode_of("/narrow") == 0600);
	umask(old);
}

static void
test_openat_creates_0600(void)
{
	mode_t old = umask(0);
	int d = gate_open("/", O_RDONLY | O_DIRECTORY), fd;

	CHECK(d >= 0);
	if (d < 0) {
		umask(old);
		return;
	}
	fd = gate_openat(d, "created", O_WRONLY | O_CREAT | O_EXCL);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(mode_of("/created") == 0600);
	close(d);
	umask(old);
}

static void
test_fix_mode_two_links(void)
{
	char a[PATH_MAX], b[PATH_MAX];

	snprintf(a, sizeof(a), "%s/one", top);
	snprintf(b, sizeof(b), "%s/two", top);
	must(gate_write_atomic("/one", "z\n", 2, 0644) == 0, "write one");
	CHECK(gate_fix_mode("/one", 0600, (uid_t)-1, (gid_t)-1) == 0);
	CHECK(mode_of("/one") == 0600);
	must(link(a, b) == 0, "link");
	CHECK(gate_fix_mode("/one", 0644, (uid_t)-1, (gid_t)-1) < 0);
	CHECK(mode_of("/one") == 0600);
}

static void
cleanup(void)
{
	pid_t pid;
	int st;

	if ((pid = fork()) == 0) {
		execlp("rm", "rm", "-rf", top, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		fprintf(stderr, "# cannot remove %s\n", top);
}

int
main(void)
{
	char tmpl[] = "/tmp/u-mut-gate.XXXXXX";

	must(mkdtemp(tmpl) != NULL, "mkdtemp");
	snprintf(top, sizeof(top), "%s", tmpl);
	gopt.root = top;
	must(gate_set_root(top) == 0, "gate_set_root");
	T(test_atomic_mode_under_umask);
	T(test_openat_creates_0600);
	T(test_fix_mode_two_links);
	cleanup();
	return UNIT_DONE();
}
