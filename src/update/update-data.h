/* SPDX-License-Identifier: Apache-2.0 */
/*
 * update-data.h: the data files behind the updates checks, and the channel
 * server.
 *
 *  - advisories: data/advisories.json, K3s's and Traefik's advisories with
 *    their fixed versions (shared/reference/k3s.md).  Data, not code: a user
 *    refreshes the file, the tool does not need a rebuild.
 *  - channels: the channel server's JSON (GET
 *    https://update.k3s.io/v1-release/channels: {"data":[{"id","name",
 *    "latest",...}]}), online with libcurl or from a file of the same
 *    format (data/channels.json is a snapshot).
 *
 * Where the files are: --advisories/--channels-file, else the config keys
 * updates.advisories-file / updates.channels-file, else the first of
 * <dir of the binary>/../data/, DATA_REFRESH_DIR (what 'update refresh'
 * wrote), /usr/local/share/k3sguard/, /usr/share/k3sguard/ that has the file.  These are k3sguard's own files:
 * they are NOT mapped under --root.
 */
#ifndef K3SGUARD_UPDATE_DATA_H
#define K3SGUARD_UPDATE_DATA_H

#include <stddef.h>
#include <time.h>

#include "core/buf.h"

#include "core/version.h"

#define CHANNELS_URL "https://update.k3s.io/v1-release/channels"
#define DATA_REFRESH_DIR "/var/lib/k3sguard"
/* advisory and channel data older than this many days is stale */
#define DATA_MAX_AGE_DAYS 30

struct advisory {
	char *id;		/* "CVE-2023-32187" */
	char *title;
	char *severity;		/* "critical", "high", "medium", "low" */
	char *note;		/* may be NULL */
	char *condition;	/* "traefik-plugins": applies only when plugins are used */
	int has_introduced;
	struct version introduced;	/* first affected version, when known */
	struct version *fixed;	/* one per release line that got the fix */
	size_t nfixed;
};

struct advisories {
	char *path;
	char *updated;		/* "2026-11-28" or NULL */
	struct advisory *k3s, *traefik;
	size_t nk3s, ntraefik;
};

struct channel {
	char *id;		/* "stable", "latest", "testing", "v1.32" */
	char *latest;		/* as given */
	struct version v;
};

struct channels {
	char *source;		/* file path or URL */
	char *fetched;		/* "YYYY-MM-DD" the data was fetched, or NULL */
	struct channel *c;
	size_t n;
};

/* Path of a data file (see above); override wins.  Static buffer. */
const char *data_file(const char *name, const char *override, const char *config_key);

int advisories_load(const char *path, struct advisories *a);
/*
 * The parser of advisories_load(): the file's text as read.  path becomes
 * a->path and names the file in messages; it is not opened.  0, or -1
 * after error() with a freed (empty).
 */
int advisories_parse(const char *path, const char *text, size_t len, struct advisories *a);
void advisories_free(struct advisories *a);
/*
 * 1 when v is affected: v is older than the fix of its own release line
 * (major.minor), or, when its line got no fix, a later line did (an older,
 * unmaintained line is assumed affected) -- and v is not before
 * "introduced".
 */
int advisory_applies(const struct advisory *adv, const struct version *v);

/* Parse the channel server's JSON; name is used in messages. */
int channels_parse(const char *name, const char *json, size_t len, struct channels *out);
int channels_load_file(const char *path, struct channels *out);
/*
 * GET url (https only, no redirects) with libcurl, 1 MiB cap, 20 s timeout;
 * the CA bundle is the system's, or updates.ca-file from the config.
 */
int channels_fetch(const char *url, struct channels *out);
/*
 * GET url over https (updates.ca-file as the CA when set) into *body
 * (capped at CONFIG_MAX).  0, or -1 after error().
 */
int https_get(const char *url, struct buf *body);
/*
 * Age in whole days of a "YYYY-MM-DD..." date at now.  0, or -1 when date
 * is not such a date.  A date after now gives a negative age.
 */
int data_age_days(const char *date, time_t now, long *days);

/* What 'update refresh' does: where from, where to. */
struct refresh_opts {
	const char *channels_url;	/* https URL of the channel server */
	const char *advisories_url;	/* https URL of an advisories.json feed, or NULL */
	const char *dir;		/* where to write (DATA_REFRESH_DIR) */
	int dry_run;
};

/*
 * Fetch the channel data (and the advisories when a URL is given), check
 * each with the parser that reads it (advisories must carry "updated"),
 * stamp the channels with "fetched": today, then write dir/channels.json
 * and dir/advisories.json atomically (0644), only after both checked.
 * Prints one line per file.  0, or -1 after error() with nothing written.
 */
int data_refresh(const struct refresh_opts *o);
void channels_free(struct channels *c);
const struct channel *channels_find(const struct channels *c, const char *id);

#endif
