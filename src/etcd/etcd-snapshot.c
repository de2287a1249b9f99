/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-snapshot.c: `k3sguard etcd snapshot save`.
 *
 * save streams Maintenance/Snapshot over the native gRPC client straight
 * into the encrypted file: each 32 KiB message is decrypted from the wire
 * (TLS) and copied into 1 MiB chunks; a writer thread (etcd-snapfile.c)
 * hashes, seals and writes them while the next arrive, so receiving and
 * the rest overlap on two cores; the plaintext never touches the disk.  etcd's sha256 trailer is checked on the fly (the last 32 bytes
 * are held back from the hash).  When the member fails mid-stream, the save
 * starts over on the next member (a fresh salt, so a fresh file key: no
 * nonce is ever reused) and says so.  The file is written to a temp name
 * in the same directory and renamed only when complete and verified; the
 * sidecar follows.  A failure leaves no partial file.  The directory's
 * files are reached through etcd-snapdir.c (the gate for SNAP_DIR).
 */
#include "core/k3sguard.h"
#include "etcd/etcd-cli.h"
#include "etcd/etcd-snapshot.h"
#include "core/secret.h"
#include "store/store.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <time.h>

int
snap_key(unsigned version, int create, unsigned char *key, uint32_t *got_version)
{
	struct buf v = BUF_INIT;
	struct store_meta m;
	int rc;

	secret_buf_reserve(&v, STORE_VALUE_MAX);
	rc = store_get(SNAP_SECRET, version, &v, &m);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		unsigned char fresh[SNAP_KEY_LEN];
		unsigned ver = 0;

		if (!create || version != 0) {
			buf_wipe(&v);
			if (version)
				return error("the secret store has no version %u of '%s' "
				    "(the key this snapshot needs)", version, SNAP_SECRET);
			return error("the secret store has no '%s'", SNAP_SECRET);
		}
		if (RAND_bytes(fresh, sizeof(fresh)) != 1)
			fatal("no randomness");
		rc = store_put(SNAP_SECRET, fresh, sizeof(fresh), STORE_CURRENT,
		    "etcd snapshot encryption key (k3sguard etcd snapshot)", &ver);
		memcpy(key, fresh, SNAP_KEY_LEN);
		explicit_bzero(fresh, sizeof(fresh));
		buf_wipe(&v);
		if (rc < 0)
			return -1;
		*got_version = ver;
		return 0;
	}
	if (v.len != SNAP_KEY_LEN) {
		buf_wipe(&v);
		return error("store secret '%s' version %u is not a %d-byte key",
		    SNAP_SECRET, m.version, SNAP_KEY_LEN);
	}
	memcpy(key, v.s, SNAP_KEY_LEN);
	*got_version = m.version;
	buf_wipe(&v);
	return 0;
fail:
	buf_wipe(&v);
	return -1;
}

/* The state of one streaming attempt. */
struct save {
	struct snap_writer w;
	struct trailer_hash th;	/* etcd's sha256 trailer, checked on the fly */
	uint64_t plain;		/* bytes received */
	uint64_t db_size;	/* from the first message */
	uint64_t last_remaining;
	uint64_t nmsgs;
	int got_final;
	int local_err;		/* writing our file failed: no other member helps */
	char local_msg[512];
};

static void
hash_hook(void *arg, const unsigned char *p, size_t n)
{
	trailer_update(arg, p, n);
}

static int
on_chunk(void *arg, const unsigned char *msg, size_t len)
{
	struct save *s = arg;
	Etcdserverpb__SnapshotResponse *r;
	const unsigned char *p;
	size_t n;

	r = etcdserverpb__snapshot_response__unpack(NULL, len, msg);
	if (!r)
		return error("malformed snapshot message %llu",
		    (unsigned long long)s->nmsgs + 1);
	p = r->blob.data;
	n = r->blob.len;
	if (s->nmsgs++ == 0)
		s->db_size = n + r->remaining_bytes;
	if (s->got_final) {
		etcdserverpb__snapshot_response__free_unpacked(r, NULL);
		return error("snapshot data after the sha256 trailer");
	}
	if (r->remaining_bytes == 0 && s->plain + n == s->db_size + 32)
		s->got_final = 1;
	s->last_remaining = r->remaining_bytes;
	if (snap_write(&s->w, p, n) < 0) {
		s->local_err = 1;
		snprintf(s->local_msg, sizeof(s->local_msg), "%s", last_error());
		etcdserverpb__snapshot_response__free_unpacked(r, NULL);
		return -1;
	}
	s->plain += n;
	etcdserverpb__snapshot_response__free_unpacked(r, NULL);
	return 0;
}

/* Status of one member: ids and revision for the sidecar. */
static int
member_status(struct etcd_client *c, size_t i, Etcdserverpb__StatusResponse **st)
{
	Etcdserverpb__StatusRequest req = ETCDSERVERPB__STATUS_REQUEST__INIT;
	ProtobufCMessage *resp = NULL;

	*st = NULL;
	if (etcd_unary_at(c, i, ETCD_MAINT_STATUS, &req.base,
	    &etcdserverpb__status_response__descriptor, &resp) < 0)
		return -1;
	if (c->last_code != GRPC_OK)
		return error("etcd '%s': Status: %s: %s", c->ep[i].url,
		    grpc_code_name(c->last_code), c->last_msg.s);
	*st = (void *)resp;
	return 0;
}

/* The K3s token ids under /bootstrap/ (the fingerprints of the tokens). */
static int
bootstrap_ids(struct etcd_client *c, size_t i, json_t *arr)
{
	Etcdserverpb__RangeRequest rr = ETCDSERVERPB__RANGE_REQUEST__INIT;
	ProtobufCMessage *resp = NULL;
	struct buf end = BUF_INIT;

	etcd_prefix_end("/bootstrap/", &end);
	rr.key.data = (uint8_t *)"/bootstrap/";
	rr.key.len = 11;
	rr.range_end.data = (uint8_t *)end.s;
	rr.range_end.len = end.len;
	rr.keys_only = 1;
	rr.limit = 64;
	rr.serializable = 1;	/* this member's own view: no leader needed */
	quiet_errors++;
	int ok = etcd_unary_at(c, i, ETCD_KV_RANGE, &rr.base,
	    &etcdserverpb__range_response__descriptor, &resp) == 0 && resp;
	if (ok) {
		Etcdserverpb__RangeResponse *r = (void *)resp;

		for (size_t k = 0; k < r->n_kvs; k++) {
			const ProtobufCBinaryData *key = &r->kvs[k]->key;
			char id[64];
			size_t n = key->len - 11;

			if (key->len <= 11 || n >= sizeof(id))
				continue;
			memcpy(id, key->data + 11, n);
			id[n] = '\0';
			if (strspn(id, "0123456789abcdef") != n)
				continue;
			json_t *o = json_pack("{s:s}", "fingerprint", id);
			struct store_meta m;

			if (store_find_fingerprint("server-token", id, &m) == 0)
				json_object_set_new(o, "store_version", json_integer(m.version));
			json_array_append_new(arr, o);
		}
		protobuf_c_message_free_unpacked(resp, NULL);
	}
	quiet_errors--;
	buf_release(&end);
	return ok ? 0 : -1;
}

static int
valid_snap_name(const char *s)
{
	return valid_member_name(s) && s[0] != '.';
}

/* One save: what it connects to, where it writes, what it learned. */
struct saver {
	struct etcd_client cl;
	struct snapdir dir;
	char name[80];		/* NAME.ksnap */
	char side[96];		/* NAME.ksnap.json */
	unsigned char *key;
	uint32_t keyver;
	struct snapdir_stream out;
	int have_out;
	struct save s;
	Etcdserverpb__StatusResponse *st;	/* of the member used */
	size_t used;
	json_t *boot;
	int boot_ok;
	struct buf shown;
};

/* Connect, make the directory, refuse an existing name, get the key, open the temp file. */
static int
save_prepare(struct saver *v, const struct snap_save_opts *o)
{
	struct etcd_conn conn = o->conn;
	char defname[64];
	const char *name = o->name;
	struct stat sb;

	if (!name) {
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(defname, sizeof(defname), "etcd-%Y%m%dT%H%M%SZ", &tm);
		name = defname;
	}
	if (!valid_snap_name(name) || strlen(name) > 64)
		return error("snapshot name '%s': letters, digits, '.', '_', '-' "
		    "(not first '.'), at most 64", name);
	snprintf(v->name, sizeof(v->name), "%s%s", name, SNAP_EXT);
	snprintf(v->side, sizeof(v->side), "%s.json", v->name);
	if (etcd_connect(&v->cl, &conn, 1) < 0)
		return -1;
	v->cl.say_failover = 1;
	snapdir_init(&v->dir, o->dir);
	if (snapdir_mkdir(&v->dir) < 0)
		return -1;
	if (snapdir_lstat(&v->dir, v->name, &sb) == 0)
		return error("'%s' exists: choose another --name",
		    snapdir_show(&v->dir, v->name, &v->shown));
	v->key = secret_alloc(SNAP_KEY_LEN);
	if (snap_key(0, 1, v->key, &v->keyver) < 0)
		return -1;
	if (snapdir_stream_begin(&v->out, &v->dir, v->name) < 0)
		return -1;
	v->have_out = 1;
	return 0;
}

/*
 * Stream from member i into the (emptied) temp file.  0 done; 1 this
 * member is unavailable, 2 it failed mid-stream (try the next); -1 a
 * failure no other member helps with.
 */
static int
save_attempt(struct saver *v, size_t i)
{
	struct etcd_client *cl = &v->cl;
	struct save *s = &v->s;
	Etcdserverpb__SnapshotRequest req = ETCDSERVERPB__SNAPSHOT_REQUEST__INIT;
	const char *shown = snapdir_show(&v->dir, v->name, &v->shown);
	unsigned char dg[32];
	int r;

	if (v->st)
		protobuf_c_message_free_unpacked(&v->st->base, NULL);
	quiet_errors++;
	r = member_status(cl, i, &v->st);
	quiet_errors--;
	if (r < 0)
		return 1;
	json_array_clear(v->boot);
	v->boot_ok = bootstrap_ids(cl, i, v->boot) == 0;
	/* a fresh file (and key) for every attempt */
	snap_writer_free(&s->w);
	if (ftruncate(v->out.fd, 0) < 0 || lseek(v->out.fd, 0, SEEK_SET) < 0)
		return error_errno("cannot reset the temp file of '%s'", shown);
	trailer_init(&s->th);
	s->plain = s->db_size = s->nmsgs = s->last_remaining = 0;
	s->got_final = 0;
	if (snap_writer_start(&s->w, v->out.fd, shown, v->key, v->keyver) < 0)
		return -1;
	s->w.hook = hash_hook;		/* the writer thread hashes, in order */
	s->w.hook_arg = &s->th;
	quiet_errors++;
	r = etcd_stream_at(cl, i, ETCD_MAINT_SNAPSHOT, &req.base, on_chunk, s);
	quiet_errors--;
	if (s->local_err)
		return error("%s; nothing written", s->local_msg);
	if (r == 0 && cl->last_code != GRPC_OK) {
		error("etcd '%s': Snapshot: %s: %s", cl->ep[i].url,
		    grpc_code_name(cl->last_code), cl->last_msg.s);
		if (cl->last_code != GRPC_UNAVAILABLE)
			return -1;	/* e.g. permission denied: same everywhere */
		return 2;
	}
	if (r < 0)
		return 2;
	if (!s->got_final) {
		error("etcd '%s': snapshot stream ended after %llu of %llu bytes "
		    "without its sha256 trailer", cl->ep[i].url,
		    (unsigned long long)s->plain, (unsigned long long)s->db_size + 32);
		return 2;
	}
	/* the final chunk drains the writer: the hash is complete after it */
	if (snap_writer_finish(&s->w) < 0)
		return -1;
	if (!trailer_match(&s->th, dg)) {
		error("etcd '%s': snapshot sha256 does not match its trailer", cl->ep[i].url);
		return 2;
	}
	return 0;
}

/* Every member in turn from the current one, until one gives a whole snapshot. */
static int
save_stream(struct saver *v)
{
	struct etcd_client *cl = &v->cl;

	for (size_t k = 0; k < cl->nep; k++) {
		size_t i = (cl->cur + k) % cl->nep;
		const char *next = k + 1 < cl->nep ? cl->ep[(i + 1) % cl->nep].url : NULL;
		int r = save_attempt(v, i);

		if (r < 0)
			return -1;
		if (r == 0) {
			v->used = i;
			return 0;
		}
		if (quiet_errors)	/* a caller (update prepare) reports */
			continue;
		if (r == 1)
			fprintf(stderr, "%s: member '%s' unavailable (%s)%s%s\n",
			    progname, cl->ep[i].url, last_error(),
			    next ? "; trying " : "", next ? next : "");
		else
			fprintf(stderr, "%s: member '%s' failed mid-stream after "
			    "%llu bytes (%s)%s%s\n", progname, cl->ep[i].url,
			    (unsigned long long)v->s.plain, last_error(),
			    next ? "; starting over on " : "", next ? next : "");
	}
	return error("no etcd member gave a complete snapshot (%zu tried); nothing written",
	    cl->nep);
}

/* NAME.ksnap.json, then the line that says what was saved. */
static int
save_sidecar(struct saver *v)
{
	const Etcdserverpb__StatusResponse *st = v->st;
	char hex[65], cid[17], mid[17], when[32];
	time_t now = time(NULL);
	struct tm tm;
	json_t *o;
	char *js;
	size_t jl;
	int r;

	hex_encode(v->s.th.tail, 32, hex);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	o = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:i,s:O,s:b}",
	    "format", "k3sguard-etcd-snapshot-1",
	    "created", when, "created_unix", (json_int_t)now,
	    "cluster_id", etcd_id_str(st->header ? st->header->cluster_id : 0, cid),
	    "member_id", etcd_id_str(st->header ? st->header->member_id : 0, mid),
	    "endpoint", v->cl.ep[v->used].url,
	    "etcd_version", st->version ? st->version : "",
	    "revision", (json_int_t)(st->header ? st->header->revision : 0),
	    "size", (json_int_t)v->s.plain,
	    "db_sha256", hex,
	    "key_secret", SNAP_SECRET, "key_version", (int)v->keyver,
	    "bootstrap", v->boot_ok ? v->boot : json_null(), "verified", 1);
	js = json_dumps(o, JSON_INDENT(2));
	jl = strlen(js);
	js = xrealloc(js, jl + 2);
	js[jl] = '\n';
	js[jl + 1] = '\0';
	r = snapdir_write(&v->dir, v->side, js, jl + 1);
	free(js);
	json_decref(o);
	if (r < 0)
		return -1;
	printf("saved %s: %llu bytes from member %s (%s), revision %lld, "
	    "sha256 %.16s..., key version %u\n", snapdir_show(&v->dir, v->name, &v->shown),
	    (unsigned long long)v->s.plain, etcd_id_str(st->header ?
	    st->header->member_id : 0, mid), v->cl.ep[v->used].url,
	    (long long)(st->header ? st->header->revision : 0), hex,
	    (unsigned)v->keyver);
	return 0;
}

int
etcd_snapshot_save(const struct snap_save_opts *o)
{
	struct saver *v = xcalloc(1, sizeof(*v));
	int ret = EXIT_ERROR;

	v->boot = json_array();
	v->shown = (struct buf)BUF_INIT;
	if (save_prepare(v, o) < 0 || save_stream(v) < 0)
		goto out;
	v->have_out = 0;
	if (snapdir_stream_commit(&v->out) < 0 || save_sidecar(v) < 0)
		goto out;
	ret = EXIT_OK;
out:
	if (v->have_out)
		snapdir_stream_abort(&v->out);
	if (v->st)
		protobuf_c_message_free_unpacked(&v->st->base, NULL);
	snap_writer_free(&v->s.w);
	trailer_free(&v->s.th);
	if (v->key)
		secret_free(v->key, SNAP_KEY_LEN);
	json_decref(v->boot);
	buf_release(&v->shown);
	if (v->cl.nep)
		etcd_client_free(&v->cl);
	free(v);
	return ret;
}
