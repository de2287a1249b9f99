/* SPDX-License-Identifier: Apache-2.0 */
/*
 * escape.c: node-supplied text made safe for one output format (escape.h).
 *
 * Invariants:
 *  - the input is decoded as UTF-8 first; a byte that does not start or
 *    continue a valid sequence never reaches the output as is;
 *  - in ESC_TEXT, ESC_MARKUP and ESC_PROM no control character (C0, DEL,
 *    C1) reaches the output raw: a value can neither end a line nor send
 *    a terminal escape sequence.
 */
#include "core/k3sguard.h"
#include "report/escape.h"

#define REPLACEMENT "\xef\xbf\xbd"	/* U+FFFD */

/*
 * The code point at s and its length in *len, or -1 when s starts an
 * invalid sequence, with *len the bytes of its maximal subpart (at least 1).
 * The NUL ending s fails every continuation test, so no read passes it.
 */
static long
utf8_next(const unsigned char *s, size_t *len)
{
	unsigned lo = 0x80, hi = 0xbf;
	unsigned long cp;
	size_t n;

	if (s[0] < 0x80) {
		*len = 1;
		return s[0];
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
		if (s[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		*len = 1;
		return -1;
	}
	for (size_t i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi) {
			*len = i;
			return -1;
		}
		cp = cp << 6 | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*len = n;
	return (long)cp;
}

/* Characters that change how the text around them is shown. */
static int
is_invisible_control(long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	    cp == 0x061c || cp == 0x200e || cp == 0x200f ||	/* bidi marks */
	    (cp >= 0x2028 && cp <= 0x202e) ||			/* separators, embeddings */
	    (cp >= 0x2066 && cp <= 0x2069) ||			/* isolates */
	    cp == 0xfffe || cp == 0xffff;			/* not characters (XML) */
}

/* cp shown as text: \n \r \t, \xNN below 0x80, \uNNNN above; bs is the backslash to write. */
static void
visible(struct buf *b, long cp, const char *bs)
{
	buf_adds(b, bs);
	if (cp == '\n')
		buf_addch(b, 'n');
	else if (cp == '\r')
		buf_addch(b, 'r');
	else if (cp == '\t')
		buf_addch(b, 't');
	else if (cp < 0x80)
		buf_addf(b, "x%02lx", cp);
	else
		buf_addf(b, "u%04lx", cp);
}

static void
markup(struct buf *b, int c)
{
	switch (c) {
	case '&':
		buf_adds(b, "&amp;");
		break;
	case '<':
		buf_adds(b, "&lt;");
		break;
	case '>':
		buf_adds(b, "&gt;");
		break;
	case '"':
		buf_adds(b, "&quot;");
		break;
	case '\'':
		buf_adds(b, "&#39;");	/* &apos; is not HTML 4 */
		break;
	default:
		buf_addch(b, c);
	}
}

void
esc_add(struct buf *b, const char *s, enum esc_to to)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	for (; *p; p += n) {
		long cp = utf8_next(p, &n);

		if (cp < 0) {
			if (to != ESC_TEXT) {
				buf_adds(b, REPLACEMENT);
				continue;
			}
			for (size_t i = 0; i < n; i++)
				buf_addf(b, "\\x%02x", p[i]);
			continue;
		}
		switch (to) {
		case ESC_UTF8:
			buf_add(b, p, n);
			break;
		case ESC_PROM:
			if (cp == '\\' || cp == '"')
				buf_addf(b, "\\%c", (int)cp);
			else if (cp == '\n')
				buf_adds(b, "\\n");
			else if (is_invisible_control(cp))
				visible(b, cp, "\\\\");
			else
				buf_add(b, p, n);
			break;
		case ESC_TEXT:
		case ESC_MARKUP:
			if (is_invisible_control(cp))
				visible(b, cp, "\\");
			else if (to == ESC_MARKUP && cp < 0x80)
				markup(b, (int)cp);
			else
				buf_add(b, p, n);
			break;
		}
	}
}

void
esc_fputs(const char *s, enum esc_to to, FILE *out)
{
	struct buf b = BUF_INIT;

	esc_add(&b, s, to);
	fputs(b.s, out);
	buf_release(&b);
}

void
esc_ring_init(struct esc_ring *r, enum esc_to to)
{
	r->to = to;
	r->next = 0;
	for (size_t i = 0; i < ESC_RING; i++)
		buf_init(&r->b[i]);
}

const char *
esc_ring(struct esc_ring *r, const char *s)
{
	struct buf *b = &r->b[r->next++ % ESC_RING];

	buf_reset(b);
	esc_add(b, s ? s : "", r->to);
	return b->s;
}

void
esc_ring_release(struct esc_ring *r)
{
	for (size_t i = 0; i < ESC_RING; i++)
		buf_release(&r->b[i]);
}
