build2/obj/store/store.o: src/store/store.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/core/config.h src/core/yamltree.h src/core/gate.h \
 src/core/secret.h src/store/store-backend.h src/store/store.h \
 src/token/token.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/core/config.h:
src/core/yamltree.h:
src/core/gate.h:
src/core/secret.h:
src/store/store-backend.h:
src/store/store.h:
src/token/token.h:
