/* SPDX-License-Identifier: Apache-2.0 */
/*
 * u-traefik.c: the Helm values merge, and the HelmChartConfig that harden
 * writes parsed back by libyaml (yaml_parse) and checked key by key for
 * each chart generation.  Fixtures: tests/fixtures/traefik/<gen>/.
 */
#include "core/k3sguard.h"
#include "traefik/traefik.h"
#include "traefik/traefik-yaml.h"
#include "core/run.h"
#include "unit.h"

static char tmpdir[] = "/tmp/u-traefik.XXXXXX";

static void
copy(const char *from, const char *to)
{
	struct buf b = BUF_INIT;

	if (file_read(from, CONFIG_MAX, &b, NULL) < 0 ||
	    file_write_atomic(to, b.s, b.len, 0600) < 0)
		fatal("fixture '%s'", from);
	buf_release(&b);
}

/* A manifests dir with gen's traefik.yaml and (state) its HelmChartConfig. */
static const char *
setup(const char *gen, const char *state)
{
	static char dir[256];
	const char *top = getenv("TOP") ? getenv("TOP") : ".";
	char *p, *q;

	snprintf(dir, sizeof(dir), "%s/%s-%s", tmpdir, gen, state ? state : "none");
	if (mkdir_p(dir, 0700) < 0)
		fatal("mkdir");
	p = xasprintf("%s/tests/fixtures/traefik/%s/traefik.yaml", top, gen);
	q = xasprintf("%s/traefik.yaml", dir);
	copy(p, q);
	free(p);
	free(q);
	if (state) {
		p = xasprintf("%s/tests/fixtures/traefik/%s/%s.yaml", top, gen, state);
		q = xasprintf("%s/traefik-config.yaml", dir);
		copy(p, q);
		free(p);
		free(q);
	}
	return dir;
}

static const struct ynode *
harden_values(const char *gen, const char *state, struct ydocs *out, struct ydocs *vals)
{
	struct traefik t;
	struct harden_opts o = { .dashboard = DASH_OFF, .waf = strcmp(gen, "gen27") != 0 };
	struct buf text = BUF_INIT, ch = BUF_INIT;
	char *target = NULL;
	int same;
	const struct ynode *vc;

	CHECK(traefik_load(&t, setup(gen, state), NULL) == 0);
	CHECK(traefik_harden(&t, &o, &target, &text, &ch, &same) == 0);
	CHECK(target && ends_with(target, "/traefik-config.yaml"));
	CHECK(yaml_parse("harden output", text.s, text.len, out) == 0);
	CHECK(out->n >= 1 && out->doc[0]);
	CHECK_STR(yscalar(ypath(out->doc[0], "kind")), "HelmChartConfig");
	CHECK_STR(yscalar(ypath(out->doc[0], "apiVersion")), "helm.cattle.io/v1");
	CHECK_STR(yscalar(ypath(out->doc[0], "metadata.name")), "traefik");
	CHECK_STR(yscalar(ypath(out->doc[0], "metadata.namespace")), "kube-system");
	vc = ypath(out->doc[0], "spec.valuesContent");
	CHECK(vc && vc->type == Y_SCALAR);
	CHECK(vc && yaml_parse("valuesContent", vc->str, vc->len, vals) == 0 && vals->n == 1);
	free(target);
	buf_release(&text);
	buf_release(&ch);
	traefik_free(&t);
	return vals->n ? vals->doc[0] : NULL;
}

static int
seq_has(const struct ynode *s, const char *v)
{
	for (size_t i = 0; s && s->type == Y_SEQ && i < s->n; i++)
		if (yscalar(s->vals[i]) && !strcmp(yscalar(s->vals[i]), v))
			return 1;
	return 0;
}

static const struct ynode *
extra_object(const struct ynode *v, const char *name)
{
	const struct ynode *xo = ymap_get(v, "extraObjects");

	for (size_t i = 0; xo && i < xo->n; i++)
		if (yscalar(ypath(xo->vals[i], "metadata.name")) &&
		    !strcmp(yscalar(ypath(xo->vals[i], "metadata.name")), name))
			return xo->vals[i];
	return NULL;
}

static void
common_keys(const struct ynode *v)
{
	const struct ynode *rl = extra_object(v, "ratelimit");

	CHECK(ybool(ypath(v, "ingressRoute.dashboard.enabled")) != 1);	/* off, or the chart default (off) */
	CHECK_STR(yscalar(ypath(v, "tlsOptions.default.minVersion")), "VersionTLS12");
	CHECK(ypath(v, "tlsOptions.default.cipherSuites") != NULL);
	CHECK(rl != NULL);
	CHECK_STR(yscalar(ypath(rl, "apiVersion")), "traefik.io/v1alpha1");
	CHECK_STR(yscalar(ypath(rl, "kind")), "Middleware");
	CHECK_STR(yscalar(ypath(rl, "spec.rateLimit.average")), "100");
	CHECK_STR(yscalar(ypath(rl, "spec.rateLimit.burst")), "200");
	CHECK(ybool(ypath(v, "logs.access.enabled")) == 1);
}

static void
test_gen27_keys(void)
{
	struct ydocs d, vals;
	const struct ynode *v = harden_values("gen27", "insecure", &d, &vals);

	common_keys(v);
	CHECK_STR(yscalar(ypath(v, "ports.web.redirectTo.port")), "websecure");
	CHECK(ypath(v, "ports.web.redirections") == NULL);
	CHECK(seq_has(ypath(v, "ports.websecure.middlewares"), "kube-system-ratelimit@kubernetescrd"));
	CHECK(ypath(v, "api.insecure") == NULL);	/* no such key before chart 38 */
	CHECK(!seq_has(ypath(v, "additionalArguments"), "--api.insecure=true"));
	CHECK(seq_has(ypath(v, "additionalArguments"), "--log.level=DEBUG"));
	CHECK(ybool(ypath(v, "hostNetwork")) == 0);
	CHECK(extra_object(v, "waf") == NULL);
	ydocs_free(&d);
	ydocs_free(&vals);
}

static void
test_gen34_keys(void)
{
	struct ydocs d, vals;
	const struct ynode *v = harden_values("gen34", "insecure", &d, &vals);

	common_keys(v);
	CHECK_STR(yscalar(ypath(v, "ports.web.redirections.entryPoint.to")), "websecure");
	CHECK_STR(yscalar(ypath(v, "ports.web.redirections.entryPoint.scheme")), "https");
	CHECK(ybool(ypath(v, "ports.web.redirections.entryPoint.permanent")) == 1);
	CHECK(ypath(v, "ports.web.redirectTo") == NULL);
	CHECK(seq_has(ypath(v, "ports.websecure.middlewares"), "kube-system-ratelimit@kubernetescrd"));
	CHECK(seq_has(ypath(v, "ports.websecure.middlewares"), "kube-system-waf@kubernetescrd"));
	/*
	 * api.insecure is a chart value only from 39.0.1 (chart 38's templates
	 * never read it: t5030, docs/k3s-fidelity.md 7i): harden neither
	 * writes it nor touches the user's key there.
	 */
	CHECK(ybool(ypath(v, "api.insecure")) == 1);
	CHECK(!seq_has(ypath(v, "tlsOptions.default.cipherSuites"), "TLS_RSA_WITH_AES_128_CBC_SHA"));
	CHECK_STR(yscalar(ypath(v, "podSecurityContext.runAsUser")), "65532");
	CHECK(extra_object(v, "waf") && ypath(extra_object(v, "waf"), "spec.plugin.coraza.directives"));
	CHECK_STR(yscalar(ypath(v, "experimental.plugins.coraza.moduleName")),
	    "github.com/jcchavezs/coraza-http-wasm-traefik");
	ydocs_free(&d);
	ydocs_free(&vals);
}

static void
test_gen39_keys(void)
{
	struct ydocs d, vals;
	const struct ynode *v = harden_values("gen39", NULL, &d, &vals);

	common_keys(v);
	CHECK_STR(yscalar(ypath(v, "ports.web.http.redirections.entryPoint.to")), "websecure");
	CHECK(ypath(v, "ports.web.redirections") == NULL);
	CHECK(seq_has(ypath(v, "ports.websecure.http.middlewares"),
	    "kube-system-ratelimit@kubernetescrd"));
	CHECK(ypath(v, "ports.websecure.middlewares") == NULL);
	ydocs_free(&d);
	ydocs_free(&vals);
}

static void
test_merge(void)
{
	struct traefik t;

	/* defaults < HelmChart < HelmChartConfig */
	CHECK(traefik_load(&t, setup("gen27", "partial"), NULL) == 0);
	CHECK(t.gen == TGEN_27 && t.chart_major == 27);
	CHECK_STR(t.chart_version, "27.0.201+up27.0.2");
	CHECK_STR(yscalar(tval(&t, "ports.web.port")), "8000");		/* chart default */
	CHECK_STR(yscalar(tval(&t, "image.tag")), "2.11.32");		/* HelmChart */
	CHECK(ybool(tval(&t, "ingressRoute.dashboard.enabled")) == 0);	/* HelmChartConfig */
	CHECK(ybool(tval(&t, "ingressRoute.dashboard.enabled")) == 0);
	CHECK(seq_has(tval(&t, "ingressRoute.dashboard.entryPoints"), "traefik"));
	CHECK(ends_with(twhere(&t, "logs.access.format"), "/traefik-config.yaml:19"));
	CHECK_STR(twhere(&t, "ports.web.port"), "chart default");
	CHECK_STR(traefik_key(&t, "redirect"), "ports.web.redirectTo.port");
	traefik_free(&t);
	CHECK(traefik_gen_of(33) == TGEN_27 && traefik_gen_of(34) == TGEN_34 &&
	    traefik_gen_of(38) == TGEN_34 && traefik_gen_of(39) == TGEN_39 &&
	    traefik_gen_of(0) == TGEN_UNKNOWN);
}

static void
test_helm_null_deletes(void)
{
	static const char sa[] = "x: {y: 1, z: 2}\nl: [1, 2]\n";
	static const char sb[] = "x: {y: null, w: 3}\nl: [9]\n";
	struct ydocs a, b;
	struct ynode *dst;

	if (yaml_parse("a", sa, strlen(sa), &a) < 0 || yaml_parse("b", sb, strlen(sb), &b) < 0) {
		CHECK(!"parse");
		return;
	}
	dst = ycopy(a.doc[0]);
	ymerge(dst, b.doc[0]);
	CHECK(ypath(dst, "x.y") == NULL);
	CHECK_STR(yscalar(ypath(dst, "x.z")), "2");
	CHECK_STR(yscalar(ypath(dst, "x.w")), "3");
	CHECK(ymap_get(dst, "l")->n == 1);	/* lists replace */
	ynode_free(dst);
	ydocs_free(&a);
	ydocs_free(&b);
}

static void
test_emit_round_trip(void)
{
	static const char src[] = "a: \"true\"\nb: true\nc: \"007\"\nd: [x, \"y: z\"]\ne: {}\n"
	    "f: \"multi\\nline\\n\"\n";
	struct ydocs d, d2;
	struct buf out = BUF_INIT;

	CHECK(yaml_parse("src", src, strlen(src), &d) == 0);
	CHECK(yaml_emit(d.doc, d.n, &out) == 0);
	CHECK(yaml_parse("out", out.s, out.len, &d2) == 0);
	CHECK(d2.n == 1 && yequal(d.doc[0], d2.doc[0]));
	CHECK(ybool(ypath(d2.doc[0], "b")) == 1 && !ypath(d2.doc[0], "a")->plain);
	ydocs_free(&d);
	ydocs_free(&d2);
	buf_release(&out);
}

/* A "\0" escape is a byte of the value: len counts it and str holds it
 * (before, str was cut at the NUL while len was not, and a valuesContent
 * with one was parsed past its end: fuzz-cluster-objects). */
static void
test_scalar_nul(void)
{
	static const char src[] = "a: \"x\\0y\"\nvaluesContent: \"k: v\\0\\0\\0\\0\\0\\0\\0\\0\"\n";
	struct ydocs d, v;
	const struct ynode *a, *vc;

	CHECK(yaml_parse("src", src, strlen(src), &d) == 0 && d.n == 1);
	a = ypath(d.doc[0], "a");
	CHECK(a && a->len == 3 && !memcmp(a->str, "x\0y", 4));
	vc = ypath(d.doc[0], "valuesContent");
	CHECK(vc && vc->len == 12 && !memcmp(vc->str, "k: v\0\0\0\0\0\0\0\0", 13));
	/* libyaml refuses the NUL: an error, never a read past the value */
	CHECK(vc && yaml_parse("valuesContent", vc->str, vc->len, &v) < 0);
	ydocs_free(&d);
}

int
main(void)
{
	/* advisories lookups read the config: not this host's */
	gopt.config = "/nonexistent/k3sguard/config.yaml";
	if (!mkdtemp(tmpdir))
		fatal("mkdtemp");
	T(test_merge);
	T(test_helm_null_deletes);
	T(test_emit_round_trip);
	T(test_scalar_nul);
	T(test_gen27_keys);
	T(test_gen34_keys);
	T(test_gen39_keys);
	{
		const char *cmd[] = { "rm", "-rf", tmpdir, NULL };
		struct run_opts o = { .argv = cmd, .search_path = 1 };
		int st;

		run_cmd(&o, &st);
	}
	return UNIT_DONE();
}
