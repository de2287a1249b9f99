# SPDX-License-Identifier: Apache-2.0
# mk/scan-git.mk: `k3sguard scan --git` reads history with libgit2
# (Debian's libgit2-dev, scripts/deps/scan.txt).
EXTRA_PKGS += libgit2
