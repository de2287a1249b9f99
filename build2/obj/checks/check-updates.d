build2/obj/checks/check-updates.o: src/checks/check-updates.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/checks/check.h src/node/node.h \
 src/core/config.h src/core/yamltree.h src/update/update.h \
 src/update/update-data.h src/core/version.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/checks/check.h:
src/node/node.h:
src/core/config.h:
src/core/yamltree.h:
src/update/update.h:
src/update/update-data.h:
src/core/version.h:
