build2/obj/manifests/manifests-sign.o: src/manifests/manifests-sign.c \
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
