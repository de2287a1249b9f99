/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-audit.c: live etcd checks for the audit (see etcd-audit.h).
 *
 * One client per audit run, set up on first use and shared by the checks;
 * once every endpoint has proved unreachable, the remaining checks end at
 * once with the same reason instead of waiting for the same timeouts.
 *
 * What is known decides the status:
 *  - no endpoints known, or no TLS files named: skip with the reason (the
 *    file checks etcd.tls-flags/tls-files judge the configuration);
 *  - an image (--root DIR) without 'audit --live': skip "offline image",
 *    and no connection is attempted (check_offline(), the rows say
 *    REACH_NETWORK);
 *  - every endpoint unreachable: error naming them (exit 2): nothing was
 *    learned, and a datastore that is down must not end in silence;
 *    etcd.live-members-healthy fails instead when the audit runs on the
 *    node itself: K3s cannot reach a single member it points at.  From
 *    another host (an image with --live) that is unknown: error.
 */
#include "core/k3sguard.h"
#include "core/config.h"
#include "etcd/etcd-audit.h"
#include "core/gate.h"
#include "etcd/etcd-cli.h"

#include <time.h>

static struct {
	int tried;		/* set-up attempted */
	int ok;			/* client usable */
	int source_node;	/* endpoints from the K3s config (else k3sguard's) */
	int files_in_root;	/* TLS files are node files (read through the gate) */
	int all_unreachable;
	char down[1024];	/* the endpoints that did not answer */
	struct etcd_client cl;
	/* names shown; node files are read through the gate, never opened by these */
	char cacert[PATH_MAX], cert[PATH_MAX], key[PATH_MAX];
	/* the paths as configured (node paths when files_in_root) */
	char rawca[PATH_MAX], rawcert[PATH_MAX];
	char endpoints[1024];
	char reason[512];	/* why not usable */
} live;

/*
 * The TLS files into t: the node's (node paths) through the gate as blobs,
 * k3sguard's config's by path on the host itself.  Under an image the
 * config is the image's, so its paths are the image's too: through the
 * gate (this host's file at that path is another machine's).  -1 after
 * error().
 */
static int
live_tls(struct etcd_tls *t, const char *ca, const char *cert, const char *key)
{
	if (live.files_in_root)
		return etcd_tls_read_node(t, ca, cert, key);
	t->cacert = xstrdup(ca);
	t->cert = xstrdup(cert);
	t->key = xstrdup(key);
	return 0;
}

/* Paths and endpoints: the node's datastore-* first, then k3sguard's config. */
static int
live_setup(const struct node *n)
{
	const char *ep = NULL, *ca = NULL, *cert = NULL, *key = NULL;
	struct etcd_tls t = { NULL, NULL, NULL, BUF_INIT, BUF_INIT, BUF_INIT };
	char *urls[ETCD_MAX_ENDPOINTS];
	int k;

	if (live.tried)
		return live.ok ? 0 : -1;
	live.tried = 1;
	if (n->datastore == DS_EXTERNAL_ETCD && (ep = node_get(n, "datastore-endpoint"))) {
		live.source_node = 1;
		ca = node_get(n, "datastore-cafile");
		cert = node_get(n, "datastore-certfile");
		key = node_get(n, "datastore-keyfile");
	} else if ((ep = config_str("etcd.endpoints", NULL))) {
		ca = config_str("etcd.cacert", NULL);
		cert = config_str("etcd.cert", NULL);
		key = config_str("etcd.key", NULL);
	} else {
		snprintf(live.reason, sizeof(live.reason), "no etcd endpoints known "
		    "(no external etcd datastore-endpoint, no etcd.endpoints in "
		    "k3sguard's config)");
		return -1;
	}
	live.files_in_root = live.source_node || !gate_root_is_host();
	if (ca) {
		snprintf(live.rawca, sizeof(live.rawca), "%s", ca);
		snprintf(live.cacert, sizeof(live.cacert), "%s",
		    live.files_in_root ? root_path(ca) : ca);
	}
	if (cert) {
		snprintf(live.rawcert, sizeof(live.rawcert), "%s", cert);
		snprintf(live.cert, sizeof(live.cert), "%s",
		    live.files_in_root ? root_path(cert) : cert);
	}
	if (key)
		snprintf(live.key, sizeof(live.key), "%s", live.files_in_root ? root_path(key) : key);
	snprintf(live.endpoints, sizeof(live.endpoints), "%s", ep);
	if (!ca || !cert || !key) {
		snprintf(live.reason, sizeof(live.reason), "cannot reach etcd as K3s "
		    "does: %s not set", !ca ? "datastore-cafile" : !cert ?
		    "datastore-certfile" : "datastore-keyfile");
		return -1;
	}
	quiet_errors++;
	k = etcd_parse_endpoints(ep, urls, ETCD_MAX_ENDPOINTS);
	if (k > 0) {
		if (live_tls(&t, ca, cert, key) == 0 &&
		    etcd_client_init_tls(&live.cl, urls, (size_t)k, &t) == 0)
			live.ok = 1;
		etcd_tls_free(&t);
		for (int i = 0; i < k; i++)
			free(urls[i]);
	}
	quiet_errors--;
	if (!live.ok) {
		snprintf(live.reason, sizeof(live.reason), "%s", last_error());
		return -1;
	}
	live.cl.connect_timeout_ms = 2000;
	live.cl.timeout_ms = 4000;
	return 0;
}

/* A client of the same CA (the blob or the path) without a certificate. */
static int
anon_client(struct etcd_client *anon, char **url)
{
	struct etcd_tls t = { NULL, NULL, NULL, BUF_INIT, BUF_INIT, BUF_INIT };

	t.cacert = xstrdup(live.cl.tls.cacert);
	buf_add(&t.ca_pem, live.cl.tls.ca_pem.s, live.cl.tls.ca_pem.len);
	return etcd_client_init_tls(anon, url, 1, &t);
}

/*
 * A certificate of the live setup at path (as configured), shown as shown:
 * a node file read through the gate (files_in_root), or k3sguard's
 * config's file on the host itself.  cn and not_after as etcd_pem_cert.
 * -1 after error().
 */
static int
live_cert(const char *path, const char *shown, char *cn, size_t cnlen, time_t *not_after)
{
	struct pki_info in;
	struct buf pem = BUF_INIT;
	int r;

	if (live.files_in_root) {
		r = gate_read(path, 1u << 20, &pem, NULL) < 0 ? -1 :
		    etcd_pem_cert(&pem, shown, cn, cnlen, NULL, not_after);
		buf_release(&pem);
		return r;
	}
	if (pki_inspect(shown, NULL, NULL, &in) < 0)
		return -1;
	if (cn)
		snprintf(cn, cnlen, "%s", in.cn);
	if (not_after)
		*not_after = in.not_after;
	pki_info_free(&in);
	return 0;
}

/* Whose endpoints these are, for the evidence. */
static const char *
live_source(void)
{
	return live.source_node ? "K3s's datastore-endpoint" : "k3sguard's etcd.endpoints";
}

/* The result of a check when no endpoint answered: unknown, so error. */
static void
unreachable_error(struct check_result *r)
{
	check_error(r, "etcd unreachable: no endpoint of %s answered (%s): %s", live_source(),
	    live.down, live.reason);
}

/*
 * etcd.live-members-healthy when no endpoint answered: on the node itself
 * K3s cannot reach a single member it points at, which fails; from another
 * host (an image probed with --live) it is unknown.
 */
static void
members_down(struct check_result *r)
{
	if (gate_root_is_host())
		check_fail(r, "every etcd member %s names is down: %s unreachable (%s); "
		    "quorum LOST", live_source(), live.down, live.reason);
	else
		check_error(r, "no etcd member answered this host, which is not the node: %s "
		    "unreachable (%s)", live.down, live.reason);
}

typedef void (*down_fn)(struct check_result *r);

/*
 * 1 (r set) when there is nothing to talk to: skip (no endpoints, an
 * offline image) or down() (every endpoint proved unreachable).
 */
static int
live_skip(const struct node *n, struct check_result *r, down_fn down)
{
	if (live_setup(n) < 0) {
		check_skip(r, "%s", live.reason);
		return 1;
	}
	if (check_offline(r))
		return 1;
	if (live.all_unreachable) {
		down(r);
		return 1;
	}
	return 0;
}

/* Record that every endpoint proved unreachable: down names them, why is the last error. */
static void
all_unreachable(const char *down, const char *why)
{
	live.all_unreachable = 1;
	snprintf(live.down, sizeof(live.down), "%s", down);
	snprintf(live.reason, sizeof(live.reason), "%s", why);
}

/* After a call failed at the transport: down() if nothing answered at all. */
static void
transport_failed(struct check_result *r, const char *what, down_fn down)
{
	struct buf list = BUF_INIT;
	int all = 1;

	for (size_t i = 0; i < live.cl.nep; i++) {
		all &= live.cl.ep[i].unreachable;
		buf_addf(&list, "%s%s", list.len ? ", " : "", live.cl.ep[i].url);
	}
	if (all) {
		all_unreachable(list.s, last_error());
		down(r);
	} else {
		check_error(r, "%s: %s", what, last_error());
	}
	buf_release(&list);
}

/*
 * 1 when endpoint i of the live client answers a gRPC call with our
 * certificate: it is etcd, so its refusing a client without one means
 * client-certificate authentication.  A peer that refuses everybody (not
 * etcd, a TCP port that closes) proves nothing.
 */
static int
answers_with_cert(size_t i)
{
	Etcdserverpb__StatusRequest sreq = ETCDSERVERPB__STATUS_REQUEST__INIT;
	ProtobufCMessage *st = NULL;
	int ok;

	ok = etcd_unary_at(&live.cl, i, ETCD_MAINT_STATUS, &sreq.base,
	    &etcdserverpb__status_response__descriptor, &st) == 0;
	if (st)
		protobuf_c_message_free_unpacked(st, NULL);
	return ok;
}

void
etcd_live_client_cert_auth(const struct node *n, struct check_result *r)
{
	struct etcd_client anon;
	size_t answered = 0, refused = 0, unreachable = 0;
	struct buf why = BUF_INIT, down = BUF_INIT, lasterr = BUF_INIT, odd = BUF_INIT;

	if (live_skip(n, r, unreachable_error))
		return;
	quiet_errors++;
	for (size_t i = 0; i < live.cl.nep; i++) {
		char *u[1] = { live.cl.ep[i].url };
		Etcdserverpb__RangeRequest rr = ETCDSERVERPB__RANGE_REQUEST__INIT;
		ProtobufCMessage *resp = NULL;

		if (anon_client(&anon, u) < 0)
			continue;
		anon.connect_timeout_ms = 2000;
		anon.timeout_ms = 4000;
		rr.key.data = (uint8_t *)"/registry/";
		rr.key.len = 10;
		rr.count_only = 1;
		if (etcd_unary_at(&anon, 0, ETCD_KV_RANGE, &rr.base,
		    &etcdserverpb__range_response__descriptor, &resp) == 0) {
			answered++;
			if (!why.len)
				buf_addf(&why, "'%s' answered a request without a client "
				    "certificate (%s)", u[0], grpc_code_name(anon.last_code));
		} else if (anon.ep[0].unreachable) {
			unreachable++;
			buf_addf(&down, "%s%s", down.len ? ", " : "", u[0]);
			buf_reset(&lasterr);
			buf_adds(&lasterr, last_error());
		} else if (!anon.ep[0].tls_verify_failed && answers_with_cert(i)) {
			refused++;
		} else if (!anon.ep[0].tls_verify_failed) {
			buf_addf(&odd, "%s'%s' refused both a client without a certificate and "
			    "ours (%s)", odd.len ? "; " : "", u[0], live.cl.ep[i].err.s);
		}
		if (resp)
			protobuf_c_message_free_unpacked(resp, NULL);
		etcd_client_free(&anon);
	}
	quiet_errors--;
	if (answered)
		check_fail(r, "%s: etcd runs without --client-cert-auth", why.s);
	else if (odd.len)
		check_error(r, "not known to be etcd: %s", odd.s);
	else if (refused)
		check_pass(r, "%zu of %zu members refused a TLS connection without a client "
		    "certificate%s", refused, live.cl.nep, unreachable ? " (others unreachable)" : "");
	else if (unreachable == live.cl.nep) {
		all_unreachable(down.s, lasterr.s);
		unreachable_error(r);
	} else {
		check_error(r, "could not verify the members' certificates with '%s'",
		    live.cacert);
	}
	buf_release(&why);
	buf_release(&down);
	buf_release(&lasterr);
	buf_release(&odd);
}

void
etcd_live_auth_enabled(const struct node *n, struct check_result *r)
{
	int on;

	if (live_skip(n, r, unreachable_error))
		return;
	quiet_errors++;
	on = etcd_auth_enabled(&live.cl);
	quiet_errors--;
	if (on == 1)
		check_pass(r, "etcd auth is enabled (%s answered)", live.cl.ep[live.cl.last_ep].url);
	else if (on == 0)
		check_fail(r, "etcd auth is DISABLED: every client with a certificate of the "
		    "CA may read and write everything (%s)", live.cl.ep[live.cl.last_ep].url);
	else if (live.cl.last_code < 0)
		transport_failed(r, "cannot ask etcd", unreachable_error);
	else
		check_error(r, "%s", last_error());
}

void
etcd_live_k3s_role(const struct node *n, struct check_result *r)
{
	Etcdserverpb__AuthUserGetRequest ug = ETCDSERVERPB__AUTH_USER_GET_REQUEST__INIT;
	ProtobufCMessage *uresp = NULL;
	Etcdserverpb__AuthUserGetResponse *u;
	struct buf wide = BUF_INIT;
	char cn[256];
	size_t nperm = 0;

	if (live_skip(n, r, unreachable_error))
		return;
	if (live_cert(live.rawcert, live.cert, cn, sizeof(cn), NULL) < 0 || !cn[0]) {
		check_error(r, "cannot read the CN of '%s'", live.rawcert);
		return;
	}
	if (!strcmp(cn, "root")) {
		check_fail(r, "K3s reaches etcd as root (CN=root in '%s'): unconfined",
		    live.rawcert);
		return;
	}
	quiet_errors++;
	int on = etcd_auth_enabled(&live.cl);
	quiet_errors--;
	if (on < 0 && live.cl.last_code < 0) {
		transport_failed(r, "cannot ask etcd", unreachable_error);
		return;
	}
	if (on == 0) {
		check_fail(r, "auth is disabled: user '%s' is not confined at all", cn);
		return;
	}
	ug.name = cn;
	quiet_errors++;
	int rc = etcd_unary(&live.cl, ETCD_AUTH_USER_GET, &ug.base,
	    &etcdserverpb__auth_user_get_response__descriptor, &uresp);
	quiet_errors--;
	if (rc < 0) {
		transport_failed(r, "cannot read the user back", unreachable_error);
		return;
	}
	if (live.cl.last_code == GRPC_FAILED_PRECONDITION &&
	    strstr(live.cl.last_msg.s, "not enabled")) {
		check_fail(r, "auth is disabled: user '%s' is not confined at all", cn);
		return;
	}
	if (live.cl.last_code == GRPC_FAILED_PRECONDITION &&
	    strstr(live.cl.last_msg.s, "not found")) {
		check_fail(r, "etcd has no user '%s' (the CN of '%s'): K3s is refused "
		    "or, without auth, unconfined", cn, live.rawcert);
		return;
	}
	if (live.cl.last_code != GRPC_OK) {
		check_error(r, "UserGet %s answered %s: %s", cn,
		    grpc_code_name(live.cl.last_code), live.cl.last_msg.s);
		return;
	}
	u = (void *)uresp;
	for (size_t i = 0; i < u->n_roles; i++) {
		Etcdserverpb__AuthRoleGetRequest rg = ETCDSERVERPB__AUTH_ROLE_GET_REQUEST__INIT;
		ProtobufCMessage *rresp = NULL;

		if (!strcmp(u->roles[i], "root")) {
			buf_addf(&wide, "%srole root", wide.len ? "; " : "");
			continue;
		}
		rg.role = u->roles[i];
		quiet_errors++;
		rc = etcd_unary(&live.cl, ETCD_AUTH_ROLE_GET, &rg.base,
		    &etcdserverpb__auth_role_get_response__descriptor, &rresp);
		quiet_errors--;
		if (rc < 0 || live.cl.last_code != GRPC_OK) {
			buf_addf(&wide, "%srole %s unreadable", wide.len ? "; " : "",
			    u->roles[i]);
			if (rresp)
				protobuf_c_message_free_unpacked(rresp, NULL);
			continue;
		}
		Etcdserverpb__AuthRoleGetResponse *rr = (void *)rresp;

		for (size_t j = 0; j < rr->n_perm; j++) {
			nperm++;
			if (!etcd_perm_is_k3s(rr->perm[j])) {
				buf_addf(&wide, "%srole %s grants '", wide.len ? "; " : "",
				    u->roles[i]);
				for (size_t b = 0; b < rr->perm[j]->key.len && b < 64; b++) {
					int ch = rr->perm[j]->key.data[b];

					buf_addch(&wide, ch >= 0x20 && ch < 0x7f ? ch : '?');
				}
				buf_addf(&wide, "'%s", rr->perm[j]->range_end.len ? " (range)" : "");
			}
		}
		protobuf_c_message_free_unpacked(rresp, NULL);
	}
	if (wide.len)
		check_fail(r, "user '%s' may do more than K3s needs: %s", cn, wide.s);
	else if (nperm == 0)
		check_warn(r, "user '%s' has no permissions (K3s cannot work)", cn);
	else
		check_pass(r, "user '%s': %zu permissions, all within /registry/, "
		    "/bootstrap/ and compact_rev_key", cn, nperm);
	protobuf_c_message_free_unpacked(uresp, NULL);
	buf_release(&wide);
}

void
etcd_live_members(const struct node *n, struct check_result *r)
{
	Etcdserverpb__MemberListRequest mreq = ETCDSERVERPB__MEMBER_LIST_REQUEST__INIT;
	ProtobufCMessage *resp = NULL;
	struct buf down = BUF_INIT;
	size_t nmem = 0, up = 0;

	if (live_skip(n, r, members_down))
		return;
	quiet_errors++;
	if (etcd_unary(&live.cl, ETCD_CLUSTER_MEMBER_LIST, &mreq.base,
	    &etcdserverpb__member_list_response__descriptor, &resp) < 0) {
		quiet_errors--;
		transport_failed(r, "cannot list the members", members_down);
		return;
	}
	if (live.cl.last_code != GRPC_OK) {
		quiet_errors--;
		check_error(r, "MemberList answered %s: %s",
		    grpc_code_name(live.cl.last_code), live.cl.last_msg.s);
		return;
	}
	Etcdserverpb__MemberListResponse *ml = (void *)resp;

	for (size_t i = 0; i < ml->n_members; i++) {
		Etcdserverpb__Member *m = ml->members[i];
		Etcdserverpb__StatusRequest sreq = ETCDSERVERPB__STATUS_REQUEST__INIT;
		ProtobufCMessage *st = NULL;
		int ep = -1;

		nmem++;
		for (size_t j = 0; j < m->n_clienturls && ep < 0; j++)
			ep = etcd_client_find(&live.cl, m->clienturls[j]);
		if (ep < 0 && m->n_clienturls > 0)
			ep = etcd_client_add(&live.cl, m->clienturls[0]);
		if (ep >= 0 && etcd_unary_at(&live.cl, (size_t)ep, ETCD_MAINT_STATUS,
		    &sreq.base, &etcdserverpb__status_response__descriptor, &st) == 0 &&
		    live.cl.last_code == GRPC_OK)
			up++;
		else
			buf_addf(&down, "%s%s", down.len ? ", " : "",
			    m->name && *m->name ? m->name : "(unstarted)");
		if (st)
			protobuf_c_message_free_unpacked(st, NULL);
	}
	quiet_errors--;
	protobuf_c_message_free_unpacked(resp, NULL);
	if (up == nmem && nmem >= 3)
		check_pass(r, "all %zu members healthy", nmem);
	else if (up == nmem)
		check_warn(r, "all %zu members healthy, but fewer than 3: no fault tolerance",
		    nmem);
	else
		check_fail(r, "%zu of %zu members healthy; down: %s (quorum %s)", up, nmem,
		    down.s, up > nmem / 2 ? "held" : "LOST");
	buf_release(&down);
}

void
etcd_cert_expiry(const struct node *n, struct check_result *r)
{
	const char *files[2], *raw[2] = { live.rawcert, live.rawca };
	const char *names[2] = { "datastore-certfile", "datastore-cafile" };
	struct buf ok = BUF_INIT, bad = BUF_INIT, soon = BUF_INIT;
	time_t now = time(NULL);
	size_t seen = 0;

	if (live_setup(n) < 0 && !live.cert[0]) {
		check_skip(r, "%s", live.reason);
		return;
	}
	files[0] = live.cert;
	files[1] = live.cacert;
	if (!live.source_node) {
		names[0] = "etcd.cert";
		names[1] = "etcd.cacert";
	}
	for (size_t i = 0; i < 2; i++) {
		time_t not_after;

		if (!files[i][0])
			continue;
		quiet_errors++;
		int rc = live_cert(raw[i], files[i], NULL, 0, &not_after);
		quiet_errors--;
		if (rc < 0) {
			buf_addf(&bad, "%s%s: %s", bad.len ? "; " : "", names[i], last_error());
			continue;
		}
		seen++;
		long days = (long)((not_after - now) / 86400);

		if (not_after <= now)
			buf_addf(&bad, "%s%s '%s' EXPIRED", bad.len ? "; " : "", names[i],
			    raw[i]);
		else if (days < PKI_WARN_DAYS)
			buf_addf(&soon, "%s%s '%s' expires in %ld days", soon.len ? "; " : "",
			    names[i], raw[i], days);
		else
			buf_addf(&ok, "%s%s %ld days", ok.len ? ", " : "", names[i], days);
	}
	if (bad.len)
		check_fail(r, "%s", bad.s);
	else if (soon.len)
		check_warn(r, "%s (renew: k3sguard etcd pki issue --force)", soon.s);
	else if (seen)
		check_pass(r, "not near expiry: %s", ok.s);
	else
		check_skip(r, "no etcd certificates configured");
	buf_release(&ok);
	buf_release(&bad);
	buf_release(&soon);
}
