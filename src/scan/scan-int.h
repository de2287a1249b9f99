/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-int.h: what the files of src/scan/ share and nothing else sees:
 * byte classes and the line and key/value readers of scan.c, and the
 * datastore rules of scan-datastore.c.  Every pointer pair is a range of
 * the scanned buffer (not NUL-terminated); nothing here allocates.
 */
#ifndef K3SGUARD_SCAN_INT_H
#define K3SGUARD_SCAN_INT_H

#include <stddef.h>

#include "scan/scan.h"

static inline int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static inline int
is_keych(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static inline int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static inline int
is_hexch(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Characters that end an unquoted value. */
static inline int
is_stop(int c)
{
	return c <= ' ' || c == 0x7f || c == '"' || c == '\'' || c == '`' || c == ';' ||
	    c == ',' || c == ')' || c == ']' || c == '}' || c == '|' || c == '&' || c == '\\';
}

static inline int
is_cred_stop(int c)
{
	return c <= ' ' || c == 0x7f || c == '"' || c == '\'' || c == '`' || c == ';' ||
	    c == ',' || c == ')' || c == ']' || c == '}' || c == '|' || c == '&' || c == '\\';
}

/* ---- scan.c (lines) and scan-key.c (keys and values) ---- */

/* The first p in [s, e) with p[0] in {a1, a2} and p[1] in {b1, b2}, or NULL. */
const char *scan_pair_find(const char *s, const char *e, unsigned char a1, unsigned char a2,
    unsigned char b1, unsigned char b2);
int scan_eq(const char *s, size_t n, const char *w);
/* case-insensitive search of the lowercase word w in [s, e) */
const char *scan_ci_find(const char *s, const char *e, const char *w);
const char *scan_line_start(const char *buf, const char *p);
const char *scan_line_end(const char *p, const char *end);
const char *scan_skip_blanks(const char *q, const char *le);
/* The value at q (quoted or not) up to le; 0, or -1 when there is none. */
int scan_parse_value(const char *q, const char *le, const char **vs, size_t *vn);
/* After a key at [ws, we): an optional closing quote, blanks, one of seps. */
const char *scan_after_key(const char *ws, const char *we, const char *ls, const char *le,
    const char *seps);
/* The key at ws stands where a key or a declaration stands. */
int scan_decl_position(const char *ws, const char *ls);
/* The separator after a key: where the value starts (sv's flags set), or NULL. */
const char *scan_key_sep(const char *ws, const char *we, const char *ls, const char *le,
    struct scan_value *sv);

/* ---- scan-key.c ---- */

/* A type annotation "name : Type = value": the value after the '=' (or q). */
const char *scan_past_annotation(const char *q, const char *le, struct scan_value *sv);
/* The name at [ws, we) follows def/func/function and says k3s ... token. */
int scan_token_function(const char *ws, const char *we, const char *ls);
/* The key at ws ends a dotted path standing where a key stands: its start. */
const char *scan_dotted_target(const char *ws, const char *ls);

/*
 * The name at [ws, we) is the value of a "name" key (- name: K3S_TOKEN, then
 * value: ... on its line or the next): where the value starts, its line's
 * end in *vle; or NULL.
 */
const char *scan_name_value(const char *ws, const char *we, const char *ls, const char *le,
    const char *end, const char **vle);

/* ---- scan-datastore.c ---- */

/* p points at "datastore" (any case); returns where to go on. */
const char *scan_at_datastore(const char *buf, const char *p, const char *end,
    struct scan_hits *out);
/* p points at "://"; returns where to go on. */
const char *scan_at_url(const char *buf, const char *p, const char *end, struct scan_hits *out);
/*
 * In a text that names a K3s datastore endpoint: literal values of variables
 * named for the datastore's password (db_pass = "...", MYSQL_PASSWORD: ...).
 */
void scan_db_passwords(const char *buf, const char *end, struct scan_hits *out);

#endif
