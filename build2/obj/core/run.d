build2/obj/core/run.o: src/core/run.c src/core/k3sguard.h src/core/util.h \
 src/core/buf.h src/core/file.h src/core/options.h src/core/banned.h \
 src/core/run.h
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/core/run.h:
