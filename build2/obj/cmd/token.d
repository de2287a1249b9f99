build2/obj/cmd/token.o: src/cmd/token.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/cmd/cmd.h src/core/format.h src/core/gate.h \
 src/node/node.h src/core/secret.h src/store/store.h \
 src/token/token-rotate.h src/token/token.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/cmd/cmd.h:
src/core/format.h:
src/core/gate.h:
src/node/node.h:
src/core/secret.h:
src/store/store.h:
src/token/token-rotate.h:
src/token/token.h:
