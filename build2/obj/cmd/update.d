build2/obj/cmd/update.o: src/cmd/update.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/cmd/cmd.h src/core/format.h src/core/gate.h \
 src/core/config.h src/core/yamltree.h src/node/node.h \
 src/update/update.h src/update/update-data.h src/core/version.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/cmd/cmd.h:
src/core/format.h:
src/core/gate.h:
src/core/config.h:
src/core/yamltree.h:
src/node/node.h:
src/update/update.h:
src/update/update-data.h:
src/core/version.h:
