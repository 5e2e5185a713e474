/*
 * test_phone_uicc.c - stkauth-phone's side of the UICC interface against a
 * scripted card: the T=0 procedure (61xx GET RESPONSE, 6Cxx resend, case 4
 * warnings, the GSM 9Fxx form), T=1 case 4 with Le, FCP / EF ICCID /
 * EF MSISDN decoding, the start-up reading with PIN1 and the TERMINAL
 * PROFILE contents.
 *
 * The FCPs and records are those stkauth-sim returns (docs/SIM.md, seen
 * through pcscd in tests/sh/test_phone_pcsc.sh); ICCID 8949440000001155314
 * is the TS 102 221 §13.2 coding example the card documentation uses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bytes.h"
#include "cat.h"
#include "err.h"
#include "hex.h"
#include "log.h"
#include "phone.h"
#include "sw.h"

/* A card that expects exactly these commands and gives these answers. */
struct script {
	const char *const *steps;	/* "CMDHEX", "RESPHEX", ... NULL */
	size_t at;
	bool fail_io;
};

static int
scripted_xmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp,
    size_t *rlen)
{
	struct script *s = ctx;
	char got[2 * PHONE_APDU_MAX + 1];
	struct stk_buf b;

	if (s->fail_io)
		return STK_E_IO;
	if (s->steps[s->at] == NULL)
		fail_msg("unexpected APDU %s", stk_hex_format(got, apdu, len,
		    1));
	stk_hex_format(got, apdu, len, 1);
	if (strcmp(got, s->steps[s->at]) != 0)
		fail_msg("step %zu: APDU %s, expected %s", s->at / 2, got,
		    s->steps[s->at]);
	stk_buf_init_fixed(&b, resp, *rlen);
	assert_int_equal(stk_hex_decode(s->steps[s->at + 1], &b), 0);
	*rlen = stk_buf_len(&b);
	s->at += 2;
	return 0;
}

static void
card_init(struct phone_card *card, struct script *s, const char *const *steps)
{
	memset(s, 0, sizeof(*s));
	s->steps = steps;
	card->xmit = scripted_xmit;
	card->ctx = s;
	card->t1 = false;
}

static void
assert_data(const struct phone_rapdu *r, const char *hex)
{
	char got[2 * PHONE_RESP_MAX + 1];

	stk_hex_format(got, r->data, r->len, 1);
	assert_string_equal(got, hex);
}

static void
test_t0_case4_get_response(void **state)
{
	static const char *const steps[] = {
		"00A40804022FE2", "6104",
		"00C0000004", "620283019000",
		NULL,
	};
	static const uint8_t path[] = { 0x2f, 0xe2 };
	struct phone_card card;
	struct phone_rapdu r;
	struct script s;

	(void)state;
	card_init(&card, &s, steps);
	assert_int_equal(phone_card_cmd(&card, 0x00, 0xa4, 0x08, 0x04, path,
	    2, PHONE_CASE4, 0, &r), 0);
	assert_int_equal(r.first_sw, 0x6104);
	assert_int_equal(r.sw, 0x9000);
	assert_data(&r, "62028301");
	assert_null(steps[s.at]);
}

static void
test_t1_case4_carries_le(void **state)
{
	static const char *const steps[] = {
		"00A40804022FE200", "620283019000",
		NULL,
	};
	static const uint8_t path[] = { 0x2f, 0xe2 };
	struct phone_card card;
	struct phone_rapdu r;
	struct script s;

	(void)state;
	card_init(&card, &s, steps);
	card.t1 = true;
	assert_int_equal(phone_card_cmd(&card, 0x00, 0xa4, 0x08, 0x04, path,
	    2, PHONE_CASE4, 0, &r), 0);
	assert_int_equal(r.sw, 0x9000);
	assert_data(&r, "62028301");
}

static void
test_wrong_le_resends(void **state)
{
	/* READ BINARY with Le 20 on a 10-byte file: 6C0A, resend with 0A. */
	static const char *const steps[] = {
		"00B0000014", "6C0A",
		"00B000000A", "989444000000115513F49000",
		NULL,
	};
	struct phone_card card;
	struct phone_rapdu r;
	struct script s;

	(void)state;
	card_init(&card, &s, steps);
	assert_int_equal(phone_card_cmd(&card, 0x00, 0xb0, 0, 0, NULL, 0,
	    PHONE_CASE2, 20, &r), 0);
	assert_int_equal(r.sw, 0x9000);
	assert_data(&r, "989444000000115513F4");
	assert_null(steps[s.at]);
}

static void
test_case4_warning_fetches_data(void **state)
{
	/*
	 * ENVELOPE answered 6300 without data (T=0): GET RESPONSE Le 00,
	 * the card says 6C03, GET RESPONSE Le 03 gets the data.  The
	 * command's own status (6300) is kept for the SMS-PP decision.
	 */
	static const char *const steps[] = {
		"80C2000003D10100", "6300",
		"00C0000000", "6C03",
		"00C0000003", "0102039000",
		NULL,
	};
	static const uint8_t env[] = { 0xd1, 0x01, 0x00 };
	struct phone_card card;
	struct phone_rapdu r;
	struct script s;

	(void)state;
	card_init(&card, &s, steps);
	assert_int_equal(phone_envelope(&card, env, sizeof(env), &r), 0);
	assert_int_equal(r.first_sw, 0x6300);
	assert_int_equal(r.sw, 0x9000);
	assert_data(&r, "010203");
	assert_null(steps[s.at]);
}

static void
test_warning_without_data(void **state)
{
	/* 6283 and no data pending: GET RESPONSE fails, nothing is kept. */
	static const char *const steps[] = {
		"80C2000003D10100", "6283",
		"00C0000000", "6F00",
		NULL,
	};
	static const uint8_t env[] = { 0xd1, 0x01, 0x00 };
	struct phone_card card;
	struct phone_rapdu r;
	struct script s;

	(void)state;
	card_init(&card, &s, steps);
	assert_int_equal(phone_envelope(&card, env, sizeof(env), &r), 0);
	assert_int_equal(r.first_sw, 0x6283);
	assert_int_equal(r.len, 0);
}

static void
test_gsm_9fxx_and_proactive(void **state)
{
	/*
	 * A GSM SIM (TS 51.011 §9.4.1) answers 9F02 and keeps class A0 for
	 * GET RESPONSE; the final 910B says a proactive command waits.
	 */
	static const char *const steps[] = {
		"A0C2000003D10100", "9F02",
		"A0C0000002", "AABB910B",
		NULL,
	};
	static const uint8_t env[] = { 0xd1, 0x01, 0x00 };
	struct phone_card card;
	struct phone_rapdu r;
	struct script s;
	uint8_t len;

	(void)state;
	card_init(&card, &s, steps);
	assert_int_equal(phone_card_cmd(&card, 0xa0, 0xc2, 0, 0, env,
	    sizeof(env), PHONE_CASE4, 0, &r), 0);
	assert_int_equal(r.first_sw, 0x9f02);
	assert_data(&r, "AABB");
	assert_true(stk_sw_proactive_pending(r.sw, &len));
	assert_int_equal(len, 0x0b);
}

static void
test_transport_errors(void **state)
{
	static const char *const steps[] = { NULL };
	static const char *const short_resp[] = { "80120000FF", "90", NULL };
	struct phone_card card;
	struct phone_rapdu r;
	struct script s;

	(void)state;
	card_init(&card, &s, steps);
	s.fail_io = true;
	assert_int_equal(phone_fetch(&card, 0xff, &r), STK_E_IO);
	/* A response without a full status word is a transport error. */
	card_init(&card, &s, short_resp);
	assert_int_equal(phone_fetch(&card, 0xff, &r), STK_E_IO);
	/* Arguments no APDU can carry. */
	card_init(&card, &s, steps);
	assert_int_equal(phone_card_cmd(&card, 0x80, 0x14, 0, 0, NULL, 0,
	    PHONE_CASE3, 0, &r), STK_E_ARG);
}

static void
test_fcp(void **state)
{
	/* EF ICCID and EF MSISDN as stkauth-sim describes them. */
	static const char *iccid_fcp = "62288202412183022FE28A0105AB15800101"
	    "9000800118A40683010A95010880010297008002000A8800";
	static const char *msisdn_fcp = "622C82054221001A0283026F408A0105AB"
	    "16800103A406830101950108800118A40683010A9501088002003488 00";
	static const struct {
		const char *hex;
		int err;
	} bad[] = {
		{ "6F028301", STK_E_INVALID },		/* not tag 62 */
		{ "6205820241", STK_E_TRUNCATED },	/* cut short */
		{ "6203820141", STK_E_INVALID },	/* descriptor of 1 */
		{ "620480020000" "00", STK_E_TRAILING },/* trailing byte */
				{ "62028000", STK_E_INVALID },		/* file size of 0 bytes */
		{ "62058303 2FE201", STK_E_INVALID },	/* FID of 3 bytes */
	};
	struct phone_fcp fcp;
	struct stk_diag d;
	struct stk_buf b;
	size_t i;

	(void)state;
	stk_buf_init(&b);
	assert_int_equal(stk_hex_decode(iccid_fcp, &b), 0);
	assert_int_equal(phone_fcp_parse(stk_buf_data(&b), stk_buf_len(&b),
	    &fcp, NULL), 0);
	assert_int_equal(fcp.descriptor, 0x41);
	assert_false(fcp.has_records);
	assert_true(fcp.has_size);
	assert_int_equal(fcp.size, 10);
	assert_true(fcp.has_fid);
	assert_int_equal(fcp.fid, 0x2fe2);
	stk_buf_reset(&b);
	assert_int_equal(stk_hex_decode(msisdn_fcp, &b), 0);
	assert_int_equal(phone_fcp_parse(stk_buf_data(&b), stk_buf_len(&b),
	    &fcp, NULL), 0);
	assert_int_equal(fcp.descriptor, 0x42);
	assert_true(fcp.has_records);
	assert_int_equal(fcp.record_len, 26);
	assert_int_equal(fcp.nrecords, 2);
	assert_int_equal(fcp.size, 52);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		stk_buf_reset(&b);
		assert_int_equal(stk_hex_decode(bad[i].hex, &b), 0);
		stk_diag_clear(&d);
		if (phone_fcp_parse(stk_buf_data(&b), stk_buf_len(&b), &fcp,
		    &d) != bad[i].err)
			fail_msg("%s: %s", bad[i].hex, stk_errname(d.err));
		assert_non_null(d.field);
	}
	stk_buf_free(&b);
}

static void
test_iccid_and_msisdn(void **state)
{
	static const uint8_t iccid[] = { 0x98, 0x94, 0x44, 0x00, 0x00, 0x00,
	    0x11, 0x55, 0x13, 0xf4 };
	static const uint8_t iccid20[] = { 0x98, 0x94, 0x44, 0x00, 0x00, 0x00,
	    0x11, 0x55, 0x13, 0x24 };
	static const uint8_t iccid_mid_f[] = { 0x98, 0xf4, 0x44, 0x00, 0x00,
	    0x00, 0x11, 0x55, 0x13, 0x24 };
	static const uint8_t iccid_hex[] = { 0x98, 0x94, 0x44, 0x00, 0x00,
	    0x00, 0x11, 0x55, 0x1a, 0xf4 };
	struct stk_buf b;
	char out[32];

	(void)state;
	assert_int_equal(phone_iccid_decode(iccid, 10, out, sizeof(out)), 0);
	assert_string_equal(out, "8949440000001155314");
	assert_int_equal(phone_iccid_decode(iccid20, 10, out, sizeof(out)), 0);
	assert_string_equal(out, "89494400000011553142");
	assert_int_equal(phone_iccid_decode(iccid_mid_f, 10, out,
	    sizeof(out)), STK_E_INVALID);
	assert_int_equal(phone_iccid_decode(iccid_hex, 10, out, sizeof(out)),
	    STK_E_INVALID);
	assert_int_equal(phone_iccid_decode(iccid, 9, out, sizeof(out)),
	    STK_E_INVALID);

	/* EF MSISDN record of 26: 12 alpha octets FF, length 07, TON/NPI 91,
	 * +491701234567 (12 digits), FF filler, CCP FF, EXT FF. */
	stk_buf_init(&b);
	assert_int_equal(stk_hex_decode("FFFFFFFFFFFFFFFFFFFFFFFF07919471"
	    "10325476FFFFFFFFFFFF", &b), 0);
	assert_int_equal(phone_msisdn_decode(stk_buf_data(&b),
	    stk_buf_len(&b), out, sizeof(out)), 0);
	assert_string_equal(out, "+491701234567");
	/* National TON, odd digit count: 011712345 (9 digits + F). */
	stk_buf_reset(&b);
	assert_int_equal(stk_hex_decode("FFFF06A1107121 43F5FFFFFFFFFFFFFF",
	    &b), 0);
	assert_int_equal(phone_msisdn_decode(stk_buf_data(&b),
	    stk_buf_len(&b), out, sizeof(out)), 0);
	assert_string_equal(out, "011712345");
	/* Unused record. */
	stk_buf_reset(&b);
	assert_int_equal(stk_hex_decode("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
	    "FFFFFFFFFFFFFFFFFFFF", &b), 0);
	assert_int_equal(phone_msisdn_decode(stk_buf_data(&b),
	    stk_buf_len(&b), out, sizeof(out)), STK_E_NOT_FOUND);
	/* Length 0C: more than TON/NPI + 10 octets. */
	stk_buf_reset(&b);
	assert_int_equal(stk_hex_decode("0C91947110325476FFFFFFFFFFFF", &b),
	    0);
	assert_int_equal(phone_msisdn_decode(stk_buf_data(&b),
	    stk_buf_len(&b), out, sizeof(out)), STK_E_INVALID);
	/* F filler inside the number. */
	stk_buf_reset(&b);
	assert_int_equal(stk_hex_decode("079194F110325476FFFFFFFFFFFF", &b),
	    0);
	assert_int_equal(phone_msisdn_decode(stk_buf_data(&b),
	    stk_buf_len(&b), out, sizeof(out)), STK_E_INVALID);
	/* Shorter than the 14 mandatory octets. */
	assert_int_equal(phone_msisdn_decode(stk_buf_data(&b), 13, out,
	    sizeof(out)), STK_E_INVALID);
	stk_buf_free(&b);
}

static void
test_read_identity_with_pin(void **state)
{
	/* What stkauth-sim answered under T=0 (tests/sh/test_phone_pcsc.sh). */
	static const char *const steps[] = {
		"00A40804022FE2", "612A",
		"00C000002A", "62288202412183022FE28A0105AB158001019000800118"
		    "A40683010A95010880010297008002000A88009000",
		"00B000000A", "989444000000115513F49000",
		"00A40804047F106F40", "612E",
		"00C000002E", "622C82054221001A0283026F408A0105AB16800103A406"
		    "830101950108800118A40683010A9501088002003488009000",
		"00B201041A", "6982",
		"002000010830303030FFFFFFFF", "9000",
		"00B201041A", "FFFFFFFFFFFFFFFFFFFFFFFF0791947110325476FFFFFF"
		    "FFFFFF9000",
		NULL,
	};
	static const char *const wrong_pin[] = {
		"00A40804022FE2", "62048002000A9000",
		"00B000000A", "989444000000115513F49000",
		"00A40804047F106F40", "620782054221001A029000",
		"00B201041A", "6982",
		"002000010831323334FFFFFFFF", "63C2",
		NULL,
	};
	struct phone_card_info info;
	struct phone_card card;
	struct script s;

	(void)state;
	card_init(&card, &s, steps);
	assert_int_equal(phone_read_identity(&card, "0000", &info), 0);
	assert_string_equal(info.iccid, "8949440000001155314");
	assert_string_equal(info.msisdn, "+491701234567");
	assert_null(steps[s.at]);

	/* A wrong PIN is never retried: the card counts the attempts. */
	card_init(&card, &s, wrong_pin);
	assert_int_equal(phone_read_identity(&card, "1234", &info),
	    STK_E_VERIFY);
	assert_null(wrong_pin[s.at]);
	/* Without a PIN the MSISDN stays unknown, the start-up goes on. */
	card_init(&card, &s, wrong_pin);
	assert_int_equal(phone_read_identity(&card, NULL, &info), 0);
	assert_string_equal(info.msisdn, "");
	assert_string_equal(wrong_pin[s.at], "002000010831323334FFFFFFFF");
}

static void
test_terminal_profile(void **state)
{
	/* Exactly what the phone implements (TS 102 223 §5.2). */
	static const uint8_t on[] = {
		STK_TP_PROFILE_DOWNLOAD, STK_TP_SMS_PP_DOWNLOAD,
		STK_TP_SMS_PP_9EXX, STK_TP_COMMAND_RESULT, STK_TP_UCS2_ENTRY,
		STK_TP_UCS2_DISPLAY, STK_TP_DISPLAY_TEXT, STK_TP_GET_INPUT,
		STK_TP_MORE_TIME, STK_TP_SELECT_ITEM, STK_TP_SEND_SHORT_MESSAGE,
	};
	uint8_t tp[32];
	char hex[65];
	size_t i, j;
	int n;

	(void)state;
	n = phone_terminal_profile(tp, sizeof(tp));
	assert_int_equal(n, 4);
	/* byte 1: 01 profile download, 02 SMS-PP, 10 9EXX;
	 * byte 2: 01 command result, 20 UCS2 entry, 40 UCS2 display;
	 * byte 3: 01 DISPLAY TEXT, 04 GET INPUT, 08 MORE TIME;
	 * byte 4: 01 SELECT ITEM, 02 SEND SHORT MESSAGE. */
	assert_string_equal(stk_hex_format(hex, tp, (size_t)n, 1), "13610D03");
	for (i = 0; i < STK_TP__COUNT; i++) {
		bool want = false;

		for (j = 0; j < sizeof(on); j++)
			want = want || on[j] == i;
		if (stk_tp_has(tp, (size_t)n, (unsigned)i) != want)
			fail_msg("facility %s", stk_tp_entry(i)->name);
	}
	assert_int_equal(phone_terminal_profile(tp, 3), STK_E_NOSPACE);
}

