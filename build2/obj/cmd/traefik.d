build2/obj/cmd/traefik.o: src/cmd/traefik.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/checks/check.h src/node/node.h src/cmd/cmd.h \
 src/core/format.h src/core/gate.h src/traefik/traefik.h \
 src/core/yamltree.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/checks/check.h:
src/node/node.h:
src/cmd/cmd.h:
src/core/format.h:
src/core/gate.h:
src/traefik/traefik.h:
src/core/yamltree.h:
