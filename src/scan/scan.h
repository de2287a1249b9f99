/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan.h: the rules that find hard-coded K3s tokens in a buffer.
 *
 * Contract:
 *  - scan_buffer() only reads the buffer; it keeps no pointer into it and
 *    allocates nothing per line (hits go into a caller-owned vector that is
 *    reused from file to file);
 *  - a hit carries the value's offset and length for locating it, and a
 *    description made by token_describe() (or, for a datastore password, its
 *    fingerprint): the secret itself is never copied out;
 *  - placeholders and references (<token>, ${VAR}, $VAR, $(cmd), {{ x }},
 *    xxx, ..., changeme, a *_FILE path, an Ansible !vault value) are not hits.
 *
 * Speed: the whole buffer is first searched for two-byte literals that every
 * rule needs ("K1" for K10..., "k3"/"K3" for any K3s context) with a SIMD
 * search; the line-oriented rules run only on files that have K3s context.
 */
#ifndef K3SGUARD_SCAN_H
#define K3SGUARD_SCAN_H

#include <stddef.h>

enum scan_rule {
	SCAN_SECURE,		/* K10<CA hash>::<creds> anywhere */
	SCAN_ENV,		/* K3S_TOKEN=, K3S_AGENT_TOKEN= (env files, units, shell, Dockerfile) */
	SCAN_FLAG,		/* --token/-t/--agent-token in a K3s command line */
	SCAN_CONFIG,		/* token:/agent-token: keys (K3s config, Ansible, Terraform) */
	SCAN_DATASTORE,		/* a password in a datastore endpoint URL */
	SCAN_NRULES
};

enum scan_severity { SCAN_HIGH, SCAN_CRITICAL };

struct scan_rule_info {
	const char *id;
	const char *name;		/* SARIF rule name (PascalCase) */
	const char *summary;		/* one line */
	const char *help;		/* what to do about it */
	enum scan_severity severity;	/* default; a hit may raise it */
};

extern const struct scan_rule_info scan_rules[SCAN_NRULES];

struct scan_hit {
	size_t off;			/* of the secret value in the buffer */
	size_t len;
	enum scan_rule rule;
	enum scan_severity severity;
	char desc[128];			/* redacted: form and fingerprint */
	char fingerprint[13];		/* sha256(password)[:12] */
};

struct scan_hits {
	struct scan_hit *v;
	size_t n, cap;
};

/* Flags of scan_buffer()'s third argument. */
#define SCAN_PATH_CONTEXT	1	/* the path names K3s (scan_path_context()) */
#define SCAN_REPOSITORY		2	/* a repository, not a node's files: also the
					 * names K3s no longer reads (K3S_CLUSTER_SECRET,
					 * --cluster-secret), which `k3sguard fix` must
					 * not move into the token store */

/*
 * Append the hits in buf[0..len) to out, sorted by offset, one per value.
 * flags: SCAN_PATH_CONTEXT: the file's path marks it as K3s's (k3s or
 * rancher in it), so YAML token: keys count even when the text never says
 * "k3s" (1, as node callers pass, is just that); SCAN_REPOSITORY.
 */
void scan_buffer(const char *buf, size_t len, int flags, struct scan_hits *out);

/* 1 when the path names something of K3s's ("k3s" or "rancher" in it). */
int scan_path_context(const char *path);

/* 1 when value is a placeholder or a reference, not a secret. */
int scan_is_placeholder(const char *v, size_t n);

/*
 * 1 when value is a placeholder in a repository's text (SCAN_REPOSITORY):
 * words without a digit that ask to be replaced ("replace-me",
 * "insert-token-here", "fakeToken") or the field's own name ("token").
 */
int scan_repo_placeholder(const char *v, size_t n);

void scan_hits_release(struct scan_hits *h);

/* One more (zeroed) hit at the end of h, grown as needed. */
struct scan_hit *scan_hit_add(struct scan_hits *h);
/* Case-insensitive: s[0..n) equals the lowercase word w. */
int scan_ci_eq(const char *s, size_t n, const char *w);

/* ---- value provenance (scan-value.c), used by the rules ---- */

struct scan_value {
	const char *v;		/* the value, without quotes */
	size_t n;
	const char *le;		/* end of its line */
	int quoted;		/* written as a string literal */
	int spaced_eq;		/* after " = ", ":=" or "=>" */
	int key_quoted;		/* after a quoted key ("token": ...) */
	int subscript;		/* the key is a subscript: env["K3S_TOKEN"] = ... */
	int argument;		/* the next argument of a call: Setenv("K3S_TOKEN", ...) */
};

/*
 * 1 for a namespaced type name: three or more short words, each starting
 * with a letter, joined by single colons (Pulumi's "pulumi:providers:k3s",
 * "k3s:index:Cluster").  Read as a name only under a quoted key (a JSON or
 * dict entry of SDK code): a K3s token may be any string, and a node's
 * config.yaml "token: my:cluster:secret" is a token all the same.
 */
int scan_type_name(const char *v, size_t n);

/* 1 when the value is code (a call, identifier, field, nil), not a literal. */
int scan_value_is_code(const struct scan_value *sv);

/* 1 when p on the line starting at ls is inside a {{ ... }} expression. */
int scan_in_template(const char *ls, const char *p);

/*
 * A literal handed to a value wrapper at q (pulumi.secret("..."),
 * pulumi.interpolate`...`, sensitive("...")): 0 with it in *v, *n, or -1.
 */
int scan_wrapped_literal(const char *q, const char *le, const char **v, size_t *n);

/*
 * 1 when the identifier s[0..n) names a K3s token (token, cluster_token,
 * k3s_control_token, agentToken, ...); *k3s_named: "k3s" is in the name.
 */
int scan_token_name(const char *s, size_t n, int *k3s_named);

#endif
