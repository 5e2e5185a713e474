# tools/netsim/libs.mk - stkauth-netsim's link flags and its own test and
# fuzz rules.  NETSIM_PURE_SRCS have no libevent dependency: the unit tests
# (tests/unit/test_netsim_*.c) and the fuzz targets (fuzz_at_*) link them.

stkauth-netsim_LIBS := $(shell pkg-config --libs libevent inih libsmpp34 2>/dev/null || echo -levent -linih -lsmpp34)
CPPFLAGS += $(shell pkg-config --cflags libevent inih 2>/dev/null)

NETSIM_PURE_SRCS := tools/netsim/at.c tools/netsim/sub_proto.c tools/netsim/names.c \
                    tools/netsim/faults.c

NETSIM_TEST_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(NETSIM_PURE_SRCS))
NETSIM_FUZZ_OBJS := $(patsubst %.c,build/fuzz/obj/%.o,$(NETSIM_PURE_SRCS))
# Named as targets so the pattern rules below are chosen before the
# generic ones even when these objects do not exist yet.
$(NETSIM_TEST_OBJS) $(NETSIM_FUZZ_OBJS):

$(B)/tests/test_netsim_%: $(B)/obj/tests/unit/test_netsim_%.o \
    $(NETSIM_TEST_OBJS) $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

build/fuzz/fuzz_at_%: tests/fuzz/fuzz_at_%.c \
    $(NETSIM_FUZZ_OBJS) $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Itools/netsim -o $@ $^ $(PKG_LIBS)

# bench_netsim_at starts the daemon: make bench builds it first.
$(B)/bench/bench_netsim_at: | $(B)/bin/stkauth-netsim

# SMPP SMSC (smpp*.c): the sources without libevent, for its unit test,
# fuzz target, benchmark and tshark helper; each also links libsmpp34.
# The SMPP framing and short-message code is shared with the bridge's
# ESME and lives in common/ (COMMON_SMPP_SRCS, common/build.mk): the
# daemon links it too.  Explicit
# targets, not patterns: make only takes a pattern rule whose object files
# exist already or are named as targets somewhere, else it silently falls
# back to the generic rule (which lacks these sources).
SMPP_PURE_SRCS := $(COMMON_SMPP_SRCS) tools/netsim/smpp_config.c

$(B)/bin/stkauth-netsim: $(patsubst %.c,$(B)/obj/%.o,$(COMMON_SMPP_SRCS))

$(B)/obj/tests/unit/test_netsim_smpp.o: CPPFLAGS += -Itools/netsim

$(B)/tests/test_netsim_smpp: $(B)/obj/tests/unit/test_netsim_smpp.o \
    $(patsubst %.c,$(B)/obj/%.o,$(SMPP_PURE_SRCS)) $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -lsmpp34 $(LDLIBS)

build/fuzz/fuzz_smpp_framing: tests/fuzz/fuzz_smpp_framing.c \
    $(patsubst %.c,build/fuzz/obj/%.o,$(SMPP_PURE_SRCS)) $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Icommon -o $@ $^ -lsmpp34 $(PKG_LIBS)

# The benchmark starts the daemon: make bench builds it first.
$(B)/bench/bench_netsim_smpp: $(B)/obj/tests/bench/bench_netsim_smpp.o \
    $(BENCH_SUPPORT_OBJ) $(patsubst %.c,$(B)/obj/%.o,$(SMPP_PURE_SRCS)) \
    $(LIB) | $(B)/bin/stkauth-netsim
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lsmpp34 $(LDLIBS)

$(B)/tests/helpers/smpp_pack: $(B)/obj/tests/helpers/smpp_pack.o \
    $(patsubst %.c,$(B)/obj/%.o,$(SMPP_PURE_SRCS)) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lsmpp34 $(LDLIBS)
