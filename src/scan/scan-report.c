/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-report.c: render the findings of `k3sguard scan` (see scan-report.h).
 *
 * Output escaping, one place per format: file names, justifications and
 * the text of a hit (a datastore URL's scheme comes from the file) go
 * through escape.h, as text for the terminal, as valid UTF-8 for jansson.
 */
#include "core/k3sguard.h"
#include "report/escape.h"
#include "scan/scan-report.h"
#include "token/token.h"

#include <jansson.h>

/* Where each rule is documented (K3s's own documentation of the setting). */
static const char *const help_uri[SCAN_NRULES] = {
	[SCAN_SECURE] = "https://docs.k3s.io/cli/token",
	[SCAN_ENV] = "https://docs.k3s.io/reference/env-variables",
	[SCAN_FLAG] = "https://docs.k3s.io/cli/server",
	[SCAN_CONFIG] = "https://docs.k3s.io/installation/configuration",
	[SCAN_DATASTORE] = "https://docs.k3s.io/datastore",
};

static const char *
sev_name(enum scan_severity s)
{
	return s == SCAN_CRITICAL ? "critical" : "high";
}

int
finding_cmp(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

void
print_text(const struct finding *f, size_t n, const struct stats *st)
{
	struct esc_ring r;
	size_t shown = 0;

	esc_ring_init(&r, ESC_TEXT);
	for (size_t i = 0; i < n; i++) {
		if (f[i].supp_kind)
			continue;
		shown++;
		printf("%s:%zu:%zu: %s %s: %s", esc_ring(&r, f[i].path), f[i].line, f[i].col,
		    sev_name(f[i].hit.severity), scan_rules[f[i].hit.rule].id,
		    esc_ring(&r, f[i].hit.desc));
		if (f[i].commit[0])
			printf(" [commit %.12s]", f[i].commit);
		putchar('\n');
	}
	esc_ring_release(&r);
	printf("scanned %llu files (%llu bytes), skipped %llu binary, %llu symlinks, "
	    "%llu excluded: %zu finding%s", st->files, st->bytes, st->binary,
	    st->symlinks, st->excluded, shown, shown == 1 ? "" : "s");
	if (n > shown)
		printf(", %zu suppressed", n - shown);
	putchar('\n');
}

void
finding_location_fp(const struct finding *f, char out[33])
{
	struct buf b = BUF_INIT;
	char h[65];

	buf_adds(&b, f->rel);
	buf_addch(&b, '\0');
	buf_adds(&b, scan_rules[f->hit.rule].id);
	buf_addch(&b, '\0');
	buf_adds(&b, f->hit.fingerprint);
	sha256_hex(b.s, b.len, h);
	memcpy(out, h, 32);
	out[32] = '\0';
	buf_release(&b);
}

void
scan_findings_free(struct finding *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].path);
		free(f[i].justification);
	}
	free(f);
}

static json_t *
jstr(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *v;

	esc_add(&b, s, ESC_UTF8);	/* json_string() refuses invalid UTF-8 */
	v = json_string(b.s);
	buf_release(&b);
	if (!v)
		fatal("out of memory");
	return v;
}

static int
dump_json(json_t *root)
{
	int rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	putchar('\n');
	json_decref(root);
	return rc;
}

int
print_json(const struct finding *f, size_t n, const struct stats *st)
{
	json_t *root = json_object(), *arr = json_array(), *s = json_object();
	char lfp[33];

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "file", jstr(f[i].path));
		json_object_set_new(o, "line", json_integer((json_int_t)f[i].line));
		json_object_set_new(o, "column", json_integer((json_int_t)f[i].col));
		json_object_set_new(o, "end_column", json_integer((json_int_t)f[i].end_col));
		json_object_set_new(o, "rule", json_string(scan_rules[f[i].hit.rule].id));
		json_object_set_new(o, "severity", json_string(sev_name(f[i].hit.severity)));
		json_object_set_new(o, "value", jstr(f[i].hit.desc));
		json_object_set_new(o, "fingerprint", json_string(f[i].hit.fingerprint));
		finding_location_fp(&f[i], lfp);
		json_object_set_new(o, "location_fingerprint", json_string(lfp));
		if (f[i].commit[0])
			json_object_set_new(o, "commit", json_string(f[i].commit));
		if (f[i].supp_kind)
			json_object_set_new(o, "suppressed", json_pack("{s:s,s:o}", "kind",
			    f[i].supp_kind, "justification", jstr(f[i].justification)));
		json_array_append_new(arr, o);
	}
	json_object_set_new(s, "files", json_integer((json_int_t)st->files));
	json_object_set_new(s, "bytes", json_integer((json_int_t)st->bytes));
	json_object_set_new(s, "binary_skipped", json_integer((json_int_t)st->binary));
	json_object_set_new(s, "symlinks_skipped", json_integer((json_int_t)st->symlinks));
	json_object_set_new(s, "excluded", json_integer((json_int_t)st->excluded));
	json_object_set_new(s, "errors", json_integer((json_int_t)st->errors));
	json_object_set_new(root, "findings", arr);
	json_object_set_new(root, "stats", s);
	return dump_json(root);
}

/* RFC 3986: keep unreserved characters and '/', percent-encode the rest. */
static void
uri_encode(struct buf *b, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (isalnum(*p) || strchr("-._~/", *p))
			buf_addch(b, (char)*p);
		else
			buf_addf(b, "%%%02X", *p);
	}
}

static json_t *
text_obj(const char *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "text", jstr(s));
	return o;
}

int
print_sarif(const struct finding *f, size_t n, int ok, const char *srcroot)
{
	json_t *root = json_object(), *run = json_object(), *driver = json_object();
	json_t *tool = json_object(), *rules = json_array(), *results = json_array();
	json_t *inv = json_object();
	struct buf b = BUF_INIT;

	for (int r = 0; r < SCAN_NRULES; r++) {
		const struct scan_rule_info *ri = &scan_rules[r];
		json_t *o = json_object(), *conf = json_object(), *props = json_object();
		json_t *tags = json_array();

		json_object_set_new(o, "id", json_string(ri->id));
		json_object_set_new(o, "name", json_string(ri->name));
		json_object_set_new(o, "shortDescription", text_obj(ri->summary));
		json_object_set_new(o, "fullDescription", text_obj(ri->summary));
		buf_reset(&b);
		buf_addf(&b, "**%s**\n\n%s\n\nSee `k3sguard-scan(1)` and [K3s's documentation](%s).",
		    ri->summary, ri->help, help_uri[r]);
		json_object_set_new(o, "help", json_pack("{s:o,s:s}", "text", jstr(ri->help),
		    "markdown", b.s));
		json_object_set_new(o, "helpUri", json_string(help_uri[r]));
		json_object_set_new(conf, "level", json_string("error"));
		json_object_set_new(o, "defaultConfiguration", conf);
		json_array_append_new(tags, json_string("security"));
		json_array_append_new(tags, json_string("secret"));
		json_object_set_new(props, "tags", tags);
		/* a value read from the file, checked for provenance: few false positives */
		json_object_set_new(props, "precision", json_string(
		    r == SCAN_SECURE || r == SCAN_DATASTORE ? "very-high" : "high"));
		/* GitHub code scanning reads this to rank security results */
		json_object_set_new(props, "security-severity",
		    json_string(ri->severity == SCAN_CRITICAL ? "9.5" : "8.0"));
		json_object_set_new(o, "properties", props);
		json_array_append_new(rules, o);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object(), *loc = json_object(), *phys = json_object();
		json_t *art = json_object(), *reg = json_object(), *locs = json_array();
		json_t *fps = json_object(), *props = json_object();
		const char *p = f[i].path;
		char lfp[33];

		json_object_set_new(o, "ruleId", json_string(scan_rules[f[i].hit.rule].id));
		json_object_set_new(o, "ruleIndex", json_integer(f[i].hit.rule));
		json_object_set_new(o, "level", json_string("error"));
		buf_reset(&b);
		buf_addf(&b, "%s: %s", scan_rules[f[i].hit.rule].summary, f[i].hit.desc);
		json_object_set_new(o, "message", text_obj(b.s));
		buf_reset(&b);
		if (srcroot)
			p = f[i].rel;
		while (p[0] == '.' && p[1] == '/')
			p += 2;
		while (*p == '/')
			p++;
		uri_encode(&b, p);
		json_object_set_new(art, "uriBaseId", json_string("%SRCROOT%"));
		json_object_set_new(art, "uri", json_string(b.s));
		json_object_set_new(phys, "artifactLocation", art);
		json_object_set_new(reg, "startLine", json_integer((json_int_t)f[i].line));
		json_object_set_new(reg, "startColumn", json_integer((json_int_t)f[i].col));
		json_object_set_new(reg, "endColumn", json_integer((json_int_t)f[i].end_col));
		json_object_set_new(phys, "region", reg);
		json_object_set_new(loc, "physicalLocation", phys);
		json_array_append_new(locs, loc);
		json_object_set_new(o, "locations", locs);
		json_object_set_new(fps, "k3sguardTokenFingerprint/v1",
		    json_string(f[i].hit.fingerprint));
		finding_location_fp(&f[i], lfp);
		json_object_set_new(fps, "k3sguardLocation/v1", json_string(lfp));
		json_object_set_new(o, "partialFingerprints", fps);
		json_object_set_new(o, "fingerprints", json_pack("{s:s}", "k3sguardLocation/v1", lfp));
		if (f[i].supp_kind)
			json_object_set_new(o, "suppressions", json_pack("[{s:s,s:o}]", "kind",
			    f[i].supp_kind, "justification", jstr(f[i].justification)));
		json_object_set_new(props, "severity", json_string(sev_name(f[i].hit.severity)));
		if (f[i].commit[0])
			json_object_set_new(props, "commit", json_string(f[i].commit));
		json_object_set_new(o, "properties", props);
		json_array_append_new(results, o);
	}
	buf_release(&b);
	json_object_set_new(driver, "name", json_string("k3sguard"));
	json_object_set_new(driver, "version", json_string(K3SGUARD_VERSION));
	json_object_set_new(driver, "rules", rules);
	json_object_set_new(tool, "driver", driver);
	json_object_set_new(run, "tool", tool);
	json_object_set_new(inv, "executionSuccessful", json_boolean(ok));
	json_object_set_new(run, "invocations", json_pack("[o]", inv));
	json_object_set_new(run, "columnKind", json_string("unicodeCodePoints"));
	if (srcroot)
		json_object_set_new(run, "originalUriBaseIds", json_pack("{s:{s:s}}",
		    "%SRCROOT%", "uri", srcroot));
	json_object_set_new(run, "results", results);
	json_object_set_new(root, "$schema", json_string(
	    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"));
	json_object_set_new(root, "version", json_string("2.1.0"));
	json_object_set_new(root, "runs", json_pack("[o]", run));
	return dump_json(root);
}

