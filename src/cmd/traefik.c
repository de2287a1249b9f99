/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-traefik.c: review and harden the packaged Traefik.
 * k3sguard-command: traefik | review (audit) and harden the packaged Traefik (HelmChartConfig)
 *
 * `traefik audit` runs the registry's Traefik checks (src/check-traefik.c),
 * the same functions `k3sguard audit` runs.  `traefik harden` writes the
 * HelmChartConfig (src/traefik-harden.c) atomically, mode 0600, and only
 * when its content changes; --dry-run prints it and changes nothing.
 */
#include "core/k3sguard.h"
#include "checks/check.h"
#include "cmd/cmd.h"
#include "core/gate.h"
#include "node/node.h"
#include "report/escape.h"
#include "traefik/traefik.h"

#include <jansson.h>

enum {
	OPT_FORMAT = OPT_GLOBAL_LAST, OPT_ADVISORIES, OPT_DASHBOARD, OPT_HTPASSWD, OPT_RATE,
	OPT_MIN_TLS, OPT_DRY_RUN, OPT_WAF, OPT_LIVE
};

static const char audit_usage[] =
"usage: k3sguard traefik audit [--format text|json] [--advisories FILE] [--live] [-o FILE]\n"
"  Review the packaged Traefik: traefik.yaml's chart (and so the values keys\n"
"  of its generation), every HelmChartConfig 'traefik' in kube-system under\n"
"  server/manifests, merged as Helm does, then the cluster's HelmChartConfig\n"
"  read from the datastore (kine's state.db, external etcd): what runs.  A\n"
"  datastore that cannot be read turns a pass into 'unknown' (skip).  Under\n"
"  --root DIR (an image) the external etcd it names is read only with --live.\n"
"  Exit 1 on a failed check, 2 when a file could not be read.\n"
OUTPUT_USAGE;

static const char harden_usage[] =
"usage: k3sguard traefik harden [--dashboard off|basic-auth --htpasswd-secret NAME]\n"
"                               [--rate AVG/BURST] [--min-tls 1.2|1.3] [--waf] [--dry-run]\n"
"  Write server/manifests/traefik-config.yaml (a HelmChartConfig) with the\n"
"  keys of the chart generation in use, keeping your non-conflicting values:\n"
"  dashboard off (or basicAuth with the htpasswd Secret NAME in kube-system),\n"
"  no insecure API, HTTP->HTTPS redirect, minimum TLS, a rate-limit\n"
"  Middleware (default 100/200) on websecure, access log, confined pod;\n"
"  --waf adds the Coraza plugin (chart 34+).  --dry-run prints the file.\n";

static int
load_node(struct node *n)
{
	if (node_load(n) < 0)
		return -1;
	if (n->role == ROLE_AGENT)
		return error("'%s' is an agent: Traefik is deployed by servers", n->root);
	return 0;
}

static void
render_text(const struct check *const *c, struct check_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		printf("%-5s %-8s %-26s %s\n", status_name(r[i].status),
		    severity_name(c[i]->severity), c[i]->id, c[i]->title);
		fputs("      ", stdout);	/* node values: C1 controls, invalid UTF-8 too */
		esc_fputs(r[i].evidence.s, ESC_TEXT, stdout);
		putchar('\n');
		if (r[i].status == ST_FAIL || r[i].status == ST_WARN)
			printf("      fix: %s\n", c[i]->remediation);
	}
}

static int
render_json(const struct check *const *c, struct check_result *r, size_t n,
    const struct traefik *t)
{
	json_t *root = json_object(), *checks = json_array();
	size_t count[5] = { 0 };
	struct esc_ring u8;	/* node values: invalid UTF-8 made json_pack() fail */
	char *s;
	int ret;

	esc_ring_init(&u8, ESC_UTF8);
	for (size_t i = 0; i < n; i++) {
		count[r[i].status]++;
		json_array_append_new(checks, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		    "id", c[i]->id, "strategy", c[i]->strategy,
		    "severity", severity_name(c[i]->severity), "status", status_name(r[i].status),
		    "title", c[i]->title, "evidence", esc_ring(&u8, r[i].evidence.s),
		    "remediation", c[i]->remediation));
	}
	json_object_set_new(root, "tool", json_string("k3sguard"));
	json_object_set_new(root, "version", json_string(K3SGUARD_VERSION));
	json_object_set_new(root, "traefik", json_pack("{s:b, s:s?, s:s, s:s?}",
	    "disabled", t->disabled, "chart_version", t->chart_version,
	    "generation", traefik_gen_name(t->gen), "traefik_version",
	    t->error || t->disabled ? NULL : traefik_version(t)));
	if (t->applied_note)
		json_object_set_new(root, "applied", json_pack("{s:s, s:b, s:s?}",
		    "state", esc_ring(&u8, t->applied_note), "unknown", t->applied_unknown,
		    "helmchartconfig", t->hcc_applied ? esc_ring(&u8, t->hcc_applied) : NULL));
	json_object_set_new(root, "checks", checks);
	json_object_set_new(root, "summary", json_pack("{s:I, s:I, s:I, s:I, s:I}",
	    "pass", (json_int_t)count[ST_PASS], "fail", (json_int_t)count[ST_FAIL],
	    "warn", (json_int_t)count[ST_WARN], "skip", (json_int_t)count[ST_SKIP],
	    "error", (json_int_t)count[ST_ERROR]));
	esc_ring_release(&u8);
	s = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	ret = s ? 0 : error("cannot render JSON");
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(root);
	return ret;
}

/* The checks run and shown (after the parse: cmd_output runs it). */
static int
audit_run(void *p)
{
	const enum out_format format = *(const enum out_format *)p;
	const struct check *c[32];
	struct check_result r[32];
	struct node n;
	const struct traefik *t;
	size_t nc = 0;
	int ret = EXIT_OK;

	if (load_node(&n) < 0)
		return EXIT_ERROR;
	t = traefik_for_node(&n);
	if (t->error)
		error("%s", t->error);
	for (size_t i = 0; i < nchecks_traefik && nc < ARRAY_SIZE(c); i++, nc++) {
		c[nc] = &checks_traefik[i];
		check_run(c[nc], &n, &r[nc]);
	}
	for (size_t i = 0; i < nc; i++) {
		if (r[i].status == ST_FAIL && ret == EXIT_OK)
			ret = EXIT_FINDINGS;
		if (r[i].status == ST_ERROR)
			ret = EXIT_ERROR;
	}
	if (format == FMT_JSON) {
		if (render_json(c, r, nc, t) < 0)
			ret = EXIT_ERROR;
	} else {
		render_text(c, r, nc);
	}
	for (size_t i = 0; i < nc; i++)
		check_result_release(&r[i]);
	node_free(&n);
	return ret;
}

static int
traefik_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "advisories", required_argument, NULL, OPT_ADVISORIES },
		{ "live", no_argument, NULL, OPT_LIVE },
		OUTPUT_LONG_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum out_format format = FMT_TEXT;
	const char *output = NULL;
	int ch;

	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (global_option(ch, optarg))
			continue;
		switch (ch) {
		case OPT_FORMAT:
			format = format_arg(optarg, FMT_TEXT_JSON);
			break;
		case OPT_ADVISORIES:
			traefik_advisories_file = optarg;
			break;
		case OPT_LIVE:
			gopt.live = 1;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			print_usage_exit(audit_usage);
		default:
			bad_option(audit_usage);
		}
	}
	if (optind != argc)
		usage_error("traefik audit: unexpected argument '%s'", argv[optind]);
	return cmd_output(output, audit_run, &format);
}

/* DNS-1123 subdomain: what Kubernetes accepts as a Secret name. */
static int
valid_k8s_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 253 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-' ||
		    s[i] == '.'))
			return 0;
	return 1;
}

static void
parse_rate(const char *s, struct harden_opts *o)
{
	const char *slash = strchr(s, '/');
	char *avg;
	long long a, b;
	int bad;

	if (!slash)
		usage_error("traefik harden: --rate must be AVG/BURST (requests per second), not '%s'", s);
	avg = xstrndup(s, (size_t)(slash - s));
	bad = parse_num(avg, 1, 1000000, &a) < 0 || parse_num(slash + 1, 1, 1000000, &b) < 0;
	free(avg);
	if (bad)
		usage_error("traefik harden: --rate '%s': AVG and BURST must be numbers from 1 to 1000000", s);
	o->rate_avg = (long)a;
	o->rate_burst = (long)b;
}

/*
 * harden writes a manifest from the manifests' values; the cluster may
 * run another HelmChartConfig (kubectl, Helm, GitOps, or a file not
 * applied yet).  K3s's next apply replaces it with the file: say so on
 * stderr (stdout may be the file, with --dry-run), since values set only
 * in the cluster are not carried over.
 */
static void
cluster_note(const struct node *n)
{
	struct traefik a;
	struct buf line = BUF_INIT;

	quiet_errors++;
	traefik_load_node_applied(n, &a);
	quiet_errors--;
	if (a.hcc_applied && (a.pending || !a.nhcc)) {
		buf_adds(&line, "the cluster runs another HelmChartConfig 'traefik' (");
		esc_add(&line, a.hcc_applied, ESC_TEXT);
		buf_adds(&line, "); K3s replaces it with the file when it applies it, and values set "
		    "only in the cluster are not kept");
		warning("%s", line.s);
	} else if (a.applied_unknown) {
		esc_add(&line, a.applied_note, ESC_TEXT);
		buf_adds(&line, ": a HelmChartConfig applied there would be replaced by the file");
		warning("%s", line.s);
	}
	buf_release(&line);
	traefik_free(&a);
}

