build2/obj/cmd/fix.o: src/cmd/fix.c src/core/k3sguard.h src/core/util.h \
 src/core/buf.h src/core/file.h src/core/options.h src/core/banned.h \
 src/cmd/cmd.h src/core/format.h src/core/gate.h src/store/store.h \
 src/checks/check.h src/node/node.h src/fix/fix.h src/fix/fix-tokens.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/cmd/cmd.h:
src/core/format.h:
src/core/gate.h:
src/store/store.h:
src/checks/check.h:
src/node/node.h:
src/fix/fix.h:
src/fix/fix-tokens.h:
