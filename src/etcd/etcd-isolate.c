/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-isolate.c: `k3sguard etcd isolate`: only the K3s servers reach
 * etcd's client port, only etcd members its peer port (nftables), the
 * audit of what the loaded ruleset allows, and a reachability probe.
 *
 * Invariants:
 *  - nothing reaches nft before every address and port was validated;
 *  - --apply checks the ruleset with `nft -c` and only then loads it, in
 *    one `nft -f` transaction; the ruleset goes over stdin, never a shell;
 *  - only the table "inet k3sguard" is ever created, replaced or deleted;
 *  - an empty client list is refused: it would cut K3s off its datastore.
 */
#include "core/k3sguard.h"
#include "etcd/etcd-isolate.h"
#include "nft/nft.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

unsigned
isolate_port_arg(const char *opt, const char *s)
{
	long long v;

	if (parse_num(s, 1, 65535, &v) < 0)
		usage_error("%s: '%s' is not a port (1..65535)", opt, s);
	return (unsigned)v;
}

/* ---- apply / remove / print ---- */

static int
load_ruleset(const struct isolate_opts *o, const struct buf *rules, const char *what)
{
	static const char *const check[] = { "-c", "-f", "-", NULL };
	static const char *const load[] = { "-f", "-", NULL };
	char *nft = nft_find(o->nft);
	int ret = EXIT_ERROR;

	if (!nft)
		return EXIT_ERROR;
	if (o->dry_run) {
		printf("# dry run: would check with '%s -c -f -', then %s with '%s -f -':\n",
		    nft, what, nft);
		fputs(rules->s, stdout);
		ret = EXIT_OK;
		goto done;
	}
	if (nft_run(nft, check, rules->s, rules->len, NULL) < 0)
		goto done;
	if (nft_run(nft, load, rules->s, rules->len, NULL) < 0)
		goto done;
	ret = EXIT_OK;
done:
	free(nft);
	return ret;
}

/*
 * Read back what the kernel now holds and audit it: both ports must be
 * restricted (our drop is final whatever other tables say).
 */
static int
verify_loaded(const struct isolate_opts *o)
{
	static const char *const list[] = { "-j", "list", "ruleset", NULL };
	struct nft_port_report ports[2] = { { .port = o->client_port }, { .port = o->peer_port } };
	struct nft_audit a = { 0 };
	struct buf js = BUF_INIT;
	char *nft = nft_find(o->nft);
	int ret = EXIT_ERROR;

	if (!nft || nft_run(nft, list, NULL, 0, &js) < 0 ||
	    nft_audit_ports("nft -j list ruleset", js.s, js.len, ports, 2, &a) < 0)
		goto done;
	if (!a.have_table || !ports[0].restricted || !ports[1].restricted) {
		error("loaded, but reading the ruleset back shows port %u %s and port %u %s",
		    o->client_port, ports[0].restricted ? "restricted" : "OPEN",
		    o->peer_port, ports[1].restricted ? "restricted" : "OPEN");
		goto done;
	}
	printf("verified: the kernel's ruleset restricts ports %u and %u "
	    "('k3sguard etcd isolate --status' shows to whom)\n", o->client_port, o->peer_port);
	ret = EXIT_OK;
done:
	nft_audit_release(&a);
	buf_release(&js);
	free(nft);
	return ret;
}

static int
do_isolate(const struct isolate_opts *o)
{
	struct cidr *clients = NULL, *peers = NULL;
	size_t nclients = 0, npeers = 0;
	struct isolate_spec spec = { 0 };
	struct buf rules = BUF_INIT;
	int ret;

	if (!o->clients)
		usage_error("--clients is required (the K3s servers that use etcd)");
	if (!o->peers)
		usage_error("--peers is required (the etcd members, or 'none' for a single member)");
	if (o->client_port == o->peer_port)
		usage_error("--client-port and --peer-port are both %u", o->client_port);
	quiet_errors++;
	if (!*o->clients) {
		quiet_errors--;
		usage_error("--clients: empty list refused: it would cut every K3s server off etcd");
	}
	if (cidr_list_parse("--clients", o->clients, &clients, &nclients) < 0 ||
	    (strcmp(o->peers, "none") &&
	    cidr_list_parse("--peers", o->peers, &peers, &npeers) < 0)) {
		quiet_errors--;
		usage_error("%s", last_error());
	}
	quiet_errors--;
	spec.clients = clients;
	spec.nclients = nclients;
	spec.peers = peers;
	spec.npeers = npeers;
	spec.client_port = o->client_port;
	spec.peer_port = o->peer_port;
	nft_render_isolate(&spec, &rules);
	if (o->mode == M_PRINT) {
		fputs(rules.s, stdout);
		ret = EXIT_OK;
	} else {
		ret = load_ruleset(o, &rules, "load");
		if (ret == EXIT_OK && !o->dry_run) {
			printf("loaded table inet %s: port %u from %zu client source(s) and loopback, "
			    "port %u from %zu peer source(s) and loopback\n", NFT_TABLE,
			    o->client_port, nclients, o->peer_port, npeers);
			ret = verify_loaded(o);
		}
	}
	buf_release(&rules);
	free(clients);
	free(peers);
	return ret;
}

