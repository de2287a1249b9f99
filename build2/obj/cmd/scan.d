build2/obj/cmd/scan.o: src/cmd/scan.c src/core/k3sguard.h src/core/util.h \
 src/core/buf.h src/core/file.h src/core/options.h src/core/banned.h \
 src/core/gate.h src/cmd/cmd.h src/core/format.h src/report/escape.h \
 src/scan/scan.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/core/gate.h:
src/cmd/cmd.h:
src/core/format.h:
src/report/escape.h:
src/scan/scan.h:
