build2/obj/etcd/etcd-snapfile.o: src/etcd/etcd-snapfile.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/etcd/etcd-snapfile.h \
 src/core/secret.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/etcd/etcd-snapfile.h:
src/core/secret.h:
