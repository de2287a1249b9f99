/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf.h: growable byte strings.
 *
 * A struct buf is always NUL-terminated and its s is never NULL (it points
 * at a shared empty string until the first write).  buf_wipe() clears the
 * memory before freeing it: use it for anything that held a secret.
 */
#ifndef K3SGUARD_BUF_H
#define K3SGUARD_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *s;
	size_t len;
	size_t cap;
};

extern char buf_empty[];
#define BUF_INIT { buf_empty, 0, 0 }

void buf_init(struct buf *b);
void buf_grow(struct buf *b, size_t extra);
/* buf_grow() that never leaves old bytes behind: a larger block, the old one wiped and freed */
void buf_grow_secret(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addch(struct buf *b, int c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
void buf_setlen(struct buf *b, size_t len);
void buf_reset(struct buf *b);		/* len = 0, memory kept */
void buf_release(struct buf *b);	/* free, back to BUF_INIT */
void buf_wipe(struct buf *b);		/* zero all capacity, then release */
char *buf_detach(struct buf *b);	/* caller frees; b back to BUF_INIT */
void buf_trim(struct buf *b);		/* strip trailing whitespace */
/* JSON/text-safe: append s with control characters escaped as \xNN. */
void buf_add_printable(struct buf *b, const char *s);

#endif
