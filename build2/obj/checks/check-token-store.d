build2/obj/checks/check-token-store.o: src/checks/check-token-store.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/checks/check.h src/node/node.h \
 src/core/config.h src/core/yamltree.h src/core/secret.h \
 src/store/store.h src/token/token-rotate.h src/token/token.h
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
src/core/secret.h:
src/store/store.h:
src/token/token-rotate.h:
src/token/token.h:
