/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pki.h: the X.509 pieces of an etcd cluster's PKI (OpenSSL 3).
 *
 * Keys are ECDSA P-256.  A certificate is one of three kinds, with the key
 * usages etcd needs:
 *   PKI_SERVER  serverAuth AND clientAuth (a member's own gateway dials its
 *               gRPC port with this certificate), SANs required;
 *   PKI_PEER    serverAuth and clientAuth (peers dial each other), SANs;
 *   PKI_CLIENT  clientAuth only; the CN is the etcd user (root, k3s).
 * Invariants: private keys are written 0600 with file_write_atomic() from
 * wiped memory; a certificate is written only after its key; nothing here
 * reads a key that is a symlink or group/other readable.
 */
#ifndef K3SGUARD_PKI_H
#define K3SGUARD_PKI_H

#include <stddef.h>
#include <time.h>

#include "core/buf.h"

enum pki_kind { PKI_CA, PKI_SERVER, PKI_PEER, PKI_CLIENT };

#define PKI_MAX_SANS 32
#define PKI_DEFAULT_DAYS 825
#define PKI_CA_DAYS 3650
#define PKI_WARN_DAYS 30

struct pki_sans {
	char *dns[PKI_MAX_SANS];
	size_t ndns;
	char *ip[PKI_MAX_SANS];	/* textual, validated with inet_pton */
	size_t nip;
};

/* Add "10.0.0.1" (IP) or "etcd1.example" (DNS) to sans after validating it. */
int pki_sans_add(struct pki_sans *s, const char *name);
void pki_sans_free(struct pki_sans *s);

/* A new CA: self-signed, CA:TRUE pathlen 0, keyCertSign+cRLSign. */
int pki_create_ca(const char *cert_path, const char *key_path, const char *cn,
    int days);

/*
 * Issue a certificate of kind signed by the CA (files), with a fresh key.
 * Key first (0600), then certificate (0644).
 */
int pki_issue(const char *ca_cert, const char *ca_key, enum pki_kind kind,
    const char *cn, const struct pki_sans *sans, int days,
    const char *cert_path, const char *key_path);

/* What pki_inspect() found in one certificate. */
struct pki_info {
	char cn[256];
	int is_ca;
	int server_auth, client_auth;	/* extended key usages present */
	int has_eku;			/* an EKU extension at all */
	struct pki_sans sans;
	time_t not_before, not_after;
	int chain_ok;			/* verifies against the CA at the check time */
	char chain_err[128];		/* why not */
	int key_checked, key_matches;	/* when a key was given */
	char key_err[160];
};

/*
 * Inspect cert_path; verify it against ca_path (NULL: skip); check that
 * key_path (NULL: skip) holds its private key.  -1 only when the
 * certificate itself cannot be read (error() says why).
 */
int pki_inspect(const char *cert_path, const char *ca_path, const char *key_path,
    struct pki_info *out);
void pki_info_free(struct pki_info *i);

/* 0 when key_path holds the private key of cert_path, else -1 with error(). */
int pki_check_pair(const char *cert_path, const char *key_path);

/* The CN of a certificate file into out ("" if none); -1 if unreadable. */
int pki_cert_cn(const char *cert_path, char *out, size_t outsz);

/* SHA-256 of the DER certificate, hex (65 bytes). */
int pki_cert_fingerprint(const char *cert_path, char out[65]);

#endif
