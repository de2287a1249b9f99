/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-fix-tokens.c: fix_tokens() on the default-server example node: the
 * dry run changes nothing, the real run stores the token (secure form from
 * server/token), installs the drop-in, cuts the token out of the env file
 * byte for byte, backs the original up in the store, and a second run
 * changes nothing.
 */
#include "core/k3sguard.h"
#include "fix/fix-tokens.h"
#include "node/node.h"
#include "core/run.h"
#include "core/secret.h"
#include "store/store.h"
#include "token/token.h"
#include "unit.h"


static char root[] = "/tmp/u-fix-tokens.XXXXXX";
#define ENVF "/etc/systemd/system/k3s.service.env"
#define UNITF "/etc/systemd/system/k3s.service"
#define DROPIN "/etc/systemd/system/k3s.service.d/90-k3sguard-agent-exec.conf"
#define PASSWORD "0eef365b010205985cef3526e4adff0f"

static int
sh(const char *const *argv)
{
	struct run_opts o = { 0 };
	int st = -1;

	o.argv = argv;
	o.inherit_stderr = 1;
	return run_cmd(&o, &st) < 0 ? -1 : st;
}

static void
slurp(const char *host, struct buf *out)
{
	buf_reset(out);
	if (file_read(root_path(host), CONFIG_MAX, out, NULL) < 0)
		buf_reset(out);
}

static void
append(const char *host, const char *text)
{
	struct buf b = BUF_INIT;
	struct stat st;

	slurp(host, &b);
	buf_adds(&b, text);
	stat(root_path(host), &st);
	file_write_atomic(root_path(host), b.s, b.len, st.st_mode & 07777);
	buf_release(&b);
}

static struct node n1, n2, n3;
static struct buf env_before, unit_before;

static void
test_dry_run_changes_nothing(void)
{
	struct buf after = BUF_INIT, v = BUF_INIT;
	size_t changes = 0;
	struct stat st;

	CHECK(node_load(&n1) == 0);
	slurp(ENVF, &env_before);
	slurp(UNITF, &unit_before);
	CHECK(strstr(env_before.s, PASSWORD) != NULL);
	CHECK(fix_tokens(&n1, NULL, 1, NULL, &changes) == 0);
	CHECK(changes == 3);	/* store, drop-in, rewrite */
	slurp(ENVF, &after);
	CHECK(after.len == env_before.len && !memcmp(after.s, env_before.s, after.len));
	CHECK(stat(root_path(DROPIN), &st) < 0);
	secret_buf_reserve(&v, STORE_VALUE_MAX + 2);
	CHECK(store_get("server-token", 0, &v, NULL) == 1);
	buf_wipe(&v);
	buf_release(&after);
	/* a second call on the same node model is a no-op (one rule per check) */
	changes = 9;
	CHECK(fix_tokens(&n1, NULL, 1, NULL, &changes) == 0 && changes == 0);
}

static void
test_migration(void)
{
	struct buf after = BUF_INIT, v = BUF_INIT, tok = BUF_INIT;
	struct token_info t;
	struct stat st;
	size_t changes = 0;

	CHECK(node_load(&n2) == 0);
	CHECK(fix_tokens(&n2, NULL, 0, NULL, &changes) == 0);
	CHECK(changes == 3);
	/* the store holds the token, in the secure form of server/token */
	secret_buf_reserve(&v, STORE_VALUE_MAX + 2);
	CHECK(store_get("server-token", 0, &v, NULL) == 0);
	slurp("/var/lib/rancher/k3s/server/token", &tok);
	buf_trim(&tok);
	CHECK(v.len == tok.len && !memcmp(v.s, tok.s, v.len));
	CHECK(token_parse(v.s, v.len, &t) == 0 && t.form == TOKEN_SECURE);
	buf_wipe(&v);
	buf_wipe(&tok);
	/* the env file lost exactly its K3S_TOKEN line, kept its mode */
	slurp(ENVF, &after);
	CHECK(strstr(after.s, PASSWORD) == NULL);
	CHECK(strstr(after.s, "K3S_URL=https://10.0.0.1:6443\n") != NULL);
	CHECK(stat(root_path(ENVF), &st) == 0 && (st.st_mode & 07777) == 0600);
	/* the backup is in the store, equal to the original */
	secret_buf_reserve(&v, STORE_VALUE_MAX + 2);
	CHECK(store_get("fix-backup.etc_systemd_system_k3s.service.env", 0, &v, NULL) == 0);
	CHECK(v.len == env_before.len && !memcmp(v.s, env_before.s, v.len));
	buf_wipe(&v);
	/* the unit is untouched; the drop-in runs K3s through agent exec */
	slurp(UNITF, &after);
	CHECK(after.len == unit_before.len && !memcmp(after.s, unit_before.s, after.len));
	slurp(DROPIN, &after);
	CHECK(strstr(after.s, " agent exec --secret server-token -- /usr/local/bin/k3s server\n") != NULL);
	CHECK(stat(root_path(DROPIN), &st) == 0 && (st.st_mode & 07777) == 0644);
	buf_release(&after);
}

static void
test_second_run_changes_nothing(void)
{
	struct store_meta *h = NULL;
	size_t changes = 9, nh = 0;

	CHECK(node_load(&n3) == 0);
	CHECK(fix_tokens(&n3, NULL, 0, NULL, &changes) == 0);
	CHECK(changes == 0);
	CHECK(store_history("server-token", &h, &nh) == 0 && nh == 1);
	free(h);
}

int
main(void)
{
	const char *top = getenv("TOP");
	struct buf script = BUF_INIT;

	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	buf_addf(&script, "%s/scripts/make-examples.sh", top ? top : ".");
	{
		const char *argv[] = { "/bin/sh", script.s, "default-server", root, NULL };

		if (sh(argv) != 0) {
			fprintf(stderr, "cannot build the example node\n");
			return 1;
		}
	}
	gopt.root = root;
	/* a second variable beside the token: it must survive byte for byte */
	append(ENVF, "K3S_URL=https://10.0.0.1:6443\n");
	T(test_dry_run_changes_nothing);
	T(test_migration);
	T(test_second_run_changes_nothing);
	node_free(&n1);
	node_free(&n2);
	node_free(&n3);
	buf_release(&env_before);
	buf_release(&unit_before);
	{
		const char *argv[] = { "/bin/rm", "-rf", root, NULL };

		sh(argv);
	}
	buf_release(&script);
	return UNIT_DONE();
}
