build2/obj/cmd/manifests.o: src/cmd/manifests.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/cmd/cmd.h src/core/format.h \
 src/manifests/manifests-ops.h src/manifests/manifests.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/cmd/cmd.h:
src/core/format.h:
src/manifests/manifests-ops.h:
src/manifests/manifests.h:
