build2/obj/core/config.o: src/core/config.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/core/config.h src/core/yamltree.h src/core/gate.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/core/config.h:
src/core/yamltree.h:
src/core/gate.h:
