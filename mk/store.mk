# store.mk: the store's benchmark driver (issue #5). bench/extra-store.sh
# builds it through this target; "make store-ingest" alone builds it too.
STORE_INGEST = $(BUILD)/bench/store_ingest

.PHONY: store-ingest
store-ingest: $(STORE_INGEST)

$(STORE_INGEST): bench/store_ingest.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) \
	  $(call pc_libs,$(BIN_PC)) -lm
