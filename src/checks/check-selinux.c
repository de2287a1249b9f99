/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check-selinux.c: SELinux on a K3s node (see check-selinux.h), the
 * manifests strategy's "AppArmor or SELinux" half for RHEL-family hosts.
 *
 * What K3s does, read in its source (k3s-io/k3s):
 *  - pkg/cli/cmds/agent.go `SELinuxFlag`: the `selinux` option (config
 *    `selinux: true`, `--selinux`, env K3S_SELINUX), a server's too;
 *  - pkg/agent/templates: containerd's `enable_selinux = {{ .NodeConfig.SELinux }}`:
 *    without the option containerd labels no container (K3s only warns,
 *    pkg/agent/containerd/config_linux.go "SELinux is enabled on this host,
 *    but k3s has not been started with --selinux");
 *  - pkg/agent/containerd/selinux.go: K3s expects to run as
 *    container_runtime_t, the domain the policy gives a binary labelled
 *    container_runtime_exec_t.
 * What k3s-selinux installs (k3s-io/k3s-selinux, policy/<distro>/
 * k3s-selinux.spec at commit 6991bc1): /usr/share/selinux/packages/k3s.pp,
 * loaded by %selinux_modules_install into the policy store
 * (<store-root>/<SELINUXTYPE>/active/modules/<priority>/k3s/, store-root
 * from /etc/selinux/semanage.conf, default /var/lib/selinux); `semodule -d
 * k3s` leaves it there and marks it in active/modules/disabled/k3s.
 */
#include "core/k3sguard.h"
#include "checks/check.h"
#include "checks/check-selinux.h"
#include "checks/check-walk.h"
#include "core/gate.h"

#include <regex.h>
#include <sys/xattr.h>

#define SEL_CONFIG	"/etc/selinux/config"
#define SEL_ENFORCE	"/sys/fs/selinux/enforce"
#define SEL_SEMANAGE	"/etc/selinux/semanage.conf"
#define SEL_STORE	"/var/lib/selinux"
#define K3S_PP		"/usr/share/selinux/packages/k3s.pp"
#define K3S_DATA	"/var/lib/rancher/k3s"

/* ---- the host's mode ---- */

static const char *
mode_name(enum sel_mode m)
{
	static const char *const names[] = { "absent", "disabled", "permissive", "enforcing" };

	return names[m];
}

/* One "KEY=value" line: the value trimmed and unquoted in val, or 0. */
static int
config_value(const char *line, const char *key, char *val, size_t len)
{
	const char *rest, *end;

	while (*line == ' ' || *line == '\t')
		line++;
	if (strncasecmp(line, key, strlen(key)) != 0)
		return 0;
	rest = line + strlen(key);
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (*rest++ != '=')
		return 0;
	while (*rest == ' ' || *rest == '\t' || *rest == '"' || *rest == '\'')
		rest++;
	end = rest + strcspn(rest, "\"' \t\r\n#");
	snprintf(val, len, "%.*s", (int)(end - rest), rest);
	return 1;
}

/*
 * gate_read() of a node file, refused (-1 with error()) when it has more
 * than one link under an image: another name may be a file outside the
 * root (an ostree host's hard-linked /usr is read on the live host, "/").
 */
static int
sel_read(const char *path, struct buf *text)
{
	struct stat st;

	if (gate_read(path, CONFIG_MAX, text, &st) < 0)
		return -1;
	if (gate_shared_outside(&st)) {
		buf_release(text);
		return error("'%s' has %ju hard links: another name, perhaps outside the root, "
		    "shares it (not read)", root_path(path), (uintmax_t)st.st_nlink);
	}
	return 0;
}

/* <root>/etc/selinux/config into s; -1 with why when it cannot be read. */
static int
read_config(struct sel_state *s, struct buf *why)
{
	struct buf text = BUF_INIT;
	int ret;

	s->config = SEL_NONE;
	snprintf(s->type, sizeof(s->type), "targeted");
	quiet_errors++;
	if (sel_read(SEL_CONFIG, &text) < 0) {
		quiet_errors--;
		if (!gate_exists(SEL_CONFIG)) {
			clear_error();
			buf_release(&text);
			return 0;
		}
		buf_addf(why, "%s", last_error());
		clear_error();
		buf_release(&text);
		return -1;
	}
	quiet_errors--;
	ret = selinux_config_parse(text.s ? text.s : (char *)"", s, why);
	buf_release(&text);
	return ret;
}

int
selinux_config_parse(char *text, struct sel_state *s, struct buf *why)
{
	char val[64], *save = NULL, *line;
	const char *rest;
	int saw_mode = 0;

	snprintf(s->type, sizeof(s->type), "targeted");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (config_value(line, "SELINUXTYPE", val, sizeof(val))) {
			if (*val)
				snprintf(s->type, sizeof(s->type), "%s", val);
		} else if (starts_with(line, "SELINUX=", &rest)) {
			/*
			 * libselinux selinux_getenforcemode(): the line starts
			 * "SELINUX=", the value's prefix compared without case,
			 * no quotes; anything else is no mode (fail closed).
			 */
			enum sel_mode m = !strncasecmp(rest, "enforcing", 9) ? SEL_ENFORCING :
			    !strncasecmp(rest, "permissive", 10) ? SEL_PERMISSIVE : SEL_DISABLED;

			/* several lines: the weakest counts (never a pass on a guess) */
			if (!saw_mode || m < s->config)
				s->config = m;
			saw_mode = 1;
		}
	}
	if (!saw_mode)
		s->config = SEL_DISABLED;	/* no SELINUX=: the loader loads no policy */
	if (strchr(s->type, '/') || !strcmp(s->type, "..") || !strcmp(s->type, ".")) {
		buf_addf(why, "'%s': SELINUXTYPE '%s' is not a policy name", SEL_CONFIG, s->type);
		return -1;
	}
	return 0;
}

