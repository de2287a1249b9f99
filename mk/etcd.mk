# SPDX-License-Identifier: Apache-2.0
# mk/etcd.mk: etcd's gRPC messages, generated from proto/etcd.proto with
# protoc-c at build time (Debian: protobuf-c-compiler, libprotobuf-c-dev).


EXTRA_PKGS += libprotobuf-c
GEN_SRCS += $(B)/etcd.pb-c.c
GEN_HDRS += $(B)/etcd.pb-c.h

$(B)/etcd.pb-c.c $(B)/etcd.pb-c.h &: proto/etcd.proto | $(B)/.dir
	protoc-c --proto_path=proto --c_out=$(B) proto/etcd.proto

# generated code: our warnings, but it is not ours to restyle
$(B)/obj/gen/etcd.pb-c.o: $(B)/etcd.pb-c.c $(B)/etcd.pb-c.h | $(B)/.dir
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -c -o $@ $<
