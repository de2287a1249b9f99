build2/obj/store/store-exec.o: src/store/store-exec.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/core/config.h src/core/yamltree.h src/core/gate.h \
 src/store/host-config.h src/core/run.h src/core/secret.h \
 src/store/store-backend.h src/store/store.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/core/config.h:
src/core/yamltree.h:
src/core/gate.h:
src/store/host-config.h:
src/core/run.h:
src/core/secret.h:
src/store/store-backend.h:
src/store/store.h:
