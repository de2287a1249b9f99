/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version.h: K3s (and Traefik) version strings, parsed and ordered.
 *
 * K3s: vMAJ.MIN.PATCH[-rcN]+k3sN, e.g. "v1.32.11+k3s3" (shared/reference/
 * k3s.md, "Updates").  Order: major, minor, patch numerically; then the
 * pre-release (a release sorts after every rc of it, rc1 < rc2); then the
 * number after "k3s" (+k3s2 > +k3s1).  Semver libraries ignore the build
 * metadata and get the last step wrong, hence this file.
 *
 * The same parser reads Traefik image tags ("v2.11.24", "3.6.9") and the
 * fixed-in versions of the advisory table ("1.24.17"): a missing +k3sN
 * part is k3s == 0, which sorts before every +k3sN of the same release.
 */
#ifndef K3SGUARD_VERSION_H
#define K3SGUARD_VERSION_H

#define VERSION_STR_MAX 48

struct version {
	long major, minor, patch;
	long rc;	/* 0: a release; N: -rcN */
	long k3s;	/* N of +k3sN; 0: absent */
};

/*
 * Parse s as a whole ("v" optional, surrounding space refused).  0, or -1
 * with no message: callers say where the string came from.
 */
int version_parse(const char *s, struct version *v);
/* Like version_parse but the "+k3sN" part is required. */
int version_parse_k3s(const char *s, struct version *v);

/* <0, 0, >0 like strcmp. */
int version_cmp(const struct version *a, const struct version *b);
/* Same release line (major.minor). */
int version_same_minor(const struct version *a, const struct version *b);

/* "v1.32.11+k3s3" / "v1.32.0-rc1+k3s1" / "v3.6.9" (k3s == 0). */
const char *version_str(const struct version *v, char out[VERSION_STR_MAX]);

/*
 * The version in the output of `k3s --version`
 * ("k3s version v1.32.11+k3s3 (abcdef12)\ngo version ..."): 0, or -1
 * when the first line does not hold one.
 */
int version_from_k3s_output(const char *text, struct version *v);

#endif
