/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-git.h: the rules of scan.h over every blob of a git history
 * (libgit2), each blob read once, attributed to the first commit (oldest
 * first, parents before children) whose tree holds it.
 *
 * Contract: the repository is a local path the user typed (a checkout or
 * a bare repository), never a node path; nothing is checked out or
 * written; blobs with a NUL byte in their first 8 KiB are skipped.
 */
#ifndef K3SGUARD_SCAN_GIT_H
#define K3SGUARD_SCAN_GIT_H

#include <stddef.h>

#include "scan/scan.h"

struct scan_git_stats {
	unsigned long long commits, blobs, bytes, binary;
	char *workdir;		/* the repository's work tree (malloc'd), NULL when bare */
};

/* Called for each blob with hits: the commit (hex), the path in its tree, the blob. */
typedef void (*scan_git_fn)(void *arg, const char *commit, const char *path,
    const char *data, size_t len, const struct scan_hits *hits);

/*
 * Scan the commits of range (a revision, A..B, or NULL for every ref and
 * HEAD) in repo.  Returns 0, or -1 with error() naming what failed.
 */
int scan_git(const char *repo, const char *range, scan_git_fn fn, void *arg,
    struct scan_git_stats *st);

#endif
