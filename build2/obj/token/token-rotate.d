build2/obj/token/token-rotate.o: src/token/token-rotate.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/core/config.h \
 src/core/yamltree.h src/core/gate.h src/store/host-config.h \
 src/node/node.h src/core/run.h src/core/secret.h src/store/store.h \
 src/token/token-rotate.h src/token/token.h src/core/version.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/core/config.h:
src/core/yamltree.h:
src/core/gate.h:
src/store/host-config.h:
src/node/node.h:
src/core/run.h:
src/core/secret.h:
src/store/store.h:
src/token/token-rotate.h:
src/token/token.h:
src/core/version.h:
