build2/obj/checks/check-server-token.o: src/checks/check-server-token.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/checks/check.h src/node/node.h \
 src/token/token.h src/token/token-rotate.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/checks/check.h:
src/node/node.h:
src/token/token.h:
src/token/token-rotate.h:
