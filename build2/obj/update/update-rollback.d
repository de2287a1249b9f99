build2/obj/update/update-rollback.o: src/update/update-rollback.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/core/gate.h \
 src/etcd/etcd-snapshot.h src/etcd/etcd-snapfile.h src/etcd/etcd-cli.h \
 src/core/format.h src/etcd/etcd.h src/etcd/grpc.h build2/etcd.pb-c.h \
 src/core/pki.h src/node/node.h src/core/run.h src/store/store.h \
 src/token/token.h src/token/token-rotate.h src/update/update.h \
 src/update/update-data.h src/core/version.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/core/gate.h:
src/etcd/etcd-snapshot.h:
src/etcd/etcd-snapfile.h:
src/etcd/etcd-cli.h:
src/core/format.h:
src/etcd/etcd.h:
src/etcd/grpc.h:
build2/etcd.pb-c.h:
src/core/pki.h:
src/node/node.h:
src/core/run.h:
src/store/store.h:
src/token/token.h:
src/token/token-rotate.h:
src/update/update.h:
src/update/update-data.h:
src/core/version.h:
