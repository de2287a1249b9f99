/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run.c: see run.h.  fork/exec with pipes and a poll loop; no shell.
 *
 * Invariants: the child starts with an empty signal mask and every signal
 * at its default action (a caller's signalfd mask or SIG_IGN never leaks
 * into it); it gets pipes only (stdin, stdout, stderr and a CLOEXEC pipe
 * that carries errno when exec fails), so nothing here opens a path.
 */
#include "core/k3sguard.h"
#include "core/run.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static const char *const default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"LC_ALL=C",
	NULL
};

/* The pipes of one child: [0] read end, [1] write end; -1 when closed. */
struct child {
	pid_t pid;
	int in[2], out[2], err[2], exec_err[2];
	int reaped, wst;	/* waited for already, and its wait status */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
set_cloexec(int fd, int on)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFD, on ? (fl | FD_CLOEXEC) : (fl & ~FD_CLOEXEC));
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * glibc refuses sigaction() on the signals it keeps for itself (32, 33:
 * thread cancellation, setxid), yet an ignored disposition of those is
 * inherited through exec too (GNU make, for one, starts us so).  The
 * child is about to exec and runs no thread: the kernel's call sets them
 * back to their default.
 */
static void
reset_reserved(int sig)
{
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		unsigned long mask;
	} act = { NULL, 0, NULL, 0 };	/* SIG_DFL, no flags, nothing blocked */

	syscall(SYS_rt_sigaction, sig, &act, NULL, sizeof(act.mask));
}

void
run_reset_signals(void)
{
	struct sigaction dfl;
	sigset_t none;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP && sigaction(s, &dfl, NULL) < 0)
			reset_reserved(s);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In the child: wire the pipes, reset signals, exec; never returns. */
static void
child_exec(const struct run_opts *o, struct child *c)
{
	const char *const *envp = o->envp ? o->envp : default_env;
	int e;

	run_reset_signals();
	if (dup2(c->in[0], 0) < 0 || dup2(c->out[1], 1) < 0 ||
	    (!o->inherit_stderr || o->err ? dup2(c->err[1], 2) : 2) < 0)
		goto fail;
	for (size_t i = 0; i < o->nkeep_fds; i++)
		set_cloexec(o->keep_fds[i], 0);
	if (o->search_path)
		execvpe(o->argv[0], (char *const *)o->argv, (char *const *)envp);
	else
		execve(o->argv[0], (char *const *)o->argv, (char *const *)envp);
fail:
	e = errno;
	if (write(c->exec_err[1], &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static int
spawn(const struct run_opts *o, struct child *c)
{
	const char *name = o->argv[0];

	if (pipe2(c->in, O_CLOEXEC) < 0 || pipe2(c->out, O_CLOEXEC) < 0 ||
	    pipe2(c->err, O_CLOEXEC) < 0 || pipe2(c->exec_err, O_CLOEXEC) < 0)
		return error_errno("cannot create pipes for '%s'", name);
	c->pid = fork();
	if (c->pid < 0)
		return error_errno("cannot start '%s'", name);
	if (c->pid == 0)
		child_exec(o, c);
	close_fd(&c->in[0]);
	close_fd(&c->out[1]);
	close_fd(&c->err[1]);
	close_fd(&c->exec_err[1]);
	if (!o->in || !o->in_len)
		close_fd(&c->in[1]);	/* stdin at EOF from the start */
	else
		fcntl(c->in[1], F_SETFL, O_NONBLOCK);
	return 0;
}

struct pump {
	size_t written, got, cap;
	int killed, overflow;
};

/* One ready fd: feed stdin, or take stdout/stderr (discarded when not wanted). */
static void
pump_fd(const struct run_opts *o, struct child *c, struct pump *p, int fd)
{
	char chunk[16384];
	ssize_t n;

	if (fd == c->in[1]) {
		n = write(fd, (const char *)o->in + p->written, o->in_len - p->written);
		if (n > 0)
			p->written += (size_t)n;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			p->written = o->in_len;	/* EPIPE: child stopped reading */
		if (p->written >= o->in_len)
			close_fd(&c->in[1]);
		return;
	}
	n = read(fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_fd(fd == c->out[0] ? &c->out[0] : &c->err[0]);
		return;
	}
	if (fd == c->out[0] && o->out) {
		p->got += (size_t)n;
		if (p->got > p->cap) {
			p->overflow = 1;
			kill(c->pid, SIGKILL);
		} else {
			buf_add(o->out, chunk, (size_t)n);
		}
	} else if (fd == c->err[0] && o->err && o->err->len < 65536) {
		buf_add(o->err, chunk, (size_t)n);
	}
	explicit_bzero(chunk, sizeof(chunk));
}

/*
 * Output nobody wants goes to a pipe we drain (not /dev/null: nothing here
 * opens a path); once the child has exited, a background process it left
 * holding that pipe must not keep us waiting, so those pipes close then.
 */
static int
discarding(const struct run_opts *o, const struct child *c)
{
	return (!o->out && c->out[0] >= 0) || (!o->err && c->err[0] >= 0) || c->in[1] >= 0;
}

static void
check_exit(const struct run_opts *o, struct child *c)
{
	if (c->reaped || waitpid(c->pid, &c->wst, WNOHANG) != c->pid)
		return;
	c->reaped = 1;
	close_fd(&c->in[1]);
	if (!o->out)
		close_fd(&c->out[0]);
	if (!o->err)
		close_fd(&c->err[0]);
}

static void
pump_all(const struct run_opts *o, struct child *c, struct pump *p, long long deadline)
{
	while (c->out[0] >= 0 || c->err[0] >= 0 || c->in[1] >= 0) {
		struct pollfd pf[3];
		int np = 0, tmo = -1, r;

		check_exit(o, c);
		if (c->out[0] < 0 && c->err[0] < 0 && c->in[1] < 0)
			return;

		if (c->in[1] >= 0)
			pf[np++] = (struct pollfd){ c->in[1], POLLOUT, 0 };
		if (c->out[0] >= 0)
			pf[np++] = (struct pollfd){ c->out[0], POLLIN, 0 };
		if (c->err[0] >= 0)
			pf[np++] = (struct pollfd){ c->err[0], POLLIN, 0 };
		if (deadline) {
			long long left = deadline - now_ms();

			if (left <= 0) {
				kill(c->pid, SIGKILL);
				p->killed = 1;
				return;
			}
			tmo = (int)(left > 1000000 ? 1000000 : left);
		}
		if (!c->reaped && discarding(o, c) && (tmo < 0 || tmo > 50))
			tmo = 50;
		r = poll(pf, (nfds_t)np, tmo);
		if (r < 0 && errno != EINTR)
			return;
		for (int i = 0; i < np && r > 0; i++)
			if (pf[i].revents)
				pump_fd(o, c, p, pf[i].fd);
	}
}

/* Wait for the child; it may close its output and go on running: keep the deadline. */
static int
reap(struct child *c, struct pump *p, long long deadline)
{
	int wst = 0;

	if (c->reaped)
		return c->wst;
	for (;;) {
		pid_t w = waitpid(c->pid, &wst, deadline && !p->killed ? WNOHANG : 0);

		if (w == c->pid || (w < 0 && errno != EINTR))
			break;
		if (w == 0) {
			if (now_ms() >= deadline) {
				kill(c->pid, SIGKILL);
				p->killed = 1;
			} else {
				struct timespec ts = { 0, 2 * 1000 * 1000 };

				nanosleep(&ts, NULL);
			}
		}
	}
	return wst;
}

int
run_cmd(const struct run_opts *o, int *status)
{
	struct child c = { -1, { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 }, 0, 0 };
	struct pump p = { 0, 0, o->out_cap ? o->out_cap : (1u << 20), 0, 0 };
	long long deadline = o->timeout_ms ? now_ms() + o->timeout_ms : 0;
	const char *name = o->argv[0];
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
	int ret = -1, wst, exec_errno = 0;

	/* a child that exits without reading its stdin is EPIPE, not our death */
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old_pipe);
	if (spawn(o, &c) < 0)
		goto close;
	pump_all(o, &c, &p, deadline);
	wst = reap(&c, &p, deadline);
	/* the child is gone: its exec pipe is at EOF, or holds why exec failed */
	if (read(c.exec_err[0], &exec_errno, sizeof(exec_errno)) == (ssize_t)sizeof(exec_errno)) {
		errno = exec_errno;
		error_errno("cannot run '%s'", name);
		goto close;
	}
	if (p.killed) {
		error("'%s' did not finish within %d ms (killed)", name, o->timeout_ms);
		goto close;
	}
	if (p.overflow) {
		error("'%s' wrote more than %zu bytes", name, p.cap);
		goto close;
	}
	*status = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
	ret = 0;
close:
	for (int i = 0; i < 2; i++) {
		close_fd(&c.in[i]);
		close_fd(&c.out[i]);
		close_fd(&c.err[i]);
		close_fd(&c.exec_err[i]);
	}
	sigaction(SIGPIPE, &old_pipe, NULL);
	return ret;
}
