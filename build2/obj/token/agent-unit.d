build2/obj/token/agent-unit.o: src/token/agent-unit.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/core/gate.h src/token/agent.h src/store/store.h \
 src/node/node.h src/scan/scan.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/core/gate.h:
src/token/agent.h:
src/store/store.h:
src/node/node.h:
src/scan/scan.h:
