/* run.c: see run.h.  fork/exec with pipes and a poll loop; no shell. */
#include "core/k3sguard.h"
#include "core/run.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static const char *const default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"LC_ALL=C",
	NULL
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

int
run_cmd(const struct run_opts *o, int *status)
{
	int inp[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	size_t cap = o->out_cap ? o->out_cap : (1u << 20), written = 0, got = 0;
	const char *name = o->argv[0];
	long long deadline = o->timeout_ms ? now_ms() + o->timeout_ms : 0;
	int ret = -1, wst = 0, killed = 0, overflow = 0;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
	pid_t pid;

	/* a child that exits without reading its stdin is EPIPE, not our death */
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old_pipe);

	if (pipe2(inp, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0 ||
	    pipe2(errp, O_CLOEXEC) < 0) {
		error_errno("cannot create pipes for '%s'", name);
		goto close;
	}
	pid = fork();
	if (pid < 0) {
		error_errno("cannot start '%s'", name);
		goto close;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

		signal(SIGPIPE, SIG_DFL);
		if (dup2(o->in ? inp[0] : devnull, 0) < 0 ||
		    dup2(o->out ? outp[1] : devnull, 1) < 0 ||
		    dup2(o->err ? errp[1] : o->inherit_stderr ? 2 : devnull, 2) < 0)
			_exit(127);
		for (size_t i = 0; i < o->nkeep_fds; i++)
			set_cloexec(o->keep_fds[i], 0);
		if (o->search_path)
			execvpe(name, (char *const *)o->argv,
			    (char *const *)(o->envp ? o->envp : default_env));
		else
			execve(name, (char *const *)o->argv,
			    (char *const *)(o->envp ? o->envp : default_env));
		_exit(127);
	}
	close(inp[0]);
	close(outp[1]);
	close(errp[1]);
	inp[0] = outp[1] = errp[1] = -1;
	if (!o->in || !o->in_len) {
		close(inp[1]);
		inp[1] = -1;
	} else {
		fcntl(inp[1], F_SETFL, O_NONBLOCK);
	}
	while (outp[0] >= 0 || errp[0] >= 0 || inp[1] >= 0) {
		struct pollfd pf[3];
		int np = 0, tmo = -1, r;

		if (inp[1] >= 0)
			pf[np++] = (struct pollfd){ inp[1], POLLOUT, 0 };
		if (outp[0] >= 0)
			pf[np++] = (struct pollfd){ outp[0], POLLIN, 0 };
		if (errp[0] >= 0)
			pf[np++] = (struct pollfd){ errp[0], POLLIN, 0 };
		if (deadline) {
			long long left = deadline - now_ms();

			if (left <= 0) {
				kill(pid, SIGKILL);
				killed = 1;
				break;
			}
			tmo = (int)(left > 1000000 ? 1000000 : left);
		}
		r = poll(pf, (nfds_t)np, tmo);
		if (r < 0 && errno != EINTR)
			break;
		for (int i = 0; i < np && r > 0; i++) {
			char chunk[16384];
			ssize_t n;

			if (!pf[i].revents)
				continue;
			if (pf[i].fd == inp[1]) {
				n = write(inp[1], (const char *)o->in + written, o->in_len - written);
				if (n > 0)
					written += (size_t)n;
				if (n < 0 && errno != EAGAIN && errno != EINTR)
					written = o->in_len;	/* EPIPE: child stopped reading */
				if (written >= o->in_len) {
					close(inp[1]);
					inp[1] = -1;
				}
				continue;
			}
			n = read(pf[i].fd, chunk, sizeof(chunk));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				close(pf[i].fd);
				if (pf[i].fd == outp[0])
					outp[0] = -1;
				else
					errp[0] = -1;
				continue;
			}
			if (pf[i].fd == outp[0]) {
				got += (size_t)n;
				if (got > cap) {
					overflow = 1;
					kill(pid, SIGKILL);
				} else if (o->out) {
					buf_add(o->out, chunk, (size_t)n);
				}
			} else if (o->err && o->err->len < 65536) {
				buf_add(o->err, chunk, (size_t)n);
			}
			explicit_bzero(chunk, sizeof(chunk));
		}
	}
	/* the child may close its output and go on running: keep the deadline */
	for (;;) {
		pid_t w = waitpid(pid, &wst, deadline && !killed ? WNOHANG : 0);

		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (w == 0) {
			if (now_ms() >= deadline) {
				kill(pid, SIGKILL);
				killed = 1;
			} else {
				struct timespec ts = { 0, 2 * 1000 * 1000 };

				nanosleep(&ts, NULL);
			}
		}
	}
	if (killed) {
		error("'%s' did not finish within %d ms (killed)", name, o->timeout_ms);
		goto close;
	}
	if (overflow) {
		error("'%s' wrote more than %zu bytes", name, cap);
		goto close;
	}
	if (WIFEXITED(wst) && WEXITSTATUS(wst) == 127 && got == 0) {
		struct stat st;

		if (!o->search_path && stat(name, &st) < 0) {
			error_errno("cannot run '%s'", name);
			goto close;
		}
	}
	*status = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
	ret = 0;
close:
	for (int i = 0; i < 2; i++) {
		if (inp[i] >= 0)
			close(inp[i]);
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	sigaction(SIGPIPE, &old_pipe, NULL);
	return ret;
}
