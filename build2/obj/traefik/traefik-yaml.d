build2/obj/traefik/traefik-yaml.o: src/traefik/traefik-yaml.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/traefik/traefik-yaml.h \
 src/core/yamltree.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/traefik/traefik-yaml.h:
src/core/yamltree.h:
