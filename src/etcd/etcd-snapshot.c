/*
 * etcd-snapshot.c: `k3sguard etcd snapshot save` (and the sub-verb table).
 *
 * save streams Maintenance/Snapshot over the native gRPC client straight
 * into the encrypted file: each 32 KiB message is decrypted from the wire
 * (TLS), hashed and sealed in 1 MiB AEAD chunks; the plaintext never touches
 * the disk.  etcd's sha256 trailer is checked on the fly (the last 32 bytes
 * are held back from the hash).  When the member fails mid-stream, the save
 * starts over on the next member (a fresh salt, so a fresh file key: no
 * nonce is ever reused) and says so.  The file is written to a temp name
 * in the same directory and renamed only when complete and verified; the
 * sidecar follows.  A failure leaves no partial file.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "etcd/etcd-cli.h"
#include "etcd/etcd-snapshot.h"
#include "core/secret.h"
#include "store/store.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <time.h>

enum { OPT_DIR = OPT_ETCD_SUB_FIRST, OPT_NAME };

static const char save_usage[] =
"usage: k3sguard etcd snapshot save [connection as root] [--dir DIR] [--name NAME]\n"
"  Stream a snapshot from a member into DIR/NAME.ksnap (AES-256-GCM chunks,\n"
"  key from the secret store), verify etcd's sha256 on the fly, fail over to\n"
"  the next member if one dies mid-stream, and write NAME.ksnap.json.\n"
"  Default DIR " SNAP_DIR ", NAME etcd-YYYYmmddTHHMMSSZ.\n"
ETCD_CONN_USAGE;

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

void
snap_dir(const char *opt, struct buf *out)
{
	buf_reset(out);
	if (opt)
		buf_adds(out, opt);
	else
		root_path_buf(out, SNAP_DIR);
}

/* The state of one streaming attempt. */
struct save {
	struct snap_writer w;
	EVP_MD_CTX *md;
	unsigned char tail[32];
	size_t tail_len;
	uint64_t plain;		/* bytes received */
	uint64_t db_size;	/* from the first message */
	uint64_t last_remaining;
	uint64_t nmsgs;
	int got_final;
	int local_err;		/* writing our file failed: no other member helps */
	char local_msg[512];
};

static int
on_chunk(void *arg, const unsigned char *msg, size_t len)
{
	struct save *s = arg;
	Etcdserverpb__SnapshotResponse *r;
	const unsigned char *p;
	size_t n, total;

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
	/* hash everything but the last 32 bytes seen so far */
	total = s->tail_len + n;
	if (total <= 32) {
		memcpy(s->tail + s->tail_len, p, n);
		s->tail_len = total;
	} else {
		size_t hash_n = total - 32;
		size_t from_tail = hash_n < s->tail_len ? hash_n : s->tail_len;
		size_t from_p = hash_n - from_tail, keep = s->tail_len - from_tail;
		unsigned char nt[32];

		EVP_DigestUpdate(s->md, s->tail, from_tail);
		EVP_DigestUpdate(s->md, p, from_p);
		memcpy(nt, s->tail + from_tail, keep);
		memcpy(nt + keep, p + from_p, n - from_p);
		memcpy(s->tail, nt, 32);
		s->tail_len = 32;
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

int
etcd_cmd_snapshot_save(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		ETCD_CONN_LONG_OPTIONS,
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct etcd_conn conn = { 0 };
	struct etcd_client cl;
	const char *dir_opt = NULL, *name = NULL;
	char defname[64], idb[17];
	struct buf dir = BUF_INIT, final = BUF_INIT, tmp = BUF_INIT, side = BUF_INIT;
	unsigned char *key = NULL;
	uint32_t keyver = 0;
	int c, fd = -1, ret = EXIT_ERROR, done = 0, boot_ok = 0;
	struct save s;
	Etcdserverpb__StatusResponse *st = NULL;
	size_t used = 0;
	json_t *boot = json_array();
	struct stat sb;

	memset(&s, 0, sizeof(s));
	memset(&cl, 0, sizeof(cl));
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg) || etcd_conn_option(&conn, c, optarg))
			continue;
		switch (c) {
		case OPT_DIR: dir_opt = optarg; break;
		case OPT_NAME: name = optarg; break;
		case 'h': print_usage_exit(save_usage);
		default: bad_option(save_usage);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (name && !valid_snap_name(name))
		usage_error("--name '%s': letters, digits, '.', '_', '-' (not first '.')", name);
	if (!name) {
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(defname, sizeof(defname), "etcd-%Y%m%dT%H%M%SZ", &tm);
		name = defname;
	}
	if (etcd_connect(&cl, &conn, 1) < 0)
		goto out;
	cl.say_failover = 1;
	snap_dir(dir_opt, &dir);
	if (mkdir_p(dir.s, 0700) < 0)
		goto out;
	buf_addf(&final, "%s/%s%s", dir.s, name, SNAP_EXT);
	buf_addf(&side, "%s.json", final.s);
	if (path_lstat(final.s, &sb) == 0) {
		error("'%s' exists: choose another --name", final.s);
		goto out;
	}
	key = secret_alloc(SNAP_KEY_LEN);
	if (snap_key(0, 1, key, &keyver) < 0)
		goto out;
	buf_addf(&tmp, "%s/.%s%s.tmp-XXXXXX", dir.s, name, SNAP_EXT);
	if ((fd = mkostemp(tmp.s, O_CLOEXEC)) < 0) {
		error_errno("cannot create a temp file in '%s'", dir.s);
		goto out;
	}
	if (!(s.md = EVP_MD_CTX_new()))
		fatal("out of memory");

	for (size_t k = 0; k < cl.nep && !done; k++) {
		size_t i = (cl.cur + k) % cl.nep;
		const char *next = k + 1 < cl.nep ? cl.ep[(i + 1) % cl.nep].url : NULL;

		if (st)
			protobuf_c_message_free_unpacked(&st->base, NULL);
		quiet_errors++;
		int r = member_status(&cl, i, &st);
		quiet_errors--;
		if (r < 0) {
			if (!quiet_errors)	/* quiet: a caller (update prepare) reports */
				fprintf(stderr, "%s: member '%s' unavailable (%s)%s%s\n",
				    progname, cl.ep[i].url, last_error(),
				    next ? "; trying " : "", next ? next : "");
			continue;
		}
		json_array_clear(boot);
		boot_ok = bootstrap_ids(&cl, i, boot) == 0;
		/* a fresh file (and key) for every attempt */
		snap_writer_free(&s.w);
		if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
			error_errno("cannot reset '%s'", tmp.s);
			goto out;
		}
		EVP_DigestInit_ex(s.md, EVP_sha256(), NULL);
		s.tail_len = 0;
		s.plain = s.db_size = s.nmsgs = s.last_remaining = 0;
		s.got_final = 0;
		if (snap_writer_start(&s.w, fd, tmp.s, key, keyver) < 0)
			goto out;
		Etcdserverpb__SnapshotRequest req = ETCDSERVERPB__SNAPSHOT_REQUEST__INIT;

		quiet_errors++;
		r = etcd_stream_at(&cl, i, ETCD_MAINT_SNAPSHOT, &req.base, on_chunk, &s);
		quiet_errors--;
		if (s.local_err) {
			error("%s; nothing written", s.local_msg);
			goto out;
		}
		if (r == 0 && cl.last_code != GRPC_OK) {
			error("etcd '%s': Snapshot: %s: %s", cl.ep[i].url,
			    grpc_code_name(cl.last_code), cl.last_msg.s);
			if (cl.last_code != GRPC_UNAVAILABLE)
				goto out;	/* e.g. permission denied: same everywhere */
			r = -1;
		}
		if (r == 0 && !s.got_final) {
			error("etcd '%s': snapshot stream ended after %llu of %llu bytes "
			    "without its sha256 trailer", cl.ep[i].url,
			    (unsigned long long)s.plain,
			    (unsigned long long)s.db_size + 32);
			r = -1;
		}
		if (r == 0) {
			unsigned char dg[32];
			unsigned int dl = 0;

			EVP_DigestFinal_ex(s.md, dg, &dl);
			if (s.tail_len != 32 || memcmp(dg, s.tail, 32)) {
				error("etcd '%s': snapshot sha256 does not match its trailer",
				    cl.ep[i].url);
				r = -1;
			}
		}
		if (r < 0) {
			if (!quiet_errors)
				fprintf(stderr, "%s: member '%s' failed mid-stream after "
				    "%llu bytes (%s)%s%s\n", progname, cl.ep[i].url,
				    (unsigned long long)s.plain, last_error(),
				    next ? "; starting over on " : "", next ? next : "");
			continue;
		}
		if (snap_writer_finish(&s.w) < 0)
			goto out;
		if (fsync(fd) < 0) {
			error_errno("cannot write '%s'", tmp.s);
			goto out;
		}
		used = i;
		done = 1;
	}
	if (!done) {
		error("no etcd member gave a complete snapshot (%zu tried); nothing written",
		    cl.nep);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		error_errno("cannot write '%s'", tmp.s);
		goto out;
	}
	fd = -1;
	if (rename(tmp.s, final.s) < 0) {
		error_errno("cannot rename '%s'", tmp.s);
		goto out;
	}
	buf_reset(&tmp);
	fsync_parent(final.s);
	{
		unsigned char dg[32];
		char hex[65], cid[17], mid[17], when[32];
		time_t now = time(NULL);
		struct tm tm;

		memcpy(dg, s.tail, 32);
		hex_encode(dg, 32, hex);
		gmtime_r(&now, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_t *o = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:i,s:O,s:b}",
		    "format", "k3sguard-etcd-snapshot-1",
		    "created", when, "created_unix", (json_int_t)now,
		    "cluster_id", etcd_id_str(st->header ? st->header->cluster_id : 0, cid),
		    "member_id", etcd_id_str(st->header ? st->header->member_id : 0, mid),
		    "endpoint", cl.ep[used].url,
		    "etcd_version", st->version ? st->version : "",
		    "revision", (json_int_t)(st->header ? st->header->revision : 0),
		    "size", (json_int_t)s.plain,
		    "db_sha256", hex,
		    "key_secret", SNAP_SECRET, "key_version", (int)keyver,
		    "bootstrap", boot_ok ? boot : json_null(), "verified", 1);
		char *js = json_dumps(o, JSON_INDENT(2));
		size_t jl = strlen(js);

		js = xrealloc(js, jl + 2);
		js[jl] = '\n';
		js[jl + 1] = '\0';
		if (file_write_atomic(side.s, js, jl + 1, 0600) < 0) {
			free(js);
			json_decref(o);
			goto out;
		}
		free(js);
		json_decref(o);
		printf("saved %s: %llu bytes from member %s (%s), revision %lld, "
		    "sha256 %.16s..., key version %u\n", final.s,
		    (unsigned long long)s.plain, etcd_id_str(st->header ?
		    st->header->member_id : 0, idb), cl.ep[used].url,
		    (long long)(st->header ? st->header->revision : 0), hex,
		    (unsigned)keyver);
	}
	ret = EXIT_OK;
out:
	if (fd >= 0)
		close(fd);
	if (tmp.len)
		unlink(tmp.s);
	if (st)
		protobuf_c_message_free_unpacked(&st->base, NULL);
	snap_writer_free(&s.w);
	EVP_MD_CTX_free(s.md);
	secret_free(key, SNAP_KEY_LEN);
	json_decref(boot);
	buf_release(&dir);
	buf_release(&final);
	buf_release(&tmp);
	buf_release(&side);
	if (cl.nep)
		etcd_client_free(&cl);
	return ret;
}

static const struct subcmd snapshot_verbs[] = {
	{ "save", etcd_cmd_snapshot_save, "stream, encrypt, verify, failover" },
	{ "ls", snapshot_ls, "list snapshots with their sidecars" },
	{ "verify", snapshot_verify, "decrypt to nowhere: tags, trailer, bbolt" },
	{ "prune", snapshot_prune, "keep N (and D days), never the newest verified" },
	{ "restore", snapshot_restore, "restore every member's data dir (etcdctl)" },
	{ "schedule", snapshot_schedule, "systemd service + timer for scheduled saves" },
};

int
etcd_cmd_snapshot(int argc, char **argv)
{
	return run_subcommand("etcd snapshot", snapshot_verbs, ARRAY_SIZE(snapshot_verbs),
	    argc, argv);
}
