/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-mut-snap.c: etcd's snapshot trailer at the edges the mutation run (make
 * mutate, docs/testing.md) found untested.  etcd appends the sha256 of the
 * database to its snapshot stream (etcd: server/storage/backend snapshot,
 * v3 Maintenance.Snapshot sends the hash last); trailer_match() must say
 * no when those 32 bytes are not that hash, whatever pieces the stream
 * came in, and when the stream is shorter than a hash.
 */
#include "core/k3sguard.h"
#include "etcd/etcd-snapfile.h"
#include "unit.h"

#include <openssl/evp.h>

static void
feed(struct trailer_hash *t, const unsigned char *p, size_t n, size_t piece)
{
	for (size_t off = 0; off < n; off += piece)
		trailer_update(t, p + off, n - off < piece ? n - off : piece);
}

/* db (n bytes) then its sha256, or a damaged one */
static int
matches(size_t n, size_t piece, int damage)
{
	unsigned char *s = xmalloc(n + 32), dg[32];
	unsigned int dl = 0;
	struct trailer_hash t;
	int ok;

	for (size_t i = 0; i < n; i++)
		s[i] = (unsigned char)(i * 7 + 3);
	EVP_Digest(s, n, s + n, &dl, EVP_sha256(), NULL);
	if (damage)
		s[n + 31] ^= 1;
	memset(&t, 0, sizeof(t));
	trailer_init(&t);
	feed(&t, s, n + 32, piece);
	ok = trailer_match(&t, dg);
	trailer_free(&t);
	free(s);
	return ok;
}

static void
test_good_trailer(void)
{
	CHECK(matches(0, 1, 0));
	CHECK(matches(1, 1, 0));
	CHECK(matches(100, 7, 0));
	CHECK(matches(4096, 4096 + 32, 0));
	CHECK(matches(5000, 32, 0));
}

static void
test_damaged_trailer(void)
{
	CHECK(!matches(0, 1, 1));
	CHECK(!matches(100, 7, 1));
	CHECK(!matches(4096, 4096 + 32, 1));
	CHECK(!matches(5000, 31, 1));
}

static void
test_short_stream(void)
{
	struct trailer_hash t;
	unsigned char dg[32], few[31];

	memset(few, 0, sizeof(few));
	memset(&t, 0, sizeof(t));
	trailer_init(&t);
	trailer_update(&t, few, sizeof(few));
	CHECK(!trailer_match(&t, dg));
	trailer_free(&t);
}

int
main(void)
{
	T(test_good_trailer);
	T(test_damaged_trailer);
	T(test_short_stream);
	return UNIT_DONE();
}
