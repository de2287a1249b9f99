/* SPDX-License-Identifier: Apache-2.0 */
/*
 * host-config.h: settings that name programs k3sguard runs (the exec
 * store's helper, token rotation's restart and probe commands) are this
 * host's, never an image's.
 *
 * With --root DIR, k3sguard's config inside DIR is the image's: it may say
 * which backend the image's store uses, but a program it names would run
 * on this host, chosen by whoever built the image.  Those settings are
 * read from this host's config instead: /etc/k3sguard/config.yaml (a local
 * file, not a node path), or the file named by $K3SGUARD_HOST_CONFIG.  On
 * the host (no --root, or --root /) the host's config is the one
 * config_get() reads, --config included.
 */
#ifndef K3SGUARD_HOST_CONFIG_H
#define K3SGUARD_HOST_CONFIG_H

#include "core/yamltree.h"

#define HOST_CONFIG "/etc/k3sguard/config.yaml"

/* The node at dotted in the host's config, NULL when unset (a bad file is fatal). */
const struct ynode *host_config(const char *dotted);

/*
 * Under --root, load and check this host's config now (main, at start);
 * on the host it is config_check's file.  A bad file is fatal.
 */
void host_config_check(void);
/* The host config's path, as shown to people. */
const char *host_config_path(void);

/*
 * The K3s program to run for the node (token rotate --via-cli; update's
 * embedded-etcd snapshot and cluster reset): on the host the node's own,
 * node_bin; under --root never the image's, only k3s-cli of this host's
 * config (an absolute path to a K3s binary of this host).  NULL after
 * error() naming what needed it when that is not set.
 */
const char *host_k3s_program(const char *node_bin, const char *what);

#endif
