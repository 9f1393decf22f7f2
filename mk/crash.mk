# mk/crash.mk: crash consistency (tests/crash/, issue #9, RELIABILITY S1).
#
#   make crashtest [CRASH_KILLS=1000]   SIGKILL the daemon at random
#        moments of an ingest with a concurrent CLI reader; checks
#        integrity_check, that every item of every document logged as
#        committed is present, and that every restart works.
#   crash-check (part of make check) does the same with 20 kills.

CRASH_KILLS ?= 1000
CRASH_SEED ?=

.PHONY: crashtest crash-check

CHECK_EXTRA += crash-check

crashtest: $(HERALDD) $(HERALD)
	python3 tests/crash/crashtest.py --build $(BUILD) --kills $(CRASH_KILLS) \
	  $(if $(CRASH_SEED),--seed $(CRASH_SEED))

crash-check: $(HERALDD) $(HERALD)
	@echo "== tests/crash/crashtest.py (20 kills)"
	@python3 tests/crash/crashtest.py --build $(BUILD) --kills 20
