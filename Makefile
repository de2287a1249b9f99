# SPDX-License-Identifier: Apache-2.0
# k3sguard: see README.md. Targets: all check lint sanitize fuzz bench man clean
# Build products go to $(B) so several checkouts (or worktrees) build side by side.
B        ?= build
CC       ?= cc
PKGS     := openssl libcurl yaml-0.1 jansson

WARN     := -Wall -Wextra -Werror -Wvla -Wformat-security -Wstrict-prototypes \
            -Wmissing-prototypes -Wshadow -Wno-unused-parameter
HARDEN   := -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fPIE
OPT      ?= -O2 -g
CFLAGS   ?=
LDFLAGS  ?=
ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) -Isrc -I$(B) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now $(LDFLAGS)

# Fragments in mk/ add sources, generated code and packages (one per concern).
GEN_SRCS :=
GEN_HDRS :=
EXTRA_PKGS :=
.DEFAULT_GOAL := all
-include mk/*.mk
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(EXTRA_PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) $(EXTRA_PKGS) 2>/dev/null)

# The layers (see docs/layout.md): libraries in src/<concern>/ never parse
# argv or call a command; src/cmd/ holds the commands, src/main.c dispatch.
LIB_DIRS := core node checks report store token fix etcd cluster nft manifests traefik update scan fleet
CMD_SRCS := $(sort $(wildcard src/cmd/*.c))
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(sort $(wildcard src/$(d)/*.c)))
LIB_OBJS := $(patsubst src/%.c,$(B)/obj/%.o,$(LIB_SRCS)) $(patsubst $(B)/%.c,$(B)/obj/gen/%.o,$(GEN_SRCS))
CMD_OBJS := $(patsubst src/%.c,$(B)/obj/%.o,$(CMD_SRCS))
MAIN_OBJ := $(B)/obj/main.o
UNIT_SRCS := $(sort $(wildcard tests/unit/u-*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz-*.c))
MAN_PARTS := $(sort $(wildcard man/*.roff))
DEPFLAGS = -MMD -MP

.PHONY: all check lint sanitize fuzz bench man clean examples layers print-pkgs
all: $(B)/k3sguard k3sguard.1 layers

$(B)/.dir:
	@mkdir -p $(B)/tests $(B)/obj/gen $(addprefix $(B)/obj/,$(LIB_DIRS) cmd) && touch $@

# The command table is generated from the "k3sguard-command:" line of each
# top-level command file in src/cmd/, so adding a command is adding a file.
$(B)/commands.inc: $(CMD_SRCS) scripts/gen-commands.sh | $(B)/.dir
	sh scripts/gen-commands.sh $$(grep -l 'k3sguard-command:' $(CMD_SRCS)) > $@.tmp && mv $@.tmp $@

$(B)/obj/%.o: src/%.c $(GEN_HDRS) | $(B)/.dir
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(B)/obj/main.o: src/main.c $(B)/commands.inc $(GEN_HDRS) | $(B)/.dir
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

-include $(wildcard $(B)/obj/*.d $(B)/obj/*/*.d)

# The layering, enforced: every library object linked WITHOUT the command
# code and main.c.  A library that calls a command, or parses argv with the
# commands' helpers, leaves an undefined symbol and the build fails.  No
# library includes cmd/cmd.h either.
$(B)/layers.ok: $(LIB_OBJS) mk/layers.c | $(B)/.dir
	@if grep -ln '#include "cmd/' $(LIB_SRCS); then \
		echo "layers: the library files above include command headers" >&2; exit 1; fi
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $(B)/layers mk/layers.c $(LIB_OBJS) $(PKG_LIBS)
	@touch $@
layers: $(B)/layers.ok

$(B)/libk3sguard.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/k3sguard: $(MAIN_OBJ) $(CMD_OBJS) $(B)/libk3sguard.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(CMD_OBJS) $(B)/libk3sguard.a $(PKG_LIBS)

$(B)/tests/u-%: tests/unit/u-%.c tests/unit/unit.h $(B)/libk3sguard.a $(GEN_HDRS)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) -o $@ $< $(B)/libk3sguard.a $(PKG_LIBS)

# The man page is assembled from one part per command (man/NN-<cmd>.roff).
k3sguard.1: $(MAN_PARTS)
	cat $(MAN_PARTS) > $@.tmp && mv $@.tmp $@

examples:
	sh scripts/make-examples.sh

# The pkg-config modules the build links (t0010 checks that the README's
# run command installs their packages).
print-pkgs:
	@echo $(PKGS) $(EXTRA_PKGS)

# lint: only src/core/gate.c opens a node path (scripts/lint-gate.sh),
# every test body's && chain is whole (scripts/chain-lint.sh), and every
# background job or server a test starts has a time limit
# (scripts/lint-timeouts.sh).
lint:
	sh scripts/lint-gate.sh
	sh scripts/chain-lint.sh tests/t[0-9]*.sh
	sh scripts/lint-timeouts.sh

