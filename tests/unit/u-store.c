/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-store.c: the secret store's file backend and locked memory: versions,
 * states, fingerprints, removal, tamper and wrong-key detection.
 */
#include "core/k3sguard.h"
#include "core/secret.h"
#include "store/store.h"
#include "token/token.h"
#include "unit.h"

#include <sys/wait.h>

/* main.c defines these for the binary */

static char root[] = "/tmp/u-store.XXXXXX";

static void
test_secret_memory(void)
{
	unsigned char *p = secret_alloc(100);

	CHECK(p != NULL);
	for (int i = 0; i < 100; i++)
		CHECK(p[i] == 0);
	memset(p, 0xaa, 100);
	secret_free(p, 100);
	secret_free(NULL, 0);
}

static void
test_read_fd_no_realloc(void)
{
	int fds[2];
	struct buf b = BUF_INIT;
	char *before;

	CHECK(pipe(fds) == 0);
	CHECK(write(fds[1], "abc\r\n", 5) == 5);
	close(fds[1]);
	CHECK(secret_read_fd(fds[0], "pipe", 100, &b) == 0);
	before = b.s;
	secret_chomp(&b);
	CHECK_STR(b.s, "abc");
	buf_addch(&b, 'x');
	CHECK(b.s == before);	/* reserved: no move */
	buf_wipe(&b);
	close(fds[0]);

	CHECK(pipe(fds) == 0);
	CHECK(write(fds[1], "0123456789", 10) == 10);
	close(fds[1]);
	quiet_errors++;
	CHECK(secret_read_fd(fds[0], "pipe", 5, &b) < 0);
	quiet_errors--;
	buf_wipe(&b);
	close(fds[0]);
}

static void
test_names(void)
{
	quiet_errors++;
	CHECK(store_name_ok("server-token") == 0);
	CHECK(store_name_ok("a.b_c-1") == 0);
	CHECK(store_name_ok("") < 0);
	CHECK(store_name_ok("../x") < 0);
	CHECK(store_name_ok(".hidden") < 0);
	CHECK(store_name_ok("a/b") < 0);
	CHECK(store_name_ok("x\n") < 0);
	quiet_errors--;
}

static void
test_fingerprint_is_token_id(void)
{
	const char *tok = "K10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa::server:s3cret";
	char fp[13], h[65];

	store_fingerprint(tok, strlen(tok), fp);
	sha256_hex("s3cret", 6, h);
	CHECK(strncmp(fp, h, 12) == 0 && strlen(fp) == 12);
}

static void
test_versions_and_states(void)
{
	struct buf v = BUF_INIT;
	struct store_meta m, *h;
	size_t n;
	unsigned ver;

	CHECK(store_get("tok", 0, &v, NULL) == 1);	/* absent */
	CHECK(store_put("tok", "one", 3, STORE_CURRENT, "first", &ver) == 0 && ver == 1);
	CHECK(store_put("tok", "two", 3, STORE_CURRENT, NULL, &ver) == 0 && ver == 2);
	CHECK(store_put("tok", "three", 5, STORE_PENDING, "rotation", &ver) == 0 && ver == 3);
	CHECK(store_get("tok", 0, &v, &m) == 0);
	CHECK_STR(v.s, "two");
	CHECK(m.version == 2 && m.state == STORE_CURRENT);
	buf_wipe(&v);
	CHECK(store_get("tok", 3, &v, &m) == 0);
	CHECK_STR(v.s, "three");
	CHECK(m.state == STORE_PENDING);
	CHECK_STR(m.note, "rotation");
	buf_wipe(&v);
	CHECK(store_set_state("tok", 3, STORE_CURRENT) == 0);
	CHECK(store_history("tok", &h, &n) == 0 && n == 3);
	CHECK(h[0].state == STORE_OLD && h[1].state == STORE_PREVIOUS && h[2].state == STORE_CURRENT);
	free(h);
	CHECK(store_find_fingerprint("tok", m.fingerprint, &m) == 0 && m.version == 3);
	CHECK(store_find_fingerprint("tok", "000000000000", NULL) == 1);
	quiet_errors++;
	CHECK(store_remove("tok", 3) < 0);	/* current */
	quiet_errors--;
	CHECK(store_remove("tok", 1) == 0);
	CHECK(store_get("tok", 1, &v, NULL) == 1);
	CHECK(store_get("tok", 2, &v, NULL) == 0);
	CHECK_STR(v.s, "two");
	buf_wipe(&v);
	/* the next version number is never reused */
	CHECK(store_put("tok", "four", 4, STORE_CURRENT, NULL, &ver) == 0 && ver == 4);
}

static void
test_list_and_remove(void)
{
	char **names;
	size_t n;

	CHECK(store_put("alpha", "x", 1, STORE_CURRENT, NULL, NULL) == 0);
	CHECK(store_list(&names, &n) == 0 && n == 2);
	if (n == 2) {
		CHECK_STR(names[0], "alpha");
		CHECK_STR(names[1], "tok");
	}
	store_names_free(names, n);
	CHECK(store_remove("alpha", 0) == 0);
	CHECK(store_remove("alpha", 0) == 1);
}

static void
test_tamper_detected(void)
{
	struct buf path = BUF_INIT, v = BUF_INIT;
	struct stat st;
	int fd;
	char c;

	buf_addf(&path, "%s%s/tok.sec", root, STORE_DIR);
	CHECK(stat(path.s, &st) == 0 && (st.st_mode & 0777) == 0600);
	fd = open(path.s, O_RDWR);
	CHECK(fd >= 0);
	CHECK(pread(fd, &c, 1, st.st_size - 20) == 1);
	c ^= 1;
	CHECK(pwrite(fd, &c, 1, st.st_size - 20) == 1);
	quiet_errors++;
	CHECK(store_get("tok", 0, &v, NULL) < 0);
	CHECK(strstr(last_error(), "tok.sec") != NULL);
	CHECK(v.len == 0);
	c ^= 1;
	CHECK(pwrite(fd, &c, 1, st.st_size - 20) == 1);
	CHECK(store_get("tok", 0, &v, NULL) == 0);
	buf_wipe(&v);
	CHECK(ftruncate(fd, st.st_size - 1) == 0);
	CHECK(store_get("tok", 0, &v, NULL) < 0);
	CHECK(v.len == 0);
	quiet_errors--;
	close(fd);
	buf_release(&path);
}

int
main(void)
{
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	gopt.root = root;
	T(test_secret_memory);
	T(test_read_fd_no_realloc);
	T(test_names);
	T(test_fingerprint_is_token_id);
	T(test_versions_and_states);
	T(test_list_and_remove);
	T(test_tamper_detected);
	{
		const char *argv[] = { "/bin/rm", "-rf", root, NULL };
		pid_t p = fork();

		if (p == 0) {
			execv(argv[0], (char *const *)argv);
			_exit(127);
		}
		waitpid(p, NULL, 0);
	}
	return UNIT_DONE();
}
