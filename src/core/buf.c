/* SPDX-License-Identifier: Apache-2.0 */
/* buf.c: see buf.h. */
#include "core/k3sguard.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char buf_empty[1];

void
buf_init(struct buf *b)
{
	b->s = buf_empty;
	b->len = 0;
	b->cap = 0;
}

void
buf_grow(struct buf *b, size_t extra)
{
	size_t need, cap;

	if (size_add(b->len, extra, &need) < 0 || size_add(need, 1, &need) < 0)
		fatal("buffer size overflow");
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need) {
		if (size_mul(cap, 2, &cap) < 0) {
			cap = need;
			break;
		}
	}
	if (b->cap == 0) {
		b->s = xmalloc(cap);
		b->s[0] = '\0';
	} else {
		b->s = xrealloc(b->s, cap);
	}
	b->cap = cap;
}

void
buf_grow_secret(struct buf *b, size_t extra)
{
	struct buf n = BUF_INIT;
	size_t need;

	if (size_add(b->len, extra, &need) < 0 || size_add(need, 1, &need) < 0)
		fatal("buffer size overflow");
	if (need <= b->cap)
		return;
	buf_grow(&n, need - 1);	/* the same doubling, in a fresh block */
	memcpy(n.s, b->s, b->len + 1);
	n.len = b->len;
	buf_wipe(b);
	*b = n;
}

void
buf_add(struct buf *b, const void *data, size_t n)
{
	if (!n)
		return;
	buf_grow(b, n);
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addch(struct buf *b, int c)
{
	char ch = (char)c;

	buf_add(b, &ch, 1);
}

void
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	/* a zeroed struct buf has s == NULL: no arithmetic on it */
	n = vsnprintf(b->cap ? b->s + b->len : NULL, b->cap ? b->cap - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		fatal("formatting failed");
	if ((size_t)n >= (b->cap ? b->cap - b->len : 0)) {
		buf_grow(b, (size_t)n);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		if (n < 0)
			fatal("formatting failed");
	}
	b->len += (size_t)n;
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void
buf_setlen(struct buf *b, size_t len)
{
	if (len > b->len)
		fatal("buf_setlen beyond length");
	b->len = len;
	if (b->cap)
		b->s[len] = '\0';
}

void
buf_reset(struct buf *b)
{
	buf_setlen(b, 0);
}

void
buf_release(struct buf *b)
{
	if (b->cap)
		free(b->s);
	buf_init(b);
}

void
buf_wipe(struct buf *b)
{
	if (b->cap)
		explicit_bzero(b->s, b->cap);
	buf_release(b);
}

char *
buf_detach(struct buf *b)
{
	char *s = b->cap ? b->s : xstrdup("");

	buf_init(b);
	return s;
}

void
buf_trim(struct buf *b)
{
	while (b->len && isspace((unsigned char)b->s[b->len - 1]))
		buf_setlen(b, b->len - 1);
}

void
buf_add_printable(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			buf_addf(b, "\\x%02x", c);
		else
			buf_addch(b, c);
	}
}
