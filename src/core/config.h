/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.h: k3sguard's own configuration, /etc/k3sguard/config.yaml (under
 * --root; --config FILE overrides).  Loaded and checked at start (main:
 * config_check), again after a command's own parse changed the file.  A missing file means defaults; a file
 * that is malformed, too large, a symlink, or writable by others is fatal
 * (exit 2): it decides security policy.
 *
 * Keys are dotted paths ("store.backend", "policy.token-max-age-days").
 */
#ifndef K3SGUARD_CONFIG_H
#define K3SGUARD_CONFIG_H

#include "core/yamltree.h"

const struct ynode *config_get(const char *dotted);
const char *config_str(const char *dotted, const char *def);
/* A number in [min, max]; a value out of range or not a number is fatal. */
long long config_num(const char *dotted, long long min, long long max, long long def);
/*
 * Check a loaded config whole (top: its mapping): an unknown key is fatal
 * naming file, line and the closest known key (edit distance);
 * fatal (exit 2, one line naming file, line and key) on a value of the
 * wrong kind or out of range.  Done once, at load; host-config.c too.
 */
void config_validate(const char *path, const struct ynode *top);
/*
 * Load and check the config now (main, before any command runs): a typo
 * fails every command, also one that never reads the config.  Fatal (exit
 * 2, one line naming file, line and key) as config_validate.
 */
void config_check(void);
/* For tests and reloads (a different --root or --config). */
void config_reset(void);

#endif
