# bench.mk: in-process benchmark drivers linked against the library.
PARSEBENCH = $(BUILD)/bench/parsebench

.PHONY: parsebench
parsebench: $(PARSEBENCH)

$(PARSEBENCH): bench/parsebench.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) \
	  $(call pc_libs,$(BIN_PC)) -lm
