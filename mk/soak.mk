# mk/soak.mk: the soak run (tests/soak/, issue #9, RELIABILITY D5/G19).
#
#   make soak [SOAK_MINUTES=60] [SOAK_INTERVAL=1m] [SOAK_OUT=dir]
#        the daemon against the ../shared/bench corpus (N=1000, generated
#        with gen-corpus if missing) with rounds switching every 2 minutes;
#        samples RSS, descriptors and loop lag every 10 s; fails on > 10 %
#        RSS growth after the warm-up or any descriptor growth.
# Not part of make check (it takes SOAK_MINUTES).

SOAK_MINUTES ?= 60
SOAK_INTERVAL ?= 1m
SOAK_OUT ?=

.PHONY: soak

soak: $(HERALDD) $(HERALD)
	python3 tests/soak/soak.py --build $(BUILD) --shared $(SHARED) \
	  --minutes $(SOAK_MINUTES) --interval $(SOAK_INTERVAL) \
	  $(if $(SOAK_OUT),--out $(SOAK_OUT))
