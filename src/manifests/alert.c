/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert.c: alert sinks, one thread and one bounded queue each (see alert.h).
 *
 * The watch thread only formats and enqueues under a mutex held for a few
 * pointer moves; everything that can wait (a pipe, syslog, a child, HTTP)
 * happens on the sink's own thread.
 */
#include "core/k3sguard.h"
#include "manifests/alert.h"
#include "core/run.h"

#include <pthread.h>
#include <syslog.h>
#include <time.h>

#include <curl/curl.h>

enum sink_kind { SINK_STDOUT, SINK_SYSLOG, SINK_EXEC, SINK_ALERTMANAGER };

struct alert_sink {
	enum sink_kind kind;
	char *spec;		/* for messages */
	char *url;		/* alertmanager: the full .../api/v2/alerts */
	char **argv;		/* exec */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char **q;		/* ring of formatted payloads */
	size_t qmax, head, len;
	unsigned long dropped;	/* since the last report */
	int stop;
	int failing;		/* last delivery failed */
	CURL *curl;
};

int
alert_global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return error("cannot initialise libcurl");
	return 0;
}

static void
sink_log(const struct alert_sink *s, const char *fmt, ...) PRINTF(2, 3);

/* A daemon logs and goes on: one line on stderr (the journal). */
static void
sink_log(const struct alert_sink *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: alert sink '%s': %s\n", progname, s->spec, msg);
}

static char *
format_line(json_t *a)
{
	return json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
}

static const char *
jstr(json_t *a, const char *key)
{
	const char *s = json_string_value(json_object_get(a, key));

	return s ? s : "";
}

/* Alertmanager v2: a list of postableAlert (labels, annotations, startsAt). */
static char *
format_alertmanager(json_t *a)
{
	json_t *list = json_array(), *al = json_object(), *labels = json_object(),
	    *ann = json_object(), *chg = json_object_get(a, "change");
	struct buf summary = BUF_INIT, what = BUF_INIT;
	char *s;
	size_t i;
	json_t *v;

	json_array_foreach(chg, i, v) {
		if (i)
			buf_addch(&what, ',');
		buf_adds(&what, json_string_value(v) ? json_string_value(v) : "");
	}
	json_object_set_new(labels, "alertname", json_string("K3sManifestsDrift"));
	json_object_set_new(labels, "severity", json_string(jstr(a, "severity")));
	json_object_set_new(labels, "job", json_string("k3sguard"));
	json_object_set_new(labels, "instance", json_string(jstr(a, "host")));
	json_object_set_new(labels, "event", json_string(jstr(a, "event")));
	json_object_set_new(labels, "path", json_string(jstr(a, "path")));
	buf_addf(&summary, "%s %s in %s (%s)", jstr(a, "path"), jstr(a, "event"),
	    jstr(a, "dir"), what.len ? what.s : "-");
	json_object_set_new(ann, "summary", json_string(summary.s));
	json_object_set_new(ann, "description", json_string(
	    "Anyone who can write the K3s manifests directory is cluster-admin within "
	    "K3s's ~15 s poll: check who changed it (k3sguard manifests verify)."));
	json_object_set_new(ann, "change", json_string(what.s));
	json_object_set_new(ann, "old_sha256", json_string(jstr(a, "old_sha256")));
	json_object_set_new(ann, "new_sha256", json_string(jstr(a, "new_sha256")));
	json_object_set_new(ann, "action", json_string(jstr(a, "action")));
	json_object_set_new(al, "labels", labels);
	json_object_set_new(al, "annotations", ann);
	json_object_set_new(al, "startsAt", json_string(jstr(a, "time")));
	json_array_append_new(list, al);
	s = json_dumps(list, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(list);
	buf_release(&summary);
	buf_release(&what);
	return s;
}

static size_t
discard_body(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

static int
deliver(struct alert_sink *s, const char *payload)
{
	switch (s->kind) {
	case SINK_STDOUT:
		if (fputs(payload, stdout) == EOF || fputc('\n', stdout) == EOF ||
		    fflush(stdout) == EOF) {
			clearerr(stdout);
			sink_log(s, "cannot write: %s", strerror(errno));
			return -1;
		}
		return 0;
	case SINK_SYSLOG:
		syslog(LOG_AUTHPRIV | LOG_ALERT, "%s", payload);
		return 0;
	case SINK_EXEC: {
		struct run_opts o;
		int status = 0;

		memset(&o, 0, sizeof(o));
		o.argv = (const char *const *)s->argv;
		o.search_path = !strchr(s->argv[0], '/');
		char *line = xasprintf("%s\n", payload);

		o.in = line;
		o.in_len = strlen(line);
		o.timeout_ms = 10000;
		quiet_errors++;
		if (run_cmd(&o, &status) < 0) {
			quiet_errors--;
			free(line);
			sink_log(s, "%s", last_error());
			return -1;
		}
		quiet_errors--;
		free(line);
		if (status != 0) {
			sink_log(s, "'%s' exited with status %d", s->argv[0], status);
			return -1;
		}
		return 0;
	}
	case SINK_ALERTMANAGER: {
		struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
		long code = 0;
		CURLcode rc;

		curl_easy_reset(s->curl);
		curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
		curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, payload);
		curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, 5000L);
		curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
		curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, discard_body);
		rc = curl_easy_perform(s->curl);
		curl_slist_free_all(h);
		if (rc != CURLE_OK) {
			if (!s->failing)
				sink_log(s, "%s", curl_easy_strerror(rc));
			return -1;
		}
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
		if (code < 200 || code > 299) {
			if (!s->failing)
				sink_log(s, "Alertmanager answered HTTP %ld", code);
			return -1;
		}
		return 0;
	}
	}
	return -1;
}

static void
deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *
sink_thread(void *arg)
{
	struct alert_sink *s = arg;
	long backoff = 0;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		char *item;
		unsigned long dropped;
		int ok;

		while (!s->len && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->len)
			break;	/* stopping, queue drained */
		item = s->q[s->head];	/* stays queued until delivered */
		pthread_mutex_unlock(&s->mu);
		ok = deliver(s, item) == 0;
		pthread_mutex_lock(&s->mu);
		if (ok) {
			/* the item may have been dropped (and freed) while we sent it */
			if (s->len && s->q[s->head] == item) {
				s->head = (s->head + 1) % s->qmax;
				s->len--;
				free(item);
			}
			if (s->failing || s->dropped) {
				int was_failing = s->failing;

				dropped = s->dropped;
				s->dropped = 0;
				pthread_mutex_unlock(&s->mu);
				if (was_failing)
					sink_log(s, "delivering again");
				if (dropped)
					sink_log(s, "%lu alert%s dropped: queue full",
					    dropped, dropped == 1 ? "" : "s");
				pthread_mutex_lock(&s->mu);
			}
			s->failing = 0;
			backoff = 0;
			continue;
		}
		s->failing = 1;
		if (s->stop)
			break;	/* no retries once told to stop */
		backoff = backoff ? (backoff * 2 > 5000 ? 5000 : backoff * 2) : 100;
		{
			struct timespec ts;

			deadline_in(&ts, backoff);
			while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &ts) == 0)
				;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static char **
split_words(const char *s)
{
	char **v = NULL;
	size_t n = 0;

	while (*s) {
		const char *start;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		start = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		v = xrealloc(v, (n + 2) * sizeof(*v));
		v[n++] = xstrndup(start, (size_t)(s - start));
		v[n] = NULL;
	}
	return v;
}

int
alert_sink_add(struct alert_sinks *all, const char *spec, size_t queue_max)
{
	struct alert_sink *s = xcalloc(1, sizeof(*s));
	const char *rest;

	s->spec = xstrdup(spec);
	if (!strcmp(spec, "stdout")) {
		s->kind = SINK_STDOUT;
	} else if (!strcmp(spec, "syslog")) {
		s->kind = SINK_SYSLOG;
		openlog("k3sguard", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	} else if (starts_with(spec, "exec:", &rest)) {
		s->kind = SINK_EXEC;
		s->argv = split_words(rest);
		if (!s->argv) {
			free(s->spec);
			free(s);
			return error("alert sink 'exec:' needs a command");
		}
	} else if (starts_with(spec, "alertmanager:", &rest)) {
		size_t n = strlen(rest);

		if (!starts_with(rest, "http://", NULL) && !starts_with(rest, "https://", NULL)) {
			error("alert sink '%s': the Alertmanager URL must start with http:// or https://", spec);
			free(s->spec);
			free(s);
			return -1;
		}
		while (n && rest[n - 1] == '/')
			n--;
		s->kind = SINK_ALERTMANAGER;
		if (n >= 14 && !strncmp(rest + n - 14, "/api/v2/alerts", 14))
			s->url = xstrndup(rest, n);
		else
			s->url = xasprintf("%.*s/api/v2/alerts", (int)n, rest);
		if (!(s->curl = curl_easy_init()))
			fatal("cannot create a libcurl handle");
	} else {
		error("unknown alert sink '%s' (stdout, syslog, exec:CMD, alertmanager:URL)", spec);
		free(s->spec);
		free(s);
		return -1;
	}
	/*
	 * --queue bounds the remote sinks (a server or a program that may be
	 * down for long); the local ones get a larger bound so a burst of
	 * events is not lost on the journal.  At least 2: the head may be in
	 * flight and is never the one dropped.
	 */
	if (s->kind == SINK_STDOUT || s->kind == SINK_SYSLOG)
		queue_max = queue_max > ALERT_LOCAL_QUEUE ? queue_max : ALERT_LOCAL_QUEUE;
	s->qmax = queue_max < 2 ? 2 : queue_max;
	s->q = xcalloc(s->qmax, sizeof(*s->q));
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->thread, NULL, sink_thread, s) != 0)
		fatal("cannot start a thread for alert sink '%s'", spec);
	all->s = xrealloc(all->s, (all->n + 1) * sizeof(*all->s));
	all->s[all->n++] = s;
	return 0;
}

void
alert_emit(struct alert_sinks *all, json_t *alert)
{
	char *line = NULL;

	for (size_t i = 0; i < all->n; i++) {
		struct alert_sink *s = all->s[i];
		char *payload;

		if (s->kind == SINK_ALERTMANAGER) {
			if (!strcmp(jstr(alert, "severity"), "info"))
				continue;
			payload = format_alertmanager(alert);
		} else {
			if (!line)
				line = format_line(alert);
			payload = line ? xstrdup(line) : NULL;
		}
		if (!payload)
			continue;
		pthread_mutex_lock(&s->mu);
		if (s->len == s->qmax) {
			/* full: drop the oldest unless it is being delivered right now */
			size_t victim = s->head;

			if (s->qmax > 1)
				victim = (s->head + 1) % s->qmax;
			free(s->q[victim]);
			/* close the gap: shift the rest down by one */
			for (size_t k = victim; k != (s->head + s->len - 1) % s->qmax;
			    k = (k + 1) % s->qmax)
				s->q[k] = s->q[(k + 1) % s->qmax];
			s->len--;
			s->dropped++;
		}
		s->q[(s->head + s->len) % s->qmax] = payload;
		s->len++;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
	}
	free(line);
}

void
alert_sinks_stop(struct alert_sinks *all, int drain_ms)
{
	struct timespec end;

	/* give the queues a chance to drain, then stop */
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += drain_ms / 1000;
	for (size_t i = 0; i < all->n; i++) {
		struct alert_sink *s = all->s[i];

		for (;;) {
			struct timespec now;
			size_t len;
			int failing;

			pthread_mutex_lock(&s->mu);
			len = s->len;
			failing = s->failing;
			pthread_mutex_unlock(&s->mu);
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (!len || failing || now.tv_sec > end.tv_sec)
				break;
			nanosleep(&(struct timespec){ 0, 10000000L }, NULL);
		}
		pthread_mutex_lock(&s->mu);
		s->stop = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
	}
	for (size_t i = 0; i < all->n; i++) {
		struct alert_sink *s = all->s[i];

		pthread_join(s->thread, NULL);
		for (size_t k = 0; k < s->len; k++)
			free(s->q[(s->head + k) % s->qmax]);
		if (s->len)
			sink_log(s, "%zu alert%s not delivered at exit", s->len, s->len == 1 ? "" : "s");
		free(s->q);
		if (s->curl)
			curl_easy_cleanup(s->curl);
		for (char **a = s->argv; a && *a; a++)
			free(*a);
		free(s->argv);
		free(s->url);
		free(s->spec);
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		free(s);
	}
	free(all->s);
	all->s = NULL;
	all->n = 0;
}
