/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-update.c: K3s updates.
 * k3sguard-command: update | K3s updates: check (channel, advisories), plan (upgrade Plans), prepare/rollback kits
 *
 * check    installed version vs the channel server (online with libcurl,
 *          or --channels-file in the same JSON format) and the advisory
 *          data file; exit 1 when behind beyond the policy.
 * plan     system-upgrade-controller Plans: canary, servers, agents.
 * prepare  a rollback kit (src/update-kit.c).
 * rollback verify a kit and go back (src/update-rollback.c).
 * refresh  fetch the channel and advisory data, check, replace atomically.
 */
#include "core/k3sguard.h"
#include "cmd/cmd.h"
#include "core/gate.h"
#include "core/config.h"
#include "node/node.h"
#include "update/update.h"

#include <jansson.h>
#include <time.h>

enum {
	OPT_FORMAT = OPT_GLOBAL_LAST, OPT_CHANNEL, OPT_CHANNELS_FILE, OPT_ADVISORIES, OPT_VERSION,
	OPT_CANARY, OPT_WINDOW, OPT_CONCURRENCY, OPT_DRAIN, OPT_NAMESPACE, OPT_OUT, OPT_DRY_RUN, OPT_ETCD_CERT_FILE, OPT_ETCD_KEY_FILE,
	OPT_KIT, OPT_CHANNELS_URL, OPT_ADVISORIES_URL, OPT_DIR
};

static const char check_usage[] =
"usage: k3sguard update check [--channel stable|latest|testing|v1.NN] [--channels-file FILE]\n"
"                             [--advisories FILE] [--format text|json] [-o FILE]\n"
"  Compare the installed K3s (k3s --version) with the channel's latest: from\n"
"  the channel server (https://update.k3s.io/v1-release/channels) or from\n"
"  FILE in the same JSON format; list the K3s advisories that apply.  Exit 1\n"
"  when behind beyond policy.update-max-minors-behind (1) or\n"
"  policy.update-max-patches-behind (2), or when an advisory applies.\n"
OUTPUT_USAGE;

static const char plan_usage[] =
"usage: k3sguard update plan [--version V | --channel C] [--channels-file FILE]\n"
"                            [--canary-selector LABEL=VALUE] [--window \"DAYS START-END [TZ]\"]\n"
"                            [--concurrency N] [--drain] [--namespace NS] [--out FILE]\n"
"                            [-o FILE]\n"
"  system-upgrade-controller Plans: a canary Plan for the labelled nodes\n"
"  first, the servers one at a time, then the agents (which wait for the\n"
"  servers).  Refuses a downgrade or a skipped minor, and says why (exit 1).\n"
"  --out FILE writes the Plans alone to FILE; -o FILE what stdout would show.\n"
OUTPUT_USAGE;

static const char prepare_usage[] =
"usage: k3sguard update prepare [--out DIR] [--etcd-cert FILE --etcd-key FILE] [--dry-run]\n"
"  Make a rollback kit before upgrading: the k3s binary and its sha256,\n"
"  /etc/rancher/k3s, the unit and env files, a datastore snapshot (sqlite:\n"
"  online backup of state.db; embedded etcd: k3s etcd-snapshot save) and the\n"
"  server token version that snapshot needs.  External etcd: this tool's\n"
"  encrypted snapshot (k3sguard etcd snapshot save) of the cluster in the\n"
"  node's datastore-endpoint, CA datastore-cafile; the Snapshot RPC needs\n"
"  etcd's root role:\n"
"  --etcd-cert FILE --etcd-key FILE  root's client certificate and key\n"
"                     (default: the node's datastore-certfile/keyfile, which\n"
"                     works when etcd auth is off or K3s's user is root)\n"
"  Default DIR: /var/lib/k3sguard/rollback/<version>-<time> (under --root).\n";

static const char rollback_usage[] =
"usage: k3sguard update rollback --kit DIR [--dry-run]\n"
"  Verify the kit (every sha256) and put the node back: stop K3s, the\n"
"  binary, config, unit and env files, the datastore, start K3s.  Exit 1\n"
"  when the kit does not verify (nothing is changed).  External etcd: the\n"
"  snapshot is verified and the restore steps for the etcd hosts are listed,\n"
"  not performed; K3s is left stopped until the cluster is restored.\n";

static const char refresh_usage[] =
"usage: k3sguard update refresh [--channels-url URL] [--advisories-url URL] [--dir DIR]\n"
"                               [--dry-run]\n"
"  Fetch the channel server's data (default updates.channels-url, else\n"
"  " CHANNELS_URL ") and, when a feed is set (--advisories-url or\n"
"  updates.advisories-url), an advisories.json feed; check each as the\n"
"  audit reads it (advisories must be dated), then replace DIR/channels.json\n"
"  and DIR/advisories.json atomically (default DIR " DATA_REFRESH_DIR ", read\n"
"  before the packaged copies).  The audit warns (updates.data-fresh) when\n"
"  the data is older than 30 days.  https only; updates.ca-file sets a CA.\n"
"  --dry-run fetches and checks, writes nothing.  Exit 0, or 2 when a\n"
"  fetch or check failed (nothing written).\n";

static int
update_refresh(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "channels-url", required_argument, NULL, OPT_CHANNELS_URL },
		{ "advisories-url", required_argument, NULL, OPT_ADVISORIES_URL },
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct refresh_opts o = { 0 };
	int c;

	o.dir = DATA_REFRESH_DIR;
	while ((c = getopt_long(argc, argv, "hn", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_CHANNELS_URL:
			o.channels_url = optarg;
			break;
		case OPT_ADVISORIES_URL:
			o.advisories_url = optarg;
			break;
		case OPT_DIR:
			o.dir = optarg;
			break;
		case OPT_DRY_RUN:
		case 'n':
			o.dry_run = 1;
			break;
		case 'h':
			print_usage_exit(refresh_usage);
		default:
			bad_option(refresh_usage);
		}
	}
	if (optind != argc)
		usage_error("update refresh: unexpected argument '%s'", argv[optind]);
	/* after the parse: --root and --config may follow the verb */
	if (!o.channels_url)
		o.channels_url = config_str("updates.channels-url", CHANNELS_URL);
	if (!o.advisories_url)
		o.advisories_url = config_str("updates.advisories-url", NULL);
	if (!*o.dir)
		usage_error("--dir: empty path");
	return data_refresh(&o) == 0 ? EXIT_OK : EXIT_ERROR;
}

static int
load_version(struct node *n, struct version *v)
{
	if (node_load(n) < 0)
		return -1;
	if (!n->k3s_version) {
		const struct source_error *e = node_source_error(n, "version");

		return error("cannot tell the installed K3s version: %s",
		    e ? e->msg : "no k3s binary (--k3s-bin PATH)");
	}
	if (version_parse_k3s(n->k3s_version, v) < 0)
		return error("'%s' is not a K3s version", n->k3s_version);
	return 0;
}

struct check_args {
	const char *channel;
	enum out_format format;
};

/* The status found and shown (after the parse: cmd_output runs it). */
static int
check_run(void *p)
{
	const struct check_args *args = p;
	const char *channel = args->channel;
	struct channels ch = { 0 };
	struct advisories adv = { 0 };
	struct update_status st = { 0 };
	struct version v;
	struct node n;
	struct buf d = BUF_INIT;
	int ret = EXIT_ERROR, have_node = 0;

	if (!channel)
		channel = config_str("updates.channel", "stable");
	have_node = 1;
	if (load_version(&n, &v) < 0 || update_load_channels(&ch, 1) < 0 ||
	    update_load_advisories(&adv) < 0 || update_status(&v, &ch, channel, &adv, &st) < 0)
		goto out;
	update_status_describe(&st, &d);
	if (args->format == FMT_JSON) {
		json_t *j = json_object(), *a = json_array();
		char *s;

		for (size_t i = 0; i < st.nadv; i++)
			json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "id", st.adv[i]->id,
			    "severity", st.adv[i]->severity, "title", st.adv[i]->title));
		json_object_set_new(j, "installed", json_string(n.k3s_version));
		json_object_set_new(j, "channel", json_string(st.target->id));
		json_object_set_new(j, "channel_latest", json_string(st.target->latest));
		json_object_set_new(j, "line", st.line ? json_string(st.line->id) : json_null());
		json_object_set_new(j, "line_latest", st.line ? json_string(st.line->latest) : json_null());
		json_object_set_new(j, "minors_behind", json_integer(st.minors_behind > 0 ?
		    st.minors_behind : 0));
		json_object_set_new(j, "patches_behind", json_integer(st.patches_behind));
		json_object_set_new(j, "end_of_life", json_boolean(!st.line));
		json_object_set_new(j, "advisories", a);
		json_object_set_new(j, "days_since_release", json_null());
		json_object_set_new(j, "channels_source", json_string(ch.source));
		json_object_set_new(j, "advisories_source", json_string(adv.path));
		json_object_set_new(j, "over_policy", json_boolean(st.over_policy));
		s = json_dumps(j, JSON_INDENT(2));
		printf("%s\n", s ? s : "null");
		free(s);
		json_decref(j);
	} else {
		printf("%s\n", d.s);
		printf("channels: %s; advisories: %s (%s)\n", ch.source, adv.path,
		    adv.updated ? adv.updated : "undated");
		printf("days since the installed release: unknown (the channel server publishes no "
		    "dates)\n");
	}
	ret = st.over_policy ? EXIT_FINDINGS : EXIT_OK;
out:
	buf_release(&d);
	update_status_free(&st);
	channels_free(&ch);
	advisories_free(&adv);
	if (have_node)
		node_free(&n);
	return ret;
}

static int
update_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "channel", required_argument, NULL, OPT_CHANNEL },
		{ "channels-file", required_argument, NULL, OPT_CHANNELS_FILE },
		{ "advisories", required_argument, NULL, OPT_ADVISORIES },
		{ "format", required_argument, NULL, OPT_FORMAT },
		OUTPUT_LONG_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct check_args a = { NULL, FMT_TEXT };
	const char *output = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_CHANNEL:
			a.channel = optarg;
			break;
		case OPT_CHANNELS_FILE:
			update_channels_file = optarg;
			break;
		case OPT_ADVISORIES:
			update_advisories_file = optarg;
			break;
		case OPT_FORMAT:
			a.format = format_arg(optarg, FMT_TEXT_JSON);
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			print_usage_exit(check_usage);
		default:
			bad_option(check_usage);
		}
	}
	if (optind != argc)
		usage_error("update check: unexpected argument '%s'", argv[optind]);
	return cmd_output(output, check_run, &a);
}

struct plan_args {
	struct plan_opts o;
	struct version target;	/* from --version */
	const char *out;	/* --out FILE: the Plans alone */
};

/* The Plans made and shown (after the parse: cmd_output runs it). */
static int
plan_run(void *p)
{
	struct plan_args *a = p;
	struct plan_opts *o = &a->o;
	struct version v, target = a->target;
	struct channels ch = { 0 };
	struct node n;
	struct buf y = BUF_INIT;
	int ret = EXIT_ERROR;

	if (!o->version && !o->channel)
		o->channel = config_str("updates.channel", "stable");
	if (load_version(&n, &v) < 0)
		return EXIT_ERROR;
	if (o->channel) {
		const struct channel *cc;

		if (update_load_channels(&ch, 1) < 0)
			goto out;
		if (!(cc = channels_find(&ch, o->channel))) {
			error("'%s': no channel '%s'", ch.source, o->channel);
			goto out;
		}
		target = cc->v;
		printf("# channel %s is at %s (%s)\n", o->channel, cc->latest, ch.source);
	}
	if (plan_allowed(&v, &target) < 0) {
		ret = EXIT_FINDINGS;
		goto out;
	}
	if (plan_render(o, &y) < 0)
		goto out;
	if (a->out) {
		if (file_write_atomic(a->out, y.s, y.len, 0600) < 0)
			goto out;
		printf("wrote %s: Plans %sk3s-server, k3s-agent (namespace %s)\n", a->out,
		    o->canary_key ? "k3s-canary, " : "", o->namespace);
	} else {
		fwrite(y.s, 1, y.len, stdout);
	}
	ret = EXIT_OK;
out:
	buf_release(&y);
	channels_free(&ch);
	node_free(&n);
	return ret;
}

static int
update_plan(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "version", required_argument, NULL, OPT_VERSION },
		{ "channel", required_argument, NULL, OPT_CHANNEL },
		{ "channels-file", required_argument, NULL, OPT_CHANNELS_FILE },
		{ "canary-selector", required_argument, NULL, OPT_CANARY },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
		{ "drain", no_argument, NULL, OPT_DRAIN },
		{ "namespace", required_argument, NULL, OPT_NAMESPACE },
		{ "out", required_argument, NULL, OPT_OUT },
		OUTPUT_LONG_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct plan_args a = { .o = { .concurrency = 1, .namespace = "system-upgrade" } };
	struct plan_opts *o = &a.o;
	const char *window = NULL, *output = NULL;
	char *wstore = NULL, *canary = NULL;
	long long num;
	int c, ret;

	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_VERSION:
			o->version = optarg;
			break;
		case OPT_CHANNEL:
			o->channel = optarg;
			break;
		case OPT_CHANNELS_FILE:
			update_channels_file = optarg;
			break;
		case OPT_CANARY:
			canary = optarg;
			break;
		case OPT_WINDOW:
			window = optarg;
			break;
		case OPT_CONCURRENCY:
			if (parse_num(optarg, 1, 1000, &num) < 0)
				usage_error("update plan: --concurrency must be a number from 1 to 1000");
			o->concurrency = (long)num;
			break;
		case OPT_DRAIN:
			o->drain = 1;
			break;
		case OPT_NAMESPACE:
			o->namespace = optarg;
			break;
		case OPT_OUT:
			a.out = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			print_usage_exit(plan_usage);
		default:
			bad_option(plan_usage);
		}
	}
	if (optind != argc)
		usage_error("update plan: unexpected argument '%s'", argv[optind]);
	if (o->version && o->channel)
		usage_error("update plan: --version and --channel exclude each other");
	if (o->version && version_parse_k3s(o->version, &a.target) < 0)
		usage_error("update plan: --version '%s' is not a K3s version (vX.Y.Z+k3sN)", o->version);
	if (canary) {
		char *eq = strchr(canary, '=');

		if (!eq || eq == canary || !eq[1])
			usage_error("update plan: --canary-selector must be LABEL=VALUE");
		*eq = '\0';
		o->canary_key = canary;
		o->canary_value = eq + 1;
	}
	if (window && plan_parse_window(window, o, &wstore) < 0) {
		free(wstore);
		exit(EXIT_USAGE);
	}
	ret = cmd_output(output, plan_run, &a);
	free(wstore);
	return ret;
}

#define KIT_DIR "/var/lib/k3sguard/rollback"

/*
 * The default kit directory is handed to kit_prepare() as the path shown
 * under --root; that path names the gate's file only when no component of
 * it is a link (a link resolves inside the tree for the gate, on the host
 * for a plain path).  So: no link on the way, checked through the gate.
 */
static int
kit_dir_plain(const char *node_dir)
{
	struct buf prefix = BUF_INIT;
	struct stat st;
	int ret = 0;

	for (const char *p = node_dir; *p && ret == 0; ) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n)
			break;
		buf_addch(&prefix, '/');
		buf_add(&prefix, p, n);
		p += n;
		if (gate_lstat(prefix.s, &st) == 0 && S_ISLNK(st.st_mode))
			ret = error("'%s' is a symlink: a kit there would not be where it is "
			    "shown (refused; use --out DIR)", root_path(prefix.s));
	}
	buf_release(&prefix);
	return ret;
}

static int
update_prepare(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "out", required_argument, NULL, OPT_OUT },
		{ "etcd-cert", required_argument, NULL, OPT_ETCD_CERT_FILE },
		{ "etcd-key", required_argument, NULL, OPT_ETCD_KEY_FILE },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *out = NULL, *ecert = NULL, *ekey = NULL;
	struct buf def = BUF_INIT;
	struct node n;
	int c, dry = 0, ret = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_OUT:
			out = optarg;
			break;
		case OPT_ETCD_CERT_FILE:
			ecert = optarg;
			break;
		case OPT_ETCD_KEY_FILE:
			ekey = optarg;
			break;
		case OPT_DRY_RUN:
			dry = 1;
			break;
		case 'h':
			print_usage_exit(prepare_usage);
		default:
			bad_option(prepare_usage);
		}
	}
	if (optind != argc)
		usage_error("update prepare: unexpected argument '%s'", argv[optind]);
	if (!ecert != !ekey)
		usage_error("update prepare: --etcd-cert and --etcd-key go together");
	if (node_load(&n) < 0)
		return EXIT_ERROR;
	if (n.role != ROLE_SERVER) {
		error("'%s' is not a K3s server: rollback kits are made on servers", n.root);
		goto out;
	}
	if (!out) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		if (kit_dir_plain(KIT_DIR) < 0 || (!dry && (gate_mkdir_p(KIT_DIR, 0700) < 0 ||
		    kit_dir_plain(KIT_DIR) < 0)))
			goto out;
		root_path_buf(&def, KIT_DIR);
		buf_addf(&def, "/%s-%s", n.k3s_version ? n.k3s_version : "unknown", stamp);
		out = def.s;
	}
	if (kit_prepare(&n, out, ecert, ekey, dry) < 0)
		goto out;
	if (!dry)
		printf("rollback kit for K3s %s written to %s\n", n.k3s_version, out);
	ret = EXIT_OK;
out:
	buf_release(&def);
	node_free(&n);
	return ret;
}

static int
update_rollback(int argc, char **argv)
{
	static const struct option longopts[] = {
		GLOBAL_LONG_OPTIONS,
		{ "kit", required_argument, NULL, OPT_KIT },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *kit = NULL;
	struct node n;
	int c, dry = 0, r;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (global_option(c, optarg))
			continue;
		switch (c) {
		case OPT_KIT:
			kit = optarg;
			break;
		case OPT_DRY_RUN:
			dry = 1;
			break;
		case 'h':
			print_usage_exit(rollback_usage);
		default:
			bad_option(rollback_usage);
		}
	}
	if (optind != argc)
		usage_error("update rollback: unexpected argument '%s'", argv[optind]);
	if (!kit)
		usage_error("update rollback: --kit DIR is required");
	if (node_load(&n) < 0)
		return EXIT_ERROR;
	r = kit_rollback(&n, kit, dry);
	node_free(&n);
	return r == 0 ? EXIT_OK : r == -2 ? EXIT_FINDINGS : EXIT_ERROR;
}

static const struct subcmd verbs[] = {
	{ "check", update_check, "how far behind the channel, which advisories apply" },
	{ "plan", update_plan, "system-upgrade-controller Plans (canary, servers, agents)" },
	{ "prepare", update_prepare, "make a rollback kit before upgrading" },
	{ "rollback", update_rollback, "verify a rollback kit and go back to it" },
	{ "refresh", update_refresh, "fetch, check and replace the channel and advisory data" },
};

int cmd_update(int argc, char **argv);

int
cmd_update(int argc, char **argv)
{
	return run_subcommand("update", verbs, ARRAY_SIZE(verbs), argc, argv);
}
