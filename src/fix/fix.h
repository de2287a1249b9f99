/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fix.h: what a remediation of 'k3sguard fix' gets (src/cmd-fix.c holds
 * the table of rules; each names the audit check it remediates and runs
 * only when that check failed or warned).
 *
 * A custom rule (token migration, ...) is
 *     int fn(struct fix_ctx *ctx, const struct check *c);
 * returning 0, or -1 after error().  It MUST honour ctx->dry_run (print,
 * change nothing), be idempotent, never follow a symlink, and report every
 * change it makes (or would make) with fix_note().
 */
#ifndef K3SGUARD_FIX_H
#define K3SGUARD_FIX_H

#include <stddef.h>

#include "checks/check.h"

struct fix_ctx {
	const struct node *node;
	const char *bin;	/* k3sguard as drop-ins run it; NULL: the default */
	int dry_run;
	int json;
	void *actions;		/* json_t array when json */
	size_t changes;
	size_t errors;
};

/*
 * Report one change: "[would ]ACTION FROM -> TO 'PATH' (CHECK)" in text, an
 * action object in JSON.  err != NULL: the change failed (error() already
 * printed it).  Counts changes and errors.  Nothing here may be a secret.
 */
void fix_note(struct fix_ctx *ctx, const char *check_id, const char *action,
    const char *path, const char *from, const char *to, const char *err);

#endif
