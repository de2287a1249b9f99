/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert.h: alert sinks for `manifests watch`.
 *
 * An alert is a JSON object (jansson).  alert_emit() hands it to every sink
 * and MUST NOT block: each sink has its own thread and a bounded queue; when
 * the queue is full the oldest alert is dropped (and the drop counted and
 * reported once the sink works again).  A failed delivery is retried with
 * a backoff (100 ms doubling to 5 s) while newer alerts wait behind it.
 *
 * Sinks: "stdout" (one JSON line), "syslog" (LOG_AUTHPRIV, one JSON line),
 * "exec:CMD ARGS" (CMD run without a shell, the JSON line on stdin, exit 0
 * = delivered), "alertmanager:URL" (Alertmanager v2 API, POST
 * URL/api/v2/alerts, alerts of severity info are not sent).
 */
#ifndef K3SGUARD_ALERT_H
#define K3SGUARD_ALERT_H

#include <stddef.h>

#include <jansson.h>

/* Queue bound of the local sinks (stdout, syslog) whatever --queue says. */
#define ALERT_LOCAL_QUEUE 65536

struct alert_sink;

struct alert_sinks {
	struct alert_sink **s;
	size_t n;
};

/* Parse spec and start its thread; -1 (error()) for a bad spec. */
int alert_sink_add(struct alert_sinks *all, const char *spec, size_t queue_max);
/* Queue a copy of the alert for every sink (never blocks on a sink). */
void alert_emit(struct alert_sinks *all, json_t *alert);
/* Deliver what is queued (up to drain_ms), stop the threads, free. */
void alert_sinks_stop(struct alert_sinks *all, int drain_ms);

/* Called once before any thread starts (libcurl global state). */
int alert_global_init(void);

#endif
