/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check-manifests.c: strategy "manifests" (seed: "Secure Auto-Deploying
 * Manifests Directory").  Anyone who can write server/manifests is
 * cluster-admin within about 15 seconds, so: the directory 0700 root, files
 * 0600 root, no group/other-writable directory on the way from /, no
 * symlink leading outside, nothing but regular files and directories.
 *
 * The walk MUST NOT follow symlinks: the directory is opened through the
 * gate (resolved inside the root, itself not followed), every directory
 * below relative to its parent with gate_openat and every entry examined
 * with gate_statat, neither of which follows a link.
 *
 * Links as K3s treats them (pkg/deploy/controller.go `listFilesIn()`,
 * commit 43bde46): filepath.Walk lstats every entry and never descends
 * into a symlinked directory; a link whose own name passes
 * `shouldSkipFile()` (no leading '.', .yaml/.yml/.json, no <name>.skip
 * anywhere in the tree) is read with ioutil.ReadFile, which follows it.
 * So only such links matter: one leading outside the directory is judged
 * (its target described, resolved by the gate inside the root as the node
 * itself resolves it, never on this host); a link K3s does not read is
 * listed, not failed.
 *
 * Confinement: AppArmor (manifests-audit.c) or SELinux (check-selinux.c);
 * manifests.confinement says when neither confines K3s.
 */
#include "core/k3sguard.h"
#include "checks/check.h"
#include "checks/check-selinux.h"
#include "checks/check-walk.h"
#include "core/gate.h"
#include "manifests/manifests.h"

#include <dirent.h>

static const char *
manifests_dir(const struct node *n)
{
	return node_data_path(n, "server/manifests");
}

int
manifests_walk(const struct node *n, manifest_cb cb, void *ctx, struct buf *err)
{
	return check_walk(manifests_dir(n), cb, ctx, err);
}

/* The directory itself; 1 when r was set (missing, error, agent). */
static int
stat_dir(const struct node *n, struct check_result *r, struct check_file *f)
{
	if (check_skip_agent(n, r))
		return 1;
	check_stat(n, manifests_dir(n), f);
	if (f->exists < 0) {
		check_error(r, "%s", f->err);
		return 1;
	}
	if (f->exists == 0) {
		check_skip(r, "'%s' does not exist (K3s creates it at start)", f->path);
		return 1;
	}
	return 0;
}

static void
dir_mode(const struct node *n, struct check_result *r)
{
	struct check_file f;
	struct buf d = BUF_INIT;

	if (stat_dir(n, r, &f))
		return;
	check_describe_file(&d, &f);
	if (!S_ISDIR(f.st.st_mode))
		check_fail(r, "%s: not a directory", d.s);
	else if (f.st.st_mode & 077)
		check_fail(r, "%s: group or others can reach the auto-deploy directory", d.s);
	else
		check_pass(r, "%s", d.s);
	buf_release(&d);
}

/* What a walk collects for one check: offenders, described. */
struct collect {
	const struct node *n;
	int what;
	size_t count, shown;
	struct buf list;
	char dir[1024];
	/* C_SYMLINK: the tree's "<name>.skip" names, the links K3s does not read */
	struct buf skips;
	size_t unread;
	struct buf notes;
};

enum { C_OWNER, C_MODE, C_SYMLINK, C_TYPE };

static int
link_escapes(const char *dir, const char *host_path, const char *target)
{
	/* resolve target lexically from the link's own directory */
	struct buf p = BUF_INIT;
	const char *slash = strrchr(host_path, '/');
	size_t dlen = strlen(dir);
	char *save = NULL, *tok, *copy;
	int escapes;

	if (target[0] == '/') {
		buf_adds(&p, target);
	} else {
		buf_add(&p, host_path, (size_t)(slash - host_path));
		buf_addf(&p, "/%s", target);
	}
	/* normalise ".", ".." and "//" */
	copy = buf_detach(&p);
	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			char *last = strrchr(p.s, '/');

			if (last)
				buf_setlen(&p, (size_t)(last - p.s));
			continue;
		}
		buf_addf(&p, "/%s", tok);
	}
	escapes = !(strncmp(p.s, dir, dlen) == 0 && p.s[dlen] == '/');
	free(copy);
	buf_release(&p);
	return escapes;
}

/* Walk callback: every "<name>.skip" of the tree, as "\n<name>\n" entries. */
static int
skips_cb(void *ctx, const char *host_path, const struct stat *st, const char *target)
{
	struct buf *skips = ctx;
	const char *slash = strrchr(host_path, '/');
	const char *name = slash ? slash + 1 : host_path;

	(void)st;
	(void)target;
	if (ends_with(name, ".skip") && strlen(name) > 5) {
		if (!skips->len)
			buf_addch(skips, '\n');
		buf_add(skips, name, strlen(name) - 5);
		buf_addch(skips, '\n');
	}
	return 0;
}

/* 1 when K3s reads the link at host_path: its name passes shouldSkipFile(). */
static int
k3s_reads_link(const struct collect *c, const char *host_path)
{
	const char *slash = strrchr(host_path, '/');
	const char *name = slash ? slash + 1 : host_path;
	struct buf key = BUF_INIT;
	int skipped;

	if (!manifests_k3s_applies(name, NULL))
		return 0;
	buf_addf(&key, "\n%s\n", name);
	skipped = c->skips.len && strstr(c->skips.s, key.s) != NULL;
	buf_release(&key);
	return !skipped;
}

/* What K3s reads through the link: its target, resolved by the gate inside the root. */
static void
describe_link_target(struct buf *b, const char *host_path)
{
	struct stat st;
	char m[8];

	if (gate_stat(host_path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			buf_adds(b, ", dangling: whoever creates the target deploys it");
		else if (errno == ELOOP)
			buf_adds(b, ", a loop of links: not read");
		else
			buf_addf(b, ", target not examined: %s", strerror(errno));
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		buf_adds(b, ", a directory: K3s fails to read it today, a file put there is applied");
		return;
	}
	buf_addf(b, ", K3s applies a %s, mode %s, uid %u", type_str(st.st_mode),
	    mode_str(st.st_mode, m), (unsigned)st.st_uid);
	if (S_ISREG(st.st_mode) && st.st_nlink > 1)
		buf_addf(b, ", %ju hard links", (uintmax_t)st.st_nlink);
}

static void
note_unread_link(struct collect *c, const char *host_path, const char *target)
{
	if (c->unread++ >= 3)
		return;
	buf_addf(&c->notes, "%s'%s' -> '", c->notes.len ? "; " : "", host_path);
	buf_add_printable(&c->notes, target);
	buf_adds(&c->notes, "'");
}

static int
collect_cb(void *ctx, const char *host_path, const struct stat *st, const char *target)
{
	struct collect *c = ctx;
	char m[8];
	int bad = 0;

	switch (c->what) {
	case C_OWNER:
		bad = st->st_uid != 0;
		break;
	case C_MODE:
		bad = (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode)) && (st->st_mode & 077);
		break;
	case C_SYMLINK:
		if (!S_ISLNK(st->st_mode))
			break;
		if (!k3s_reads_link(c, host_path)) {
			note_unread_link(c, host_path, target);
			break;
		}
		bad = link_escapes(c->dir, host_path, target);
		break;
	case C_TYPE:
		bad = !S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode);
		break;
	}
	if (!bad)
		return 0;
	if (c->count++ >= 5)
		return 0;	/* count them all, show a few */
	if (c->list.len)
		buf_adds(&c->list, "; ");
	buf_addf(&c->list, "'%s' (", host_path);
	if (c->what == C_SYMLINK) {
		buf_adds(&c->list, "-> '");
		buf_add_printable(&c->list, target);
		buf_adds(&c->list, "'");
		describe_link_target(&c->list, host_path);
		buf_adds(&c->list, ")");
	} else {
		buf_addf(&c->list, "%s, mode %s, uid %u)", type_str(st->st_mode),
		    mode_str(st->st_mode, m), (unsigned)st->st_uid);
	}
	return 0;
}

static void
walk_check(const struct node *n, struct check_result *r, int what, const char *problem,
    const char *ok)
{
	struct collect c;
	struct check_file f;
	struct buf err = BUF_INIT;
	int ret;

	if (stat_dir(n, r, &f))
		return;
	memset(&c, 0, sizeof(c));
	c.n = n;
	c.what = what;
	buf_init(&c.list);
	buf_init(&c.skips);
	buf_init(&c.notes);
	snprintf(c.dir, sizeof(c.dir), "%s", manifests_dir(n));
	if (what == C_OWNER && f.st.st_uid != 0) {
		c.count++;
		check_describe_file(&c.list, &f);
	}
	/* K3s's skip map is built from the whole tree before any file is read */
	ret = what == C_SYMLINK ? manifests_walk(n, skips_cb, &c.skips, &err) : 0;
	if (ret == 0)
		ret = manifests_walk(n, collect_cb, &c, &err);
	if (ret < 0)
		check_error(r, "%s", err.s);
	else if (ret > 0 && what != C_OWNER)
		check_skip(r, "'%s' is not a directory (see manifests.dir-mode)", c.dir);
	else if (c.count)
		check_fail(r, "%zu %s: %s%s", c.count, problem, c.list.s,
		    c.count > 5 ? "; ..." : "");
	else if (c.unread)
		check_pass(r, "%s in '%s'; %zu link(s) K3s does not read (a symlinked directory "
		    "is not walked, a name K3s skips is not applied): %s%s", ok, c.dir, c.unread,
		    c.notes.s, c.unread > 3 ? "; ..." : "");
	else
		check_pass(r, "%s in '%s'", ok, c.dir);
	buf_release(&c.list);
	buf_release(&c.skips);
	buf_release(&c.notes);
	buf_release(&err);
}

static void
owner(const struct node *n, struct check_result *r)
{
	walk_check(n, r, C_OWNER, "not owned by root", "directory and every entry owned by root");
}

static void
file_mode(const struct node *n, struct check_result *r)
{
	walk_check(n, r, C_MODE, "accessible to group or others",
	    "every file 0600 and subdirectory 0700");
}

static void
symlinks(const struct node *n, struct check_result *r)
{
	walk_check(n, r, C_SYMLINK, "symlink(s) K3s applies leading outside the directory",
	    "no symlink K3s applies leads outside");
}

static void
file_types(const struct node *n, struct check_result *r)
{
	walk_check(n, r, C_TYPE, "entries that are not regular files",
	    "only regular files and directories");
}

/* Every directory from / down to the manifests directory. */
static void
path_writable(const struct node *n, struct check_result *r)
{
	struct check_file f;
	struct buf bad = BUF_INIT, prefix = BUF_INIT;
	const char *dir;
	char *copy, *save = NULL, *tok;
	int errs = 0, links = 0;

	if (stat_dir(n, r, &f))
		return;
	dir = manifests_dir(n);
	copy = xstrdup(dir);
	buf_adds(&prefix, "/");
	tok = strtok_r(copy, "/", &save);
	for (;;) {
		check_stat(n, prefix.s, &f);
		if (f.exists < 0) {
			errs++;
			buf_addf(&bad, "%s%s", bad.len ? "; " : "", f.err);
		} else if (f.exists == 1 && S_ISLNK(f.st.st_mode)) {
			links++;
			buf_addf(&bad, "%s", bad.len ? "; " : "");
			check_describe_file(&bad, &f);
		} else if (f.exists == 1 && (!S_ISDIR(f.st.st_mode) ||
		    (f.st.st_mode & (S_IWGRP | S_IWOTH)) || f.st.st_uid != 0)) {
			buf_addf(&bad, "%s", bad.len ? "; " : "");
			check_describe_file(&bad, &f);
		}
		if (!tok)
			break;
		if (prefix.len > 1)
			buf_addch(&prefix, '/');
		buf_adds(&prefix, tok);
		tok = strtok_r(NULL, "/", &save);
	}
	if (errs)
		check_error(r, "%s", bad.s);
	else if (bad.len && links)
		check_fail(r, "symlink or writable directory on the path to '%s': %s", dir, bad.s);
	else if (bad.len)
		check_fail(r, "group/other-writable or non-root directory on the path to '%s': %s",
		    dir, bad.s);
	else
		check_pass(r, "every directory from / to '%s' is root-owned and not group/other writable",
		    dir);
	free(copy);
	buf_release(&bad);
	buf_release(&prefix);
}

#define AA_ENABLED	"/sys/module/apparmor/parameters/enabled"
#define AA_PROFILES	"/sys/kernel/security/apparmor/profiles"

/*
 * The live host only: AppArmor on in the kernel and a profile for K3s
 * loaded ("k3s", the name 'k3sguard apparmor profile' gives it, or the
 * binary's path) in enforce mode: 1; 0 with why; -1 unknown.  An image
 * cannot tell: what its kernel loads at boot is not on disk.
 */
static int
apparmor_loaded(const char *bin, struct buf *why)
{
	struct buf en = BUF_INIT, prof = BUF_INIT;
	char *save = NULL, *line;
	int ret = 0, found = 0;

	quiet_errors++;
	if (gate_read(AA_ENABLED, 16, &en, NULL) < 0 || en.s[0] != 'Y') {
		buf_addf(why, "AppArmor is not enabled in this kernel (%s)", AA_ENABLED);
	} else if (gate_read(AA_PROFILES, CONFIG_MAX, &prof, NULL) < 0) {
		buf_addf(why, "the loaded profiles cannot be read: %s", last_error());
		ret = -1;
	} else {
		for (line = strtok_r(prof.s, "\n", &save); line && !found;
		    line = strtok_r(NULL, "\n", &save)) {
			char *mode = strstr(line, " ("), *end;

			if (!mode || !(end = strchr(mode, ')')))
				continue;
			*mode = *end = '\0';
			mode += 2;
			if (strcmp(line, "k3s") != 0 && strcmp(line, bin) != 0)
				continue;
			found = 1;
			ret = !strcmp(mode, "enforce");
			if (!ret)
				buf_addf(why, "profile '%s' is loaded in %s mode (%s)", line, mode,
				    AA_PROFILES);
		}
		if (!found)
			buf_addf(why, "no profile for K3s is loaded (%s; apparmor_parser -r it)",
			    AA_PROFILES);
	}
	quiet_errors--;
	clear_error();
	buf_release(&en);
	buf_release(&prof);
	return ret;
}

/*
 * manifests.apparmor: the profile file (manifests-audit.c), and on the live
 * host that the kernel has it loaded in enforce mode.  AppArmor is not what
 * confines K3s on an SELinux node (manifests.selinux-*).
 */
static void
apparmor(const struct node *n, struct check_result *r)
{
	struct buf why = BUF_INIT, file = BUF_INIT;
	const char *bin = n->k3s_bin ? n->k3s_bin : "/usr/local/bin/k3s";
	int se = selinux_enabled(&why), live;

	if (se == 1) {
		check_skip(r, "an SELinux node (%s): AppArmor is not used there", why.s);
		goto out;
	}
	manifests_check_apparmor(n, r);
	if (r->status != ST_PASS || !gate_root_is_host())
		goto out;
	buf_reset(&why);
	buf_adds(&file, r->evidence.s);
	live = apparmor_loaded(bin, &why);
	if (live == 0)
		check_fail(r, "%s, but %s", file.s, why.s);
	else if (live < 0)
		check_error(r, "%s, but %s", file.s, why.s);
out:
	buf_release(&why);
	buf_release(&file);
}

/*
 * Neither AppArmor nor SELinux confining K3s: fail.  Each mechanism's own
 * checks are medium (either one is enough); this one is high because it
 * says the node has none, and the mode/owner checks are then the only
 * thing between a subverted K3s (or a container it runs unconfined) and
 * server/manifests.  One major LSM runs at a time: on an SELinux node an
 * AppArmor profile does nothing (manifests.apparmor skips there).
 */
static void
confinement(const struct node *n, struct check_result *r)
{
	struct check_result aa;
	struct buf why = BUF_INIT;
	const char *aa_why;
	int se;

	if (check_skip_agent(n, r))
		return;
	check_result_init(&aa);
	apparmor(n, &aa);
	se = selinux_confines(n, &why);
	if (aa.status == ST_PASS && !strstr(aa.evidence.s, "complain mode")) {
		check_pass(r, "AppArmor: %s", aa.evidence.s);
	} else if (se == 1) {
		check_pass(r, "SELinux: %s", why.s);
	} else if (se < 0 || aa.status == ST_ERROR) {
		check_error(r, "AppArmor: %s; SELinux: %s", aa.evidence.s, why.s);
	} else {
		aa_why = aa.status == ST_SKIP ? "not used on an SELinux node" :
		    aa.status == ST_PASS ? "the profile is in complain mode (logs, does not deny)" :
		    aa.evidence.s;
		check_fail(r, "neither AppArmor nor SELinux confines K3s: AppArmor: %s; %s",
		    aa_why, why.s);
	}
	check_result_release(&aa);
	buf_release(&why);
}

const struct check checks_manifests[] = {
	{ "manifests.dir-mode", "manifests", SEV_CRITICAL,
	  "server/manifests is a directory with mode 0700",
	  dir_mode,
	  "chmod 0700 /var/lib/rancher/k3s/server/manifests (or run 'k3sguard fix').",
	  "Permissions on the manifests directory are 0700.",
	  "The manifests directory is accessible to group or others: set 0700.", REACH_ROOT },
	{ "manifests.owner", "manifests", SEV_CRITICAL,
	  "server/manifests and everything in it is owned by root",
	  owner,
	  "chown -R root:root /var/lib/rancher/k3s/server/manifests after checking what the "
	  "other owner deployed (or run 'k3sguard fix').",
	  "The manifests directory and its files are owned by root.",
	  "Files in the manifests directory are owned by non-root users.", REACH_ROOT },
	{ "manifests.file-mode", "manifests", SEV_HIGH,
	  "Manifest files are 0600 and subdirectories 0700",
	  file_mode,
	  "chmod 0600 the files and 0700 the subdirectories of server/manifests (or run 'k3sguard fix').",
	  "Manifest files are 0600.",
	  "Manifest files are accessible to group or others.", REACH_ROOT },
	{ "manifests.path-writable", "manifests", SEV_CRITICAL,
	  "No group/other-writable or non-root directory on the path from / to server/manifests",
	  path_writable,
	  "chmod go-w and chown root the directories named: whoever can write one of them can "
	  "replace server/manifests and deploy workloads.",
	  "Every directory leading to the manifests directory is root-only writable.",
	  "A directory on the path to the manifests directory is writable by others.", REACH_ROOT },
	{ "manifests.symlinks", "manifests", SEV_HIGH,
	  "No symlink in server/manifests that K3s applies leads outside it",
	  symlinks,
	  "Replace symlinks that leave server/manifests with the files themselves (K3s follows "
	  "them, so whoever can write the target can deploy).",
	  "No symlink leads out of the manifests directory.",
	  "Symlinks in the manifests directory lead outside it.", REACH_ROOT },
	{ "manifests.file-types", "manifests", SEV_HIGH,
	  "server/manifests holds only regular files and directories",
	  file_types,
	  "Remove FIFOs, sockets and device nodes from server/manifests.",
	  "The manifests directory holds only regular files.",
	  "The manifests directory holds FIFOs, sockets or devices.", REACH_ROOT },
	/* added by the manifests area (function in manifests-audit.c) */
	{ "manifests.baseline", "manifests", SEV_HIGH,
	  "server/manifests matches a signed baseline",
	  manifests_check_baseline,
	  "Review the directory, then 'k3sguard manifests lock' (or 'k3sguard manifests sync "
	  "--from <reviewed checkout>'); keep it so with 'k3sguard manifests watch --enforce' "
	  "(contrib/systemd/k3sguard-manifests-watch.service).",
	  "The manifests directory matches a signed baseline (manifests lock/sync).",
	  "No signed baseline of the manifests directory, or it drifted from it: changes go unnoticed.", REACH_ROOT },
	{ "manifests.watcher", "manifests", SEV_MEDIUM,
	  "Changes to server/manifests are watched (k3sguard-manifests-watch.service enabled)",
	  manifests_check_watcher,
	  "Install contrib/systemd/k3sguard-manifests-watch.service into /etc/systemd/system and "
	  "'systemctl enable --now k3sguard-manifests-watch' (alerts to the journal, Alertmanager).",
	  "Changes to the manifests directory are monitored and alerted on (manifests watch).",
	  "Changes to the manifests directory are not monitored.", REACH_ROOT },
	{ "manifests.apparmor", "manifests", SEV_MEDIUM,
	  "K3s is confined by an AppArmor profile that keeps it from writing server/manifests",
	  apparmor,
	  "k3sguard apparmor profile --output /etc/apparmor.d/usr.local.bin.k3s, then "
	  "apparmor_parser -r it (complain mode first) and restart K3s.",
	  "An AppArmor profile confines K3s's writes (only its packaged manifests).",
	  "No AppArmor profile confines the K3s process.", REACH_ROOT },
	/* SELinux (functions in check-selinux.c) */
	{ "manifests.selinux-enforcing", "manifests", SEV_MEDIUM,
	  "SELinux enforces on an SELinux node",
	  selinux_check_enforcing,
	  "Set SELINUX=enforcing in /etc/selinux/config (and setenforce 1 on the running host); "
	  "read the denials first (ausearch -m avc).",
	  "SELinux enforces on the node.",
	  "SELinux is installed but permissive or disabled: no policy confines K3s.", REACH_ROOT },
	{ "manifests.selinux-option", "manifests", SEV_MEDIUM,
	  "K3s runs with its selinux option on an SELinux node",
	  selinux_check_option,
	  "Add 'selinux: true' to /etc/rancher/k3s/config.yaml (or --selinux) and restart K3s; "
	  "containerd then labels every container.",
	  "K3s runs with selinux: true (containerd labels containers).",
	  "K3s runs without --selinux on an SELinux host: containers are not labelled.", REACH_ROOT },
	{ "manifests.selinux-module", "manifests", SEV_MEDIUM,
	  "The k3s-selinux policy module is installed and enabled",
	  selinux_check_module,
	  "Install the k3s-selinux package (it loads /usr/share/selinux/packages/k3s.pp with "
	  "semodule and relabels K3s's files); 'semodule -e k3s' when it is disabled.",
	  "The k3s-selinux policy module is installed and enabled.",
	  "The k3s-selinux policy module is missing or disabled.", REACH_ROOT },
	{ "manifests.selinux-labels", "manifests", SEV_HIGH,
	  "K3s's binary, units, data dir and server/manifests carry k3s-selinux's labels",
	  selinux_check_labels,
	  "restorecon -R -v /usr/local/bin/k3s /etc/systemd/system/k3s* /var/lib/rancher/k3s "
	  "(after installing k3s-selinux); a custom data dir needs 'semanage fcontext -a -e "
	  "/var/lib/rancher/k3s DIR' first.",
	  "K3s's files are labelled as the k3s-selinux policy says.",
	  "K3s's files are not labelled as the k3s-selinux policy says (a container may write them).", REACH_ROOT },
	{ "manifests.confinement", "manifests", SEV_HIGH,
	  "K3s is confined by AppArmor or SELinux",
	  confinement,
	  "AppArmor hosts: 'k3sguard apparmor profile' (see manifests.apparmor); SELinux hosts: "
	  "enforcing, k3s-selinux installed and 'selinux: true' (see manifests.selinux-*).",
	  "A mandatory access control policy (AppArmor or SELinux) confines K3s.",
	  "Neither AppArmor nor SELinux confines K3s.", REACH_ROOT },
};
const size_t nchecks_manifests = ARRAY_SIZE(checks_manifests);
