build2/obj/update/update-plan.o: src/update/update-plan.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/traefik/traefik-yaml.h \
 src/core/yamltree.h src/update/update.h src/update/update-data.h \
 src/core/version.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/traefik/traefik-yaml.h:
src/core/yamltree.h:
src/update/update.h:
src/update/update-data.h:
src/core/version.h:
