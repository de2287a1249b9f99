/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.c: run the registry's checks into a struct report, and the table
 * of renderers (generated from src/report-<name>.c, see report.h).
 */
#include "core/k3sguard.h"
#include "report/report.h"
#include "core/gate.h"

#include <sys/stat.h>
#include <unistd.h>

const struct report_format report_formats[] = {
#define REPORT_FORMAT(name, fn, summary) { name, fn, summary },
#include "report-formats.inc"
#undef REPORT_FORMAT
};
const size_t nreport_formats = ARRAY_SIZE(report_formats);

const struct report_format *
report_format_find(const char *name)
{
	for (size_t i = 0; i < nreport_formats; i++)
		if (!strcmp(report_formats[i].name, name))
			return &report_formats[i];
	return NULL;
}

void
report_build(struct report *rp, const struct node *n, unsigned mask)
{
	size_t total = 0, k = 0;
	struct timespec t0, t1;

	memset(rp, 0, sizeof(*rp));
	rp->started = time(NULL);
	rp->node = n;
	rp->strategies = mask ? mask : (1u << nstrategies) - 1;
	for (size_t i = 0; i < nstrategies; i++)
		if (report_has_strategy(rp, i))
			total += *strategies[i].nchecks;
	rp->items = xcalloc(total ? total : 1, sizeof(*rp->items));
	for (size_t i = 0; i < nstrategies; i++) {
		if (!report_has_strategy(rp, i))
			continue;
		for (size_t j = 0; j < *strategies[i].nchecks; j++) {
			struct report_item *it = &rp->items[k++];

			it->strategy = &strategies[i];
			it->check = &strategies[i].checks[j];
			clock_gettime(CLOCK_MONOTONIC, &t0);
			check_run(it->check, n, &it->result);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			it->seconds = (double)(t1.tv_sec - t0.tv_sec) +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			rp->count[it->result.status]++;
		}
	}
	rp->nitems = k;
}

void
report_free(struct report *rp)
{
	for (size_t i = 0; i < rp->nitems; i++)
		check_result_release(&rp->items[i].result);
	free(rp->items);
	memset(rp, 0, sizeof(*rp));
}

int
report_has_strategy(const struct report *rp, size_t i)
{
	return i < nstrategies && (rp->strategies & (1u << i));
}

static void
phrase_add(struct phrases *p, const char *s)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i], s))
			return;
	p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	p->v[p->n++] = xstrdup(s);
}

void
report_fields(const struct report *rp, size_t si, struct phrases *impl, struct phrases *miss)
{
	struct buf b = BUF_INIT;

	memset(impl, 0, sizeof(*impl));
	memset(miss, 0, sizeof(*miss));
	for (size_t i = 0; i < rp->nitems; i++) {
		const struct report_item *it = &rp->items[i];

		if (it->strategy != &strategies[si])
			continue;
		switch (it->result.status) {
		case ST_PASS:
			phrase_add(impl, it->check->implemented);
			break;
		case ST_FAIL:
		case ST_WARN:
			phrase_add(miss, it->check->missing);
			break;
		case ST_WAIVED:
			buf_reset(&b);
			buf_addf(&b, "Accepted by a waiver (not verified): %s.", it->check->title);
			phrase_add(miss, b.s);
			break;
		case ST_ERROR:
			buf_reset(&b);
			buf_addf(&b, "Not determined (error): %s.", it->check->title);
			phrase_add(miss, b.s);
			break;
		default:
			break;
		}
	}
	buf_release(&b);
}

void
phrases_free(struct phrases *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

const char *
report_node_version(const struct report *rp)
{
	return rp->node->k3s_version ? rp->node->k3s_version : "unknown";
}

/* The node's name: K3s's node-name, else the host name (of the root). */
void
report_node_name(const struct report *rp, struct buf *out)
{
	const char *nn = node_get(rp->node, "node-name");
	struct stat st;
	char h[256];

	buf_reset(out);
	if (nn && nn[0]) {
		buf_adds(out, nn);
		return;
	}
	if (gate_root_is_host()) {
		if (gethostname(h, sizeof(h) - 1) == 0) {
			h[sizeof(h) - 1] = '\0';
			buf_adds(out, h);
		}
		return;
	}
	if (gate_lstat("/etc/hostname", &st) < 0 || !S_ISREG(st.st_mode) ||
	    gate_read("/etc/hostname", 256, out, &st) < 0)
		buf_reset(out);	/* no name: only a waiver without nodes applies */
	while (out->len && (out->s[out->len - 1] == '\n' || out->s[out->len - 1] == ' '))
		out->s[--out->len] = '\0';
}
