/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-version.c: libFuzzer harness for the K3s/Traefik version parser and
 * its order (src/core/version.c).  The input is split at newlines into up
 * to three strings a, b, c; each goes through version_parse(),
 * version_parse_k3s() and, prefixed with "k3s version ", through
 * version_from_k3s_output().
 *
 * Properties: a parsed version prints back to its input (the parser takes
 * only canonical forms: no leading zeros, "v" optional) when the printed
 * form fits VERSION_STR_MAX, and always reparses to itself then; the "+k3sN"
 * form parses with version_parse_k3s() iff it has k3s != 0; compare is
 * antisymmetric (cmp(a,b) == -cmp(b,a)), 0 exactly for equal versions,
 * and transitive over a, b, c; same_minor is symmetric and implied by
 * compare 0.
 */
#include "core/k3sguard.h"
#include "core/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
sgn(int x)
{
	return (x > 0) - (x < 0);
}

static int
same(const struct version *a, const struct version *b)
{
	return a->major == b->major && a->minor == b->minor && a->patch == b->patch &&
	    a->rc == b->rc && a->k3s == b->k3s;
}

/* 1 when s parses (into v), after checking what holds for one string. */
static int
one(const char *s, struct version *v)
{
	struct version k, o, r;
	char out[VERSION_STR_MAX];
	struct buf b = BUF_INIT;
	int ok = version_parse(s, v) == 0, ws = 0, r_out;

	if (version_parse_k3s(s, &k) == 0 && (!ok || !same(&k, v) || !k.k3s))
		abort();
	if (ok && v->k3s && version_parse_k3s(s, &k) != 0)
		abort();
	if (ok) {
		if (v->major < 0 || v->minor < 0 || v->patch < 0 || v->rc < 0 || v->k3s < 0)
			abort();
		version_str(v, out);
		if (strlen(out) + 1 < VERSION_STR_MAX) {
			/* not truncated: the canonical form, and it reparses */
			if (strcmp(out + 1, s + (*s == 'v')))
				abort();
			if (version_parse(out, &r) != 0 || !same(&r, v))
				abort();
		}
	}
	for (const char *q = s; *q; q++)
		ws |= isspace((unsigned char)*q) != 0;
	buf_addf(&b, "k3s version %s (abcdef12)\ngo version go1.22", s);
	r_out = version_from_k3s_output(b.s, &o);
	/* with a space in s, the output's version is only its first word */
	if (!ws && r_out == 0 && (!ok || !same(&o, v) || !v->k3s ||
	    strlen(s) >= VERSION_STR_MAX))
		abort();
	if (!ws && r_out != 0 && ok && v->k3s && strlen(s) < VERSION_STR_MAX)
		abort();
	buf_release(&b);
	return ok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *p[3] = { NULL, NULL, NULL };
	struct version v[3];
	int ok[3] = { 0, 0, 0 };
	size_t n = 0;

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	for (char *q = s; q && n < 3; n++) {
		p[n] = q;
		if ((q = strchr(q, '\n')))
			*q++ = '\0';
	}
	for (size_t i = 0; i < n; i++)
		ok[i] = one(p[i], &v[i]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int c;

			if (!ok[i] || !ok[j])
				continue;
			c = version_cmp(&v[i], &v[j]);
			if (sgn(c) != -sgn(version_cmp(&v[j], &v[i])))
				abort();
			if ((c == 0) != same(&v[i], &v[j]))
				abort();
			if (version_same_minor(&v[i], &v[j]) != version_same_minor(&v[j], &v[i]))
				abort();
			if (c == 0 && !version_same_minor(&v[i], &v[j]))
				abort();
		}
	if (n == 3 && ok[0] && ok[1] && ok[2]) {
		int ab = sgn(version_cmp(&v[0], &v[1])), bc = sgn(version_cmp(&v[1], &v[2]));
		int ac = sgn(version_cmp(&v[0], &v[2]));

		if (ab == bc && ab != 0 && ac != ab)
			abort();
		if (ab == 0 && ac != bc)
			abort();
	}
	free(s);
	return 0;
}
