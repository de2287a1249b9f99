/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-grpc.c: libFuzzer harness for the gRPC response path of the etcd
 * client (src/etcd/grpc.c): the incremental deframer of the body, the
 * grpc-message trailer decoder, and the unpacking of each delivered message
 * as etcd's responses (what etcd_unary_at() does), with the permissions of
 * an AuthRoleGetResponse handed to etcd_perm_is_k3s().
 *
 * Input: byte 0 is the message limit (0: the default, else 1..255 x 64
 * bytes), byte 1 the seed of the piece sizes, the rest the body.  The body
 * is fed in pieces of pseudo-random size (1..64 bytes, or everything at
 * once when the seed is 0) and also to a reference deframer that sees it
 * whole; both must deliver the same messages and agree on the outcome.
 * The same bytes are decoded as a grpc-message value, which must come out
 * with no control characters and no longer than the input.
 */
#include "core/k3sguard.h"
#include "etcd/etcd-cli.h"
#include "etcd/grpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct got {
	struct buf all;		/* every message: 4-byte length + bytes */
	size_t n;
	size_t fail_at;		/* the callback fails at this message (1-based; 0 never) */
};

static const ProtobufCMessageDescriptor *const descs[] = {
	&etcdserverpb__range_response__descriptor,
	&etcdserverpb__status_response__descriptor,
	&etcdserverpb__member_list_response__descriptor,
	&etcdserverpb__snapshot_response__descriptor,
	&etcdserverpb__auth_role_get_response__descriptor,
	&etcdserverpb__auth_user_get_response__descriptor,
	&etcdserverpb__alarm_response__descriptor,
};

static void
unpack(const unsigned char *msg, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(descs); i++) {
		ProtobufCMessage *m = protobuf_c_message_unpack(descs[i], NULL, len, msg);

		if (!m)
			continue;
		if (descs[i] == &etcdserverpb__auth_role_get_response__descriptor) {
			Etcdserverpb__AuthRoleGetResponse *r = (void *)m;

			for (size_t j = 0; j < r->n_perm; j++)
				(void)etcd_perm_is_k3s(r->perm[j]);
		}
		protobuf_c_message_free_unpacked(m, NULL);
	}
}

static int
on_msg(void *arg, const unsigned char *msg, size_t len)
{
	struct got *g = arg;
	unsigned char l[4] = { len >> 24, len >> 16, len >> 8, len };

	g->n++;
	buf_add(&g->all, l, 4);
	buf_add(&g->all, msg, len);
	if (len <= 4096)
		unpack(msg, len);
	if (g->fail_at && g->n == g->fail_at)
		return error("fuzz: callback refuses message %zu", g->n);
	return 0;
}

/*
 * The reference: the whole body at once, straightforwardly.  The messages
 * into ref (as on_msg records them), and 0 / -1 like deframe + finish.
 */
static int
reference(const uint8_t *p, size_t n, size_t max, struct buf *ref)
{
	size_t i = 0;

	while (i < n) {
		uint32_t len;

		if (n - i < GRPC_PREFIX_LEN)
			return -1;
		len = (uint32_t)p[i + 1] << 24 | (uint32_t)p[i + 2] << 16 |
		    (uint32_t)p[i + 3] << 8 | p[i + 4];
		if (p[i] != 0 || len > max)
			return -1;
		i += GRPC_PREFIX_LEN;
		buf_add(ref, p + i - 4, 4);
		if (n - i < len)
			return -1;
		buf_add(ref, p + i, len);
		i += len;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct grpc_deframer d;
	struct got g = { BUF_INIT, 0, 0 };
	struct buf ref = BUF_INIT, dec = BUF_INIT;
	const uint8_t *body;
	size_t max, blen, off = 0;
	unsigned seed;
	int r = 0, rr;

	if (size < 2)
		return 0;
	quiet_errors = 1;
	max = data[0] ? (size_t)data[0] * 64 : GRPC_DEFAULT_MAX_MSG;
	seed = data[1];
	body = data + 2;
	blen = size - 2;

	grpc_deframer_init(&d, on_msg, &g, data[0] ? max : 0);
	while (off < blen && r == 0) {
		size_t piece = seed ? 1 + (seed * 7 + off) % 64 : blen;
		/* an exact-size heap copy: reading past a piece is caught */
		unsigned char *c;

		if (piece > blen - off)
			piece = blen - off;
		c = xmalloc(piece);
		memcpy(c, body + off, piece);
		r = grpc_deframe(&d, c, piece);
		free(c);
		off += piece;
	}
	if (r == 0)
		r = grpc_deframe_finish(&d);
	else if (grpc_deframe(&d, "", 1) != -1 || grpc_deframe_finish(&d) != -1)
		abort();	/* a failed stream stays failed */
	rr = reference(body, blen, max, &ref);
	if ((r == 0) != (rr == 0))
		abort();
	/* a failing stream delivers a prefix of the reference's messages */
	if (g.all.len > ref.len || memcmp(g.all.s, ref.s, g.all.len))
		abort();
	if (r == 0 && g.all.len != ref.len)
		abort();
	grpc_deframer_release(&d);

	/* the callback refusing a message stops the stream there */
	if (g.n) {
		size_t n = g.n;

		buf_reset(&g.all);
		g.n = 0;
		g.fail_at = 1 + seed % n;
		grpc_deframer_init(&d, on_msg, &g, data[0] ? max : 0);
		if (grpc_deframe(&d, body, blen) != -1 || g.n != g.fail_at)
			abort();
		grpc_deframer_release(&d);
	}

	grpc_message_decode((const char *)body, blen, &dec);
	if (dec.len > blen)
		abort();
	for (size_t i = 0; i < dec.len; i++)
		if ((unsigned char)dec.s[i] < 0x20 || dec.s[i] == 0x7f)
			abort();
	(void)grpc_code_name((int)seed - 8);

	buf_release(&g.all);
	buf_release(&ref);
	buf_release(&dec);
	clear_error();
	return 0;
}
