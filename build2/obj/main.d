build2/obj/main.o: src/main.c src/core/k3sguard.h src/core/util.h \
 src/core/buf.h src/core/file.h src/core/options.h src/core/banned.h \
 src/cmd/cmd.h src/core/format.h src/core/gate.h src/node/node.h \
 build2/commands.inc
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
build2/commands.inc:
