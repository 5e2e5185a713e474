# server/build.mk - stkauth-server.  Two sections: the certificate/LDAP part
# (helper M) and the daemon (helper N, which links $(SERVER_CERT_SRCS)).

# --- certificate/LDAP part (helper M) ---
# certcheck.c: X.509 validation with CRLs; ldapcache.c: the TTL cache;
# ldapdir.c: the LDAP certificate directory (libldap, worker threads);
# certdir.c: both in one blocking call (for a struct cert_source).
# Their unit tests (tests/unit/test_server_cert*.c, test_server_ldap*.c:
# the names must have a suffix, e.g. test_server_certcheck, so that these
# rules, with the shorter stem, win over the core part's test_server_%)
# and the probe the LDAP integration test drives
# (tests/helpers/ldapdir_probe.c) link these sources explicitly.
SERVER_CERT_SRCS = server/certcheck.c server/ldapcache.c server/ldapdir.c \
                   server/certdir.c
SERVER_CERT_LIBS = -lldap -llber -lpthread

CPPFLAGS += -Iserver

$(B)/tests/test_server_cert%: $(B)/obj/tests/unit/test_server_cert%.o \
    $(B)/obj/server/certcheck.o $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

$(B)/tests/test_server_ldap%: $(B)/obj/tests/unit/test_server_ldap%.o \
    $(patsubst %.c,$(B)/obj/%.o,$(SERVER_CERT_SRCS)) $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(SERVER_CERT_LIBS) $(LDLIBS)

$(B)/tests/helpers/ldapdir_probe: $(B)/obj/tests/helpers/ldapdir_probe.o \
    $(patsubst %.c,$(B)/obj/%.o,$(SERVER_CERT_SRCS)) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(SERVER_CERT_LIBS) $(LDLIBS)
# The fuzz target reads certificates, CRLs, tel URIs and filter values; it
# needs certcheck.c and ldapdir.c (for the RFC 4515 escaping), so libldap.
build/fuzz/fuzz_server_certcheck: tests/fuzz/fuzz_server_certcheck.c \
    $(patsubst %.c,build/fuzz/obj/%.o,$(SERVER_CERT_SRCS)) $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Iserver -o $@ $^ $(PKG_LIBS) $(SERVER_CERT_LIBS)
# --- end of the certificate/LDAP part ---
