/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-key.c: reading a key and its value on one line, for the rules of
 * scan.c and scan-datastore.c: where a key may stand (a YAML/JSON/HCL key,
 * a declaration, a dotted path), its separator (':', '=', ':=', '=>', a
 * setter's ',' or a subscript), a type annotation, and the value itself.
 *
 * Invariant: every pointer stays inside [ls, le) of the line it was given;
 * nothing is allocated or copied.
 */
#include "core/k3sguard.h"
#include "scan/scan.h"
#include "scan/scan-int.h"

/*
 * The value starting at q (quoted or not) on the line ending at le.
 * The value goes to vs and vn; returns 0, or -1 when there is none.
 */
int
scan_parse_value(const char *q, const char *le, const char **vs, size_t *vn)
{
	const char *e;
	int depth = 0;

	if (q >= le)
		return -1;
	if (*q == '"' || *q == '\'') {
		char quote = *q;

		for (e = q + 1; e < le; e++) {
			if (quote == '"' && *e == '\\' && e + 1 < le) {
				e++;
				continue;
			}
			if (*e == quote)
				break;
		}
		if (e < le) {
			*vs = q + 1;
			*vn = (size_t)(e - q - 1);
			return 0;
		}
		q++;	/* unbalanced: read it as an unquoted value */
	}
	/* a '}' closes a '{' of the value ({K3S_TOKEN}::server:...) */
	for (e = q; e < le && (!is_stop((unsigned char)*e) || (*e == '}' && depth > 0)); e++) {
		if (*e == '{')
			depth++;
		else if (*e == '}')
			depth--;
	}
	*vs = q;
	*vn = (size_t)(e - q);
	return *vn ? 0 : -1;
}

const char *
scan_skip_blanks(const char *q, const char *le)
{
	while (q < le && is_blank(*q))
		q++;
	return q;
}

/* After a key at [ws, we): an optional closing quote, blanks, then one of seps. */
const char *
scan_after_key(const char *ws, const char *we, const char *ls, const char *le, const char *seps)
{
	const char *q = we;

	if (q < le && (*q == '"' || *q == '\'') && ws > ls && ws[-1] == *q)
		q++;
	q = scan_skip_blanks(q, le);
	if (q >= le || !strchr(seps, *q))
		return NULL;
	return scan_skip_blanks(q + 1, le);
}

/* YAML/JSON/HCL key position: only indentation, "- ", '{' or ',' before it. */
static int
key_position(const char *ws, const char *ls)
{
	const char *q = ws;

	if (q > ls && (q[-1] == '"' || q[-1] == '\''))
		q--;
	while (q > ls && is_blank(q[-1]))
		q--;
	if (q > ls && q[-1] == '-')
		q--;
	while (q > ls && is_blank(q[-1]))
		q--;
	return q == ls || q[-1] == '{' || q[-1] == ',';
}

/*
 * A declaration before the key at ws: "export ", "const ", "let ", "var ",
 * "local ", "readonly ", Ruby's '@'/'@@' or PHP's '$' sigil are skipped,
 * then key_position() decides.
 */
int
scan_decl_position(const char *ws, const char *ls)
{
	static const char *const kw[] = {
		"export", "const", "let", "var", "local", "readonly", "declare", "set",
	};
	const char *q = ws, *k;

	while (q > ls && q[-1] == '@')
		q--;
	if (q < ws)
		return key_position(q, ls);
	k = q;
	while (k > ls && is_blank(k[-1]))
		k--;
	if (k == q)
		return key_position(ws, ls);
	for (size_t i = 0; i < ARRAY_SIZE(kw); i++) {
		size_t m = strlen(kw[i]);

		if ((size_t)(k - ls) >= m && !memcmp(k - m, kw[i], m) &&
		    (k - m == ls || is_blank(k[-(ptrdiff_t)m - 1])))
			return key_position(k - m, ls);
	}
	return key_position(ws, ls);
}

/*
 * The separator after a key at [ws, we): ':', '=', ':=', '=>' (with an
 * optional type annotation "name : Type = value" in Crystal/TS).  Fills
 * the provenance flags of sv; returns where the value starts, or NULL.
 */
const char *
scan_key_sep(const char *ws, const char *we, const char *ls, const char *le, struct scan_value *sv)
{
	const char *q = we;

	if (q < le && (*q == '"' || *q == '\'' || *q == '`') && ws > ls && ws[-1] == *q) {
		sv->key_quoted = 1;
		q++;
	}
	if (sv->key_quoted && q < le && *q == ']' && ws - ls >= 2 && ws[-2] == '[') {
		sv->subscript = 1;	/* os.environ["K3S_TOKEN"], ENV['K3S_TOKEN'] */
		q++;
	}
	if (q < le && *q == '?')
		q++;			/* TS optional field */
	q = scan_skip_blanks(q, le);
	if (q >= le)
		return NULL;
	if (*q == ',' && sv->key_quoted && !sv->subscript) {
		/* a setter's first two arguments: Setenv("K3S_TOKEN", "v"), not a table row */
		const char *o = ws - 1;

		while (o > ls && is_blank(o[-1]))
			o--;
		if (o == ls || o[-1] != '(')
			return NULL;
		sv->argument = 1;
		return scan_skip_blanks(q + 1, le);
	}
	if (*q == ':' && q + 1 < le && q[1] == '=') {
		sv->spaced_eq = 1;
		return scan_skip_blanks(q + 2, le);
	}
	if (*q == '?' && q + 1 < le && q[1] == '=')
		q++;			/* Makefile: K3S_TOKEN ?= value */
	if (*q == '=' && q + 1 < le && q[1] == '>') {
		sv->spaced_eq = 1;
		return scan_skip_blanks(q + 2, le);
	}
	if (*q == '=') {
		if (q + 1 < le && q[1] == '=')
			return NULL;	/* a comparison */
		sv->spaced_eq = q > we && is_blank(q[-1]);
		return scan_skip_blanks(q + 1, le);
	}
	if (*q != ':')
		return NULL;
	return scan_skip_blanks(q + 1, le);
}

/* A type annotation "name : Type = value": the value after the '='. */
const char *
scan_past_annotation(const char *q, const char *le, struct scan_value *sv)
{
	const char *t = q;

	while (t < le && (is_keych((unsigned char)*t) || strchr("?.<>[]|:", *t)))
		t++;
	if (t == q)
		return q;
	t = scan_skip_blanks(t, le);
	if (t < le && *t == '=' && (t + 1 == le || t[1] != '=')) {
		sv->spaced_eq = 1;
		return scan_skip_blanks(t + 1, le);
	}
	return q;
}

/*
 * A function named for a K3s token ("def get_or_generate_k3s_token",
 * "func k3sToken() string {"): the name at [ws, we) follows def/func/
 * function on its line and has "k3s" in it.
 */
int
scan_token_function(const char *ws, const char *we, const char *ls)
{
	static const char *const kw[] = { "def ", "func ", "function " };
	const char *k = ws;
	size_t n = (size_t)(we - ws);

	if (n < 8 || !scan_ci_find(ws, we, "k3s") || lc((unsigned char)we[-1]) != 'n' ||
	    !scan_ci_eq(we - 5, 5, "token"))
		return 0;
	while (k > ls && is_blank(k[-1]))
		k--;
	for (size_t i = 0; i < ARRAY_SIZE(kw); i++) {
		size_t m = strlen(kw[i]) - 1;	/* without its blank */

		if ((size_t)(k - ls) >= m && !memcmp(k - m, kw[i], m) &&
		    (k - m == ls || is_blank(k[-(ptrdiff_t)m - 1])))
			return k < ws;
	}
	return 0;
}

/*
 * The key at ws ends a dotted path (services.k3s.token, process.env.K3S_TOKEN):
 * where the path starts when it stands where a key or a declaration stands
 * (an assignment's target, not var.k3s_token on the right of one), else NULL.
 */
const char *
scan_dotted_target(const char *ws, const char *ls)
{
	const char *ps = ws - 1;

	while (ps > ls && (is_keych((unsigned char)ps[-1]) || ps[-1] == '.'))
		ps--;
	if (ps == ws - 1 || *ps == '.' || !scan_decl_position(ps, ls))
		return NULL;
	return ps;
}

/* The key "value" (or "Value", quoted or not) then ':' or '=' at q: the value's start, or NULL. */
static const char *
value_key(const char *q, const char *le)
{
	if (q < le && (*q == '"' || *q == '\''))
		q++;
	if (le - q < 6 || (memcmp(q, "value", 5) && memcmp(q, "Value", 5)))
		return NULL;
	q += 5;
	if (q < le && (*q == '"' || *q == '\''))
		q++;
	q = scan_skip_blanks(q, le);
	if (q >= le || (*q != ':' && *q != '='))
		return NULL;
	return scan_skip_blanks(q + 1, le);
}

/*
 * The name at [ws, we) is the value of a "name" key: Kubernetes' and
 * Terraform's env entries ("- name: K3S_TOKEN" then "value: ..." on the
 * next line, {"name": "K3S_TOKEN", "value": "..."}, name = "K3S_TOKEN").
 * Where the value starts (its line end in *vle), or NULL.
 */
const char *
scan_name_value(const char *ws, const char *we, const char *ls, const char *le,
    const char *end, const char **vle)
{
	const char *k = ws, *q;

	if (k > ls && (k[-1] == '"' || k[-1] == '\''))
		k--;
	while (k > ls && is_blank(k[-1]))
		k--;
	if (k == ls || (k[-1] != ':' && k[-1] != '='))
		return NULL;
	k--;
	while (k > ls && is_blank(k[-1]))
		k--;
	if (k > ls && (k[-1] == '"' || k[-1] == '\''))
		k--;
	if (k - ls < 4 || memcmp(k - 4, "name", 4) || (k - 4 > ls && is_keych((unsigned char)k[-5])))
		return NULL;
	/* on the same line: , "value": "..." or value = "..." */
	for (const char *p = we; p + 5 < le; p++) {
		if ((*p == 'v' || *p == 'V') && !is_keych((unsigned char)p[-1]) &&
		    (q = value_key(p, le))) {
			*vle = le;
			return q;
		}
	}
	/* on the next line that is not blank or a comment */
	for (int lines = 0; lines < 3 && le < end; lines++) {
		const char *nl = memchr(le, '\n', (size_t)(end - le)), *s;

		if (!nl)
			return NULL;
		ls = nl + 1;
		le = scan_line_end(ls, end);
		s = scan_skip_blanks(ls, le);
		if (s == le || *s == '#')
			continue;
		if (!(q = value_key(s, le)))
			return NULL;
		*vle = le;
		return q;
	}
	return NULL;
}
