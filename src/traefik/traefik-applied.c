/* SPDX-License-Identifier: Apache-2.0 */
/*
 * traefik-applied.c: Traefik as the cluster runs it (see traefik.h
 * traefik_load_node_applied(), traefik_run_check()).
 *
 * What K3s does with the two places a HelmChartConfig can be:
 *  - the deploy controller (pkg/deploy/controller.go listFilesIn(),
 *    deploy()) applies every manifest at K3s's start (force: checksums not
 *    compared) and a changed file within ~15 s after; the object in the
 *    cluster then IS the file's content as applied;
 *  - kubectl, Helm, Flux or Argo write the object directly: it exists only
 *    in the datastore, and no file says so.
 * So the cluster's object is what Traefik runs with now.  A file whose
 * HelmChartConfig differs from the cluster's has not been applied (K3s is
 * stopped, the image is offline, the apply failed, or the object was
 * edited after the last apply: wrangler's three-way merge puts the file's
 * valuesContent back only at the next apply): it is what K3s will apply
 * at its next start.  Both are judged; the worse verdict stands.
 */
#include "core/k3sguard.h"
#include "traefik/traefik.h"
#include "cluster/cluster.h"
#include "node/node.h"

/* spec.valuesContent of a HelmChartConfig document ("" when absent). */
static const char *
values_of(const struct ynode *doc)
{
	const char *v = doc ? yscalar(ypath(doc, "spec.valuesContent")) : NULL;

	return v ? v : "";
}

/*
 * t is the applied view, files the manifests': the same HelmChartConfig
 * (the file as applied, or no file has one) leaves t alone; a file that
 * differs is kept in t->pending, judged too.  files is consumed.
 */
static void
judge_both(struct traefik *t, struct traefik *files, struct buf *note)
{
	if (!t->error && files->hcc_doc && t->hcc_doc &&
	    strcmp(values_of(files->hcc_doc), values_of(t->hcc_doc)) != 0) {
		buf_addf(note, "; %s differs from the cluster's HelmChartConfig: not applied yet "
		    "(K3s applies it at its next start)", files->hcc_files[files->nhcc - 1]);
		t->pending = xmalloc(sizeof(*t->pending));
		*t->pending = *files;
		return;
	}
	if (files->hcc_doc)
		buf_addf(note, "; the cluster's HelmChartConfig is %s as applied",
		    files->hcc_files[files->nhcc - 1]);
	else
		buf_adds(note, "; the cluster's HelmChartConfig exists in no manifest (applied "
		    "with kubectl, Helm or GitOps)");
	traefik_free(files);
}

/*
 * The views: files (the manifests and the cluster's Middlewares, which a
 * restart does not remove) and, when the cluster has a HelmChartConfig
 * 'traefik', applied (the same plus that object).
 */
int
traefik_load_node_applied(const struct node *n, struct traefik *t)
{
	struct cluster_state cs;
	const struct cobj *hcc;
	struct traefik files, node;
	struct buf note = BUF_INIT;
	int ret;

	/* the node's manifests dir and --disable, as the file-only loader sees them */
	ret = traefik_load_node(n, &node);
	cluster_load_node(n, &cs);
	cluster_describe(&cs, &note);
	hcc = cluster_get(&cs, CLUSTER_HCC_PREFIX "kube-system/traefik");
	if (node.error || cs.kind != CLUSTER_READ) {
		*t = node;
	} else {
		ret = traefik_load_with(&files, node.manifests_dir, node.disabled_why, &cs, 0);
		if (!hcc || files.error) {
			*t = files;
		} else {
			ret = traefik_load_with(t, node.manifests_dir, node.disabled_why, &cs, 1);
			judge_both(t, &files, &note);
		}
		traefik_free(&node);
	}
	t->applied_unknown = cs.kind == CLUSTER_UNKNOWN;
	t->applied_note = buf_detach(&note);
	cluster_free(&cs);
	return ret;
}

/* Worse first: fail, error, warn, skip, pass (a waiver is not set by checks). */
static int
rank(enum status s)
{
	switch (s) {
	case ST_FAIL:
		return 4;
	case ST_ERROR:
		return 3;
	case ST_WARN:
		return 2;
	case ST_SKIP:
		return 1;
	default:
		return 0;
	}
}

void
traefik_run_check(const struct traefik *t,
    void (*fn)(const struct traefik *, struct check_result *), struct check_result *r)
{
	struct check_result p = { ST_PASS, BUF_INIT };
	struct buf ev = BUF_INIT;
	enum status st;

	fn(t, r);
	if (t->pending) {
		fn(t->pending, &p);
		st = rank(p.status) > rank(r->status) ? p.status : r->status;
		buf_addf(&ev, "cluster (applied): %s: %s; manifests (not applied yet): %s: %s",
		    status_name(r->status), r->evidence.s, status_name(p.status), p.evidence.s);
		check_set(r, st, "%s", ev.s);
		check_result_release(&p);
		buf_release(&ev);
	}
	/*
	 * Unknown, not a pass: the files pass, the cluster may hold another
	 * HelmChartConfig.  A skip (undecided), as for live checks whose
	 * server does not answer; a warning would report the check's
	 * "missing" phrase ("Insecure API on"), which nobody knows either.
	 */
	if (t->applied_unknown && r->status == ST_PASS && !t->disabled) {
		buf_addf(&ev, "unknown: the manifests pass (%s), but %s: a HelmChartConfig applied "
		    "with kubectl, Helm or GitOps would not be seen", r->evidence.s, t->applied_note);
		check_set(r, ST_SKIP, "%s", ev.s);
		buf_release(&ev);
	}
}
