# mk/fuzz.mk: libFuzzer targets (tests/fuzz/, issue #9, STYLE.md §11).
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="parse date"]
#        builds every target with clang -fsanitize=fuzzer,address,undefined
#        into build-fuzz/ and runs each for FUZZ_SECONDS, with a working
#        corpus in build-fuzz/corpus/<t> seeded from tests/fuzz/seeds/<t>
#        (the parser's seeds are tests/corpus/ and the integration fixtures
#        behind a 5-byte header: content-type pick, chunk size); crashes in
#        build-fuzz/crashes/<t>/ and fail the run. Copy each one to
#        tests/fuzz/regress/<t>/ once understood.
#   make fuzz-replay   (part of make check) builds each target with the
#        normal compiler and replays tests/fuzz/regress/<t>/ and the seeds.
#
# Needs clang-14 and libclang-rt-14-dev (libFuzzer) for `make fuzz` only.

FUZZ_TARGETS ?= parse date url text topic conf
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_BUILD ?= build-fuzz
# Relative paths run from the repository root (make is run there).
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = $(HERALD_CPPFLAGS) $(WARN) -Wno-error -O1 -g \
	      -fno-omit-frame-pointer -gline-tables-only $(FUZZ_SAN)
FUZZ_LIBS = $(call pc_libs,$(BIN_PC)) -lm
FUZZ_LIB_OBJS = $(LIB_SRCS:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_BINS = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
REPLAY_BINS = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay_%)
FUZZ_OPTS = -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1

.PHONY: fuzz fuzz-build fuzz-replay

CHECK_EXTRA += fuzz-replay

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	  $(FUZZ_LIB_OBJS) $(FUZZ_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: deps
	@command -v $(FUZZ_CC) >/dev/null || { echo "fuzz: needs clang and libclang-rt-14-dev"; exit 1; }
	@$(MAKE) --no-print-directory fuzz-build
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  c=$(FUZZ_BUILD)/corpus/$$t; a=$(FUZZ_BUILD)/crashes/$$t; \
	  mkdir -p $$c $$a; \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_BUILD)/fuzz_$$t $(FUZZ_OPTS) \
	    -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$$a/ \
	    $$c tests/fuzz/seeds/$$t \
	    > $(FUZZ_BUILD)/fuzz_$$t.log 2>&1 || fail=1; \
	  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)' \
	    $(FUZZ_BUILD)/fuzz_$$t.log | sed "s/^/fuzz_$$t: /"; \
	done; \
	if [ $$fail != 0 ]; then echo "fuzz: a target failed; see $(FUZZ_BUILD)/fuzz_*.log and $(FUZZ_BUILD)/crashes/"; fi; \
	exit $$fail

$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c $(LIB) $(ALL_LDFLAGS) \
	  $(FUZZ_LIBS)

fuzz-replay: $(REPLAY_BINS)
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  dirs=""; for d in tests/fuzz/regress/$$t tests/fuzz/seeds/$$t; do \
	    [ -d $$d ] && dirs="$$dirs $$d"; done; \
	  [ -n "$$dirs" ] || continue; \
	  $(BUILD)/fuzz/replay_$$t $$dirs || { echo "fuzz-replay: replay_$$t failed"; fail=1; }; \
	done; exit $$fail

# Keep the instrumented library objects between runs.
.SECONDARY: $(FUZZ_LIB_OBJS)
