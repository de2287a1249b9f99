/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-datastore.c: the datastore rules of `k3sguard scan` (see scan.h):
 * passwords in datastore endpoint URLs (--datastore-endpoint,
 * K3S_DATASTORE_ENDPOINT, mysql/postgres URLs in K3s context).
 *
 * Invariants (those of scan.c): only the fingerprint of a password leaves
 * here; every read stays inside the buffer; no allocation per line.
 */
#include "core/k3sguard.h"
#include "scan/scan.h"
#include "scan/scan-int.h"
#include "token/token.h"

/* ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), at most 16 bytes. */
static int
scheme_ok(const char *v, size_t n)
{
	if (!n || n > 16 || !isalpha((unsigned char)v[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && !strchr("+-.", v[i]))
			return 0;
	return 1;
}

/*
 * A documentation endpoint: the password or the host is a word that names
 * the field (postgres://username:password@hostname:port/db).
 */
static int
doc_endpoint(const char *pw, size_t pn, const char *host, const char *ve)
{
	static const char *const pw_words[] = {
		"password", "passwd", "pass", "pwd", "secret", "mypassword", "yourpassword",
	};
	static const char *const host_words[] = {
		"hostname", "host", "dbhost", "db-host", "db_host", "server", "address",
	};
	const char *h = host, *he;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pw_words); i++)
		if (scan_ci_eq(pw, pn, pw_words[i]))
			return 1;
	if (ve - h > 4 && !memcmp(h, "tcp(", 4))
		h += 4;
	for (he = h; he < ve && *he != ':' && *he != '/' && *he != ')'; he++)
		;
	/* a port that is a word: ":port" */
	if (he < ve && *he == ':' && he + 1 < ve && isalpha((unsigned char)he[1]))
		return 1;
	/* a host that is a word, without a port number ("@host/db") */
	if (he < ve && *he == ':')
		return 0;
	for (i = 0; i < ARRAY_SIZE(host_words); i++)
		if (scan_ci_eq(h, (size_t)(he - h), host_words[i]))
			return 1;
	return 0;
}

/* A datastore password at [pw, pw + pn): a hit with its fingerprint only. */
static void
add_password(struct scan_hits *out, const char *buf, const char *pw, size_t pn,
    const char *scheme, size_t scheme_len)
{
	char fp[65];
	struct scan_hit *hit;

	hit = scan_hit_add(out);
	hit->off = (size_t)(pw - buf);
	hit->len = pn;
	hit->rule = SCAN_DATASTORE;
	hit->severity = SCAN_CRITICAL;
	sha256_hex(pw, pn, fp);
	memcpy(hit->fingerprint, fp, 12);
	hit->fingerprint[12] = '\0';
	snprintf(hit->desc, sizeof(hit->desc), "%.*s%sdatastore password (fingerprint %s)",
	    (int)scheme_len, scheme, scheme_len ? " " : "", hit->fingerprint);
	explicit_bzero(fp, sizeof(fp));
}

/* The password of scheme://user:password@host..., or nothing. */
static void
endpoint_password(struct scan_hits *out, const char *buf, const char *v, size_t n)
{
	const char *ve = v + n, *u, *at = NULL, *colon, *s;
	size_t pn, scheme_len;

	for (s = v; s + 3 <= ve; s++)
		if (!memcmp(s, "://", 3))
			break;
	if (s + 3 > ve)
		return;
	scheme_len = (size_t)(s - v);
	u = s + 3;
	for (s = u; s < ve; s++)
		if (*s == '@')
			at = s;
	if (!at || !(colon = memchr(u, ':', (size_t)(at - u))))
		return;
	pn = (size_t)(at - colon - 1);
	if (scan_is_placeholder(colon + 1, pn) || doc_endpoint(colon + 1, pn, at + 1, ve))
		return;
	/* the scheme is shown only when it is one (RFC 3986): no secret text */
	if (!scheme_ok(v, scheme_len))
		scheme_len = 0;
	add_password(out, buf, colon + 1, pn, v, scheme_len);
}

/* p points at "datastore" (any case). */
const char *
scan_at_datastore(const char *buf, const char *p, const char *end, struct scan_hits *out)
{
	const char *ws = p, *we = p + 9, *ls, *le, *q, *v;
	size_t n, wn;

	while (ws > buf && is_keych((unsigned char)ws[-1]))
		ws--;
	while (we < end && is_keych((unsigned char)*we))
		we++;
	wn = (size_t)(we - ws);
	if (ws > buf && (ws[-1] == '$' || ws[-1] == '{'))
		return we;
	ls = scan_line_start(buf, ws);
	le = scan_line_end(we, end);
	if (scan_eq(ws, wn, "K3S_DATASTORE_ENDPOINT") || scan_eq(ws, wn, "datastore-endpoint")) {
		if (!(q = scan_after_key(ws, we, ls, le, "=:")))
			return we;
	} else if (scan_eq(ws, wn, "--datastore-endpoint")) {
		q = we;
		if (q < le && *q == '=')
			q++;
		else if (q < le && is_blank(*q))
			q = scan_skip_blanks(q, le);
		else
			return we;
	} else {
		return we;
	}
	if (scan_parse_value(q, le, &v, &n) == 0)
		endpoint_password(out, buf, v, n);
	return we;
}

/* Schemes of the SQL datastores K3s takes (kine): mysql, postgres. */
static const char *const db_schemes[] = { "mysql", "postgres", "postgresql", "pgsql" };

/*
 * Whose URL it is, from the line before it: one that names the datastore
 * or K3s (DATASTORE=, datastore :=, --datastore-endpoint, INSTALL_K3S_EXEC)
 * or a bare URL (a command, a list item, prose) is K3s's; one assigned to
 * another key (DATABASE_URL: in a K3s playbook) belongs to another service.
 */
static int
datastore_url_line(const char *ls, const char *s)
{
	if (scan_ci_find(ls, s, "datastore") || scan_ci_find(ls, s, "k3s"))
		return 1;
	for (const char *q = ls; q < s; q++)
		if (*q == '=' || (*q == ':' && q + 1 < s && is_blank(q[1])))
			return 0;
	return 1;
}

/* p points at "://": a datastore URL with a password, wherever it is. */
const char *
scan_at_url(const char *buf, const char *p, const char *end, struct scan_hits *out)
{
	const char *s = p, *e;
	size_t i;

	while (s > buf && isalpha((unsigned char)s[-1]))
		s--;
	for (i = 0; i < ARRAY_SIZE(db_schemes); i++)
		if (scan_ci_eq(s, (size_t)(p - s), db_schemes[i]))
			break;
	if (i == ARRAY_SIZE(db_schemes) || (s > buf && is_alnum((unsigned char)s[-1])))
		return p + 3;
	if (!datastore_url_line(scan_line_start(buf, s), s))
		return p + 3;
	for (e = p + 3; e < end && !is_cred_stop((unsigned char)*e); e++)
		;
	endpoint_password(out, buf, s, (size_t)(e - s));
	return e;
}


/*
 * The name of a datastore password's variable: an optional "k3s", a word
 * for the database (db, database, datastore, mysql, postgres, rds, ...), an
 * optional role (root, admin, master, user), then pass/password/passwd/pwd:
 * db_pass, K3S_DATASTORE_PASSWORD, MYSQL_ROOT_PASSWORD, postgresPassword.
 */
static int
db_password_name(const char *s, size_t n)
{
	static const char *const db[] = {
		"datastore", "database", "db", "mysql", "mariadb", "postgresql", "postgres",
		"pg", "rds", "sql", "kine",
	};
	static const char *const role[] = { "root", "admin", "master", "user", "" };
	static const char *const pass[] = { "password", "passwd", "pass", "pwd" };
	char norm[64];
	size_t m = 0, k = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '_' || s[i] == '-')
			continue;
		if (m == sizeof(norm))
			return 0;
		norm[m++] = (char)lc((unsigned char)s[i]);
	}
	if (m > 3 && !memcmp(norm, "k3s", 3))
		k = 3;
	for (size_t i = 0; i < ARRAY_SIZE(db); i++) {
		size_t d = strlen(db[i]);

		if (m - k < d || memcmp(norm + k, db[i], d))
			continue;
		for (size_t r = 0; r < ARRAY_SIZE(role); r++) {
			size_t rl = strlen(role[r]), at = k + d + rl;

			if (m < at || memcmp(norm + k + d, role[r], rl))
				continue;
			for (size_t j = 0; j < ARRAY_SIZE(pass); j++)
				if (m - at == strlen(pass[j]) && !memcmp(norm + at, pass[j], m - at))
					return 1;
		}
	}
	return 0;
}

/* p points at "pass" (any case): a datastore password variable's literal. */
static const char *
at_db_password(const char *buf, const char *p, const char *end, struct scan_hits *out)
{
	struct scan_value sv = { 0 };
	const char *ws = p, *we = p + 4, *ls, *le, *q, *v;
	size_t n;

	while (ws > buf && is_keych((unsigned char)ws[-1]))
		ws--;
	while (we < end && is_keych((unsigned char)*we))
		we++;
	if (ws > buf && (ws[-1] == '$' || ws[-1] == '{' || ws[-1] == '.'))
		return we;	/* a reference: $DB_PASSWORD, var.db_pass */
	if (!db_password_name(ws, (size_t)(we - ws)))
		return we;
	ls = scan_line_start(buf, ws);
	le = scan_line_end(we, end);
	if (!scan_decl_position(ws, ls) || scan_in_template(ls, ws))
		return we;
	if (!(q = scan_key_sep(ws, we, ls, le, &sv)) || sv.argument ||
	    scan_parse_value(q, le, &v, &n) < 0)
		return we;
	sv.v = v;
	sv.n = n;
	sv.le = le;
	sv.quoted = v > q;
	if (!scan_value_is_code(&sv) && !scan_is_placeholder(v, n))
		add_password(out, buf, v, n, "", 0);
	return we;
}

/*
 * 1 when the text names a K3s datastore endpoint: "datastore" or K3s's
 * older "storage-endpoint" (storage_endpoint, storageEndpoint).
 */
static int
names_datastore(const char *buf, const char *end)
{
	const char *p;

	for (p = buf; (p = scan_pair_find(p, end, 'd', 'D', 'a', 'A')); p++)
		if (end - p >= 9 && scan_ci_eq(p, 9, "datastore"))
			return 1;
	for (p = buf; (p = scan_pair_find(p, end, 's', 'S', 't', 'T')); p++)
		if (end - p >= 15 && scan_ci_eq(p, 7, "storage") &&
		    (p[7] == '-' || p[7] == '_' || p[7] == 'E' || p[7] == 'e') &&
		    scan_ci_find(p + 7, p + 16 <= end ? p + 16 : end, "endpoint"))
			return 1;
	return 0;
}

void
scan_db_passwords(const char *buf, const char *end, struct scan_hits *out)
{
	const char *p;

	if (!names_datastore(buf, end))
		return;
	for (p = buf; (p = scan_pair_find(p, end, 'p', 'P', 'a', 'A'));)
		p = (end - p >= 4 && scan_ci_eq(p, 4, "pass")) ? at_db_password(buf, p, end, out) : p + 1;
}
