/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report-prom.c: the report as Prometheus metrics, in the text format that
 * node_exporter's textfile collector reads (write it to NAME.prom.tmp and
 * rename it to NAME.prom: contrib/systemd/k3sguard-audit.service does).
 * k3sguard-report-format: prom | Prometheus metrics for node_exporter's textfile collector
 *
 * Per check a gauge (1 pass, 0 fail or warn, -1 skipped or not determined)
 * labelled id, strategy, severity; per strategy the passed ratio and the
 * count per status; the audit's time and duration; and, where the node
 * shows them, the age of the server token file and of the newest K3s etcd
 * snapshot, and the drift of the manifests directory from its signed
 * baseline as the check manifests.baseline found it.  Node files are
 * reached through the gate only (core/gate.h).
 *
 * Every label value goes through label_value() (escape.h ESC_PROM: UTF-8,
 * and \\ \" \n escaped as the format says), whatever it holds.
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "report/escape.h"
#include "report/report.h"

#include <dirent.h>
#include <time.h>

static void
label_value(FILE *out, const char *s)
{
	esc_fputs(s, ESC_PROM, out);
}

static void
head(FILE *out, const char *name, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static int
check_value(enum status s)
{
	switch (s) {
	case ST_PASS:
		return 1;
	case ST_FAIL:
		return 0;
	case ST_WARN:
		return 2;
	case ST_WAIVED:
		return 3;
	case ST_SKIP:
		return -1;
	default:
		return -2;	/* error */
	}
}

/* Seconds since this process started (node read, checks run): /proc/self/stat. */
static double
run_seconds(void)
{
	struct buf b = BUF_INIT;
	struct timespec now;
	const char *p;
	double ret = -1;
	long long ticks;
	long hz = sysconf(_SC_CLK_TCK);
	int r;

	/* this process's own file, not the node's: a local path */
	quiet_errors++;
	r = file_read("/proc/self/stat", 4096, &b, NULL);
	quiet_errors--;
	clear_error();
	if (r < 0 || !(p = strrchr(b.s, ')')))
		goto out;
	/* after "pid (comm)": field 3 is state; starttime is field 22 */
	p++;
	for (int field = 2; field < 21 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %lld", &ticks) != 1 || hz <= 0 ||
	    clock_gettime(CLOCK_BOOTTIME, &now) < 0)
		goto out;
	ret = (double)now.tv_sec + now.tv_nsec / 1e9 - (double)ticks / (double)hz;
	if (ret < 0)
		ret = 0;
out:
	buf_release(&b);
	return ret;
}

/* Regular files in dir (a node path) whose name ends in suffix: count, and the newest mtime. */
static int
newest_file(const char *dir, const char *suffix, size_t *count, time_t *newest)
{
	DIR *d = gate_opendir(dir);
	struct dirent *e;
	struct stat st;

	*count = 0;
	*newest = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || (suffix && !ends_with(e->d_name, suffix)) ||
		    gate_statat(dirfd(d), e->d_name, &st) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		(*count)++;
		if (st.st_mtime > *newest)
			*newest = st.st_mtime;
	}
	closedir(d);
	return 0;
}

/*
 * Snapshots: K3s's own (embedded etcd, etcd-snapshot-dir; an absent
 * directory counts as none) and k3sguard's (`etcd snapshot save`, *.ksnap in
 * /var/lib/k3sguard/etcd-snapshots, when that directory exists).
 */
static void
snapshot_gauges(const struct report *rp, FILE *out, time_t now)
{
	static const char *const source[2] = { "k3s", "k3sguard" };
	const struct node *n = rp->node;
	size_t count[2] = { 0, 0 };
	time_t newest[2] = { 0, 0 };
	int have[2] = { 0, 0 };

	if (n->datastore == DS_EMBEDDED_ETCD) {
		const char *d = node_get(n, "etcd-snapshot-dir");
		char *dir = xstrdup(d ? d : node_data_path(n, "server/db/snapshots"));

		errno = 0;
		have[0] = newest_file(dir, NULL, &count[0], &newest[0]) == 0 || errno == ENOENT;
		free(dir);
	}
	have[1] = newest_file("/var/lib/k3sguard/etcd-snapshots", ".ksnap", &count[1],
	    &newest[1]) == 0;
	if (!have[0] && !have[1])
		return;
	head(out, "k3sguard_etcd_snapshots",
	    "etcd snapshot files: K3s's (etcd-snapshot-dir) or k3sguard's (etcd snapshot save).");
	for (int i = 0; i < 2; i++)
		if (have[i])
			fprintf(out, "k3sguard_etcd_snapshots{source=\"%s\"} %zu\n", source[i], count[i]);
	if (!(have[0] && count[0]) && !(have[1] && count[1]))
		return;
	head(out, "k3sguard_etcd_snapshot_age_seconds",
	    "Seconds since the newest etcd snapshot was written.");
	for (int i = 0; i < 2; i++)
		if (have[i] && count[i])
			fprintf(out, "k3sguard_etcd_snapshot_age_seconds{source=\"%s\"} %lld\n",
			    source[i], (long long)(now - newest[i]));
}

static void
node_gauges(const struct report *rp, FILE *out, time_t now)
{
	const struct node *n = rp->node;
	struct stat st;

	if (n->role == ROLE_AGENT)
		return;
	if (n->data_dir) {
		const char *tok = node_data_path(n, "server/token");

		if (gate_lstat(tok, &st) == 0 && S_ISREG(st.st_mode)) {
			head(out, "k3sguard_server_token_file_age_seconds",
			    "Seconds since the K3s server token file last changed (K3s rewrites it when the token is rotated).");
			fprintf(out, "k3sguard_server_token_file_age_seconds %lld\n",
			    (long long)(now - st.st_mtime));
		}
	}
	snapshot_gauges(rp, out, now);
}

/*
 * Drift from the signed manifests baseline, as the check manifests.baseline
 * (manifests-audit.c) found it: its result, not a second read of the lock.
 * No baseline at all (or the check not run): no gauge.  The check records a
 * status and one evidence line, not the number of entries that drifted, so
 * the number is read from the fixed start of its evidence, built here from
 * the same data dir; what follows it (a file name) cannot change it.
 */
static int
baseline_drift(const struct report *rp, const struct check_result *r, size_t *drift)
{
	struct buf want = BUF_INIT, raw = BUF_INIT;
	const char *rest = NULL;
	char *end;
	unsigned long long v;

	buf_addf(&raw, "'%s' differs from its signed baseline in ",
	    node_data_path(rp->node, "server/manifests"));
	buf_add_printable(&want, raw.s);
	starts_with(r->evidence.s, want.s, &rest);
	buf_release(&want);
	buf_release(&raw);
	if (!rest || !isdigit((unsigned char)*rest))
		return -1;
	errno = 0;
	v = strtoull(rest, &end, 10);
	if (errno || !starts_with(end, " entr", NULL))
		return -1;
	*drift = (size_t)v;
	return 0;
}

static void
manifests_gauges(const struct report *rp, FILE *out)
{
	const struct check_result *r = NULL;
	size_t drift = 0;
	int valid;

	if (rp->node->role == ROLE_AGENT || !rp->node->data_dir)
		return;
	for (size_t i = 0; i < rp->nitems; i++)
		if (!strcmp(rp->items[i].check->id, "manifests.baseline"))
			r = &rp->items[i].result;
	if (!r || r->status == ST_SKIP ||
	    (r->status == ST_FAIL && starts_with(r->evidence.s, "no signed baseline", NULL)))
		return;
	valid = r->status == ST_PASS ||
	    (r->status == ST_FAIL && baseline_drift(rp, r, &drift) == 0);
	head(out, "k3sguard_manifests_baseline_valid",
	    "1 when the signed manifests baseline verified and the directory could be read.");
	fprintf(out, "k3sguard_manifests_baseline_valid %d\n", valid);
	if (valid) {
		head(out, "k3sguard_manifests_drift_entries",
		    "Entries of the manifests directory added, removed or changed since the signed baseline.");
		fprintf(out, "k3sguard_manifests_drift_entries %zu\n", drift);
	}
}

int
report_prom(const struct report *rp, FILE *out)
{
	static const char *const sev[] = { "low", "medium", "high", "critical" };
	const struct node *n = rp->node;
	time_t now = time(NULL);
	double took = run_seconds();

	head(out, "k3sguard_check_status",
	    "Result of one k3sguard audit check: 1 pass, 0 fail, 2 warn, 3 waived, -1 skip, -2 error (also the status label).");
	for (size_t i = 0; i < rp->nitems; i++) {
		const struct report_item *it = &rp->items[i];

		fputs("k3sguard_check_status{id=\"", out);
		label_value(out, it->check->id);
		fputs("\",strategy=\"", out);
		label_value(out, it->strategy->id);
		fprintf(out, "\",severity=\"%s\",status=\"%s\"} %d\n", sev[it->check->severity],
		    status_name(it->result.status), check_value(it->result.status));
	}
	head(out, "k3sguard_strategy_checks", "Checks of a strategy per status in the last audit.");
	for (size_t si = 0; si < nstrategies; si++) {
		size_t cnt[NSTATUS] = { 0 };

		if (!report_has_strategy(rp, si))
			continue;
		for (size_t i = 0; i < rp->nitems; i++)
			if (rp->items[i].strategy == &strategies[si])
				cnt[rp->items[i].result.status]++;
		for (int st = 0; st < NSTATUS; st++) {
			fputs("k3sguard_strategy_checks{strategy=\"", out);
			label_value(out, strategies[si].id);
			fprintf(out, "\",status=\"%s\"} %zu\n", status_name((enum status)st),
			    cnt[st]);
		}
	}
	head(out, "k3sguard_strategy_passed_ratio",
	    "Checks passed over checks that ran (skipped ones left out), per strategy.");
	for (size_t si = 0; si < nstrategies; si++) {
		size_t pass = 0, ran = 0;

		if (!report_has_strategy(rp, si))
			continue;
		for (size_t i = 0; i < rp->nitems; i++) {
			if (rp->items[i].strategy != &strategies[si] ||
			    rp->items[i].result.status == ST_SKIP)
				continue;
			ran++;
			pass += rp->items[i].result.status == ST_PASS;
		}
		if (!ran)
			continue;
		fputs("k3sguard_strategy_passed_ratio{strategy=\"", out);
		label_value(out, strategies[si].id);
		fprintf(out, "\"} %.6g\n", (double)pass / (double)ran);
	}
	head(out, "k3sguard_node_info", "The audited node: role, datastore, K3s version, k3sguard version.");
	fprintf(out, "k3sguard_node_info{role=\"%s\",datastore=\"%s\",k3s_version=\"",
	    role_name(n->role), datastore_name(n->datastore));
	label_value(out, report_node_version(rp));
	fprintf(out, "\",version=\"%s\"} 1\n", K3SGUARD_VERSION);
	head(out, "k3sguard_audit_errors", "Sources the audit could not read, and checks it could not decide.");
	fprintf(out, "k3sguard_audit_errors %zu\n", n->nerrors + rp->count[ST_ERROR]);
	node_gauges(rp, out, now);
	manifests_gauges(rp, out);
	head(out, "k3sguard_audit_timestamp_seconds", "Unix time at which the audit finished.");
	fprintf(out, "k3sguard_audit_timestamp_seconds %lld\n", (long long)now);
	if (took >= 0) {
		head(out, "k3sguard_audit_duration_seconds",
		    "Seconds the audit took (process start to report).");
		fprintf(out, "k3sguard_audit_duration_seconds %.3f\n", took);
	}
	return ferror(out) ? error("cannot write the metrics") : 0;
}
