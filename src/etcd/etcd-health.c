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
#include "cmd/cmd.h"
#include "etcd/etcd-cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_FORMAT = OPT_ETCD_SUB_FIRST };

static const char usage[] =
"usage: k3sguard etcd health [--endpoints URLS --cacert FILE --cert FILE --key FILE]\n"
"                            [--format text|json]\n"
"  Probe every member; exit 0 healthy, 1 degraded (quorum held), 2 quorum lost.\n"
ETCD_CONN_USAGE;

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

int
etcd_cmd_health(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		ETCD_CONN_LONG_OPTIONS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct etcd_conn conn = { 0 };
	struct etcd_client cl;
	struct mstate ms[ETCD_MAX_ENDPOINTS];
	enum out_format fmt = FMT_TEXT;
	size_t nms = 0, nup = 0, nalarms = 0;
	int c, ret = EXIT_ERROR, auth = -1, have_list = 0, one_leader = 0;
	uint64_t leader = 0;
	struct buf alarm_err = BUF_INIT, down = BUF_INIT;
	ProtobufCMessage *resp = NULL;

	memset(ms, 0, sizeof(ms));
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg) || etcd_conn_option(&conn, c, optarg))
			continue;
		switch (c) {
		case OPT_FORMAT:
			if (parse_format(optarg, &fmt) < 0)
				usage_error("--format '%s': use text or json", optarg);
			break;
		case 'h': print_usage_exit(usage);
		default: bad_option(usage);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (etcd_connect(&cl, &conn, 0) < 0)
		return EXIT_ERROR;

	/* the member list (from whichever endpoint answers) */
	{
		Etcdserverpb__MemberListRequest req = ETCDSERVERPB__MEMBER_LIST_REQUEST__INIT;

		quiet_errors++;
		if (etcd_unary(&cl, ETCD_CLUSTER_MEMBER_LIST, &req.base,
		    &etcdserverpb__member_list_response__descriptor, &resp) == 0 &&
		    cl.last_code == GRPC_OK) {
			Etcdserverpb__MemberListResponse *ml = (void *)resp;

			have_list = 1;
			for (size_t i = 0; i < ml->n_members && nms < ETCD_MAX_ENDPOINTS; i++) {
				Etcdserverpb__Member *mb = ml->members[i];
				struct mstate *m = &ms[nms++];

				m->id = mb->id;
				m->name = xstrdup(mb->name && *mb->name ? mb->name :
				    "(unstarted)");
				m->ep = -1;
				for (size_t j = 0; j < mb->n_clienturls && m->ep < 0; j++)
					m->ep = etcd_client_find(&cl, mb->clienturls[j]);
				if (m->ep < 0 && mb->n_clienturls > 0)
					m->ep = etcd_client_add(&cl, mb->clienturls[0]);
			}
		}
		quiet_errors--;
		if (resp)
			protobuf_c_message_free_unpacked(resp, NULL);
		resp = NULL;
	}
	/* endpoints given that are not in the list (or no list at all) */
	for (size_t i = 0; i < cl.nep && nms < ETCD_MAX_ENDPOINTS; i++) {
		int known = 0;

		for (size_t j = 0; j < nms; j++)
			known |= ms[j].ep == (int)i;
		if (!known) {
			ms[nms].ep = (int)i;
			ms[nms].name = xstrdup(have_list ? "(not a member)" : "?");
			nms++;
		}
	}
	qsort(ms, nms, sizeof(ms[0]), cmp_member);
	for (size_t i = 0; i < nms; i++) {
		if (ms[i].ep < 0) {
			ms[i].err = xstrdup("no client URL to probe");
			continue;
		}
		probe(&cl, &ms[i]);
		if (ms[i].up)
			nup++;
		else
			buf_addf(&down, "%s%s", down.len ? ", " : "", ms[i].name);
	}

	/* alarms and auth need the raft log: ask only while quorum may hold */
	if (nup > 0 && nup >= nms / 2 + 1) {
		Etcdserverpb__AlarmRequest req = ETCDSERVERPB__ALARM_REQUEST__INIT;

		req.action = ETCDSERVERPB__ALARM_REQUEST__ALARM_ACTION__GET;
		quiet_errors++;
		if (etcd_unary(&cl, ETCD_MAINT_ALARM, &req.base,
		    &etcdserverpb__alarm_response__descriptor, &resp) < 0)
			buf_adds(&alarm_err, last_error());
		else if (cl.last_code != GRPC_OK)
			buf_addf(&alarm_err, "Alarm answered %s: %s",
			    grpc_code_name(cl.last_code), cl.last_msg.s);
		else {
			Etcdserverpb__AlarmResponse *ar = (void *)resp;

			for (size_t i = 0; i < ar->n_alarms; i++) {
				for (size_t j = 0; j < nms; j++)
					if (ms[j].id == ar->alarms[i]->memberid)
						buf_addf(&ms[j].alarms, "%s%s",
						    ms[j].alarms.len ? "," : "",
						    alarm_name(ar->alarms[i]->alarm));
				nalarms++;
			}
		}
		if (resp)
			protobuf_c_message_free_unpacked(resp, NULL);
		resp = NULL;
		auth = etcd_auth_enabled(&cl);
		quiet_errors--;
	} else if (nup > 0) {
		buf_adds(&alarm_err, "not asked: too few members up for a quorum");
	}

	/* one leader: every member that is up names the same one, and it is up */
	one_leader = nup > 0;
	for (size_t i = 0; i < nms; i++) {
		if (!ms[i].up)
			continue;
		if (!leader)
			leader = ms[i].leader;
		if (!ms[i].leader || ms[i].leader != leader)
			one_leader = 0;
	}
	if (one_leader) {
		int leader_up = 0;

		for (size_t i = 0; i < nms; i++)
			leader_up |= ms[i].up && ms[i].id == leader;
		one_leader = leader_up;
	}
	size_t need = nms / 2 + 1;
	int quorum = nup >= need && one_leader;
	const char *verdict = !quorum ? "quorum-lost" :
	    (nup < nms || nalarms > 0) ? "degraded" : "healthy";
	char idb[17], lb[17];

	if (fmt == FMT_JSON) {
		json_t *arr = json_array(), *o;

		for (size_t i = 0; i < nms; i++) {
			struct mstate *m = &ms[i];
			json_t *j = json_pack("{s:s,s:s,s:s,s:b}", "name", m->name,
			    "id", etcd_id_str(m->id, idb), "endpoint",
			    m->ep >= 0 ? cl.ep[m->ep].url : "", "up", m->up);

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
		    "cluster", "members", (int)nms, "up", (int)nup, "quorum_needs",
		    (int)need, "quorum", quorum, "one_leader", one_leader,
		    "leader", one_leader ? etcd_id_str(leader, lb) : "",
		    "verdict", verdict);
		json_object_set_new(json_object_get(o, "cluster"), "auth_enabled",
		    auth < 0 ? json_null() : json_boolean(auth));
		json_object_set_new(json_object_get(o, "cluster"), "alarms",
		    json_integer((json_int_t)nalarms));
		char *s = json_dumps(o, JSON_INDENT(2));
		puts(s);
		free(s);
		json_decref(o);
	} else {
		for (size_t i = 0; i < nms; i++) {
			struct mstate *m = &ms[i];

			printf("member %s (%s) %s: ", m->name, etcd_id_str(m->id, idb),
			    m->ep >= 0 ? cl.ep[m->ep].url : "-");
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
			    m->alarms.len ? m->alarms.s : alarm_err.len ? "unknown" :
			    "none");
		}
		printf("cluster: %zu members, %zu up, quorum %s (needs %zu), %s, "
		    "auth %s, %zu alarms: %s\n", nms, nup,
		    quorum ? "held" : "LOST", need,
		    one_leader ? "one leader" : "NO single leader",
		    auth < 0 ? "unknown" : auth ? "enabled" : "DISABLED", nalarms,
		    verdict);
		if (alarm_err.len)
			printf("alarms unknown: %s\n", alarm_err.s);
	}
	if (nup == 0) {
		error("no etcd member reachable (%zu tried); first: '%s': %s", nms,
		    nms && ms[0].ep >= 0 ? cl.ep[ms[0].ep].url : "-",
		    nms && ms[0].err ? ms[0].err : "unknown");
		ret = EXIT_ERROR;
	} else if (!quorum) {
		error("etcd quorum lost: %zu of %zu members up%s%s", nup, nms,
		    down.len ? "; down: " : "", down.s);
		ret = EXIT_ERROR;
	} else if (nup < nms || nalarms > 0) {
		if (nup < nms)
			warning("etcd degraded: down: %s", down.s);
		else
			warning("etcd degraded: %zu alarms raised", nalarms);
		ret = EXIT_FINDINGS;
	} else {
		ret = EXIT_OK;
	}
	for (size_t i = 0; i < nms; i++) {
		free(ms[i].name);
		free(ms[i].err);
		free(ms[i].version);
		buf_release(&ms[i].alarms);
	}
	buf_release(&alarm_err);
	buf_release(&down);
	etcd_client_free(&cl);
	return ret;
}