static void
test_log_redaction(void **state)
{
	/* VERIFY PIN1 0000, a GET INPUT answer "1234", a SELECT ITEM with a
	 * ticket, a K_auth loaded by personalisation: at debug level the APDUs are logged, the secrets are not. */
	static const char *const steps[] = {
		"002000010830303030FFFFFFFF", "9000",
		"80140000138103012304820282818301008D050431323334", "9000",
		"801200001B", "D019810301240082028182" "85075469636B65743A"
		    "8F05014F4B2121" "9000",
		"80DA000010A0A1A2A3A4A5A6A7A8A9AAABACADAEAF", "9000",
		NULL,
	};
	static const uint8_t kauth[16] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4,
	    0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };
	static const uint8_t pin[] = { 0x30, 0x30, 0x30, 0x30, 0xff, 0xff,
	    0xff, 0xff };
	static const uint8_t tr[] = { 0x81, 0x03, 0x01, 0x23, 0x04, 0x82,
	    0x02, 0x82, 0x81, 0x83, 0x01, 0x00, 0x8d, 0x05, 0x04, 0x31, 0x32,
	    0x33, 0x34 };
	struct phone_card card;
	struct phone_rapdu r;
	struct script s;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(f = open_memstream(&buf, &len));
	stk_log_set_stream(f);
	stk_log_set_level(STK_LOG_DEBUG);
	card_init(&card, &s, steps);
	assert_int_equal(phone_card_cmd(&card, 0x00, 0x20, 0x00, 0x01, pin,
	    sizeof(pin), PHONE_CASE3, 0, &r), 0);
	assert_int_equal(phone_terminal_response(&card, tr, sizeof(tr), &r),
	    0);
	assert_int_equal(phone_fetch(&card, 0x1b, &r), 0);
	assert_int_equal(r.len, 27);
	assert_int_equal(phone_card_cmd(&card, 0x80, 0xda, 0x00, 0x00, kauth,
	    sizeof(kauth), PHONE_CASE3, 0, &r), 0);
	stk_log_set_level(STK_LOG_INFO);
	stk_log_set_stream(NULL);
	fclose(f);
	assert_non_null(strstr(buf,
	    "APDU > 0020000108**************** (VERIFY PIN)"));
	assert_non_null(strstr(buf, "APDU > 8014000013810301230482028281"
	    "8301008D05********** (TERMINAL RESPONSE)"));
	/* alpha identifier and item values blanked, structure kept */
	assert_non_null(strstr(buf, "APDU < D0198103012400820281828507"
	    "**************8F05**********9000"));
	assert_non_null(strstr(buf, "SELECT ITEM"));
	assert_null(strstr(buf, "30303030"));
	assert_null(strstr(buf, "31323334"));
	assert_null(strstr(buf, "5469636B6574"));
	/* personalisation: LOAD K_AUTH's key is blanked */
	assert_non_null(strstr(buf, "APDU > 80DA000010**"));
	assert_null(strstr(buf, "A0A1A2A3"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_t0_case4_get_response),
		cmocka_unit_test(test_t1_case4_carries_le),
		cmocka_unit_test(test_wrong_le_resends),
		cmocka_unit_test(test_case4_warning_fetches_data),
		cmocka_unit_test(test_warning_without_data),
		cmocka_unit_test(test_gsm_9fxx_and_proactive),
		cmocka_unit_test(test_transport_errors),
		cmocka_unit_test(test_fcp),
		cmocka_unit_test(test_iccid_and_msisdn),
		cmocka_unit_test(test_read_identity_with_pin),
		cmocka_unit_test(test_terminal_profile),
		cmocka_unit_test(test_log_redaction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
