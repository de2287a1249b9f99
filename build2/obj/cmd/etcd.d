build2/obj/cmd/etcd.o: src/cmd/etcd.c src/core/k3sguard.h src/core/util.h \
 src/core/buf.h src/core/file.h src/core/options.h src/core/banned.h \
 src/cmd/cmd.h src/core/format.h src/cmd/etcd-cmd.h src/etcd/etcd-cli.h \
 src/etcd/etcd.h src/etcd/grpc.h build2/etcd.pb-c.h src/core/pki.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/cmd/cmd.h:
src/core/format.h:
src/cmd/etcd-cmd.h:
src/etcd/etcd-cli.h:
src/etcd/etcd.h:
src/etcd/grpc.h:
build2/etcd.pb-c.h:
src/core/pki.h:
