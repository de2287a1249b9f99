/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run.h: run a child program without a shell.
 *
 * MUST NOT be given a secret in argv or envp: secrets go through `in`
 * (stdin) or an inherited fd.  The child gets a minimal environment unless
 * envp is given, stdin from `in` (or /dev/null), stdout captured into `out`
 * up to out_cap (more is an error), stderr captured into `err` or dropped.
 * A timeout kills the child (SIGKILL) and is an error.  The child starts
 * with an empty signal mask and every signal at its default action.
 */
#ifndef K3SGUARD_RUN_H
#define K3SGUARD_RUN_H

#include <stddef.h>

#include "core/buf.h"

struct run_opts {
	const char *const *argv;	/* argv[0] is the program (a path unless search_path) */
	const char *const *envp;	/* NULL: PATH=/usr/sbin:/usr/bin:/sbin:/bin, LC_ALL=C */
	int search_path;		/* look argv[0] up in PATH */
	const void *in;			/* stdin bytes, or NULL for /dev/null */
	size_t in_len;
	struct buf *out;		/* stdout, or NULL to discard */
	size_t out_cap;			/* 0: 1 MiB */
	struct buf *err;		/* stderr, or NULL to discard */
	int inherit_stderr;		/* with err == NULL: let it through */
	int timeout_ms;			/* 0: no limit */
	const int *keep_fds;		/* fds the child keeps (not CLOEXEC'd by us) */
	size_t nkeep_fds;
};

/*
 * Run and wait.  0 when the child ran to completion: *status is its exit
 * code, or 128 + signal number.  -1 (with error()) when it could not be
 * started, timed out, or wrote more than out_cap.
 */
int run_cmd(const struct run_opts *o, int *status);

/*
 * Empty the signal mask and set every signal to its default action: for a
 * process about to exec another program (run_cmd's child, agent exec).
 */
void run_reset_signals(void);

#endif