/* On the live host, the kernel's state: selinuxfs absent means SELinux is off. */
static int
read_kernel(struct sel_state *s, struct buf *why)
{
	struct buf text = BUF_INIT;
	int ret = 0;

	quiet_errors++;
	if (gate_read(SEL_ENFORCE, 16, &text, NULL) < 0) {
		if (!gate_exists("/sys/fs/selinux")) {
			s->mode = s->config == SEL_NONE ? SEL_NONE : SEL_DISABLED;
		} else {
			buf_addf(why, "%s", last_error());
			ret = -1;
		}
	} else {
		s->mode = text.s[0] == '1' ? SEL_ENFORCING : SEL_PERMISSIVE;
	}
	quiet_errors--;
	clear_error();
	s->live = 1;
	buf_release(&text);
	return ret;
}

static int
sel_state(struct sel_state *s, struct buf *why)
{
	memset(s, 0, sizeof(*s));
	if (read_config(s, why) < 0)
		return -1;
	s->mode = s->config;
	if (gate_root_is_host())
		return read_kernel(s, why);
	return 0;
}

/* "SELINUX=enforcing in /etc/selinux/config (what the image boots with)" */
static void
describe_state(const struct sel_state *s, struct buf *b)
{
	if (s->config == SEL_NONE)
		buf_addf(b, "no %s", SEL_CONFIG);
	else
		buf_addf(b, "SELINUX=%s in %s", mode_name(s->config), SEL_CONFIG);
	if (s->live)
		buf_addf(b, ", the kernel: %s (%s)", mode_name(s->mode),
		    s->mode == SEL_NONE || s->mode == SEL_DISABLED ? "no " SEL_ENFORCE : SEL_ENFORCE);
	else if (s->config != SEL_NONE)
		buf_adds(b, " (an image: what it boots with; the kernel command line "
		    "(selinux=0, enforcing=0) is not read)");
}

int
selinux_enabled(struct buf *why)
{
	struct sel_state s;

	if (sel_state(&s, why) < 0)
		return -1;
	describe_state(&s, why);
	return s.mode == SEL_ENFORCING || s.mode == SEL_PERMISSIVE;
}

/* 1 and r set to skip (or error) unless SELinux is on at the node. */
static int
skip_unless_on(struct sel_state *s, struct check_result *r)
{
	struct buf why = BUF_INIT;

	if (sel_state(s, &why) < 0) {
		check_error(r, "%s", why.s);
		buf_release(&why);
		return 1;
	}
	if (s->mode == SEL_ENFORCING || s->mode == SEL_PERMISSIVE) {
		buf_release(&why);
		return 0;
	}
	describe_state(s, &why);
	check_skip(r, "SELinux is off at this node: %s", why.s);
	buf_release(&why);
	return 1;
}

void
selinux_check_enforcing(const struct node *n, struct check_result *r)
{
	struct sel_state s;
	struct buf why = BUF_INIT;

	(void)n;
	if (sel_state(&s, &why) < 0) {
		check_error(r, "%s", why.s);
		goto out;
	}
	describe_state(&s, &why);
	if (s.config == SEL_NONE && s.mode == SEL_NONE)
		check_skip(r, "not an SELinux node: %s", why.s);
	else if (s.mode == SEL_ENFORCING && (!s.live || s.config == SEL_ENFORCING))
		check_pass(r, "SELinux enforces: %s", why.s);
	else if (s.mode == SEL_ENFORCING)
		check_fail(r, "SELinux enforces now but will not after a reboot: %s", why.s);
	else
		check_fail(r, "SELinux does not enforce: %s", why.s);
out:
	buf_release(&why);
}

/* ---- K3s's option ---- */

/*
 * What containerd was last given: K3s renders agent/etc/containerd/config.toml
 * at every start from its template (or the admin's config.toml.tmpl /
 * config-v3.toml.tmpl, which may leave enable_selinux out).  1 true, 0
 * false, -1 no such line or no file; where names the file.
 */
static int
containerd_selinux(const struct node *n, struct buf *where)
{
	struct buf text = BUF_INIT;
	int ret = -1;

	buf_adds(where, node_data_path(n, "agent/etc/containerd/config.toml"));
	quiet_errors++;
	if (sel_read(where->s, &text) == 0 && text.s)
		ret = selinux_containerd_parse(text.s);
	quiet_errors--;
	clear_error();
	buf_release(&text);
	return ret;
}

int
selinux_containerd_parse(char *text)
{
	char *save = NULL, *line;
	int ret = -1;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *p = line + strspn(line, " \t");

		if (!starts_with(p, "enable_selinux", &p))
			continue;
		p += strspn(p, " \t");
		if (*p++ != '=')
			continue;
		p += strspn(p, " \t");
		ret = starts_with(p, "true", NULL) ? 1 : 0;
	}
	return ret;
}

void
selinux_check_option(const struct node *n, struct check_result *r)
{
	struct sel_state s;
	struct buf ctd = BUF_INIT;
	const char *v;
	int b, rendered;

	if (check_source_failed(n, "config", r) || check_source_failed(n, "unit", r) ||
	    check_source_failed(n, "env", r))
		return;
	if (skip_unless_on(&s, r))
		return;
	v = node_get(n, "selinux");
	b = v ? k3s_parse_bool(v) : 0;
	rendered = containerd_selinux(n, &ctd);
	if (b == 1 && rendered == 0)
		check_fail(r, "K3s runs with selinux: true (%s) but '%s' (what K3s last gave "
		    "containerd) has enable_selinux = false: a custom config.toml.tmpl drops it",
		    check_origin(n, "selinux"), ctd.s);
	else if (b == 1)
		check_pass(r, "K3s runs with selinux: true (%s): containerd labels containers%s%s%s",
		    check_origin(n, "selinux"), rendered == 1 ? " ('" : "",
		    rendered == 1 ? ctd.s : "", rendered == 1 ? "' has enable_selinux = true)" : "");
	else if (b < 0)
		check_fail(r, "K3s's selinux option is '%s' (%s), not a boolean: K3s refuses it",
		    v, check_origin(n, "selinux"));
	else
		check_fail(r, "SELinux is %s at this node but K3s runs without its selinux option%s%s: "
		    "containerd labels no container (K3s only warns \"SELinux is enabled on this "
		    "host, but k3s has not been started with --selinux\")", mode_name(s.mode),
		    v ? " (false at " : "", v ? check_origin(n, "selinux") : "");
	buf_release(&ctd);
}

/* ---- the policy module ---- */

/* store-root from semanage.conf ("store-root = /x"), else the default. */
static void
store_root(char *out, size_t len)
{
	struct buf text = BUF_INIT;

	snprintf(out, len, "%s", SEL_STORE);
	quiet_errors++;
	if (sel_read(SEL_SEMANAGE, &text) == 0 && text.s)
		selinux_store_root_parse(text.s, out, len);
	quiet_errors--;
	clear_error();
	buf_release(&text);
}

void
selinux_store_root_parse(char *text, char *out, size_t len)
{
	char *save = NULL, *line;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char val[256];

		if (config_value(line, "store-root", val, sizeof(val)) && val[0] == '/' &&
		    !strstr(val, ".."))
			snprintf(out, len, "%s", val);
	}
}

/*
 * The priority directory holding the k3s module under modules (a node
 * path), in prio; 1 found, 0 not, -1 (why) the store cannot be read.
 */
static int
find_module(const char *modules, char *prio, size_t len, struct buf *why)
{
	DIR *d = gate_opendir(modules);
	struct dirent *de;
	int found = 0;

	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		buf_addf(why, "cannot read '%s': %s", modules, strerror(errno));
		return -1;
	}
	while (!found && (de = readdir(d))) {
		struct stat st;
		char *p;

		if (strspn(de->d_name, "0123456789") != strlen(de->d_name) || !de->d_name[0])
			continue;
		p = xasprintf("%s/%s/k3s", modules, de->d_name);
		if (gate_lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(prio, len, "%s", de->d_name);
			found = 1;
		}
		free(p);
	}
	closedir(d);
	return found;
}

/* 1 installed and enabled, 0 not (why), -1 unknown (why). */
static int
module_state(const struct sel_state *s, struct buf *why)
{
	char root[256], prio[32];
	char *modules, *disabled;
	int ret;

	store_root(root, sizeof(root));
	modules = xasprintf("%s/%s/active/modules", root, s->type);
	disabled = xasprintf("%s/disabled/k3s", modules);
	ret = find_module(modules, prio, sizeof(prio), why);
	if (ret == 1 && gate_exists(disabled)) {
		buf_addf(why, "the k3s module is in '%s/%s/k3s' but disabled ('%s' exists; "
		    "semodule -e k3s)", modules, prio, disabled);
		ret = 0;
	} else if (ret == 1) {
		buf_addf(why, "the k3s module is installed and enabled ('%s/%s/k3s')", modules,
		    prio);
	} else if (ret == 0) {
		buf_addf(why, "no k3s module in the %s policy store ('%s/<priority>/k3s')%s",
		    s->type, modules, gate_exists(K3S_PP) ? "; " K3S_PP " is there but was "
		    "never loaded (semodule -i, or SELINUXTYPE differs from the package's)" :
		    "; k3s-selinux is not installed (no " K3S_PP ")");
	}
	free(modules);
	free(disabled);
	return ret;
}

void
selinux_check_module(const struct node *n, struct check_result *r)
{
	struct sel_state s;
	struct buf why = BUF_INIT;
	int st;

	(void)n;
	if (skip_unless_on(&s, r))
		return;
	st = module_state(&s, &why);
	if (st < 0)
		check_error(r, "%s", why.s);
	else if (st == 1)
		check_pass(r, "%s", why.s);
	else
		check_fail(r, "%s", why.s);
	buf_release(&why);
}

/* ---- file labels ---- */

/*
 * The file contexts of the k3s-selinux module as data: k3s-io/k3s-selinux
 * policy/centos9/k3s.fc at commit 6991bc1 (centos8, centos10, coreos and
 * microos have the same rules; slemicro gives the two containerd snapshot
 * directories container_share_t, which no path judged here reaches).
 * A NULL type is the policy's <<none>> (no label set).
 */
enum fc_kind { FC_ANY, FC_FILE, FC_DIR };

struct fc_rule {
	const char *re;
	enum fc_kind kind;
	const char *type;
};

static const struct fc_rule k3s_fc[] = {
	{ "/etc/systemd/system/k3s.*", FC_FILE, "container_unit_file_t" },
	{ "/usr/lib/systemd/system/k3s.*", FC_FILE, "container_unit_file_t" },
	{ "/usr/local/lib/systemd/system/k3s.*", FC_FILE, "container_unit_file_t" },
	{ "/usr/s?bin/k3s", FC_FILE, "container_runtime_exec_t" },
	{ "/usr/local/s?bin/k3s", FC_FILE, "container_runtime_exec_t" },
	{ "/opt/bin/k3s", FC_FILE, "container_runtime_exec_t" },
	{ "/var/lib/rancher/k3s(/.*)?", FC_ANY, "container_var_lib_t" },
	{ "/var/lib/rancher/k3s/agent/containerd/[^/]*/snapshots", FC_DIR, "container_file_t" },
	{ "/var/lib/rancher/k3s/agent/containerd/[^/]*/snapshots/[^/]*", FC_DIR,
	  "container_file_t" },
	{ "/var/lib/rancher/k3s/agent/containerd/[^/]*/snapshots/[^/]*/.*", FC_ANY, NULL },
	{ "/var/lib/rancher/k3s/agent/containerd/[^/]*/sandboxes(/.*)?", FC_ANY,
	  "container_share_t" },
	{ "/var/lib/rancher/k3s/data(/.*)?", FC_ANY, "k3s_data_t" },
	{ "/var/lib/rancher/k3s/data/.lock", FC_FILE, "k3s_lock_t" },
	{ "/var/lib/rancher/k3s/data/[^/]*/bin(/.*)?", FC_ANY, "k3s_root_t" },
	{ "/var/lib/rancher/k3s/data/[^/]*/bin/[.]links", FC_FILE, "k3s_data_t" },
	{ "/var/lib/rancher/k3s/data/[^/]*/bin/[.]sha256sums", FC_FILE, "k3s_data_t" },
	{ "/var/lib/rancher/k3s/data/[^/]*/bin/cni", FC_FILE, "container_runtime_exec_t" },
	{ "/var/lib/rancher/k3s/data/[^/]*/bin/containerd", FC_FILE, "container_runtime_exec_t" },
	{ "/var/lib/rancher/k3s/data/[^/]*/bin/containerd-shim", FC_FILE,
	  "container_runtime_exec_t" },
	{ "/var/lib/rancher/k3s/data/[^/]*/bin/containerd-shim-runc-v[12]", FC_FILE,
	  "container_runtime_exec_t" },
	{ "/var/lib/rancher/k3s/data/[^/]*/bin/runc", FC_FILE, "container_runtime_exec_t" },
	{ "/var/lib/rancher/k3s/data/[^/]*/etc(/.*)?", FC_ANY, "container_config_t" },
	{ "/var/lib/rancher/k3s/storage(/.*)?", FC_ANY, "container_file_t" },
	{ "/var/run/k3s(/.*)?", FC_ANY, "container_var_run_t" },
	{ "/var/run/k3s/containerd/[^/]*/sandboxes/[^/]*/shm(/.*)?", FC_ANY,
	  "container_runtime_tmpfs_t" },
};

/*
 * How specific a rule is, as the policy compiler orders file contexts
 * (libsepol CIL's filecon sort: a rule without regex characters after one
 * with them, then the longer fixed stem, then the longer text, then a rule
 * for one file kind after one for any); libselinux takes the last match,
 * so the most specific matching rule wins.
 */
struct fc_rank {
	int exact;
	size_t stem, len;
	int kind;
};

static void
fc_rank(const struct fc_rule *f, struct fc_rank *k)
{
	int meta = 0;

	memset(k, 0, sizeof(*k));
	for (const char *p = f->re; *p; p++) {
		if (strchr(".^$?*+|[({", *p)) {
			meta = 1;
		} else {
			if (*p == '\\' && p[1])
				p++;
			if (!meta)
				k->stem++;
		}
		k->len++;
	}
	k->exact = !meta;
	k->kind = f->kind != FC_ANY;
}

static int
fc_rank_cmp(const struct fc_rank *a, const struct fc_rank *b)
{
	if (a->exact != b->exact)
		return a->exact - b->exact;
	if (a->stem != b->stem)
		return a->stem < b->stem ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->kind - b->kind;
}

static regex_t fc_re[ARRAY_SIZE(k3s_fc)];
static int fc_compiled;

static void
fc_compile(void)
{
	if (fc_compiled)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(k3s_fc); i++) {
		char *re = xasprintf("^(%s)$", k3s_fc[i].re);

		if (regcomp(&fc_re[i], re, REG_EXTENDED | REG_NOSUB) != 0)
			fatal("file context '%s' does not compile", k3s_fc[i].re);
		free(re);
	}
	fc_compiled = 1;
}

/* The winning rule for path of kind mode, or NULL. */
static const struct fc_rule *
fc_match(const char *path, mode_t mode)
{
	const struct fc_rule *best = NULL;
	struct fc_rank bk = { 0, 0, 0, 0 }, k;

	fc_compile();
	for (size_t i = 0; i < ARRAY_SIZE(k3s_fc); i++) {
		const struct fc_rule *f = &k3s_fc[i];

		if ((f->kind == FC_FILE && !S_ISREG(mode)) || (f->kind == FC_DIR && !S_ISDIR(mode)))
			continue;
		if (regexec(&fc_re[i], path, 0, NULL, 0) != 0)
			continue;
		fc_rank(f, &k);
		if (!best || fc_rank_cmp(&k, &bk) >= 0) {
			best = f;
			bk = k;
		}
	}
	return best;
}

const char *
selinux_fc_type(const char *path, mode_t mode)
{
	const struct fc_rule *f = fc_match(path, mode);

	return f ? f->type : NULL;
}

/* What the labels walk collects. */
struct labels {
	const char *data_dir;	/* the node's */
	const char *fc_data;	/* what the rules call it: K3S_DATA, or NULL (no rule) */
	size_t judged, bad, unknown, shown;
	struct buf list;	/* mismatches, a few */
	struct buf unk;		/* first reason a label could not be read */
};

/* The path as the rules name it (the data dir mapped onto K3S_DATA); NULL: none. */
static char *
rule_path(const struct labels *l, const char *host)
{
	const char *rest;

	if (starts_with(host, l->data_dir, &rest) && (*rest == '/' || !*rest)) {
		if (!l->fc_data)
			return NULL;
		return xasprintf("%s%s", l->fc_data, rest);
	}
	return xstrdup(host);
}

void
selinux_context_type(const char *ctx, char *out, size_t len)
{
	const char *a = strchr(ctx, ':'), *b = a ? strchr(a + 1, ':') : NULL;
	const char *c = b ? strchr(b + 1, ':') : NULL;

	if (!b)
		snprintf(out, len, "%s", ctx);
	else
		snprintf(out, len, "%.*s", (int)(c ? c - b - 1 : (ptrdiff_t)strlen(b + 1)), b + 1);
}

static void
note_bad(struct labels *l, const char *host, const char *have, const char *want)
{
	l->bad++;
	if (l->shown++ >= 5)
		return;
	if (l->list.len)
		buf_adds(&l->list, "; ");
	buf_addf(&l->list, "'%s' is %s, the policy gives %s", host, have, want);
	if (!strcmp(have, "container_file_t") || !strcmp(have, "container_share_t"))
		buf_adds(&l->list, " (containers can write it)");
}

/* The first reason a label could not be read is kept. */
static void
note_unknown(struct labels *l, const char *what, const char *host, int e)
{
	if (!l->unknown++)
		buf_addf(&l->unk, "cannot %s '%s': %s", what, host, strerror(e));
}

/*
 * host opened for its label: the type looked at on an O_PATH fd first, so
 * a FIFO or a device node is never opened (nor judged: K3s keeps none in
 * its data dir), a regular file with more than one link under an image is
 * unknown (its label is the inode's, shared with a name perhaps outside
 * the root).  -1 when not judged.
 */
static int
open_labelled(struct labels *l, const char *host, int nofollow, struct stat *st)
{
	int fd = gate_open_regular(host, O_RDONLY | O_NONBLOCK | O_NOCTTY | nofollow, st);

	if (fd == -2 && S_ISDIR(st->st_mode)) {
		/* O_DIRECTORY: what is opened is a directory, whatever replaced it */
		fd = gate_open(host, O_RDONLY | O_DIRECTORY | nofollow);
		if (fd >= 0 && fstat(fd, st) < 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd == -2)
		return -1;
	if (fd < 0) {
		if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
			note_unknown(l, "open", host, errno);
		return -1;
	}
	if (gate_shared_outside(st)) {
		note_unknown(l, "trust the label of (a hard link)", host, EMLINK);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Judge one node file against want (NULL: the rules' type for it).  A
 * missing file is not judged; a symlink is not followed (the manifests
 * symlink check judges what K3s reads through one) unless want is given:
 * the k3s binary is judged where its links lead, inside the root, since
 * exec follows them.
 */
static void
judge(struct labels *l, const char *host, const char *want_fixed)
{
	char val[256], have[256];
	struct stat st;
	const char *want = want_fixed;
	char *rp = NULL;
	ssize_t n;
	int fd;

	fd = open_labelled(l, host, want ? 0 : O_NOFOLLOW, &st);
	if (fd < 0)
		return;
	if (!want) {
		if (!(rp = rule_path(l, host)))
			goto out;
		want = selinux_fc_type(rp, st.st_mode);
		if (!want)
			goto out;	/* no rule, or <<none>> */
	}
	l->judged++;
	n = fgetxattr(fd, "security.selinux", val, sizeof(val) - 1);
	if (n < 0) {
		if (errno == ENODATA)
			note_bad(l, host, "unlabeled", want);
		else
			note_unknown(l, "read the label of", host, errno);
		goto out;
	}
	val[n] = '\0';
	selinux_context_type(val, have, sizeof(have));
	if (strcmp(have, want) != 0)
		note_bad(l, host, have, want);
out:
	free(rp);
	close(fd);
}

static int
labels_walk_cb(void *ctx, const char *host_path, const struct stat *st, const char *target)
{
	(void)target;
	if (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode))
		judge(ctx, host_path, NULL);
	return 0;
}

/* Where the data dir's labels come from: K3S_DATA, or an equivalence to it. */
static const char *
data_rules(const char *data_dir, const char *type)
{
	struct buf text = BUF_INIT, p = BUF_INIT;
	char *save = NULL, *line;
	const char *ret = NULL;

	if (!strcmp(data_dir, K3S_DATA))
		return K3S_DATA;
	/* semanage fcontext -a -e K3S_DATA DIR writes "DIR K3S_DATA" here */
	buf_addf(&p, "/etc/selinux/%s/contexts/files/file_contexts.subs", type);
	quiet_errors++;
	if (sel_read(p.s, &text) == 0) {
		for (line = strtok_r(text.s, "\n", &save); line && !ret;
		    line = strtok_r(NULL, "\n", &save)) {
			char *fsave = NULL, *a = strtok_r(line, " \t", &fsave);
			char *b = a ? strtok_r(NULL, " \t", &fsave) : NULL;

			if (b && !strcmp(a, data_dir) && !strcmp(b, K3S_DATA))
				ret = K3S_DATA;
		}
	}
	quiet_errors--;
	clear_error();
	buf_release(&text);
	buf_release(&p);
	return ret;
}

void
selinux_check_labels(const struct node *n, struct check_result *r)
{
	static const char *const data_paths[] = { "", "/server", "/server/token",
		"/server/tls", "/server/cred", "/server/db" };
	struct sel_state s;
	struct labels l;
	struct buf err = BUF_INIT, dd = BUF_INIT;
	const char *bin = n->k3s_bin ? n->k3s_bin : "/usr/local/bin/k3s";

	if (skip_unless_on(&s, r))
		return;
	memset(&l, 0, sizeof(l));
	buf_init(&l.list);
	buf_init(&l.unk);
	l.data_dir = n->data_dir ? n->data_dir : K3S_DATA;
	l.fc_data = data_rules(l.data_dir, s.type);
	/* K3s must run as container_runtime_t: its binary is the entry point */
	judge(&l, bin, "container_runtime_exec_t");
	for (size_t i = 0; i < n->nunits; i++)
		if (!n->units[i].openrc)
			judge(&l, n->units[i].path, NULL);
	for (size_t i = 0; l.fc_data && i < ARRAY_SIZE(data_paths); i++) {
		buf_reset(&dd);
		buf_addf(&dd, "%s%s", l.data_dir, data_paths[i]);
		judge(&l, dd.s, NULL);
	}
	if (l.fc_data && n->role != ROLE_AGENT) {
		judge(&l, node_data_path(n, "server/manifests"), NULL);
		if (manifests_walk(n, labels_walk_cb, &l, &err) < 0 && !l.unknown++)
			buf_adds(&l.unk, err.s);
	}
	if (l.bad)
		check_fail(r, "%zu of %zu files not labelled as k3s-selinux's file contexts say: %s%s",
		    l.bad, l.judged, l.list.s, l.bad > 5 ? "; ..." : "");
	else if (l.unknown)
		check_error(r, "%s", l.unk.s);
	else if (!l.fc_data)
		check_warn(r, "data dir '%s' is not %s and no file-context equivalence names it "
		    "(semanage fcontext -a -e %s %s): k3s-selinux labels nothing there; %zu other "
		    "file(s) labelled as the policy says", l.data_dir, K3S_DATA, K3S_DATA,
		    l.data_dir, l.judged);
	else if (!l.judged)
		check_skip(r, "none of the files k3s-selinux labels exists here");
	else
		check_pass(r, "%zu files (the k3s binary, units, the data dir, server/manifests) "
		    "labelled as k3s-selinux's file contexts say%s", l.judged,
		    s.live ? "" : " (labels as stored in the image)");
	buf_release(&l.list);
	buf_release(&l.unk);
	buf_release(&err);
	buf_release(&dd);
}

/*
 * 1 when the k3s binary is labelled container_runtime_exec_t (or is not
 * there to judge), 0 when not, -1 unknown; why says which.
 */
static int
binary_labelled(const struct node *n, struct buf *why)
{
	struct labels l;
	const char *bin = n->k3s_bin ? n->k3s_bin : "/usr/local/bin/k3s";
	int ret;

	memset(&l, 0, sizeof(l));
	buf_init(&l.list);
	buf_init(&l.unk);
	l.data_dir = n->data_dir ? n->data_dir : K3S_DATA;
	judge(&l, bin, "container_runtime_exec_t");
	ret = l.bad ? 0 : l.unknown ? -1 : 1;
	if (l.bad)
		buf_addf(why, "%s: K3s does not run as container_runtime_t", l.list.s);
	else if (l.unknown)
		buf_adds(why, l.unk.s);
	buf_release(&l.list);
	buf_release(&l.unk);
	return ret;
}

int
selinux_confines(const struct node *n, struct buf *why)
{
	struct sel_state s;
	struct buf m = BUF_INIT;
	int ret, mod;

	if (sel_state(&s, why) < 0)
		return -1;
	if (s.mode != SEL_ENFORCING) {
		buf_adds(why, "SELinux: ");
		describe_state(&s, why);
		return 0;
	}
	if (!node_opt_true(n, "selinux")) {
		buf_adds(why, "SELinux enforces but K3s runs without its selinux option");
		return 0;
	}
	if (containerd_selinux(n, &m) == 0) {
		buf_addf(why, "SELinux enforces but '%s' has enable_selinux = false", m.s);
		buf_release(&m);
		return 0;
	}
	buf_reset(&m);
	/* K3s runs as container_runtime_t only when its binary has the exec type */
	if ((ret = binary_labelled(n, &m)) != 1) {
		buf_addf(why, "SELinux enforces and K3s has selinux: true, but %s", m.s);
		buf_release(&m);
		return ret;
	}
	buf_reset(&m);
	mod = module_state(&s, &m);
	ret = mod;
	if (mod == 1)
		buf_addf(why, "SELinux enforces, K3s runs with selinux: true (%s), %s",
		    check_origin(n, "selinux"), m.s);
	else
		buf_addf(why, "SELinux enforces and K3s has selinux: true, but %s", m.s);
	buf_release(&m);
	return ret;
}
