build2/obj/token/agent-unit.o: src/token/agent-unit.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/token/agent.h src/node/node.h src/scan/scan.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/token/agent.h:
src/node/node.h:
src/scan/scan.h:
