build2/obj/checks/check.o: src/checks/check.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/checks/check.h src/node/node.h src/core/gate.h \
 src/core/secret.h src/token/token.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/checks/check.h:
src/node/node.h:
src/core/gate.h:
src/core/secret.h:
src/token/token.h:
