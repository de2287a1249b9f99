# SPDX-License-Identifier: Apache-2.0
# mk/image.mk: `make image` builds the container image localhost/k3sguard
# offline with buildah, FROM scratch: the stripped binary, the shared
# libraries it loads (ldd of our own binary) and the loader, the data files
# (/usr/share/k3sguard), Debian's CA certificates, the license.  No shell,
# no package manager.  Every file is owned by root with mtime 0 and the
# image is committed with --timestamp 0, so the same inputs give the same
# digest: the target builds twice and fails when the digests differ.
# Outputs: $(B)/image.digest, $(B)/k3sguard-image.tar (OCI archive).
# contrib/kubernetes runs it as localhost/k3sguard:latest.
IMAGE_NAME ?= localhost/k3sguard:latest
IMAGE_ROOT := $(B)/image-root

.PHONY: image
image: $(B)/k3sguard $(wildcard data/*.json) LICENSE mk/image.mk
	@set -eu; command -v buildah >/dev/null || { echo "make image: buildah is missing (scripts/deps/fleet.txt)" >&2; exit 2; }; \
	r=$(IMAGE_ROOT); rm -rf "$$r"; umask 022; \
	install -d "$$r/usr/bin" "$$r/usr/share/k3sguard" "$$r/etc/ssl/certs" "$$r/usr/share/doc/k3sguard" "$$r/host"; \
	install -m 0755 $(B)/k3sguard "$$r/usr/bin/k3sguard"; \
	strip --remove-section=.comment --remove-section=.note --strip-unneeded "$$r/usr/bin/k3sguard"; \
	for lib in $$(ldd $(B)/k3sguard | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'); do \
		mode=0644; case $$lib in */ld-linux*) mode=0755 ;; esac; \
		install -D -m $$mode "$$lib" "$$r$$lib"; \
	done; \
	for f in data/*.json; do install -m 0644 "$$f" "$$r/usr/share/k3sguard/"; done; \
	install -m 0644 /etc/ssl/certs/ca-certificates.crt "$$r/etc/ssl/certs/ca-certificates.crt"; \
	install -m 0644 LICENSE "$$r/usr/share/doc/k3sguard/LICENSE"; \
	printf 'root:x:0:0:root:/:/nonexistent\n' >"$$r/etc/passwd"; \
	printf 'root:x:0:\n' >"$$r/etc/group"; \
	find "$$r" -exec touch -h -d @0 {} +; \
	printf 'FROM scratch\nCOPY . /\nUSER 0:0\nENTRYPOINT ["/usr/bin/k3sguard"]\nCMD ["--root", "/host", "audit", "--format", "json"]\n' >$(B)/Containerfile; \
	for i in 1 2; do \
		buildah --storage-driver=vfs build --quiet --timestamp 0 --layers=false --pull=never \
			--network=none -f $(B)/Containerfile -t $(IMAGE_NAME) "$$r" >/dev/null; \
		buildah --storage-driver=vfs images --no-trunc --format '{{.Digest}}' $(IMAGE_NAME) >$(B)/image.digest.$$i; \
	done; \
	if ! cmp -s $(B)/image.digest.1 $(B)/image.digest.2; then \
		echo "make image: two builds, two digests: $$(cat $(B)/image.digest.1) $$(cat $(B)/image.digest.2)" >&2; exit 1; fi; \
	mv $(B)/image.digest.1 $(B)/image.digest; rm -f $(B)/image.digest.2; \
	rm -f $(B)/k3sguard-image.tar; \
	buildah --storage-driver=vfs push --quiet $(IMAGE_NAME) oci-archive:$(B)/k3sguard-image.tar:$(IMAGE_NAME) >/dev/null; \
	echo "image $(IMAGE_NAME) $$(cat $(B)/image.digest) (built twice, same digest); $(B)/k3sguard-image.tar"
