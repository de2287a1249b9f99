build2/obj/fix/fix-tokens.o: src/fix/fix-tokens.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/core/gate.h src/token/agent.h src/fix/fix.h \
 src/checks/check.h src/node/node.h src/fix/fix-tokens.h src/scan/scan.h \
 src/core/secret.h src/store/store.h src/token/token.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/core/gate.h:
src/token/agent.h:
src/fix/fix.h:
src/checks/check.h:
src/node/node.h:
src/fix/fix-tokens.h:
src/scan/scan.h:
src/core/secret.h:
src/store/store.h:
src/token/token.h:
