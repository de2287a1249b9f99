build2/obj/manifests/manifests-fs.o: src/manifests/manifests-fs.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/core/gate.h \
 src/manifests/manifests.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/core/gate.h:
src/manifests/manifests.h:
