/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-pki.c: the X.509 pieces: SAN validation, a CA and certificates of every
 * kind read back with their key usages, SANs, chain and key pair, and the
 * refusals (no SANs for a member, a CA key readable by others, a key that
 * belongs to another certificate).
 */
#include "core/k3sguard.h"
#include "core/pki.h"
#include "unit.h"

static char dir[] = "/tmp/u-pki.XXXXXX";

static const char *
P(const char *name)
{
	static char b[4][256];
	static int i;

	snprintf(b[i & 3], sizeof(b[0]), "%s/%s", dir, name);
	return b[i++ & 3];
}

static void
test_sans(void)
{
	struct pki_sans s;

	memset(&s, 0, sizeof(s));
	quiet_errors++;
	CHECK(pki_sans_add(&s, "10.0.0.1") == 0);
	CHECK(pki_sans_add(&s, "fd00::1") == 0);
	CHECK(pki_sans_add(&s, "etcd-1.example.internal") == 0);
	CHECK(pki_sans_add(&s, "10.0.0.1") == 0);	/* duplicate: ignored */
	CHECK(s.nip == 2 && s.ndns == 1);
	CHECK(pki_sans_add(&s, "bad_name") < 0);
	CHECK(pki_sans_add(&s, "a..b") < 0);
	CHECK(pki_sans_add(&s, "") < 0);
	CHECK(pki_sans_add(&s, "x,DNS:evil") < 0);	/* no injection into the SAN string */
	CHECK(pki_sans_add(&s, "10.0.0.1\n") < 0);
	quiet_errors--;
	pki_sans_free(&s);
}

static void
test_issue_and_inspect(void)
{
	struct pki_sans s;
	struct pki_info in;
	time_t now = time(NULL);

	memset(&s, 0, sizeof(s));
	CHECK(pki_create_ca(P("ca.crt"), P("ca.key"), "test CA", 100) == 0);
	CHECK(pki_sans_add(&s, "127.0.0.1") == 0 && pki_sans_add(&s, "localhost") == 0);
	CHECK(pki_issue(P("ca.crt"), P("ca.key"), PKI_SERVER, "e1", &s, 10,
	    P("server.crt"), P("server.key")) == 0);
	CHECK(pki_issue(P("ca.crt"), P("ca.key"), PKI_CLIENT, "k3s", NULL, 10,
	    P("k3s.crt"), P("k3s.key")) == 0);

	CHECK(pki_inspect(P("ca.crt"), P("ca.crt"), P("ca.key"), &in) == 0);
	CHECK(in.is_ca && in.chain_ok && in.key_matches);
	pki_info_free(&in);

	CHECK(pki_inspect(P("server.crt"), P("ca.crt"), P("server.key"), &in) == 0);
	CHECK_STR(in.cn, "e1");
	CHECK(!in.is_ca && in.server_auth && in.client_auth && in.chain_ok && in.key_matches);
	CHECK(in.sans.nip == 1 && !strcmp(in.sans.ip[0], "127.0.0.1"));
	CHECK(in.sans.ndns == 1 && !strcmp(in.sans.dns[0], "localhost"));
	CHECK(in.not_after > now + 9 * 86400 && in.not_after < now + 11 * 86400);
	CHECK(in.not_before <= now);
	pki_info_free(&in);

	CHECK(pki_inspect(P("k3s.crt"), P("ca.crt"), P("server.key"), &in) == 0);
	CHECK_STR(in.cn, "k3s");
	CHECK(in.client_auth && !in.server_auth && in.chain_ok);
	CHECK(!in.key_matches && strstr(in.key_err, "does not match"));
	pki_info_free(&in);

	struct stat st;

	CHECK(stat(P("server.key"), &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(stat(P("ca.key"), &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(pki_check_pair(P("k3s.crt"), P("k3s.key")) == 0);
	quiet_errors++;
	CHECK(pki_check_pair(P("k3s.crt"), P("server.key")) < 0);
	quiet_errors--;

	char fp[65], cn[64];

	CHECK(pki_cert_fingerprint(P("ca.crt"), fp) == 0 && strlen(fp) == 64);
	CHECK(pki_cert_cn(P("k3s.crt"), cn, sizeof(cn)) == 0);
	CHECK_STR(cn, "k3s");
	pki_sans_free(&s);
}

static void
test_refusals(void)
{
	struct pki_sans none;

	memset(&none, 0, sizeof(none));
	quiet_errors++;
	/* a member certificate needs SANs */
	CHECK(pki_issue(P("ca.crt"), P("ca.key"), PKI_SERVER, "e2", &none, 10,
	    P("e2.crt"), P("e2.key")) < 0);
	CHECK(access(P("e2.key"), F_OK) < 0);
	/* a CA key readable by others is refused */
	CHECK(chmod(P("ca.key"), 0644) == 0);
	CHECK(pki_issue(P("ca.crt"), P("ca.key"), PKI_CLIENT, "x", NULL, 10,
	    P("x.crt"), P("x.key")) < 0);
	CHECK(strstr(last_error(), "0600") != NULL);
	CHECK(access(P("x.crt"), F_OK) < 0);
	CHECK(chmod(P("ca.key"), 0600) == 0);
	/* a CA key of another CA */
	CHECK(pki_create_ca(P("ca2.crt"), P("ca2.key"), "other", 10) == 0);
	CHECK(pki_issue(P("ca.crt"), P("ca2.key"), PKI_CLIENT, "x", NULL, 10,
	    P("x.crt"), P("x.key")) < 0);
	CHECK(strstr(last_error(), "does not belong") != NULL);
	/* not a certificate */
	CHECK(pki_cert_cn(P("ca.key"), (char[8]){ 0 }, 8) < 0);
	quiet_errors--;
}

int
main(void)
{
	int r;

	if (!mkdtemp(dir))
		return 1;
	T(test_sans);
	T(test_issue_and_inspect);
	T(test_refusals);
	r = UNIT_DONE();
	{
		const char *const rm[] = { "ca.crt", "ca.key", "server.crt", "server.key",
			"k3s.crt", "k3s.key", "ca2.crt", "ca2.key", NULL };

		for (size_t i = 0; rm[i]; i++)
			unlink(P(rm[i]));
		rmdir(dir);
	}
	return r;
}
