/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan.c: the token rules of `k3sguard scan` (see scan.h).
 *
 * Invariants:
 *  - a value is described only through token_describe() or a fingerprint;
 *    nothing here copies, prints or keeps the secret;
 *  - every read stays inside [buf, buf + len): the buffer is not
 *    NUL-terminated (it may be a mapping of the file);
 *  - no allocation per line: the only allocations are the hit vector's
 *    growth and token_describe()'s text for a hit.
 */
#include "core/k3sguard.h"
#include "scan/scan.h"
#include "scan/scan-int.h"
#include "token/token.h"

const struct scan_rule_info scan_rules[SCAN_NRULES] = {
	[SCAN_SECURE] = { "k3s-secure-token", "K3sSecureToken",
	    "K3s token in secure form (K10<CA hash>::...) in plain text",
	    "Holding a K3s server token means holding the cluster. Put the token in the "
	    "secret store ('k3sguard token store', or 'k3sguard fix' on a node), hand it to "
	    "K3s with 'k3sguard agent exec', remove it from the file and its history, and "
	    "rotate it ('k3sguard token rotate') if the file was ever shared.",
	    SCAN_HIGH },
	[SCAN_ENV] = { "k3s-token-env", "K3sTokenInEnvironment",
	    "K3S_TOKEN or K3S_AGENT_TOKEN set to a literal value",
	    "An environment variable set in a unit, env file, script or image stays readable "
	    "in /proc/<pid>/environ of K3s and of everything it starts. Keep the token in the "
	    "secret store and start K3s through 'k3sguard agent exec', which hands the token "
	    "over in a sealed memfd.",
	    SCAN_HIGH },
	[SCAN_FLAG] = { "k3s-token-flag", "K3sTokenOnCommandLine",
	    "--token, -t or --agent-token with a literal value in a K3s command line",
	    "A token in a command line lands in unit files (ExecStart=), shell history and "
	    "process listings. Use 'k3sguard agent exec -- k3s agent ...' (or --token-file "
	    "with a 0600 file) instead of --token.",
	    SCAN_HIGH },
	[SCAN_CONFIG] = { "k3s-token-config", "K3sTokenInConfig",
	    "token or agent-token key with a literal value in K3s configuration",
	    "config.yaml, Ansible variables and Terraform code are copied around and "
	    "committed. Reference the secret (Ansible Vault, a Terraform secret variable) "
	    "or let 'k3sguard agent exec' supply the token from the secret store.",
	    SCAN_HIGH },
	[SCAN_DATASTORE] = { "k3s-datastore-password", "K3sDatastorePassword",
	    "password in a K3s datastore endpoint URL",
	    "The datastore holds every cluster secret. Authenticate K3s to it with client "
	    "certificates (--datastore-certfile/--datastore-keyfile) instead of a password "
	    "in the endpoint URL.",
	    SCAN_CRITICAL },
};

/* ---- the SIMD prefilter ------------------------------------------------ */

typedef unsigned char u8x16 __attribute__((vector_size(16)));
typedef signed char s8x16 __attribute__((vector_size(16)));

static inline u8x16
splat(unsigned char c)
{
	u8x16 v;

	memset(&v, c, sizeof(v));
	return v;
}

static inline int
pair_at(const unsigned char *p, unsigned char a1, unsigned char a2,
    unsigned char b1, unsigned char b2)
{
	return (p[0] == a1 || p[0] == a2) && (p[1] == b1 || p[1] == b2);
}

/*
 * First i with p[i] in {a1, a2} and p[i + 1] in {b1, b2}, or NULL.  32
 * bytes per step with 16-byte vector compares (SSE2 on x86-64, NEON on
 * arm64; the compiler's generic vectors keep this portable); a step with a
 * candidate is resolved byte by byte, which is rare for the pairs we use.
 */
const char *
scan_pair_find(const char *s, const char *e, unsigned char a1, unsigned char a2,
    unsigned char b1, unsigned char b2)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = (const unsigned char *)e;
	const u8x16 A1 = splat(a1), A2 = splat(a2), B1 = splat(b1), B2 = splat(b2);

	while (end - p >= 33) {
		u8x16 x0, y0, x1, y1;
		s8x16 m;
		uint64_t w[2];

		memcpy(&x0, p, 16);
		memcpy(&y0, p + 1, 16);
		memcpy(&x1, p + 16, 16);
		memcpy(&y1, p + 17, 16);
		m = (((x0 == A1) | (x0 == A2)) & ((y0 == B1) | (y0 == B2))) |
		    (((x1 == A1) | (x1 == A2)) & ((y1 == B1) | (y1 == B2)));
		memcpy(w, &m, sizeof(w));
		if (w[0] | w[1]) {
			for (int i = 0; i < 32; i++)
				if (pair_at(p + i, a1, a2, b1, b2))
					return (const char *)p + i;
		}
		p += 32;
	}
	for (; end - p >= 2; p++)
		if (pair_at(p, a1, a2, b1, b2))
			return (const char *)p;
	return NULL;
}

int
scan_ci_eq(const char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n && w[i]; i++)
		if (lc((unsigned char)s[i]) != w[i])
			return 0;
	return i == n && !w[i];
}

int
scan_eq(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(s, w, n);
}

/* case-insensitive search of the lowercase word w in [s, e) */
const char *
scan_ci_find(const char *s, const char *e, const char *w)
{
	size_t n = strlen(w);

	for (; (size_t)(e - s) >= n; s++)
		if (lc((unsigned char)*s) == w[0] && scan_ci_eq(s, n, w))
			return s;
	return NULL;
}

static const char *
ci_memmem(const char *s, size_t n, const char *w)
{
	return scan_ci_find(s, s + n, w);
}

const char *
scan_line_start(const char *buf, const char *p)
{
	while (p > buf && p[-1] != '\n')
		p--;
	return p;
}

/* End of p's line, before any "\r\n" or "\n". */
const char *
scan_line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	if (!nl)
		nl = end;
	if (nl > p && nl[-1] == '\r')
		nl--;
	return nl;
}

/* Start of the logical line holding p: lines ending in '\' continue. */
static const char *
logical_start(const char *buf, const char *p)
{
	const char *s = scan_line_start(buf, p);

	for (int i = 0; i < 64 && s > buf; i++) {
		const char *e = s - 1;		/* the previous line's '\n' */

		while (e > buf && (e[-1] == '\r' || is_blank(e[-1])))
			e--;
		if (e == buf || e[-1] != '\\')
			break;
		s = scan_line_start(buf, e - 1);
	}
	return s;
}

static int
is_comment_line(const char *ls, const char *le)
{
	while (ls < le && is_blank(*ls))
		ls++;
	return ls < le && (*ls == '#' || *ls == ';' || (*ls == '/' && ls + 1 < le && ls[1] == '/'));
}

int
scan_path_context(const char *path)
{
	size_t n = strlen(path);

	return ci_memmem(path, n, "k3s") || ci_memmem(path, n, "rancher");
}

/* ---- hits -------------------------------------------------------------- */

struct scan_hit *
scan_hit_add(struct scan_hits *h)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16, bytes;

		if (size_mul(cap, sizeof(*h->v), &bytes) < 0)
			fatal("out of memory");
		h->v = xrealloc(h->v, bytes);
		h->cap = cap;
	}
	memset(&h->v[h->n], 0, sizeof(h->v[h->n]));
	return &h->v[h->n++];
}

void
scan_hits_release(struct scan_hits *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

static void
set_desc(struct scan_hit *hit, const char *text)
{
	snprintf(hit->desc, sizeof(hit->desc), "%s", text);
}

/*
 * "<placeholder>::server:<password>" ({K3S_TOKEN}::server:62ef..., K10<hash>::node:...):
 * the CA hash is left to be filled in but the password is written.  The
 * hit covers the password; 1 when there was one.
 */
static int
add_unpinned_password(struct scan_hits *out, const char *buf, const char *v, size_t n,
    enum scan_rule rule)
{
	const char *dc = memmem(v, n, "::", 2), *cr, *colon, *pw;
	struct token_info t;
	struct scan_hit *hit;
	size_t pn;

	if (!dc || dc == v || !scan_is_placeholder(v, (size_t)(dc - v)))
		return 0;
	cr = dc + 2;
	if (!(colon = memchr(cr, ':', (size_t)(v + n - cr))))
		return 0;
	if (!scan_eq(cr, (size_t)(colon - cr), "server") && !scan_eq(cr, (size_t)(colon - cr), "node"))
		return 0;
	pw = colon + 1;
	pn = (size_t)(v + n - pw);
	if (scan_is_placeholder(pw, pn) || token_parse(pw, pn, &t) < 0)
		return 0;
	hit = scan_hit_add(out);
	hit->off = (size_t)(pw - buf);
	hit->len = pn;
	hit->rule = rule;
	hit->severity = *cr == 's' ? SCAN_CRITICAL : scan_rules[rule].severity;
	snprintf(hit->desc, sizeof(hit->desc),
	    "%.*s password of a secure-form token, CA hash not written (fingerprint %s)",
	    (int)(colon - cr), cr, t.fingerprint);
	memcpy(hit->fingerprint, t.fingerprint, sizeof(hit->fingerprint));
	explicit_bzero(&t, sizeof(t));
	return 1;
}

/*
 * A token value [v, v + n) found by rule: describe it, or drop it when it
 * is a placeholder or not a token at all.
 */
static void
add_token(struct scan_hits *out, const char *buf, const char *v, size_t n,
    enum scan_rule rule)
{
	struct token_info t;
	struct buf d = BUF_INIT;
	struct scan_hit *hit;

	if (add_unpinned_password(out, buf, v, n, rule))
		return;
	if (scan_is_placeholder(v, n) || token_parse(v, n, &t) < 0)
		return;
	if (scan_is_placeholder(t.password, t.password_len))
		return;
	hit = scan_hit_add(out);
	hit->off = (size_t)(v - buf);
	hit->len = n;
	hit->rule = rule;
	hit->severity = scan_rules[rule].severity;
	if (t.form == TOKEN_SECURE && !strcmp(t.user, "server"))
		hit->severity = SCAN_CRITICAL;
	token_describe(&t, &d);
	set_desc(hit, d.s);
	memcpy(hit->fingerprint, t.fingerprint, sizeof(hit->fingerprint));
	buf_release(&d);
	explicit_bzero(&t, sizeof(t));
}

/*
 * An unquoted, purely alphabetic value followed by another word is prose
 * ("pass --token or set K3S_TOKEN"), not a command or an assignment.
 */
static int
prose(const char *buf, const char *v, size_t n, const char *le)
{
	const char *e = v + n;

	if (v > buf && (v[-1] == '"' || v[-1] == '\''))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z')))
			return 0;
	if (e >= le || !is_blank(*e))
		return 0;
	while (e < le && is_blank(*e))
		e++;
	return e < le && ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z'));
}

/* add_token() for a value read from a line ending at le */
static void
add_value(struct scan_hits *out, const char *buf, const char *v, size_t n,
    const char *le, enum scan_rule rule)
{
	if (!prose(buf, v, n, le))
		add_token(out, buf, v, n, rule);
}

/* ---- values ------------------------------------------------------------ */

/* ---- secure form anywhere ---------------------------------------------- */

/* p points at "K10"; returns where to go on. */
static const char *
try_secure(const char *buf, const char *p, const char *end, struct scan_hits *out)
{
	const char *c, *e;

	if (p > buf && is_alnum((unsigned char)p[-1]))
		return p + 1;
	if (end - p < 3 + 64 + 2 + 1)
		return p + 1;
	for (int i = 3; i < 67; i++)
		if (!is_hexch((unsigned char)p[i]))
			return p + 1;
	if (p[67] != ':' || p[68] != ':')
		return p + 1;
	c = p + 69;
	for (e = c; e < end && !is_cred_stop((unsigned char)*e); e++)
		;
	if (e == c)
		return p + 1;
	add_token(out, buf, p, (size_t)(e - p), SCAN_SECURE);
	return e;
}

/* ---- rules that need K3s context --------------------------------------- */

/*
 * A compose or pod "command: server ..." / "command: agent ..." line (of a
 * rancher/k3s container: the file has K3s context): the image's entrypoint
 * is k3s, so the line is a K3s command line without the word.
 */
static int
compose_command(const char *s, const char *p)
{
	static const char *const roles[] = { "server", "agent" };

	if (p - s < 9 || memcmp(s, "command:", 8))
		return 0;
	s = scan_skip_blanks(s + 8, p);
	if (s < p && (*s == '"' || *s == '\'' || *s == '['))
		s = scan_skip_blanks(s + 1, p);
	if (s < p && (*s == '"' || *s == '\''))
		s++;
	for (size_t i = 0; i < ARRAY_SIZE(roles); i++) {
		size_t m = strlen(roles[i]);

		if ((size_t)(p - s) > m && !memcmp(s, roles[i], m) && !is_keych((unsigned char)s[m]))
			return 1;
	}
	return 0;
}

/*
 * "k3s" (any case) between the logical line's start and p; with role, also
 * "agent" or "server" after it.  An OpenRC command_args= line counts as a
 * K3s command line (this rule only runs on files with K3s context).
 */
static int
k3s_command_before(const char *buf, const char *p, int role)
{
	const char *ls = logical_start(buf, p), *k = scan_ci_find(ls, p, "k3s");
	const char *s = ls;

	while (s < p && is_blank(*s))
		s++;
	if (!k && (size_t)(p - s) > 13 && !memcmp(s, "command_args=", 13))
		k = s + 10;	/* "agent"/"server" is looked for after it */
	if (!k && compose_command(s, p))
		return 1;
	if (!k)
		return 0;
	if (!role)
		return 1;
	return scan_ci_find(k + 3, p, "agent") || scan_ci_find(k + 3, p, "server");
}

/*
 * A flag at [ws, we) on the line [ls, le): its value after '=', blanks,
 * '", "' (an argv written as a list), or " \" and a line break (the unit
 * the K3s install script writes has one quoted argument per line).
 */
static void
flag_value(struct scan_hits *out, const char *buf, const char *end, const char *ws,
    const char *we, const char *ls, const char *le)
{
	const char *q = we, *v;
	size_t n;
	int closed = 0;

	if (q < le && *q == '=') {
		q++;
	} else {
		if (q < le && (*q == '"' || *q == '\'') && ws > ls && ws[-1] == *q) {
			q++;
			closed = 1;
		}
		q = scan_skip_blanks(q, le);
		if (closed && q < le && *q == ',') {
			q = scan_skip_blanks(q + 1, le);
			if (q >= le || (*q != '"' && *q != '\''))
				return;
		} else if (q < le && *q == '\\' && scan_skip_blanks(q + 1, le) == le) {
			const char *nl = memchr(le, '\n', (size_t)(end - le));

			if (!nl)
				return;
			ls = nl + 1;
			le = scan_line_end(ls, end);
			q = scan_skip_blanks(ls, le);
		} else if (q == we + closed) {
			return;		/* "--token-x", "--token:" */
		}
	}
	if (scan_parse_value(q, le, &v, &n) < 0 || *v == '-')
		return;
	if (is_comment_line(ls, le)) {
		/* prose in a comment: "pass --token with ..." */
		size_t i;

		for (i = 0; i < n && ((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z')); i++)
			;
		if (i == n)
			return;
	}
	add_value(out, buf, v, n, le, SCAN_FLAG);
}

static const char *const token_flags[] = {
	"--token", "--agent-token", "--new-token",
};

/*
 * In a file that is K3s's only by its path (the text never says k3s), a
 * nested "token:" belongs to its parent block: K3s's own config keeps the
 * token at the top level, while "cloudflare:\n  token: ..." in a K3s role
 * is another service's.  1 when the key at ws is at the top level or its
 * parent key names K3s or a generic variables block.
 */
static int
k3s_block(const char *buf, const char *ls, const char *ws)
{
	static const char *const parts[] = {
		"k3s", "rancher", "cluster", "server", "agent", "node", "config",
	};
	static const char *const whole[] = { "vars", "all", "global", "defaults", "env" };
	size_t indent = (size_t)(ws - ls);
	const char *p = ls;

	for (const char *q = ls; q < ws && (is_blank(*q) || *q == '-' || *q == '"' || *q == '\''); q++)
		if (*q == '-')
			indent = (size_t)(q - ls);	/* a list item sits at its dash */
	if (ws == ls || indent == 0)
		return 1;
	for (int lines = 0; p > buf && lines < 500; lines++) {
		const char *pe = p - 1, *pl = scan_line_start(buf, pe), *k, *ke;

		p = pl;
		for (k = pl; k < pe && is_blank(*k); k++)
			;
		if (k == pe || *k == '#' || (size_t)(k - pl) >= indent)
			continue;
		for (ke = k; ke < pe && *ke != ':' && !is_blank(*ke); ke++)
			;
		for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
			if (scan_ci_find(k, ke, parts[i]))
				return 1;
		for (size_t i = 0; i < ARRAY_SIZE(whole); i++)
			if (scan_ci_eq(k, (size_t)(ke - k), whole[i]))
				return 1;
		return 0;
	}
	return 1;
}

/*
 * The literal value of the key at [ws, we), named for a K3s token
 * (k3s_named: the name itself says K3s, so it may stand anywhere).
 */
static void
key_literal(struct scan_hits *out, const char *buf, const char *ws, const char *we,
    const char *ls, const char *le, int path_only, int k3s_named)
{
	struct scan_value sv = { 0 };
	const char *q, *v;
	size_t n;

	if (!k3s_named && !scan_decl_position(ws, ls))
		return;
	if (path_only && !k3s_named && !k3s_block(buf, ls, ws))
		return;
	if (scan_in_template(ls, ws) || !(q = scan_key_sep(ws, we, ls, le, &sv)) || sv.argument)
		return;
	if (q < le && *q != '"' && *q != '\'' && we < le && !sv.spaced_eq)
		q = scan_past_annotation(q, le, &sv);
	if (scan_wrapped_literal(q, le, &v, &n) == 0) {
		add_value(out, buf, v, n, le, SCAN_CONFIG);	/* pulumi.secret("...") */
		return;
	}
	if (scan_parse_value(q, le, &v, &n) < 0)
		return;
	sv.v = v;
	sv.n = n;
	sv.le = le;
	sv.quoted = v > q;
	if (scan_value_is_code(&sv) || (sv.key_quoted && scan_type_name(v, n)))
		return;
	add_value(out, buf, v, n, le, SCAN_CONFIG);
}

/*
 * A key at [ws, we) named for a K3s token (scan_token_name()): its value,
 * when it is a literal.  Names without "k3s" must stand where a key or a
 * declaration stands; none may sit inside a {{ }} template expression.
 */
static void
config_value(struct scan_hits *out, const char *buf, const char *ws, const char *we,
    const char *ls, const char *le, int path_only, const char *ps)
{
	int k3s_named;

	if (!scan_token_name(ws, (size_t)(we - ws), &k3s_named))
		return;
	if (ps)
		k3s_named = 1;	/* services.k3s.token: the path names K3s */
	key_literal(out, buf, ws, we, ls, le, path_only, k3s_named);
}

/*
 * The body of a token function whose first statement returns a literal
 * (Ruby/Crystal's last expression, "return '...'" elsewhere): that literal,
 * up to three lines after the definition, blank and comment lines skipped.
 */
static void
function_literal(struct scan_hits *out, const char *buf, const char *le, const char *end)
{
	const char *ls = le, *q, *v;
	size_t n;

	for (int lines = 0; lines < 4 && ls < end; lines++) {
		if (!(ls = memchr(ls, '\n', (size_t)(end - ls))))
			return;
		ls++;
		le = scan_line_end(ls, end);
		q = scan_skip_blanks(ls, le);
		if (q == le || is_comment_line(ls, le))
			continue;
		if (le - q > 7 && !memcmp(q, "return", 6) && is_blank(q[6]))
			q = scan_skip_blanks(q + 7, le);
		if (q == le || (*q != '"' && *q != '\'') || scan_parse_value(q, le, &v, &n) < 0 || v == q)
			return;
		/* past the closing quote (an unclosed one ends at the line's end) */
		q = scan_skip_blanks(v + n < le ? v + n + 1 : le, le);
		if (q == le || *q == ';')
			add_token(out, buf, v, n, SCAN_CONFIG);
		return;
	}
}

/* K3S_TOKEN, K3S_AGENT_TOKEN (or K3S_CLUSTER_SECRET) at [ws, we): its literal value. */
static void
env_value(struct scan_hits *out, const char *buf, const char *ws, const char *we,
    const char *ls, const char *le, const char *end)
{
	struct scan_value sv = { 0 };
	const char *q, *v, *s = scan_skip_blanks(ls, le);
	size_t n;

	if ((q = scan_name_value(ws, we, ls, le, end, &le))) {
		/* - name: K3S_TOKEN / value: x */
	} else if (!(q = scan_key_sep(ws, we, ls, le, &sv))) {
		/* Dockerfile: ENV K3S_TOKEN value */
		if (le - s < 4 || memcmp(s, "ENV", 3) || !is_blank(s[3]) ||
		    we >= le || !is_blank(*we))
			return;
		q = scan_skip_blanks(we, le);
	}
	if (!sv.argument && scan_wrapped_literal(q, le, &v, &n) == 0) {
		add_value(out, buf, v, n, le, SCAN_ENV);	/* pulumi.secret("...") */
		return;
	}
	if (scan_parse_value(q, le, &v, &n) < 0)
		return;
	sv.v = v;
	sv.n = n;
	sv.le = le;
	sv.quoted = v > q;
	if ((sv.argument && !sv.quoted) || scan_value_is_code(&sv))
		return;		/* Setenv("K3S_TOKEN", token), K3S_TOKEN = f() */
	if (q == we + 1 && we[0] == '=')
		add_token(out, buf, v, n, SCAN_ENV);	/* K3S_TOKEN=x cmd: no prose */
	else
		add_value(out, buf, v, n, le, SCAN_ENV);
}

/* p points at "token" (any case). */
static const char *
at_token(const char *buf, const char *p, const char *end, struct scan_hits *out, int path_only)
{
	const char *ws = p, *we = p + 5, *ls, *le, *ps = NULL;
	size_t wn, i;
	int prev, env;

	while (ws > buf && is_keych((unsigned char)ws[-1]))
		ws--;
	while (we < end && is_keych((unsigned char)*we))
		we++;
	wn = (size_t)(we - ws);
	prev = ws > buf ? (unsigned char)ws[-1] : '\n';
	if (prev == '$' || prev == '{' || prev == '/')
		return we;	/* a reference ($K3S_TOKEN, ${k3s_token}) or a path */
	ls = scan_line_start(buf, ws);
	le = scan_line_end(we, end);
	env = scan_eq(ws, wn, "K3S_TOKEN") || scan_eq(ws, wn, "K3S_AGENT_TOKEN");
	if (prev == '.') {
		/* var.k3s_token is a reference; services.k3s.token = "..." a key */
		if (!(ps = scan_dotted_target(ws, ls)))
			return we;
		if (!env && !scan_ci_find(ps, we, "k3s"))
			return we;
	}

	if (env) {
		env_value(out, buf, ws, we, ls, le, end);
		return we;
	}
	for (i = 0; i < ARRAY_SIZE(token_flags); i++) {
		if (scan_eq(ws, wn, token_flags[i])) {
			if (k3s_command_before(buf, ws, 0))
				flag_value(out, buf, end, ws, we, ls, le);
			return we;
		}
	}
	if (scan_token_function(ws, we, ls)) {
		function_literal(out, buf, le, end);
		return we;
	}
	config_value(out, buf, ws, we, ls, le, path_only, ps);
	return we;
}

/*
 * p points at "_secret" or "-secret" (any case): K3s's name for the token
 * before v1.0 (K3S_CLUSTER_SECRET, --cluster-secret, cluster-secret:),
 * still copied from old compose files and docs; current K3s ignores it, but
 * a literal there is the cluster's token all the same.
 */
static const char *
at_cluster_secret(const char *buf, const char *p, const char *end, struct scan_hits *out,
    int path_only)
{
	const char *ws = p, *we = p + 7, *ls, *le;
	size_t wn;
	char norm[32];
	size_t m = 0;

	while (ws > buf && is_keych((unsigned char)ws[-1]))
		ws--;
	while (we < end && is_keych((unsigned char)*we))
		we++;
	wn = (size_t)(we - ws);
	if (ws > buf && strchr("${./", ws[-1]))
		return we;
	ls = scan_line_start(buf, ws);
	le = scan_line_end(we, end);
	if (scan_eq(ws, wn, "K3S_CLUSTER_SECRET")) {
		env_value(out, buf, ws, we, ls, le, end);
		return we;
	}
	if (scan_eq(ws, wn, "--cluster-secret")) {
		if (k3s_command_before(buf, ws, 0))
			flag_value(out, buf, end, ws, we, ls, le);
		return we;
	}
	for (size_t i = 0; i < wn && m < sizeof(norm); i++)
		if (ws[i] != '_' && ws[i] != '-')
			norm[m++] = (char)lc((unsigned char)ws[i]);
	if (m == 13 && !memcmp(norm, "clustersecret", 13))
		key_literal(out, buf, ws, we, ls, le, path_only, 0);
	else if (m == 16 && !memcmp(norm, "k3sclustersecret", 16))
		key_literal(out, buf, ws, we, ls, le, path_only, 1);
	return we;
}

/* p points at "-t". */
static const char *
at_short_flag(const char *buf, const char *p, const char *end, struct scan_hits *out)
{
	const char *ls, *le;

	if (p > buf && !is_blank(p[-1]) && p[-1] != '"' && p[-1] != '\'')
		return p + 2;
	if (p + 2 >= end || !(is_blank(p[2]) || p[2] == '=' || p[2] == '"' || p[2] == '\''))
		return p + 2;
	if (!k3s_command_before(buf, p, 1))
		return p + 2;
	ls = scan_line_start(buf, p);
	le = scan_line_end(p, end);
	flag_value(out, buf, end, p, p + 2, ls, le);
	return p + 2;
}

/* Leave out the hits from first on whose value is a repository's placeholder. */
static void
drop_repo_placeholders(const char *buf, struct scan_hits *out, size_t first)
{
	size_t i, j;

	for (i = j = first; i < out->n; i++)
		if (!scan_repo_placeholder(buf + out->v[i].off, out->v[i].len))
			out->v[j++] = out->v[i];
	out->n = j;
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct scan_hit *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	/* at one offset the rule that knows the context wins over the bare form */
	return (x->rule == SCAN_SECURE) - (y->rule == SCAN_SECURE);
}

void
scan_buffer(const char *buf, size_t len, int flags, struct scan_hits *out)
{
	const char *end = buf + len, *p = buf;
	size_t first = out->n, i, j;
	int ctx = flags & SCAN_PATH_CONTEXT, text_ctx = 0;

	/* pass 1: "K10" starts a secure token; "k3s" in any case gives context */
	while ((p = scan_pair_find(p, end, 'K', 'k', '1', '3'))) {
		if (p[1] == '1') {
			if (p[0] == 'K' && p + 2 < end && p[2] == '0')
				p = try_secure(buf, p, end, out);
			else
				p++;
			continue;
		}
		if (p + 2 < end && lc((unsigned char)p[2]) == 's')
			ctx = text_ctx = 1;
		p++;
	}
	if (ctx) {
		for (p = buf; (p = scan_pair_find(p, end, 't', 'T', 'o', 'O'));)
			p = (end - p >= 5 && scan_ci_eq(p, 5, "token")) ? at_token(buf, p, end, out, !text_ctx) : p + 1;
		for (p = buf; (p = scan_pair_find(p, end, '-', '-', 't', 't'));)
			p = at_short_flag(buf, p, end, out);
		for (p = buf; (flags & SCAN_REPOSITORY) && (p = scan_pair_find(p, end, '_', '-', 'S', 's'));)
			p = (end - p >= 7 && scan_ci_eq(p + 1, 6, "secret")) ?
			    at_cluster_secret(buf, p, end, out, !text_ctx) : p + 1;
		for (p = buf; (p = scan_pair_find(p, end, 'd', 'D', 'a', 'A'));)
			p = (end - p >= 9 && scan_ci_eq(p, 9, "datastore")) ?
			    scan_at_datastore(buf, p, end, out) : p + 1;
		for (p = buf; (p = scan_pair_find(p, end, ':', ':', '/', '/'));)
			p = (end - p >= 3 && p[2] == '/') ? scan_at_url(buf, p, end, out) : p + 1;
		if (text_ctx)
			scan_db_passwords(buf, end, out);
	}
	if (flags & SCAN_REPOSITORY)
		drop_repo_placeholders(buf, out, first);
	if (out->n - first < 2)
		return;
	qsort(out->v + first, out->n - first, sizeof(*out->v), hit_cmp);
	for (i = j = first; i < out->n; i++) {
		if (j > first && out->v[j - 1].off == out->v[i].off)
			continue;
		out->v[j++] = out->v[i];
	}
	out->n = j;
}
