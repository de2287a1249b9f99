/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check-token-store.c: the server-token checks that look at the secret
 * store and the K3s version (rows in check-server-token.c).
 *
 * Evidence shows fingerprints, versions and dates only, never a token.
 * Unknown never passes: a store that cannot be read is "error", a K3s
 * version that cannot be told is "error".
 */
#include "core/k3sguard.h"
#include "checks/check.h"
#include "core/config.h"
#include "core/secret.h"
#include "store/store.h"
#include "token/token-rotate.h"

#include <time.h>

#define DAY 86400LL

static const char *
day_str(long long t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 16, "%Y-%m-%d", &tm))
		snprintf(out, 16, "%lld", t);
	return out;
}

/* An age: "90 days", or "90 days 00:00:01" when not whole days. */
static void
age_str(long long secs, char *out, size_t len)
{
	long long d = secs / DAY, rest = secs % DAY;

	if (!rest)
		snprintf(out, len, "%lld days", d);
	else
		snprintf(out, len, "%lld days %02lld:%02lld:%02lld", d, rest / 3600,
		    rest / 60 % 60, rest % 60);
}

void
check_token_stored(const struct node *n, struct check_result *r)
{
	struct buf raw = BUF_INIT, cur = BUF_INIT, why = BUF_INIT;
	struct token_info t;
	struct store_meta m;
	size_t len;
	int rc;

	if (check_skip_agent(n, r))
		return;
	if (check_read_token(node_data_path(n, "server/token"), &raw, &t, &why) != ST_PASS) {
		check_skip(r, "server/token not read (see server-token.file): %s", why.s);
		goto out;
	}
	len = raw.len;
	while (len && isspace((unsigned char)raw.s[len - 1]))
		len--;
	quiet_errors++;
	rc = store_get(STORE_SERVER_TOKEN, 0, &cur, &m);
	quiet_errors--;
	if (rc < 0)
		check_error(r, "the %s secret store cannot be read: %s", store_backend_name(),
		    last_error());
	else if (rc > 0)
		check_fail(r, "the server token (fingerprint %s) is not in the %s secret store",
		    t.fingerprint, store_backend_name());
	else if (cur.len == len && ct_equal(cur.s, raw.s, len))
		check_pass(r, "'%s' version %u in the %s store matches server/token "
		    "(fingerprint %s)", STORE_SERVER_TOKEN, m.version, store_backend_name(),
		    t.fingerprint);
	else
		check_fail(r, "the store's current '%s' (version %u, fingerprint %s) differs from "
		    "server/token (fingerprint %s)", STORE_SERVER_TOKEN, m.version,
		    m.fingerprint, t.fingerprint);
out:
	explicit_bzero(&t, sizeof(t));
	buf_wipe(&raw);
	buf_wipe(&cur);
	buf_release(&why);
}

void
check_token_rotation_age(const struct node *n, struct check_result *r)
{
	long long max = config_num("policy.token-max-age-days", 1, 36500, 90);
	long long now = (long long)time(NULL), since = -1, secs;
	struct store_meta *h = NULL;
	size_t nh = 0;
	int rc, rotated = 0;
	char day[16], age[48];

	if (check_skip_agent(n, r))
		return;
	quiet_errors++;
	rc = store_history(STORE_SERVER_TOKEN, &h, &nh);
	quiet_errors--;
	if (rc < 0) {
		check_error(r, "the secret store cannot be read: %s", last_error());
		return;
	}
	if (rc > 0 || !nh) {
		check_skip(r, "no server token in the store, so no rotation record "
		    "(see server-token.stored)");
		free(h);
		return;
	}
	for (size_t i = 0; i < nh; i++) {
		if (h[i].state != STORE_CURRENT)
			continue;
		rotated = starts_with(h[i].note, ROTATION_NOTE_PREFIX, NULL);
		since = h[i].created;
	}
	if (!rotated) {
		/*
		 * never rotated by k3sguard: count from when the token was first
		 * recorded (the oldest version with the current fingerprint)
		 */
		for (size_t i = 0; i < nh; i++)
			if (h[i].state == STORE_CURRENT) {
				for (size_t k = 0; k < nh; k++)
					if (!strcmp(h[k].fingerprint, h[i].fingerprint) &&
					    h[k].created < since)
						since = h[k].created;
			}
	}
	free(h);
	if (since < 0) {
		check_fail(r, "the store has no current server token");
		return;
	}
	/* over the policy by as little as a second is over it */
	secs = since > now ? 0 : now - since;
	age_str(secs, age, sizeof(age));
	if (rotated && secs <= max * DAY)
		check_pass(r, "last rotated %s (%s ago; policy %lld days)",
		    day_str(since, day), age, max);
	else if (rotated)
		check_fail(r, "last rotated %s, %s ago: older than the policy of %lld days",
		    day_str(since, day), age, max);
	else if (secs > max * DAY)
		check_fail(r, "not rotated since it was stored on %s (%s, policy %lld days)",
		    day_str(since, day), age, max);
	else
		check_pass(r, "stored on %s by 'token store', not rotated since (%s; "
		    "policy %lld days, counted from when k3sguard first recorded it)",
		    day_str(since, day), age, max);
}

void
check_token_rotate_capable(const struct node *n, struct check_result *r)
{
	int can;

	if (check_skip_agent(n, r))
		return;
	can = k3s_can_rotate(n->k3s_version);
	if (can < 0) {
		const struct source_error *e = node_source_error(n, "version");

		check_error(r, "K3s version unknown%s%s", e ? ": " : "", e ? e->msg : "");
	} else if (can) {
		check_pass(r, "K3s %s has the token rotation endpoint", n->k3s_version);
	} else {
		check_fail(r, "K3s %s cannot rotate its server token (needs v1.28.3+, 1.27.7+, "
		    "1.26.10+ or 1.25.15+); deleting server/token and restarting does not "
		    "rotate it", n->k3s_version);
	}
}
