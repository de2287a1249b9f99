/* SPDX-License-Identifier: Apache-2.0 */
/* options.c: the defaults of the global options (see options.h). */
#include "core/k3sguard.h"

struct options gopt = {
	.root = NULL,
	.k3s_bin = NULL,	/* the node model finds it: node.c find_k3s_bin() */
	.data_dir = NULL,
	.config = "/etc/k3sguard/config.yaml",
	.k3s_version = NULL,
};
