/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-health.c: `k3sguard etcd health`: every member's state and the
 * cluster's verdict.  Per member: reachable (with TLS verified against the
 * CA), version, member id, leader, raft term and index, db size, alarms.
 * Cluster: quorum, one leader, auth enabled.
 *
 * The member set is the union of the endpoints given and the client URLs
 * of the member list (a dead member is still listed, so it is probed and
 * shown as down).  Exit 0 healthy, 1 degraded (a member down, an alarm, or
 * members disagreeing on the leader, but quorum held), 2 quorum lost or
 * nothing reachable.
 */
#include "core/k3sguard.h"
#include "etcd/etcd-cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mstate {
	int ep;			/* endpoint index, -1: none */
	uint64_t id;		/* from the member list or status */
	char *name;
	int up;
	char *err;
	char *version;
	uint64_t leader, raft_term, raft_index;
	int64_t db_size;
	int learner;
	struct buf alarms;
};

static const char *
alarm_name(int a)
{
	return a == ETCDSERVERPB__ALARM_TYPE__NOSPACE ? "NOSPACE" :
	    a == ETCDSERVERPB__ALARM_TYPE__CORRUPT ? "CORRUPT" : "UNKNOWN";
}

static void
probe(struct etcd_client *c, struct mstate *m)
{
	ProtobufCMessage *resp = NULL;
	Etcdserverpb__StatusRequest req = ETCDSERVERPB__STATUS_REQUEST__INIT;
	Etcdserverpb__StatusResponse *st;

	quiet_errors++;
	int r = etcd_unary_at(c, (size_t)m->ep, ETCD_MAINT_STATUS, &req.base,
	    &etcdserverpb__status_response__descriptor, &resp);
	quiet_errors--;
	if (r < 0) {
		m->err = xstrdup(c->ep[m->ep].err.s);
		return;
	}
	if (c->last_code != GRPC_OK) {
		m->err = xasprintf("Status answered %s: %s",
		    grpc_code_name(c->last_code), c->last_msg.s);
		return;
	}
	st = (Etcdserverpb__StatusResponse *)resp;
	m->up = 1;
	m->version = xstrdup(st->version ? st->version : "");
	if (st->header && !m->id)
		m->id = st->header->member_id;
	m->leader = st->leader;
	m->raft_term = st->raftterm;
	m->raft_index = st->raftindex;
	m->db_size = st->dbsize;
	m->learner = st->islearner;
	protobuf_c_message_free_unpacked(resp, NULL);
}

static int
cmp_member(const void *a, const void *b)
{
	const struct mstate *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Everything one health run learns. */
struct health {
	struct etcd_client cl;
	struct mstate ms[ETCD_MAX_ENDPOINTS];
	size_t nms, nup, nalarms, need;
	int auth, have_list, one_leader, quorum;
	uint64_t leader;
	const char *verdict;
	struct buf alarm_err, down;
};

/* The members of the member list (from whichever endpoint answers). */
static void
list_members(struct health *h)
{
	Etcdserverpb__MemberListRequest req = ETCDSERVERPB__MEMBER_LIST_REQUEST__INIT;
	ProtobufCMessage *resp = NULL;

	quiet_errors++;
	if (etcd_unary(&h->cl, ETCD_CLUSTER_MEMBER_LIST, &req.base,
	    &etcdserverpb__member_list_response__descriptor, &resp) == 0 &&
	    h->cl.last_code == GRPC_OK) {
		Etcdserverpb__MemberListResponse *ml = (void *)resp;

		h->have_list = 1;
		for (size_t i = 0; i < ml->n_members && h->nms < ETCD_MAX_ENDPOINTS; i++) {
			Etcdserverpb__Member *mb = ml->members[i];
			struct mstate *m = &h->ms[h->nms++];

			m->id = mb->id;
			m->name = xstrdup(mb->name && *mb->name ? mb->name :
			    "(unstarted)");
			m->ep = -1;
			for (size_t j = 0; j < mb->n_clienturls && m->ep < 0; j++)
				m->ep = etcd_client_find(&h->cl, mb->clienturls[j]);
			if (m->ep < 0 && mb->n_clienturls > 0)
				m->ep = etcd_client_add(&h->cl, mb->clienturls[0]);
		}
	}
	quiet_errors--;
	if (resp)
		protobuf_c_message_free_unpacked(resp, NULL);
}

/* The endpoints given that are not in the list (or no list at all). */
static void
add_unlisted(struct health *h)
{
	for (size_t i = 0; i < h->cl.nep && h->nms < ETCD_MAX_ENDPOINTS; i++) {
		int known = 0;

		for (size_t j = 0; j < h->nms; j++)
			known |= h->ms[j].ep == (int)i;
		if (!known) {
			h->ms[h->nms].ep = (int)i;
			h->ms[h->nms].name = xstrdup(h->have_list ? "(not a member)" : "?");
			h->nms++;
		}
	}
}

static void
probe_all(struct health *h)
{
	qsort(h->ms, h->nms, sizeof(h->ms[0]), cmp_member);
	for (size_t i = 0; i < h->nms; i++) {
		struct mstate *m = &h->ms[i];

		if (m->ep < 0) {
			m->err = xstrdup("no client URL to probe");
			continue;
		}
		probe(&h->cl, m);
		if (m->up)
			h->nup++;
		else
			buf_addf(&h->down, "%s%s", h->down.len ? ", " : "", m->name);
	}
}

/* Alarms and auth need the raft log: ask only while quorum may hold. */
static void
ask_alarms_auth(struct health *h)
{
	Etcdserverpb__AlarmRequest req = ETCDSERVERPB__ALARM_REQUEST__INIT;
	ProtobufCMessage *resp = NULL;

	if (h->nup == 0)
		return;
	if (h->nup < h->nms / 2 + 1) {
		buf_adds(&h->alarm_err, "not asked: too few members up for a quorum");
		return;
	}
	req.action = ETCDSERVERPB__ALARM_REQUEST__ALARM_ACTION__GET;
	quiet_errors++;
	if (etcd_unary(&h->cl, ETCD_MAINT_ALARM, &req.base,
	    &etcdserverpb__alarm_response__descriptor, &resp) < 0)
		buf_adds(&h->alarm_err, last_error());
	else if (h->cl.last_code != GRPC_OK)
		buf_addf(&h->alarm_err, "Alarm answered %s: %s",
		    grpc_code_name(h->cl.last_code), h->cl.last_msg.s);
	else {
		Etcdserverpb__AlarmResponse *ar = (void *)resp;

		for (size_t i = 0; i < ar->n_alarms; i++) {
			for (size_t j = 0; j < h->nms; j++)
				if (h->ms[j].id == ar->alarms[i]->memberid)
					buf_addf(&h->ms[j].alarms, "%s%s",
					    h->ms[j].alarms.len ? "," : "",
					    alarm_name(ar->alarms[i]->alarm));
			h->nalarms++;
		}
	}
	if (resp)
		protobuf_c_message_free_unpacked(resp, NULL);
	h->auth = etcd_auth_enabled(&h->cl);
	quiet_errors--;
}

/* One leader: every member that is up names the same one, and it is up; then the verdict. */
static void
judge(struct health *h)
{
	h->one_leader = h->nup > 0;
	for (size_t i = 0; i < h->nms; i++) {
		if (!h->ms[i].up)
			continue;
		if (!h->leader)
			h->leader = h->ms[i].leader;
		if (!h->ms[i].leader || h->ms[i].leader != h->leader)
			h->one_leader = 0;
	}
	if (h->one_leader) {
		int leader_up = 0;

		for (size_t i = 0; i < h->nms; i++)
			leader_up |= h->ms[i].up && h->ms[i].id == h->leader;
		h->one_leader = leader_up;
	}
	h->need = h->nms / 2 + 1;
	h->quorum = h->nup >= h->need && h->one_leader;
	h->verdict = !h->quorum ? "quorum-lost" :
	    (h->nup < h->nms || h->nalarms > 0) ? "degraded" : "healthy";
}

static void
show_json(const struct health *h)
{
	json_t *arr = json_array(), *o;
	char idb[17], lb[17];

	for (size_t i = 0; i < h->nms; i++) {
		const struct mstate *m = &h->ms[i];
		json_t *j = json_pack("{s:s,s:s,s:s,s:b}", "name", m->name,
		    "id", etcd_id_str(m->id, idb), "endpoint",
		    m->ep >= 0 ? h->cl.ep[m->ep].url : "", "up", m->up);

		if (m->up) {
			json_object_set_new(j, "tls", json_string("verified"));
			json_object_set_new(j, "version", json_string(m->version));
			json_object_set_new(j, "leader",
			    json_string(etcd_id_str(m->leader, lb)));
			json_object_set_new(j, "is_leader",
			    json_boolean(m->id == m->leader));
			json_object_set_new(j, "raft_term", json_integer((json_int_t)m->raft_term));
			json_object_set_new(j, "raft_index", json_integer((json_int_t)m->raft_index));
			json_object_set_new(j, "db_size", json_integer(m->db_size));
			json_object_set_new(j, "learner", json_boolean(m->learner));
		} else {
			json_object_set_new(j, "error", json_string(m->err ? m->err : ""));
		}
		json_object_set_new(j, "alarms", json_string(m->alarms.s));
		json_array_append_new(arr, j);
	}
	o = json_pack("{s:o,s:{s:i,s:i,s:i,s:b,s:b,s:s,s:s}}", "members", arr,
	    "cluster", "members", (int)h->nms, "up", (int)h->nup, "quorum_needs",
	    (int)h->need, "quorum", h->quorum, "one_leader", h->one_leader,
	    "leader", h->one_leader ? etcd_id_str(h->leader, lb) : "",
	    "verdict", h->verdict);
	json_object_set_new(json_object_get(o, "cluster"), "auth_enabled",
	    h->auth < 0 ? json_null() : json_boolean(h->auth));
	json_object_set_new(json_object_get(o, "cluster"), "alarms",
	    json_integer((json_int_t)h->nalarms));
	char *s = json_dumps(o, JSON_INDENT(2));
	puts(s);
	free(s);
	json_decref(o);
}

static void
show_text(const struct health *h)
{
	char idb[17], lb[17];

	for (size_t i = 0; i < h->nms; i++) {
		const struct mstate *m = &h->ms[i];

		printf("member %s (%s) %s: ", m->name, etcd_id_str(m->id, idb),
		    m->ep >= 0 ? h->cl.ep[m->ep].url : "-");
		if (!m->up) {
			printf("DOWN: %s\n", m->err ? m->err : "unknown");
			continue;
		}
		printf("up, TLS verified, etcd %s, %s, leader %s, raft term %llu "
		    "index %llu, db %lld bytes, alarms %s\n", m->version,
		    m->learner ? "learner" : m->id == m->leader ? "leader" :
		    "follower", etcd_id_str(m->leader, lb),
		    (unsigned long long)m->raft_term,
		    (unsigned long long)m->raft_index, (long long)m->db_size,
		    m->alarms.len ? m->alarms.s : h->alarm_err.len ? "unknown" :
		    "none");
	}
	printf("cluster: %zu members, %zu up, quorum %s (needs %zu), %s, "
	    "auth %s, %zu alarms: %s\n", h->nms, h->nup,
	    h->quorum ? "held" : "LOST", h->need,
	    h->one_leader ? "one leader" : "NO single leader",
	    h->auth < 0 ? "unknown" : h->auth ? "enabled" : "DISABLED", h->nalarms,
	    h->verdict);
	if (h->alarm_err.len)
		printf("alarms unknown: %s\n", h->alarm_err.s);
}

/* The exit code, with the one line that says why. */
static int
health_exit(const struct health *h)
{
	if (h->nup == 0) {
		error("no etcd member reachable (%zu tried); first: '%s': %s", h->nms,
		    h->nms && h->ms[0].ep >= 0 ? h->cl.ep[h->ms[0].ep].url : "-",
		    h->nms && h->ms[0].err ? h->ms[0].err : "unknown");
		return EXIT_ERROR;
	}
	if (!h->quorum) {
		error("etcd quorum lost: %zu of %zu members up%s%s", h->nup, h->nms,
		    h->down.len ? "; down: " : "", h->down.s);
		return EXIT_ERROR;
	}
	if (h->nup < h->nms || h->nalarms > 0) {
		if (h->nup < h->nms)
			warning("etcd degraded: down: %s", h->down.s);
		else
			warning("etcd degraded: %zu alarms raised", h->nalarms);
		return EXIT_FINDINGS;
	}
	return EXIT_OK;
}

int
etcd_health(const struct health_opts *o)
{
	struct etcd_conn conn = o->conn;
	struct health *h = xcalloc(1, sizeof(*h));
	int ret;

	h->auth = -1;
	h->alarm_err = (struct buf)BUF_INIT;
	h->down = (struct buf)BUF_INIT;
	if (etcd_connect(&h->cl, &conn, 0) < 0) {
		free(h);
		return EXIT_ERROR;
	}
	list_members(h);
	add_unlisted(h);
	probe_all(h);
	ask_alarms_auth(h);
	judge(h);
	if (o->fmt == FMT_JSON)
		show_json(h);
	else
		show_text(h);
	ret = health_exit(h);
	for (size_t i = 0; i < h->nms; i++) {
		free(h->ms[i].name);
		free(h->ms[i].err);
		free(h->ms[i].version);
		buf_release(&h->ms[i].alarms);
	}
	buf_release(&h->alarm_err);
	buf_release(&h->down);
	etcd_client_free(&h->cl);
	free(h);
	return ret;
}
