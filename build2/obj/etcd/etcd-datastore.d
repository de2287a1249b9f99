build2/obj/etcd/etcd-datastore.o: src/etcd/etcd-datastore.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/core/config.h \
 src/core/yamltree.h src/core/gate.h src/etcd/etcd-cli.h \
 src/core/format.h src/etcd/etcd.h src/etcd/grpc.h build2/etcd.pb-c.h \
 src/core/pki.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/core/config.h:
src/core/yamltree.h:
src/core/gate.h:
src/etcd/etcd-cli.h:
src/core/format.h:
src/etcd/etcd.h:
src/etcd/grpc.h:
build2/etcd.pb-c.h:
src/core/pki.h:
