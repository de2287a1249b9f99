/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-rbac.c: `k3sguard etcd rbac apply|verify`.
 *
 * apply (as CN=root): users root and k3s (no password: the client
 * certificate's CN is the identity), roles root and k3s, the k3s role with
 * readwrite on the prefixes /registry/ and /bootstrap/ and the single key
 * compact_rev_key, the grants, then auth enable.  It reads the state first
 * and makes only the calls that are missing: a second run changes nothing
 * and says so; --dry-run lists the calls.  It never revokes: a wider k3s
 * role is reported, not silently changed.
 *
 * verify (as CN=k3s): live probes.  Writes under /registry/ and /bootstrap/
 * use a fresh random key and are deleted again.  compact_rev_key belongs to
 * K3s (kine's compaction bookkeeping): it is read, and write/delete
 * permission is probed with a transaction whose compare can never hold
 * (version < 0), so the write is permission-checked by etcd (it checks
 * both branches of a Txn) but never applied.  Writes outside are probed
 * the same way, so a too-wide role leaves no trace either.
 */
#include "core/k3sguard.h"
#include "etcd/etcd-cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static void
print_bytes(FILE *f, const ProtobufCBinaryData *d)
{
	for (size_t i = 0; i < d->len; i++) {
		int ch = d->data[i];

		if (ch >= 0x20 && ch < 0x7f)
			fputc(ch, f);
		else
			fprintf(f, "\\x%02x", ch);
	}
}

/* "user/role name not found" comes back as FAILED_PRECONDITION */
static int
not_found(const struct etcd_client *c)
{
	return c->last_code == GRPC_FAILED_PRECONDITION &&
	    strstr(c->last_msg.s, "not found");
}

/* UserGet: 1 exists (roles in *resp), 0 missing, -1 error */
static int
user_get(struct etcd_client *c, const char *name, Etcdserverpb__AuthUserGetResponse **out)
{
	Etcdserverpb__AuthUserGetRequest req = ETCDSERVERPB__AUTH_USER_GET_REQUEST__INIT;
	ProtobufCMessage *resp = NULL;

	req.name = (char *)name;
	*out = NULL;
	if (etcd_unary(c, ETCD_AUTH_USER_GET, &req.base,
	    &etcdserverpb__auth_user_get_response__descriptor, &resp) < 0)
		return -1;
	if (c->last_code == GRPC_OK) {
		*out = (void *)resp;
		return 1;
	}
	if (not_found(c))
		return 0;
	return error("etcd '%s': UserGet %s: %s: %s", c->ep[c->last_ep].url, name,
	    grpc_code_name(c->last_code), c->last_msg.s);
}

static int
role_get(struct etcd_client *c, const char *name, Etcdserverpb__AuthRoleGetResponse **out)
{
	Etcdserverpb__AuthRoleGetRequest req = ETCDSERVERPB__AUTH_ROLE_GET_REQUEST__INIT;
	ProtobufCMessage *resp = NULL;

	req.role = (char *)name;
	*out = NULL;
	if (etcd_unary(c, ETCD_AUTH_ROLE_GET, &req.base,
	    &etcdserverpb__auth_role_get_response__descriptor, &resp) < 0)
		return -1;
	if (c->last_code == GRPC_OK) {
		*out = (void *)resp;
		return 1;
	}
	if (not_found(c))
		return 0;
	return error("etcd '%s': RoleGet %s: %s: %s", c->ep[c->last_ep].url, name,
	    grpc_code_name(c->last_code), c->last_msg.s);
}

static int
has_role(const Etcdserverpb__AuthUserGetResponse *u, const char *role)
{
	for (size_t i = 0; u && i < u->n_roles; i++)
		if (!strcmp(u->roles[i], role))
			return 1;
	return 0;
}

/* Run (or, dry, print) one call; resp freed. */
static int
do_call(struct etcd_client *c, int dry_run, const char *what, const char *method,
    const ProtobufCMessage *req, const ProtobufCMessageDescriptor *rdesc)
{
	ProtobufCMessage *resp = NULL;

	if (dry_run) {
		printf("would call %s: %s\n", method, what);
		return 0;
	}
	if (etcd_call(c, method, req, rdesc, &resp) < 0)
		return -1;
	protobuf_c_message_free_unpacked(resp, NULL);
	printf("done: %s\n", what);
	return 0;
}

/* k3s-role permissions: which wanted ones exist, and anything wider */
static void
scan_perms(const Etcdserverpb__AuthRoleGetResponse *r, int have[], int *extra)
{
	struct buf end = BUF_INIT;

	*extra = 0;
	for (size_t i = 0; i < ETCD_K3S_NPERMS; i++)
		have[i] = 0;
	for (size_t j = 0; r && j < r->n_perm; j++) {
		const Etcdserverpb__Permission *p = r->perm[j];
		int matched = 0;

		for (size_t i = 0; i < ETCD_K3S_NPERMS; i++) {
			etcd_perm_range_end(&etcd_k3s_perms[i], &end);
			if (etcd_bytes_eq(&p->key, etcd_k3s_perms[i].key, strlen(etcd_k3s_perms[i].key)) &&
			    etcd_bytes_eq(&p->range_end, end.s, end.len)) {
				matched = 1;
				if (p->permtype == ETCDSERVERPB__PERMISSION__TYPE__READWRITE)
					have[i] = 1;
			}
		}
		if (!matched) {
			(*extra)++;
			printf("warning: role k3s also grants ");
			print_bytes(stdout, &p->key);
			if (p->range_end.len) {
				printf(" .. ");
				print_bytes(stdout, &p->range_end);
			}
			printf(" (type %d), wider than K3s needs; not removed (etcdctl "
			    "role revoke-permission k3s ...)\n", (int)p->permtype);
		}
	}
	buf_release(&end);
}

int
etcd_rbac_apply(const struct rbac_opts *o)
{
	static const char *const users[] = { "root", "k3s" };
	struct etcd_conn conn = o->conn;
	struct etcd_client cl;
	Etcdserverpb__AuthUserGetResponse *u[2] = { NULL, NULL };
	Etcdserverpb__AuthRoleGetResponse *r[2] = { NULL, NULL };
	int ue[2], re[2], have[ETCD_K3S_NPERMS], extra = 0, auth;
	int dry_run = o->dry_run, ret = EXIT_ERROR, changes = 0;
	char cn[256];
	struct buf end = BUF_INIT, what = BUF_INIT;

	if (etcd_connect(&cl, &conn, 1) < 0)
		return EXIT_ERROR;
	cl.say_failover = 1;
	if (pki_cert_cn(conn.cert, cn, sizeof(cn)) == 0 && strcmp(cn, "root"))
		warning("client certificate '%s' has CN '%s', not 'root': once auth "
		    "is enabled only root may change users and roles", conn.cert, cn);

	if ((auth = etcd_auth_enabled(&cl)) < 0)
		goto done;
	for (size_t i = 0; i < 2; i++) {
		if ((ue[i] = user_get(&cl, users[i], &u[i])) < 0 ||
		    (re[i] = role_get(&cl, users[i], &r[i])) < 0)
			goto done;
	}
	scan_perms(re[1] ? r[1] : NULL, have, &extra);
	if (u[1] && u[1]->n_roles > (size_t)has_role(u[1], "k3s"))
		printf("warning: user k3s has roles besides k3s; not removed\n");

	for (size_t i = 0; i < 2; i++) {
		if (!ue[i]) {
			Etcdserverpb__AuthUserAddRequest q = ETCDSERVERPB__AUTH_USER_ADD_REQUEST__INIT;
			Etcdserverpb__UserAddOptions uo = ETCDSERVERPB__USER_ADD_OPTIONS__INIT;

			uo.no_password = 1;
			q.name = (char *)users[i];
			q.options = &uo;
			buf_reset(&what);
			buf_addf(&what, "add user %s (no password: certificate CN)", users[i]);
			if (do_call(&cl, dry_run, what.s, ETCD_AUTH_USER_ADD, &q.base,
			    &etcdserverpb__auth_user_add_response__descriptor) < 0)
				goto done;
			changes++;
		}
		if (!re[i]) {
			Etcdserverpb__AuthRoleAddRequest q = ETCDSERVERPB__AUTH_ROLE_ADD_REQUEST__INIT;

			q.name = (char *)users[i];
			buf_reset(&what);
			buf_addf(&what, "add role %s", users[i]);
			if (do_call(&cl, dry_run, what.s, ETCD_AUTH_ROLE_ADD, &q.base,
			    &etcdserverpb__auth_role_add_response__descriptor) < 0)
				goto done;
			changes++;
		}
	}
	for (size_t i = 0; i < ETCD_K3S_NPERMS; i++) {
		Etcdserverpb__AuthRoleGrantPermissionRequest q =
		    ETCDSERVERPB__AUTH_ROLE_GRANT_PERMISSION_REQUEST__INIT;
		Etcdserverpb__Permission p = ETCDSERVERPB__PERMISSION__INIT;

		if (have[i])
			continue;
		etcd_perm_range_end(&etcd_k3s_perms[i], &end);
		p.permtype = ETCDSERVERPB__PERMISSION__TYPE__READWRITE;
		p.key.data = (uint8_t *)etcd_k3s_perms[i].key;
		p.key.len = strlen(etcd_k3s_perms[i].key);
		p.range_end.data = (uint8_t *)end.s;
		p.range_end.len = end.len;
		q.name = (char *)"k3s";
		q.perm = &p;
		buf_reset(&what);
		buf_addf(&what, "grant role k3s readwrite on %s%s", etcd_k3s_perms[i].key,
		    etcd_k3s_perms[i].prefix ? " (prefix)" : " (single key)");
		if (do_call(&cl, dry_run, what.s, ETCD_AUTH_ROLE_GRANT, &q.base,
		    &etcdserverpb__auth_role_grant_permission_response__descriptor) < 0)
			goto done;
		changes++;
	}
	for (size_t i = 0; i < 2; i++) {
		Etcdserverpb__AuthUserGrantRoleRequest q =
		    ETCDSERVERPB__AUTH_USER_GRANT_ROLE_REQUEST__INIT;

		if (has_role(u[i], users[i]))
			continue;
		q.user = (char *)users[i];
		q.role = (char *)users[i];
		buf_reset(&what);
		buf_addf(&what, "grant role %s to user %s", users[i], users[i]);
		if (do_call(&cl, dry_run, what.s, ETCD_AUTH_USER_GRANT_ROLE, &q.base,
		    &etcdserverpb__auth_user_grant_role_response__descriptor) < 0)
			goto done;
		changes++;
	}
	if (!auth) {
		Etcdserverpb__AuthEnableRequest q = ETCDSERVERPB__AUTH_ENABLE_REQUEST__INIT;

		if (do_call(&cl, dry_run, "auth enable", ETCD_AUTH_ENABLE, &q.base,
		    &etcdserverpb__auth_enable_response__descriptor) < 0)
			goto done;
		changes++;
	}
	if (changes == 0)
		printf("nothing to change: users root and k3s, roles root and k3s, "
		    "k3s readwrite on /registry/, /bootstrap/, compact_rev_key, "
		    "auth enabled%s\n", extra ? " (but see the warnings)" : "");
	else if (dry_run)
		printf("%d calls would be made (dry run: nothing changed)\n", changes);
	else
		printf("%d changes made\n", changes);
	ret = EXIT_OK;
done:
	for (size_t i = 0; i < 2; i++) {
		if (u[i])
			protobuf_c_message_free_unpacked(&u[i]->base, NULL);
		if (r[i])
			protobuf_c_message_free_unpacked(&r[i]->base, NULL);
	}
	buf_release(&end);
	buf_release(&what);
	etcd_client_free(&cl);
	return ret;
}

/* ---- verify ---- */

struct prober {
	struct etcd_client *c;
	int failed;
	int broken;	/* could not probe at all */
};

static void
verdict(struct prober *p, int want_ok, const char *what)
{
	struct etcd_client *c = p->c;
	int denied = c->last_code == GRPC_PERMISSION_DENIED;
	int ok = c->last_code == GRPC_OK;

	if (c->last_code < 0) {
		printf("FAIL %s: %s\n", what, last_error());
		p->failed++;
		p->broken++;
	} else if (want_ok && ok) {
		printf("ok   %s: allowed\n", what);
	} else if (!want_ok && denied) {
		printf("ok   %s: denied\n", what);
	} else {
		printf("FAIL %s: %s (%s: %s), expected %s\n", what,
		    ok ? "allowed" : denied ? "denied" : "error",
		    grpc_code_name(c->last_code), c->last_msg.s,
		    want_ok ? "allowed" : "denied");
		p->failed++;
	}
}

static void
probe_unary(struct prober *p, int want_ok, const char *what, const char *method,
    const ProtobufCMessage *req, const ProtobufCMessageDescriptor *rdesc,
    ProtobufCMessage **keep)
{
	ProtobufCMessage *resp = NULL;

	quiet_errors++;
	if (etcd_unary(p->c, method, req, rdesc, &resp) < 0)
		p->c->last_code = -1;
	quiet_errors--;
	verdict(p, want_ok, what);
	if (keep && p->c->last_code == GRPC_OK)
		*keep = resp;
	else if (resp)
		protobuf_c_message_free_unpacked(resp, NULL);
}

/* A Txn whose compare (version < 0) never holds, guarding op on key. */
static void
probe_txn(struct prober *p, int want_ok, const char *what, const char *key, int del)
{
	Etcdserverpb__Compare cmp = ETCDSERVERPB__COMPARE__INIT;
	Etcdserverpb__RequestOp op = ETCDSERVERPB__REQUEST_OP__INIT;
	Etcdserverpb__PutRequest put = ETCDSERVERPB__PUT_REQUEST__INIT;
	Etcdserverpb__DeleteRangeRequest dr = ETCDSERVERPB__DELETE_RANGE_REQUEST__INIT;
	Etcdserverpb__TxnRequest txn = ETCDSERVERPB__TXN_REQUEST__INIT;
	Etcdserverpb__Compare *cmps[1] = { &cmp };
	Etcdserverpb__RequestOp *ops[1] = { &op };
	ProtobufCMessage *resp = NULL;

	cmp.result = ETCDSERVERPB__COMPARE__COMPARE_RESULT__LESS;
	cmp.target = ETCDSERVERPB__COMPARE__COMPARE_TARGET__VERSION;
	cmp.key.data = (uint8_t *)key;
	cmp.key.len = strlen(key);
	cmp.target_union_case = ETCDSERVERPB__COMPARE__TARGET_UNION_VERSION;
	cmp.version = 0;
	if (del) {
		dr.key = cmp.key;
		op.request_case = ETCDSERVERPB__REQUEST_OP__REQUEST_REQUEST_DELETE_RANGE;
		op.request_delete_range = &dr;
	} else {
		put.key = cmp.key;
		put.value.data = (uint8_t *)"k3sguard-probe";
		put.value.len = 14;
		op.request_case = ETCDSERVERPB__REQUEST_OP__REQUEST_REQUEST_PUT;
		op.request_put = &put;
	}
	txn.n_compare = 1;
	txn.compare = cmps;
	txn.n_success = 1;
	txn.success = ops;
	probe_unary(p, want_ok, what, ETCD_KV_TXN, &txn.base,
	    &etcdserverpb__txn_response__descriptor, &resp);
	if (resp) {
		Etcdserverpb__TxnResponse *t = (void *)resp;

		if (t->succeeded) {
			printf("FAIL %s: the never-true compare held: the probe "
			    "may have written\n", what);
			p->failed++;
		}
		protobuf_c_message_free_unpacked(resp, NULL);
	}
}

static void
probe_rw(struct prober *p, const char *prefix, const char *suffix)
{
	Etcdserverpb__PutRequest put = ETCDSERVERPB__PUT_REQUEST__INIT;
	Etcdserverpb__RangeRequest rr = ETCDSERVERPB__RANGE_REQUEST__INIT;
	Etcdserverpb__DeleteRangeRequest dr = ETCDSERVERPB__DELETE_RANGE_REQUEST__INIT;
	ProtobufCMessage *resp = NULL;
	char key[256], what[320];

	snprintf(key, sizeof(key), "%sk3sguard-probe-%s", prefix, suffix);
	put.key.data = rr.key.data = dr.key.data = (uint8_t *)key;
	put.key.len = rr.key.len = dr.key.len = strlen(key);
	put.value.data = (uint8_t *)suffix;
	put.value.len = strlen(suffix);
	snprintf(what, sizeof(what), "put %s", key);
	probe_unary(p, 1, what, ETCD_KV_PUT, &put.base,
	    &etcdserverpb__put_response__descriptor, NULL);
	snprintf(what, sizeof(what), "get %s", key);
	probe_unary(p, 1, what, ETCD_KV_RANGE, &rr.base,
	    &etcdserverpb__range_response__descriptor, &resp);
	if (resp) {
		Etcdserverpb__RangeResponse *r = (void *)resp;

		if (r->n_kvs != 1 || !etcd_bytes_eq(&r->kvs[0]->value, suffix, strlen(suffix))) {
			printf("FAIL get %s: read back %zu keys, not the value written\n",
			    key, r->n_kvs);
			p->failed++;
		}
		protobuf_c_message_free_unpacked(resp, NULL);
		resp = NULL;
	}
	snprintf(what, sizeof(what), "delete %s", key);
	probe_unary(p, 1, what, ETCD_KV_DELETE_RANGE, &dr.base,
	    &etcdserverpb__delete_range_response__descriptor, NULL);
}

int
etcd_rbac_verify(const struct rbac_opts *o)
{
	struct etcd_conn conn = o->conn;
	struct etcd_client cl, anon;
	struct prober p = { &cl, 0, 0 };
	unsigned char rnd[8];
	char suffix[17], cn[256];
	int ret = EXIT_ERROR, auth;

	if (etcd_connect(&cl, &conn, 1) < 0)
		return EXIT_ERROR;
	cl.say_failover = 1;
	if (pki_cert_cn(conn.cert, cn, sizeof(cn)) == 0 && strcmp(cn, "k3s"))
		printf("warning: '%s' has CN '%s': the probes test that user, not k3s\n",
		    conn.cert, cn);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		fatal("no randomness");
	hex_encode(rnd, sizeof(rnd), suffix);

	auth = etcd_auth_enabled(&cl);
	if (auth < 0) {
		etcd_client_free(&cl);
		return EXIT_ERROR;
	}
	if (auth)
		printf("ok   auth: enabled\n");
	else {
		printf("FAIL auth: DISABLED (every client may do everything)\n");
		p.failed++;
	}
	probe_rw(&p, "/registry/", suffix);
	probe_rw(&p, "/bootstrap/", suffix);
	{
		Etcdserverpb__RangeRequest rr = ETCDSERVERPB__RANGE_REQUEST__INIT;

		rr.key.data = (uint8_t *)"compact_rev_key";
		rr.key.len = 15;
		probe_unary(&p, 1, "get compact_rev_key", ETCD_KV_RANGE, &rr.base,
		    &etcdserverpb__range_response__descriptor, NULL);
		probe_txn(&p, 1, "put compact_rev_key (guarded Txn, never applied)",
		    "compact_rev_key", 0);
		probe_txn(&p, 1, "delete compact_rev_key (guarded Txn, never applied)",
		    "compact_rev_key", 1);
	}
	{
		Etcdserverpb__RangeRequest rr = ETCDSERVERPB__RANGE_REQUEST__INIT;
		char key[64], what[128];

		snprintf(key, sizeof(key), "/k3sguard-probe-outside-%s", suffix);
		rr.key.data = (uint8_t *)key;
		rr.key.len = strlen(key);
		snprintf(what, sizeof(what), "get %s", key);
		probe_unary(&p, 0, what, ETCD_KV_RANGE, &rr.base,
		    &etcdserverpb__range_response__descriptor, NULL);
		snprintf(what, sizeof(what), "put %s (guarded Txn, never applied)", key);
		probe_txn(&p, 0, what, key, 0);
	}
	/* and nobody without a certificate gets in */
	if (etcd_client_init(&anon, (char *const[]){ cl.ep[cl.cur].url }, 1,
	    conn.cacert, NULL, NULL) == 0) {
		Etcdserverpb__RangeRequest rr = ETCDSERVERPB__RANGE_REQUEST__INIT;
		ProtobufCMessage *resp = NULL;

		rr.key.data = (uint8_t *)"/registry/";
		rr.key.len = 10;
		rr.count_only = 1;
		quiet_errors++;
		int r = etcd_unary_at(&anon, 0, ETCD_KV_RANGE, &rr.base,
		    &etcdserverpb__range_response__descriptor, &resp);
		quiet_errors--;
		if (resp)
			protobuf_c_message_free_unpacked(resp, NULL);
		if (r < 0)
			printf("ok   connection without a client certificate: refused "
			    "(%s)\n", anon.ep[0].err.s);
		else {
			printf("FAIL connection without a client certificate: accepted "
			    "(answered %s): client-cert-auth is off\n",
			    grpc_code_name(anon.last_code));
			p.failed++;
		}
		etcd_client_free(&anon);
	}
	printf("%d probes disagreed\n", p.failed);
	if (p.broken && p.broken == p.failed)
		ret = EXIT_ERROR;
	else
		ret = p.failed ? EXIT_FINDINGS : EXIT_OK;
	etcd_client_free(&cl);
	return ret;
}
