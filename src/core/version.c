/* SPDX-License-Identifier: Apache-2.0 */
/* version.c: see version.h for the ordering rules. */
#include "core/k3sguard.h"
#include "core/version.h"

/* A decimal number without sign or leading zeros beyond "0"; advances *p. */
static int
take_num(const char **p, long *out)
{
	const char *s = *p;
	long v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	if (*s == '0' && isdigit((unsigned char)s[1]))
		return -1;
	while (isdigit((unsigned char)*s)) {
		if (v > (LONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
		s++;
	}
	*p = s;
	*out = v;
	return 0;
}

static int
parse(const char *s, struct version *v, int need_k3s)
{
	struct version t = { 0 };
	const char *p = s;

	if (!s)
		return -1;
	if (*p == 'v')
		p++;
	if (take_num(&p, &t.major) < 0 || *p++ != '.' ||
	    take_num(&p, &t.minor) < 0 || *p++ != '.' ||
	    take_num(&p, &t.patch) < 0)
		return -1;
	if (*p == '-') {
		if (strncmp(p, "-rc", 3) != 0)
			return -1;
		p += 3;
		if (take_num(&p, &t.rc) < 0 || t.rc == 0)
			return -1;
	}
	if (*p == '+') {
		if (strncmp(p, "+k3s", 4) != 0)
			return -1;
		p += 4;
		if (take_num(&p, &t.k3s) < 0 || t.k3s == 0)
			return -1;
	} else if (need_k3s) {
		return -1;
	}
	if (*p)
		return -1;
	*v = t;
	return 0;
}

int
version_parse(const char *s, struct version *v)
{
	return parse(s, v, 0);
}

int
version_parse_k3s(const char *s, struct version *v)
{
	return parse(s, v, 1);
}

static int
cmp_long(long a, long b)
{
	return (a > b) - (a < b);
}

int
version_cmp(const struct version *a, const struct version *b)
{
	int c;

	if ((c = cmp_long(a->major, b->major)) || (c = cmp_long(a->minor, b->minor)) ||
	    (c = cmp_long(a->patch, b->patch)))
		return c;
	/* a release (rc 0) sorts after all of its release candidates */
	if (a->rc != b->rc) {
		if (!a->rc)
			return 1;
		if (!b->rc)
			return -1;
		return cmp_long(a->rc, b->rc);
	}
	return cmp_long(a->k3s, b->k3s);
}

int
version_same_minor(const struct version *a, const struct version *b)
{
	return a->major == b->major && a->minor == b->minor;
}

const char *
version_str(const struct version *v, char out[VERSION_STR_MAX])
{
	int n = snprintf(out, VERSION_STR_MAX, "v%ld.%ld.%ld", v->major, v->minor, v->patch);

	if (v->rc && n > 0 && n < VERSION_STR_MAX)
		n += snprintf(out + n, VERSION_STR_MAX - (size_t)n, "-rc%ld", v->rc);
	if (v->k3s && n > 0 && n < VERSION_STR_MAX)
		snprintf(out + n, VERSION_STR_MAX - (size_t)n, "+k3s%ld", v->k3s);
	return out;
}

int
version_from_k3s_output(const char *text, struct version *v)
{
	const char *p, *end;
	char word[VERSION_STR_MAX];
	size_t n;

	if (!text || !starts_with(text, "k3s version ", &p))
		return -1;
	end = p;
	while (*end && !isspace((unsigned char)*end))
		end++;
	n = (size_t)(end - p);
	if (n == 0 || n >= sizeof(word))
		return -1;
	memcpy(word, p, n);
	word[n] = '\0';
	return version_parse_k3s(word, v);
}
