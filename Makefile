# stkauth - top-level build.  Plain GNU make; every component lands in build/.
#
#   make            build the library, daemons and tools
#   make check      install missing packages, build, run every test
#   make demo       run the whole system on this machine
#   make fuzz       run each libFuzzer target for FUZZ_TIME seconds
#   make bench      run the benchmark programs
#   make install    PREFIX=/usr/local DESTDIR= : binaries and man pages
#
# Sources are found by convention, so adding a file needs no Makefile edit:
#   lib/*.c                 -> build/libstkauth.a
#   tools/NAME/*.c          -> build/bin/stkauth-NAME
#   tests/unit/test_*.c     -> build/tests/test_*        (cmocka, TAP output)
#   tests/sh/*.sh           -> run as tests               (TAP output)
#   tests/helpers/*.c       -> build/tests/helpers/*      (programs the shell
#                              tests call, e.g. to feed tshark)
#   tests/fuzz/fuzz_*.c     -> build/fuzz/fuzz_*          (libFuzzer, clang)
#   tests/bench/bench_*.c   -> build/bench/bench_*     (each linked with
#                              tests/bench/bench_support.c, their shared
#                              scaffolding, which is no bench itself)
#   docs/man/*.[1-8]        -> installed man pages
# A tools/NAME/libs.mk fragment may set stkauth-NAME_LIBS (extra link flags)
# and add rules of its own.  Folders whose binaries do not follow tools/NAME
# (daemons with several programs) describe them in a DIR/build.mk fragment:
#   PROGRAMS += stkauth-sim
#   stkauth-sim_SRCS := sim-applet-sim/main.c sim-applet-sim/card.c
#   stkauth-sim_LIBS := -lpcsclite        (optional extra link flags)
# common/build.mk names the sources several programs share outside lib/
# (COMMON_*_SRCS); the fragments that link them add them to their lists.

SHELL      := /bin/bash
CC         ?= cc
FUZZ_CC    ?= clang
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
B          := build
FUZZ_TIME  ?= 60

PKGS       := libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lcrypto)

WARN       := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
              -Wmissing-prototypes -Wformat=2
CPPFLAGS   += -D_DEFAULT_SOURCE -Ilib $(PKG_CFLAGS)
CFLAGS     ?= -O2 -g
CFLAGS     += -std=c11 $(WARN)
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
LDLIBS     += $(PKG_LIBS)

ifeq ($(SAN),1)
B          := build/san
CFLAGS     += $(SAN_FLAGS) -O1
LDFLAGS    += $(SAN_FLAGS)
endif

LIB_SRCS   := $(sort $(wildcard lib/*.c))
LIB_OBJS   := $(LIB_SRCS:%.c=$(B)/obj/%.o)
LIB        := $(B)/libstkauth.a

TOOL_DIRS  := $(sort $(patsubst %/,%,$(dir $(wildcard tools/*/*.c))))
TOOL_BINS  := $(foreach d,$(TOOL_DIRS),$(B)/bin/stkauth-$(notdir $(d)))

