build2/obj/update/update-data.o: src/update/update-data.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/core/config.h \
 src/core/yamltree.h src/update/update-data.h src/core/version.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/core/config.h:
src/core/yamltree.h:
src/update/update-data.h:
src/core/version.h:
