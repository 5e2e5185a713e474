/* test_card_apdu.c - APDU parsing, CLA/INS dispatch, the T=0 response
 * procedure, GET RESPONSE, the ATR and the vpcd message handler. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bytes.h"
#include "card.h"
#include "err.h"
#include "hex.h"
#include "log.h"
#include "sw.h"

static struct card card;

static int
setup(void **state)
{
	struct card_data d;
	const char *what;
	static const struct card_params p = {
		"8949440000001155314", "001010123456789", "+491701234567",
		NULL, NULL, NULL,
	};

	(void)state;
	stk_log_init("test_card_apdu", STK_LOG_ERROR);
	if (content_new_card(&p, &d, &what) != STK_OK)
		return -1;
	card_init(&card, &d, NULL, NULL);
	return 0;
}

/* Send hex cmd; the response as upper-case hex (static buffer). */
static const char *
xfer(const char *cmdhex)
{
	static char out[2 * (CARD_RESP_MAX + 2) + 1];
	struct stk_buf cmd, resp;

	stk_buf_init(&cmd);
	stk_buf_init(&resp);
	assert_int_equal(stk_hex_decode(cmdhex, &cmd), STK_OK);
	assert_int_equal(card_apdu(&card, stk_buf_data(&cmd),
	    stk_buf_len(&cmd), &resp, NULL), STK_OK);
	assert_true(stk_buf_len(&resp) <= CARD_RESP_MAX + 2);
	stk_hex_format(out, stk_buf_data(&resp), stk_buf_len(&resp), 1);
	stk_buf_free(&cmd);
	stk_buf_free(&resp);
	return out;
}

static void
test_parse_cases(void **state)
{
	static const uint8_t c1[] = { 0x00, 0xa4, 0x00, 0x04 };
	static const uint8_t c2[] = { 0x00, 0xb0, 0x00, 0x00, 0x00 };
	static const uint8_t c3[] = { 0x00, 0xa4, 0x00, 0x04, 0x02, 0x3f, 0x00 };
	static const uint8_t c4[] = { 0x00, 0xa4, 0x00, 0x04, 0x02, 0x3f, 0x00,
	    0x10 };
	static const uint8_t shortlc[] = { 0x00, 0xa4, 0x00, 0x04, 0x03, 0x3f,
	    0x00 };
	static const uint8_t longer[] = { 0x00, 0xa4, 0x00, 0x04, 0x01, 0x3f,
	    0x00, 0x00 };
	static const uint8_t ext[] = { 0x00, 0xa4, 0x00, 0x04, 0x00, 0x00,
	    0x02, 0x3f, 0x00 };
	struct apdu a;
	struct stk_diag d;

	(void)state;
	assert_int_equal(apdu_parse(c1, sizeof(c1), &a, NULL), STK_OK);
	assert_int_equal(a.kase, APDU_CASE1);
	assert_false(a.le_present);
	assert_int_equal(apdu_parse(c2, sizeof(c2), &a, NULL), STK_OK);
	assert_int_equal(a.kase, APDU_CASE2);
	assert_int_equal(a.ne, 256);
	assert_int_equal(apdu_parse(c3, sizeof(c3), &a, NULL), STK_OK);
	assert_int_equal(a.kase, APDU_CASE3);
	assert_int_equal(stk_cur_len(&a.data), 2);
	assert_int_equal(stk_cur_offset(&a.data), 5);
	assert_int_equal(apdu_parse(c4, sizeof(c4), &a, NULL), STK_OK);
	assert_int_equal(a.kase, APDU_CASE4);
	assert_int_equal(a.ne, 16);
	assert_string_equal(apdu_case_name(a.kase), "case 4");
	assert_string_equal(apdu_case_name(9), "?");

	stk_diag_clear(&d);
	assert_int_equal(apdu_parse(c1, 3, &a, &d), STK_E_TRUNCATED);
	assert_string_equal(d.field, "APDU header");
	stk_diag_clear(&d);
	assert_int_equal(apdu_parse(shortlc, sizeof(shortlc), &a, &d),
	    STK_E_TRUNCATED);
	assert_string_equal(d.field, "APDU data (Lc)");
	assert_int_equal(d.offset, 4);
	stk_diag_clear(&d);
	assert_int_equal(apdu_parse(longer, sizeof(longer), &a, &d),
	    STK_E_TRAILING);
	assert_int_equal(d.offset, 7);
	stk_diag_clear(&d);
	assert_int_equal(apdu_parse(ext, sizeof(ext), &a, &d),
	    STK_E_UNSUPPORTED);
	assert_int_equal(apdu_parse(NULL, 0, &a, NULL), STK_E_TRUNCATED);
}

static void
test_malformed_answers_6700(void **state)
{
	(void)state;
	assert_string_equal(xfer("00A4"), "6700");
	assert_string_equal(xfer("00A40004033F00"), "6700");
	assert_string_equal(xfer("00A40004013F0000"), "6700");
	assert_string_equal(xfer("00A4000400000200"), "6700");
	/* case not allowed for the command: READ BINARY without Le */
	assert_string_equal(xfer("00B00000"), "6700");
	/* SELECT needs data */
	assert_string_equal(xfer("00A4000400"), "6700");
	/* SELECT by FID with 3 bytes */
	assert_string_equal(xfer("00A40004033F0000"), "6700");
}

static void
test_cla_ins_checks(void **state)
{
	(void)state;
	/* GSM class A0 (TS 51.011) is not supported */
	assert_string_equal(xfer("A0A40000023F00"), "6E00");
	assert_string_equal(xfer("FFA40004023F00"), "6E00");
	assert_string_equal(xfer("20A40004023F00"), "6E00");
	/* STATUS exists, but with CLA 8X only; SELECT with 0X only */
	assert_string_equal(xfer("00F2000000"), "6E00");
	assert_string_equal(xfer("80A40004023F00"), "6E00");
	/* unknown and invalid (procedure byte) instructions */
	assert_string_equal(xfer("00CA000000"), "6D00");
	assert_string_equal(xfer("0060000000"), "6D00");
	assert_string_equal(xfer("0090000000"), "6D00");
	/* logical channels, secure messaging, chaining */
	assert_string_equal(xfer("01A40004023F00"), "6881");
	assert_string_equal(xfer("41A40004023F00"), "6881");
	assert_string_equal(xfer("0CA40004023F00"), "6882");
	assert_string_equal(xfer("10A40004023F00"), "6884");
	assert_string_equal(card_ins_name(0x00, 0xa4), "SELECT");
	assert_string_equal(card_ins_name(0x80, 0xf2), "STATUS");
	assert_null(card_ins_name(0x00, 0xf2));
}

static void
test_t0_get_response(void **state)
{
	const char *r;
	char fcp[128], le[16];
	size_t n;

	(void)state;
	card_reset(&card);
	/* case 3 form of a case 4 command: 61xx */
	r = xfer("00A40004022FE2");
	assert_int_equal(strncmp(r, "61", 2), 0);
	n = strtoul(r + 2, NULL, 16);
	assert_true(n > 10 && n < 64);
	/* GET RESPONSE with a wrong Le: 6Cxx, data kept */
	snprintf(fcp, sizeof(fcp), "6C%02zX", n);
	snprintf(le, sizeof(le), "00C00000%02zX", n + 1);
	assert_string_equal(xfer(le), fcp);
	snprintf(le, sizeof(le), "00C00000%02zX", n + 5);
	assert_string_equal(xfer(le), fcp);
	/* wrong P1 P2 */
	assert_string_equal(xfer("00C0010000"), "6A86");
	/* another command in between would discard it; GET RESPONSE in
	 * two parts: first 4 bytes + 61 (n-4), then the rest */
	r = xfer("00C0000004");
	assert_int_equal(strlen(r), 8 + 4);
	assert_int_equal(strncmp(r, "62", 2), 0);
	snprintf(fcp, sizeof(fcp), "61%02zX", n - 4);
	assert_string_equal(r + 8, fcp);
	snprintf(fcp, sizeof(fcp), "00C00000%02zX", n - 4);
	r = xfer(fcp);
	assert_int_equal(strlen(r), 2 * (n - 4) + 4);
	assert_string_equal(r + 2 * (n - 4), "9000");
	/* nothing left */
	assert_string_equal(xfer("00C0000001"), "6985");
	/* Le 00: everything there is, at once */
	assert_int_equal(strncmp(xfer("00A40004022FE2"), "61", 2), 0);
	r = xfer("00C0000000");
	assert_int_equal(strlen(r), 2 * n + 4);
	assert_string_equal(r + 2 * n, "9000");
	assert_string_equal(xfer("00C0000000"), "6985");
	/* pending data is dropped by any other command */
	assert_int_equal(strncmp(xfer("00A40004022FE2"), "61", 2), 0);
	assert_string_equal(xfer("00B000000A"), "989444000000115513F49000");
	assert_string_equal(xfer("00C0000001"), "6985");
}

static void
test_t0_case2_and_case4(void **state)
{
	const char *r;

	(void)state;
	card_reset(&card);
	assert_string_equal(xfer("00A4000C022FE2"), "9000");
	/* exact Le */
	assert_string_equal(xfer("00B000000A"), "989444000000115513F49000");
	/* Le 00 (up to 256) on a 10-byte EF: all of it; a wrong non-zero Le
	 * gets the T=0 answer 6C0A */
	assert_string_equal(xfer("00B0000000"), "989444000000115513F49000");
	assert_string_equal(xfer("00B000000B"), "6C0A");
	assert_string_equal(xfer("00B0000800"), "13F49000");
	/* Le too long from an offset: the exact rest */
	assert_string_equal(xfer("00B0000808"), "6C02");
	/* shorter Le: exactly that many bytes */
	assert_string_equal(xfer("00B0000002"), "98949000");
	/* case 4 with Le 00: the FCP and 9000 at once (T=1 style) */
	r = xfer("00A40004022FE200");
	assert_int_equal(strncmp(r, "62", 2), 0);
	assert_string_equal(r + strlen(r) - 4, "9000");
	/* case 4 with a short Le: Le bytes and 61xx for the rest */
	r = xfer("00A40004022FE202");
	assert_int_equal(strncmp(r, "62", 2), 0);
	assert_int_equal(strncmp(r + 4, "61", 2), 0);
	assert_int_equal(strlen(r), 8);
}

static void
test_atr(void **state)
{
	const uint8_t *atr;
	uint8_t bad[40];
	size_t n;
	struct stk_diag d;
	char hex[80];

	(void)state;
	n = card_atr(&atr);
	stk_hex_format(hex, atr, n, 1);
	/* TCK cross-checked with pcsc-tools' ATR_analysis ("correct
	 * checksum"), see tests/sh/test_card_pcsc.sh */
	assert_string_equal(hex, "3B9A9680B1FE451FC78031E073F22100829000BD");
	stk_diag_clear(&d);
	assert_int_equal(card_atr_check(atr, n, &d), STK_OK);
	memcpy(bad, atr, n);
	bad[n - 1] ^= 1;
	stk_diag_clear(&d);
	assert_int_equal(card_atr_check(bad, n, &d), STK_E_VERIFY);
	assert_string_equal(d.field, "TCK");
	assert_int_equal(d.offset, n - 1);
	stk_diag_clear(&d);
	assert_int_equal(card_atr_check(atr, n - 1, &d), STK_E_TRUNCATED);
	assert_string_equal(d.field, "TCK");
	stk_diag_clear(&d);
	assert_int_equal(card_atr_check(atr, 5, &d), STK_E_TRUNCATED);
	memcpy(bad, atr, n);
	bad[n] = 0;
	assert_int_equal(card_atr_check(bad, n + 1, NULL), STK_E_TRAILING);
	bad[0] = 0x3c;
	assert_int_equal(card_atr_check(bad, n, NULL), STK_E_INVALID);
	/* T=0 only, no TCK: 3B 00 is the shortest valid ATR */
	assert_int_equal(card_atr_check((const uint8_t *)"\x3b\x00", 2, NULL),
	    STK_OK);
}

static void
test_vpcd_handle(void **state)
{
	struct stk_buf out;
	const uint8_t *atr;
	size_t n = card_atr(&atr);
	static const uint8_t sel[] = { 0x00, 0xa4, 0x00, 0x0c, 0x02, 0x2f,
	    0xe2 };
	uint8_t msg;

	(void)state;
	stk_buf_init(&out);
	msg = VPCD_CTRL_ATR;
	assert_int_equal(vpcd_handle(&card, &msg, 1, &out), STK_OK);
	assert_int_equal(stk_buf_len(&out), n + 2);
	assert_int_equal(stk_buf_data(&out)[0], 0);
	assert_int_equal(stk_buf_data(&out)[1], n);
	assert_memory_equal(stk_buf_data(&out) + 2, atr, n);
	stk_buf_reset(&out);
	/* power on / off / reset / unknown: no answer */
	for (msg = 0; msg < 8; msg++) {
		if (msg == VPCD_CTRL_ATR)
			continue;
		assert_int_equal(vpcd_handle(&card, &msg, 1, &out), STK_OK);
		assert_int_equal(stk_buf_len(&out), 0);
	}
	assert_int_equal(vpcd_handle(&card, NULL, 0, &out), STK_OK);
	assert_int_equal(stk_buf_len(&out), 0);
	/* an APDU: framed response */
	assert_int_equal(vpcd_handle(&card, sel, sizeof(sel), &out), STK_OK);
	assert_int_equal(stk_buf_len(&out), 4);
	assert_memory_equal(stk_buf_data(&out), "\x00\x02\x90\x00", 4);
	assert_int_equal(card_current_ef(&card), 0x2fe2);
	/* a reset deselects */
	stk_buf_reset(&out);
	msg = VPCD_CTRL_RESET;
	assert_int_equal(vpcd_handle(&card, &msg, 1, &out), STK_OK);
	assert_int_equal(card_current_ef(&card), 0);
	assert_int_equal(card_current_df(&card), 0x3f00);
	stk_buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_cases),
		cmocka_unit_test(test_malformed_answers_6700),
		cmocka_unit_test(test_cla_ins_checks),
		cmocka_unit_test(test_t0_get_response),
		cmocka_unit_test(test_t0_case2_and_case4),
		cmocka_unit_test(test_atr),
		cmocka_unit_test(test_vpcd_handle),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
