/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nft-audit.c: see nft.h.  What the loaded nftables ruleset (`nft -j list
 * ruleset`) does to a NEW TCP connection to a port, evaluated for sample
 * sources: every source prefix the ruleset names (its first and last
 * address), an address no rule names (IPv4 and IPv6), and loopback.
 *
 * Every base chain on the input hook (families inet, ip, ip6) is walked; a
 * packet gets in when none of them drops it (an accept ends only its own
 * chain).  Fails closed: a match that cannot be evaluated makes an accept
 * count and a drop not count (see nft.h).
 */
#include "core/k3sguard.h"
#include "nft/nft.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <sys/socket.h>

static int
addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* ---- audit: evaluate the loaded ruleset for one new TCP connection ---- */

struct nchain {
	const char *family, *table, *name;
	int base_input;		/* base chain on the input hook */
	int policy_drop;
	json_t **rules;		/* "rule" objects, in order */
	size_t nrules;
};

struct nset {
	const char *family, *table, *name;
	json_t *elem;		/* may be NULL (empty set) */
};

struct pkt {
	int family;		/* AF_INET / AF_INET6 */
	unsigned char addr[16];	/* source */
	int lo;			/* came in on the loopback interface */
	unsigned port;		/* TCP destination port */
};

struct ev {
	struct nchain *chains;
	size_t nchains;
	struct nset *sets;
	size_t nsets;
	struct buf *notes;
	int uncertain;		/* inside a jump taken only because its match was unreadable */
	long steps;
};

enum verdict { V_CONTINUE, V_ACCEPT, V_DROP, V_RETURN };

static void
note(struct ev *e, const struct nchain *c, json_t *rule, const char *what)
{
	struct buf line = BUF_INIT;
	json_t *h = json_object_get(rule, "handle");

	buf_addf(&line, "%s %s chain %s rule %lld: %s\n", c->family, c->table, c->name,
	    json_is_integer(h) ? (long long)json_integer_value(h) : -1LL, what);
	if (!strstr(e->notes->s, line.s) && e->notes->len < 16384)
		buf_add(e->notes, line.s, line.len);
	buf_release(&line);
}

static const struct nset *
find_set(const struct ev *e, const struct nchain *c, const char *name)
{
	for (size_t i = 0; i < e->nsets; i++)
		if (!strcmp(e->sets[i].name, name) && !strcmp(e->sets[i].table, c->table) &&
		    !strcmp(e->sets[i].family, c->family))
			return &e->sets[i];
	return NULL;
}

static struct nchain *
find_chain(const struct ev *e, const struct nchain *c, const char *name)
{
	for (size_t i = 0; i < e->nchains; i++)
		if (!strcmp(e->chains[i].name, name) && !strcmp(e->chains[i].table, c->table) &&
		    !strcmp(e->chains[i].family, c->family))
			return &e->chains[i];
	return NULL;
}

/* What the packet carries for one left-hand side. */
enum vkind { VK_NONE, VK_NUM, VK_ADDR, VK_IFACE, VK_CTSTATE, VK_NFPROTO, VK_ETHPROTO };
struct val {
	enum vkind kind;
	long long num;
	int family;
	const unsigned char *addr;
	int lo;
};

static int
proto_num(json_t *j, long long *out)
{
	const char *s = json_string_value(j);

	if (json_is_integer(j)) {
		*out = json_integer_value(j);
		return 0;
	}
	if (!s)
		return -1;
	if (!strcmp(s, "tcp"))
		*out = 6;
	else if (!strcmp(s, "udp"))
		*out = 17;
	else if (!strcmp(s, "icmp"))
		*out = 1;
	else if (!strcmp(s, "ipv6-icmp") || !strcmp(s, "icmpv6"))
		*out = 58;
	else if (!strcmp(s, "sctp"))
		*out = 132;
	else
		return -1;
	return 0;
}

static int
json_addr(json_t *j, struct cidr *c)
{
	const char *s = json_string_value(j);
	json_t *p = json_object_get(j, "prefix");

	if (p) {
		const char *a = json_string_value(json_object_get(p, "addr"));
		json_t *l = json_object_get(p, "len");
		struct cidr t;

		if (!a || !json_is_integer(l))
			return -1;
		quiet_errors++;
		int r = cidr_parse(a, &t);
		quiet_errors--;
		if (r < 0 || json_integer_value(l) < 0 ||
		    json_integer_value(l) > addr_len(t.family) * 8)
			return -1;
		t.prefix = (int)json_integer_value(l);
		*c = t;
		return 0;
	}
	if (!s || *s == '@')
		return -1;
	quiet_errors++;
	int r = cidr_parse(s, c);
	quiet_errors--;
	clear_error();
	return r;
}

static int
addr_cmp(const unsigned char *a, const unsigned char *b, int len)
{
	return memcmp(a, b, (size_t)len);
}

/* One element of a right-hand side: 1 matches, 0 not, -1 cannot tell. */
static int
elem_match(const struct val *v, json_t *el)
{
	json_t *range = json_object_get(el, "range");

	switch (v->kind) {
	case VK_NUM: {
		long long lo, hi;

		if (json_is_array(range) && json_array_size(range) == 2 &&
		    proto_num(json_array_get(range, 0), &lo) == 0 &&
		    proto_num(json_array_get(range, 1), &hi) == 0)
			return v->num >= lo && v->num <= hi;
		if (proto_num(el, &lo) == 0)
			return v->num == lo;
		return -1;
	}
	case VK_ADDR: {
		struct cidr c, hi;

		if (json_is_array(range) && json_array_size(range) == 2 &&
		    json_addr(json_array_get(range, 0), &c) == 0 &&
		    json_addr(json_array_get(range, 1), &hi) == 0) {
			int len = addr_len(v->family);

			if (c.family != v->family || hi.family != v->family)
				return 0;
			return addr_cmp(v->addr, c.addr, len) >= 0 &&
			    addr_cmp(v->addr, hi.addr, len) <= 0;
		}
		if (json_addr(el, &c) == 0)
			return cidr_contains(&c, v->family, v->addr);
		return -1;
	}
	case VK_IFACE: {
		const char *s = json_string_value(el);

		if (!s)
			return -1;
		if (v->lo)
			return !strcmp(s, "lo");
		/* a non-loopback packet: not "lo"; any other name may be its interface */
		return !strcmp(s, "lo") ? 0 : -1;
	}
	case VK_CTSTATE: {
		const char *s = json_string_value(el);

		return s ? !strcmp(s, "new") : -1;
	}
	case VK_NFPROTO: {
		const char *s = json_string_value(el);

		if (!s)
			return -1;
		return !strcmp(s, v->family == AF_INET ? "ipv4" : "ipv6");
	}
	case VK_ETHPROTO: {
		const char *s = json_string_value(el);

		if (!s)
			return -1;
		return !strcmp(s, v->family == AF_INET ? "ip" : "ip6");
	}
	case VK_NONE:
		break;
	}
	return -1;
}

static int
any_match(const struct ev *e, const struct nchain *c, const struct val *v, json_t *right)
{
	json_t *list = NULL;
	const char *s = json_string_value(right);
	int unknown = 0;

	if (s && *s == '@') {
		const struct nset *set = find_set(e, c, s + 1);

		if (!set)
			return -1;
		if (!set->elem)
			return 0;
		list = set->elem;
	} else if (json_is_object(right) && json_object_get(right, "set")) {
		list = json_object_get(right, "set");
	} else if (json_is_array(right)) {
		list = right;
	}
	if (!list)
		return elem_match(v, right);
	if (!json_is_array(list))
		return elem_match(v, list);
	for (size_t i = 0; i < json_array_size(list); i++) {
		int r = elem_match(v, json_array_get(list, i));

		if (r == 1)
			return 1;
		if (r < 0)
			unknown = 1;
	}
	return unknown ? -1 : 0;
}

/*
 * The value of a left-hand side for this packet.  Returns 1 with *v filled,
 * 0 when the expression implies a protocol the packet does not have (the
 * whole match is false), -1 when k3sguard cannot tell.
 */
static int
left_value(json_t *left, const struct pkt *p, struct val *v)
{
	json_t *pl = json_object_get(left, "payload");
	json_t *meta = json_object_get(left, "meta");
	json_t *ct = json_object_get(left, "ct");

	memset(v, 0, sizeof(*v));
	v->family = p->family;
	if (pl) {
		const char *proto = json_string_value(json_object_get(pl, "protocol"));
		const char *field = json_string_value(json_object_get(pl, "field"));

		if (!proto || !field)
			return -1;
		if (!strcmp(proto, "tcp") || !strcmp(proto, "th")) {
			if (strcmp(field, "dport"))
				return -1;
			v->kind = VK_NUM;
			v->num = p->port;
			return 1;
		}
		if (!strcmp(proto, "ip") || !strcmp(proto, "ip6")) {
			if ((p->family == AF_INET) != !strcmp(proto, "ip"))
				return 0;
			if (!strcmp(field, "saddr")) {
				v->kind = VK_ADDR;
				v->addr = p->addr;
				return 1;
			}
			if (!strcmp(field, "protocol") || !strcmp(field, "nexthdr")) {
				v->kind = VK_NUM;
				v->num = 6;
				return 1;
			}
			return -1;
		}
		/* udp, sctp, icmp, arp, ether ...: a TCP/IP packet does not carry them */
		if (!strcmp(proto, "udp") || !strcmp(proto, "udplite") || !strcmp(proto, "sctp") ||
		    !strcmp(proto, "dccp") || !strcmp(proto, "icmp") || !strcmp(proto, "icmpv6") ||
		    !strcmp(proto, "arp"))
			return 0;
		return -1;
	}
	if (meta) {
		const char *key = json_string_value(json_object_get(meta, "key"));

		if (!key)
			return -1;
		if (!strcmp(key, "l4proto")) {
			v->kind = VK_NUM;
			v->num = 6;
			return 1;
		}
		if (!strcmp(key, "iif") || !strcmp(key, "iifname")) {
			v->kind = VK_IFACE;
			v->lo = p->lo;
			return 1;
		}
		if (!strcmp(key, "nfproto")) {
			v->kind = VK_NFPROTO;
			return 1;
		}
		if (!strcmp(key, "protocol")) {
			v->kind = VK_ETHPROTO;
			return 1;
		}
		return -1;
	}
	if (ct) {
		const char *key = json_string_value(json_object_get(ct, "key"));

		if (key && !strcmp(key, "state")) {
			v->kind = VK_CTSTATE;
			return 1;
		}
		return -1;
	}
	return -1;
}

static int
eval_match(const struct ev *e, const struct nchain *c, json_t *m, const struct pkt *p)
{
	const char *op = json_string_value(json_object_get(m, "op"));
	json_t *right = json_object_get(m, "right");
	struct val v;
	int r = left_value(json_object_get(m, "left"), p, &v);

	if (r == 0)
		return 0;
	if (r < 0 || !op || !right)
		return -1;
	if (!strcmp(op, "==") || !strcmp(op, "in"))
		return any_match(e, c, &v, right);
	if (!strcmp(op, "!=")) {
		r = any_match(e, c, &v, right);
		return r < 0 ? -1 : !r;
	}
	if (v.kind == VK_NUM && json_is_integer(right)) {
		long long x = json_integer_value(right);

		if (!strcmp(op, "<"))
			return v.num < x;
		if (!strcmp(op, ">"))
			return v.num > x;
		if (!strcmp(op, "<="))
			return v.num <= x;
		if (!strcmp(op, ">="))
			return v.num >= x;
	}
	return -1;
}

static enum verdict eval_chain(struct ev *e, struct nchain *c, const struct pkt *p, int depth);

static enum verdict
do_verdict(struct ev *e, struct nchain *c, json_t *rule, const char *key, json_t *arg,
    const struct pkt *p, int depth, int sure)
{
	if (!strcmp(key, "accept"))
		return V_ACCEPT;
	if (!strcmp(key, "drop") || !strcmp(key, "reject")) {
		if (!sure || e->uncertain) {
			note(e, c, rule, "a drop that may not apply to every packet: not counted");
			return V_CONTINUE;
		}
		return V_DROP;
	}
	if (!strcmp(key, "return"))
		return V_RETURN;
	if (!strcmp(key, "continue"))
		return V_CONTINUE;
	if (!strcmp(key, "jump") || !strcmp(key, "goto")) {
		const char *t = json_string_value(json_object_get(arg, "target"));
		struct nchain *tc = t ? find_chain(e, c, t) : NULL;
		enum verdict v;

		if (!tc || depth >= 16) {
			note(e, c, rule, "jump to a chain that cannot be followed: assumed accept");
			return V_ACCEPT;
		}
		if (!sure)
			e->uncertain++;
		v = eval_chain(e, tc, p, depth + 1);
		if (!sure)
			e->uncertain--;
		if (v == V_ACCEPT || v == V_DROP)
			return v;
		return !strcmp(key, "goto") && sure ? V_RETURN : V_CONTINUE;
	}
	/* queue and anything else that hands the packet on: it may get in */
	note(e, c, rule, "verdict k3sguard cannot follow: assumed accept");
	return V_ACCEPT;
}

static int
is_verdict(const char *k)
{
	static const char *const v[] = { "accept", "drop", "reject", "return", "continue",
		"jump", "goto", "queue" };

	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		if (!strcmp(k, v[i]))
			return 1;
	return 0;
}

/* Statements that neither match nor decide. */
static int
is_passive(const char *k)
{
	static const char *const v[] = { "counter", "log", "mangle", "notrack", "set", "map",
		"ct helper", "ct timeout", "ct expectation", "dup", "fwd" };

	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		if (!strcmp(k, v[i]))
			return 1;
	return 0;
}

/* "cannot evaluate 'meta mark'" for a note. */
static void
describe(json_t *left, char *out, size_t n)
{
	void *it = json_object_iter(left);
	const char *kind = it ? json_object_iter_key(it) : "?";
	json_t *v = it ? json_object_iter_value(it) : NULL;
	const char *a = json_string_value(json_object_get(v, "protocol"));
	const char *b = json_string_value(json_object_get(v, a ? "field" : "key"));

	if (a && b)
		snprintf(out, n, "cannot evaluate '%.20s %.20s'", a, b);
	else if (b)
		snprintf(out, n, "cannot evaluate '%.20s %.20s'", kind, b);
	else
		snprintf(out, n, "cannot evaluate '%.40s'", kind);
}

static enum verdict
eval_rule(struct ev *e, struct nchain *c, json_t *rule, const struct pkt *p, int depth)
{
	json_t *expr = json_object_get(rule, "expr");
	int sure = 1;

	if (!json_is_array(expr))
		return V_CONTINUE;
	for (size_t i = 0; i < json_array_size(expr); i++) {
		json_t *st = json_array_get(expr, i);
		const char *key = NULL;
		json_t *arg = NULL;
		void *it = json_object_iter(st);

		if (!it)
			continue;
		key = json_object_iter_key(it);
		arg = json_object_iter_value(it);
		if (!strcmp(key, "match")) {
			int r = eval_match(e, c, arg, p);

			if (r == 0)
				return V_CONTINUE;
			if (r < 0) {
				char what[96];

				describe(json_object_get(arg, "left"), what, sizeof(what));
				note(e, c, rule, what);
				sure = 0;
			}
			continue;
		}
		if (is_verdict(key))
			return do_verdict(e, c, rule, key, arg, p, depth, sure);
		if (!strcmp(key, "vmap")) {
			struct val v;
			json_t *data = json_object_get(json_object_get(arg, "data"), "set");
			int r = left_value(json_object_get(arg, "key"), p, &v);

			if (r == 0)
				return V_CONTINUE;
			for (size_t k = 0; r > 0 && json_is_array(data) && k < json_array_size(data); k++) {
				json_t *pair = json_array_get(data, k);
				json_t *vd = json_array_get(pair, 1);
				void *vi = json_object_iter(vd);
				int m = elem_match(&v, json_array_get(pair, 0));

				if (m == 0 || !vi)
					continue;
				return do_verdict(e, c, rule, json_object_iter_key(vi),
				    json_object_iter_value(vi), p, depth, sure && m == 1);
			}
			if (r > 0 && json_is_array(data))
				return V_CONTINUE;
			note(e, c, rule, "a verdict map k3sguard cannot evaluate: assumed accept");
			return V_ACCEPT;
		}
		if (is_passive(key))
			continue;
		/* limit, quota, meter, fib, xt and the like: may or may not match */
		{
			char what[96];

			snprintf(what, sizeof(what), "cannot evaluate '%.40s'", key);
			note(e, c, rule, what);
		}
		sure = 0;
	}
	return V_CONTINUE;
}

static enum verdict
eval_chain(struct ev *e, struct nchain *c, const struct pkt *p, int depth)
{
	if (++e->steps > 2000000) {
		if (!strstr(e->notes->s, "evaluation stopped"))
			buf_adds(e->notes, "evaluation stopped after 2000000 chain walks: the rest "
			    "assumed to accept\n");
		return V_ACCEPT;
	}
	for (size_t i = 0; i < c->nrules; i++) {
		enum verdict v = eval_rule(e, c, c->rules[i], p, depth);

		if (v == V_ACCEPT || v == V_DROP)
			return v;
		if (v == V_RETURN)
			return V_RETURN;
	}
	return V_CONTINUE;
}

/* 1 when a new connection of p gets through every base chain on input. */
static int
admitted(struct ev *e, const struct pkt *p)
{
	for (size_t i = 0; i < e->nchains; i++) {
		struct nchain *c = &e->chains[i];
		enum verdict v;

		if (!c->base_input)
			continue;
		if (!strcmp(c->family, "ip") ? p->family != AF_INET :
		    !strcmp(c->family, "ip6") ? p->family != AF_INET6 : 0)
			continue;
		v = eval_chain(e, c, p, 0);
		if (v == V_DROP)
			return 0;
		if ((v == V_CONTINUE || v == V_RETURN) && c->policy_drop)
			return 0;
	}
	return 1;
}

/* Every source prefix the ruleset names: ip/ip6 saddr matches and address sets. */
static void
collect_prefixes(json_t *j, struct cidr **v, size_t *n)
{
	struct cidr c;

	if (*n >= 1024)
		return;
	if (json_is_object(j)) {
		const char *key;
		json_t *val;

		if (json_addr(j, &c) == 0) {
			*v = xrealloc(*v, (*n + 1) * sizeof(**v));
			(*v)[(*n)++] = c;
			return;
		}
		json_object_foreach(j, key, val)
			collect_prefixes(val, v, n);
	} else if (json_is_array(j)) {
		for (size_t i = 0; i < json_array_size(j); i++)
			collect_prefixes(json_array_get(j, i), v, n);
	} else if (json_is_string(j) && json_addr(j, &c) == 0) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = c;
	}
}

static int
load_ruleset(const char *name, const char *json, size_t len, json_t **root, struct ev *e,
    struct nft_audit *a)
{
	json_error_t jerr;
	json_t *list;

	*root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*root)
		return error("'%s': line %d: %s", name, jerr.line, jerr.text);
	list = json_object_get(*root, "nftables");
	if (!json_is_array(list))
		return error("'%s': no \"nftables\" array", name);
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *o = json_array_get(list, i), *x;

		if ((x = json_object_get(o, "table"))) {
			const char *f = json_string_value(json_object_get(x, "family"));
			const char *n = json_string_value(json_object_get(x, "name"));

			if (f && n && !strcmp(f, "inet") && !strcmp(n, NFT_TABLE))
				a->have_table = 1;
		} else if ((x = json_object_get(o, "chain"))) {
			struct nchain c = { 0 };
			const char *hook = json_string_value(json_object_get(x, "hook"));
			const char *pol = json_string_value(json_object_get(x, "policy"));

			c.family = json_string_value(json_object_get(x, "family"));
			c.table = json_string_value(json_object_get(x, "table"));
			c.name = json_string_value(json_object_get(x, "name"));
			if (!c.family || !c.table || !c.name)
				return error("'%s': chain without family, table or name", name);
			c.base_input = hook && !strcmp(hook, "input") &&
			    (!strcmp(c.family, "inet") || !strcmp(c.family, "ip") ||
			    !strcmp(c.family, "ip6"));
			c.policy_drop = pol && !strcmp(pol, "drop");
			a->input_chains += c.base_input;
			e->chains = xrealloc(e->chains, (e->nchains + 1) * sizeof(c));
			e->chains[e->nchains++] = c;
		} else if ((x = json_object_get(o, "set"))) {
			struct nset s = { 0 };

			s.family = json_string_value(json_object_get(x, "family"));
			s.table = json_string_value(json_object_get(x, "table"));
			s.name = json_string_value(json_object_get(x, "name"));
			s.elem = json_object_get(x, "elem");
			if (!s.family || !s.table || !s.name)
				return error("'%s': set without family, table or name", name);
			e->sets = xrealloc(e->sets, (e->nsets + 1) * sizeof(s));
			e->sets[e->nsets++] = s;
		}
	}
	/* rules after their chains (nft lists chains first within a table) */
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *x = json_object_get(json_array_get(list, i), "rule");
		struct nchain probe = { 0 }, *c;
		const char *cname;

		if (!x)
			continue;
		probe.family = json_string_value(json_object_get(x, "family"));
		probe.table = json_string_value(json_object_get(x, "table"));
		cname = json_string_value(json_object_get(x, "chain"));
		if (!probe.family || !probe.table || !cname)
			return error("'%s': rule without family, table or chain", name);
		if (!(c = find_chain(e, &probe, cname)))
			return error("'%s': rule for unknown chain '%s'", name, cname);
		c->rules = xrealloc(c->rules, (c->nrules + 1) * sizeof(*c->rules));
		c->rules[c->nrules++] = x;
	}
	return 0;
}

static void
sample_outside(int family, const struct cidr *known, size_t n, struct pkt *p)
{
	/* documentation and shared ranges: no K3s server is expected there */
	static const char *const v4[] = { "203.0.113.77", "198.51.100.77", "192.0.2.77",
		"100.127.0.77", "1.0.0.77", "172.31.254.77", "10.254.254.77" };
	static const char *const v6[] = { "2001:db8:ffff::77", "3fff:ffff::77", "fdff::77",
		"2a00::77" };
	const char *const *list = family == AF_INET ? v4 : v6;
	size_t cnt = family == AF_INET ? ARRAY_SIZE(v4) : ARRAY_SIZE(v6);

	memset(p, 0, sizeof(*p));
	p->family = family;
	inet_pton(family, list[0], p->addr);
	for (size_t i = 0; i < cnt; i++) {
		unsigned char a[16] = { 0 };
		size_t k;

		inet_pton(family, list[i], a);
		for (k = 0; k < n; k++)
			if (known[k].prefix > 0 && cidr_contains(&known[k], family, a))
				break;
		if (k == n) {
			memcpy(p->addr, a, sizeof(a));
			return;
		}
	}
}

/* Keep only the widest allowed prefixes: 10.0.0.1/32 says nothing next to 10.0.0.0/8. */
static void
drop_covered(struct nft_port_report *r)
{
	size_t out = 0;

	for (size_t i = 0; i < r->nallowed; i++) {
		int covered = 0;

		for (size_t j = 0; j < r->nallowed && !covered; j++)
			covered = j != i && r->allowed[j].prefix < r->allowed[i].prefix &&
			    cidr_contains(&r->allowed[j], r->allowed[i].family, r->allowed[i].addr);
		if (!covered)
			r->allowed[out++] = r->allowed[i];
	}
	r->nallowed = out;
}

int
nft_audit_ports(const char *name, const char *json, size_t len, struct nft_port_report *ports,
    size_t nports, struct nft_audit *a)
{
	struct ev e = { 0 };
	json_t *root = NULL;
	struct cidr *pre = NULL;
	size_t npre = 0;
	int ret = -1;

	memset(a, 0, sizeof(*a));
	buf_init(&a->notes);
	e.notes = &a->notes;
	if (load_ruleset(name, json, len, &root, &e, a) < 0)
		goto done;
	for (size_t i = 0; i < e.nchains; i++)
		for (size_t r = 0; r < e.chains[i].nrules; r++)
			collect_prefixes(json_object_get(e.chains[i].rules[r], "expr"), &pre, &npre);
	for (size_t i = 0; i < e.nsets; i++)
		if (e.sets[i].elem)
			collect_prefixes(e.sets[i].elem, &pre, &npre);
	for (size_t pi = 0; pi < nports; pi++) {
		struct nft_port_report *r = &ports[pi];
		unsigned port = r->port;
		struct pkt p;

		memset(r, 0, sizeof(*r));
		r->port = port;
		sample_outside(AF_INET, pre, npre, &p);
		p.port = port;
		r->any_v4 = admitted(&e, &p);
		sample_outside(AF_INET6, pre, npre, &p);
		p.port = port;
		r->any_v6 = admitted(&e, &p);
		memset(&p, 0, sizeof(p));
		p.family = AF_INET;
		p.lo = 1;
		p.port = port;
		p.addr[0] = 127;
		p.addr[3] = 1;
		r->loopback = admitted(&e, &p);
		r->restricted = !r->any_v4 && !r->any_v6;
		for (size_t k = 0; k < npre; k++) {
			struct pkt q = { 0 };
			int ok, dup = 0, alen = addr_len(pre[k].family);

			q.family = pre[k].family;
			q.port = port;
			memcpy(q.addr, pre[k].addr, 16);
			ok = admitted(&e, &q);
			/* the last address of the prefix too */
			for (int bit = pre[k].prefix; bit < alen * 8; bit++)
				q.addr[bit / 8] |= (unsigned char)(0x80 >> (bit % 8));
			ok = ok && admitted(&e, &q);
			if (!ok || (pre[k].family == AF_INET ? r->any_v4 : r->any_v6))
				continue;
			for (size_t d = 0; d < r->nallowed; d++)
				if (!memcmp(&r->allowed[d], &pre[k], sizeof(pre[k])))
					dup = 1;
			if (dup)
				continue;
			if (r->nallowed == NFT_MAX_ALLOWED) {
				r->allowed_truncated = 1;
				continue;
			}
			r->allowed[r->nallowed++] = pre[k];
		}
		drop_covered(r);
	}
	ret = 0;
done:
	for (size_t i = 0; i < e.nchains; i++)
		free(e.chains[i].rules);
	free(e.chains);
	free(e.sets);
	free(pre);
	json_decref(root);
	return ret;
}

void
nft_audit_release(struct nft_audit *a)
{
	buf_release(&a->notes);
}
