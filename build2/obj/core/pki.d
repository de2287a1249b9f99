build2/obj/core/pki.o: src/core/pki.c src/core/k3sguard.h src/core/util.h \
 src/core/buf.h src/core/file.h src/core/options.h src/core/banned.h \
 src/core/pki.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/core/pki.h:
