/*
 * test_server_core.c - stkauth-server: tickets (alphabet, rejection
 * sampling, uniqueness, entropy), the result-code table, the session state
 * machine, secrets and their hashes, hex / ICCID / base64 helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "err.h"
#include "server.h"

static void
test_ticket_alphabet(void **state)
{
	(void)state;
	/* PROTOCOL.md §3 allows 0-9 A-Z; we drop 0 O 1 I L */
	assert_int_equal(strlen(TICKET_ALPHABET), TICKET_ALPHABET_LEN);
	for (const char *p = "0O1IL"; *p; p++)
		assert_null(strchr(TICKET_ALPHABET, *p));
	for (const char *p = TICKET_ALPHABET; *p; p++) {
		assert_true((*p >= '2' && *p <= '9') || (*p >= 'A' && *p <= 'Z'));
		/* no symbol twice */
		assert_ptr_equal(strchr(TICKET_ALPHABET, *p), p);
	}
}

static void
test_ticket_rejection_sampling(void **state)
{
	unsigned hits[TICKET_ALPHABET_LEN] = { 0 };

	(void)state;
	/* every octet below 248 maps, each symbol exactly 8 times */
	for (unsigned o = 0; o < 256; o++) {
		int s = ticket_symbol((uint8_t)o);

		if (o >= 248) {
			assert_int_equal(s, -1);
			continue;
		}
		assert_true(s >= 0 && s < TICKET_ALPHABET_LEN);
		hits[s]++;
	}
	for (int i = 0; i < TICKET_ALPHABET_LEN; i++)
		assert_int_equal(hits[i], 8);
}

static void
test_ticket_lengths(void **state)
{
	char t[STK_AUTH_TICKET_MAX + 2];

	(void)state;
	assert_int_equal(ticket_generate(t, 3), STK_E_ARG);
	assert_int_equal(ticket_generate(t, 11), STK_E_ARG);
	for (size_t n = STK_AUTH_TICKET_MIN; n <= STK_AUTH_TICKET_MAX; n++) {
		struct stk_auth_request r;

		assert_int_equal(ticket_generate(t, n), STK_OK);
		assert_int_equal(strlen(t), n);
		assert_true(ticket_valid(t, n));
		/* and lib accepts it for the auth request */
		memset(&r, 0, sizeof(r));
		assert_int_equal(stk_auth_request_set_ticket(&r, t, n), STK_OK);
	}
	assert_false(ticket_valid("AB0D", 4));
	assert_false(ticket_valid("ABcD", 4));
	assert_false(ticket_valid("ABC", 3));
}

/*
 * 20000 tickets of 6: no symbol outside the alphabet, a chi-square test
 * of the 31 symbol counts (120000 draws, 30 degrees of freedom: the
 * 99.99th percentile is 70.0, so a correct generator fails 1 run in
 * 10000), an empirical entropy per symbol above 4.94 bits (log2 31 =
 * 4.954) and no collision beyond what the birthday bound allows
 * (expected 20000^2 / (2 * 31^6) = 0.22; more than 5 has probability
 * below 1e-6).
 */
static void
test_ticket_distribution(void **state)
{
	enum { N = 20000, L = 6 };
	static char tickets[N][L + 1];
	unsigned counts[TICKET_ALPHABET_LEN] = { 0 };
	double chi = 0, expect = (double)N * L / TICKET_ALPHABET_LEN, h = 0;
	unsigned dup = 0;

	(void)state;
	for (int i = 0; i < N; i++) {
		assert_int_equal(ticket_generate(tickets[i], L), STK_OK);
		for (int k = 0; k < L; k++) {
			const char *p = strchr(TICKET_ALPHABET, tickets[i][k]);

			assert_non_null(p);
			counts[p - TICKET_ALPHABET]++;
		}
	}
	for (int s = 0; s < TICKET_ALPHABET_LEN; s++) {
		double d = counts[s] - expect, p = counts[s] / (double)(N * L);

		chi += d * d / expect;
		if (p > 0) {
			/* -p log2 p without libm */
			double x = p, lg = 0;

			while (x < 1) {
				x *= 2;
				lg -= 1;
			}
			/* log2(x) for x in [1,2): series of ln */
			{
				double y = (x - 1) / (x + 1), y2 = y * y, t = y,
				    ln = 0;

				for (int k = 1; k < 40; k += 2) {
					ln += t / k;
					t *= y2;
				}
				lg += 2 * ln / 0.6931471805599453;
			}
			h -= p * lg;
		}
	}
	assert_true(chi < 70.0);
	assert_true(h > 4.94);
	qsort(tickets, N, L + 1, (int (*)(const void *, const void *))strcmp);
	for (int i = 1; i < N; i++)
		dup += strcmp(tickets[i - 1], tickets[i]) == 0;
	assert_true(dup <= 5);
}

static void
test_result_table(void **state)
{
	static const char *const issue[] = { "OK", "USER_REFUSED", "TIMEOUT",
	    "NOT_BOUND", "DELIVERY_ERROR", "SIM_ERROR", "PIN_BLOCKED",
	    "SIGNATURE_INVALID", "CERT_INVALID", "ACCOUNT_LOCKED" };
	int r;

	(void)state;
	for (size_t i = 0; i < sizeof(issue) / sizeof(issue[0]); i++) {
		assert_int_equal(srv_result_from_name(issue[i], &r), STK_OK);
		assert_string_equal(srv_result_name(r), issue[i]);
		assert_non_null(srv_result_text(r));
	}
	assert_int_equal(srv_result_from_name("NOPE", &r), STK_E_NOT_FOUND);
	assert_null(srv_result_name(SRV_RES_COUNT));
	assert_null(srv_result_name(-1));
	/* every applet decision maps onto one of ours (authmsg.h table) */
	for (unsigned d = 1; d <= 5; d++) {
		const char *name = stk_auth_decision_result(d);

		assert_non_null(name);
		assert_int_equal(srv_result_from_name(name, &r), STK_OK);
	}
	assert_true(srv_result_counts_as_failure(SRV_RES_USER_REFUSED));
	assert_true(srv_result_counts_as_failure(SRV_RES_SIGNATURE_INVALID));
	assert_false(srv_result_counts_as_failure(SRV_RES_OK));
	assert_false(srv_result_counts_as_failure(SRV_RES_DELIVERY_ERROR));
}

static void
test_state_machine(void **state)
{
	(void)state;
	assert_int_equal(session_next(SRV_ST_RUNNING, SRV_EV_RESULT),
	    SRV_ST_VERIFYING);
	assert_int_equal(session_next(SRV_ST_RUNNING, SRV_EV_EXPIRED),
	    SRV_ST_COMPLETE);
	assert_int_equal(session_next(SRV_ST_RUNNING, SRV_EV_DELIVERY_FAILED),
	    SRV_ST_COMPLETE);
	assert_int_equal(session_next(SRV_ST_RUNNING, SRV_EV_VERIFIED),
	    STK_E_STATE);
	assert_int_equal(session_next(SRV_ST_VERIFYING, SRV_EV_VERIFIED),
	    SRV_ST_COMPLETE);
	assert_int_equal(session_next(SRV_ST_VERIFYING, SRV_EV_EXPIRED),
	    SRV_ST_COMPLETE);
	/* a second result never re-opens verification */
	assert_int_equal(session_next(SRV_ST_VERIFYING, SRV_EV_RESULT),
	    STK_E_STATE);
	assert_int_equal(session_next(SRV_ST_VERIFYING,
	    SRV_EV_DELIVERY_FAILED), STK_E_STATE);
	for (int ev = SRV_EV_RESULT; ev <= SRV_EV_DELIVERY_FAILED; ev++)
		assert_int_equal(session_next(SRV_ST_COMPLETE, ev), STK_E_STATE);
	assert_string_equal(srv_state_name(SRV_ST_VERIFYING), "VERIFYING");
}

static void
test_secrets(void **state)
{
	char a[SECRET_MAX_LEN + 1], b[SECRET_MAX_LEN + 1], small[20];
	uint8_t ha[SECRET_HASH_LEN], hb[SECRET_HASH_LEN], md[32];
	unsigned int ml = 0;

	(void)state;
	assert_int_equal(secret_generate("rp", a, sizeof(a)), STK_OK);
	assert_int_equal(secret_generate("rp", b, sizeof(b)), STK_OK);
	assert_int_equal(strlen(a), 3 + 43);
	assert_memory_equal(a, "rp_", 3);
	assert_string_not_equal(a, b);
	for (size_t i = 3; a[i]; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"
		    "mnopqrstuvwxyz0123456789-_", a[i]));
	assert_int_equal(secret_generate("rp", small, sizeof(small)),
	    STK_E_NOSPACE);
	/* the stored form is SHA-256 of the whole string */
	assert_int_equal(secret_hash(a, strlen(a), ha), STK_OK);
	assert_int_equal(EVP_Digest(a, strlen(a), md, &ml, EVP_sha256(), NULL),
	    1);
	assert_memory_equal(ha, md, 32);
	assert_int_equal(secret_hash(b, strlen(b), hb), STK_OK);
	assert_memory_not_equal(ha, hb, 32);
	/* FIPS 180-2 example: SHA-256("abc") */
	assert_int_equal(secret_hash("abc", 3, ha), STK_OK);
	assert_int_equal(hex_exact("BA7816BF8F01CFEA414140DE5DAE2223B00361A3"
	    "96177A9CB410FF61F20015AD", hb, 32), STK_OK);
	assert_memory_equal(ha, hb, 32);
	assert_int_equal(secret_hash("", 0, ha), STK_E_ARG);
}

static void
test_iccid(void **state)
{
	uint8_t ef[STK_AUTH_ICCID_LEN], want[STK_AUTH_ICCID_LEN];
	char back[21];

	(void)state;
	/* PROTOCOL.md §4 vector: 8944100000000123456 <-> 984401000000103254F6 */
	assert_int_equal(iccid_to_ef("8944100000000123456", ef), STK_OK);
	assert_int_equal(hex_exact("984401000000103254F6", want, 10), STK_OK);
	assert_memory_equal(ef, want, 10);
	assert_int_equal(iccid_from_ef(ef, back), STK_OK);
	assert_string_equal(back, "8944100000000123456");
	assert_int_equal(iccid_to_ef("89441000000001234567", ef), STK_OK);
	assert_int_equal(iccid_from_ef(ef, back), STK_OK);
	assert_string_equal(back, "89441000000001234567");
	assert_int_equal(iccid_to_ef("12345678901234567", ef), STK_E_INVALID);
	assert_int_equal(iccid_to_ef("894410000000012345A", ef),
	    STK_E_INVALID);
	/* a digit after the filler, and an A-E nibble */
	assert_int_equal(hex_exact("98440100000010325F46", ef, 10), STK_OK);
	assert_int_equal(iccid_from_ef(ef, back), STK_E_INVALID);
	assert_int_equal(hex_exact("9844010000001032A4F6", ef, 10), STK_OK);
	assert_int_equal(iccid_from_ef(ef, back), STK_E_INVALID);
}

static void
test_base64(void **state)
{
	/* RFC 4648 §10 test vectors */
	static const struct { const char *in, *b64; } v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	uint8_t out[16];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		json_t *s = json_base64((const uint8_t *)v[i].in,
		    strlen(v[i].in));

		assert_non_null(s);
		assert_string_equal(json_string_value(s), v[i].b64);
		json_decref(s);
		assert_int_equal(base64_decode(v[i].b64, out, sizeof(out), &n),
		    STK_OK);
		assert_int_equal(n, strlen(v[i].in));
		assert_memory_equal(out, v[i].in, n);
	}
	/* not canonical (RFC 4648 §3.5), bad padding, bad alphabet */
	assert_int_equal(base64_decode("Zh==", out, sizeof(out), &n),
	    STK_E_INVALID);
	assert_int_equal(base64_decode("Zm9=", out, sizeof(out), &n),
	    STK_E_INVALID);
	assert_int_equal(base64_decode("Zg=", out, sizeof(out), &n),
	    STK_E_INVALID);
	assert_int_equal(base64_decode("Z=g=", out, sizeof(out), &n),
	    STK_E_INVALID);
	assert_int_equal(base64_decode("Zm9v-A==", out, sizeof(out), &n),
	    STK_E_INVALID);
	assert_int_equal(base64_decode("=AAA", out, sizeof(out), &n),
	    STK_E_INVALID);
	assert_int_equal(base64_decode("Zm9vYmFy", out, 5, &n),
	    STK_E_TOO_LONG);
}

static void
test_names(void **state)
{
	(void)state;
	assert_true(msisdn_valid("+37255500001"));
	assert_true(msisdn_valid("+123456789012345"));
	assert_false(msisdn_valid("+1234567890123456"));
	assert_false(msisdn_valid("37255500001"));
	assert_false(msisdn_valid("+0123"));
	assert_false(msisdn_valid("+"));
	assert_false(msisdn_valid("+3725 5500"));
	assert_true(account_name_valid("alice"));
	assert_true(account_name_valid("a.b-c_d@example.org"));
	assert_false(account_name_valid(""));
	assert_false(account_name_valid(".hidden"));
	assert_false(account_name_valid("../etc"));
	assert_false(account_name_valid("a/b"));
	assert_false(account_name_valid("a*"));
	assert_false(account_name_valid("a(b)"));
	assert_true(id_valid("r-1:x.y_z"));
	assert_false(id_valid(""));
	assert_false(id_valid("a b"));
}

static void
test_loopback(void **state)
{
	(void)state;
	assert_true(addr_is_loopback("127.0.0.1"));
	assert_true(addr_is_loopback("127.1.2.3"));
	assert_true(addr_is_loopback("::1"));
	assert_false(addr_is_loopback("0.0.0.0"));
	assert_false(addr_is_loopback("10.0.0.1"));
	assert_false(addr_is_loopback("::"));
	assert_false(addr_is_loopback("localhost"));
}

/*
 * srv_random hands out a DRBG block piece by piece: no octet twice, across
 * the block's end, and a child made by fork() does not reuse the parent's
 * rest of the block.
 */
static void
test_random_block(void **state)
{
	uint8_t a[600], b[40], parent[40], child[40];
	int fds[2], status;
	pid_t pid;

	(void)state;
	/* many small draws cross the 512-octet block several times */
	for (int i = 0; i < 60; i++) {
		assert_int_equal(srv_random(a + 10 * i, 10), STK_OK);
		assert_int_equal(srv_random(b, 7), STK_OK);
	}
	for (int i = 1; i < 60; i++)
		assert_memory_not_equal(a + 10 * i, a + 10 * (i - 1), 10);
	assert_int_equal(srv_random(a, sizeof(a)), STK_OK);	/* large */
	assert_int_equal(srv_random(b, 0), STK_OK);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(srv_random(b, 1), STK_OK);	/* a block in use */
	if ((pid = fork()) == 0) {
		if (srv_random(child, sizeof(child)) != STK_OK ||
		    write(fds[1], child, sizeof(child)) != sizeof(child))
			_exit(1);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(srv_random(parent, sizeof(parent)), STK_OK);
	assert_int_equal(read(fds[0], child, sizeof(child)), sizeof(child));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_memory_not_equal(parent, child, sizeof(child));
	close(fds[0]);
	close(fds[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_block),
		cmocka_unit_test(test_ticket_alphabet),
		cmocka_unit_test(test_ticket_rejection_sampling),
		cmocka_unit_test(test_ticket_lengths),
		cmocka_unit_test(test_ticket_distribution),
		cmocka_unit_test(test_result_table),
		cmocka_unit_test(test_state_machine),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_iccid),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