static int
do_remove(const struct isolate_opts *o)
{
	struct buf rules = BUF_INIT;
	int ret;

	nft_render_remove(&rules);
	ret = load_ruleset(o, &rules, "remove");
	if (ret == EXIT_OK && !o->dry_run)
		printf("removed table inet %s (other tables untouched)\n", NFT_TABLE);
	buf_release(&rules);
	return ret;
}

/* ---- status ---- */

static void
port_text(const char *role, const struct nft_port_report *r)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s port %u: ", role, r->port);
	if (r->any_v4 || r->any_v6) {
		buf_addf(&b, "OPEN: new connections from any %s source get in",
		    r->any_v4 && r->any_v6 ? "IPv4 and IPv6" : r->any_v4 ? "IPv4" : "IPv6");
	} else {
		buf_adds(&b, "restricted; new connections allowed from ");
		for (size_t i = 0; i < r->nallowed; i++) {
			cidr_format(&r->allowed[i], &b);
			buf_adds(&b, ", ");
		}
		if (r->allowed_truncated)
			buf_adds(&b, "(more), ");
		if (r->loopback)
			buf_adds(&b, "loopback");
		else if (r->nallowed)
			buf_setlen(&b, b.len - 2);
		else
			buf_adds(&b, "nobody");
	}
	puts(b.s);
	buf_release(&b);
}

static json_t *
port_json(const char *role, const struct nft_port_report *r)
{
	json_t *allowed = json_array();
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < r->nallowed; i++) {
		buf_reset(&b);
		cidr_format(&r->allowed[i], &b);
		json_array_append_new(allowed, json_string(b.s));
	}
	buf_release(&b);
	return json_pack("{s:s, s:i, s:b, s:b, s:b, s:b, s:o, s:b}", "role", role,
	    "port", (int)r->port, "restricted", r->restricted, "open_to_any_ipv4", r->any_v4,
	    "open_to_any_ipv6", r->any_v6, "loopback", r->loopback, "allowed", allowed,
	    "allowed_truncated", r->allowed_truncated);
}

static int
do_status(const struct isolate_opts *o)
{
	static const char *const list[] = { "-j", "list", "ruleset", NULL };
	struct nft_port_report ports[2];
	struct nft_audit a = { 0 };
	struct buf js = BUF_INIT;
	int ret = EXIT_ERROR;

	if (o->from_json) {
		if (file_read(o->from_json, 64u << 20, &js, NULL) < 0)
			goto done;
	} else {
		char *nft = nft_find(o->nft);

		if (!nft)
			goto done;
		if (nft_run(nft, list, NULL, 0, &js) < 0) {
			free(nft);
			goto done;
		}
		free(nft);
	}
	ports[0].port = o->client_port;
	ports[1].port = o->peer_port;
	if (nft_audit_ports(o->from_json ? o->from_json : "nft -j list ruleset", js.s,
	    js.len, ports, 2, &a) < 0)
		goto done;
	if (o->json) {
		json_t *notes = json_array();
		const char *p = a.notes.s;
		char *out;

		while (*p) {
			size_t n = strcspn(p, "\n");
			char *line = xstrndup(p, n);

			json_array_append_new(notes, json_string(line));
			free(line);
			p += n + (p[n] == '\n');
		}
		json_t *root = json_pack("{s:b, s:i, s:[o,o], s:o}", "table_loaded", a.have_table,
		    "input_chains", a.input_chains, "ports", port_json("client", &ports[0]),
		    port_json("peer", &ports[1]), "notes", notes);
		out = json_dumps(root, JSON_INDENT(2));
		puts(out);
		free(out);
		json_decref(root);
	} else {
		printf("table inet %s: %s; %d base chain(s) on the input hook\n", NFT_TABLE,
		    a.have_table ? "loaded" : "not loaded", a.input_chains);
		port_text("client", &ports[0]);
		port_text("peer", &ports[1]);
		for (const char *p = a.notes.s; *p;) {
			size_t n = strcspn(p, "\n");

			printf("note: %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	ret = ports[0].restricted && ports[1].restricted ? EXIT_OK : EXIT_FINDINGS;
done:
	nft_audit_release(&a);
	buf_release(&js);
	return ret;
}

/* ---- probe ---- */

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "connected", "refused", "timed out", ... for one address. */
static const char *
try_connect(const struct addrinfo *ai, int timeout_ms)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    ai->ai_protocol);
	struct pollfd pf;
	int err = 0, r;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return strerror(errno);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
		close(fd);
		return "connected";
	}
	if (errno != EINPROGRESS) {
		err = errno;
		goto out;
	}
	pf.fd = fd;
	pf.events = POLLOUT;
	do
		r = poll(&pf, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		close(fd);
		return "timed out";
	}
	if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
out:
	close(fd);
	if (!err)
		return "connected";
	if (err == ECONNREFUSED)
		return "refused";
	if (err == ETIMEDOUT)
		return "timed out";
	return strerror(err);
}

