/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check-credentials.h: files as strong as the server token, for the
 * server-token strategy (rows in check-server-token.c): the admin
 * kubeconfig K3s writes, the kubeconfigs and passwd under server/cred/,
 * the private keys under server/tls/.
 */
#ifndef K3SGUARD_CHECK_CREDENTIALS_H
#define K3SGUARD_CHECK_CREDENTIALS_H

#include "checks/check.h"

/* The kubeconfig path K3s writes (write-kubeconfig, else its default). */
const char *k3s_kubeconfig_path(const struct node *n);

void check_kubeconfig_mode(const struct node *n, struct check_result *r);
void check_cred_files(const struct node *n, struct check_result *r);
void check_tls_keys(const struct node *n, struct check_result *r);

#endif
