build2/obj/checks/check-traefik.o: src/checks/check-traefik.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/checks/check.h src/node/node.h \
 src/traefik/traefik.h src/core/yamltree.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/checks/check.h:
src/node/node.h:
src/traefik/traefik.h:
src/core/yamltree.h:
