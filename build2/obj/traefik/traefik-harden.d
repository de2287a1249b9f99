build2/obj/traefik/traefik-harden.o: src/traefik/traefik-harden.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/traefik/traefik.h \
 src/checks/check.h src/node/node.h src/core/yamltree.h \
 src/traefik/traefik-yaml.h src/core/gate.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/traefik/traefik.h:
src/checks/check.h:
src/node/node.h:
src/core/yamltree.h:
src/traefik/traefik-yaml.h:
src/core/gate.h:
