/*
 * test_server_ldapdir.c - server/ldapcache.c and server/ldapdir.c without
 * a directory server: RFC 4515 filter escaping (vectors), the search
 * filter, the TTL/LRU cache, configuration checks, argument checks, and
 * the behaviour towards servers that hang (the caller is never blocked,
 * the timeout ends the lookup, cancel) or refuse connections (backoff).
 * Lookups against a real slapd are in tests/sh/test_ldap_directory.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "err.h"
#include "ldapcache.h"
#include "ldapdir.h"
#include "support_vectors.h"

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- filters ------------------------------------------------------------ */

static void
test_filter_escape_vectors(void **state)
{
	struct vec_file *vf =
	    vec_load("tests/vectors/server-cert/ldap-filter.txt");
	struct stk_buf b;
	const char *want;
	uint8_t *v;
	size_t i, n;

	(void)state;
	assert_true(vf->ncases >= 7);
	for (i = 0; i < vf->ncases; i++) {
		v = vec_hex(&vf->cases[i], "value", &n);
		want = vec_need(&vf->cases[i], "escaped");
		stk_buf_init(&b);
		assert_true(ldapdir_filter_escape(&b, v, n));
		if (stk_buf_len(&b) != strlen(want) ||
		    memcmp(stk_buf_data(&b), want, strlen(want)) != 0)
			print_error("line %zu: got %.*s\n", vf->cases[i].line,
			    (int)stk_buf_len(&b), (const char *)stk_buf_data(&b));
		assert_int_equal(stk_buf_len(&b), strlen(want));
		assert_memory_equal(stk_buf_data(&b), want, strlen(want));
		stk_buf_free(&b);
		free(v);
	}
	vec_free(vf);
}

static void
test_filter_escape_fixed_buffer(void **state)
{
	uint8_t mem[5];
	struct stk_buf b;

	(void)state;
	/* "a*" needs 4 octets, "a**" 7: the builder fails, no overrun. */
	stk_buf_init_fixed(&b, mem, sizeof(mem));
	assert_true(ldapdir_filter_escape(&b, (const uint8_t *)"a*", 2));
	assert_false(ldapdir_filter_escape(&b, (const uint8_t *)"**", 2));
}

static void
test_filter(void **state)
{
	struct ldapdir_config c;
	struct stk_buf b;

	(void)state;
	ldapdir_config_defaults(&c);
	stk_buf_init(&b);
	assert_int_equal(ldapdir_filter(&c, "alice", "+37255500001", &b),
	    STK_OK);
	assert_string_equal((const char *)stk_buf_data(&b),
	    "(&(objectClass=inetOrgPerson)(uid=alice)(mobile=+37255500001))");
	stk_buf_reset(&b);
	assert_int_equal(ldapdir_filter(&c, "a(b)*", NULL, &b), STK_OK);
	assert_string_equal((const char *)stk_buf_data(&b),
	    "(&(objectClass=inetOrgPerson)(uid=a\\28b\\29\\2a))");
	stk_buf_reset(&b);
	c.user_class = "pkiUser";
	c.uid_attr = "cn";
	c.msisdn_attr = "telephoneNumber";
	assert_int_equal(ldapdir_filter(&c, "", "+1", &b), STK_OK);
	assert_string_equal((const char *)stk_buf_data(&b),
	    "(&(objectClass=pkiUser)(telephoneNumber=+1))");
	stk_buf_reset(&b);
	assert_int_equal(ldapdir_filter(&c, "", "", &b), STK_E_ARG);
	assert_int_equal(ldapdir_filter(&c, NULL, NULL, &b), STK_E_ARG);
	stk_buf_free(&b);
}

/* ---- cache -------------------------------------------------------------- */

static void
values(struct ldapcache_values *v, const char *a, const char *b)
{
	memset(v, 0, sizeof(*v));
	if (a != NULL)
		assert_int_equal(ldapcache_values_add(v, (const uint8_t *)a,
		    strlen(a)), STK_OK);
	if (b != NULL)
		assert_int_equal(ldapcache_values_add(v, (const uint8_t *)b,
		    strlen(b)), STK_OK);
}

static void
test_cache_ttl(void **state)
{
	struct ldapcache *c;
	struct ldapcache_values in, out;
	int st = 99;

	(void)state;
	assert_int_equal(ldapcache_new(4, &c), STK_OK);
	values(&in, "cert-1", "cert-2");
	assert_int_equal(ldapcache_put(c, "U:alice", STK_OK, &in, 1000, 500),
	    STK_OK);
	/* The cache holds its own copy. */
	in.der[0][0] = 'X';
	ldapcache_values_free(&in);
	assert_int_equal(ldapcache_get(c, "U:alice", 1000, &st, &out), STK_OK);
	assert_int_equal(st, STK_OK);
	assert_int_equal(out.n, 2);
	assert_memory_equal(out.der[0], "cert-1", 6);
	assert_int_equal(out.len[1], 6);
	ldapcache_values_free(&out);
	/* A hit does not extend the life: expires at 1000 + 500. */
	assert_int_equal(ldapcache_get(c, "U:alice", 1499, &st, &out), STK_OK);
	ldapcache_values_free(&out);
	assert_int_equal(ldapcache_get(c, "U:alice", 1500, &st, &out),
	    STK_E_NOT_FOUND);
	assert_int_equal(out.n, 0);
	assert_int_equal(ldapcache_count(c), 0);	/* expired: removed */
	/* Negative entries keep their status, with no values. */
	assert_int_equal(ldapcache_put(c, "U:bob", STK_E_NOT_FOUND, NULL, 0,
	    100), STK_OK);
	assert_int_equal(ldapcache_get(c, "U:bob", 99, &st, &out), STK_OK);
	assert_int_equal(st, STK_E_NOT_FOUND);
	assert_int_equal(out.n, 0);
	/* ttl 0 stores nothing; a put replaces. */
	assert_int_equal(ldapcache_put(c, "U:carol", STK_OK, NULL, 0, 0),
	    STK_OK);
	assert_int_equal(ldapcache_get(c, "U:carol", 0, &st, &out),
	    STK_E_NOT_FOUND);
	values(&in, "v1", NULL);
	assert_int_equal(ldapcache_put(c, "U:bob", STK_OK, &in, 0, 100),
	    STK_OK);
	ldapcache_values_free(&in);
	assert_int_equal(ldapcache_count(c), 1);
	assert_int_equal(ldapcache_get(c, "U:bob", 50, &st, &out), STK_OK);
	assert_int_equal(st, STK_OK);
	assert_int_equal(out.n, 1);
	ldapcache_values_free(&out);
	ldapcache_del(c, "U:bob");
	ldapcache_del(c, "U:nobody");
	assert_int_equal(ldapcache_count(c), 0);
	ldapcache_free(c);
}

static void
test_cache_lru(void **state)
{
	struct ldapcache *c;
	struct ldapcache_values out;
	char key[16];
	int st, i;

	(void)state;
	assert_int_equal(ldapcache_new(3, &c), STK_OK);
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(ldapcache_put(c, key, i, NULL, 0, 1000),
		    STK_OK);
	}
	/* Touch k0: k1 is now the least recently used. */
	assert_int_equal(ldapcache_get(c, "k0", 1, &st, &out), STK_OK);
	assert_int_equal(st, 0);
	assert_int_equal(ldapcache_put(c, "k3", 3, NULL, 1, 1000), STK_OK);
	assert_int_equal(ldapcache_count(c), 3);
	assert_int_equal(ldapcache_get(c, "k1", 2, &st, &out),
	    STK_E_NOT_FOUND);
	assert_int_equal(ldapcache_get(c, "k0", 2, &st, &out), STK_OK);
	assert_int_equal(ldapcache_get(c, "k2", 2, &st, &out), STK_OK);
	assert_int_equal(ldapcache_get(c, "k3", 2, &st, &out), STK_OK);
	assert_int_equal(st, 3);
	/* Many more keys than slots: the bound holds. */
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "m%d", i);
		assert_int_equal(ldapcache_put(c, key, i, NULL, 3, 1000),
		    STK_OK);
	}
	assert_int_equal(ldapcache_count(c), 3);
	assert_int_equal(ldapcache_get(c, "m999", 4, &st, &out), STK_OK);
	assert_int_equal(st, 999);
	ldapcache_clear(c);
	assert_int_equal(ldapcache_count(c), 0);
	ldapcache_free(c);
	ldapcache_free(NULL);
}

static void
test_cache_limits(void **state)
{
	struct ldapcache *c;
	struct ldapcache_values v;
	char key[LDAPCACHE_KEY_MAX + 2];
	int i;

	(void)state;
	assert_int_equal(ldapcache_new(0, &c), STK_E_ARG);
	assert_null(c);
	assert_int_equal(ldapcache_new(1, &c), STK_OK);
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	assert_int_equal(ldapcache_put(c, key, 0, NULL, 0, 10), STK_E_ARG);
	key[LDAPCACHE_KEY_MAX] = '\0';
	assert_int_equal(ldapcache_put(c, key, 0, NULL, 0, 10), STK_OK);
	assert_int_equal(ldapcache_put(c, "", 0, NULL, 0, 10), STK_E_ARG);
	assert_int_equal(ldapcache_put(c, "x", 0, NULL, -1, 10), STK_E_ARG);
	ldapcache_free(c);
	memset(&v, 0, sizeof(v));
	for (i = 0; i < LDAPCACHE_MAX_VALUES; i++)
		assert_int_equal(ldapcache_values_add(&v, (const uint8_t *)"a",
		    1), STK_OK);
	assert_int_equal(ldapcache_values_add(&v, (const uint8_t *)"a", 1),
	    STK_E_TOO_LONG);
	ldapcache_values_free(&v);
}

/* ---- configuration and arguments ---------------------------------------- */

static void
base_config(struct ldapdir_config *c, const char *uri)
{
	ldapdir_config_defaults(c);
	c->uri = uri;
	c->base_dn = "ou=people,dc=stkauth,dc=test";
}

static void
test_config(void **state)
{
	struct ldapdir_config c;
	struct ldapdir *d = NULL;
	char err[128];

	(void)state;
	base_config(&c, "ldap://127.0.0.1:1/");
	assert_int_equal(ldapdir_new(&c, &d, err, sizeof(err)), STK_OK);
	ldapdir_free(d);
#define BAD(stmt, what) do {						\
	base_config(&c, "ldap://127.0.0.1:1/");				\
	stmt;								\
	err[0] = '\0';							\
	assert_int_equal(ldapdir_new(&c, &d, err, sizeof(err)), STK_E_ARG); \
	assert_null(d);							\
	assert_non_null(strstr(err, what));				\
} while (0)
	BAD(c.uri = NULL, "uri");
	BAD(c.uri = "http://127.0.0.1/", "uri");
	BAD(c.uri = "ldap://127.0.0.1/ http://x/", "uri");
	BAD((c.uri = "ldaps://127.0.0.1/", c.starttls = true), "uri");
	BAD(c.base_dn = "", "base_dn");
	BAD(c.base_dn = "not a dn", "base_dn");
	BAD(c.bind_dn = "cn=x,dc=test", "bind_dn");	/* no password */
	BAD(c.uid_attr = "uid)(objectClass=*", "uid_attr");
	BAD(c.msisdn_attr = "1.2.x", "msisdn_attr");
	BAD(c.user_class = "", "user_class");
	BAD(c.workers = 0, "workers");
	BAD(c.workers = LDAPDIR_MAX_WORKERS + 1, "workers");
	BAD(c.timeout_ms = 0, "timeout_ms");
	BAD(c.cache_max = 0, "cache_max");
	BAD(c.backoff_max_ms = 1, "backoff");
	BAD(c.queue_max = 0, "queue_max");
	BAD(c.crl_dns[1] = "cn=x,,", "crl_dns");
#undef BAD
	/* Two URLs (libldap tries them in turn), an OID attribute. */
	base_config(&c, "ldap://127.0.0.1:1/ ldaps://localhost:2/");
	c.msisdn_attr = "0.9.2342.19200300.100.1.41";
	assert_int_equal(ldapdir_new(&c, &d, err, sizeof(err)), STK_OK);
	ldapdir_free(d);
	ldapdir_free(NULL);
}

static int cb_count;
static struct ldapdir_result cb_last;

static void
on_result(const struct ldapdir_result *res, void *arg)
{
	cb_count++;
	cb_last.status = res->status;
	memcpy(cb_last.detail, res->detail, sizeof(cb_last.detail));
	assert_ptr_equal(arg, &cb_count);
}

static void
test_arguments(void **state)
{
	struct ldapdir_config c;
	struct ldapdir *d;
	struct ldapdir_result r;
	char err[128], longuid[LDAPDIR_UID_MAX + 2];
	uint64_t id = 7;

	(void)state;
	base_config(&c, "ldap://127.0.0.1:1/");
	assert_int_equal(ldapdir_new(&c, &d, err, sizeof(err)), STK_OK);
	memset(longuid, 'u', sizeof(longuid) - 1);
	longuid[sizeof(longuid) - 1] = '\0';
	assert_int_equal(ldapdir_lookup(d, longuid, NULL, on_result, &cb_count,
	    &id), STK_E_ARG);
	assert_int_equal(id, 0);
	assert_int_equal(ldapdir_lookup(d, "a\nb", NULL, on_result, &cb_count,
	    NULL), STK_E_ARG);
	assert_int_equal(ldapdir_lookup(d, "alice", "+37x", on_result,
	    &cb_count, NULL), STK_E_ARG);
	assert_int_equal(ldapdir_lookup(d, "", "", on_result, &cb_count,
	    NULL), STK_E_ARG);
	assert_int_equal(ldapdir_lookup(d, "alice", NULL, NULL, NULL, NULL),
	    STK_E_ARG);
	assert_int_equal(ldapdir_lookup_sync(d, NULL, "1234567890123456", &r),
	    STK_E_ARG);
	assert_non_null(strstr(r.detail, "MSISDN"));
	ldapdir_result_clear(&r);
	assert_int_equal(ldapdir_process(d), 0);
	ldapdir_free(d);
}

/* ---- servers that hang or refuse ------------------------------------------ */

/* A loopback listener that never accepts: connects succeed, nothing
 * answers.  Returns the socket; *port its port. */
static int
hanging_server(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(s >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 16), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return s;
}

/* A loopback port with nobody listening (bound once, then closed). */
static int
closed_port(void)
{
	int port, s = hanging_server(&port);

	close(s);
	return port;
}

/* Run the loop until a callback or deadline; returns callbacks seen. */
static int
run_loop(struct ldapdir *d, long long ms)
{
	long long end = mono_ms() + ms;
	struct pollfd p;
	int n = 0;

	while (mono_ms() < end && n == 0) {
		p.fd = ldapdir_fd(d);
		p.events = POLLIN;
		if (poll(&p, 1, 50) > 0)
			n += ldapdir_process(d);
	}
	return n;
}

static void
test_hanging_server_never_blocks(void **state)
{
	struct ldapdir_config c;
	struct ldapdir *d;
	char uri[64], err[128];
	long long t0, dt;
	int s, port;

	(void)state;
	s = hanging_server(&port);
	snprintf(uri, sizeof(uri), "ldap://127.0.0.1:%d/", port);
	base_config(&c, uri);
	c.timeout_ms = 600;
	c.workers = 2;
	assert_int_equal(ldapdir_new(&c, &d, err, sizeof(err)), STK_OK);
	cb_count = 0;
	t0 = mono_ms();
	assert_int_equal(ldapdir_lookup(d, "alice", NULL, on_result, &cb_count,
	    NULL), STK_OK);
	assert_int_equal(ldapdir_lookup(d, "bob", NULL, on_result, &cb_count,
	    NULL), STK_OK);
	assert_int_equal(ldapdir_lookup(d, "carol", NULL, on_result, &cb_count,
	    NULL), STK_OK);
	dt = mono_ms() - t0;
	assert_true(dt < 100);		/* queued, not waited for */
	assert_int_equal(ldapdir_process(d), 0);
	assert_true(run_loop(d, 5000) >= 1);
	dt = mono_ms() - t0;
	assert_true(dt >= 500);		/* the timeout ended it */
	assert_int_equal(cb_last.status, STK_E_IO);
	/* Every lookup finishes (the third after a backoff refusal or its
	 * own timeout), each with a clean error. */
	while (cb_count < 3 && mono_ms() - t0 < 10000)
		run_loop(d, 200);
	assert_int_equal(cb_count, 3);
	assert_int_equal(cb_last.status, STK_E_IO);
	ldapdir_free(d);
	close(s);
}

