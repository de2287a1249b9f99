/* SPDX-License-Identifier: Apache-2.0 */
/*
 * apparmor.h: an AppArmor profile that confines K3s to the paths it needs
 * (shared/reference/k3s.md, "Confinement").
 *
 * The profile MUST NOT let K3s write server/manifests beyond the packaged
 * files it rewrites at start: everything else there comes from the GitOps
 * sync (k3sguard, which this profile does not confine).  Paths that go into
 * the profile are checked: AppArmor globbing or quoting characters in a
 * data dir or binary path are refused, never escaped.
 */
#ifndef K3SGUARD_APPARMOR_H
#define K3SGUARD_APPARMOR_H

#include "core/buf.h"

/* 0 and the profile text appended to out, or -1 (error()) for an unusable path. */
int apparmor_profile(struct buf *out, const char *k3s_bin, const char *data_dir, int enforce);

/* The file name Debian uses for a profile of k3s_bin: "usr.local.bin.k3s". */
char *apparmor_profile_name(const char *k3s_bin);

#endif
