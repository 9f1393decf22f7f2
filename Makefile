# herald: one non-recursive GNU Makefile (STYLE.md §12).
#
#   make deps    install (as root) or name the missing Debian packages
#   make         build heraldd and herald into build/
#   make run     build, then run heraldd in the foreground on config/heraldd.conf
#   make check   build and run every test (unit, corpus, integration)
#   make asan    the same tests under AddressSanitizer + UBSan (build-asan/)
#   make bench   the loopback benchmark against ../shared/bench (not in check)

VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= /lib/systemd/system

BUILD ?= build
SHARED ?= ../shared

# Debian 12 packages, as "pkg-config-name:debian-package".
PKGS = libuv:libuv1-dev libcurl:libcurl4-openssl-dev libxml-2.0:libxml2-dev \
       sqlite3:libsqlite3-dev jansson:libjansson-dev libutf8proc:libutf8proc-dev \
       libsystemd:libsystemd-dev libcrypto:libssl-dev cmocka:libcmocka-dev
PC_NAMES = $(foreach p,$(PKGS),$(firstword $(subst :, ,$(p))))
DEB_PKGS = pkg-config gcc make python3 sqlite3 systemd libxml2-utils \
	   iproute2 util-linux \
	   $(foreach p,$(PKGS),$(lastword $(subst :, ,$(p))))
BENCH_DEB_PKGS = nginx-light curl time python3

LIB_PC = libxml-2.0 sqlite3 libutf8proc libcrypto jansson
BIN_PC = libuv libcurl libsystemd $(LIB_PC)

pc_cflags = $(shell pkg-config --cflags $(1) 2>/dev/null)
pc_libs = $(shell pkg-config --libs $(1) 2>/dev/null)

# Packagers may build with WERROR= (warnings stay warnings).
WERROR ?= -Werror
WARN = -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wformat=2 -Wvla
HERALD_CPPFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 \
		  -DHERALD_VERSION='"$(VERSION)"' -I. $(call pc_cflags,$(BIN_PC))
HERALD_CFLAGS = $(WARN) -O2 -g -MMD -MP
ifeq ($(SAN),1)
HERALD_CFLAGS += -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
		 -fno-omit-frame-pointer