/* One line per change (escaped by traefik_harden), each prefixed. */
static void
print_changes(const char *prefix, const struct buf *changes)
{
	for (const char *p = changes->s; *p;) {
		size_t l = strcspn(p, "\n");

		printf("%s%.*s\n", prefix, (int)l, p);
		p += l + (p[l] == '\n');
	}
}

static int
traefik_harden_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "dashboard", required_argument, NULL, OPT_DASHBOARD },
		{ "htpasswd-secret", required_argument, NULL, OPT_HTPASSWD },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "min-tls", required_argument, NULL, OPT_MIN_TLS },
		{ "waf", no_argument, NULL, OPT_WAF },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct harden_opts o = { .dashboard = DASH_OFF };
	struct buf out = BUF_INIT, changes = BUF_INIT, shown = BUF_INIT;
	struct buf chart = BUF_INIT;
	struct traefik t;
	struct node n;
	char *target = NULL;
	int ch, dry = 0, same = 0, ret = EXIT_ERROR;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(ch, optarg))
			continue;
		switch (ch) {
		case OPT_DASHBOARD:
			if (!strcmp(optarg, "off"))
				o.dashboard = DASH_OFF;
			else if (!strcmp(optarg, "basic-auth"))
				o.dashboard = DASH_BASIC_AUTH;
			else
				usage_error("traefik harden: --dashboard must be off or basic-auth, not '%s'",
				    optarg);
			break;
		case OPT_HTPASSWD:
			o.htpasswd_secret = optarg;
			break;
		case OPT_RATE:
			parse_rate(optarg, &o);
			break;
		case OPT_MIN_TLS:
			if (!strcmp(optarg, "1.2"))
				o.min_tls = 12;
			else if (!strcmp(optarg, "1.3"))
				o.min_tls = 13;
			else
				usage_error("traefik harden: --min-tls must be 1.2 or 1.3, not '%s'", optarg);
			break;
		case OPT_WAF:
			o.waf = 1;
			break;
		case OPT_DRY_RUN:
			dry = 1;
			break;
		case 'h':
			print_usage_exit(harden_usage);
		default:
			bad_option(harden_usage);
		}
	}
	if (optind != argc)
		usage_error("traefik harden: unexpected argument '%s'", argv[optind]);
	if (o.dashboard == DASH_BASIC_AUTH && !o.htpasswd_secret)
		usage_error("traefik harden: --dashboard basic-auth needs --htpasswd-secret NAME "
		    "(a Secret in kube-system with an htpasswd 'users' key)");
	if (o.htpasswd_secret && o.dashboard != DASH_BASIC_AUTH)
		usage_error("traefik harden: --htpasswd-secret goes with --dashboard basic-auth");
	if (o.htpasswd_secret && !valid_k8s_name(o.htpasswd_secret))
		usage_error("traefik harden: '%s' is not a valid Secret name (lowercase letters, "
		    "digits, '-' and '.')", o.htpasswd_secret);
	if (load_node(&n) < 0)
		return EXIT_ERROR;
	if (traefik_load_node(&n, &t) < 0 && !t.error)
		goto out;
	if (traefik_harden(&t, &o, &target, &out, &changes, &same) < 0)
		goto out;
	cluster_note(&n);
	buf_add_printable(&shown, target);
	buf_add_printable(&chart, t.chart_version ? t.chart_version : "?");
	if (same) {
		printf("%s: already hardened for chart %s (generation %s); nothing to change\n",
		    shown.s, chart.s, traefik_gen_name(t.gen));
		ret = EXIT_OK;
		goto out;
	}
	if (dry) {
		printf("# would write %s (mode 0600) for chart %s (generation %s):\n", shown.s,
		    chart.s, traefik_gen_name(t.gen));
		print_changes("#   ", &changes);
		/* libyaml's emitter quotes and escapes what is not printable */
		fwrite(out.s, 1, out.len, stdout);
		ret = EXIT_OK;
		goto out;
	}
	/* inside the root; refuses to replace anything but a regular file */
	if (gate_write_atomic(target, out.s, out.len, 0600) < 0)
		goto out;
	printf("wrote %s for chart %s (generation %s):\n", shown.s, chart.s,
	    traefik_gen_name(t.gen));
	print_changes("  ", &changes);
	ret = EXIT_OK;
out:
	free(target);
	buf_release(&out);
	buf_release(&changes);
	buf_release(&shown);
	buf_release(&chart);
	traefik_free(&t);
	node_free(&n);
	return ret;
}

static const struct subcmd verbs[] = {
	{ "audit", traefik_audit, "review the packaged Traefik (same checks as 'audit')" },
	{ "harden", traefik_harden_cmd, "write a HelmChartConfig that passes every Traefik check" },
};

int cmd_traefik(int argc, char **argv);

int
cmd_traefik(int argc, char **argv)
{
	return run_subcommand("traefik", verbs, ARRAY_SIZE(verbs), argc, argv);
}
