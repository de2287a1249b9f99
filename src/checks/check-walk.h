/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check-walk.h: walk a node directory for the checks (and fix), through
 * the gate, recursively, without following any symlink.  cb gets the host
 * path and lstat of every entry below the directory (not the directory
 * itself) and, for a symlink, its target (evidence only); a non-zero
 * return stops the walk.  At most WALK_MAX_DEPTH levels and
 * WALK_MAX_ENTRIES entries.  Returns 0, 1 when the directory does not exist
 * (or is not a directory, or is a link), or -1 with a message in err naming
 * the path (unreadable, too deep, too many entries).
 */
#ifndef K3SGUARD_CHECK_WALK_H
#define K3SGUARD_CHECK_WALK_H

#include "checks/check.h"

#define WALK_MAX_DEPTH		16
#define WALK_MAX_ENTRIES	100000

int check_walk(const char *host_dir, manifest_cb cb, void *ctx, struct buf *err);

#endif
