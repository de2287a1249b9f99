# mk/traefik.mk: the traefik/update area.  Rollback kits back up K3s's
# sqlite datastore with the sqlite online backup API (libsqlite3): a
# consistent copy while K3s writes, WAL included, without a child process.
# Included before the Makefile's first rule: keep "all" the default goal.
.DEFAULT_GOAL := all
EXTRA_PKGS += sqlite3
# PKG_CFLAGS/PKG_LIBS are expanded (:=) before mk/*.mk is read, so add ours here.
PKG_CFLAGS += $(shell pkg-config --cflags sqlite3)
PKG_LIBS += $(shell pkg-config --libs sqlite3)
