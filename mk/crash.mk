# mk/crash.mk: crash consistency and hostile storage (tests/crash/,
# issue #9, RELIABILITY S1, S3-S8).
#
#   make crashtest [CRASH_KILLS=1000] [CRASH_SEED=N]
#        SIGKILL the daemon at random moments of an ingest with a
#        concurrent CLI reader (integrity_check, every item of every
#        document logged as committed present, every restart works), then
#        the storage cases with the I/O-error VFS shim failing every single
#        VFS call of an ingest in turn.
#   crash-check, storage-check (part of make check): 20 kills; the storage
#        cases with every 7th VFS call failed.
# The storage cases mount a read-only bind and a small tmpfs inside a
# private mount namespace (root + unshare -m); elsewhere they are skipped.

CRASH_KILLS ?= 1000
CRASH_SEED ?=

.PHONY: crashtest crash-check storage-check

CHECK_EXTRA += crash-check storage-check

crashtest: $(HERALDD) $(HERALD)
	python3 tests/crash/crashtest.py --build $(BUILD) --kills $(CRASH_KILLS) \
	  $(if $(CRASH_SEED),--seed $(CRASH_SEED))
	python3 tests/crash/storage.py --build $(BUILD) --ioerr-step 1

crash-check: $(HERALDD) $(HERALD)
	@echo "== tests/crash/crashtest.py (20 kills)"
	@python3 tests/crash/crashtest.py --build $(BUILD) --kills 20

storage-check: $(HERALDD) $(HERALD)
	@echo "== tests/crash/storage.py"
	@python3 tests/crash/storage.py --build $(BUILD)
