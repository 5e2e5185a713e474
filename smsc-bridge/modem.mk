# smsc-bridge/modem.mk - the modem pool transport (smsc-bridge/modem_*.c):
# its link flags for stkauth-bridge and the rules of its unit tests, fuzz
# target, test driver and benchmark.  Included from the modem section of
# smsc-bridge/build.mk, which picks smsc-bridge/modem_*.c up by wildcard.
#
# BRIDGE_MODEM_PURE_SRCS need neither libevent nor libserialport: the AT
# parser, the error tables, the engine and its init table, the config.

BRIDGE_MODEM_PURE_SRCS := smsc-bridge/modem_at.c smsc-bridge/modem_err.c \
                          smsc-bridge/modem_engine.c smsc-bridge/modem_init.c \
                          smsc-bridge/modem_config.c
BRIDGE_MODEM_SRCS := $(BRIDGE_MODEM_PURE_SRCS) smsc-bridge/modem_link.c \
                     smsc-bridge/modem_list.c smsc-bridge/modem_pool.c
BRIDGE_MODEM_LIBS := -lserialport $(shell pkg-config --libs libevent 2>/dev/null || echo -levent)

BRIDGE_TRANSPORT_LIBS += -lserialport

BRIDGE_MODEM_PURE_OBJS = $(patsubst %.c,$(B)/obj/%.o,$(BRIDGE_MODEM_PURE_SRCS))
BRIDGE_MODEM_OBJS = $(patsubst %.c,$(B)/obj/%.o,$(BRIDGE_MODEM_SRCS))

# Explicit targets: the test_bridge_% and bridge_% patterns link the whole
# bridge, and a pattern of ours would lose to them on a clean tree.
BRIDGE_MODEM_TESTS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_bridge_modem*.c))
$(BRIDGE_MODEM_TESTS): $(B)/tests/%: $(B)/obj/tests/unit/%.o \
    $(BRIDGE_MODEM_PURE_OBJS) $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# The shell tests' driver: the whole transport on a tiny libevent main.
$(B)/tests/helpers/bridge_modem_drive: \
    $(B)/obj/tests/helpers/bridge_modem_drive.o $(BRIDGE_MODEM_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(BRIDGE_MODEM_LIBS) -linih $(LDLIBS)

# The benchmark runs stkauth-netsim and the driver: make bench builds both.
$(B)/bench/bench_bridge_modem: $(B)/obj/tests/bench/bench_bridge_modem.o $(LIB) \
    | $(B)/bin/stkauth-netsim $(B)/tests/helpers/bridge_modem_drive
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(LDLIBS)

BRIDGE_MODEM_FUZZ_SRCS := smsc-bridge/modem_at.c smsc-bridge/modem_err.c
build/fuzz/fuzz_bridge_at: tests/fuzz/fuzz_bridge_at.c \
    $(patsubst %.c,build/fuzz/obj/%.o,$(BRIDGE_MODEM_FUZZ_SRCS)) $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Ismsc-bridge -o $@ $^ $(PKG_LIBS)
