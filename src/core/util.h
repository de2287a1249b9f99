/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util.h: error reporting, checked allocation and number parsing.
 *
 * Library functions return 0 on success and -1 on failure after calling
 * error() once; the message is also kept (last_error()) so a check can show
 * it as its evidence.  Messages are lowercase, subject first in quotes, and
 * never contain a secret.  fatal() is for main, set-up and allocation failure.
 */
#ifndef K3SGUARD_UTIL_H
#define K3SGUARD_UTIL_H

#include <stddef.h>
#include <stdint.h>

enum {
	EXIT_OK = 0,		/* nothing found, or the action succeeded */
	EXIT_FINDINGS = 1,	/* negative verdict: findings, drift, failed verification */
	EXIT_ERROR = 2,		/* operational error */
	EXIT_USAGE = 64		/* bad command line */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED __attribute__((unused))
#define PRINTF(a, b) __attribute__((format(printf, a, b)))

extern const char *progname;
extern int quiet_errors;	/* >0: error() only records, does not print */

int error(const char *fmt, ...) PRINTF(1, 2);		/* always returns -1 */
int error_errno(const char *fmt, ...) PRINTF(1, 2);	/* appends ": strerror(errno)" */
void warning(const char *fmt, ...) PRINTF(1, 2);
_Noreturn void fatal(const char *fmt, ...) PRINTF(1, 2);
_Noreturn void usage_error(const char *fmt, ...) PRINTF(1, 2);	/* exit 64 */
const char *last_error(void);
void clear_error(void);

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xmemdupz(const void *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF(1, 2);

/* a + b and a * b, or -1 on overflow. */
int size_add(size_t a, size_t b, size_t *out);
int size_mul(size_t a, size_t b, size_t *out);

/*
 * Parse a whole decimal integer in [min, max].  Leading/trailing garbage,
 * empty strings and overflow fail with -1 (no message: callers name the
 * option or file the number came from).
 */
int parse_num(const char *s, long long min, long long max, long long *out);

/* 1 if s starts with prefix (and *rest points after it when rest != NULL). */
int starts_with(const char *s, const char *prefix, const char **rest);
int ends_with(const char *s, const char *suffix);

/* Constant-time comparison of n bytes: 1 when equal. */
int ct_equal(const void *a, const void *b, size_t n);

/* Value of one hex digit (either case), or -1. */
int hex_digit(int c);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void hex_encode(const unsigned char *in, size_t n, char *out);

#endif
