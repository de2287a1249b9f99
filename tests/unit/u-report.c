/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-report: output that cannot be forged.  The escapes (report/escape.h)
 * on known answers and, for invalid UTF-8, against Python's decoder; then
 * every renderer on a report whose evidence, check ids and titles, paths,
 * K3s version, host name and errors are hostile, read back by the real
 * consumers: xmllint (JUnit, HTML), python3's json (JSON), promtool
 * (Prometheus).
 */
#include "core/k3sguard.h"
#include "core/gate.h"
#include "core/run.h"
#include "checks/check.h"
#include "report/escape.h"
#include "report/report.h"
#include "unit.h"

#define FORGED "\n  PASS  critical forged"
/* every kind of hostile byte, NUL-free */
#define HOSTILE FORGED " \x1b[31mred\r <script>alert(1)</script> \" ' & \\ " \
	"\xff\xfe trunc\xe2\x82 \x7f\xc2\x9b" "2J \xe2\x80\xae end"

static char dir[] = "/tmp/u-report.XXXXXX";

/* ---- the escapes ---- */

static const char *
escaped(const char *s, enum esc_to to)
{
	static struct buf b;

	buf_reset(&b);
	esc_add(&b, s, to);
	return b.s;
}

static void
escape_known_answers(void)
{
	CHECK_STR(escaped("a\nb\rc\td\x1b[31m\x7f", ESC_TEXT), "a\\nb\\rc\\td\\x1b[31m\\x7f");
	CHECK_STR(escaped("\xc2\x9b \xe2\x80\xae \xe2\x80\xa8", ESC_TEXT), "\\u009b \\u202e \\u2028");
	CHECK_STR(escaped("\xff\xe2\x82!", ESC_TEXT), "\\xff\\xe2\\x82!");
	CHECK_STR(escaped("caf\xc3\xa9 \\ \"'<&>", ESC_TEXT), "caf\xc3\xa9 \\ \"'<&>");
	CHECK_STR(escaped("<a href=\"x\">'&'</a>", ESC_MARKUP),
	    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
	CHECK_STR(escaped("a\nb\x1b\xef\xbf\xbe", ESC_MARKUP), "a\\nb\\x1b\\ufffe");
	CHECK_STR(escaped("\xff\xe2\x82!", ESC_MARKUP), "\xef\xbf\xbd\xef\xbf\xbd!");
	CHECK_STR(escaped("a\"b\\c\nd\x1b", ESC_PROM), "a\\\"b\\\\c\\nd\\\\x1b");
	CHECK_STR(escaped("\xc3\x28", ESC_PROM), "\xef\xbf\xbd(");
	/* maximal subparts: one U+FFFD per broken sequence */
	CHECK_STR(escaped("\xe2\x82" "A", ESC_UTF8), "\xef\xbf\xbd" "A");
	CHECK_STR(escaped("\xf0\x80", ESC_UTF8), "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(escaped("\xed\xa0\x80", ESC_UTF8), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(escaped("\xc0\xaf", ESC_UTF8), "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(escaped("\xf4\x90\x80\x80", ESC_UTF8),
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(escaped("\xf0\x9f\x98\x80 \x1b", ESC_UTF8), "\xf0\x9f\x98\x80 \x1b");
}

/* a shell command line (the tools from PATH); its exit status, -1 when it did not run */
static int
sh(const char *fmt, ...)
{
	struct buf cmd = BUF_INIT, path = BUF_INIT;
	const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
	const char *envp[] = { NULL, "LC_ALL=C.UTF-8", NULL };
	struct run_opts o = { .argv = argv, .envp = envp, .inherit_stderr = 1 };
	va_list ap;
	int st;

	va_start(ap, fmt);
	buf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	buf_addf(&path, "PATH=%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	argv[2] = cmd.s;
	envp[0] = path.s;
	if (run_cmd(&o, &st) < 0)
		st = -1;
	buf_release(&cmd);
	buf_release(&path);
	return st;
}

static void
put_file(const char *name, const char *data, size_t len)
{
	struct buf p = BUF_INIT;

	buf_addf(&p, "%s/%s", dir, name);
	if (file_write_atomic(p.s, data, len, 0600) < 0)
		fatal("cannot write '%s'", p.s);
	buf_release(&p);
}

/* Random byte strings: ESC_UTF8 agrees with Python's errors="replace". */
static void
utf8_replacement_matches_python(void)
{
	static const unsigned char pick[] = {
		'a', ' ', '\n', 0x1b, 0x7f, 0x80, 0x8f, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2,
		0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf3, 0xf4, 0xf5, 0xfe, 0xff
	};
	struct buf in = BUF_INIT, out = BUF_INIT, raw = BUF_INIT, e = BUF_INIT;
	unsigned seed = 12345;

	for (int i = 0; i < 3000; i++) {
		size_t len = 1 + (seed = seed * 1103515245 + 12345) % 12;

		buf_reset(&raw);
		for (size_t k = 0; k < len; k++) {
			seed = seed * 1103515245 + 12345;
			buf_addch(&raw, pick[(seed >> 8) % sizeof(pick)]);
		}
		buf_reset(&e);
		esc_add(&e, raw.s, ESC_UTF8);
		for (size_t k = 0; k < raw.len; k++)
			buf_addf(&in, "%02x", (unsigned char)raw.s[k]);
		for (size_t k = 0; k < e.len; k++)
			buf_addf(&out, "%02x", (unsigned char)e.s[k]);
		buf_addch(&in, '\n');
		buf_addch(&out, '\n');
	}
	put_file("utf8.in", in.s, in.len);
	put_file("utf8.out", out.s, out.len);
	CHECK(sh("python3 -c '"
	    "import sys\n"
	    "a = open(sys.argv[1]).read().split()\n"
	    "b = open(sys.argv[2]).read().split()\n"
	    "assert len(a) == len(b) == 3000\n"
	    "for x, y in zip(a, b):\n"
	    "    want = bytes.fromhex(x).decode(\"utf-8\", \"replace\").encode()\n"
	    "    assert bytes.fromhex(y) == want, (x, y, want.hex())\n"
	    "' %s/utf8.in %s/utf8.out", dir, dir) == 0);
	buf_release(&in);
	buf_release(&out);
	buf_release(&raw);
	buf_release(&e);
}

/* ---- a hostile report ---- */

static struct check fake[5];
static struct node node;
static struct report rep;
static char *data_dir;
static size_t npass;

static void
make_report(void)
{
	/* the first id is one literal made of two on purpose */
	static const char id0[] = "etcd.forged" FORGED;
	static const char *const ids[] = { id0, "etcd.\x1b[2J<b>", "etcd.x",
		"etcd.y'\"&", "etcd.z\xff" };
	static struct source_error err;
	struct buf p = BUF_INIT;

	buf_addf(&p, "%s/etc", dir);
	if (mkdir(p.s, 0700) < 0)
		fatal("mkdir");
	buf_release(&p);
	/* the first line is the name */
	put_file("etc/hostname", "evil\x1b[31m<script>x</script>\xff'\"&\r\n",
	    strlen("evil\x1b[31m<script>x</script>\xff'\"&\r\n"));
	gopt.root = dir;
	if (gate_set_root(dir) < 0)
		fatal("gate_set_root");

	data_dir = xstrdup("/var/lib/k3s" FORGED "\x1b[2J");
	node.root = dir;
	node.role = ROLE_SERVER;
	node.data_dir = data_dir;
	node.k3s_version = (char *)"v1.32.1+k3s1" HOSTILE;
	node.datastore = DS_SQLITE;
	err.source = (char *)"version" FORGED;
	err.file = (char *)"/usr/local/bin/k3s" HOSTILE;
	err.msg = (char *)"cannot read" HOSTILE;
	node.errors = &err;
	node.nerrors = 1;

	rep.node = &node;
	rep.strategies = (1u << nstrategies) - 1;
	rep.items = xcalloc(ARRAY_SIZE(fake) + 1, sizeof(*rep.items));
	for (size_t i = 0; i < ARRAY_SIZE(fake); i++) {
		struct report_item *it = &rep.items[rep.nitems++];

		fake[i].id = ids[i];
		fake[i].strategy = "etcd";
		fake[i].severity = (enum severity)(i % 4);
		fake[i].title = "title" HOSTILE;
		fake[i].remediation = "remedy" HOSTILE;
		fake[i].implemented = "implemented" HOSTILE;
		fake[i].missing = "missing" HOSTILE;
		it->strategy = &strategies[0];
		it->check = &fake[i];
		check_result_init(&it->result);
		/* raw, as a check that does not escape (traefik-eval.c's set()) leaves it */
		it->result.status = (enum status)i;
		buf_adds(&it->result.evidence, "evidence " HOSTILE);
		rep.count[it->result.status]++;
		npass += it->result.status == ST_PASS;
	}
}

/* out of renderer name, in a file of dir named after it, and in b */
static void
render(const char *name, struct buf *b)
{
	const struct report_format *f = report_format_find(name);
	char *mem = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&mem, &len);
	struct buf file = BUF_INIT;

	buf_reset(b);
	CHECK(f && out);
	if (!f || !out)
		return;
	CHECK(f->render(&rep, out) == 0);
	fclose(out);
	buf_add(b, mem, len);
	free(mem);
	buf_addf(&file, "out.%s", name);
	put_file(file.s, b->s, b->len);
	buf_release(&file);
}

/* no control byte but the renderer's own newlines: no raw ESC, CR, DEL, C1, RLO */
static int
no_raw_control(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->s[i];

		if ((c < 0x20 && c != '\n') || c == 0x7f) {
			fprintf(stderr, "# raw byte 0x%02x at %zu: %.40s\n", c, i, b->s + i);
			return 0;
		}
		/* C1 controls as UTF-8 (U+0080..U+009F), RLO */
		if (c == 0xc2 && i + 1 < b->len && (unsigned char)b->s[i + 1] <= 0x9f) {
			fprintf(stderr, "# raw C1 control at %zu\n", i);
			return 0;
		}
		if (i + 3 <= b->len && !memcmp(b->s + i, "\xe2\x80\xae", 3)) {
			fprintf(stderr, "# raw U+202E at %zu\n", i);
			return 0;
		}
	}
	return 1;
}

/* lines that start with prefix */
static size_t
lines_starting(const struct buf *b, const char *prefix)
{
	size_t n = 0, plen = strlen(prefix);

	for (const char *p = b->s; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, prefix, plen);
	return n;
}

static int
has_invalid_utf8(const struct buf *b)
{
	struct buf v = BUF_INIT;
	int bad;

	esc_add(&v, b->s, ESC_UTF8);
	bad = v.len != b->len || memcmp(v.s, b->s, b->len) != 0;
	buf_release(&v);
	return bad;
}

/* XML or HTML: no raw control, valid UTF-8, no element a value brought */
static int
markup_is_clean(const struct buf *b)
{
	return no_raw_control(b) && !has_invalid_utf8(b) && !strstr(b->s, "<script") &&
	    !strstr(b->s, "<b>");
}

static void
text_shows_values_and_forges_nothing(void)
{
	struct buf b = BUF_INIT;

	render("text", &b);
	CHECK(no_raw_control(&b));
	CHECK(lines_starting(&b, "  PASS") == npass);
	CHECK(lines_starting(&b, "  PASS  critical forged") == 0);
	CHECK(strstr(b.s, "evidence \\n  PASS  critical forged \\x1b[31mred\\r <script>") != NULL);
	CHECK(strstr(b.s, "\\xff\\xfe trunc\\xe2\\x82 \\x7f\\u009b2J \\u202e end") != NULL);
	CHECK(strstr(b.s, "K3s v1.32.1+k3s1\\n  PASS") != NULL);
	CHECK(!has_invalid_utf8(&b));
	buf_release(&b);
}

static void
json_round_trips_with_replacement(void)
{
	struct buf b = BUF_INIT;

	render("json", &b);
	CHECK(!has_invalid_utf8(&b));
	put_file("hostile.raw", "evidence " HOSTILE, strlen("evidence " HOSTILE));
	CHECK(sh("python3 -m json.tool %s/out.json >/dev/null", dir) == 0);
	CHECK(sh("python3 -c '"
	    "import json, sys\n"
	    "d = json.load(open(sys.argv[1]))\n"
	    "want = open(sys.argv[2], \"rb\").read().decode(\"utf-8\", \"replace\")\n"
	    "assert \"\\ufffd\\ufffd trunc\\ufffd \" in want\n"
	    "ev = [c[\"evidence\"] for c in d[\"checks\"]]\n"
	    "assert len(ev) == 5 and all(e == want for e in ev), ev\n"
	    "assert d[\"checks\"][0][\"id\"] == \"etcd.forged\\n  PASS  critical forged\"\n"
	    "assert d[\"node\"][\"k3s_version\"] == \"v1.32.1+k3s1\" + want[len(\"evidence \"):]\n"
	    "assert d[\"errors\"][0][\"message\"] == \"cannot read\" + want[len(\"evidence \"):]\n"
	    "' %s/out.json %s/hostile.raw", dir, dir) == 0);
	buf_release(&b);
}

static void
junit_is_well_formed_xml(void)
{
	struct buf b = BUF_INIT;

	render("junit", &b);
	CHECK(markup_is_clean(&b));
	CHECK(strstr(b.s, "&lt;script&gt;alert(1)&lt;/script&gt; &quot; &#39; &amp; \\ "
	    "\xef\xbf\xbd\xef\xbf\xbd trunc\xef\xbf\xbd ") != NULL);
	CHECK(sh("xmllint --noout %s/out.junit 2>%s/junit.err", dir, dir) == 0);
	CHECK(sh("test ! -s %s/junit.err", dir) == 0);
	/* what a CI reads back: the message attribute, one line, the value's text */
	CHECK(sh("xmllint --xpath 'string(//testcase[1]/skipped/@message | "
	    "//testsuite[1]/testcase[2]/failure/@message)' %s/out.junit | "
	    "grep -c '^evidence \\\\n  PASS  critical forged \\\\x1b\\[31mred' | grep -qx 1", dir) == 0);
	buf_release(&b);
}

static void
html_parses_and_holds_no_markup_from_values(void)
{
	struct buf b = BUF_INIT;

	render("html", &b);
	CHECK(markup_is_clean(&b));
	CHECK(strstr(b.s, "<dd id=\"node\">evil\\x1b[31m&lt;script&gt;x&lt;/script&gt;"
	    "\xef\xbf\xbd&#39;&quot;&amp;") != NULL);
	CHECK(strstr(b.s, "<tr id=\"check-etcd.forged\\n  PASS  critical forged\">") != NULL);
	/* libxml2's HTML 4 parser: only the HTML 5 elements it does not know may be reported */
	CHECK(sh("xmllint --html --noout %s/out.html 2>%s/html.err", dir, dir) == 0);
	CHECK(sh("grep 'error' %s/html.err | grep -Ev "
	    "'Tag (header|main|section|footer|svg|rect) invalid$' >&2; test $? -eq 1", dir) == 0);
	/* and as data: the page's text holds the values, its elements none of theirs */
	CHECK(sh("xmllint --html --xpath 'count(//script | //b)' %s/out.html 2>/dev/null | "
	    "grep -qx 0", dir) == 0);
	buf_release(&b);
}

static void
prom_passes_promtool(void)
{
	struct buf b = BUF_INIT;

	render("prom", &b);
	CHECK(no_raw_control(&b));
	CHECK(!has_invalid_utf8(&b));
	CHECK(sh("promtool check metrics <%s/out.prom >%s/prom.err 2>&1", dir, dir) == 0);
	CHECK(sh("test ! -s %s/prom.err || cat %s/prom.err >&2", dir, dir) == 0);
	CHECK(lines_starting(&b, "k3sguard_node_info{") == 1);
	CHECK(strstr(b.s, "k3s_version=\"v1.32.1+k3s1\\n  PASS  critical forged \\\\x1b[31mred"
	    "\\\\r <script>alert(1)</script> \\\" ' & \\\\ \xef\xbf\xbd\xef\xbf\xbd trunc"
	    "\xef\xbf\xbd \\\\x7f\\\\u009b2J \\\\u202e end\"") != NULL);
	CHECK(lines_starting(&b, "k3sguard_check_status{id=\"etcd.forged\\n  PASS") == 1);
	CHECK(lines_starting(&b, "k3sguard_manifests") == 0);	/* no baseline check run */
	buf_release(&b);
}

/*
 * The manifests gauges come from the check's result: its status, and the
 * drift count read after the evidence's fixed start for this data dir.
 */
static void
prom_manifests_gauges_from_the_check(void)
{
	static const struct check baseline = { "manifests.baseline", "manifests", SEV_HIGH,
		"baseline", NULL, "r", "i", "m", REACH_ROOT };
	struct report_item *it = &rep.items[rep.nitems];
	struct buf b = BUF_INIT;

	it->strategy = &strategies[3];
	it->check = &baseline;
	check_result_init(&it->result);
	rep.nitems++;

	check_fail(&it->result, "'%s/server/manifests' differs from its signed baseline in 3 "
	    "entries (first: 'x', content)", data_dir);
	render("prom", &b);
	CHECK(strstr(b.s, "\nk3sguard_manifests_baseline_valid 1\n") != NULL);
	CHECK(strstr(b.s, "\nk3sguard_manifests_drift_entries 3\n") != NULL);

	check_pass(&it->result, "'%s/server/manifests' matches its signed baseline", data_dir);
	render("prom", &b);
	CHECK(strstr(b.s, "\nk3sguard_manifests_drift_entries 0\n") != NULL);

	/* a number the data dir does not lead to is not the check's */
	check_fail(&it->result, "'/var/lib/k3s/server/manifests' differs from its signed "
	    "baseline in 0 entries");
	render("prom", &b);
	CHECK(strstr(b.s, "\nk3sguard_manifests_baseline_valid 0\n") != NULL);
	CHECK(!strstr(b.s, "k3sguard_manifests_drift_entries"));

	check_fail(&it->result, "baseline '/etc/k3sguard/manifests.lock': signature bad");
	render("prom", &b);
	CHECK(strstr(b.s, "\nk3sguard_manifests_baseline_valid 0\n") != NULL);

	check_fail(&it->result, "no signed baseline at '/etc/k3sguard/manifests.lock'");
	render("prom", &b);
	CHECK(!strstr(b.s, "k3sguard_manifests"));
	CHECK(sh("promtool check metrics <%s/out.prom", dir) == 0);

	rep.nitems--;
	check_result_release(&it->result);
	buf_release(&b);
}

int
main(void)
{
	int ret;

	if (!mkdtemp(dir))
		fatal("mkdtemp");
	if (sh("command -v xmllint promtool python3 >/dev/null") != 0) {
		fprintf(stderr, "# u-report needs xmllint, promtool and python3\n");
		return 1;
	}
	T(escape_known_answers);
	T(utf8_replacement_matches_python);
	make_report();
	T(text_shows_values_and_forges_nothing);
	T(json_round_trips_with_replacement);
	T(junit_is_well_formed_xml);
	T(html_parses_and_holds_no_markup_from_values);
	T(prom_passes_promtool);
	T(prom_manifests_gauges_from_the_check);
	ret = UNIT_DONE();
	for (size_t i = 0; i < rep.nitems; i++)
		check_result_release(&rep.items[i].result);
	free(rep.items);
	free(data_dir);
	sh("rm -rf %s", dir);
	return ret;
}
