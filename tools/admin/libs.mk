# tools/admin/libs.mk - stkauth-admin (the admin CLI, docs/ADMIN.md).
#
# The CLI works on the server's own store: it links the server's store,
# password, secret and validation sources (ADMIN_SERVER_SRCS, with the
# SQLite helpers of common/sqldb.c they and the key store use) rather
# than copies of them.  Its unit tests (tests/unit/test_admin_*.c) link the same
# plus the CLI's pure parts (ADMIN_PURE_SRCS: no PC/SC, LDAP or CA code).
# Targets are named explicitly: a pattern rule whose objects do not exist
# yet would silently lose against the generic $(B)/tests/% rule.

ADMIN_SERVER_SRCS := server/store_sqlite.c server/store_admin.c \
                     server/password.c server/ticket.c server/json.c \
                     server/result.c \
                     $(COMMON_SQLDB_SRCS)
ADMIN_SERVER_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(ADMIN_SERVER_SRCS))
ADMIN_LIBS := $(shell pkg-config --libs sqlite3 jansson 2>/dev/null || echo -lsqlite3 -ljansson)

# $(LIB) again: the server objects come after it on the link line.
stkauth-admin_LIBS = $(LIB) $(ADMIN_LIBS)

$(B)/tests/test_admin_password: $(B)/obj/tests/unit/test_admin_password.o \
    $(ADMIN_SERVER_OBJS) $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(ADMIN_LIBS) $(LDLIBS)

# The bridge's key store (smsc-bridge/keystore.c: sqlite3 and lib/ only).
stkauth-admin_LIBS += -linih
$(B)/bin/stkauth-admin: $(ADMIN_SERVER_OBJS) $(B)/obj/smsc-bridge/keystore.o
$(ADMIN_SERVER_OBJS) $(B)/obj/smsc-bridge/keystore.o:

# The CLI's parsers alone (no store): CSV, MSISDN, times.
ADMIN_PURE_OBJS := $(patsubst %.c,$(B)/obj/%.o,tools/admin/csv.c \
                     tools/admin/msisdn.c tools/admin/out.c)
$(ADMIN_PURE_OBJS):
$(B)/obj/tests/unit/test_admin_%.o: CPPFLAGS += -Itools/admin
$(B)/tests/test_admin_parse: $(B)/obj/tests/unit/test_admin_parse.o \
    $(ADMIN_PURE_OBJS) $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(ADMIN_LIBS) $(LDLIBS)

# The import benchmark runs the CLI: make bench builds it first.
$(B)/bench/bench_admin_import: | $(B)/bin/stkauth-admin

# enroll / revoke (tools/admin/pcsc.c, card.c, ca.c, ldappub.c): PC/SC,
# libldap, and the phone simulator's APDU exchange (phone_card_cmd, the T=0
# procedure), EF ICCID decoder and PC/SC transmission (pcsc_link_xmit),
# linked rather than copied.
ADMIN_PHONE_OBJS := $(B)/obj/sim-applet-sim/phone/uicc.o \
                    $(B)/obj/sim-applet-sim/phone/pcsc.o
stkauth-admin_LIBS += $(shell pkg-config --libs libpcsclite ldap 2>/dev/null || \
                        echo -lpcsclite -lldap -llber)
$(B)/bin/stkauth-admin: $(ADMIN_PHONE_OBJS)
$(ADMIN_PHONE_OBJS):
$(B)/obj/tools/admin/pcsc.o: CPPFLAGS += $(shell pkg-config --cflags libpcsclite) \
                                -Isim-applet-sim/phone
$(B)/obj/tools/admin/card.o: CPPFLAGS += -Isim-applet-sim/phone

# The CA and the secret files, checked against the server's validation
# (server/certcheck.c with its cache, certcache.c) in tests/unit/test_admin_ca.c.
ADMIN_CA_OBJS := $(patsubst %.c,$(B)/obj/%.o,tools/admin/ca.c \
                   tools/admin/secret.c server/certcheck.c server/certcache.c)
$(ADMIN_CA_OBJS):
$(B)/tests/test_admin_ca: $(B)/obj/tests/unit/test_admin_ca.o \
    $(ADMIN_CA_OBJS) $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)
