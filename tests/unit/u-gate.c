/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-gate.c: the gate (src/core/gate.c), on a hostile image tree under a
 * temp dir: absolute links, relative links climbing out with "..",
 * intermediate directory links, loops, a dangling link, a hard link to a
 * canary outside.  Run twice by make check: as u-gate (openat2 where the
 * kernel has it) and as u-gate-walk (K3SGUARD_GATE_WALK=1: the O_NOFOLLOW
 * walk).  After every test the canary outside the root must be unchanged
 * (content, mode, mtime, no new file beside it), and no read may return
 * its bytes.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "unit.h"

#include <dirent.h>
#include <signal.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#define CANARY	"CANARY-OUTSIDE\n"
#define INROOT	"decoy inside the root\n"

static char top[64];		/* the temp dir */
static char root[PATH_MAX];	/* top/root: the image */
static char canary[PATH_MAX];	/* top/canary/secret: must never be touched */
static struct stat canary_st;

static void
must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "u-gate: set-up failed: %s: %s\n", what, strerror(errno));
		exit(2);
	}
}

static const char *
at(const char *base, const char *rel)
{
	static char p[4][PATH_MAX];
	static int n;
	char *s = p[n++ % 4];

	snprintf(s, PATH_MAX, "%s%s", base, rel);
	return s;
}

static void
put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	must(fd >= 0, path);
	must(write_all(fd, text, strlen(text)) == 0, path);
	must(fchmod(fd, mode) == 0, path);
	close(fd);
}

static void
dir(const char *path)
{
	must(mkdir(path, 0755) == 0, path);
}

static void
sym(const char *target, const char *path)
{
	must(symlink(target, path) == 0, path);
}

/* The image and the canary; see each test for what a link is for. */
static void
setup(void)
{
	char tmpl[] = "/tmp/u-gate.XXXXXX";

	must(mkdtemp(tmpl) != NULL, "mkdtemp");
	snprintf(top, sizeof(top), "%s", tmpl);
	snprintf(root, sizeof(root), "%s/root", top);
	snprintf(canary, sizeof(canary), "%s/canary/secret", top);
	dir(at(top, "/canary"));
	put(canary, CANARY, 0600);
	dir(root);
	dir(at(root, "/etc"));
	dir(at(root, "/etc/real"));
	put(at(root, "/etc/real/file"), "inside\n", 0644);
	/* same names as the canary, inside: where an escape must land instead */
	dir(at(root, "/tmp"));
	dir(at(root, top));
	dir(at(root, at(top, "/canary")));
	put(at(root, at(top, "/canary/secret")), INROOT, 0644);
	dir(at(root, "/canary"));
	put(at(root, "/canary/secret"), INROOT, 0644);
	sym("/etc/real", at(root, "/abs"));			/* absolute, in the tree */
	sym(at(top, "/canary"), at(root, "/etc/outabs"));	/* absolute host path */
	sym("../../../../../../../canary", at(root, "/etc/climb"));	/* climbs out */
	dir(at(root, "/opt"));
	sym("../..", at(root, "/opt/x"));			/* a directory on the way */
	sym("/etc/real/../../opt/x/canary", at(root, "/etc/chain"));	/* link through link */
	sym("loop2", at(root, "/loop1"));
	sym("loop1", at(root, "/loop2"));
	sym("/nonexistent/at/all", at(root, "/dangle"));
	sym(canary, at(root, "/etc/wlink"));			/* a file link, to outside */
	must(link(canary, at(root, "/etc/hard")) == 0, "link");	/* other name outside */
	must(stat(canary, &canary_st) == 0, "stat canary");
	gopt.root = root;
	must(gate_set_root(root) == 0, "gate_set_root");
}

