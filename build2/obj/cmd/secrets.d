build2/obj/cmd/secrets.o: src/cmd/secrets.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/cmd/cmd.h src/core/format.h src/core/secret.h \
 src/store/store.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/cmd/cmd.h:
src/core/format.h:
src/core/secret.h:
src/store/store.h:
