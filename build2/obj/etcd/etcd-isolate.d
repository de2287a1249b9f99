build2/obj/etcd/etcd-isolate.o: src/etcd/etcd-isolate.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/etcd/etcd-isolate.h \
 src/nft/nft.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/etcd/etcd-isolate.h:
src/nft/nft.h:
