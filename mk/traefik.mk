# SPDX-License-Identifier: Apache-2.0
# mk/traefik.mk: the traefik/update area.  Rollback kits back up K3s's
# sqlite datastore with the sqlite online backup API (libsqlite3): a
# consistent copy while K3s writes, WAL included, without a child process.
EXTRA_PKGS += sqlite3
