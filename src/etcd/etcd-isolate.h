/*
 * etcd-isolate.h: `k3sguard etcd isolate` (a row in cmd-etcd.c's sub-verb
 * table): nftables isolation of etcd's ports, its status and a probe.
 */
#ifndef K3SGUARD_ETCD_ISOLATE_H
#define K3SGUARD_ETCD_ISOLATE_H

int etcd_isolate_main(int argc, char **argv);

#endif
