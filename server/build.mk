# server/build.mk - stkauth-server.  Two sections: the certificate/LDAP part
# (helper M) and the daemon (helper N, which links $(SERVER_CERT_SRCS)).

# --- certificate/LDAP part (helper M) ---
# certcheck.c: X.509 validation with CRLs (certcache.c: its cache of parsed
# and validated certificates); ldapcache.c: the TTL cache;
# ldapdir.c: the LDAP certificate directory (libldap, worker threads);
# certdir.c: both in one blocking call (for a struct cert_source).
# Their unit tests (tests/unit/test_server_cert*.c, test_server_ldap*.c:
# the names must have a suffix, e.g. test_server_certcheck, so that these
# rules, with the shorter stem, win over the core part's test_server_%)
# and the probe the LDAP integration test drives
# (tests/helpers/ldapdir_probe.c) link these sources explicitly.
SERVER_CERT_SRCS = server/certcheck.c server/certcache.c server/ldapcache.c \
                   server/ldapdir.c server/certdir.c
SERVER_CERT_LIBS = -lldap -llber -lpthread

CPPFLAGS += -Iserver

$(B)/tests/test_server_cert%: $(B)/obj/tests/unit/test_server_cert%.o \
    $(B)/obj/server/certcheck.o $(B)/obj/server/certcache.o \
    $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -lpthread $(LDLIBS)

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

# --- server core part (helper N): sessions, REST and bridge APIs, store ---
# The server's code is server/*.c; main.c is the daemon.  Unit tests
# (tests/unit/test_server_*.c) and the fuzz targets (fuzz_server_*) link
# everything but main.c through the rules below.  SERVER_CERT_SRCS
# (LDAP directory and certificate validation) is defined in its own section
# of this file; the variables are recursive (=) so that the order of the
# sections does not matter.

SERVER_PKGS := libevent_openssl libevent libevent_pthreads jansson inih sqlite3
# the login page (issue 8): its own section at the end of this file; the
# list is here because rule prerequisites are expanded when read
SERVER_WEB_SRCS = server/web.c server/web_config.c server/web_form.c \
                  server/web_sess.c server/web_work.c server/web_html.c \
                  server/web_assets.c server/web_strings.c server/captcha.c
SERVER_CORE_SRCS = server/result.c server/ticket.c server/config.c \
                   server/store_admin.c server/password.c \
                   server/store_sqlite.c server/store_ckpt.c \
                   server/json.c server/certsrc.c \
                   server/verify.c server/http.c server/batch.c server/api.c \
                   server/bridge.c \
                   $(SERVER_WEB_SRCS) $(COMMON_SQLDB_SRCS)
SERVER_LIBS = $(shell pkg-config --libs $(SERVER_PKGS) libssl) -lldap -llber -lpthread

PROGRAMS += stkauth-server
stkauth-server_SRCS = $(SERVER_CORE_SRCS) $(SERVER_CERT_SRCS) server/main.c
stkauth-server_LIBS = $(SERVER_LIBS)
# jemalloc serves every malloc of the daemon (libevent, SQLite, jansson,
# OpenSSL): a third less CPU per request than glibc's (docs/DECISIONS.md).
# Not in the sanitizer build, whose runtime replaces malloc itself.
ifneq ($(SAN),1)
stkauth-server_LIBS += -ljemalloc
endif

CPPFLAGS += $(shell pkg-config --cflags $(SERVER_PKGS))

$(B)/tests/test_server_%: $(B)/obj/tests/unit/test_server_%.o \
    $(patsubst %.c,$(B)/obj/%.o,$(SERVER_CORE_SRCS) $(SERVER_CERT_SRCS)) \
    $(TEST_SUPPORT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(SERVER_LIBS) $(LDLIBS)

# The JSON decoders alone (json.c and what it calls need no event loop).
SERVER_FUZZ_SRCS = server/json.c server/result.c server/ticket.c server/config.c \
                   server/web_config.c server/web_form.c

# Named targets, not a pattern: a pattern rule whose server objects do not
# exist yet would lose against the generic build/fuzz/% rule.
build/fuzz/fuzz_server_json: tests/fuzz/fuzz_server_json.c \
    $(patsubst %.c,build/fuzz/obj/%.o,$(SERVER_FUZZ_SRCS)) $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Iserver -o $@ $^ $(PKG_LIBS) \
	    $(shell pkg-config --libs jansson inih)
# --- end of the server core part ---

# --- benchmarks of the server (issue 7 figures) ---
# tests/bench/bench_server_*.c share the fixture tests/bench/server_bench.c
# (PKI, store, server process, HTTP client) and link the server's sources
# for the store and the secrets; they start build/bin/stkauth-server.
# Explicit targets, so that the generic $(B)/bench/% rule never wins.
SERVER_BENCHES = $(B)/bench/bench_server_auth $(B)/bench/bench_server_memory
$(SERVER_BENCHES): $(B)/bench/%: $(B)/obj/tests/bench/%.o \
    $(B)/obj/tests/bench/server_bench.o \
    $(patsubst %.c,$(B)/obj/%.o,$(SERVER_CORE_SRCS) $(SERVER_CERT_SRCS)) \
    $(LIB) | $(B)/bin/stkauth-server
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS) $(LDLIBS)
# --- end of the benchmarks ---

# --- the login page (issue 8, web part): server/web*.c, server/captcha.c ---
# SERVER_WEB_SRCS (defined above SERVER_CORE_SRCS) is linked into the
# server through SERVER_CORE_SRCS (so the unit tests and
# benches that link the core get it too); libgd draws the CAPTCHA (-lm for
# its distortion).  web_config.c and web_form.c need neither libevent nor
# libgd: config.c calls the first, the JSON fuzz target links both, and so
# does the form/cookie fuzz target below.
SERVER_LIBS += $(shell pkg-config --libs gdlib 2>/dev/null || echo -lgd) -lm
CPPFLAGS += $(shell pkg-config --cflags gdlib 2>/dev/null)

build/fuzz/fuzz_web_form: tests/fuzz/fuzz_web_form.c \
    $(patsubst %.c,build/fuzz/obj/%.o,server/web_form.c) $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Iserver -o $@ $^ $(PKG_LIBS)
# --- end of the login page ---
