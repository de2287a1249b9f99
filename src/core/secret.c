/* SPDX-License-Identifier: Apache-2.0 */
/*
 * secret.c: see secret.h.
 *
 * Invariant: memory that held a secret is zeroed with explicit_bzero()
 * before it is given back, and is never copied by realloc.
 */
#include "core/k3sguard.h"
#include "core/secret.h"

#include <sys/mman.h>

static size_t
page_round(size_t n)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t p = ps > 0 ? (size_t)ps : 4096, r;

	if (size_add(n ? n : 1, p - 1, &r) < 0)
		fatal("secret size overflow");
	return r / p * p;
}

void *
secret_alloc(size_t n)
{
	size_t len = page_round(n);
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fatal("cannot allocate %zu bytes of secret memory: %s", n, strerror(errno));
	/* best effort: an unprivileged user may have a small RLIMIT_MEMLOCK */
	(void)mlock(p, len);
	(void)madvise(p, len, MADV_DONTDUMP);
	return p;
}

void
secret_free(void *p, size_t n)
{
	size_t len;

	if (!p)
		return;
	len = page_round(n);
	explicit_bzero(p, len);
	(void)munlock(p, len);
	munmap(p, len);
}

void
secret_buf_reserve(struct buf *b, size_t cap)
{
	if (b->len)
		fatal("secret_buf_reserve on a non-empty buffer");
	buf_grow(b, cap);
}

int
secret_read_fd(int fd, const char *name, size_t cap, struct buf *out)
{
	secret_buf_reserve(out, cap + 1);
	for (;;) {
		ssize_t n = read(fd, out->s + out->len, out->cap - out->len - 1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error_errno("cannot read '%s'", name);
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->s[out->len] = '\0';
		if (out->len > cap)
			return error("'%s' is larger than %zu bytes", name, cap);
	}
	return 0;
}

void
secret_chomp(struct buf *b)
{
	if (b->len && b->s[b->len - 1] == '\n') {
		b->s[--b->len] = '\0';
		if (b->len && b->s[b->len - 1] == '\r')
			b->s[--b->len] = '\0';
	}
}
