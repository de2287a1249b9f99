build2/obj/token/token-endpoint.o: src/token/token-endpoint.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/core/gate.h src/core/secret.h \
 src/token/token-rotate.h src/node/node.h src/token/token.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/core/gate.h:
src/core/secret.h:
src/token/token-rotate.h:
src/node/node.h:
src/token/token.h:
