/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-grpc.c: the gRPC deframer on randomly split streams (including splits
 * inside the 5-byte prefix), on truncated and corrupt streams, and the
 * trailer helpers.
 */
#include "core/k3sguard.h"
#include "etcd/grpc.h"
#include "unit.h"

#define NMSG_MAX 40

struct seen {
	size_t n;
	size_t len[NMSG_MAX];
	unsigned char *msg[NMSG_MAX];
	int fail_at;	/* make the callback fail at this message (1-based), 0 never */
};

static int
on_msg(void *arg, const unsigned char *m, size_t len)
{
	struct seen *s = arg;

	if (s->n >= NMSG_MAX)
		return error("too many messages");
	if (s->fail_at && (int)s->n + 1 == s->fail_at)
		return error("callback refuses message %zu", s->n + 1);
	s->len[s->n] = len;
	s->msg[s->n] = xmalloc(len ? len : 1);
	memcpy(s->msg[s->n], m, len);
	s->n++;
	return 0;
}

static void
seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->msg[i]);
	memset(s, 0, sizeof(*s));
}

static unsigned long long rng = 88172645463325252ULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (unsigned)(rng % n) : 0;
}

/* feed the stream in pieces of random size (often tiny) */
static int
feed_split(struct grpc_deframer *d, const char *p, size_t n)
{
	while (n > 0) {
		size_t k = rnd(4) == 0 ? 1 + rnd(5) : 1 + rnd(40000);

		if (k > n)
			k = n;
		if (grpc_deframe(d, p, k) < 0)
			return -1;
		p += k;
		n -= k;
	}
	return 0;
}

static void
test_random_splits(void)
{
	for (int iter = 0; iter < 300; iter++) {
		struct buf stream = BUF_INIT;
		struct grpc_deframer d;
		struct seen s;
		size_t nmsg = 1 + rnd(NMSG_MAX - 1), lens[NMSG_MAX];
		unsigned char *msgs[NMSG_MAX];

		memset(&s, 0, sizeof(s));
		for (size_t i = 0; i < nmsg; i++) {
			/* sizes around snapshot chunks, tiny ones and empty ones */
			size_t len = rnd(3) == 0 ? rnd(8) : rnd(3) == 0 ? 32768 : rnd(70000);

			lens[i] = len;
			msgs[i] = xmalloc(len ? len : 1);
			for (size_t j = 0; j < len; j++)
				msgs[i][j] = (unsigned char)rnd(256);
			grpc_frame(&stream, msgs[i], len);
		}
		grpc_deframer_init(&d, on_msg, &s, 0);
		CHECK(feed_split(&d, stream.s, stream.len) == 0);
		CHECK(grpc_deframe_finish(&d) == 0);
		CHECK(s.n == nmsg);
		for (size_t i = 0; i < nmsg && i < s.n; i++)
			CHECK(s.len[i] == lens[i] && !memcmp(s.msg[i], msgs[i], lens[i]));
		CHECK(d.nmsgs == nmsg);
		for (size_t i = 0; i < nmsg; i++)
			free(msgs[i]);
		grpc_deframer_release(&d);
		seen_free(&s);
		buf_release(&stream);
	}
}

/* every split point of the prefix, one byte at a time */
static void
test_byte_at_a_time(void)
{
	struct buf stream = BUF_INIT;
	struct grpc_deframer d;
	struct seen s;

	memset(&s, 0, sizeof(s));
	grpc_frame(&stream, "hello", 5);
	grpc_frame(&stream, "", 0);
	grpc_frame(&stream, "world!", 6);
	grpc_deframer_init(&d, on_msg, &s, 0);
	for (size_t i = 0; i < stream.len; i++)
		CHECK(grpc_deframe(&d, stream.s + i, 1) == 0);
	CHECK(grpc_deframe_finish(&d) == 0);
	CHECK(s.n == 3);
	CHECK(s.len[0] == 5 && !memcmp(s.msg[0], "hello", 5));
	CHECK(s.len[1] == 0);
	CHECK(s.len[2] == 6 && !memcmp(s.msg[2], "world!", 6));
	grpc_deframer_release(&d);
	seen_free(&s);
	buf_release(&stream);
}

/* a stream cut anywhere but at a message boundary must not finish */
static void
test_truncated(void)
{
	struct buf stream = BUF_INIT;
	size_t bounds[3];

	grpc_frame(&stream, "abcdefgh", 8);
	bounds[0] = stream.len;
	grpc_frame(&stream, "12345678901234567890", 20);
	bounds[1] = stream.len;
	bounds[2] = 0;
	quiet_errors++;
	for (size_t cut = 0; cut <= stream.len; cut++) {
		struct grpc_deframer d;
		struct seen s;
		int boundary = cut == 0 || cut == bounds[0] || cut == bounds[1];

		memset(&s, 0, sizeof(s));
		grpc_deframer_init(&d, on_msg, &s, 0);
		CHECK(feed_split(&d, stream.s, cut) == 0);
		CHECK((grpc_deframe_finish(&d) == 0) == boundary);
		if (!boundary)
			CHECK(strstr(last_error(), "stream ended inside") != NULL);
		grpc_deframer_release(&d);
		seen_free(&s);
	}
	quiet_errors--;
	buf_release(&stream);
}

static void
test_corrupt(void)
{
	struct grpc_deframer d;
	struct seen s;
	unsigned char compressed[] = { 1, 0, 0, 0, 2, 'h', 'i' };
	unsigned char badflag[] = { 0x80, 0, 0, 0, 0 };
	unsigned char huge[] = { 0, 0x7f, 0xff, 0xff, 0xff };
	struct buf stream = BUF_INIT;

	quiet_errors++;
	memset(&s, 0, sizeof(s));
	grpc_deframer_init(&d, on_msg, &s, 0);
	CHECK(grpc_deframe(&d, compressed, 3) == 0);	/* the flag byte is in */
	CHECK(grpc_deframe(&d, compressed + 3, 4) < 0);
	CHECK(strstr(last_error(), "compressed") != NULL);
	CHECK(grpc_deframe(&d, "x", 1) < 0);		/* stays failed */
	CHECK(grpc_deframe_finish(&d) < 0);
	CHECK(s.n == 0);
	grpc_deframer_release(&d);

	grpc_deframer_init(&d, on_msg, &s, 0);
	CHECK(grpc_deframe(&d, badflag, sizeof(badflag)) < 0);
	CHECK(strstr(last_error(), "flag") != NULL);
	grpc_deframer_release(&d);

	/* a length over the limit is refused before anything is buffered */
	grpc_deframer_init(&d, on_msg, &s, 1 << 20);
	CHECK(grpc_deframe(&d, huge, sizeof(huge)) < 0);
	CHECK(strstr(last_error(), "limit") != NULL);
	CHECK(d.msg.cap == 0);
	grpc_deframer_release(&d);

	/* memory follows the bytes received, not the length claimed */
	{
		static const unsigned char claims[] = { 0, 0x03, 0xff, 0xff, 0xff, 'a', 'b' };

		grpc_deframer_init(&d, on_msg, &s, 0);
		CHECK(grpc_deframe(&d, claims, sizeof(claims)) == 0);
		CHECK(d.msg.len == 2 && d.msg.cap < 4096);
		CHECK(grpc_deframe_finish(&d) < 0);
		grpc_deframer_release(&d);
	}

	/* the callback's error stops the stream */
	grpc_frame(&stream, "one", 3);
	grpc_frame(&stream, "two", 3);
	grpc_frame(&stream, "three", 5);
	s.fail_at = 2;
	grpc_deframer_init(&d, on_msg, &s, 0);
	CHECK(grpc_deframe(&d, stream.s, stream.len) < 0);
	CHECK(s.n == 1);
	CHECK(strstr(last_error(), "refuses") != NULL);
	grpc_deframer_release(&d);
	seen_free(&s);

	/* random garbage never crashes and never yields more than it holds */
	for (int iter = 0; iter < 2000; iter++) {
		unsigned char junk[64];
		size_t n = rnd(sizeof(junk));

		for (size_t i = 0; i < n; i++)
			junk[i] = (unsigned char)(rnd(4) == 0 ? rnd(2) : rnd(256));
		memset(&s, 0, sizeof(s));
		grpc_deframer_init(&d, on_msg, &s, 4096);
		if (grpc_deframe(&d, junk, n) == 0)
			(void)grpc_deframe_finish(&d);
		size_t total = 0;

		for (size_t i = 0; i < s.n; i++)
			total += s.len[i] + 5;
		CHECK(total <= n);
		grpc_deframer_release(&d);
		seen_free(&s);
	}
	quiet_errors--;
	buf_release(&stream);
}

static void
test_message_decode(void)
{
	struct buf b = BUF_INIT;

	grpc_message_decode("etcdserver:%20permission%20denied", 33, &b);
	CHECK_STR(b.s, "etcdserver: permission denied");
	buf_reset(&b);
	grpc_message_decode("100%25 %zz %4", 13, &b);
	CHECK_STR(b.s, "100% %zz %4");
	buf_reset(&b);
	grpc_message_decode("a%0Ab%00c", 9, &b);
	CHECK_STR(b.s, "a?b?c");
	buf_reset(&b);
	grpc_message_decode("caf%C3%A9", 9, &b);
	CHECK_STR(b.s, "caf\xc3\xa9");
	buf_release(&b);
}

static void
test_timeout_and_names(void)
{
	char t[32];

	grpc_timeout_value(1500, t, sizeof(t));
	CHECK_STR(t, "1500m");
	grpc_timeout_value(0, t, sizeof(t));
	CHECK_STR(t, "1m");
	grpc_timeout_value(123456789012L, t, sizeof(t));
	CHECK_STR(t, "99999999S");
	CHECK_STR(grpc_code_name(7), "PERMISSION_DENIED");
	CHECK_STR(grpc_code_name(14), "UNAVAILABLE");
	CHECK_STR(grpc_code_name(99), "UNKNOWN_CODE");
}

int
main(void)
{
	T(test_random_splits);
	T(test_byte_at_a_time);
	T(test_truncated);
	T(test_corrupt);
	T(test_message_decode);
	T(test_timeout_and_names);
	return UNIT_DONE();
}
