build2/obj/manifests/alert.o: src/manifests/alert.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/manifests/alert.h src/core/run.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/manifests/alert.h:
src/core/run.h:
