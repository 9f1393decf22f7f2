# mk/corpus.mk: "make corpus" -- herald parse against feedparser's own test
# suite and date corpus in $(SHARED)/corpora (not part of "make check": a
# user's clone has no ../shared). Fails below 97 % agreement, or below
# 98 % of the date corpus giving feedparser's UTC value.
.PHONY: corpus

corpus: $(HERALD)
	@test -d $(SHARED)/corpora/feedparser || \
	  { echo "corpus: $(SHARED)/corpora/feedparser not found"; exit 1; }
	python3 tests/corpus/compare-feedparser --herald $(HERALD) \
	  --shared $(SHARED) --differences docs/parse-differences.md --min 97
