/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-cmd.h: what the `k3sguard etcd` sub-verb parsers share (src/cmd/
 * etcd-*.c): their entry points (the table is src/cmd/etcd.c) and the
 * connection options --endpoints --cacert --cert --key --timeout.
 */
#ifndef K3SGUARD_CMD_ETCD_CMD_H
#define K3SGUARD_CMD_ETCD_CMD_H

#include "etcd/etcd-cli.h"

/* sub-verbs: argv[0] is the sub-verb's name */
int cmd_etcd_pki(int argc, char **argv);
int cmd_etcd_provision(int argc, char **argv);
int cmd_etcd_rbac(int argc, char **argv);
int cmd_etcd_health(int argc, char **argv);
int cmd_etcd_datastore_config(int argc, char **argv);
int cmd_etcd_snapshot(int argc, char **argv);
int cmd_etcd_isolate(int argc, char **argv);

/* connection options, in a getopt table's order */
enum {
	OPT_ETCD_ENDPOINTS = 1100,
	OPT_ETCD_CACERT,
	OPT_ETCD_CERT,
	OPT_ETCD_KEY,
	OPT_ETCD_TIMEOUT,
	OPT_ETCD_SUB_FIRST	/* sub-verbs number their own from here */
};

#define ETCD_CONN_LONG_OPTIONS \
	{ "endpoints", required_argument, NULL, OPT_ETCD_ENDPOINTS }, \
	{ "cacert", required_argument, NULL, OPT_ETCD_CACERT }, \
	{ "cert", required_argument, NULL, OPT_ETCD_CERT }, \
	{ "key", required_argument, NULL, OPT_ETCD_KEY }, \
	{ "timeout", required_argument, NULL, OPT_ETCD_TIMEOUT }

#define ETCD_CONN_USAGE \
"connection (defaults: etcd.endpoints, etcd.cacert, etcd.cert, etcd.key in\n" \
"k3sguard's config):\n" \
"  --endpoints URLS   https://HOST:PORT[,...] (every member's client URL)\n" \
"  --cacert FILE      the CA that signed the members' certificates\n" \
"  --cert FILE        client certificate (its CN is the etcd user)\n" \
"  --key FILE         its private key (0600)\n" \
"  --timeout SECONDS  per call (default 5)\n"

/* 1 when c was a connection option (applied), 0 if not; exits 64 on a bad value. */
int etcd_conn_option(struct etcd_conn *o, int c, const char *arg);

/* --format text|json; exits 64 on anything else. */

/* Exit 64 when argv has operands left after the options. */
void no_operands(int argc, char **argv);

#endif
