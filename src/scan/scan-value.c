/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-value.c: where a value comes from.  A key named for a K3s token is
 * a finding only when its value is a literal written in the file; a value
 * that is code (a call, an identifier, a field, nil), a template
 * expression or a reference is not.  Rules by syntax, not by example:
 *  - unquoted after a spaced '=', ':=' or '=>': code in HCL, Go, Python,
 *    Ruby, Crystal, JS/TS (shell assignments have no blanks around '=');
 *  - unquoted after a quoted key ("token": x): JSON only has literals
 *    there, so an identifier is code (a JS/Python dict);
 *  - unquoted with a call, an index or a field (f(x), a[b], a.b), or
 *    followed by an operator, a ',' or a ')': code;
 *  - nil, null, None, undefined: no value;
 *  - a key inside a {{ ... }} template expression on its line.
 * Placeholders (scan_is_placeholder()) live here too.
 * Invariant: reads only the value or line it is given; keeps nothing.
 */
#include "core/k3sguard.h"
#include "scan/scan.h"

static int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
is_ident0(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
is_ident(int c)
{
	return is_ident0(c) || (c >= '0' && c <= '9');
}

static const char *
ci_memmem(const char *s, size_t n, const char *w)
{
	size_t m = strlen(w);

	for (size_t i = 0; i + m <= n; i++)
		if (lc((unsigned char)s[i]) == w[0] && scan_ci_eq(s + i, m, w))
			return s + i;
	return NULL;
}

/* ---- placeholders ------------------------------------------------------ */

static const char *const placeholder_words[] = {
	"xxx", "...", "\xe2\x80\xa6", "changeme", "change_me", "change-me", "placeholder",
	"redacted", "example", "your-", "your_", "yourtoken", "<", ">", "${", "$(", "{{", "}}",
	"%{", "#{", "lookup(",
};

static const char *const placeholder_values[] = {
	"true", "false", "null", "none", "~", "|", ">", "|-", ">-", "|+", ">+", "-",
};

static const char *const reference_prefixes[] = {
	"var.", "local.", "module.", "data.", "each.", "self.", "random_",
};

int
scan_type_name(const char *v, size_t n)
{
	size_t colons = 0, seg = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		int letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

		if (c == ':') {
			if (seg == 0)
				return 0;
			colons++;
			seg = 0;
		} else if (letter || (seg > 0 && ((c >= '0' && c <= '9') ||
		    c == '_' || c == '-' || c == '/' || c == '.'))) {
			if (++seg > 32)
				return 0;
		} else {
			return 0;
		}
	}
	return colons >= 2 && seg > 0;
}

int
scan_is_placeholder(const char *v, size_t n)
{
	size_t i;
	int upper_name = 1, has_us = 0, has_digit = 0;

	if (n == 0)
		return 1;
	switch (v[0]) {
	case '<': case '$': case '{': case '%': case '!': case '*': case '[':
		return 1;
	}
	for (i = 0; i < ARRAY_SIZE(placeholder_values); i++)
		if (scan_ci_eq(v, n, placeholder_values[i]))
			return 1;
	for (i = 0; i < ARRAY_SIZE(placeholder_words); i++)
		if (ci_memmem(v, n, placeholder_words[i]))
			return 1;
	for (i = 0; i < ARRAY_SIZE(reference_prefixes); i++) {
		size_t m = strlen(reference_prefixes[i]);

		if (n > m && !memcmp(v, reference_prefixes[i], m))
			return 1;
	}
	/* one character repeated: "****", "0000000000" */
	for (i = 1; i < n && v[i] == v[0]; i++)
		;
	if (i == n)
		return 1;
	/* a variable's name: TOKEN, K3S_TOKEN, NODE_TOKEN */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '_')
			has_us = 1;
		else if (c >= '0' && c <= '9')
			has_digit = 1;
		else if (!(c >= 'A' && c <= 'Z'))
			upper_name = 0;
	}
	if (upper_name && (has_us || !has_digit) && v[0] >= 'A' && v[0] <= 'Z')
		return 1;
	return 0;
}

/* [a-z0-9]{6}.[a-z0-9]{16}: kubeadm's bootstrap token form, a literal */
static int
bootstrap_shape(const char *v, size_t n)
{
	if (n != 23 || v[6] != '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (i != 6 && !((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9')))
			return 0;
	return 1;
}

/* ident.ident: a field or method (K3s.k3s_token, result.stdout) */
static int
has_field(const char *v, size_t n)
{
	if (!n || !is_ident0((unsigned char)v[0]) || bootstrap_shape(v, n))
		return 0;
	for (size_t i = 1; i + 1 < n; i++) {
		if (!is_ident((unsigned char)v[i]) && v[i] != '.')
			return 0;
		if (v[i] == '.' && is_ident0((unsigned char)v[i + 1]))
			return 1;
	}
	return 0;
}

static int
no_value_word(const char *v, size_t n)
{
	static const char *const w[] = { "nil", "null", "none", "undefined", "nothing" };
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(w); i++) {
		if (strlen(w[i]) != n)
			continue;
		for (j = 0; j < n && lc((unsigned char)v[j]) == w[i][j]; j++)
			;
		if (j == n)
			return 1;
	}
	return 0;
}

/*
 * A type in an annotation ("clusterToken: string;" in a TypeScript
 * interface, "token: str" in a Python signature): the value is a type
 * keyword that ends the line or is followed by ';', ',', ')', '=' or '|'.
 */
static int
type_annotation(const struct scan_value *sv)
{
	static const char *const types[] = {
		"string", "String", "number", "boolean", "bool", "any", "unknown", "str",
		"bytes", "int",
	};
	const char *r = sv->v + sv->n;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (strlen(types[i]) == sv->n && !memcmp(sv->v, types[i], sv->n))
			break;
	if (i == ARRAY_SIZE(types))
		return 0;
	while (r < sv->le && (*r == ' ' || *r == '\t'))
		r++;
	return r == sv->le || strchr(";,)=|", *r);
}

int
scan_value_is_code(const struct scan_value *sv)
{
	const char *v = sv->v, *r = sv->v + sv->n;
	size_t n = sv->n;

	if (sv->quoted)
		return 0;
	if (no_value_word(v, n) || type_annotation(sv))
		return 1;
	if (v[0] == '@' || v[0] == '&' || v[0] == ':')
		return 1;	/* Ruby ivar/symbol, address-of */
	if (memchr(v, '(', n) || memchr(v, '[', n) || has_field(v, n))
		return 1;
	/* an enum member or argument: "token = 248," */
	while (r < sv->le && (*r == ' ' || *r == '\t'))
		r++;
	if (r < sv->le && strchr("+|?.%,)", *r) && !(*r == '|' && r + 1 == sv->le))
		return 1;
	return is_ident0((unsigned char)v[0]) && (sv->spaced_eq || sv->key_quoted);
}

/* Inside a {{ ... }} on its line: more "{{" than "}}" before p. */
int
scan_in_template(const char *ls, const char *p)
{
	int open = 0;

	for (const char *s = ls; s + 1 < p; s++) {
		if (s[0] == '{' && s[1] == '{') {
			open++;
			s++;
		} else if (s[0] == '}' && s[1] == '}') {
			if (open)
				open--;
			s++;
		}
	}
	return open > 0;
}

/* Words a K3s token's variable is named with, before the final "token". */
static const char *const name_words[] = {
	"k3s", "cluster", "control", "plane", "controlplane", "agent", "node", "server",
	"join", "master", "bootstrap", "init",
};

static int
words_only(const char *s, size_t n)
{
	if (!n)
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(name_words); i++) {
		size_t m = strlen(name_words[i]);

		if (m <= n && !memcmp(s, name_words[i], m) && words_only(s + m, n - m))
			return 1;
	}
	return 0;
}

int
scan_token_name(const char *s, size_t n, int *k3s_named)
{
	char norm[64];
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '_' || s[i] == '-')
			continue;
		if (m == sizeof(norm))
			return 0;
		norm[m++] = (char)lc((unsigned char)s[i]);
	}
	if (m > 10 && !memcmp(norm + m - 5, "value", 5))
		m -= 5;		/* clusterTokenValue, k3s_token_value */
	if (m < 5 || memcmp(norm + m - 5, "token", 5) || !words_only(norm, m - 5))
		return 0;
	*k3s_named = m > 5 && memmem(norm, m - 5, "k3s", 3) != NULL;
	return 1;
}

/*
 * A literal handed to a function that only marks or passes a value on:
 * pulumi.secret("..."), pulumi.Output.secret("..."), pulumi.output("..."),
 * pulumi.interpolate`...`, Terraform's sensitive("...").  The literal goes to
 * *v, *n; 0, or -1 when the text at q is not such a call.
 */
int
scan_wrapped_literal(const char *q, const char *le, const char **v, size_t *n)
{
	static const char *const wrappers[] = { "secret", "sensitive", "interpolate", "output" };
	const char *p = q, *seg = q, *e;
	char quote;
	size_t i, sl;

	while (p < le && (is_ident((unsigned char)*p) || *p == '.')) {
		if (*p == '.')
			seg = p + 1;
		p++;
	}
	sl = (size_t)(p - seg);
	for (i = 0; i < ARRAY_SIZE(wrappers); i++)
		if (strlen(wrappers[i]) == sl && !memcmp(seg, wrappers[i], sl))
			break;
	if (i == ARRAY_SIZE(wrappers) || p >= le)
		return -1;
	if (*p == '(')
		for (p++; p < le && (*p == ' ' || *p == '\t'); p++)
			;
	if (p >= le || (*p != '"' && *p != '\'' && *p != '`'))
		return -1;
	quote = *p;
	if (!(e = memchr(p + 1, quote, (size_t)(le - p - 1))))
		return -1;
	*v = p + 1;
	*n = (size_t)(e - p - 1);
	return *n ? 0 : -1;
}

/* The word [w, w + n) is one that asks for a value to be put in. */
static int
marker_word(const char *w, size_t n)
{
	static const char *const markers[] = {
		"replace", "insert", "todo", "fake", "sample", "dummy", "here",
		"fill", "enter", "put", "generate", "random", "dont", "placeholder",
	};

	for (size_t i = 0; i < ARRAY_SIZE(markers); i++)
		if (scan_ci_eq(w, n, markers[i]))
			return 1;
	return 0;
}

/*
 * A placeholder that only a repository holds: a value of words without a
 * digit where a word asks for the value to be put in ("replace-me",
 * "insert-token-here", "fakeToken", "TODO"; not "some-...": a sample
 * inventory's "some-SUPER-DEDEUPER-secret-password" is deployed as is) or that is the
 * field's own name ("token", "secret", "password").  Words split at
 * non-letters and at a lower-to-upper case change: "awesome-cluster" has no
 * marker word.  Not applied to a node's files: there a token may be any
 * string, and `fix` and the unit redaction must still see it.
 */
int
scan_repo_placeholder(const char *v, size_t n)
{
	static const char *const names[] = { "token", "secret", "password", "passwd" };
	size_t i, w;

	if (n == 0 || n > 40)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
		    c == ' ' || c == '.'))
			return 0;
	}
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (scan_ci_eq(v, n, names[i]))
			return 1;
	for (i = w = 0; i <= n; i++) {
		int boundary = i == n || !((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z')) ||
		    (i > w && v[i] >= 'A' && v[i] <= 'Z' && v[i - 1] >= 'a' && v[i - 1] <= 'z');

		if (!boundary)
			continue;
		if (i > w && marker_word(v + w, i - w))
			return 1;
		w = (i < n && v[i] >= 'A' && v[i] <= 'Z') ? i : i + 1;
	}
	return 0;
}
