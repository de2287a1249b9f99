build2/obj/cmd/agent.o: src/cmd/agent.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/cmd/cmd.h src/core/format.h src/token/agent.h \
 src/token/token-pipe.h src/core/run.h src/node/node.h src/scan/scan.h \
 src/core/secret.h src/store/store.h src/token/token.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/cmd/cmd.h:
src/core/format.h:
src/token/agent.h:
src/token/token-pipe.h:
src/core/run.h:
src/node/node.h:
src/scan/scan.h:
src/core/secret.h:
src/store/store.h:
src/token/token.h:
