/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nft.h: nftables rulesets for etcd isolation: addresses, rendering, and
 * reading back what the kernel holds (`nft -j list ruleset`).
 *
 * Invariants kept here:
 *  - every address that reaches a rendered ruleset went through
 *    cidr_parse() (no text from the command line is pasted into nft
 *    syntax unchecked);
 *  - the rendered ruleset touches only the table "inet k3sguard": it is
 *    created, emptied (delete + re-create in the same transaction, so the
 *    load is atomic and idempotent) and filled; no other table, chain or
 *    port is named;
 *  - the audit fails closed: a rule whose match k3sguard cannot evaluate
 *    is assumed to ACCEPT when it accepts and NOT to drop when it drops,
 *    so "restricted" is only ever reported when the readable rules prove it.
 */
#ifndef K3SGUARD_NFT_H
#define K3SGUARD_NFT_H

#include <stddef.h>

#include "core/buf.h"

#define NFT_TABLE	"k3sguard"	/* family inet */

struct cidr {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];	/* network address (4 bytes used for v4) */
	int prefix;		/* 0..32 or 0..128 */
};

/*
 * Parse "10.0.0.1", "10.0.0.0/24", "fd00::1" or "fd00::/64".  Host bits
 * set under the prefix ("10.0.0.5/24") are refused: the intent is unclear.
 * On failure: -1 with error() naming the text and what is wrong.
 */
int cidr_parse(const char *s, struct cidr *out);
/* "10.0.0.0/24" (always with the prefix length). */
void cidr_format(const struct cidr *c, struct buf *out);
/* 1 when addr (of c's family) lies inside c. */
int cidr_contains(const struct cidr *c, int family, const unsigned char *addr);

/*
 * Parse a comma-separated list into a freshly allocated array.  An empty
 * list, an empty item or a bad address fail (-1, error() naming `what`).
 */
int cidr_list_parse(const char *what, const char *list, struct cidr **out, size_t *n);

struct isolate_spec {
	const struct cidr *clients;	/* may reach the client port */
	size_t nclients;
	const struct cidr *peers;	/* may reach the peer port (may be empty) */
	size_t npeers;
	unsigned client_port;
	unsigned peer_port;
};

/* The whole ruleset for `nft -f`, replacing our table atomically. */
void nft_render_isolate(const struct isolate_spec *s, struct buf *out);
/* A ruleset that removes our table (and succeeds when it is absent). */
void nft_render_remove(struct buf *out);

/*
 * Look for nft: the given path, or "nft" in /usr/sbin:/usr/bin:/sbin:/bin.
 * Returns a malloc'd absolute path, or NULL with error().
 */
char *nft_find(const char *given);
/*
 * Run nft with args (NULL-terminated, without argv[0]) and `in` on stdin.
 * 0 when nft exited 0; otherwise -1 with error() carrying nft's first
 * line of complaint.  out (may be NULL) receives nft's stdout.
 */
int nft_run(const char *nft, const char *const *args, const char *in, size_t in_len,
    struct buf *out);

/* ---- audit: what the loaded ruleset does to new TCP connections ---- */

#define NFT_MAX_ALLOWED 64

struct nft_port_report {
	unsigned port;
	int any_v4;		/* a new connection from an unlisted IPv4 address gets in */
	int any_v6;		/* ... from an unlisted IPv6 address */
	int loopback;		/* ... over the loopback interface */
	int restricted;		/* !any_v4 && !any_v6 */
	struct cidr allowed[NFT_MAX_ALLOWED];	/* sources seen in rules that get in */
	size_t nallowed;
	int allowed_truncated;
};

struct nft_audit {
	int have_table;		/* "inet k3sguard" is loaded */
	int input_chains;	/* base chains on the input hook */
	struct buf notes;	/* assumptions made, one per line */
};

/*
 * Evaluate `nft -j list ruleset` output (name for messages) for each port
 * (set .port before the call).  -1 with error() when the JSON is not an
 * nftables ruleset.
 */
int nft_audit_ports(const char *name, const char *json, size_t len, struct nft_port_report *ports,
    size_t nports, struct nft_audit *a);
void nft_audit_release(struct nft_audit *a);

/* The audit's "etcd.firewall" check (check-etcd-firewall.c, a row in check-etcd.c). */
struct node;
struct check_result;
void check_etcd_firewall(const struct node *n, struct check_result *r);

#endif
