build2/obj/node/node.o: src/node/node.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/node/node.h src/node/node-int.h src/core/gate.h \
 src/token/token.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/node/node.h:
src/node/node-int.h:
src/core/gate.h:
src/token/token.h:
