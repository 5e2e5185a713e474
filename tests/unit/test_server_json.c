/*
 * test_server_json.c - the JSON request decoders of the REST and bridge
 * APIs (server/json.c): accepted forms, and every kind of bad input with
 * the member named in the error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "server.h"

static struct srv_config cfg;

static int
dec_auth(const char *js, struct api_auth_in *in, struct json_err *e)
{
	memset(e, 0, sizeof(*e));
	return json_decode_auth(js, strlen(js), &cfg, in, e);
}

static void
test_auth_ok(void **state)
{
	struct api_auth_in in;
	struct json_err e;

	(void)state;
	assert_int_equal(dec_auth("{\"account\":\"alice\",\"serviceName\":"
	    "\"Example Bank login\"}", &in, &e), STK_OK);
	assert_string_equal(in.account, "alice");
	assert_int_equal(in.req.service_coding, STK_AUTH_TEXT_GSM7);
	assert_int_equal(in.req.service_len, 18);
	assert_int_equal(in.hash_type, API_HASH_NONE);
	/* UCS-2 when a character is outside the GSM alphabet */
	assert_int_equal(dec_auth("{\"msisdn\":\"+37255500001\",\"serviceName\":"
	    "\"\\u0411\\u0430\\u043d\\u043a\"}", &in, &e), STK_OK);
	assert_string_equal(in.msisdn, "+37255500001");
	assert_int_equal(in.req.service_coding, STK_AUTH_TEXT_UCS2);
	assert_int_equal(in.req.service_len, 8);
	/* a SHA-256 hash: base64 of 32 octets */
	assert_int_equal(dec_auth("{\"account\":\"a\",\"serviceName\":\"x\","
	    "\"hashType\":\"SHA256\",\"hash\":\"ungWv48Bz+pBQUDeXa4iI7ADYaOWF3"
	    "qctBD/YfIAFa0=\"}", &in, &e), STK_OK);
	assert_int_equal(in.hash_type, API_HASH_SHA256);
	assert_int_equal(in.hash_len, 32);
	assert_int_equal(in.hash[0], 0xba);
	/* 52 septets fit, an extension character costs two */
	assert_int_equal(dec_auth("{\"account\":\"a\",\"serviceName\":\""
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}", &in, &e),
	    STK_OK);
	assert_int_equal(in.req.service_len, 52);
}

static const struct {
	const char *json;
	const char *field;
} bad_auth[] = {
	{ "", "$" },
	{ "[]", "$" },
	{ "\"alice\"", "$" },
	{ "{\"account\":\"alice\",", "$" },
	{ "{\"account\":\"alice\",\"serviceName\":\"x\"} {}", "$" },
	{ "{\"account\":\"a\",\"account\":\"b\",\"serviceName\":\"x\"}", "$" },
	{ "{\"serviceName\":\"x\"}", "account" },
	{ "{\"account\":\"a\",\"msisdn\":\"+372\",\"serviceName\":\"x\"}",
	    "account" },
	{ "{\"account\":\"a\"}", "serviceName" },
	{ "{\"account\":\"a\",\"serviceName\":\"\"}", "serviceName" },
	{ "{\"account\":\"a\",\"serviceName\":null}", "serviceName" },
	{ "{\"account\":\"a\",\"serviceName\":7}", "serviceName" },
	{ "{\"account\":7,\"serviceName\":\"x\"}", "account" },
	{ "{\"account\":\"../x\",\"serviceName\":\"x\"}", "account" },
	/* jansson refuses \u0000 itself (no JSON_ALLOW_NUL) */
	{ "{\"account\":\"a\\u0000b\",\"serviceName\":\"x\"}", "$" },
	{ "{\"msisdn\":\"37255500001\",\"serviceName\":\"x\"}", "msisdn" },
	{ "{\"msisdn\":\"+1234567890123456\",\"serviceName\":\"x\"}",
	    "msisdn" },
	{ "{\"account\":\"a\",\"serviceName\":\"x\",\"extra\":1}", "extra" },
	/* found by fuzz_server_json: an empty member name */
	{ "{\"\":1,\"account\":\"a\",\"serviceName\":\"x\"}", "\"\"" },
	{ "{\"account\":\"a\",\"serviceName\":\""
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
	    "serviceName" },
	{ "{\"account\":\"a\",\"serviceName\":\""
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\\u20ac\"}",
	    "serviceName" },
	{ "{\"account\":\"a\",\"serviceName\":\"\\ud83d\\ude00\"}",
	    "serviceName" },
	{ "{\"account\":\"a\",\"serviceName\":\"x\",\"hash\":\"AA==\"}",
	    "hashType" },
	{ "{\"account\":\"a\",\"serviceName\":\"x\",\"hashType\":\"SHA256\"}",
	    "hash" },
	{ "{\"account\":\"a\",\"serviceName\":\"x\",\"hashType\":\"MD5\","
	    "\"hash\":\"AA==\"}", "hashType" },
	{ "{\"account\":\"a\",\"serviceName\":\"x\",\"hashType\":\"SHA256\","
	    "\"hash\":\"AA==\"}", "hash" },
	{ "{\"account\":\"a\",\"serviceName\":\"x\",\"hashType\":\"SHA256\","
	    "\"hash\":\"!!!!\"}", "hash" },
};

