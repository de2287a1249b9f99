# SPDX-License-Identifier: Apache-2.0
# mk/deb.mk: `make deb` builds $(B)/k3sguard_VERSION_ARCH.deb with dpkg-deb:
# the binary, the man page, the systemd units, the data files, the
# Prometheus rules, the bash completion.  Depends: is computed from the
# libraries the binary really links (objdump NEEDED -> dpkg -S).
# (mk files are read before "all:", so keep "all" the default goal)
DEB_VERSION := $(shell sed -n 's/^\#define K3SGUARD_VERSION "\(.*\)"/\1/p' src/core/k3sguard.h)
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo unknown)
DEB := $(B)/k3sguard_$(DEB_VERSION)_$(DEB_ARCH).deb
DEB_ROOT := $(B)/deb-root
DEB_UNITS := $(sort $(wildcard contrib/systemd/*.service contrib/systemd/*.timer))

.PHONY: deb
deb: $(DEB)

$(DEB): $(B)/k3sguard k3sguard.1 $(DEB_UNITS) contrib/bash-completion/k3sguard \
		contrib/zsh/_k3sguard contrib/fish/k3sguard.fish contrib/prometheus/k3sguard-rules.yml $(wildcard data/*) mk/deb.mk
	@set -eu; r=$(DEB_ROOT); rm -rf "$$r"; umask 022; \
	install -d "$$r/DEBIAN" "$$r/usr/bin" "$$r/usr/share/man/man1" "$$r/lib/systemd/system" \
		"$$r/usr/share/bash-completion/completions" "$$r/usr/share/k3sguard/prometheus" \
		"$$r/usr/share/zsh/vendor-completions" "$$r/usr/share/fish/vendor_completions.d" \
		"$$r/usr/share/doc/k3sguard" "$$r/usr/lib/k3sguard"; \
	install -m 0755 $(B)/k3sguard "$$r/usr/bin/k3sguard"; \
	strip --remove-section=.comment --remove-section=.note --strip-unneeded "$$r/usr/bin/k3sguard"; \
	gzip -9n <k3sguard.1 >"$$r/usr/share/man/man1/k3sguard.1.gz"; \
	for u in $(DEB_UNITS); do \
		sed 's|/usr/local/bin/k3sguard|/usr/bin/k3sguard|g' "$$u" >"$$r/lib/systemd/system/$${u##*/}"; \
	done; \
	install -m 0644 contrib/bash-completion/k3sguard "$$r/usr/share/bash-completion/completions/k3sguard"; \
	install -m 0644 contrib/zsh/_k3sguard "$$r/usr/share/zsh/vendor-completions/_k3sguard"; \
	install -m 0644 contrib/fish/k3sguard.fish "$$r/usr/share/fish/vendor_completions.d/k3sguard.fish"; \
	install -m 0644 contrib/prometheus/k3sguard-rules.yml "$$r/usr/share/k3sguard/prometheus/"; \
	for f in data/*.json; do install -m 0644 "$$f" "$$r/usr/share/k3sguard/"; done; \
	if [ -f contrib/k3sguard-pass-helper ]; then \
		install -m 0755 contrib/k3sguard-pass-helper "$$r/usr/lib/k3sguard/k3sguard-pass-helper"; fi; \
	printf '%s\n' \
		'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' \
		'Upstream-Name: k3sguard' \
		'' \
		'Files: *' \
		'Copyright: 2026 the k3sguard developers' \
		'License: Apache-2.0' \
		'' \
		'License: Apache-2.0' \
		' Licensed under the Apache License, Version 2.0 (the "License"); you may' \
		' not use this software except in compliance with the License.' \
		' .' \
		' On Debian systems, the full text of the Apache License, Version 2.0 can be' \
		' found in the file /usr/share/common-licenses/Apache-2.0.' >"$$r/usr/share/doc/k3sguard/copyright"; \
	printf 'k3sguard (%s) unstable; urgency=medium\n\n  * Package built from the k3sguard source tree.\n\n -- k3sguard developers <k3sguard@example.org>  %s\n' \
		"$(DEB_VERSION)" "$$(date -R -u -d @$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct 2>/dev/null || date +%s)})" | \
		gzip -9n >"$$r/usr/share/doc/k3sguard/changelog.gz"; \
	deps=$$(objdump -p $(B)/k3sguard | sed -n 's/^ *NEEDED *//p' | while read -r so; do \
		p=$$(ldd $(B)/k3sguard | sed -n "s|^[[:space:]]*$$so => \([^ ]*\) .*|\1|p"); \
		[ -n "$$p" ] || continue; \
		dpkg -S "$$p" 2>/dev/null || dpkg -S "$$(readlink -f "$$p")" 2>/dev/null || \
			dpkg -S "/usr$$p" 2>/dev/null || dpkg -S "$${p#/usr}"; \
	done | cut -d: -f1 | sort -u | paste -sd, - | sed 's/,/, /g'); \
	[ -n "$$deps" ] || { echo "deb: cannot work out Depends" >&2; exit 1; }; \
	size=$$(du -sk --exclude=DEBIAN "$$r" | cut -f1); \
	printf '%s\n' \
		'Package: k3sguard' \
		"Version: $(DEB_VERSION)" \
		"Architecture: $(DEB_ARCH)" \
		'Maintainer: k3sguard developers <k3sguard@example.org>' \
		"Installed-Size: $$size" \
		"Depends: $$deps" \
		'Recommends: nftables' \
		'Suggests: prometheus-node-exporter, etcd-client, apparmor' \
		'Section: admin' \
		'Priority: optional' \
		'Description: audit and harden K3s nodes against six mitigation strategies' \
		' k3sguard finds out, on a K3s node, which parts of six mitigation' \
		' strategies are in place (external secured etcd, server token, agent' \
		' tokens, the auto-deploying manifests directory, the packaged Traefik,' \
		' updates) and carries out the mitigations: etcd PKI, RBAC, snapshots and' \
		' nftables isolation, token rotation, a signed manifests baseline with a' \
		' watcher, Traefik hardening.  Reports as text, JSON, JUnit, HTML and' \
		' Prometheus metrics; systemd units run the audit and snapshots on timers.' \
		>"$$r/DEBIAN/control"; \
	printf '#!/bin/sh\nset -e\nif [ -d /run/systemd/system ]; then systemctl --system daemon-reload >/dev/null || true; fi\n' \
		>"$$r/DEBIAN/postinst"; \
	printf '#!/bin/sh\nset -e\nif [ -d /run/systemd/system ] && [ "$$1" = remove ]; then\n\tfor u in k3sguard-audit.timer k3sguard-snapshot.timer k3sguard-manifests-watch.service; do\n\t\tsystemctl --no-reload disable --now "$$u" >/dev/null 2>&1 || true\n\tdone\nfi\n' \
		>"$$r/DEBIAN/prerm"; \
	printf '#!/bin/sh\nset -e\nif [ -d /run/systemd/system ]; then systemctl --system daemon-reload >/dev/null || true; fi\n' \
		>"$$r/DEBIAN/postrm"; \
	chmod 0755 "$$r/DEBIAN/postinst" "$$r/DEBIAN/prerm" "$$r/DEBIAN/postrm"; \
	(cd "$$r" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort | \
		xargs md5sum >DEBIAN/md5sums); \
	chmod 0644 "$$r/DEBIAN/control" "$$r/DEBIAN/md5sums"; \
	dpkg-deb --root-owner-group -Zxz --build "$$r" $@ >/dev/null; \
	echo "built $@"
