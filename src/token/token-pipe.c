/* SPDX-License-Identifier: Apache-2.0 */
/* token-pipe.c: see token-pipe.h. */
#include "core/k3sguard.h"
#include "token/token-pipe.h"

int
token_pipe(const char *token, size_t len)
{
	int p[2], fd, cap;

	if (pipe2(p, O_CLOEXEC) < 0)
		return error_errno("cannot create a pipe for the token");
	cap = fcntl(p[1], F_GETPIPE_SZ);
	if (cap < 0 || len + 1 > (size_t)cap) {
		close(p[0]);
		close(p[1]);
		return error("the token does not fit a pipe (%zu bytes)", len);
	}
	if (write_all(p[1], token, len) < 0 || write_all(p[1], "\n", 1) < 0) {
		error_errno("cannot write the token pipe");
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	/* never 0-2: K3s's stdio */
	fd = p[0];
	if (fd < 3) {
		fd = fcntl(p[0], F_DUPFD_CLOEXEC, 3);
		close(p[0]);
		if (fd < 0)
			return error_errno("cannot move the token pipe");
	}
	if (fcntl(fd, F_SETFD, 0) < 0) {
		error_errno("cannot hand the token pipe over");
		close(fd);
		return -1;
	}
	return fd;
}

void
token_pipe_path(int fd, char *out, size_t outlen)
{
	snprintf(out, outlen, "/proc/self/fd/%d", fd);
}
