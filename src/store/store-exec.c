/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-exec.c: the exec backend of the secret store.
 *
 * Values live in whatever the helper program reaches (pass, Vault, a cloud
 * secret manager); k3sguard keeps only metadata, STORE_DIR/NAME.meta (JSON,
 * 0600, no value in it).  The helper protocol, in the style of git
 * credential helpers (man k3sguard, SECRET STORE):
 *
 *   HELPER get KEY      prints the value on stdout, exit 0
 *   HELPER store KEY    reads the value on stdin, exit 0
 *   HELPER erase KEY    forgets it, exit 0
 *
 * KEY is NAME/VERSION ("server-token/3").  Any other exit is a failure.
 * Invariants: the value goes only through the child's stdin/stdout pipes;
 * argv holds the verb and KEY, the environment only PATH, LC_ALL, HOME and
 * the variables named in store.helper-env; the helper MUST be a trusted
 * file (owned by root or us, not group/other writable).
 */
#include "core/k3sguard.h"
#include "core/config.h"
#include "core/gate.h"
#include "store/host-config.h"
#include "core/run.h"
#include "core/secret.h"
#include "store/store-backend.h"

#include <jansson.h>

#define HELPER_TIMEOUT_MS 30000

static const char *
helper_path(void)
{
	const struct ynode *n = host_config("store.helper");
	const char *h = n ? yscalar(n) : NULL;
	struct stat st;

	if (!h || h[0] != '/') {
		error("store.backend is 'exec' but store.helper is %s in '%s'%s",
		    h ? "not an absolute path" : "not set", host_config_path(),
		    gate_root_is_host() ? "" : " (this host's config: the image's is not used "
		    "for programs)");
		return NULL;
	}
	/* a program of this host, run as such: not a node path */
	if (path_lstat(h, &st) < 0) {
		error_errno("cannot examine store helper '%s'", h);
		return NULL;
	}
	if (S_ISLNK(st.st_mode)) {
		error("store helper '%s' is a symlink: name the program itself", h);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
		error("store helper '%s' is not an executable file", h);
		return NULL;
	}
	if (file_trusted(&st, h) < 0)
		return NULL;
	return h;
}

static void
helper_env(struct buf *store, const char ***envp)
{
	const struct ynode *names = host_config("store.helper-env");
	const char *home = getenv("HOME");
	size_t n = 0, max = 3 + (names && names->type == Y_SEQ ? names->n : 0);
	const char **e = xcalloc(max + 1, sizeof(*e));
	size_t *offs = xcalloc(max + 1, sizeof(*offs));

	buf_reset(store);
	offs[n++] = store->len;
	buf_adds(store, "PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin");
	buf_addch(store, '\0');
	offs[n++] = store->len;
	buf_adds(store, "LC_ALL=C");
	buf_addch(store, '\0');
	offs[n++] = store->len;
	buf_addf(store, "HOME=%s", home && *home ? home : "/root");
	buf_addch(store, '\0');
	if (names && names->type == Y_SEQ) {
		for (size_t i = 0; i < names->n; i++) {
			const char *k = yscalar(names->vals[i]), *v = k ? getenv(k) : NULL;

			if (!v || !strcmp(k, "PATH") || !strcmp(k, "HOME") || !strncmp(k, "K3S_", 4))
				continue;
			offs[n++] = store->len;
			buf_addf(store, "%s=%s", k, v);
			buf_addch(store, '\0');
		}
	}
	for (size_t i = 0; i < n; i++)
		e[i] = store->s + offs[i];
	free(offs);
	*envp = e;
}

static int
helper_run(const char *verb, const char *name, unsigned version, const void *in,
    size_t in_len, struct buf *out)
{
	const char *h = helper_path(), **envp = NULL;
	struct buf key = BUF_INIT, envs = BUF_INIT, err = BUF_INIT;
	int status, ret = -1;

	if (!h)
		return -1;
	buf_addf(&key, "%s/%u", name, version);
	helper_env(&envs, &envp);
	{
		const char *argv[] = { h, verb, key.s, NULL };
		struct run_opts o = {
			.argv = argv, .envp = envp, .in = in, .in_len = in_len,
			.out = out, .out_cap = STORE_VALUE_MAX, .err = &err,
			.timeout_ms = HELPER_TIMEOUT_MS,
		};

		if (run_cmd(&o, &status) < 0)
			goto out;
	}
	if (status != 0) {
		/* the helper's stderr is not repeated: it might echo a value */
		error("store helper '%s' failed (exit %d) on '%s %s'", h, status, verb, key.s);
		goto out;
	}
	ret = 0;
out:
	free(envp);
	buf_release(&key);
	buf_release(&envs);
	buf_wipe(&err);
	return ret;
}

int
sexec_get(const char *name, unsigned version, struct buf *out)
{
	secret_buf_reserve(out, STORE_VALUE_MAX + 1);
	if (helper_run("get", name, version, NULL, 0, out) < 0) {
		buf_wipe(out);
		return -1;
	}
	secret_chomp(out);
	if (!out->len) {
		buf_wipe(out);
		return error("store helper '%s' printed nothing for '%s/%u'",
		    helper_path(), name, version);
	}
	return 0;
}

int
sexec_store(const char *name, unsigned version, const void *val, size_t len)
{
	return helper_run("store", name, version, val, len, NULL);
}

int
sexec_erase(const char *name, unsigned version)
{
	return helper_run("erase", name, version, NULL, 0, NULL);
}

int
sexec_load(const char *name, struct sset *s)
{
	const char *node_path = sfile_path(name, ".meta");
	char *path = xstrdup(root_path(node_path));
	struct buf raw = BUF_INIT;
	json_error_t je;
	json_t *j = NULL, *vs;
	struct stat st;
	int ret = -1;

	snprintf(s->name, sizeof(s->name), "%s", name);
	if (gate_lstat(node_path, &st) < 0 && errno == ENOENT) {
		ret = 1;
		goto out;
	}
	if (store_read_node(node_path, CONFIG_MAX, &raw, &st) < 0 || file_trusted(&st, path) < 0)
		goto out;
	j = json_loadb(raw.s, raw.len, JSON_REJECT_DUPLICATES, &je);
	vs = j ? json_object_get(j, "versions") : NULL;
	if (!j || !json_is_array(vs) || !json_is_string(json_object_get(j, "name")) ||
	    strcmp(json_string_value(json_object_get(j, "name")), name) != 0) {
		error("'%s' line %d: not a k3sguard metadata file for '%s'", path,
		    j ? 0 : je.line, name);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(vs); i++) {
		json_t *v = json_array_get(vs, i);
		json_int_t ver = json_integer_value(json_object_get(v, "version"));
		const char *state = json_string_value(json_object_get(v, "state"));
		const char *fp = json_string_value(json_object_get(v, "fingerprint"));
		const char *note = json_string_value(json_object_get(v, "note"));
		struct srec *r;

		if (ver < 1 || ver > UINT32_MAX || !state || !fp || strlen(fp) != 12 ||
		    !json_is_integer(json_object_get(v, "created"))) {
			error("'%s': version entry %zu is malformed", path, i + 1);
			goto out;
		}
		r = sset_add(s);
		r->m.version = (unsigned)ver;
		r->m.created = json_integer_value(json_object_get(v, "created"));
		if (store_state_parse(state, &r->m.state) < 0) {
			error("'%s': unknown state '%s'", path, state);
			goto out;
		}
		memcpy(r->m.fingerprint, fp, 13);
		snprintf(r->m.note, sizeof(r->m.note), "%s", note ? note : "");
	}
	ret = 0;
out:
	if (ret < 0)
		sset_free(s);
	json_decref(j);
	buf_release(&raw);
	free(path);
	return ret;
}

int
sexec_save(const struct sset *s)
{
	char *path = xstrdup(sfile_path(s->name, ".meta"));
	json_t *j = json_object(), *vs = json_array();
	char *text = NULL;
	int ret = -1;

	json_object_set_new(j, "name", json_string(s->name));
	json_object_set_new(j, "backend", json_string("exec"));
	for (size_t i = 0; i < s->n; i++) {
		const struct store_meta *m = &s->v[i].m;

		json_array_append_new(vs, json_pack("{s:I,s:I,s:s,s:s,s:s}",
		    "version", (json_int_t)m->version, "created", (json_int_t)m->created,
		    "state", store_state_name(m->state), "fingerprint", m->fingerprint,
		    "note", m->note));
	}
	json_object_set_new(j, "versions", vs);
	text = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (!text)
		fatal("out of memory (json)");
	if (gate_mkdir_p(STORE_DIR, 0700) < 0)
		goto out;
	ret = gate_write_atomic(path, text, strlen(text), 0600);
out:
	free(text);
	json_decref(j);
	free(path);
	return ret;
}