/* The canary unchanged and alone in its directory; its bytes nowhere in got. */
static int
canary_intact(const struct buf *got)
{
	struct stat st;
	struct buf b = BUF_INIT;
	DIR *d;
	struct dirent *e;
	int ok = 1, n = 0;

	if (stat(canary, &st) < 0 || st.st_mode != canary_st.st_mode ||
	    st.st_uid != canary_st.st_uid || st.st_ino != canary_st.st_ino ||
	    st.st_mtim.tv_sec != canary_st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != canary_st.st_mtim.tv_nsec)
		ok = 0;
	if (file_read(canary, 4096, &b, NULL) < 0 || strcmp(b.s, CANARY) != 0)
		ok = 0;
	buf_release(&b);
	if (!(d = opendir(at(top, "/canary"))))
		return 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	if (n != 1)
		ok = 0;
	if (got && memmem(got->s, got->len, "CANARY", 6))
		ok = 0;
	return ok;
}

/* No temp file of gate_atomic_begin left in the image directory rel. */
static int
no_temp(const char *rel)
{
	DIR *d = opendir(at(root, rel));
	struct dirent *e;
	int ok = 1;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, ".k3sguard-tmp-", 14) == 0)
			ok = 0;
	closedir(d);
	return ok;
}

/* gate_read of node_path: 0 and its text in *out, or -1. */
static int
rd(const char *node_path, struct buf *out)
{
	buf_reset(out);
	return gate_read(node_path, 4096, out, NULL);
}

static void
test_absolute_link_stays_inside(void)
{
	struct buf b = BUF_INIT;

	CHECK(rd("/abs/file", &b) == 0 && strcmp(b.s, "inside\n") == 0);
	/* the host path of the canary, from inside, is the decoy */
	CHECK(rd("/etc/outabs/secret", &b) == 0 && strcmp(b.s, INROOT) == 0);
	CHECK(canary_intact(&b));
	buf_release(&b);
}

static void
test_relative_link_climbing_out(void)
{
	struct buf b = BUF_INIT;

	CHECK(rd("/etc/climb/secret", &b) == 0 && strcmp(b.s, INROOT) == 0);
	CHECK(canary_intact(&b));
	buf_release(&b);
}

