# topic.mk: the topic engine's project commands (issue 6).
#
#   make topic-eval   precision, recall, F1 and hard negatives tagged of
#                     config/topics on ../shared/corpora/topic-dev/dev.tsv,
#                     with every error listed (exit 1 when a target is missed)
#   make topicbench   the tagging-throughput driver run by bench/extra-topic.sh

.PHONY: topic-eval topicbench

TOPIC_DEV ?= $(SHARED)/corpora/topic-dev/dev.tsv
TOPICBENCH = $(BUILD)/bench/topicbench

topic-eval: $(HERALD)
	@python3 bench/topic-eval.py --herald $(HERALD) --topics config/topics \
	  --dev $(TOPIC_DEV)

topicbench: $(TOPICBENCH)

$(TOPICBENCH): bench/topicbench.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) \
	  $(call pc_libs,$(BIN_PC)) -lm
