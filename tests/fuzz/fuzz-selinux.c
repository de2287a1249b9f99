/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-selinux.c: libFuzzer harness for the SELinux readers of a node
 * (src/checks/check-selinux.c): /etc/selinux/config, containerd's rendered
 * config.toml, semanage.conf, a file's security.selinux value, and the
 * k3s-selinux file-context match of a path found in the image.  The input
 * is five texts split at NUL, in that order (the last one a path; its
 * first byte also picks file or directory).
 * Invariants besides crashes and leaks: the mode is one of the four; a
 * policy name that was accepted has no '/' and is not "." or ".."; the
 * containerd answer is -1, 0 or 1; a store-root taken from semanage.conf is
 * absolute without ".."; a context's type is a part of the context; a
 * file-context type is one of the policy's (ends in "_t").
 */
#include <sys/stat.h>

#include "core/k3sguard.h"
#include "checks/check-selinux.h"
#include "parts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
config(struct part *p)
{
	struct sel_state s;
	struct buf why = BUF_INIT;

	memset(&s, 0, sizeof(s));
	if (selinux_config_parse(p->text.s, &s, &why) == 0) {
		if (strchr(s.type, '/') || !strcmp(s.type, ".") || !strcmp(s.type, ".."))
			abort();
	} else if (!why.len) {
		abort();
	}
	if ((unsigned)s.config > SEL_ENFORCING)
		abort();
	buf_release(&why);
}

static void
store_root(struct part *p)
{
	char out[256] = "/var/lib/selinux";

	selinux_store_root_parse(p->text.s, out, sizeof(out));
	if (out[0] != '/' || strstr(out, ".."))
		abort();
}

static void
context(const struct part *p)
{
	char type[64];

	selinux_context_type(p->text.s, type, sizeof(type));
	if (strlen(type) + 1 < sizeof(type) && !strstr(p->text.s, type))
		abort();
}

static void
fc(const struct part *p)
{
	mode_t mode = p->text.len && (p->text.s[0] & 1) ? S_IFDIR | 0755 : S_IFREG | 0644;
	const char *t = selinux_fc_type(p->text.s, mode);
	size_t n = t ? strlen(t) : 0;

	if (t && (n < 3 || strcmp(t + n - 2, "_t")))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct part p[5];
	int r;

	quiet_errors = 1;
	parts_split(data, size, p, 5);
	if (p[0].present)
		config(&p[0]);
	if (p[1].present && ((r = selinux_containerd_parse(p[1].text.s)) < -1 || r > 1))
		abort();
	if (p[2].present)
		store_root(&p[2]);
	if (p[3].present)
		context(&p[3]);
	if (p[4].present)
		fc(&p[4]);
	clear_error();
	parts_free(p, 5);
	return 0;
}