static int
do_probe(const struct isolate_opts *o)
{
	json_t *arr = json_array();
	const char *p = o->probe;
	int ret = EXIT_OK;

	for (;;) {
		size_t n = strcspn(p, ",");
		char *item = xstrndup(p, n), *host, *port, *end;
		struct addrinfo hints = { 0 }, *res = NULL, *ai = NULL;
		const char *result = "no address";
		long long t0, ms;
		unsigned pn;
		int rc;

		host = item;
		if (*host == '[' && (end = strchr(host, ']')) && end[1] == ':') {
			*end = '\0';
			host++;
			port = end + 2;
		} else if ((port = strrchr(item, ':')) && !strchr(host, '[') &&
		    port == strchr(item, ':')) {
			*port++ = '\0';
		} else {
			usage_error("--probe: '%s' is not HOST:PORT (IPv6 as [ADDR]:PORT)", item);
		}
		pn = isolate_port_arg("--probe", port);
		if (!*host)
			usage_error("--probe: '%s' has no host", p);
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_NUMERICSERV;
		rc = getaddrinfo(host, port, &hints, &res);
		t0 = mono_ms();
		if (rc != 0)
			result = gai_strerror(rc);
		else
			for (ai = res; ai; ai = ai->ai_next) {
				result = try_connect(ai, o->timeout_ms);
				if (!strcmp(result, "connected"))
					break;
			}
		ms = mono_ms() - t0;
		{
			char addr[INET6_ADDRSTRLEN] = "?";
			int reach = !strcmp(result, "connected");

			const struct addrinfo *shown = ai ? ai : res;

			if (shown) {
				const void *a = shown->ai_family == AF_INET ?
				    (const void *)&((struct sockaddr_in *)shown->ai_addr)->sin_addr :
				    (const void *)&((struct sockaddr_in6 *)shown->ai_addr)->sin6_addr;

				inet_ntop(shown->ai_family, a, addr, sizeof(addr));
			}
			if (o->json)
				json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:b, s:s, s:I}",
				    "target", host, "address", addr, "port", (int)pn,
				    "reachable", reach, "result", result, "ms", (json_int_t)ms));
			else
				printf("%s port %s (%s): %s%s (%lld ms)\n", host, port, addr,
				    reach ? "REACHABLE: " : "not reachable: ", result, ms);
		}
		if (res)
			freeaddrinfo(res);
		free(item);
		if (!p[n])
			break;
		p += n + 1;
	}
	if (o->json) {
		json_t *root = json_pack("{s:o}", "probes", arr);
		char *out = json_dumps(root, JSON_INDENT(2));

		puts(out);
		free(out);
		json_decref(root);
	} else {
		json_decref(arr);
	}
	return ret;
}

void
etcd_isolate_defaults(struct isolate_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->client_port = 2379;
	o->peer_port = 2380;
	o->timeout_ms = 3000;
}

int
etcd_isolate(const struct isolate_opts *o)
{
	switch (o->mode) {
	case M_PRINT:
	case M_APPLY:
		return do_isolate(o);
	case M_REMOVE:
		return do_remove(o);
	case M_STATUS:
		return do_status(o);
	case M_PROBE:
		return do_probe(o);
	}
	return EXIT_ERROR;
}
