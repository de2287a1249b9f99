# SPDX-License-Identifier: Apache-2.0
# mk/audit.mk: the report format table, generated from the
# "k3sguard-report-format: NAME | SUMMARY" line of each src/report/report-<name>.c.
# (mk files are read before "all:", so keep "all" the default goal)
REPORT_FORMAT_SRCS := $(sort $(wildcard src/report/report-*.c))
GEN_HDRS += $(B)/report-formats.inc

$(B)/report-formats.inc: $(REPORT_FORMAT_SRCS) mk/audit.mk | $(B)/.dir
	@set -e; for f in $(REPORT_FORMAT_SRCS); do \
		line=$$(grep -m1 'k3sguard-report-format:' $$f) || { \
			echo "$$f: no k3sguard-report-format: line" >&2; exit 1; }; \
		name=$$(printf '%s\n' "$$line" | sed 's/.*k3sguard-report-format: *\([a-z][a-z0-9]*\) *|.*/\1/'); \
		summary=$$(printf '%s\n' "$$line" | sed 's/.*| *\(.*[^ ]\) *$$/\1/'); \
		printf 'REPORT_FORMAT("%s", report_%s, "%s")\n' "$$name" "$$name" "$$summary"; \
	done > $@.tmp && mv $@.tmp $@
