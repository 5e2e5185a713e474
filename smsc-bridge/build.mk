# smsc-bridge/build.mk - stkauth-bridge, the data-transfer server.
#
# Three parts, each owned by one developer:
#   core      smsc-bridge/*.c except main.c, modem_*.c and smpp_*.c: key
#             store, config, queues, server link, packets, metrics, the
#             test-only loop transport (docs/BRIDGE.md)
#   modem     smsc-bridge/modem_*.c (section below)
#   smpp      smsc-bridge/smpp_*.c (section below)
# The program links all three (the core's table of transport types,
# transports.c, names both transports).  The unit tests
# tests/unit/test_bridge_*.c, the test helpers bridge_* and the core's
# benchmark link the same minus main.c (BRIDGE_OBJS); the transports'
# own tests, drivers and benchmarks link their part alone (modem.mk,
# smpp.mk).

BRIDGE_PKGS := libevent_openssl libevent jansson inih sqlite3 libssl
BRIDGE_CORE_SRCS = $(filter-out smsc-bridge/main.c smsc-bridge/modem_% \
                     smsc-bridge/smpp_%,$(sort $(wildcard smsc-bridge/*.c))) \
                   $(COMMON_SQLDB_SRCS)
BRIDGE_TRANSPORT_SRCS = $(sort $(wildcard smsc-bridge/modem_*.c \
                          smsc-bridge/smpp_*.c))
BRIDGE_CORE_LIBS := $(shell pkg-config --libs $(BRIDGE_PKGS) 2>/dev/null || \
                      echo -levent_openssl -levent -ljansson -linih -lsqlite3 -lssl)
# The transports append their own link flags here (e.g. -lserialport,
# -lsmpp34), in their sections.
BRIDGE_TRANSPORT_LIBS =

CPPFLAGS += -Ismsc-bridge $(shell pkg-config --cflags $(BRIDGE_PKGS) 2>/dev/null)

PROGRAMS += stkauth-bridge
stkauth-bridge_SRCS = $(BRIDGE_CORE_SRCS) $(BRIDGE_TRANSPORT_SRCS) smsc-bridge/main.c
stkauth-bridge_LIBS = $(BRIDGE_LIBS)

# The admin CLI (tools/admin) links the key store alone:
#   $(B)/bin/stkauth-admin: $(B)/obj/smsc-bridge/keystore.o   + -lsqlite3
# (and common/sqldb.c, which it links for the server's store anyway)
BRIDGE_KEYSTORE_OBJ = $(B)/obj/smsc-bridge/keystore.o

# --- modem pool (modem_*.c): its helper's lines below ---
-include smsc-bridge/modem.mk
# --- end of the modem pool ---

# --- SMPP ESME (smpp_*.c): its helper's lines below ---
-include smsc-bridge/smpp.mk
# --- end of the SMPP ESME ---

# Everything but main.c; named as targets so that the rules below are
# chosen over the generic ones even on a clean tree.  After the
# transports' sections: the prerequisites are expanded as they are read.
BRIDGE_OBJS = $(patsubst %.c,$(B)/obj/%.o,$(BRIDGE_CORE_SRCS) \
                $(BRIDGE_TRANSPORT_SRCS) $(BRIDGE_SMPP_COMMON_SRCS))
BRIDGE_LIBS = $(BRIDGE_TRANSPORT_LIBS) $(BRIDGE_CORE_LIBS)

$(B)/tests/test_bridge_%: $(B)/obj/tests/unit/test_bridge_%.o \
    $(BRIDGE_OBJS) $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(BRIDGE_LIBS) $(LDLIBS)

$(B)/tests/helpers/bridge_%: $(B)/obj/tests/helpers/bridge_%.o \
    $(BRIDGE_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(BRIDGE_LIBS) $(LDLIBS)

$(B)/bench/bench_bridge_core: $(B)/obj/tests/bench/bench_bridge_core.o \
    $(BRIDGE_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(BRIDGE_LIBS) $(LDLIBS)
