build2/obj/manifests/manifests-watch.o: src/manifests/manifests-watch.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/core/gate.h \
 src/manifests/alert.h src/manifests/manifests-ops.h \
 src/manifests/manifests.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/core/gate.h:
src/manifests/alert.h:
src/manifests/manifests-ops.h:
src/manifests/manifests.h:
