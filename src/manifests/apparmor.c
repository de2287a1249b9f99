/* SPDX-License-Identifier: Apache-2.0 */
/*
 * apparmor.c: the K3s AppArmor profile (see apparmor.h).
 *
 * K3s is kubelet, containerd, flannel, kube-proxy and the API server in one
 * process tree: it mounts, makes namespaces and cgroups, runs iptables and
 * hands containers to their own profiles.  Those are allowed as classes;
 * what this profile confines is where K3s may WRITE on the filesystem.
 */
#include "core/k3sguard.h"
#include "manifests/apparmor.h"

/* Only characters with no meaning in AppArmor path rules. */
static int
aa_path_ok(const char *p)
{
	if (p[0] != '/' || strstr(p, "//") || strstr(p, "/../") || ends_with(p, "/.."))
		return 0;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/._+-@", *p))
			return 0;
	return 1;
}

char *
apparmor_profile_name(const char *k3s_bin)
{
	char *s = xstrdup(k3s_bin[0] == '/' ? k3s_bin + 1 : k3s_bin);

	for (char *p = s; *p; p++)
		if (*p == '/')
			*p = '.';
	return s;
}

int
apparmor_profile(struct buf *o, const char *k3s_bin, const char *data_dir, int enforce)
{
	char *dd;
	size_t n;

	if (!aa_path_ok(k3s_bin))
		return error("k3s binary path '%s' has characters an AppArmor rule cannot take as they are", k3s_bin);
	if (!aa_path_ok(data_dir))
		return error("data dir '%s' has characters an AppArmor rule cannot take as they are", data_dir);
	n = strlen(data_dir);
	while (n > 1 && data_dir[n - 1] == '/')
		n--;
	dd = xstrndup(data_dir, n);

	buf_addf(o,
"# AppArmor profile for K3s (%s), written by k3sguard %s.\n"
"# Generated with: k3sguard apparmor profile --mode %s\n"
"# Load:  apparmor_parser -r /etc/apparmor.d/<this file>, then restart K3s.\n"
"# Start in complain mode, read the denials (journalctl -k | grep apparmor),\n"
"# then switch to enforce.  K3s ships no profile of its own.\n"
"abi <abi/3.0>,\n"
"include <tunables/global>\n"
"\n"
"@{K3S_DATA}=%s\n"
"\n"
"profile k3s %s flags=(attach_disconnected,mediate_deleted%s) {\n"
"  include <abstractions/base>\n"
"  include <abstractions/nameservice>\n"
"  include <abstractions/ssl_certs>\n"
"\n"
"  # Kubelet, containerd, flannel and kube-proxy manage mounts, namespaces,\n"
"  # cgroups, netfilter and containers: these classes are allowed whole.\n"
"  capability,\n"
"  network,\n"
"  mount,\n"
"  remount,\n"
"  umount,\n"
"  pivot_root,\n"
"  ptrace,\n"
"  signal,\n"
"  unix,\n"
"  dbus,\n"
"  # containerd hands every container to its own profile (cri-containerd.apparmor.d)\n"
"  change_profile -> **,\n"
"\n"
"  # programs: K3s, what it unpacks into its data dir, host tools it runs\n"
"  # (iptables, nft, ip, modprobe, mount); they stay in this profile (ix)\n"
"  %s mrix,\n"
"  @{K3S_DATA}/data/** mrix,\n"
"  /{usr/,}{s,}bin/* mrix,\n"
"  /{usr/,}lib{,32,64}/** mr,\n"
"  /usr/share/** r,\n"
"  /lib/modules/** r,\n"
"\n"
"  # kernel interfaces: sysctls, cgroups, devices, bpf\n"
"  @{PROC}/** rw,\n"
"  /sys/** rw,\n"
"  /dev/** rwk,\n"
"  /run/xtables.lock rwk,\n"
"  /tmp/** rwlk,\n"
"  /var/tmp/** rwlk,\n"
"\n"
"  # configuration: readable; only K3s's kubeconfig and node password written\n"
"  /etc/** r,\n"
"  deny /etc/{shadow,gshadow}{,-} r,\n"
"  /etc/rancher/k3s/k3s.yaml* rwk,\n"
"  /etc/rancher/node/ rw,\n"
"  /etc/rancher/node/password* rw,\n"
"\n"
"  # runtime state (reference: /run/k3s, /run/flannel, /run/netns)\n"
"  /run/k3s/ rw,\n"
"  /run/k3s/** rwlkm,\n"
"  /run/flannel/ rw,\n"
"  /run/flannel/** rwk,\n"
"  /run/netns/ rw,\n"
"  /run/netns/** rwk,\n"
"  /run/containerd/** rwk,\n"
"\n"
"  # kubelet, CNI and pod logs\n"
"  /var/lib/kubelet/ rw,\n"
"  /var/lib/kubelet/** rwlkm,\n"
"  /var/lib/cni/ rw,\n"
"  /var/lib/cni/** rwk,\n"
"  /var/log/pods/ rw,\n"
"  /var/log/pods/** rwk,\n"
"  /var/log/containers/ rw,\n"
"  /var/log/containers/** rwl,\n"
"\n"
"  # the data dir: agent, unpacked binaries, local-path storage, server state\n"
"  @{K3S_DATA}/ rw,\n"
"  @{K3S_DATA}/{agent,data,storage}/ rw,\n"
"  @{K3S_DATA}/{agent,data,storage}/** rwlkm,\n"
"  @{K3S_DATA}/server/ rw,\n"
"  @{K3S_DATA}/server/{cred,db,etc,static,tls}/ rw,\n"
"  @{K3S_DATA}/server/{cred,db,etc,static,tls}/** rwlk,\n"
"  @{K3S_DATA}/server/{token,node-token,agent-token} rwl,\n"
"  @{K3S_DATA}/server/kine.sock rw,\n"
"\n"
"  # server/manifests: K3s reads it; it writes only the packaged files it\n"
"  # rewrites at every start.  Everything else there is written by the GitOps\n"
"  # sync (k3sguard manifests sync), never by K3s: a K3s process that is\n"
"  # subverted cannot plant a manifest and make itself cluster-admin.\n"
"  @{K3S_DATA}/server/manifests/ r,\n"
"  @{K3S_DATA}/server/manifests/** r,\n"
"  @{K3S_DATA}/server/manifests/{ccm,coredns,local-storage,rolebindings,runtimes,traefik}.yaml w,\n"
"  @{K3S_DATA}/server/manifests/metrics-server/ w,\n"
"  @{K3S_DATA}/server/manifests/metrics-server/*.yaml w,\n"
"}\n",
	    k3s_bin, K3SGUARD_VERSION, enforce ? "enforce" : "complain", dd, k3s_bin,
	    enforce ? "" : ",complain", k3s_bin);
	free(dd);
	return 0;
}
