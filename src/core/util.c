/* SPDX-License-Identifier: Apache-2.0 */
/* util.c: see util.h. */
#include "core/k3sguard.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *progname = "k3sguard";
int quiet_errors;
static char last_msg[1024];

static void
vreport(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
	char msg[640];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/*
	 * keep messages one line, whatever a file name or a link target from a
	 * node contained, and no control byte (ESC) reaches the terminal
	 */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
		else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (suffix)
		snprintf(last_msg, sizeof(last_msg), "%s: %.300s", msg, suffix);
	else
		snprintf(last_msg, sizeof(last_msg), "%s", msg);
	if (!(quiet_errors && strcmp(prefix, "error") == 0))
		fprintf(stderr, "%s: %s: %s\n", progname, prefix, last_msg);
}

int
error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error", fmt, ap, NULL);
	va_end(ap);
	return -1;
}

int
error_errno(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	vreport("error", fmt, ap, strerror(e));
	va_end(ap);
	errno = e;
	return -1;
}

void
warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning", fmt, ap, NULL);
	va_end(ap);
}

_Noreturn void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("fatal", fmt, ap, NULL);
	va_end(ap);
	exit(EXIT_ERROR);
}

_Noreturn void
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("usage", fmt, ap, NULL);
	va_end(ap);
	exit(EXIT_USAGE);
}

const char *
last_error(void)
{
	return last_msg;
}

void
clear_error(void)
{
	last_msg[0] = '\0';
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		fatal("out of memory");
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		fatal("out of memory (%zu bytes)", n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;
	size_t len = strnlen(s, n), sz;

	if (size_add(len, 1, &sz) < 0)
		fatal("out of memory");
	p = xmalloc(sz);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* n bytes as they are (NULs included), then a terminating NUL */
char *
xmemdupz(const void *s, size_t n)
{
	char *p;
	size_t sz;

	if (size_add(n, 1, &sz) < 0)
		fatal("out of memory");
	p = xmalloc(sz);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fatal("out of memory");
	va_end(ap);
	return s;
}

int
size_add(size_t a, size_t b, size_t *out)
{
	if (a > SIZE_MAX - b)
		return -1;
	*out = a + b;
	return 0;
}

int
size_mul(size_t a, size_t b, size_t *out)
{
	if (b && a > SIZE_MAX / b)
		return -1;
	*out = a * b;
	return 0;
}

int
parse_num(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
starts_with(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0)
		return 0;
	if (rest)
		*rest = s + n;
	return 1;
}

int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

int
ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}
