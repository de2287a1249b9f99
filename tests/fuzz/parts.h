/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parts.h: split a fuzz input at NUL bytes into up to n texts for the
 * harnesses that hand several files' texts to the parsers in memory.
 * Text i is a NUL-terminated copy (the parsers' contract: data[len] is
 * NUL); it is absent (present 0) when the input has fewer NULs.  The last
 * part takes the rest, NULs included.  Included by one harness each.
 */
#ifndef FUZZ_PARTS_H
#define FUZZ_PARTS_H

struct part {
	struct buf text;
	int present;
};

static __attribute__((unused)) void
parts_split(const uint8_t *data, size_t size, struct part *p, size_t n)
{
	const uint8_t *at = data, *end = data + size;

	for (size_t i = 0; i < n; i++) {
		const uint8_t *z;

		buf_init(&p[i].text);
		p[i].present = at != NULL;
		if (!at)
			continue;
		z = i + 1 < n ? memchr(at, 0, (size_t)(end - at)) : NULL;
		buf_add(&p[i].text, at, (size_t)((z ? z : end) - at));
		at = z ? z + 1 : NULL;
	}
}

static __attribute__((unused)) void
parts_free(struct part *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_release(&p[i].text);
}

#endif