HERALD_LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS = $(HERALD_CPPFLAGS) $(CPPFLAGS) $(HERALD_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(HERALD_LDFLAGS) $(LDFLAGS)

LIB_SRCS = $(wildcard feeds/*.c) $(wildcard config/*.c) $(wildcard store/*.c)
DAEMON_SRCS = $(wildcard daemon/*.c)
CLI_SRCS = $(wildcard cli/*.c)
TEST_SRCS = $(wildcard tests/unit/test_*.c)

LIB = $(BUILD)/libherald.a
LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/%.o)
DAEMON_OBJS = $(DAEMON_SRCS:%.c=$(BUILD)/%.o)
# The daemon's modules without main(), so unit tests can link them.
DLIB = $(BUILD)/libheraldd.a
DLIB_OBJS = $(filter-out $(BUILD)/daemon/main.o,$(DAEMON_OBJS))
CLI_OBJS = $(CLI_SRCS:%.c=$(BUILD)/%.o)
TEST_BINS = $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HERALDD = $(BUILD)/heraldd
HERALD = $(BUILD)/herald

.PHONY: all deps bench-deps run check unit integration asan bench install \
	uninstall clean hdrcheck
.DEFAULT_GOAL := all

all: $(HERALDD) $(HERALD) $(TEST_BINS)

# Installs what is missing when root on Debian; otherwise names it and fails.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "deps: installing$$missing"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	else \
	  echo "deps: missing Debian packages; run as root:"; \
	  echo "  apt-get install -y$$missing"; exit 1; \
	fi

bench-deps:
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(DEB_PKGS) $(BENCH_DEB_PKGS)"

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(DLIB): $(DLIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(HERALDD): $(BUILD)/daemon/main.o $(DLIB) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(BUILD)/daemon/main.o $(DLIB) $(LIB) \
	  $(call pc_libs,$(BIN_PC)) -lm

$(HERALD): $(CLI_OBJS) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(call pc_libs,$(BIN_PC)) -lm

$(BUILD)/tests/%: tests/unit/%.c $(DLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(DLIB) $(LIB) $(ALL_LDFLAGS) \
	  $(call pc_libs,$(BIN_PC) cmocka) -lm

run: deps
	@$(MAKE) --no-print-directory $(HERALDD) $(HERALD)
	@mkdir -p state
	./$(HERALDD) -f config/heraldd.conf

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit integration $(CHECK_EXTRA)

# Extra test steps (corpus, fuzz replay, ...) add themselves to CHECK_EXTRA
# from their own mk/*.mk fragment.
CHECK_EXTRA ?=
-include $(wildcard mk/*.mk)

unit: $(TEST_BINS)
	@fail=0; for t in $(TEST_BINS); do \
	  echo "== $$t"; case $$t in /*) $$t ;; *) ./$$t ;; esac || fail=1; \
	done; exit $$fail

integration: $(HERALDD) $(HERALD)
	@BUILD=$(BUILD) SHARED=$(SHARED) sh tests/integration/run.sh

asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(MAKE) --no-print-directory BUILD=build-asan SAN=1 unit integration \
	  $(CHECK_EXTRA)

bench: bench-deps
	@$(MAKE) --no-print-directory $(HERALDD) $(HERALD)
	@BUILD=$(BUILD) SHARED=$(SHARED) sh bench/run.sh

hdrcheck:
	@for h in $(wildcard feeds/*.h config/*.h store/*.h daemon/*.h cli/*.h); do \
	  echo "#include \"$$h\"" | $(CC) $(HERALD_CPPFLAGS) $(WARN) -x c -fsyntax-only - || exit 1; \
	done; echo "hdrcheck: ok"

MANPAGES = docs/heraldd.8 docs/heraldd.conf.5 $(wildcard docs/herald.1) \
	   $(wildcard docs/herald.topic.5)
SYSUSERSDIR ?= /usr/lib/sysusers.d
TMPFILESDIR ?= /usr/lib/tmpfiles.d
COMPLETIONDIR ?= /usr/share/bash-completion/completions

install: $(HERALDD) $(HERALD)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	  $(DESTDIR)$(SYSCONFDIR)/herald/topics $(DESTDIR)$(SYSTEMDUNITDIR) \
	  $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(HERALDD) $(DESTDIR)$(SBINDIR)/heraldd
	install -m 755 $(HERALD) $(DESTDIR)$(BINDIR)/herald
	sed -e 's|^database *=.*|database = /var/lib/herald/herald.db|' \
	    -e 's|^control_socket *=.*|control_socket = /run/herald/control.sock|' \
	  config/heraldd.conf > $(DESTDIR)$(SYSCONFDIR)/herald/heraldd.conf
	install -m 644 config/feeds.conf $(DESTDIR)$(SYSCONFDIR)/herald/feeds.conf
	install -m 644 config/topics/*.topic $(DESTDIR)$(SYSCONFDIR)/herald/topics/
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	  systemd/heraldd.service.in > $(DESTDIR)$(SYSTEMDUNITDIR)/heraldd.service
	install -m 644 systemd/herald.sysusers $(DESTDIR)$(SYSUSERSDIR)/herald.conf
	install -m 644 systemd/herald.tmpfiles $(DESTDIR)$(TMPFILESDIR)/herald.conf
	for m in $(MANPAGES); do \
	  s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	if [ -f completion/herald.bash ]; then \
	  install -d $(DESTDIR)$(COMPLETIONDIR) && \
	  install -m 644 completion/herald.bash $(DESTDIR)$(COMPLETIONDIR)/herald; fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/heraldd $(DESTDIR)$(BINDIR)/herald \
	  $(DESTDIR)$(SYSTEMDUNITDIR)/heraldd.service \
	  $(DESTDIR)$(SYSUSERSDIR)/herald.conf $(DESTDIR)$(TMPFILESDIR)/herald.conf \
	  $(DESTDIR)$(COMPLETIONDIR)/herald
	for m in $(MANPAGES); do s=$${m##*.}; b=$${m##*/}; \
	  rm -f $(DESTDIR)$(MANDIR)/man$$s/$$b; done

clean:
	rm -rf build build-asan

-include $(LIB_OBJS:.o=.d) $(DAEMON_OBJS:.o=.d) $(CLI_OBJS:.o=.d)