TEST_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
TEST_BINS  := $(TEST_SRCS:tests/unit/%.c=$(B)/tests/%)
TEST_SUPPORT_SRCS := $(sort $(wildcard tests/unit/support_*.c))
TEST_SUPPORT_OBJS := $(TEST_SUPPORT_SRCS:%.c=$(B)/obj/%.o)
SH_TESTS   := $(sort $(wildcard tests/sh/*.sh))
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(B)/tests/helpers/%)

FUZZ_SRCS  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS  := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=build/fuzz/obj/%.o)
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
              -g -O1 -std=c11 -D_DEFAULT_SOURCE -Ilib $(PKG_CFLAGS)

BENCH_SRCS := $(filter-out tests/bench/bench_support.c,\
              $(sort $(wildcard tests/bench/bench_*.c)))
BENCH_SUPPORT_OBJ := $(B)/obj/tests/bench/bench_support.o
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.c=$(B)/bench/%)

MAN_PAGES  := $(sort $(wildcard docs/man/*.[1-8]))

# Fragments come last so their rules may use every variable above.
PROGRAMS   :=
include $(sort $(wildcard */build.mk tools/*/libs.mk))
PROGRAM_BINS := $(addprefix $(B)/bin/,$(PROGRAMS))

.PHONY: all check check-build check-san demo demo-stop deps install clean \
        fuzz fuzz-build bench tests
.DEFAULT_GOAL := all
.SECONDARY:

all: $(LIB) $(TOOL_BINS) $(PROGRAM_BINS)

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

# One binary per tools/NAME folder.
define tool_rule
$(B)/bin/stkauth-$(notdir $(1)): $(patsubst %.c,$(B)/obj/%.o,$(wildcard $(1)/*.c)) $(LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(stkauth-$(notdir $(1))_LIBS) $$(LDLIBS)
endef
$(foreach d,$(TOOL_DIRS),$(eval $(call tool_rule,$(d))))

# One binary per PROGRAMS entry of a build.mk fragment.
define program_rule
$(B)/bin/$(1): $(patsubst %.c,$(B)/obj/%.o,$($(1)_SRCS)) $(LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$($(1)_LIBS) $$(LDLIBS)
endef
$(foreach p,$(PROGRAMS),$(eval $(call program_rule,$(p))))

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

$(B)/bench/%: $(B)/obj/tests/bench/%.o $(BENCH_SUPPORT_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/helpers/%: $(B)/obj/tests/helpers/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests: $(TEST_BINS) $(HELPER_BINS)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) -fsanitize=fuzzer-no-link,address,undefined \
	    -fno-sanitize-recover=all -g -O1 -std=c11 -D_DEFAULT_SOURCE \
	    -Ilib -Icommon $(PKG_CFLAGS) -MMD -MP -c $< -o $@

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ $(PKG_LIBS)

fuzz-build: $(FUZZ_BINS)

# Each target explores for FUZZ_TIME seconds, growing its corpus in
# build/fuzz/corpus/NAME (seeded from tests/fuzz/corpus/NAME).
fuzz: deps fuzz-build
	@for f in $(FUZZ_BINS); do \
	    n=$$(basename $$f); mkdir -p build/fuzz/corpus/$$n build/fuzz/artifacts; \
	    echo "== $$n for $(FUZZ_TIME)s"; \
	    $$f -max_total_time=$(FUZZ_TIME) -timeout=10 \
	        -artifact_prefix=build/fuzz/artifacts/ \
	        build/fuzz/corpus/$$n tests/fuzz/corpus/$$n || exit 1; \
	done

bench: $(BENCH_BINS)
	@for b in $(BENCH_BINS); do echo "== $$b"; $$b || exit 1; done

deps:
	@tools/deps.sh

# check: normal build and tests, the same unit tests under ASan+UBSan, the
# shell tests (CLI, tshark cross-checks, end to end), and a fuzz smoke run
# per target.  The shell tests, the longest, are started first.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

check: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all tests
	@$(MAKE) --no-print-directory -j$(JOBS) SAN=1 all tests
	@$(MAKE) --no-print-directory -j$(JOBS) fuzz-build
	@tests/run-tests.sh \
	    $(addprefix sh:,$(SH_TESTS)) \
	    $(addprefix unit:,$(TEST_BINS)) \
	    $(addprefix unit-san:,$(TEST_BINS:$(B)/%=build/san/%)) \
	    $(addprefix fuzz:,$(FUZZ_BINS))

demo: deps all
	@tools/demo.sh

demo-stop:
	@tools/demo.sh stop

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(TOOL_BINS) $(PROGRAM_BINS) $(DESTDIR)$(BINDIR)
	@for m in $(MAN_PAGES); do \
	    s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
	    echo install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s; \
	    install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s || exit 1; \
	done

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
