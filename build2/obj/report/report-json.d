build2/obj/report/report-json.o: src/report/report-json.c \
 src/core/k3sguard.h src/core/util.h src/core/buf.h src/core/file.h \
 src/core/options.h src/core/banned.h src/report/escape.h \
 src/report/report.h src/checks/check.h src/node/node.h \
 build2/report-formats.inc
src/core/k3sguard.h:
src/core/util.h:
src/core/buf.h:
src/core/file.h:
src/core/options.h:
src/core/banned.h:
src/report/escape.h:
src/report/report.h:
src/checks/check.h:
src/node/node.h:
build2/report-formats.inc:
