/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pki.c: CA, certificates and keys for etcd with OpenSSL 3.  See pki.h.
 */
#include "core/k3sguard.h"
#include "core/pki.h"
#include "core/file.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PEM_MAX (64u << 10)

static const char *
ossl_err(void)
{
	static char msg[160];
	unsigned long e = ERR_peek_last_error();

	if (!e)
		return "unknown OpenSSL error";
	ERR_error_string_n(e, msg, sizeof(msg));
	ERR_clear_error();
	return msg;
}

static int
valid_dns(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || (c == '*' && i == 0)))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0;
}

int
pki_sans_add(struct pki_sans *s, const char *name)
{
	unsigned char tmp[16];

	if (inet_pton(AF_INET, name, tmp) == 1 || inet_pton(AF_INET6, name, tmp) == 1) {
		for (size_t i = 0; i < s->nip; i++)
			if (!strcmp(s->ip[i], name))
				return 0;
		if (s->nip == PKI_MAX_SANS)
			return error("too many IP addresses (at most %d)", PKI_MAX_SANS);
		s->ip[s->nip++] = xstrdup(name);
		return 0;
	}
	if (!valid_dns(name))
		return error("'%s' is neither an IP address nor a DNS name", name);
	for (size_t i = 0; i < s->ndns; i++)
		if (!strcasecmp(s->dns[i], name))
			return 0;
	if (s->ndns == PKI_MAX_SANS)
		return error("too many DNS names (at most %d)", PKI_MAX_SANS);
	s->dns[s->ndns++] = xstrdup(name);
	return 0;
}

void
pki_sans_free(struct pki_sans *s)
{
	for (size_t i = 0; i < s->ndns; i++)
		free(s->dns[i]);
	for (size_t i = 0; i < s->nip; i++)
		free(s->ip[i]);
	s->ndns = s->nip = 0;
}

/* Write a private key as PKCS#8 PEM, 0600, atomically, from wiped memory. */
static int
write_key(const char *path, EVP_PKEY *key)
{
	BIO *b = BIO_new(BIO_s_secmem());
	char *data;
	long len;
	int ret = -1;

	if (!b)
		fatal("out of memory");
	if (!PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)) {
		error("cannot encode key for '%s': %s", path, ossl_err());
		goto out;
	}
	len = BIO_get_mem_data(b, &data);
	ret = file_write_atomic(path, data, (size_t)len, 0600);
out:
	BIO_free(b);	/* secure memory: cleared on free */
	return ret;
}

static int
write_cert(const char *path, X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long len;
	int ret = -1;

	if (!b)
		fatal("out of memory");
	if (!PEM_write_bio_X509(b, x)) {
		error("cannot encode certificate '%s': %s", path, ossl_err());
		goto out;
	}
	len = BIO_get_mem_data(b, &data);
	ret = file_write_atomic(path, data, (size_t)len, 0644);
out:
	BIO_free(b);
	return ret;
}

static X509 *
read_cert(const char *path)
{
	struct buf pem = BUF_INIT;
	X509 *x = NULL;
	BIO *b;

	if (file_read(path, PEM_MAX, &pem, NULL) < 0)
		return NULL;
	b = BIO_new_mem_buf(pem.s, (int)pem.len);
	if (!b)
		fatal("out of memory");
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	if (!x)
		error("'%s' is not a PEM certificate: %s", path, ossl_err());
	BIO_free(b);
	buf_release(&pem);
	return x;
}

/* A private key file: not a symlink, not readable by group or others. */
static EVP_PKEY *
read_key(const char *path)
{
	struct buf pem = BUF_INIT;
	struct stat st;
	EVP_PKEY *k = NULL;
	BIO *b;
	char m[8];

	if (file_read(path, PEM_MAX, &pem, &st) < 0)
		return NULL;
	if (st.st_mode & 077) {
		error("key '%s' is accessible by group or others (mode %s); "
		    "it must be 0600", path, mode_str(st.st_mode, m));
		goto out;
	}
	b = BIO_new_mem_buf(pem.s, (int)pem.len);
	if (!b)
		fatal("out of memory");
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	if (!k)
		error("'%s' is not an unencrypted PEM private key: %s", path,
		    ossl_err());
	BIO_free(b);
out:
	buf_wipe(&pem);
	return k;
}

static EVP_PKEY *
new_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	if (!k)
		error("cannot generate an ECDSA P-256 key: %s", ossl_err());
	return k;
}

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return error("cannot build extension %s=%s: %s", OBJ_nid2sn(nid),
		    value, ossl_err());
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return 0;
}

/* A certificate skeleton: version 3, random serial, validity, subject. */
static X509 *
new_cert(EVP_PKEY *key, const char *cn, int days)
{
	X509 *x = X509_new();
	unsigned char serial[16];
	BIGNUM *bn;
	X509_NAME *name;

	if (!x)
		fatal("out of memory");
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		fatal("no randomness for a certificate serial");
	serial[0] &= 0x7f;	/* positive */
	serial[0] |= 0x01;	/* and 16 bytes long */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		fatal("out of memory");
	BN_free(bn);
	X509_set_version(x, X509_VERSION_3);
	/* five minutes back for clocks that lag a little */
	X509_gmtime_adj(X509_getm_notBefore(x), -300);
	X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"k3sguard", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_pubkey(x, key);
	return x;
}

int
pki_create_ca(const char *cert_path, const char *key_path, const char *cn,
    int days)
{
	EVP_PKEY *key = new_key();
	X509 *x = NULL;
	int ret = -1;

	if (!key)
		return -1;
	x = new_cert(key, cn, days);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	if (add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") < 0 ||
	    add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") < 0 ||
	    add_ext(x, x, NID_subject_key_identifier, "hash") < 0 ||
	    add_ext(x, x, NID_authority_key_identifier, "keyid:always") < 0)
		goto out;
	if (!X509_sign(x, key, EVP_sha256())) {
		error("cannot sign the CA certificate: %s", ossl_err());
		goto out;
	}
	if (write_key(key_path, key) < 0 || write_cert(cert_path, x) < 0)
		goto out;
	ret = 0;
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return ret;
}

static void
sans_string(const struct pki_sans *s, struct buf *out)
{
	for (size_t i = 0; i < s->nip; i++)
		buf_addf(out, "%sIP:%s", out->len ? "," : "", s->ip[i]);
	for (size_t i = 0; i < s->ndns; i++)
		buf_addf(out, "%sDNS:%s", out->len ? "," : "", s->dns[i]);
}

int
pki_issue(const char *ca_cert, const char *ca_key, enum pki_kind kind,
    const char *cn, const struct pki_sans *sans, int days,
    const char *cert_path, const char *key_path)
{
	X509 *ca = NULL, *x = NULL;
	EVP_PKEY *cakey = NULL, *key = NULL;
	struct buf san = BUF_INIT;
	const char *eku;
	int ret = -1;

	if (kind == PKI_CA)
		return error("pki_issue cannot make a CA");
	if ((kind == PKI_SERVER || kind == PKI_PEER) &&
	    (!sans || sans->nip + sans->ndns == 0))
		return error("certificate for '%s' needs at least one IP or DNS name", cn);
	if (!(ca = read_cert(ca_cert)) || !(cakey = read_key(ca_key)))
		goto out;
	if (X509_check_private_key(ca, cakey) != 1) {
		error("CA key '%s' does not belong to CA certificate '%s'", ca_key,
		    ca_cert);
		ERR_clear_error();
		goto out;
	}
	if (!(key = new_key()))
		goto out;
	x = new_cert(key, cn, days);
	X509_set_issuer_name(x, X509_get_subject_name(ca));
	eku = kind == PKI_CLIENT ? "clientAuth" : "serverAuth,clientAuth";
	if (add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
	    add_ext(x, ca, NID_key_usage, "critical,digitalSignature") < 0 ||
	    add_ext(x, ca, NID_ext_key_usage, eku) < 0 ||
	    add_ext(x, ca, NID_subject_key_identifier, "hash") < 0 ||
	    add_ext(x, ca, NID_authority_key_identifier, "keyid:always") < 0)
		goto out;
	if (sans && sans->nip + sans->ndns > 0) {
		sans_string(sans, &san);
		if (add_ext(x, ca, NID_subject_alt_name, san.s) < 0)
			goto out;
	}
	if (!X509_sign(x, cakey, EVP_sha256())) {
		error("cannot sign the certificate for '%s': %s", cn, ossl_err());
		goto out;
	}
	if (write_key(key_path, key) < 0 || write_cert(cert_path, x) < 0)
		goto out;
	ret = 0;
out:
	buf_release(&san);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
	return ret;
}

static time_t
asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!ASN1_TIME_to_tm(t, &tm))
		return 0;
	return timegm(&tm);
}

int
pki_inspect(const char *cert_path, const char *ca_path, const char *key_path,
    struct pki_info *out)
{
	X509 *x = read_cert(cert_path), *ca = NULL;
	GENERAL_NAMES *gens;
	EXTENDED_KEY_USAGE *eku;

	memset(out, 0, sizeof(*out));
	if (!x)
		return -1;
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
	    out->cn, sizeof(out->cn));
	out->is_ca = X509_check_ca(x) > 0;
	out->not_before = asn1_time(X509_get0_notBefore(x));
	out->not_after = asn1_time(X509_get0_notAfter(x));
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	if (eku) {
		out->has_eku = 1;
		for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
			int nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));

			out->server_auth |= nid == NID_server_auth;
			out->client_auth |= nid == NID_client_auth;
		}
		EXTENDED_KEY_USAGE_free(eku);
	}
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char txt[INET6_ADDRSTRLEN];

		if (g->type == GEN_DNS && out->sans.ndns < PKI_MAX_SANS) {
			const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
			int n = ASN1_STRING_length(g->d.dNSName);

			out->sans.dns[out->sans.ndns++] = xstrndup((const char *)d,
			    (size_t)n);
		} else if (g->type == GEN_IPADD && out->sans.nip < PKI_MAX_SANS) {
			int n = ASN1_STRING_length(g->d.iPAddress);
			const unsigned char *d = ASN1_STRING_get0_data(g->d.iPAddress);

			if ((n == 4 && inet_ntop(AF_INET, d, txt, sizeof(txt))) ||
			    (n == 16 && inet_ntop(AF_INET6, d, txt, sizeof(txt))))
				out->sans.ip[out->sans.nip++] = xstrdup(txt);
		}
	}
	GENERAL_NAMES_free(gens);

	if (ca_path) {
		X509_STORE *store = X509_STORE_new();
		X509_STORE_CTX *ctx = X509_STORE_CTX_new();

		if (!store || !ctx)
			fatal("out of memory");
		if ((ca = read_cert(ca_path)) == NULL) {
			snprintf(out->chain_err, sizeof(out->chain_err),
			    "cannot read CA '%s'", ca_path);
		} else {
			X509_STORE_add_cert(store, ca);
			X509_STORE_CTX_init(ctx, store, x, NULL);
			if (X509_verify_cert(ctx) == 1)
				out->chain_ok = 1;
			else
				snprintf(out->chain_err, sizeof(out->chain_err), "%s",
				    X509_verify_cert_error_string(
				    X509_STORE_CTX_get_error(ctx)));
		}
		X509_STORE_CTX_free(ctx);
		X509_STORE_free(store);
	}
	if (key_path) {
		EVP_PKEY *k;

		out->key_checked = 1;
		quiet_errors++;
		k = read_key(key_path);
		quiet_errors--;
		if (!k) {
			snprintf(out->key_err, sizeof(out->key_err), "%s", last_error());
		} else if (X509_check_private_key(x, k) != 1) {
			snprintf(out->key_err, sizeof(out->key_err),
			    "key '%s' does not match the certificate", key_path);
			ERR_clear_error();
		} else {
			out->key_matches = 1;
		}
		EVP_PKEY_free(k);
	}
	X509_free(ca);
	X509_free(x);
	ERR_clear_error();
	return 0;
}

void
pki_info_free(struct pki_info *i)
{
	pki_sans_free(&i->sans);
}

int
pki_check_pair(const char *cert_path, const char *key_path)
{
	X509 *x = read_cert(cert_path);
	EVP_PKEY *k = NULL;
	int ret = -1;

	if (!x)
		return -1;
	if (!(k = read_key(key_path)))
		goto out;
	if (X509_check_private_key(x, k) != 1) {
		ERR_clear_error();
		error("key '%s' does not match certificate '%s'", key_path, cert_path);
		goto out;
	}
	ret = 0;
out:
	EVP_PKEY_free(k);
	X509_free(x);
	return ret;
}

int
pki_cert_cn(const char *cert_path, char *out, size_t outsz)
{
	X509 *x = read_cert(cert_path);

	out[0] = '\0';
	if (!x)
		return -1;
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
	    out, (int)outsz) < 0)
		out[0] = '\0';
	X509_free(x);
	return 0;
}

int
pki_cert_fingerprint(const char *cert_path, char out[65])
{
	X509 *x = read_cert(cert_path);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!x)
		return -1;
	if (!X509_digest(x, EVP_sha256(), md, &n) || n != 32) {
		X509_free(x);
		return error("cannot hash certificate '%s'", cert_path);
	}
	hex_encode(md, 32, out);
	X509_free(x);
	return 0;
}