static void
test_auth_bad(void **state)
{
	struct api_auth_in in;
	struct json_err e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_auth) / sizeof(bad_auth[0]); i++) {
		int rc = dec_auth(bad_auth[i].json, &in, &e);

		if (rc != STK_E_INVALID || strcmp(e.field, bad_auth[i].field))
			fail_msg("case %zu %s: rc %d field %s (%s)", i,
			    bad_auth[i].json, rc, e.field, e.message);
		assert_true(e.message[0] != '\0');
	}
}

static void
test_claim(void **state)
{
	struct bridge_claim_in c;
	struct json_err e;

	(void)state;
	assert_int_equal(json_decode_claim("{}", 2, &cfg, &c, &e), STK_OK);
	assert_int_equal(c.max_jobs, 1);
	assert_int_equal(c.lease_ms, cfg.lease_default_ms);
	assert_int_equal(c.wait_ms, 0);
	assert_string_equal(c.claim_id, "");
#define CLAIM(js) json_decode_claim(js, strlen(js), &cfg, &c, &e)
	assert_int_equal(CLAIM("{\"claimId\":\"c-1\",\"maxJobs\":10,"
	    "\"leaseMs\":1000,\"waitMs\":30000}"), STK_OK);
	assert_int_equal(c.max_jobs, 10);
	assert_string_equal(c.claim_id, "c-1");
	assert_int_equal(CLAIM("{\"maxJobs\":0}"), STK_E_INVALID);
	assert_string_equal(e.field, "maxJobs");
	assert_int_equal(CLAIM("{\"maxJobs\":11}"), STK_E_INVALID);
	assert_int_equal(CLAIM("{\"maxJobs\":1.5}"), STK_E_INVALID);
	assert_int_equal(CLAIM("{\"maxJobs\":\"1\"}"), STK_E_INVALID);
	assert_int_equal(CLAIM("{\"leaseMs\":999}"), STK_E_INVALID);
	assert_string_equal(e.field, "leaseMs");
	assert_int_equal(CLAIM("{\"leaseMs\":-1}"), STK_E_INVALID);
	assert_int_equal(CLAIM("{\"leaseMs\":99999999999999999999}"),
	    STK_E_INVALID);
	assert_int_equal(CLAIM("{\"waitMs\":30001}"), STK_E_INVALID);
	assert_int_equal(CLAIM("{\"claimId\":\"a b\"}"), STK_E_INVALID);
	assert_string_equal(e.field, "claimId");
	assert_int_equal(CLAIM("{\"bridge\":\"x\"}"), STK_E_INVALID);
	assert_string_equal(e.field, "bridge");
#undef CLAIM
}

static void
test_ack_delivery(void **state)
{
	struct bridge_ack_in a;
	struct bridge_delivery_in d;
	struct json_err e;

	(void)state;
#define ACK(js) json_decode_ack(js, strlen(js), &a, &e)
#define DLV(js) json_decode_delivery(js, strlen(js), &d, &e)
	assert_int_equal(ACK("{\"leaseId\":\"ABCDEF\"}"), STK_OK);
	assert_string_equal(a.lease_id, "ABCDEF");
	assert_int_equal(ACK("{}"), STK_E_INVALID);
	assert_string_equal(e.field, "leaseId");
	assert_int_equal(ACK("{\"leaseId\":\"\"}"), STK_E_INVALID);
	assert_int_equal(DLV("{\"leaseId\":\"L\",\"status\":\"DELIVERED\"}"),
	    STK_OK);
	assert_int_equal(d.status, BR_DLV_DELIVERED);
	assert_int_equal(d.por_status, -1);
	assert_int_equal(DLV("{\"leaseId\":\"L\",\"status\":\"POR_ERROR\","
	    "\"porStatus\":9,\"detail\":\"TAR unknown\"}"), STK_OK);
	assert_int_equal(d.por_status, 9);
	assert_string_equal(d.detail, "TAR unknown");
	assert_int_equal(DLV("{\"leaseId\":\"L\",\"status\":\"POR_ERROR\"}"),
	    STK_E_INVALID);
	assert_string_equal(e.field, "porStatus");
	assert_int_equal(DLV("{\"leaseId\":\"L\",\"status\":\"FAILED\","
	    "\"porStatus\":1}"), STK_E_INVALID);
	assert_int_equal(DLV("{\"leaseId\":\"L\",\"status\":\"POR_ERROR\","
	    "\"porStatus\":0}"), STK_E_INVALID);
	assert_int_equal(DLV("{\"leaseId\":\"L\",\"status\":\"POR_ERROR\","
	    "\"porStatus\":256}"), STK_E_INVALID);
	assert_int_equal(DLV("{\"leaseId\":\"L\",\"status\":\"LOST\"}"),
	    STK_E_INVALID);
	assert_string_equal(e.field, "status");
#undef ACK
#undef DLV
}

static void
test_result(void **state)
{
	struct bridge_result_in r;
	struct json_err e;
	char big[3000];

	(void)state;
#define RES(js) json_decode_result(js, strlen(js), &r, &e)
	assert_int_equal(RES("{\"resultId\":\"r1\",\"msisdn\":\"+3725\","
	    "\"iccid\":\"8944100000000123456\",\"response\":\"0102ab\"}"),
	    STK_OK);
	assert_int_equal(r.response_len, 3);
	assert_int_equal(r.response[2], 0xab);
	assert_int_equal(RES("{\"resultId\":\"r1\",\"msisdn\":\"+3725\","
	    "\"response\":\"010\"}"), STK_E_INVALID);
	assert_string_equal(e.field, "response");
	assert_int_equal(RES("{\"resultId\":\"r1\",\"msisdn\":\"+3725\","
	    "\"response\":\"\"}"), STK_E_INVALID);
	assert_int_equal(RES("{\"resultId\":\"r1\",\"msisdn\":\"+3725\","
	    "\"response\":\"zz\"}"), STK_E_INVALID);
	assert_int_equal(RES("{\"resultId\":\"r1\",\"msisdn\":\"+3725\","
	    "\"iccid\":\"123\",\"response\":\"00\"}"), STK_E_INVALID);
	assert_string_equal(e.field, "iccid");
	assert_int_equal(RES("{\"msisdn\":\"+3725\",\"response\":\"00\"}"),
	    STK_E_INVALID);
	assert_string_equal(e.field, "resultId");
	/* longer than the largest auth response: refused before decoding */
	snprintf(big, sizeof(big), "{\"resultId\":\"r\",\"msisdn\":\"+3\","
	    "\"response\":\"");
	{
		size_t p = strlen(big);

		/* 546 octets = STK_AUTH_RESPONSE_MAX_LEN + 1 */
		memset(big + p, '0', 2 * (STK_AUTH_RESPONSE_MAX_LEN + 1));
		p += 2 * (STK_AUTH_RESPONSE_MAX_LEN + 1);
		snprintf(big + p, sizeof(big) - p, "\"}");
	}
	assert_int_equal(RES(big), STK_E_INVALID);
	assert_string_equal(e.field, "response");
#undef RES
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_ok),
		cmocka_unit_test(test_auth_bad),
		cmocka_unit_test(test_claim),
		cmocka_unit_test(test_ack_delivery),
		cmocka_unit_test(test_result),
	};

	config_defaults(&cfg);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
