/* SPDX-License-Identifier: Apache-2.0 */
/*
 * token-pipe.h: hand a token to a program we exec without disk, argv or
 * environment: a pipe that holds the token, whose read end stays open
 * across exec and that the program reads as a file, /proc/self/fd/N.
 *
 * Why a pipe (K3s reads --token-file once, at start-up, with
 * ioutil.ReadFile + TrimSpace: pkg/cli/server/server.go and
 * pkg/cli/agent/agent.go; the k3s wrapper syscall.Exec's k3s-server or
 * k3s-agent with our fds): the fd must be open in K3s when it execs, so
 * whatever K3s starts later inherits it.  A memfd there stays readable by
 * every child for K3s's lifetime; a pipe is read empty by K3s's one read,
 * and as its write end is closed before exec, every later reader, K3s's
 * children included, gets EOF.
 *
 * Invariants:
 *  - the pipe's content is the token and one "\n" (K3s trims whitespace),
 *    written whole before exec (it must fit the pipe's buffer);
 *  - no write end exists after token_pipe() returns: nobody can put
 *    another token in, and the read end is at EOF once read;
 *  - the read end is >= 3 and not close-on-exec; nothing here keeps a
 *    copy of the token.
 */
#ifndef K3SGUARD_TOKEN_PIPE_H
#define K3SGUARD_TOKEN_PIPE_H

#include <stddef.h>

/* The read end (>= 3, inherited across exec), or -1 after error(). */
int token_pipe(const char *token, size_t len);

/* "/proc/self/fd/N" for fd into out (at least 32 bytes). */
void token_pipe_path(int fd, char *out, size_t outlen);

#endif