# The gate's unit test runs twice: with openat2, and with the walk that
# replaces it on kernels without openat2 (tests/run.sh runs u-gate-walk).
check: all $(UNIT_BINS) $(B)/tests/u-gate-walk
	sh scripts/lint-gate.sh
	sh scripts/lint-timeouts.sh
	B=$(B) CC="$(CC)" LAYERS_LDFLAGS="$(LDFLAGS)" sh tests/run.sh

$(B)/tests/u-gate-walk: | $(B)/.dir
	printf '#!/bin/sh\nK3SGUARD_GATE_WALK=1 exec "$$(dirname "$$0")/u-gate" "$$@"\n' >$@ && chmod +x $@

# The whole suite under ASan+UBSan, in its own build directory.
# Every report also goes to a file ($(B)-san/sanitizer/): a test that expects a
# failing exit code or hides stderr cannot swallow one.  clang, because GCC 12's
# UBSan ignores log_path when linked with ASan (its reports reach only stderr).
SAN_LOGS = $(CURDIR)/$(B)-san/sanitizer
SAN_CC ?= clang
sanitize:
	rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS)
	ASAN_OPTIONS="log_path=$(SAN_LOGS)/asan$${ASAN_OPTIONS:+:$$ASAN_OPTIONS}" \
	UBSAN_OPTIONS="log_path=$(SAN_LOGS)/ubsan:print_stacktrace=1$${UBSAN_OPTIONS:+:$$UBSAN_OPTIONS}" \
	$(MAKE) B=$(B)-san CC=$(SAN_CC) OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" TEST_TIMEOUT=1800 check
	@if [ -n "$$(ls -A $(SAN_LOGS))" ]; then \
		for f in $(SAN_LOGS)/*; do echo "== $$f"; head -n 30 "$$f"; done; \
		echo "sanitize: $$(ls $(SAN_LOGS) | wc -l) sanitizer report(s) in $(SAN_LOGS)"; exit 1; fi

# One libFuzzer harness per parser (docs/fuzzing.md); each runs FUZZ_SECONDS,
# or FUZZ_RUNS executions when that is set (then FUZZ_SECONDS, if given on
# the command line, caps the time too).  FUZZ_ONLY="fuzz-token fuzz-grpc"
# runs some.  Per harness: tests/fuzz/NAME.options ("max_len = N", default
# 65536) and tests/fuzz/NAME.supp (LSan suppressions of leaks already
# reported, with their reproducer in tests/fuzz/crashes/NAME/).  UBSan must
# not recover, or libFuzzer never sees its reports as crashes.
FUZZ_SECONDS ?= 20
# no allocation stacks in reports (rerun the crash-* input for them): the
# allocator-heavy harnesses run a fifth faster
FUZZ_ASAN_OPTIONS ?= malloc_context_size=0
FUZZ_RUNS ?=
FUZZ_ONLY ?=
FUZZ_LIMIT = $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS) $(if $(filter command line,$(origin FUZZ_SECONDS)),-max_total_time=$(FUZZ_SECONDS)),-max_total_time=$(FUZZ_SECONDS))
fuzz:
	$(MAKE) B=$(B)-fuzz CC=clang OPT="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" $(B)-fuzz/libk3sguard.a
	@set -e; for f in $(if $(FUZZ_ONLY),$(patsubst %,tests/fuzz/%.c,$(FUZZ_ONLY)),$(FUZZ_SRCS)); do \
		n=$$(basename $$f .c); \
		clang -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(WARN) -Isrc -I$(B)-fuzz $(PKG_CFLAGS) \
			-o $(B)-fuzz/$$n $$f $(B)-fuzz/libk3sguard.a $(PKG_LIBS); \
		mkdir -p $(B)-fuzz/corpus-$$n; \
		seeds=tests/fuzz/seeds/$$n; [ -d $$seeds ] || seeds=; \
		ml=; if [ -f tests/fuzz/$$n.options ]; then ml=$$(sed -n 's/^max_len *= *//p' tests/fuzz/$$n.options); fi; \
		supp=; if [ -f tests/fuzz/$$n.supp ]; then supp=suppressions=$$PWD/tests/fuzz/$$n.supp; fi; \
		echo "fuzz: $$n $(FUZZ_LIMIT) -max_len=$${ml:-65536}"; \
		ASAN_OPTIONS=$(FUZZ_ASAN_OPTIONS) LSAN_OPTIONS=$$supp $(B)-fuzz/$$n $(FUZZ_LIMIT) -max_len=$${ml:-65536} \
			-artifact_prefix=$(B)-fuzz/ $(B)-fuzz/corpus-$$n $$seeds 2>$(B)-fuzz/$$n.log \
			|| { tail -n 40 $(B)-fuzz/$$n.log; exit 1; }; \
		grep -E '^#[0-9]+[[:space:]]+(DONE|pulse)' $(B)-fuzz/$$n.log | tail -n 1; \
		grep -E 'Done [0-9]+ runs' $(B)-fuzz/$$n.log || true; \
	done

bench: all
	@set -e; for b in $(sort $(wildcard bench/*.sh)); do echo "== $$b"; B=$(B) bash $$b; done

clean:
	rm -rf $(B) $(B)-san $(B)-fuzz
