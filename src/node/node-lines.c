/* SPDX-License-Identifier: Apache-2.0 */
/*
 * node-lines.c: the text of units and env files as systemd reads it: logical lines
 * (a trailing "\" continues a line; comments inside a continuation are
 * skipped) and words (single/double quotes, C escapes), each word keeping
 * its physical line.
 */
#include "core/k3sguard.h"
#include "node/node.h"
#include "node/node-int.h"
#include "core/gate.h"

/* ---- word splitting ---- */

void
free_words(char **w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		explicit_bzero(w[i], strlen(w[i]));
		free(w[i]);
	}
	free(w);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A C escape at s[*i] (after the backslash); appends the byte(s). */
static void
c_escape(const char *s, size_t *i, struct buf *w)
{
	char c = s[*i];

	switch (c) {
	case 'n': buf_addch(w, '\n'); break;
	case 't': buf_addch(w, '\t'); break;
	case 'r': buf_addch(w, '\r'); break;
	case 's': buf_addch(w, ' '); break;
	case 'a': buf_addch(w, '\a'); break;
	case 'b': buf_addch(w, '\b'); break;
	case 'f': buf_addch(w, '\f'); break;
	case 'v': buf_addch(w, '\v'); break;
	case 'x':
		if (hexval((unsigned char)s[*i + 1]) >= 0 && hexval((unsigned char)s[*i + 2]) >= 0) {
			int v = hexval((unsigned char)s[*i + 1]) * 16 + hexval((unsigned char)s[*i + 2]);

			if (v)
				buf_addch(w, v);
			*i += 2;
			break;
		}
		buf_addch(w, c);
		break;
	case '\0':
		buf_addch(w, '\\');
		(*i)--;		/* do not step past the NUL */
		break;
	default:
		buf_addch(w, c);	/* \\ \" \' and anything else: the char */
		break;
	}
}

int
split_words(const char *s, const int *linemap, char ***words, int **lines,
    size_t *nwords, size_t *bad)
{
	struct buf w = BUF_INIT;
	size_t i = 0;

	*words = NULL;
	*lines = NULL;
	*nwords = 0;
	for (;;) {
		int quote = 0, line = 0, have = 0;
		size_t qstart = 0;

		while (s[i] && isspace((unsigned char)s[i]))
			i++;
		if (!s[i])
			break;
		line = linemap ? linemap[i] : 0;
		buf_reset(&w);
		for (; s[i]; i++) {
			char c = s[i];

			if (quote) {
				if (c == quote) {
					quote = 0;
				} else if (c == '\\' && quote == '"') {
					i++;
					c_escape(s, &i, &w);
				} else {
					buf_addch(&w, c);
				}
				continue;
			}
			if (isspace((unsigned char)c))
				break;
			if (c == '"' || c == '\'') {
				quote = c;
				qstart = i;
				have = 1;
			} else if (c == '\\') {
				i++;
				c_escape(s, &i, &w);
			} else if (c == '%' && s[i + 1] == '%') {
				buf_addch(&w, '%');	/* systemd specifier escape */
				i++;
			} else {
				buf_addch(&w, c);
			}
		}
		if (quote) {
			*bad = qstart;
			buf_wipe(&w);
			free_words(*words, *nwords);
			free(*lines);
			*words = NULL;
			*lines = NULL;
			*nwords = 0;
			return -1;
		}
		(void)have;
		*words = node_grow(*words, *nwords, sizeof(**words));
		*lines = node_grow(*lines, *nwords, sizeof(**lines));
		(*words)[*nwords] = xstrdup(w.s);
		(*lines)[*nwords] = line;
		(*nwords)++;
	}
	buf_wipe(&w);
	return 0;
}

/* ---- logical lines (continuations) ---- */

static void
lline_add(struct lline *l, const char *p, size_t len, int line)
{
	l->map = xrealloc(l->map, (l->text.len + len + 1) * sizeof(*l->map));
	for (size_t i = 0; i < len; i++)
		l->map[l->text.len + i] = line;
	l->map[l->text.len + len] = line;
	buf_add(&l->text, p, len);
}

void
lline_free(struct lline *l)
{
	buf_wipe(&l->text);
	free(l->map);
	memset(l, 0, sizeof(*l));
}

/*
 * Next logical line of a unit or env file starting at *pos: continuation
 * lines (ending in a backslash) are joined with a space; comment lines in
 * the middle of a continuation are skipped, as systemd does.  0 at the end.
 */
int
next_lline(const char *data, size_t len, size_t *pos, int *lineno, struct lline *l)
{
	int cont = 0;

	buf_reset(&l->text);
	l->first = 0;
	while (*pos < len) {
		const char *p = data + *pos, *nl = memchr(p, '\n', len - *pos);
		size_t n = nl ? (size_t)(nl - p) : len - *pos;
		const char *q = p;

		*pos += n + (nl ? 1 : 0);
		(*lineno)++;
		while (n && (p[n - 1] == '\r'))
			n--;
		while (q < p + n && isspace((unsigned char)*q))
			q++;
		if (cont && (*q == '#' || *q == ';'))
			continue;
		if (!l->first)
			l->first = *lineno;
		if (!cont && (*q == '#' || *q == ';')) {
			/* a comment ends at its line, backslash or not */
			lline_add(l, p, n, *lineno);
			return 1;
		}
		if (n && p[n - 1] == '\\') {
			lline_add(l, p, n - 1, *lineno);
			lline_add(l, " ", 1, *lineno);
			cont = 1;
			continue;
		}
		lline_add(l, p, n, *lineno);
		return 1;
	}
	return cont || l->text.len;
}
