/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check-selinux.h: SELinux on a K3s node, for the manifests strategy
 * (rows in check-manifests.c).  On an SELinux host K3s is confined only
 * when the host enforces, K3s runs with its `selinux` option (containerd
 * then labels containers), the k3s-selinux policy module is installed and
 * enabled, and the files carry the labels that module's file contexts give.
 *
 * Everything is read through the gate: <root>/etc/selinux/config (what an
 * image boots with), on the live host also /sys/fs/selinux/enforce (what
 * runs now), the policy store, and each file's security.selinux xattr on an
 * fd the gate opened.  Unknown is never a pass.
 */
#ifndef K3SGUARD_CHECK_SELINUX_H
#define K3SGUARD_CHECK_SELINUX_H

#include "checks/check.h"

enum sel_mode { SEL_NONE, SEL_DISABLED, SEL_PERMISSIVE, SEL_ENFORCING };

struct sel_state {
	enum sel_mode mode;	/* effective: the config (image), the kernel (live) */
	enum sel_mode config;	/* what /etc/selinux/config says */
	char type[64];		/* SELINUXTYPE, default "targeted" */
	int live;		/* 1: the kernel's state was read too */
};

void selinux_check_enforcing(const struct node *n, struct check_result *r);
void selinux_check_option(const struct node *n, struct check_result *r);
void selinux_check_module(const struct node *n, struct check_result *r);
void selinux_check_labels(const struct node *n, struct check_result *r);

/*
 * 1 when SELinux is on at the node (enforcing or permissive: the config
 * an image boots with; on the live host what the kernel runs), 0 when not
 * (no config, SELINUX=disabled, no selinuxfs), -1 when it cannot be told;
 * what was read is appended to why.
 */
int selinux_enabled(struct buf *why);
/*
 * 1 when SELinux confines K3s (enforcing, K3s's selinux option set, the
 * k3s module installed and enabled), 0 when not, -1 unknown; why says
 * what was looked for or what is missing.
 */
int selinux_confines(const struct node *n, struct buf *why);

/*
 * The type the k3s-selinux file contexts give path (a host path) of the
 * kind of st_mode, or NULL when no rule names it (or the rule is
 * <<none>>).  Exposed for the unit test.
 */
const char *selinux_fc_type(const char *path, mode_t mode);

/*
 * The parse steps of what is read from the node (the harness
 * tests/fuzz/fuzz-selinux.c calls them on text in memory; text is
 * NUL-terminated and cut into lines in place):
 * /etc/selinux/config into s->config and s->type (-1 and why when
 * SELINUXTYPE is not a policy name); containerd's rendered config.toml
 * (1 enable_selinux = true, 0 false, -1 no such line); semanage.conf's
 * store-root into out (left as it is when none is usable); the type field
 * of a security context "user:role:type:level".
 */
int selinux_config_parse(char *text, struct sel_state *s, struct buf *why);
int selinux_containerd_parse(char *text);
void selinux_store_root_parse(char *text, char *out, size_t len);
void selinux_context_type(const char *ctx, char *out, size_t len);

#endif
