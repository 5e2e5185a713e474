# smsc-bridge/smpp.mk - the SMPP 3.4 ESME transport (smsc-bridge/smpp_*.c):
# its link flags for stkauth-bridge, and the rules of its unit test, fuzz
# target, test driver and benchmark.  Included at the end of
# smsc-bridge/build.mk, which picks smsc-bridge/smpp_*.c up by wildcard.
#
# The generic SMPP pieces are shared with the netsim SMSC (framing,
# names, header-only PDUs, submit_sm packing, addresses, the data_coding
# table): common/smpp_pdu.c and smpp_sm.c (common/build.mk).

BRIDGE_SMPP_PKGS := libevent_openssl libevent libssl libcrypto
BRIDGE_SMPP_COMMON_SRCS := $(COMMON_SMPP_SRCS)
# Without sockets or the event loop: unit test and fuzz target.
BRIDGE_SMPP_PURE_SRCS := smsc-bridge/smpp_conf.c smsc-bridge/smpp_map.c \
                         smsc-bridge/smpp_pdu.c smsc-bridge/smpp_link.c
BRIDGE_SMPP_SRCS := $(BRIDGE_SMPP_PURE_SRCS) smsc-bridge/smpp_transport.c
BRIDGE_SMPP_LIBS := -lsmpp34 $(shell pkg-config --libs $(BRIDGE_SMPP_PKGS) 2>/dev/null || echo -levent_openssl -levent -lssl -lcrypto)

stkauth-bridge_SRCS += $(BRIDGE_SMPP_COMMON_SRCS)
BRIDGE_TRANSPORT_LIBS += $(BRIDGE_SMPP_LIBS)

BRIDGE_SMPP_OBJS = $(patsubst %.c,$(B)/obj/%.o,$(BRIDGE_SMPP_SRCS) $(BRIDGE_SMPP_COMMON_SRCS))
BRIDGE_SMPP_PURE_OBJS = $(patsubst %.c,$(B)/obj/%.o,$(BRIDGE_SMPP_PURE_SRCS) $(BRIDGE_SMPP_COMMON_SRCS))

# Who includes smpp_esme.h needs the common header folder and ours (the
# fuzz objects are compiled without CPPFLAGS).
BRIDGE_SMPP_INC := -Icommon -Ismsc-bridge
$(B)/obj/smsc-bridge/smpp_%.o: CPPFLAGS += $(BRIDGE_SMPP_INC)
$(B)/obj/tests/unit/test_bridge_smpp.o: CPPFLAGS += $(BRIDGE_SMPP_INC)
$(B)/obj/tests/helpers/bridge_smpp_%.o: CPPFLAGS += $(BRIDGE_SMPP_INC)
$(B)/obj/tests/bench/bench_bridge_smpp.o: CPPFLAGS += $(BRIDGE_SMPP_INC)

# Explicit targets (not patterns that fall back to the generic rules on a
# clean tree).
$(B)/tests/test_bridge_smpp: $(B)/obj/tests/unit/test_bridge_smpp.o \
    $(BRIDGE_SMPP_PURE_OBJS) $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -lsmpp34 $(LDLIBS)

$(B)/tests/helpers/bridge_smpp_drive: $(B)/obj/tests/helpers/bridge_smpp_drive.o \
    $(BRIDGE_SMPP_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(BRIDGE_SMPP_LIBS) $(LDLIBS)

# The benchmark starts the netsim daemon: make bench builds it first.
$(B)/bench/bench_bridge_smpp: $(B)/obj/tests/bench/bench_bridge_smpp.o \
    $(BENCH_SUPPORT_OBJ) $(BRIDGE_SMPP_OBJS) $(LIB) | $(B)/bin/stkauth-netsim
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(BRIDGE_SMPP_LIBS) $(LDLIBS)

BRIDGE_SMPP_FUZZ_OBJS := $(patsubst %.c,build/fuzz/obj/%.o,$(BRIDGE_SMPP_PURE_SRCS))
$(BRIDGE_SMPP_FUZZ_OBJS): build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) -fsanitize=fuzzer-no-link,address,undefined \
	    -fno-sanitize-recover=all -g -O1 -std=c11 -D_DEFAULT_SOURCE \
	    -Ilib $(BRIDGE_SMPP_INC) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

build/fuzz/fuzz_bridge_smpp: tests/fuzz/fuzz_bridge_smpp.c \
    $(BRIDGE_SMPP_FUZZ_OBJS) \
    $(patsubst %.c,build/fuzz/obj/%.o,$(BRIDGE_SMPP_COMMON_SRCS)) \
    $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(BRIDGE_SMPP_INC) -o $@ $^ -lsmpp34 $(PKG_LIBS)
