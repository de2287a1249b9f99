/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-nft-audit.c: libFuzzer harness for nft_audit_ports() (src/nft-audit.c)
 * on arbitrary bytes as `nft -j list ruleset` output (--status --from-json
 * reads such a file), and for cidr_parse() on the same bytes as text.
 */
#include "core/k3sguard.h"
#include "nft/nft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nft_port_report ports[2] = { { .port = 2379 }, { .port = 2380 } };
	struct nft_audit a;
	struct cidr c;
	char text[80];

	quiet_errors = 1;
	if (nft_audit_ports("fuzz", (const char *)data, size, ports, 2, &a) == 0) {
		for (size_t i = 0; i < 2; i++)
			if (ports[i].nallowed > NFT_MAX_ALLOWED)
				__builtin_trap();
	}
	nft_audit_release(&a);
	if (size < sizeof(text)) {
		memcpy(text, data, size);
		text[size] = '\0';
		if (cidr_parse(text, &c) == 0 && (c.prefix < 0 || c.prefix > 128))
			__builtin_trap();
	}
	return 0;
}
