/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-unit-words.c: libFuzzer harness for split_words()
 * (src/node/node-lines.c), the systemd ExecStart=/Environment= word
 * splitter (quotes, C escapes, %% specifiers), on arbitrary text with a
 * line map as parse_unit_text() builds one.
 *
 * Invariants besides crashes and leaks (the text is an exact-size heap copy,
 * so reading past its NUL is caught): on success every word is a string no
 * longer than the input and its line is one of the map; on failure nothing
 * is returned and the offset of the unterminated quote points at a quote
 * character inside the text; no word has a leading or trailing space unless
 * the input had a quote or backslash (space reaches a word only escaped).
 */
#include "core/k3sguard.h"
#include "node/node-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), **w;
	int *map = malloc((size + 1) * sizeof(*map)), *wl, line = 1;
	size_t nw, bad, len;
	int escaped;

	if (!s || !map)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	len = strlen(s);
	escaped = strpbrk(s, "\"'\\") != NULL;
	/* the map: the physical line of every byte (a newline starts the next) */
	for (size_t i = 0; i <= len; i++) {
		map[i] = line;
		if (s[i] == '\n')
			line++;
	}
	if (split_words(s, map, &w, &wl, &nw, &bad) == 0) {
		for (size_t i = 0; i < nw; i++) {
			size_t wlen = strlen(w[i]);

			if (wlen > len || wl[i] < 1 || wl[i] > line)
				abort();
			if (i && wl[i] < wl[i - 1])
				abort();
			if (!escaped && wlen && (isspace((unsigned char)w[i][0]) ||
			    isspace((unsigned char)w[i][wlen - 1])))
				abort();
		}
		free_words(w, nw);
		free(wl);
	} else {
		if (w || wl || nw || bad >= len || (s[bad] != '"' && s[bad] != '\''))
			abort();
	}
	/* without a line map (read_openrc's empty command_args) */
	if (split_words(s, NULL, &w, &wl, &nw, &bad) == 0) {
		for (size_t i = 0; i < nw; i++)
			if (wl[i] != 0)
				abort();
		free_words(w, nw);
		free(wl);
	}
	free(map);
	free(s);
	return 0;
}
