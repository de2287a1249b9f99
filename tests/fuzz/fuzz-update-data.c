/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-update-data.c: libFuzzer harness for the updates data files
 * (src/update/update-data.c): the channel server's JSON (channels_parse())
 * and the advisory table (advisories_parse(), the parser advisories_load()
 * runs on the file it read), both from a buffer.  Byte 0 picks which:
 * even, channels; odd, advisories; the rest is the JSON.
 *
 * Invariants: every channel has an id and a latest that is a K3s version
 * equal to c->v, and channels_find() finds each id (the first of equal
 * ids); every advisory has an id, title, severity and at least one fixed
 * version; a version that is the first fix of its release line is never
 * affected by that advisory, and one before "introduced" never is.
 */
#include "core/k3sguard.h"
#include "update/update-data.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_channels(const struct channels *c)
{
	struct version v;

	for (size_t i = 0; i < c->n; i++) {
		const struct channel *ch = &c->c[i], *f;

		if (!ch->id || !ch->latest || version_parse_k3s(ch->latest, &v) < 0 ||
		    version_cmp(&v, &ch->v))
			abort();
		f = channels_find(c, ch->id);
		if (!f || f > ch || strcmp(f->id, ch->id))
			abort();
	}
}

static void
check_list(const struct advisory *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct advisory *a = &l[i];

		if (!a->id || !a->title || !a->severity || !a->nfixed || !a->fixed)
			abort();
		for (size_t j = 0; j < a->nfixed; j++) {
			size_t k;

			for (k = 0; k < j; k++)
				if (version_same_minor(&a->fixed[k], &a->fixed[j]))
					break;
			if (k == j && advisory_applies(a, &a->fixed[j]))
				abort();	/* the fix itself is affected */
		}
		if (a->has_introduced) {
			struct version before = a->introduced;

			if (before.patch > 0) {
				before.patch--;
				if (advisory_applies(a, &before))
					abort();
			}
		}
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	quiet_errors = 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (!(data[0] & 1)) {
		struct channels c;

		if (channels_parse("fuzz", (const char *)data + 1, size - 1, &c) == 0) {
			if (!c.n)
				abort();
			check_channels(&c);
		}
		channels_free(&c);
	} else {
		struct advisories a;

		if (advisories_parse("fuzz", (const char *)data + 1, size - 1, &a) == 0) {
			check_list(a.k3s, a.nk3s);
			check_list(a.traefik, a.ntraefik);
			advisories_free(&a);
		}
	}
	clear_error();
	return 0;
}
