/* SPDX-License-Identifier: Apache-2.0 */
/*
 * secret.h: memory for secrets.
 *
 * secret_alloc() memory is page-aligned, mlock'ed (never swapped, when the
 * limit allows), excluded from core dumps (MADV_DONTDUMP) and wiped by
 * secret_free().  Use it for keys and decrypted plaintext.
 *
 * A struct buf that receives a secret must not be realloc'ed (realloc
 * leaves an unwiped copy behind): size it once with secret_buf_reserve()
 * before the first write, and release it with buf_wipe().
 */
#ifndef K3SGUARD_SECRET_H
#define K3SGUARD_SECRET_H

#include <stddef.h>

#include "core/buf.h"

void *secret_alloc(size_t n);		/* zeroed; fatal on failure */
void secret_free(void *p, size_t n);	/* wipe, unlock, unmap; NULL is fine */

/* Grow b (empty) once to hold cap bytes + NUL, so later adds never move it. */
void secret_buf_reserve(struct buf *b, size_t cap);

/*
 * Read all of fd into out (empty) without ever reallocating: more than cap
 * bytes is an error naming name.  Trailing newline(s) are kept; callers
 * strip with secret_chomp().
 */
int secret_read_fd(int fd, const char *name, size_t cap, struct buf *out);
/* Strip one trailing "\n" or "\r\n". */
void secret_chomp(struct buf *b);

#endif
