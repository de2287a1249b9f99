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
 * <dir of the binary>/../data/, /usr/local/share/k3sguard/,
 * /usr/share/k3sguard/ that has the file.  These are k3sguard's own files:
 * they are NOT mapped under --root.
 */
#ifndef K3SGUARD_UPDATE_DATA_H
#define K3SGUARD_UPDATE_DATA_H

#include <stddef.h>

#include "core/version.h"

#define CHANNELS_URL "https://update.k3s.io/v1-release/channels"

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
void channels_free(struct channels *c);
const struct channel *channels_find(const struct channels *c, const char *id);

#endif
