/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-snapfile.c: the encrypted snapshot container: round trips at chunk
 * boundaries and written in random pieces; every kind of damage is
 * caught and named (flipped byte, truncation, swapped chunks, trailing
 * data, wrong key).
 */
#include "core/k3sguard.h"
#include "etcd/etcd-snapfile.h"
#include "unit.h"

#include <sys/mman.h>

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (unsigned)(rng % n) : 0;
}

static unsigned char key1[SNAP_KEY_LEN], key2[SNAP_KEY_LEN];

struct collect {
	unsigned char *p;
	size_t len;
};

static int
sink(void *arg, const unsigned char *p, size_t n)
{
	struct collect *c = arg;

	memcpy(c->p + c->len, p, n);
	c->len += n;
	return 0;
}

/* encrypt data (in random pieces) into a memfd; returns the fd */
static int
make_file(const unsigned char *data, size_t n)
{
	struct snap_writer w;
	int fd = memfd_create("snap", MFD_CLOEXEC);
	size_t off = 0;

	CHECK(fd >= 0);
	CHECK(snap_writer_start(&w, fd, "test", key1, 7) == 0);
	while (off < n) {
		size_t k = 1 + rnd(rnd(2) ? 100000 : 3000000);

		if (k > n - off)
			k = n - off;
		CHECK(snap_write(&w, data + off, k) == 0);
		off += k;
	}
	CHECK(snap_writer_finish(&w) == 0);
	snap_writer_free(&w);
	return fd;
}

static int
open_file(int fd, const unsigned char *key, struct collect *c, uint64_t *total)
{
	unsigned char hdr[SNAP_HDR_LEN];
	uint32_t kv = 0;

	lseek(fd, 0, SEEK_SET);
	if (snap_read_header(fd, "test", hdr, &kv) < 0)
		return -1;
	CHECK(kv == 7);
	return snap_decrypt(fd, "test", hdr, key, c ? sink : NULL, c, total);
}

static void
test_round_trips(void)
{
	size_t sizes[] = { 0, 1, 31, SNAP_CHUNK - 1, SNAP_CHUNK, SNAP_CHUNK + 1,
		2 * SNAP_CHUNK, 3 * SNAP_CHUNK + 12345 };

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];
		unsigned char *d = xmalloc(n + 1);
		struct collect c = { xmalloc(n + 1), 0 };
		uint64_t total = 0;

		for (size_t j = 0; j < n; j++)
			d[j] = (unsigned char)rnd(256);
		int fd = make_file(d, n);

		CHECK(open_file(fd, key1, &c, &total) == 0);
		CHECK(total == n && c.len == n && !memcmp(c.p, d, n));
		close(fd);
		free(d);
		free(c.p);
	}
}

/* copy fd into a new memfd with an edit applied */
static int
edited(int fd, void (*edit)(unsigned char *, size_t *))
{
	struct stat st;
	unsigned char *buf;
	size_t n;
	int nfd = memfd_create("bad", MFD_CLOEXEC);

	fstat(fd, &st);
	n = (size_t)st.st_size;
	buf = xmalloc(n + 16);
	CHECK(pread(fd, buf, n, 0) == (ssize_t)n);
	edit(buf, &n);
	CHECK(write_all(nfd, buf, n) == 0);
	free(buf);
	return nfd;
}

#define REC (4 + SNAP_CHUNK + SNAP_TAG_LEN)
static void flip(unsigned char *b, size_t *n) { b[SNAP_HDR_LEN + REC + 777] ^= 1; (void)n; }
static void cut_mid(unsigned char *b, size_t *n) { *n = SNAP_HDR_LEN + REC + 10; (void)b; }
static void cut_edge(unsigned char *b, size_t *n) { *n = SNAP_HDR_LEN + 2 * REC; (void)b; }
static void append(unsigned char *b, size_t *n) { memcpy(b + *n, "xyz", 3); *n += 3; }
static void
swap01(unsigned char *b, size_t *n)
{
	unsigned char *t = xmalloc(REC);

	memcpy(t, b + SNAP_HDR_LEN, REC);
	memcpy(b + SNAP_HDR_LEN, b + SNAP_HDR_LEN + REC, REC);
	memcpy(b + SNAP_HDR_LEN + REC, t, REC);
	free(t);
	(void)n;
}
static void hdr_salt(unsigned char *b, size_t *n) { b[30] ^= 0x80; (void)n; }

static void
test_damage(void)
{
	size_t n = 3 * SNAP_CHUNK + 5000;
	unsigned char *d = xmalloc(n);
	struct {
		void (*edit)(unsigned char *, size_t *);
		const char *says;
	} cases[] = {
		{ flip, "chunk 1 fails authentication" },
		{ cut_mid, "truncated inside chunk 1" },
		{ cut_edge, "final chunk is missing" },
		{ append, "data after its final chunk" },
		{ swap01, "chunk 0 is chunk 1 moved" },
		{ hdr_salt, "wrong key" },
	};

	for (size_t j = 0; j < n; j++)
		d[j] = (unsigned char)rnd(256);
	int fd = make_file(d, n);

	quiet_errors++;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int bad = edited(fd, cases[i].edit);
		uint64_t total;

		CHECK(open_file(bad, key1, NULL, &total) < 0);
		if (!strstr(last_error(), cases[i].says)) {
			fprintf(stderr, "# case %zu: '%s' lacks '%s'\n", i, last_error(),
			    cases[i].says);
			CHECK(0);
		}
		close(bad);
	}
	/* the wrong key */
	uint64_t total;

	CHECK(open_file(fd, key2, NULL, &total) < 0);
	CHECK(strstr(last_error(), "wrong key") != NULL);
	quiet_errors--;
	close(fd);
	free(d);
}

static void
test_not_ours(void)
{
	int fd = memfd_create("x", MFD_CLOEXEC);
	unsigned char hdr[SNAP_HDR_LEN];
	uint32_t kv;

	CHECK(write_all(fd, "SQLite format 3\0................................................................", 80) == 0);
	lseek(fd, 0, SEEK_SET);
	quiet_errors++;
	CHECK(snap_read_header(fd, "x", hdr, &kv) < 0);
	CHECK(strstr(last_error(), "not a k3sguard etcd snapshot") != NULL);
	quiet_errors--;
	close(fd);
}

int
main(void)
{
	for (size_t i = 0; i < SNAP_KEY_LEN; i++) {
		key1[i] = (unsigned char)i;
		key2[i] = (unsigned char)(i + 1);
	}
	T(test_round_trips);
	T(test_damage);
	T(test_not_ours);
	return UNIT_DONE();
}
