# sim-applet-sim/build.mk - the virtual UICC (stkauth-sim).
#
# The card's code is in sim-applet-sim/*.c; main.c is the daemon.  Unit
# tests (tests/unit/test_card_*.c) and the fuzz target (fuzz_apdu) link
# the card sources without main.c, through the rules below.

CARD_TEST_SRCS := sim-applet-sim/apdu.c sim-applet-sim/content.c \
                  sim-applet-sim/fs.c sim-applet-sim/pin.c \
                  sim-applet-sim/state.c sim-applet-sim/vpcd.c \
                  sim-applet-sim/toolkit.c sim-applet-sim/ota_layer.c \
                  sim-applet-sim/applet.c sim-applet-sim/perso.c

PROGRAMS += stkauth-sim
stkauth-sim_SRCS := $(CARD_TEST_SRCS) sim-applet-sim/main.c
stkauth-sim_LIBS :=

CPPFLAGS += -Isim-applet-sim

$(B)/tests/test_card_%: $(B)/obj/tests/unit/test_card_%.o \
    $(patsubst %.c,$(B)/obj/%.o,$(CARD_TEST_SRCS)) $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

build/fuzz/fuzz_apdu: tests/fuzz/fuzz_apdu.c \
    $(patsubst %.c,build/fuzz/obj/%.o,$(CARD_TEST_SRCS)) $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Isim-applet-sim -o $@ $^ $(PKG_LIBS)

# stkauth-phone, the ME simulator (sim-applet-sim/phone/, docs/PHONE.md).
PHONE_TEST_SRCS := sim-applet-sim/phone/uicc.c sim-applet-sim/phone/smspp.c sim-applet-sim/phone/popup.c sim-applet-sim/phone/net.c sim-applet-sim/phone/control.c sim-applet-sim/phone/session.c
PROGRAMS += stkauth-phone
stkauth-phone_SRCS := $(PHONE_TEST_SRCS) sim-applet-sim/phone/pcsc.c sim-applet-sim/phone/main.c
stkauth-phone_LIBS := $(shell pkg-config --libs libpcsclite)
$(B)/obj/sim-applet-sim/phone/pcsc.o: CPPFLAGS += $(shell pkg-config --cflags libpcsclite)
$(B)/obj/tests/unit/test_phone_%.o: CPPFLAGS += -Isim-applet-sim/phone
$(B)/tests/test_phone_%: $(B)/obj/tests/unit/test_phone_%.o $(patsubst %.c,$(B)/obj/%.o,$(PHONE_TEST_SRCS)) $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)
build/fuzz/fuzz_phone: tests/fuzz/fuzz_phone.c $(patsubst %.c,build/fuzz/obj/%.o,$(PHONE_TEST_SRCS)) $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Isim-applet-sim/phone -o $@ $^ $(PKG_LIBS)
