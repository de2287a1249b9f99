/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check-cis.h: which items of the CIS K3s Benchmark a check answers (the
 * numbering of the CIS K3s self-assessment guide, which kube-bench's
 * k3s-cis-1.x profiles use: cfg/k3s-cis-1.8/master.yaml, node.yaml).  A
 * check answers an item only when it examines what the item examines.
 */
#ifndef K3SGUARD_CHECK_CIS_H
#define K3SGUARD_CHECK_CIS_H

#include <stddef.h>

/* The CIS ids of check_id ("1.1.13", ...) into *ids; their count (0: none). */
size_t check_cis(const char *check_id, const char *const **ids);

#endif
