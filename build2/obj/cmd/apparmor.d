build2/obj/cmd/apparmor.o: src/cmd/apparmor.c src/core/k3sguard.h \
 src/core/util.h src/core/buf.h src/core/file.h src/core/options.h \
 src/core/banned.h src/core/gate.h src/manifests/apparmor.h src/cmd/cmd.h \
 src/core/format.h src/node/node.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/core/gate.h:
src/manifests/apparmor.h:
src/cmd/cmd.h:
src/core/format.h:
src/node/node.h:
