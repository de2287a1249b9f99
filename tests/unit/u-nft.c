/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-nft.c: addresses, the isolation ruleset (fed to the real nft -c, then
 * loaded and read back in a private network namespace), and the audit of
 * rulesets that real nft turned into JSON (tests/fixtures/nft/NAME.nft ->
 * NAME.json, made with `nft -f NAME.nft && nft -j list ruleset`).
 */
#include "core/k3sguard.h"
#include "nft/nft.h"
#include "unit.h"

#include <sched.h>
#include <sys/socket.h>

static const char *
fmt(const struct cidr *c)
{
	static struct buf b = BUF_INIT;

	buf_reset(&b);
	cidr_format(c, &b);
	return b.s;
}

static void
test_cidr_good(void)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "10.0.0.1", "10.0.0.1/32" },
		{ "10.0.0.0/24", "10.0.0.0/24" },
		{ "192.168.1.128/25", "192.168.1.128/25" },
		{ "fd00::1", "fd00::1/128" },
		{ "fd00::/64", "fd00::/64" },
		{ "2001:db8::/32", "2001:db8::/32" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
	};
	struct cidr c;

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		CHECK(cidr_parse(t[i].in, &c) == 0);
		CHECK_STR(fmt(&c), t[i].out);
	}
}

static void
test_cidr_bad(void)
{
	static const char *const bad[] = { "", "10.0.0", "10.0.0.256", "10.0.0.1/33",
		"10.0.0.1/", "10.0.0.1/-1", "10.0.0.1/24x", "/24", "fd00::/129", "fe80::1%eth0",
		"10.0.0.5/24", "fd00::1/64", "host.example", " 10.0.0.1", "10.0.0.1 ",
		"10.0.0.1/24/1" };
	struct cidr c;

	quiet_errors++;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (cidr_parse(bad[i], &c) == 0) {
			fprintf(stderr, "# accepted '%s'\n", bad[i]);
			CHECK(0);
		}
	}
	CHECK(cidr_parse("10.0.0.5/24", &c) < 0);
	CHECK(strstr(last_error(), "did you mean 10.0.0.0/24") != NULL);
	quiet_errors--;
}

static void
test_cidr_list(void)
{
	struct cidr *v = NULL;
	size_t n = 0;

	CHECK(cidr_list_parse("--clients", "10.0.0.1,fd00::/64", &v, &n) == 0 && n == 2);
	free(v);
	quiet_errors++;
	CHECK(cidr_list_parse("--clients", "", &v, &n) < 0);
	CHECK(cidr_list_parse("--clients", "10.0.0.1,", &v, &n) < 0);
	CHECK(cidr_list_parse("--clients", "10.0.0.1,,10.0.0.2", &v, &n) < 0);
	CHECK(cidr_list_parse("--peers", "10.0.0.1,::/0", &v, &n) < 0);
	CHECK(strstr(last_error(), "--peers") && strstr(last_error(), "every address"));
	CHECK(cidr_list_parse("--peers", "10.0.0.1,bogus", &v, &n) < 0);
	CHECK(strstr(last_error(), "'bogus'") != NULL);
	quiet_errors--;
}

static void
render(const char *clients, const char *peers, struct buf *out)
{
	struct cidr *c = NULL, *p = NULL;
	size_t nc = 0, np = 0;
	struct isolate_spec s = { 0 };

	if (cidr_list_parse("c", clients, &c, &nc) < 0 ||
	    (*peers && cidr_list_parse("p", peers, &p, &np) < 0))
		abort();
	s.clients = c;
	s.nclients = nc;
	s.peers = p;
	s.npeers = np;
	s.client_port = 2379;
	s.peer_port = 2380;
	nft_render_isolate(&s, out);
	free(c);
	free(p);
}

static void
test_render(void)
{
	struct buf b = BUF_INIT;

	render("10.0.0.10,10.0.1.0/24", "", &b);
	CHECK(strstr(b.s, "table inet k3sguard\ndelete table inet k3sguard\n") != NULL);
	CHECK(strstr(b.s, "elements = { 10.0.0.10/32, 10.0.1.0/24 }") != NULL);
	CHECK(strstr(b.s, "tcp dport != { 2379, 2380 } accept") != NULL);
	CHECK(strstr(b.s, "iif \"lo\" accept") != NULL);
	CHECK(strstr(b.s, "tcp dport 2379 ip saddr @etcd_clients_v4 accept") != NULL);
	CHECK(strstr(b.s, "tcp dport { 2379, 2380 } counter drop") != NULL);
	/* no IPv6 clients, no peers: no such set and no accept for them */
	CHECK(strstr(b.s, "etcd_clients_v6") == NULL);
	CHECK(strstr(b.s, "etcd_peers") == NULL);
	/* the only table named is ours */
	for (const char *p = b.s; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0)) {
		const char *t = strstr(p, "table ");

		if (*p == '#' || !t || t > p + strcspn(p, "\n"))
			continue;
		CHECK(starts_with(t, "table inet k3sguard", NULL));
	}
	buf_release(&b);
}

static struct nft_audit audit;
static struct nft_port_report ports[2];

static int
audit_json(const char *name, const char *json, size_t len)
{
	nft_audit_release(&audit);
	ports[0].port = 2379;
	ports[1].port = 2380;
	return nft_audit_ports(name, json, len, ports, 2, &audit);
}

static int
audit_fixture(const char *name)
{
	const char *top = getenv("TOP");
	char *path = xasprintf("%s/tests/fixtures/nft/%s.json", top ? top : ".", name);
	struct buf b = BUF_INIT;
	int r = -1;

	if (file_read(path, 1u << 20, &b, NULL) == 0)
		r = audit_json(path, b.s, b.len);
	buf_release(&b);
	free(path);
	return r;
}

static int
allowed_is(const struct nft_port_report *r, const char *want)
{
	struct buf b = BUF_INIT;
	int ok;

	for (size_t i = 0; i < r->nallowed; i++) {
		if (i)
			buf_adds(&b, ",");
		cidr_format(&r->allowed[i], &b);
	}
	ok = !strcmp(b.s, want);
	if (!ok)
		fprintf(stderr, "# port %u allowed '%s', want '%s'\n", r->port, b.s, want);
	buf_release(&b);
	return ok;
}

/* our table plus an older policy-drop firewall with a jump */
static void
test_audit_mixed(void)
{
	CHECK(audit_fixture("mixed") == 0);
	CHECK(audit.have_table && audit.input_chains == 2);
	CHECK(ports[0].restricted && ports[0].loopback);
	/* 10.0.0.10 and 10.1/16 pass our table but not table ip filt; IPv6 is not filt's */
	CHECK(allowed_is(&ports[0], "fd00::/64"));
	CHECK(ports[1].restricted && allowed_is(&ports[1], "10.0.0.1/32,10.0.0.2/32"));
}

/* unreadable matches: a drop behind one restricts nothing, an accept lets in */
static void
test_audit_unknown_fails_closed(void)
{
	CHECK(audit_fixture("unknown") == 0);
	CHECK(!audit.have_table);
	CHECK(!ports[0].restricted && ports[0].any_v4 && ports[0].any_v6);
	/* "tcp dport 2380 drop" follows "meta mark 0x2 accept": cannot be sure */
	CHECK(!ports[1].restricted);
	CHECK(strstr(audit.notes.s, "cannot evaluate 'meta mark'") != NULL);
}

/* policy drop, a ct state verdict map, a port range, by source */
static void
test_audit_policy(void)
{
	CHECK(audit_fixture("policy") == 0);
	CHECK(ports[0].restricted && ports[0].loopback);
	CHECK(allowed_is(&ports[0], "192.168.7.0/24,2001:db8:7::/48"));
	CHECK(ports[1].restricted && allowed_is(&ports[1], "192.168.7.0/24"));
	CHECK(audit.notes.len == 0);
}

/* udp and other ports filtered: etcd's TCP ports are open */
static void
test_audit_open(void)
{
	CHECK(audit_fixture("open") == 0);
	CHECK(!ports[0].restricted && ports[0].any_v4 && ports[0].any_v6);
	CHECK(!ports[1].restricted);
}

static void
test_audit_bad_json(void)
{
	static const char *const bad[] = { "", "{", "[]", "{\"nftables\": 3}",
		"{\"nftables\": [{\"chain\": {\"family\": \"inet\"}}]}",
		"{\"nftables\": [{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"nope\"}}]}" };

	quiet_errors++;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(audit_json("bad.json", bad[i], strlen(bad[i])) < 0);
	CHECK(strstr(last_error(), "'bad.json'") != NULL);
	quiet_errors--;
	/* an empty ruleset: everything open */
	CHECK(audit_json("empty", "{\"nftables\": []}", 16) == 0);
	CHECK(ports[0].any_v4 && ports[1].any_v6 && !audit.input_chains);
}

/*
 * The real consumer: in a network namespace of our own, nft -c accepts the
 * rendered ruleset, nft -f loads it, and the audit of what the kernel then
 * lists says what the ruleset meant.  Needs root and network namespaces.
 */
static int live_skip;
static char live_why[128];

static void
test_live_nft(void)
{
	static const char *const check[] = { "-c", "-f", "-", NULL };
	static const char *const load[] = { "-f", "-", NULL };
	static const char *const list[] = { "-j", "list", "ruleset", NULL };
	struct buf rules = BUF_INIT, js = BUF_INIT;
	char *nft = NULL;

	quiet_errors++;
	nft = nft_find(NULL);
	quiet_errors--;
	if (!nft || unshare(CLONE_NEWNET) < 0) {
		live_skip = 1;
		snprintf(live_why, sizeof(live_why), "%s", !nft ? "nft is not installed" :
		    errno == EPERM ? "no permission for a network namespace (not root?)" :
		    "the kernel refuses network namespaces");
		free(nft);
		return;
	}
	render("10.0.0.10,10.0.1.0/24,fd00::10", "10.0.0.1,10.0.0.2,fd00::1", &rules);
	CHECK(nft_run(nft, check, rules.s, rules.len, NULL) == 0);
	CHECK(nft_run(nft, load, rules.s, rules.len, NULL) == 0);
	/* a second load replaces, it does not add */
	CHECK(nft_run(nft, load, rules.s, rules.len, NULL) == 0);
	CHECK(nft_run(nft, list, NULL, 0, &js) == 0);
	CHECK(audit_json("live", js.s, js.len) == 0);
	CHECK(audit.have_table && audit.input_chains == 1);
	CHECK(ports[0].restricted && ports[0].loopback);
	CHECK(allowed_is(&ports[0], "10.0.0.10/32,10.0.1.0/24,fd00::10/128"));
	CHECK(ports[1].restricted && allowed_is(&ports[1], "10.0.0.1/32,10.0.0.2/32,fd00::1/128"));
	CHECK(audit.notes.len == 0);
	/* removal: twice, the second time with nothing to remove */
	buf_reset(&rules);
	nft_render_remove(&rules);
	CHECK(nft_run(nft, load, rules.s, rules.len, NULL) == 0);
	CHECK(nft_run(nft, load, rules.s, rules.len, NULL) == 0);
	buf_reset(&js);
	CHECK(nft_run(nft, list, NULL, 0, &js) == 0);
	CHECK(strstr(js.s, "k3sguard") == NULL);
	/* nft's own complaint comes back on one line */
	quiet_errors++;
	CHECK(nft_run(nft, check, "table inet x { bogus }\n", 22, NULL) < 0);
	quiet_errors--;
	CHECK(strstr(last_error(), "Error:") != NULL && !strchr(last_error(), '\n'));
	buf_release(&rules);
	buf_release(&js);
	free(nft);
}

int
main(void)
{
	T(test_cidr_good);
	T(test_cidr_bad);
	T(test_cidr_list);
	T(test_render);
	T(test_audit_mixed);
	T(test_audit_unknown_fails_closed);
	T(test_audit_policy);
	T(test_audit_open);
	T(test_audit_bad_json);
	unit_cur_failed = 0;
	test_live_nft();
	unit_n++;
	if (live_skip)
		printf("ok %d - test_live_nft # SKIP %s\n", unit_n, live_why);
	else
		printf("%sok %d - test_live_nft\n", unit_cur_failed ? "not " : "", unit_n);
	unit_failed += unit_cur_failed;
	nft_audit_release(&audit);
	return UNIT_DONE();
}
