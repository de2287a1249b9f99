/* SPDX-License-Identifier: Apache-2.0 */
/* u-run.c: run_cmd: capture, stdin, exit codes, timeout, output cap. */
#include "core/k3sguard.h"
#include "core/run.h"
#include "unit.h"

#include <signal.h>
#include <time.h>

static void
test_capture_and_stdin(void)
{
	const char *argv[] = { "/bin/cat", NULL };
	struct buf out = BUF_INIT;
	struct run_opts o = { .argv = argv, .in = "hello", .in_len = 5, .out = &out };
	int st = -1;

	CHECK(run_cmd(&o, &st) == 0);
	CHECK(st == 0);
	CHECK_STR(out.s, "hello");
	buf_release(&out);
}

static void
test_exit_code(void)
{
	const char *argv[] = { "/bin/sh", "-c", "exit 3", NULL };
	struct run_opts o = { .argv = argv };
	int st = -1;

	CHECK(run_cmd(&o, &st) == 0 && st == 3);
}

static void
test_missing_program(void)
{
	const char *argv[] = { "/nonexistent/prog", NULL };
	struct run_opts o = { .argv = argv };
	int st = -1;

	quiet_errors = 1;
	CHECK(run_cmd(&o, &st) < 0);
	quiet_errors = 0;
	CHECK(strstr(last_error(), "/nonexistent/prog") != NULL);
}

static void
test_timeout(void)
{
	const char *argv[] = { "/bin/sleep", "5", NULL };
	struct run_opts o = { .argv = argv, .timeout_ms = 200 };
	int st = -1;

	quiet_errors = 1;
	CHECK(run_cmd(&o, &st) < 0);
	quiet_errors = 0;
	CHECK(strstr(last_error(), "did not finish") != NULL);
}

static void
test_output_cap(void)
{
	const char *argv[] = { "/bin/sh", "-c", "head -c 100000 /dev/zero", NULL };
	struct buf out = BUF_INIT;
	struct run_opts o = { .argv = argv, .out = &out, .out_cap = 1000 };
	int st = -1;

	quiet_errors = 1;
	CHECK(run_cmd(&o, &st) < 0);
	quiet_errors = 0;
	CHECK(out.len <= 1000);
	buf_release(&out);
}

static void
test_minimal_env(void)
{
	const char *argv[] = { "/usr/bin/env", NULL };
	struct buf out = BUF_INIT;
	struct run_opts o = { .argv = argv, .out = &out };
	int st = -1;

	setenv("K3S_TOKEN", "must-not-leak", 1);
	CHECK(run_cmd(&o, &st) == 0);
	CHECK(strstr(out.s, "must-not-leak") == NULL);
	CHECK(strstr(out.s, "LC_ALL=C") != NULL);
	buf_release(&out);
}

/* A child that exits without reading stdin: EPIPE for us, never SIGPIPE. */
static void
test_child_ignores_stdin(void)
{
	const char *argv[] = { "/bin/true", NULL };
	size_t len = 4u << 20;
	char *big = calloc(1, len);
	struct run_opts o = { .argv = argv, .in = big, .in_len = len };
	int st = -1;

	CHECK(big != NULL);
	CHECK(run_cmd(&o, &st) == 0 && st == 0);
	free(big);
}

/* The SigBlk: or SigIgn: mask of a /proc/self/status text, parsed as hex. */
static unsigned long long
status_mask(const char *status, const char *field)
{
	const char *p = strstr(status, field);

	return p ? strtoull(p + strlen(field), NULL, 16) : ~0ULL;
}

/*
 * A parent with SIGHUP/SIGINT/SIGTERM blocked (the watcher's signalfd) and
 * SIGUSR1/SIGPIPE ignored: its child starts with nothing blocked and
 * nothing ignored.
 */
static void
test_child_signals_reset(void)
{
	const char *argv[] = { "/bin/cat", "/proc/self/status", NULL };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_usr1;
	struct buf out = BUF_INIT;
	struct run_opts o = { .argv = argv, .out = &out };
	sigset_t block, old;
	int st = -1;

	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigemptyset(&ign.sa_mask);
	sigaction(SIGUSR1, &ign, &old_usr1);
	CHECK(run_cmd(&o, &st) == 0 && st == 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	sigaction(SIGUSR1, &old_usr1, NULL);
	CHECK(strstr(out.s, "SigBlk:") != NULL && strstr(out.s, "SigIgn:") != NULL);
	CHECK(status_mask(out.s, "SigBlk:") == 0);
	CHECK(status_mask(out.s, "SigIgn:") == 0);
	buf_release(&out);
}

/* The test is worth something only if the parent's mask shows in /proc. */
static void
test_parent_mask_is_visible(void)
{
	struct buf st = BUF_INIT;
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	CHECK(file_read("/proc/self/status", 65536, &st, NULL) == 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK(status_mask(st.s, "SigBlk:") & (1ULL << (SIGTERM - 1)));
	buf_release(&st);
}

/*
 * Unwanted output goes to a pipe, not /dev/null: a background process the
 * child leaves behind holding it must not keep run_cmd waiting.
 */
static void
test_background_holder_does_not_block(void)
{
	const char *argv[] = { "/bin/sh", "-c", "sleep 3 & echo started; exit 4", NULL };
	struct run_opts o = { .argv = argv, .in = "x", .in_len = 1 };
	struct timespec a, b;
	int st = -1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK(run_cmd(&o, &st) == 0 && st == 4);
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK(b.tv_sec - a.tv_sec < 2);
}

int
main(void)
{
	T(test_background_holder_does_not_block);
	T(test_child_signals_reset);
	T(test_parent_mask_is_visible);
	T(test_child_ignores_stdin);
	T(test_capture_and_stdin);
	T(test_exit_code);
	T(test_missing_program);
	T(test_timeout);
	T(test_output_cap);
	T(test_minimal_env);
	return UNIT_DONE();
}