static void
test_intermediate_directory_links(void)
{
	struct buf b = BUF_INIT;
	struct stat st;

	CHECK(rd("/opt/x/canary/secret", &b) == 0 && strcmp(b.s, INROOT) == 0);
	CHECK(rd("/opt/x/opt/x/opt/x/etc/real/file", &b) == 0 && strcmp(b.s, "inside\n") == 0);
	CHECK(rd("/etc/chain/secret", &b) == 0 && strcmp(b.s, INROOT) == 0);
	CHECK(gate_stat("/etc/chain/secret", &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_ino != canary_st.st_ino);
	CHECK(canary_intact(&b));
	buf_release(&b);
}

static void
test_dotdot_at_the_top(void)
{
	struct buf b = BUF_INIT;
	int fd;

	CHECK(rd("/../../../../canary/secret", &b) == 0 && strcmp(b.s, INROOT) == 0);
	CHECK(rd("../etc/../../etc/real/file", &b) == 0 && strcmp(b.s, "inside\n") == 0);
	fd = gate_open("/..", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	if (fd >= 0) {
		struct stat a, r;

		CHECK(fstat(fd, &a) == 0 && stat(root, &r) == 0 &&
		    a.st_ino == r.st_ino && a.st_dev == r.st_dev);
		close(fd);
	}
	CHECK(canary_intact(&b));
	buf_release(&b);
}

static void
test_loops(void)
{
	struct buf b = BUF_INIT;
	struct stat st;

	errno = 0;
	CHECK(gate_open("/loop1", O_RDONLY) < 0 && errno == ELOOP);
	errno = 0;
	CHECK(gate_open("/loop1/x", O_RDONLY) < 0 && errno == ELOOP);
	errno = 0;
	CHECK(gate_stat("/loop2", &st) < 0 && errno == ELOOP);
	CHECK(gate_lstat("/loop1", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(rd("/loop1", &b) < 0);
	CHECK(canary_intact(&b));
	buf_release(&b);
}

static void
test_dangling_link(void)
{
	struct stat st;
	char t[PATH_MAX];

	errno = 0;
	CHECK(gate_open("/dangle", O_RDONLY) < 0 && errno == ENOENT);
	CHECK(gate_lstat("/dangle", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(gate_exists("/dangle") == 1);
	CHECK(gate_exists("/no-such") == 0);
	CHECK(gate_readlink("/dangle", t, sizeof(t)) == (ssize_t)strlen("/nonexistent/at/all") &&
	    strcmp(t, "/nonexistent/at/all") == 0);
	CHECK(canary_intact(NULL));
}

static void
test_read_refuses_a_link_and_nofollow(void)
{
	struct buf b = BUF_INIT;
	int fd;

	CHECK(rd("/etc/wlink", &b) < 0);	/* the last component is a link */
	CHECK(rd("/abs", &b) < 0);		/* a directory */
	errno = 0;
	fd = gate_open("/etc/wlink", O_RDONLY | O_NOFOLLOW);
	CHECK(fd < 0 && errno == ELOOP);
	/* followed on request, but inside: /top/canary/secret of the image */
	fd = gate_open("/etc/wlink", O_RDONLY);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(fd_read_all(fd, "wlink", 4096, &b) == 0 && strcmp(b.s, INROOT) == 0);
		close(fd);
	}
	CHECK(canary_intact(&b));
	buf_release(&b);
}

/*
 * gate_open_regular() and gate_read() never open a FIFO or a device node:
 * a writer blocked in open(2) on a FIFO of the image stays blocked (it
 * would wake up the moment anything opened the FIFO for reading).
 */
static void
test_open_regular_never_opens_a_fifo(void)
{
	struct stat st;
	struct buf b = BUF_INIT;
	pid_t pid;
	int fd, status = 0;

	must(mkfifo(at(root, "/etc/fifo"), 0644) == 0, "mkfifo");
	if ((pid = fork()) == 0) {
		alarm(5);	/* bounded: reaped below, or the alarm ends it */
		_exit(open(at(root, "/etc/fifo"), O_WRONLY) >= 0 ? 3 : 4);
	}
	must(pid > 0, "fork");
	usleep(100000);
	CHECK(gate_open_regular("/etc/fifo", O_RDONLY | O_NONBLOCK, &st) == -2 &&
	    S_ISFIFO(st.st_mode));
	CHECK(rd("/etc/fifo", &b) < 0);
	usleep(100000);
	CHECK(waitpid(pid, &status, WNOHANG) == 0);	/* still blocked: never opened */
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (mknod(at(root, "/etc/null"), S_IFCHR | 0666, makedev(1, 3)) == 0)
		CHECK(gate_open_regular("/etc/null", O_RDONLY, &st) == -2 && S_ISCHR(st.st_mode));
	CHECK(gate_open_regular("/etc/real", O_RDONLY, &st) == -2 && S_ISDIR(st.st_mode));
	errno = 0;
	CHECK(gate_open_regular("/etc/wlink", O_RDONLY | O_NOFOLLOW, &st) == -1 &&
	    errno == ELOOP);
	/* followed on request, inside the root */
	fd = gate_open_regular("/etc/wlink", O_RDONLY, &st);
	CHECK(fd >= 0 && S_ISREG(st.st_mode));
	if (fd >= 0) {
		CHECK(fd_read_all(fd, "wlink", 4096, &b) == 0 && strcmp(b.s, INROOT) == 0);
		close(fd);
	}
	fd = gate_open_regular("/etc/real/file", O_RDONLY | O_NOFOLLOW, &st);
	CHECK(fd >= 0 && st.st_nlink == 1);
	if (fd >= 0)
		close(fd);
	CHECK(canary_intact(&b));
	buf_release(&b);
}

static void
test_fix_mode_refuses_a_hard_link(void)
{
	struct stat st;

	CHECK(gate_fix_mode("/etc/hard", 0644, (uid_t)-1, (gid_t)-1) < 0);
	CHECK(gate_fix_mode("/etc/hard", 0600, 0, 0) < 0);
	CHECK(gate_fix_mode("/etc/wlink", 0644, (uid_t)-1, (gid_t)-1) < 0);
	CHECK(gate_fix_mode("/dangle", 0644, (uid_t)-1, (gid_t)-1) < 0);
	/* a file reached through a climbing link is the image's, and fixable */
	CHECK(gate_fix_mode("/opt/x/canary/secret", 0600, (uid_t)-1, (gid_t)-1) == 0);
	CHECK(stat(at(root, "/canary/secret"), &st) == 0 && (st.st_mode & 07777) == 0600);
	CHECK(gate_fix_mode("/etc/real", 0750, (uid_t)-1, (gid_t)-1) == 0);
	CHECK(stat(at(root, "/etc/real"), &st) == 0 && (st.st_mode & 07777) == 0750);
	CHECK(canary_intact(NULL));
}

static void
test_write_atomic(void)
{
	struct buf b = BUF_INIT;
	struct stat st;

	CHECK(gate_write_atomic("/etc/wlink", "x", 1, 0644) < 0);
	CHECK(lstat(at(root, "/etc/wlink"), &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(gate_write_atomic("/etc/real", "x", 1, 0644) < 0);
	CHECK(lstat(at(root, "/etc/real"), &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(gate_write_atomic("/dangle", "x", 1, 0644) < 0);
	CHECK(no_temp("/etc") && no_temp("/"));
	/* through a climbing directory link: written inside */
	CHECK(gate_write_atomic("/opt/x/canary/new", "new\n", 4, 0640) == 0);
	CHECK(file_read(at(root, "/canary/new"), 100, &b, &st) == 0 &&
	    strcmp(b.s, "new\n") == 0 && (st.st_mode & 07777) == 0640);
	CHECK(no_temp("/canary"));
	/* into a missing directory: refused, nothing made */
	CHECK(gate_write_atomic("/no/such/dir/f", "x", 1, 0644) < 0);
	CHECK(access(at(root, "/no"), F_OK) < 0);
	CHECK(canary_intact(&b));
	buf_release(&b);
}

static void
test_atomic_abort_leaves_nothing(void)
{
	struct gate_atomic a;

	CHECK(gate_atomic_begin(&a, "/etc/real/aborted", 0600) == 0);
	CHECK(write_all(a.fd, "half", 4) == 0);
	CHECK(!no_temp("/etc/real"));
	gate_atomic_abort(&a);
	CHECK(no_temp("/etc/real"));
	CHECK(access(at(root, "/etc/real/aborted"), F_OK) < 0);
	CHECK(canary_intact(NULL));
}

static void
test_mkdir_p(void)
{
	struct stat st;

	CHECK(gate_mkdir_p("/abs/a/b", 0700) == 0);
	CHECK(stat(at(root, "/etc/real/a/b"), &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 07777) == 0700);
	CHECK(gate_mkdir_p("/opt/x/canary/made/deeper", 0755) == 0);
	CHECK(stat(at(root, "/canary/made/deeper"), &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(gate_mkdir_p("/etc/outabs/made", 0755) == 0);
	CHECK(stat(at(root, at(top, "/canary/made")), &st) == 0);
	CHECK(gate_mkdir_p("/abs/a/b", 0700) == 0);	/* exists: fine */
	CHECK(gate_mkdir_p("/etc/real/file/sub", 0700) < 0);	/* a file on the way */
	CHECK(gate_mkdir_p("/loop1/sub", 0700) < 0);
	CHECK(canary_intact(NULL));
}

static void
test_rename_unlink_rmdir(void)
{
	struct stat st;

	put(at(root, "/etc/real/mv"), "mv\n", 0644);
	CHECK(gate_rename("/etc/real/mv", "/etc/real/mv2") == 0);
	CHECK(stat(at(root, "/etc/real/mv2"), &st) == 0);
	CHECK(gate_rename("/etc/real/mv2", "/opt/x/canary/moved") == 0);
	CHECK(stat(at(root, "/canary/moved"), &st) == 0);
	CHECK(gate_rename("/etc/outabs/secret", "/etc/real/stolen") == 0);	/* the decoy */
	CHECK(stat(at(root, "/etc/real/stolen"), &st) == 0);
	CHECK(gate_rename("/etc/real/stolen", "/etc/outabs/secret") == 0);
	/* renaming a link moves the link, never its target */
	CHECK(gate_rename("/etc/wlink", "/etc/wlink2") == 0);
	CHECK(lstat(at(root, "/etc/wlink2"), &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(gate_rename("/etc/wlink2", "/etc/wlink") == 0);
	CHECK(gate_unlink("/etc/climb/moved") == 0);
	CHECK(lstat(at(root, "/canary/moved"), &st) < 0);
	CHECK(gate_rmdir("/opt/x/canary/made/deeper") == 0);
	CHECK(gate_unlink("/dangle") == 0 && gate_exists("/dangle") == 0);
	sym("/nonexistent/at/all", at(root, "/dangle"));
	CHECK(gate_unlink("/etc/hard") == 0);	/* the image's name only */
	must(link(canary, at(root, "/etc/hard")) == 0, "link");
	CHECK(canary_intact(NULL));
}

static void
test_openat_one_name(void)
{
	int d = gate_open("/etc/real", O_RDONLY | O_DIRECTORY), fd;
	struct stat st;
	const char *bad[] = { "a/b", "..", ".", "", "/etc", "file/" };

	CHECK(d >= 0);
	if (d < 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		CHECK(gate_openat(d, bad[i], O_RDONLY) < 0 && errno == EINVAL);
		errno = 0;
		CHECK(gate_statat(d, bad[i], &st) < 0 && errno == EINVAL);
		errno = 0;
		CHECK(gate_unlinkat(d, bad[i], 0) < 0 && errno == EINVAL);
	}
	fd = gate_openat(d, "file", O_RDONLY);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	close(d);
	/* a link as the one name: never followed */
	d = gate_open("/etc", O_RDONLY | O_DIRECTORY);
	CHECK(d >= 0);
	if (d >= 0) {
		errno = 0;
		CHECK(gate_openat(d, "wlink", O_RDONLY) < 0 && errno == ELOOP);
		CHECK(gate_statat(d, "outabs", &st) == 0 && S_ISLNK(st.st_mode));
		close(d);
	}
	CHECK(canary_intact(NULL));
}

static void
test_open_parent(void)
{
	const char *base;
	int fd;

	errno = 0;
	CHECK(gate_open_parent("/etc/..", &base) < 0 && errno == EINVAL);
	fd = gate_open_parent("/opt/x/canary/secret", &base);
	CHECK(fd >= 0 && strcmp(base, "secret") == 0);
	if (fd >= 0) {
		struct stat a, r;

		CHECK(fstat(fd, &a) == 0 && stat(at(root, "/canary"), &r) == 0 &&
		    a.st_ino == r.st_ino);
		close(fd);
	}
	CHECK(canary_intact(NULL));
}

static void
test_opendir_through_links(void)
{
	DIR *d = gate_opendir("/opt/x/canary");
	struct dirent *e;
	int secret = 0;

	CHECK(d != NULL);
	if (d) {
		while ((e = readdir(d)))
			secret += strcmp(e->d_name, "secret") == 0;
		closedir(d);
	}
	CHECK(secret == 1);
	CHECK(gate_opendir("/loop1") == NULL);
	CHECK(canary_intact(NULL));
}

static void
cleanup(void)
{
	pid_t pid;
	int st;

	/* the tree holds links out: rm -rf never follows them */
	if ((pid = fork()) == 0) {
		execlp("rm", "rm", "-rf", top, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "# cannot remove %s\n", top);
}

int
main(void)
{
	setup();
	printf("# the gate %s\n", gate_walking() ? "walks (no openat2)" : "uses openat2");
	T(test_absolute_link_stays_inside);
	T(test_relative_link_climbing_out);
	T(test_intermediate_directory_links);
	T(test_dotdot_at_the_top);
	T(test_loops);
	T(test_dangling_link);
	T(test_read_refuses_a_link_and_nofollow);
	T(test_open_regular_never_opens_a_fifo);
	T(test_fix_mode_refuses_a_hard_link);
	T(test_write_atomic);
	T(test_atomic_abort_leaves_nothing);
	T(test_mkdir_p);
	T(test_rename_unlink_rmdir);
	T(test_openat_one_name);
	T(test_open_parent);
	T(test_opendir_through_links);
	cleanup();
	return UNIT_DONE();
}
