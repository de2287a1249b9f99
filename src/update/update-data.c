/* SPDX-License-Identifier: Apache-2.0 */
/* update-data.c: advisories and channels (see update-data.h). */
#include "core/k3sguard.h"
#include "core/config.h"
#include "update/update-data.h"

#include <curl/curl.h>
#include <jansson.h>

const char *
data_file(const char *name, const char *override, const char *config_key)
{
	static struct buf b;
	const char *cfg;
	char exe[PATH_MAX];
	ssize_t n;

	buf_reset(&b);
	if (override) {
		buf_adds(&b, override);
		return b.s;
	}
	if (config_key && (cfg = config_str(config_key, NULL))) {
		buf_adds(&b, cfg);
		return b.s;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		if ((slash = strrchr(exe, '/'))) {
			struct stat st;

			*slash = '\0';
			buf_addf(&b, "%s/../data/%s", exe, name);
			if (path_lstat(b.s, &st) == 0)
				return b.s;
		}
	}
	buf_reset(&b);
	buf_addf(&b, DATA_REFRESH_DIR "/%s", name);
	{
		struct stat st;

		/* what 'update refresh' wrote: newer than the packaged copy */
		if (path_lstat(b.s, &st) == 0)
			return b.s;
	}
	buf_reset(&b);
	buf_addf(&b, "/usr/local/share/k3sguard/%s", name);
	{
		struct stat st;

		/* k3sguard's own data: local paths, never under --root */
		if (path_lstat(b.s, &st) == 0)
			return b.s;
	}
	buf_reset(&b);
	buf_addf(&b, "/usr/share/k3sguard/%s", name);
	return b.s;
}

static int
json_load(const char *name, const char *text, size_t len, json_t **out)
{
	json_error_t je;

	*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!*out)
		return error("'%s' line %d: invalid JSON: %s", name, je.line, je.text);
	return 0;
}

static char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

static int
load_list(const char *path, json_t *root, const char *key, struct advisory **out, size_t *n)
{
	json_t *list = json_object_get(root, key), *it;
	size_t i;

	if (!json_is_array(list))
		return error("'%s': '%s' must be a list of advisories", path, key);
	*out = xcalloc(json_array_size(list) + 1, sizeof(**out));
	json_array_foreach(list, i, it) {
		struct advisory *a = &(*out)[i];
		json_t *fixed = json_object_get(it, "fixed"), *f;
		char *intro;
		size_t j;

		*n = i + 1;
		if (!json_is_object(it) || !(a->id = jstr(it, "id")) || !json_is_array(fixed) ||
		    !json_array_size(fixed))
			return error("'%s': %s[%zu] needs an \"id\" and a non-empty \"fixed\" list",
			    path, key, i);
		a->title = jstr(it, "title");
		a->severity = jstr(it, "severity");
		a->note = jstr(it, "note");
		a->condition = jstr(it, "condition");
		if (!a->title)
			a->title = xstrdup("");
		if (!a->severity)
			a->severity = xstrdup("high");
		if ((intro = jstr(it, "introduced"))) {
			int bad = version_parse(intro, &a->introduced) < 0;

			free(intro);
			if (bad)
				return error("'%s': %s \"introduced\" is not a version", path, a->id);
			a->has_introduced = 1;
		}
		a->fixed = xcalloc(json_array_size(fixed), sizeof(*a->fixed));
		json_array_foreach(fixed, j, f) {
			if (!json_is_string(f) || version_parse(json_string_value(f), &a->fixed[j]) < 0)
				return error("'%s': %s fixed[%zu] is not a version", path, a->id, j);
			a->nfixed = j + 1;
		}
	}
	return 0;
}

int
advisories_load(const char *path, struct advisories *a)
{
	struct buf data = BUF_INIT;
	int ret = -1;

	memset(a, 0, sizeof(*a));
	if (file_read(path, CONFIG_MAX, &data, NULL) == 0)
		ret = advisories_parse(path, data.s, data.len, a);
	buf_release(&data);
	return ret;
}

int
advisories_parse(const char *path, const char *text, size_t len, struct advisories *a)
{
	json_t *root = NULL, *schema;
	int ret = -1;

	memset(a, 0, sizeof(*a));
	a->path = xstrdup(path);
	if (json_load(path, text, len, &root) < 0)
		goto out;
	schema = json_object_get(root, "schema");
	if (!json_is_object(root) || !json_is_integer(schema) || json_integer_value(schema) != 1) {
		error("'%s': not a k3sguard advisory file (\"schema\": 1 expected)", path);
		goto out;
	}
	a->updated = jstr(root, "updated");
	if (load_list(path, root, "k3s", &a->k3s, &a->nk3s) < 0 ||
	    load_list(path, root, "traefik", &a->traefik, &a->ntraefik) < 0)
		goto out;
	ret = 0;
out:
	json_decref(root);
	if (ret < 0)
		advisories_free(a);
	return ret;
}

static void
free_list(struct advisory *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].id);
		free(l[i].title);
		free(l[i].severity);
		free(l[i].note);
		free(l[i].condition);
		free(l[i].fixed);
	}
	free(l);
}

void
advisories_free(struct advisories *a)
{
	free(a->path);
	free(a->updated);
	free_list(a->k3s, a->nk3s);
	free_list(a->traefik, a->ntraefik);
	memset(a, 0, sizeof(*a));
}

int
advisory_applies(const struct advisory *adv, const struct version *v)
{
	int later_fix = 0;

	if (adv->has_introduced && version_cmp(v, &adv->introduced) < 0)
		return 0;
	for (size_t i = 0; i < adv->nfixed; i++) {
		if (version_same_minor(v, &adv->fixed[i]))
			return version_cmp(v, &adv->fixed[i]) < 0;
		if (version_cmp(v, &adv->fixed[i]) < 0)
			later_fix = 1;
	}
	return later_fix;
}

int
channels_parse(const char *name, const char *text, size_t len, struct channels *out)
{
	json_t *root = NULL, *data, *it;
	size_t i;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	out->source = xstrdup(name);
	if (json_load(name, text, len, &root) < 0)
		goto out;
	/* not the channel server's: the date 'update refresh' fetched it */
	out->fetched = jstr(root, "fetched");
	data = json_object_get(root, "data");
	if (!json_is_object(root) || !json_is_array(data)) {
		error("'%s': no \"data\" list: not the channel server's format", name);
		goto out;
	}
	if (!json_array_size(data)) {
		error("'%s': the \"data\" list is empty", name);
		goto out;
	}
	out->c = xcalloc(json_array_size(data), sizeof(*out->c));
	json_array_foreach(data, i, it) {
		struct channel *c = &out->c[i];

		out->n = i + 1;
		if (!json_is_object(it) || !(c->id = jstr(it, "id"))) {
			error("'%s': data[%zu] has no \"id\"", name, i);
			goto out;
		}
		if (!(c->latest = jstr(it, "latest"))) {
			error("'%s': channel '%s' has no \"latest\"", name, c->id);
			goto out;
		}
		if (version_parse_k3s(c->latest, &c->v) < 0) {
			error("'%s': channel '%s': \"latest\" is not a K3s version", name, c->id);
			goto out;
		}
	}
	ret = 0;
out:
	json_decref(root);
	if (ret < 0)
		channels_free(out);
	return ret;
}

int
channels_load_file(const char *path, struct channels *out)
{
	struct buf data = BUF_INIT;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (file_read(path, CONFIG_MAX, &data, NULL) == 0)
		ret = channels_parse(path, data.s, data.len, out);
	buf_release(&data);
	return ret;
}

static size_t
curl_sink(char *p, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;

	if (b->len + n > CONFIG_MAX)
		return 0;	/* makes curl fail: the cap is an error */
	buf_add(b, p, n);
	return n;
}

int
https_get(const char *url, struct buf *body)
{
	CURL *h;
	CURLcode rc;
	long code = 0;
	int ret = -1;

	if (!starts_with(url, "https://", NULL))
		return error("'%s': data is fetched over https only", url);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || !(h = curl_easy_init()))
		return error("cannot initialise libcurl");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "k3sguard/" K3SGUARD_VERSION);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_sink);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	/* a private CA (a mirror of the channel server, or the tests' stand-in) */
	if (config_str("updates.ca-file", NULL))
		curl_easy_setopt(h, CURLOPT_CAINFO, config_str("updates.ca-file", NULL));
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	if (rc != CURLE_OK)
		error("cannot fetch '%s': %s", url, curl_easy_strerror(rc));
	else if (code != 200)
		error("cannot fetch '%s': HTTP %ld", url, code);
	else
		ret = 0;
	return ret;
}

int
channels_fetch(const char *url, struct channels *out)
{
	struct buf body = BUF_INIT;
	char today[16];
	time_t now = time(NULL);
	struct tm tm;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (https_get(url, &body) == 0 && (ret = channels_parse(url, body.s, body.len, out)) == 0 &&
	    !out->fetched && gmtime_r(&now, &tm) && strftime(today, sizeof(today), "%Y-%m-%d", &tm))
		out->fetched = xstrdup(today);
	buf_release(&body);
	return ret;
}

int
data_age_days(const char *date, time_t now, long *days)
{
	struct tm tm;
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (!date || !(end = strptime(date, "%Y-%m-%d", &tm)) || end - date != 10 ||
	    (*end && *end != 'T' && *end != ' '))
		return -1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	/* floor division: a date later today is age 0, tomorrow is -1 */
	*days = (long)((now - t) >= 0 ? (now - t) / 86400 : -((t - now + 86399) / 86400));
	return 0;
}

void
channels_free(struct channels *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->c[i].id);
		free(c->c[i].latest);
	}
	free(c->c);
	free(c->source);
	free(c->fetched);
	memset(c, 0, sizeof(*c));
}

const struct channel *
channels_find(const struct channels *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->c[i].id, id))
			return &c->c[i];
	return NULL;
}

/* The channel server's JSON with "fetched": today added, re-encoded. */
static int
channels_stamp(const char *url, const struct buf *body, struct buf *out)
{
	json_t *root = NULL;
	char today[16], *text = NULL;
	time_t now = time(NULL);
	struct tm tm;
	int ret = -1;

	if (json_load(url, body->s, body->len, &root) < 0)
		return -1;
	if (!gmtime_r(&now, &tm) || !strftime(today, sizeof(today), "%Y-%m-%d", &tm)) {
		error("cannot format today's date");
		goto out;
	}
	if (json_object_set_new(root, "fetched", json_string(today)) < 0 ||
	    !(text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER))) {
		error("'%s': cannot re-encode the channel data", url);
		goto out;
	}
	buf_adds(out, text);
	buf_addch(out, '\n');
	ret = 0;
out:
	free(text);
	json_decref(root);
	return ret;
}

/* Fetch and check the channel data into out (stamped). */
static int
refresh_channels(const char *url, struct buf *out)
{
	struct buf body = BUF_INIT;
	struct channels ch;
	int ret = -1;

	if (https_get(url, &body) < 0)
		goto out;
	if (channels_parse(url, body.s, body.len, &ch) < 0)
		goto out;
	channels_free(&ch);
	ret = channels_stamp(url, &body, out);
out:
	buf_release(&body);
	return ret;
}

/* Fetch and check an advisories feed into out (as fetched). */
static int
refresh_advisories(const char *url, struct buf *out)
{
	struct advisories adv;
	int ret = -1;

	if (https_get(url, out) < 0)
		return -1;
	if (advisories_parse(url, out->s, out->len, &adv) < 0)
		return -1;
	if (!adv.updated || data_age_days(adv.updated, time(NULL), &(long){ 0 }) < 0)
		error("'%s': no \"updated\" date (YYYY-MM-DD): refusing undated advisories", url);
	else
		ret = 0;
	advisories_free(&adv);
	return ret;
}

/* Write one checked file into dir, or say what would be written. */
static int
refresh_write(const struct refresh_opts *o, const char *name, const struct buf *data,
    const char *from)
{
	struct buf path = BUF_INIT;
	int ret = 0;

	buf_addf(&path, "%s/%s", o->dir, name);
	if (o->dry_run)
		printf("would write %s (%zu bytes, from %s)\n", path.s, data->len, from);
	else if ((ret = file_write_atomic(path.s, data->s, data->len, 0644)) == 0)
		printf("wrote %s (%zu bytes, from %s)\n", path.s, data->len, from);
	buf_release(&path);
	return ret;
}

int
data_refresh(const struct refresh_opts *o)
{
	struct buf ch = BUF_INIT, adv = BUF_INIT;
	int ret = -1;

	if (refresh_channels(o->channels_url, &ch) < 0)
		goto out;
	if (o->advisories_url && refresh_advisories(o->advisories_url, &adv) < 0)
		goto out;
	if (!o->dry_run && mkdir_p(o->dir, 0755) < 0)
		goto out;
	if (refresh_write(o, "channels.json", &ch, o->channels_url) < 0)
		goto out;
	if (o->advisories_url && refresh_write(o, "advisories.json", &adv, o->advisories_url) < 0)
		goto out;
	if (!o->advisories_url)
		printf("advisories: no feed set (--advisories-url or updates.advisories-url): "
		    "not refreshed\n");
	ret = 0;
out:
	buf_release(&ch);
	buf_release(&adv);
	return ret;
}
