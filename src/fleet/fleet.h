/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fleet.h: one report for a cluster from the nodes' JSON reports
 * (`audit --format json`, docs/audit.schema.json).
 *
 * fleet_add() reads one node report; fleet_finish() builds the
 * node-by-check matrix (nodes worst first: errors, then failures by
 * severity, then warnings) and runs the checks across nodes that no single
 * node can make (fleet-cross.c).  A cross-node check whose data is missing
 * from a report (an older k3sguard, a file the node could not read) is
 * "error" naming the node and the field: unknown never passes.
 */
#ifndef K3SGUARD_FLEET_H
#define K3SGUARD_FLEET_H

#include <stdio.h>

#include <jansson.h>

#include "checks/check.h"
#include "core/buf.h"

#define FLEET_NSTRAT 6

/* The "cluster" facts of one node report; NULL/-1: not known. */
struct ffacts {
	int present;		/* the report has a "cluster" object */
	char *endpoints;	/* sorted, comma-joined; "" when none set */
	char *ds_ca;		/* "none (no datastore-cafile)" when not set */
	char *cluster_ca;
	char *token_form;
	char *token_ca;
	char *traefik_state;
	char *traefik_chart;
	char *traefik_values;
	long traefik_hcc;
};

struct fnode {
	char *file;		/* the report's path, as given */
	char *name;		/* node name, else root, else file */
	char *role;		/* "server", "agent", "unknown" */
	char *k3s_version;	/* NULL: unknown */
	char *datastore;
	struct ffacts f;
	signed char *cell;	/* per fleet check column: enum status, -1 absent */
	size_t ncell;
	size_t count[NSTATUS];
	int rank[4];		/* failures per severity, for the order */
	double score[FLEET_NSTRAT];	/* pass / ran; -1: nothing ran */
	int nerrors;		/* the node's own "errors" */
};

struct fcheck {
	char *id, *strategy, *title;
	enum severity severity;
	size_t bad;		/* nodes where it is not pass/skip */
};

struct fcross {
	const char *id, *title;
	enum severity severity;
	enum status status;
	char *evidence;
};

struct fleet {
	struct fnode *nodes;
	size_t n, cap;
	struct fcheck *checks;
	size_t nchecks, ccap;
	struct fcross *cross;
	size_t ncross;
	size_t count[NSTATUS];	/* node checks plus cross-node checks */
};

void fleet_init(struct fleet *fl);
/* Read one node report (a local path). 0, or -1 with a one-line error. */
int fleet_add(struct fleet *fl, const char *path);
/* The parse step of fleet_add(): a report's text read by the caller. */
int fleet_add_text(struct fleet *fl, const char *path, const char *text, size_t len);
void fleet_finish(struct fleet *fl);
void fleet_free(struct fleet *fl);

/* fleet-cross.c */
void fleet_cross(struct fleet *fl);

/* The renderers (fleet-render.c, fleet-html.c). 0, or -1 on a write error. */
int fleet_render(const struct fleet *fl, const char *format, FILE *out);
int fleet_text(const struct fleet *fl, FILE *out);
int fleet_json(const struct fleet *fl, FILE *out);
int fleet_junit(const struct fleet *fl, FILE *out);
int fleet_prom(const struct fleet *fl, FILE *out);
int fleet_html(const struct fleet *fl, FILE *out);

/* fleet-facts.c: the node report's "cluster" object (report-json.c). */
struct node;
json_t *fleet_facts_json(const struct node *n);
json_t *fleet_endpoints_json(const char *v);

extern const char *const fleet_strategy_ids[FLEET_NSTRAT];

#endif
