build2/obj/node/node-units.o: src/node/node-units.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/node/node.h src/node/node-int.h src/core/gate.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/node/node.h:
src/node/node-int.h:
src/core/gate.h:
