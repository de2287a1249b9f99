/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-audit.h: the live etcd checks of `k3sguard audit` (rows in
 * src/check-etcd.c).  They talk to the cluster K3s is configured for
 * (datastore-endpoint and datastore-cafile/certfile/keyfile), or, when the
 * node has none, the one in k3sguard's config (etcd.endpoints, etcd.cacert,
 * etcd.cert, etcd.key).  Never "pass" on what is not known: no endpoints,
 * or an image audited without --live, is "skip" with the reason; endpoints
 * that all proved unreachable are "error" naming them (see etcd-audit.c).
 */
#ifndef K3SGUARD_ETCD_AUDIT_H
#define K3SGUARD_ETCD_AUDIT_H

#include "checks/check.h"

void etcd_live_client_cert_auth(const struct node *n, struct check_result *r);
void etcd_live_auth_enabled(const struct node *n, struct check_result *r);
void etcd_live_k3s_role(const struct node *n, struct check_result *r);
void etcd_live_members(const struct node *n, struct check_result *r);
void etcd_cert_expiry(const struct node *n, struct check_result *r);

#endif
