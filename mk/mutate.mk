# SPDX-License-Identifier: Apache-2.0
# mk/mutate.mk: `make mutate`, the project's own mutation run (docs/testing.md).
# Each mutant of tests/mutants/mutants.txt goes into a copy of the tree under
# $(B)-mutate (never this checkout), is rebuilt there and meets the tests
# tests/mutants/map.txt names for its file.  Not part of `make check`: it
# takes long.  A whole run rewrites tests/mutants/REPORT.md; MUTATE_ONLY="M01*
# src/nft/*" runs some (report in $(B)-mutate/REPORT.md).  MUTATE_JOBS copies
# at a time (default 2).  Fails below MUTATE_MIN percent killed (default 90).
MUTATE_ONLY ?=
MUTATE_JOBS ?= 2
MUTATE_MIN ?= 90
.PHONY: mutate
mutate:
	B=$(B) MUTATE_ONLY="$(MUTATE_ONLY)" MUTATE_JOBS=$(MUTATE_JOBS) \
		python3 scripts/mutate/mutate.py --min $(MUTATE_MIN)
