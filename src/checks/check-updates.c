/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check-updates.c: strategy "updates" (seed: "Regular K3s Updates"): the
 * installed version, how far it is behind the channel (the channel
 * server's JSON, data/channels.json or updates.channels-file), and which
 * K3s advisories apply (data/advisories.json).  `k3sguard update check`
 * computes the same with src/update.c.
 */
#include "core/k3sguard.h"
#include "checks/check.h"
#include "core/config.h"
#include "update/update.h"

#include <time.h>

static void
version_known(const struct node *n, struct check_result *r)
{
	if (n->k3s_version) {
		check_pass(r, "K3s %s (from %s, '%s')", n->k3s_version,
		    n->k3s_version_from ? n->k3s_version_from : VERSION_FROM_UNKNOWN,
		    n->k3s_bin ? n->k3s_bin : "k3s");
		return;
	}
	if (check_source_failed(n, "version", r))
		return;
	check_fail(r, "K3s version unknown: neither --k3s-version nor '%s' gave one",
	    n->k3s_bin ? n->k3s_bin : "k3s");
}

/* The installed version, parsed; 0, or -1 with r set (skip or error). */
static int
installed(const struct node *n, struct check_result *r, struct version *v)
{
	if (!n->k3s_version) {
		if (!check_source_failed(n, "version", r))
			check_skip(r, "K3s version unknown (neither --k3s-version nor '%s' gave one): nothing to compare",
			    n->k3s_bin ? n->k3s_bin : "k3s");
		return -1;
	}
	if (version_parse_k3s(n->k3s_version, v) < 0) {
		check_error(r, "'%s' is not a K3s version (vX.Y.Z[-rcN]+k3sN)", n->k3s_version);
		return -1;
	}
	return 0;
}

static void
channel_behind(const struct node *n, struct check_result *r)
{
	struct channels ch;
	struct update_status st;
	struct version v;
	struct buf d = BUF_INIT;
	const char *channel = config_str("updates.channel", "stable");

	if (installed(n, r, &v) < 0)
		return;
	quiet_errors++;
	if (update_load_channels(&ch, 0) < 0) {
		quiet_errors--;
		check_error(r, "%s", last_error());
		return;
	}
	if (update_status(&v, &ch, channel, NULL, &st) < 0) {
		quiet_errors--;
		check_error(r, "%s", last_error());
		channels_free(&ch);
		return;
	}
	quiet_errors--;
	st.over_policy = st.minors_behind > st.max_minors || st.patches_behind > st.max_patches ||
	    !st.line;
	update_status_describe(&st, &d);
	if (st.over_policy)
		check_fail(r, "%s (channels: %s)", d.s, ch.source);
	else
		check_pass(r, "%s (channels: %s)", d.s, ch.source);
	buf_release(&d);
	update_status_free(&st);
	channels_free(&ch);
}

static void
advisories(const struct node *n, struct check_result *r)
{
	struct advisories adv;
	struct version v;
	struct buf hits = BUF_INIT;

	if (installed(n, r, &v) < 0)
		return;
	quiet_errors++;
	if (update_load_advisories(&adv) < 0) {
		quiet_errors--;
		check_error(r, "%s", last_error());
		return;
	}
	quiet_errors--;
	for (size_t i = 0; i < adv.nk3s; i++) {
		const struct advisory *a = &adv.k3s[i];

		if (!advisory_applies(a, &v))
			continue;
		buf_addf(&hits, "%s%s (%s", hits.len ? ", " : "", a->id, a->severity);
		{
			const struct version *same = NULL, *next = NULL;
			char f[VERSION_STR_MAX];

			for (size_t j = 0; j < a->nfixed; j++) {
				if (version_same_minor(&a->fixed[j], &v))
					same = &a->fixed[j];
				else if (version_cmp(&a->fixed[j], &v) > 0 &&
				    (!next || version_cmp(&a->fixed[j], next) < 0))
					next = &a->fixed[j];
			}
			if (same)
				buf_addf(&hits, ", fixed in %s", version_str(same, f));
			else if (next)
				buf_addf(&hits, ", no fix for v%ld.%ld, fixed from %s", v.major, v.minor,
				    version_str(next, f));
		}
		buf_addch(&hits, ')');
	}
	if (hits.len)
		check_fail(r, "K3s %s is affected by %s (%s, %s)", n->k3s_version, hits.s, adv.path,
		    adv.updated ? adv.updated : "undated");
	else
		check_pass(r, "no known K3s advisory applies to %s (%s, %s)", n->k3s_version, adv.path,
		    adv.updated ? adv.updated : "undated");
	buf_release(&hits);
	advisories_free(&adv);
}

/* One data file's date into d ("what: N days old (date)"); 1 when stale or unknown. */
static int
data_age(const char *what, const char *path, const char *date, time_t now, struct buf *d)
{
	long days;

	if (d->len)
		buf_adds(d, "; ");
	if (!date) {
		buf_addf(d, "%s '%s' has no date: its age is unknown", what, path);
		return 1;
	}
	if (data_age_days(date, now, &days) < 0) {
		buf_addf(d, "%s '%s': date '%s' is not YYYY-MM-DD: its age is unknown", what, path, date);
		return 1;
	}
	if (days < -1) {
		buf_addf(d, "%s '%s' is dated %s, in the future", what, path, date);
		return 1;
	}
	buf_addf(d, "%s '%s' is %ld day%s old (%s)", what, path, days < 0 ? 0 : days,
	    days == 1 ? "" : "s", date);
	return days > DATA_MAX_AGE_DAYS;
}

static void
data_fresh(const struct node *n, struct check_result *r)
{
	struct advisories adv;
	struct channels ch;
	struct buf d = BUF_INIT;
	time_t now = time(NULL);
	int stale;

	(void)n;
	quiet_errors++;
	if (update_load_advisories(&adv) < 0) {
		quiet_errors--;
		check_error(r, "%s", last_error());
		return;
	}
	if (update_load_channels(&ch, 0) < 0) {
		quiet_errors--;
		check_error(r, "%s", last_error());
		advisories_free(&adv);
		return;
	}
	quiet_errors--;
	stale = data_age("advisories", adv.path, adv.updated, now, &d);
	stale |= data_age("channels", ch.source, ch.fetched, now, &d);
	if (stale)
		check_warn(r, "%s: older than %d days or undated; run 'k3sguard update refresh'",
		    d.s, DATA_MAX_AGE_DAYS);
	else
		check_pass(r, "%s", d.s);
	buf_release(&d);
	channels_free(&ch);
	advisories_free(&adv);
}

const struct check checks_updates[] = {
	{ "updates.version-known", "updates", SEV_MEDIUM,
	  "The installed K3s version is known (--k3s-version, the binary's bytes, or k3s --version on the host)",
	  version_known,
	  "Make sure the K3s binary is where the unit runs it from (--k3s-bin PATH tells k3sguard) "
	  "and that its version can be read (or give --k3s-version V): without the version, updates and advisories cannot be judged.",
	  "Installed K3s version known.",
	  "The installed K3s version could not be determined.", REACH_ROOT },
	{ "updates.channel", "updates", SEV_HIGH,
	  "K3s is not behind its channel beyond the update policy",
	  channel_behind,
	  "Upgrade one minor at a time ('k3sguard update plan' writes system-upgrade-controller "
	  "Plans; 'k3sguard update prepare' makes a rollback kit first). Policy: "
	  "policy.update-max-minors-behind / policy.update-max-patches-behind; channel: "
	  "updates.channel; refresh data/channels.json or use 'update check' online.",
	  "K3s up to date with its channel (within the policy).",
	  "K3s behind its channel beyond the policy (or its release line has ended).", REACH_ROOT },
	{ "updates.advisories", "updates", SEV_HIGH,
	  "No known K3s advisory applies to the installed version (data/advisories.json)",
	  advisories,
	  "Upgrade to a release that fixes the advisories listed (the patch release of your "
	  "minor, then the next minors); refresh data/advisories.json for new advisories.",
	  "No known K3s advisory applies.",
	  "Known K3s advisories apply to the installed version.", REACH_ROOT },
	{ "updates.data-fresh", "updates", SEV_MEDIUM,
	  "The advisory and channel data are at most 30 days old",
	  data_fresh,
	  "Run 'k3sguard update refresh' (fetches the channel server's data and, with "
	  "updates.advisories-url, the advisory feed, checks them and replaces the files "
	  "atomically), or install a newer k3sguard: stale data hides new releases and advisories.",
	  "Advisory and channel data are fresh.",
	  "The advisory or channel data is stale or undated.", REACH_ROOT },
};
const size_t nchecks_updates = ARRAY_SIZE(checks_updates);
