/* SPDX-License-Identifier: Apache-2.0 */
/*
 * update.h: K3s updates: how far behind, which advisories, upgrade Plans
 * for system-upgrade-controller, rollback kits.
 *
 * Facts (shared/reference/k3s.md, "Updates"): versions order as version.h
 * says; the channel server gives the latest release per channel ("stable",
 * "latest", "testing", "v1.NN"); the upgrade image refuses downgrades and
 * has no rollback, and minors must not be skipped.
 */
#ifndef K3SGUARD_UPDATE_H
#define K3SGUARD_UPDATE_H

#include "core/buf.h"
#include "update/update-data.h"
#include "core/version.h"

/* Where update check/plan find the channels: --channels-file, else online. */
extern const char *update_channels_file;	/* NULL: config, else the data file */
extern const char *update_advisories_file;	/* NULL: config, else the data file */

struct update_status {
	struct version installed;
	const struct channel *target;	/* the channel asked for ("stable") */
	const struct channel *line;	/* "v<maj>.<min>" of the installed minor, or NULL */
	long minors_behind;		/* target minor - installed minor (< 0: ahead) */
	long patches_behind;		/* line patch - installed patch (>= 0) */
	int ahead;			/* installed newer than the target's latest */
	const struct advisory **adv;	/* K3s advisories that apply */
	size_t nadv;
	long max_minors, max_patches;	/* policy in use */
	int over_policy;		/* 1: behind beyond policy, or an advisory applies */
};

/*
 * Compare installed with the channels.  channel: "stable" etc.  Policy from
 * the config (policy.update-max-minors-behind, default 1;
 * policy.update-max-patches-behind, default 2).  0, or -1 when the channel
 * is not in the data (error()).  Free with update_status_free().
 */
int update_status(const struct version *installed, const struct channels *ch,
    const char *channel, const struct advisories *adv, struct update_status *st);
void update_status_free(struct update_status *st);
/* One line: "v1.30.4+k3s1: 4 minors behind stable (v1.34.6+k3s1), 10 patches behind v1.30 ..." */
void update_status_describe(const struct update_status *st, struct buf *out);

/* Load the channels: a file (update_channels_file / config / data file). */
int update_load_channels(struct channels *ch, int online);
int update_load_advisories(struct advisories *adv);

/* ---- Plans (src/update-plan.c) ---- */

struct plan_opts {
	const char *version;		/* pinned version, or NULL */
	const char *channel;		/* channel name, or NULL */
	const char *canary_key;		/* label key of the canary nodes, or NULL */
	const char *canary_value;
	long concurrency;		/* agents; servers always one at a time */
	int drain;			/* agents drained (else cordoned) */
	const char *window_days;	/* "saturday,sunday" or NULL */
	const char *window_start;	/* "01:00" */
	const char *window_end;
	const char *window_tz;		/* "UTC" */
	const char *namespace;		/* "system-upgrade" */
};

/*
 * Refuse what system-upgrade-controller should never be asked: a downgrade,
 * a skipped minor, no change.  target is the version the plan leads to.
 * 0 when fine; -1 with error() saying why.
 */
int plan_allowed(const struct version *installed, const struct version *target);
/* The Plans as YAML documents (canary?, server, agent). */
int plan_render(const struct plan_opts *o, struct buf *out);
/* Parse a --window argument "DAYS START-END [TZ]" into o. 0 or -1 (error()). */
int plan_parse_window(const char *s, struct plan_opts *o, char **storage);

/* ---- rollback kits (src/update-kit.c) ---- */

struct node;
/* Build a kit at out (host path, must not exist); dry: only print the steps. */
/* etcd_cert/etcd_key: external etcd client identity (NULL: the node's datastore-certfile/keyfile). */
int kit_prepare(const struct node *n, const char *out, const char *etcd_cert, const char *etcd_key,
    int dry);
/*
 * Verify a kit and put the node back as it was; dry: only print the steps.
 * 0 done, -1 error, -2 the kit does not verify (nothing was changed).
 */
int kit_rollback(const struct node *n, const char *kit, int dry);

/*
 * The K3s program that makes or restores an embedded-etcd snapshot, into
 * bin (host_k3s_program(): under --root only k3s-cli of this host's
 * config, never the image's).  -1 after error() when none is set.
 */
int update_k3s_program(const struct node *n, char *bin, size_t len);

#endif
