# mk/valgrind.mk: the test suite under valgrind memcheck (issue #9 item 6).
#
#   make valgrind   unit tests, fuzz replays and the integration tests with
#        every heraldd/herald run under memcheck (through wrapper scripts in
#        $(VG_DIR) that the integration runner uses as its BUILD); fails on
#        any memcheck error or definite leak. Logs: $(VG_DIR)/logs/.
# Slow (20-50x); not part of make check. HERALD_TEST_SLOW=1 tells every
# integration test (through tests/integration/slow.py) to stretch its
# timeouts, waits and timing slack and to skip the RSS bounds, which
# valgrind itself inflates.

VG_DIR ?= $(BUILD)-valgrind
VALGRIND = valgrind --error-exitcode=99 --leak-check=full \
	   --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	   --track-origins=yes --trace-children=no \
	   --suppressions=$(abspath tests/soak/valgrind.supp)

.PHONY: valgrind valgrind-wrappers

# The wrappers run copies of the binaries in $(VG_DIR)/bin: the long
# integration run checks one build even when $(BUILD) is relinked meanwhile.
valgrind-wrappers: $(HERALDD) $(HERALD)
	@mkdir -p $(VG_DIR)/logs $(VG_DIR)/bin
	@rm -f $(VG_DIR)/logs/*
	@for b in heraldd herald; do \
	  cp $(BUILD)/$$b $(VG_DIR)/bin/$$b.tmp && \
	  mv -f $(VG_DIR)/bin/$$b.tmp $(VG_DIR)/bin/$$b || exit 1; \
	  printf '#!/bin/sh\nexec %s --log-file=%s/logs/%s.%%p.log %s "$$@"\n' \
	    "$(VALGRIND)" "$(abspath $(VG_DIR))" $$b \
	    "$(abspath $(VG_DIR))/bin/$$b" > $(VG_DIR)/$$b; \
	  chmod +x $(VG_DIR)/$$b; \
	done

valgrind: deps
	@command -v valgrind >/dev/null || { echo "valgrind: apt-get install valgrind"; exit 1; }
	@$(MAKE) --no-print-directory all $(REPLAY_BINS)
	@$(MAKE) --no-print-directory valgrind-wrappers
	@fail=0; for t in $(TEST_BINS); do \
	  echo "== valgrind $$t"; \
	  $(VALGRIND) --log-file=$(VG_DIR)/logs/$$(basename $$t).%p.log $$t >/dev/null || fail=1; \
	done; \
	for t in $(FUZZ_TARGETS); do \
	  [ -d tests/fuzz/seeds/$$t ] || continue; \
	  echo "== valgrind replay_$$t"; \
	  $(VALGRIND) --log-file=$(VG_DIR)/logs/replay_$$t.%p.log \
	    $(BUILD)/fuzz/replay_$$t tests/fuzz/regress/$$t tests/fuzz/seeds/$$t >/dev/null || fail=1; \
	done; \
	echo "== valgrind integration"; \
	HERALD_TEST_SLOW=1 BUILD=$(VG_DIR) SHARED=$(SHARED) sh tests/integration/run.sh || fail=1; \
	bad=$$(grep -l -E 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]' $(VG_DIR)/logs/* 2>/dev/null); \
	if [ -n "$$bad" ]; then echo "valgrind: errors in:"; echo "$$bad"; fail=1; \
	else echo "valgrind: 0 errors, 0 definite leaks in $$(ls $(VG_DIR)/logs | wc -l) processes"; fi; \
	exit $$fail
