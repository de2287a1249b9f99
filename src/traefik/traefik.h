/* SPDX-License-Identifier: Apache-2.0 */
/*
 * traefik.h: the packaged Traefik of a K3s server, as data.
 *
 * traefik_load() reads <manifests>/traefik.yaml (the HelmChart K3s writes:
 * chart version, hence the chart generation and its values keys) and every
 * HelmChartConfig named "traefik" in kube-system in the manifests dir
 * (walked as K3s walks it: recursively, .yaml, .yml and .json in any case, no
 * dotfiles, <file>.skip honoured), and merges the values as Helm does:
 * chart defaults < HelmChart valuesContent < HelmChartConfig valuesContent.
 * Middleware objects (extraObjects and other manifests) are collected so a
 * route's middleware can be resolved to what it does.
 *
 * Generations (shared/reference/k3s.md, "Traefik as packaged by K3s"):
 *   TGEN_27  chart <= 33 (Traefik v2): ports.web.redirectTo.port (25-33), or
 *            ports.web.redirectTo as the port's name, a string (<= 24:
 *            K3s 1.22-1.24 bundle 10.x, 1.25 to 1.27.6/1.28.2 bundle 21.x)
 *   TGEN_34  chart 34-38 (Traefik v3): ports.web.redirections.entryPoint
 *   TGEN_39  chart >= 39:              ports.web.http.redirections.entryPoint
 *
 * A load error (unreadable or malformed file, unknown chart) is kept in
 * t->error (one line naming the file and line): checks then say "error",
 * never "pass".
 */
#ifndef K3SGUARD_TRAEFIK_H
#define K3SGUARD_TRAEFIK_H

#include "core/buf.h"
#include "checks/check.h"
#include "core/yamltree.h"

enum tgen { TGEN_UNKNOWN, TGEN_27, TGEN_34, TGEN_39 };

struct tsource {
	const char *what;	/* "chart defaults", "HelmChart", "HelmChartConfig" */
	char *file;		/* host path; NULL for the built-in defaults */
	int line0;		/* file line of the valuesContent block */
	struct ydocs docs;		/* empty for the defaults (parsed once, shared) */
	const struct ynode *root;	/* the values map, or NULL */
};

struct tmiddleware {
	char *name;
	char *ns;		/* namespace ("default" when absent) */
	const struct ynode *spec;	/* borrowed from a kept tree */
	char *where;		/* "file:line" */
};

struct traefik {
	char *manifests_dir;	/* host path */
	int disabled;		/* --disable=traefik, or traefik.yaml.skip */
	char *disabled_why;
	int packaged;		/* traefik.yaml exists */
	char *chart_file;	/* host path of traefik.yaml */
	int chart_line;
	char *chart_version;	/* "27.0.201+up27.0.2" */
	long chart_major;	/* upstream chart major: 27 */
	enum tgen gen;
	struct tsource src[3];
	size_t nsrc;
	struct ynode *values;	/* merged, owned */
	char **hcc_files;	/* files with a HelmChartConfig traefik (host paths) */
	size_t nhcc;
	struct tmiddleware *mw;
	size_t nmw;
	struct ydocs *kept;	/* parsed manifests the middleware specs point into */
	size_t nkept;
	char *error;		/* one line; non-NULL: load failed */
	/* while loading (traefik_add_manifest) */
	const struct ynode *chart_doc;	/* the HelmChart traefik that counts */
	char *chart_in;			/* its file (host path) */
	const struct ynode *hcc_doc;	/* the last HelmChartConfig traefik */
	/* the cluster's applied state (traefik-applied.c) */
	char *hcc_applied;	/* the HelmChartConfig that counts is the cluster's: its name */
	char *applied_note;	/* where the applied state came from, or why it is unknown */
	int applied_unknown;	/* the datastore could not be read */
	struct traefik *pending;	/* the manifests' values when their HelmChartConfig
					 * differs from the cluster's (not applied yet) */
};

/*
 * Load from the manifests dir (host path).  disabled_why non-NULL: K3s runs
 * with --disable=traefik (the caller knows from the node's config).
 * Returns 0, or -1 when t->error was set (the struct is still valid).
 */
int traefik_load(struct traefik *t, const char *manifests_dir, const char *disabled_why);
void traefik_free(struct traefik *t);
/*
 * traefik_load() in its steps, for a caller that has the files' text (the
 * fuzz harness): traefik_begin(); traefik_add_manifest() for each manifest
 * file in the order K3s applies them (host path, its text as read); then
 * traefik_end(), chart_skipped set when <manifests>/traefik.yaml.skip
 * exists.  The same results as traefik_load(), which walks the dir and
 * reads the files through the gate.  0, or -1 when t->error was set; an
 * error is kept, and traefik_end() then returns -1 at once.
 */
void traefik_begin(struct traefik *t, const char *manifests_dir, const char *disabled_why);
int traefik_add_manifest(struct traefik *t, const char *host_path, const char *text, size_t len);
int traefik_end(struct traefik *t, int chart_skipped);
/*
 * The cluster's HelmChartConfig 'traefik' (its stored JSON; label names it
 * in evidence), added after every manifest: the object in the cluster is
 * what Traefik runs with.  0, or -1 with t->error set.
 */
int traefik_add_applied(struct traefik *t, const char *label, const char *json, size_t len);
/* A Middleware object of the cluster (its stored JSON), added after the manifests'. */
int traefik_add_applied_middleware(struct traefik *t, const char *label, const char *json,
    size_t len);
/*
 * traefik_load() with the cluster's objects added after the manifests
 * (cs NULL or not read: none): its Middlewares, and with with_hcc its
 * HelmChartConfig 'traefik'.
 */
struct cluster_state;
int traefik_load_with(struct traefik *t, const char *manifests_dir, const char *disabled_why,
    const struct cluster_state *cs, int with_hcc);

/*
 * Read a manifest (host path) through the gate: no symlink as the last
 * component, a regular file with one link (a hard link's other name may be
 * outside the root: never read), CONFIG_MAX.  0, or -1 after error().
 */
int traefik_read(const char *host_path, struct buf *out);

/*
 * 1 when the chart takes ports.web.redirectTo as a string (chart <= 24);
 * from 25.0.0 (traefik-helm-chart PR #934) it is {port: <name>} and the
 * string form makes the chart's template fail, and the reverse before.
 */
int traefik_redirect_string(const struct traefik *t);
/* Generation of an upstream chart major (27 -> TGEN_27). */
enum tgen traefik_gen_of(long chart_major);
const char *traefik_gen_name(enum tgen g);	/* "27.x", "34-38", "39+" */

/* Merged value at a dotted path, or NULL. */
const struct ynode *tval(const struct traefik *t, const char *dotted);
/* "file:line" of the source that set the path last, or "chart default". */
const char *twhere(const struct traefik *t, const char *dotted);
/* Middleware by name (and namespace, NULL = any). */
const struct tmiddleware *traefik_middleware(const struct traefik *t, const char *name,
    const char *ns);
/*
 * Resolve a Traefik middleware reference as used on an entry point
 * ("kube-system-ratelimit@kubernetescrd") or a route ({name, namespace}).
 */
const struct tmiddleware *traefik_middleware_ref(const struct traefik *t, const char *ref);

/* The Traefik version in use ("v2.11.24"), from image.tag; NULL if unknown. */
const char *traefik_version(const struct traefik *t);

/*
 * Path of the values key for a setting in this generation (NULL when the
 * generation has none).  Settings: "redirect", "websecure-middlewares",
 * "access-log", "api-insecure".
 */
const char *traefik_key(const struct traefik *t, const char *setting);

/*
 * Checks, one function per check id (strategy "traefik"); shared by
 * `traefik audit` and the audit registry (src/check-traefik.c).
 */
void traefik_check_packaged(const struct traefik *t, struct check_result *r);
void traefik_check_helmchartconfig(const struct traefik *t, struct check_result *r);
void traefik_check_dashboard(const struct traefik *t, struct check_result *r);
void traefik_check_insecure_api(const struct traefik *t, struct check_result *r);
void traefik_check_redirect(const struct traefik *t, struct check_result *r);
void traefik_check_tls(const struct traefik *t, struct check_result *r);
void traefik_check_rate_limit(const struct traefik *t, struct check_result *r);
void traefik_check_access_log(const struct traefik *t, struct check_result *r);
void traefik_check_host_network(const struct traefik *t, struct check_result *r);
void traefik_check_security_context(const struct traefik *t, struct check_result *r);
void traefik_check_version(const struct traefik *t, struct check_result *r);
void traefik_check_waf(const struct traefik *t, struct check_result *r);

/* The advisory data file in use (see update.h). Set by the caller; NULL = default. */
extern const char *traefik_advisories_file;

#endif

/* traefik harden: what to write (src/traefik-harden.c). */
enum dash_mode { DASH_OFF, DASH_BASIC_AUTH };

struct harden_opts {
	enum dash_mode dashboard;
	const char *htpasswd_secret;	/* DASH_BASIC_AUTH: Secret in kube-system */
	long rate_avg, rate_burst;	/* 0: keep an existing limit, else 100/200 */
	int min_tls;			/* 12, 13, or 0: keep a stricter one, else 12 */
	int waf;			/* add the Coraza WAF plugin (chart 34+) */
};

/*
 * Compute the HelmChartConfig file that hardens t: *target gets the host
 * path to write (the file that already holds HelmChartConfig 'traefik', or
 * <manifests>/traefik-config.yaml), out the whole new file, changes one
 * line per change ("set ...", "removed ...", control characters of node
 * values escaped).  *same = 1 when the file
 * already has exactly this content.  0, or -1 with error().
 */
int traefik_harden(const struct traefik *t, const struct harden_opts *o, char **target,
    struct buf *out, struct buf *changes, int *same);
/*
 * The part of traefik_harden() after it read the target file: old is that
 * file's text (NULL: there is none), target its host path for messages.
 * Same refusals and results; 0, or -1 with error().
 */
int traefik_harden_text(const struct traefik *t, const struct harden_opts *o, const char *target,
    const struct buf *old, struct buf *out, struct buf *changes, int *same);

/* The node's Traefik (manifests under its data dir, --disable): src/check-traefik.c. */
struct node;
int traefik_load_node(const struct node *n, struct traefik *t);
/*
 * The node's Traefik as the cluster runs it (traefik-applied.c): the
 * manifests, then the cluster's HelmChartConfig 'traefik' read from the
 * datastore (cluster.h).  When the manifests hold one that differs from
 * the cluster's, the cluster's counts and the manifests' view is kept in
 * t->pending (the file's change is not applied yet: both are judged).  A
 * datastore that could not be read is said in t->applied_note.
 */
int traefik_load_node_applied(const struct node *n, struct traefik *t);
/*
 * Run one check on t and, when there is one, on t->pending: the worse
 * verdict, evidence naming both sources; a pass while the applied state is
 * unknown becomes a skip ("unknown: ...") that says why.
 */
void traefik_run_check(const struct traefik *t,
    void (*fn)(const struct traefik *, struct check_result *), struct check_result *r);
/* The same, cached for the node's checks (errors kept in ->error, not printed). */
const struct traefik *traefik_for_node(const struct node *n);