static void
test_cancel_and_queue_bound(void **state)
{
	struct ldapdir_config c;
	struct ldapdir *d;
	struct timespec ts = { 0, 150 * 1000000L };
	char uri[64], err[128];
	uint64_t id1, id2;
	int s, port;

	(void)state;
	s = hanging_server(&port);
	snprintf(uri, sizeof(uri), "ldap://127.0.0.1:%d/", port);
	base_config(&c, uri);
	c.timeout_ms = 400;
	c.workers = 1;
	c.queue_max = 1;
	assert_int_equal(ldapdir_new(&c, &d, err, sizeof(err)), STK_OK);
	cb_count = 0;
	assert_int_equal(ldapdir_lookup(d, "alice", NULL, on_result, &cb_count,
	    &id1), STK_OK);
	nanosleep(&ts, NULL);		/* the worker takes it */
	assert_int_equal(ldapdir_lookup(d, "bob", NULL, on_result, &cb_count,
	    &id2), STK_OK);
	assert_true(id2 > id1);
	assert_int_equal(ldapdir_lookup(d, "carol", NULL, on_result, &cb_count,
	    NULL), STK_E_NOSPACE);
	ldapdir_cancel(d, id1);
	ldapdir_cancel(d, id2);
	ldapdir_cancel(d, 12345);	/* unknown: harmless */
	assert_int_equal(run_loop(d, 2500), 0);
	assert_int_equal(cb_count, 0);
	/* Freed with a lookup under way: no callback, no leak. */
	assert_int_equal(ldapdir_lookup(d, "dave", NULL, on_result, &cb_count,
	    NULL), STK_OK);
	ldapdir_free(d);
	assert_int_equal(cb_count, 0);
	close(s);
}

static void
test_refused_backoff(void **state)
{
	struct ldapdir_config c;
	struct ldapdir *d;
	struct ldapdir_result r;
	struct ldapdir_stats st;
	struct timespec ts = { 0, 350 * 1000000L };
	char uri[64], err[128];
	long long t0;

	(void)state;
	snprintf(uri, sizeof(uri), "ldap://127.0.0.1:%d/", closed_port());
	base_config(&c, uri);
	c.backoff_min_ms = 300;
	c.backoff_max_ms = 1000;
	c.workers = 1;
	assert_int_equal(ldapdir_new(&c, &d, err, sizeof(err)), STK_OK);
	t0 = mono_ms();
	assert_int_equal(ldapdir_lookup_sync(d, "alice", NULL, &r), STK_E_IO);
	assert_non_null(strstr(r.detail, "bind to"));
	ldapdir_result_clear(&r);
	ldapdir_stats(d, &st);
	assert_int_equal(st.connect_failures, 1);
	/* During the backoff: refused without trying. */
	assert_int_equal(ldapdir_lookup_sync(d, "alice", NULL, &r), STK_E_IO);
	assert_non_null(strstr(r.detail, "next connection attempt in"));
	ldapdir_result_clear(&r);
	ldapdir_stats(d, &st);
	assert_int_equal(st.connect_failures, 1);
	assert_int_equal(st.backoff_refusals, 1);
	assert_true(mono_ms() - t0 < 250);
	/* After it: tried again, failed again, the next wait doubled. */
	nanosleep(&ts, NULL);
	assert_int_equal(ldapdir_lookup_sync(d, "alice", NULL, &r), STK_E_IO);
	ldapdir_result_clear(&r);
	assert_int_equal(ldapdir_lookup_sync(d, "alice", NULL, &r), STK_E_IO);
	assert_non_null(strstr(r.detail, "next connection attempt in"));
	ldapdir_result_clear(&r);
	ldapdir_stats(d, &st);
	assert_int_equal(st.connect_failures, 2);
	assert_int_equal(st.backoff_refusals, 2);
	nanosleep(&ts, NULL);		/* 350 ms < 600 ms: still waiting */
	assert_int_equal(ldapdir_lookup_sync(d, "alice", NULL, &r), STK_E_IO);
	ldapdir_result_clear(&r);
	ldapdir_stats(d, &st);
	assert_int_equal(st.connect_failures, 2);
	assert_int_equal(st.backoff_refusals, 3);
	assert_int_equal(st.connects, 0);
	ldapdir_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_escape_vectors),
		cmocka_unit_test(test_filter_escape_fixed_buffer),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_cache_ttl),
		cmocka_unit_test(test_cache_lru),
		cmocka_unit_test(test_cache_limits),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_hanging_server_never_blocks),
		cmocka_unit_test(test_cancel_and_queue_bound),
		cmocka_unit_test(test_refused_backoff),
	};

	signal(SIGPIPE, SIG_IGN);	/* libldap writes to sockets */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
