/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-mut-nft.c: address lists and prefixes at the edges the mutation run
 * (make mutate, docs/testing.md) found untested: a list of exactly 4096
 * addresses is taken, 4097 refused; a prefix contains an address only when
 * every one of its bits matches, the last one included.
 */
#include "core/k3sguard.h"
#include "nft/nft.h"
#include "unit.h"

#include <arpa/inet.h>

static int
list_of(size_t n)
{
	struct buf b = BUF_INIT;
	struct cidr *v = NULL;
	size_t got = 0;
	int r;

	for (size_t i = 0; i < n; i++)
		buf_addf(&b, "%s10.%zu.%zu.%zu", i ? "," : "", (i >> 16) & 255, (i >> 8) & 255,
		    i & 255);
	r = cidr_list_parse("--clients", b.s, &v, &got);
	if (r == 0 && got != n)
		r = -2;
	free(v);
	buf_release(&b);
	return r;
}

static void
test_list_limit(void)
{
	quiet_errors++;
	CHECK(list_of(1) == 0);
	CHECK(list_of(4096) == 0);
	CHECK(list_of(4097) < 0);
	quiet_errors--;
}

static int
contains(const char *prefix, const char *addr)
{
	struct cidr c;
	unsigned char a[16];
	int fam = strchr(addr, ':') ? AF_INET6 : AF_INET;

	if (cidr_parse(prefix, &c) < 0 || inet_pton(fam, addr, a) != 1)
		return -1;
	return cidr_contains(&c, fam, a);
}

static void
test_last_bit(void)
{
	CHECK(contains("10.0.0.2/32", "10.0.0.2") == 1);
	CHECK(contains("10.0.0.2/32", "10.0.0.3") == 0);
	CHECK(contains("10.0.0.0/31", "10.0.0.1") == 1);
	CHECK(contains("10.0.0.0/31", "10.0.0.2") == 0);
	CHECK(contains("10.0.0.0/25", "10.0.0.127") == 1);
	CHECK(contains("10.0.0.0/25", "10.0.0.128") == 0);
	CHECK(contains("fd00::10/128", "fd00::11") == 0);
	CHECK(contains("fd00::10/127", "fd00::11") == 1);
	CHECK(contains("10.0.0.0/8", "fd00::1") == 0);
}

/*
 * A jump the audit cannot follow (to a chain not in the ruleset, as a
 * hand-edited or truncated listing has it) is assumed to accept: the port
 * stays open, the note says why.  nft itself refuses such a ruleset, so
 * this is JSON written here, in the form `nft -j list ruleset` prints.
 */
#define NFT_HEAD "{\"nftables\": [{\"table\": {\"family\": \"inet\", \"name\": \"f\", " \
	"\"handle\": 1}}, {\"chain\": {\"family\": \"inet\", \"table\": \"f\", " \
	"\"name\": \"input\", \"handle\": 1, \"type\": \"filter\", \"hook\": \"input\", " \
	"\"prio\": 0, \"policy\": \"drop\"}}, "

static void
test_unfollowable_jump(void)
{
	const char *js = NFT_HEAD "{\"rule\": {\"family\": \"inet\", \"table\": \"f\", "
	    "\"chain\": \"input\", \"handle\": 2, \"expr\": [{\"jump\": {\"target\": "
	    "\"elsewhere\"}}]}}]}";
	struct nft_port_report ports[2];
	struct nft_audit a;

	memset(ports, 0, sizeof(ports));
	memset(&a, 0, sizeof(a));
	ports[0].port = 2379;
	ports[1].port = 2380;
	CHECK(nft_audit_ports("jump", js, strlen(js), ports, 2, &a) == 0);
	CHECK(!ports[0].restricted && !ports[1].restricted);
	CHECK(a.notes.s && strstr(a.notes.s, "cannot be followed") != NULL);
	nft_audit_release(&a);
}

int
main(void)
{
	T(test_list_limit);
	T(test_last_bit);
	T(test_unfollowable_jump);
	return UNIT_DONE();
}
