/* test_card_ota.c - the card's OTA layer and proactive engine: PoR status
 * codes (TS 102 225 §5.2), the SMS-PP DOWNLOAD status words (TS 31.111
 * §7.1.1), FETCH / TERMINAL RESPONSE / TERMINAL PROFILE errors, 91xx and
 * 9300, T=0 data retrieval, and that bad input never changes the card. */
#include "card_harness.h"

static struct harness H;

static int
setup(void **state)
{
	(void)state;
	stk_log_init("test_card_ota", STK_LOG_ERROR);
	h_init(&H);
	return 0;
}

/* The PoR status of a refused packet, and that the card did nothing:
 * no proactive command, no counter moved, nothing stored. */
static void
expect_refused(struct h_pkt *o, uint8_t status, bool secured)
{
	unsigned persists = H.persists;
	uint64_t rx = H.card.d.ks[0].rx_cntr;
	bool sec;

	assert_int_equal(h_send_std(&H, o, 0x01), 0x6200);
	assert_int_equal(h_por_status(&H, o->spi, &sec), status);
	assert_true(sec == secured);
	assert_false(tk_busy(&H.card));
	assert_int_equal(H.persists, persists);
	assert_true(H.card.d.ks[0].rx_cntr == rx);
}

static void
test_por_status(void **state)
{
	static const uint8_t wrong_key[16] = { 0x55 };
	static const uint8_t unknown_tar[3] = { 0xb0, 0x00, 0x01 };
	struct h_pkt o;

	(void)state;
	assert_int_equal(h_terminal_profile(&H, H_TP_FULL), STK_SW_OK);
	/* unknown TAR: 09, unsecured */
	h_pkt_default(&H, &o);
	memcpy(o.tar, unknown_tar, 3);
	expect_refused(&o, STK_OTA_ST_TAR_UNKNOWN, false);
	/* wrong KID key, then wrong KIc key: 01 RC/CC/DS failed */
	h_pkt_default(&H, &o);
	o.kid_key = wrong_key;
	expect_refused(&o, STK_OTA_ST_RC_CC_DS_FAILED, true);
	h_pkt_default(&H, &o);
	o.kic_key = wrong_key;
	expect_refused(&o, STK_OTA_ST_RC_CC_DS_FAILED, true);
	/* no ciphering, below the TAR's minimum security level: 0A */
	h_pkt_default(&H, &o);
	o.spi = 0x1219;
	expect_refused(&o, STK_OTA_ST_INSUFFICIENT_SEC, true);
	/* key version 2 is not on the card: 06, unsecured */
	h_pkt_default(&H, &o);
	o.kic = o.kid = 0x22;
	expect_refused(&o, STK_OTA_ST_SECURITY_ERROR, false);
	/* a good one, counter 5 */
	h_pkt_default(&H, &o);
	o.cntr = 5;
	assert_int_equal(h_send_std(&H, &o, 0x01) & 0xff00,
	    STK_SW_PROACTIVE_PENDING);
	assert_int_equal(h_por_status(&H, o.spi, NULL), STK_OTA_ST_OK);
	assert_true(H.stored.ks[0].rx_cntr == 5);
	card_reset(&H.card);
	assert_int_equal(h_terminal_profile(&H, H_TP_FULL), STK_SW_OK);
	/* old counters: 02 CNTR low, equal or lower */
	h_pkt_default(&H, &o);
	o.cntr = 5;
	expect_refused(&o, STK_OTA_ST_CNTR_LOW, true);
	o.cntr = 4;
	expect_refused(&o, STK_OTA_ST_CNTR_LOW, true);
	/* PoR "on error" only: an accepted packet gets 9000 and no data */
	h_pkt_default(&H, &o);
	o.cntr = 6;
	o.spi = 0x161a;
	assert_int_equal(h_send_std(&H, &o, 0x02) & 0xff00,
	    STK_SW_PROACTIVE_PENDING);
	assert_int_equal(H.resp_len, 0);
	card_reset(&H.card);
	/* no PoR at all: a refused packet gets 9000 without data */
	h_pkt_default(&H, &o);
	o.cntr = 6;
	o.spi = 0x1600;
	assert_int_equal(h_send_std(&H, &o, 0x03), STK_SW_OK);
	assert_int_equal(H.resp_len, 0);
	assert_false(tk_busy(&H.card));
}

/* T=0: ENVELOPE without Le -> 61xx, GET RESPONSE -> PoR + 91xx; a PoR
 * with an error status -> 6200, GET RESPONSE -> PoR + 9000. */
static void
test_t0_retrieval(void **state)
{
	struct stk_sms_addr sc;
	struct stk_buf req, tpdu, env;
	struct h_pkt o;
	uint8_t len;

	(void)state;
	assert_int_equal(h_terminal_profile(&H, H_TP_FULL), STK_SW_OK);
	assert_int_equal(stk_sms_addr_from_text("+491710760000", &sc), STK_OK);
	stk_buf_init(&req);
	stk_buf_init(&tpdu);
	stk_buf_init(&env);
	h_request_bytes(&req, 0x01);
	h_pkt_default(&H, &o);
	h_deliver(&o, stk_buf_data(&req), stk_buf_len(&req), &tpdu);
	assert_int_equal(stk_cat_envelope_sms_pp(&env, &sc,
	    stk_buf_data(&tpdu), stk_buf_len(&tpdu)), STK_OK);
	assert_int_equal(h_cmd(&H, 0x80, 0xc2, 0, 0, stk_buf_data(&env),
	    stk_buf_len(&env), -1) & 0xff00, STK_SW_BYTES_AVAILABLE);
	len = (uint8_t)(H.sw & 0xff);
	assert_int_equal(H.resp_len, 0);
	assert_int_equal(h_cmd(&H, 0x00, 0xc0, 0, 0, NULL, 0, len) & 0xff00,
	    STK_SW_PROACTIVE_PENDING);
	assert_int_equal(H.resp_len, len);
	assert_int_equal(h_por_status(&H, H_SPI, NULL), STK_OTA_ST_OK);
	/* any 9000 is 91xx while the command waits: SELECT MF */
	assert_int_equal(h_apdu_hex(&H, "00A4000C023F00") & 0xff00,
	    STK_SW_PROACTIVE_PENDING);
	/* the same envelope again while busy: 9300 */
	assert_int_equal(h_cmd(&H, 0x80, 0xc2, 0, 0, stk_buf_data(&env),
	    stk_buf_len(&env), -1), STK_SW_TOOLKIT_BUSY);
	card_reset(&H.card);
	assert_int_equal(h_terminal_profile(&H, H_TP_FULL), STK_SW_OK);
	/* now a replay: warning 6200, data by GET RESPONSE */
	assert_int_equal(h_cmd(&H, 0x80, 0xc2, 0, 0, stk_buf_data(&env),
	    stk_buf_len(&env), -1), 0x6200);
	assert_int_equal(H.resp_len, 0);
	assert_int_equal(h_cmd(&H, 0x00, 0xc0, 0, 0, NULL, 0, 0),
	    STK_SW_OK);
	assert_int_equal(h_por_status(&H, H_SPI, NULL), STK_OTA_ST_CNTR_LOW);
	stk_buf_free(&req);
	stk_buf_free(&tpdu);
	stk_buf_free(&env);
}

/* Envelopes that are no secured data download, and broken ones. */
static void
test_bad_envelopes(void **state)
{
	struct stk_buf req, tpdu, env;
	struct h_pkt o;
	struct card_data before;
	static const uint8_t concat_udh[8] = {
		0x07, 0x00, 0x03, 0x01, 0x02, 0x01, 0x70, 0x00,
	};

	(void)state;
	assert_int_equal(h_terminal_profile(&H, H_TP_FULL), STK_SW_OK);
	before = H.card.d;
	stk_buf_init(&req);
	stk_buf_init(&tpdu);
	stk_buf_init(&env);
	h_request_bytes(&req, 0x01);
	/* TP-PID 00: an ordinary SMS is no data download */
	h_pkt_default(&H, &o);
	o.pid = 0x00;
	assert_int_equal(h_send_std(&H, &o, 1), STK_SW_WRONG_DATA);
	/* TP-DCS UCS-2, then GSM 7-bit (octet 10: after the first octet,
	 * the 8-octet TP-OA and TP-PID) */
	h_pkt_default(&H, &o);
	o.dcs = 0x08;
	assert_int_equal(h_send_std(&H, &o, 1), STK_SW_WRONG_DATA);
	h_pkt_default(&H, &o);
	h_deliver(&o, stk_buf_data(&req), stk_buf_len(&req), &tpdu);
	assert_int_equal(stk_buf_data(&tpdu)[10], 0xf6);
	stk_buf_data(&tpdu)[10] = 0x00;
	assert_int_equal(h_envelope_tpdu(&H, stk_buf_data(&tpdu),
	    stk_buf_len(&tpdu)), STK_SW_WRONG_DATA);
	stk_buf_data(&tpdu)[10] = 0xf6;
	/* truncated TPDU, cut one octet at a time */
	for (size_t n = 1; n < stk_buf_len(&tpdu); n += 7)
		assert_int_equal(h_envelope_tpdu(&H, stk_buf_data(&tpdu), n),
		    STK_SW_WRONG_DATA);
	/* a concatenated command packet (IEI 00 + 70): not supported */
	{
		struct stk_tpdu *t = calloc(1, sizeof(*t));

		assert_non_null(t);
		assert_int_equal(stk_tpdu_decode_as(stk_buf_data(&tpdu),
		    stk_buf_len(&tpdu), STK_TPDU_DELIVER, false, t, NULL),
		    STK_OK);
		assert_int_equal(stk_tpdu_set_udh(t, concat_udh,
		    sizeof(concat_udh)), STK_OK);
		stk_buf_reset(&env);
		assert_int_equal(stk_tpdu_encode(t, &env), STK_OK);
		assert_int_equal(h_envelope_tpdu(&H, stk_buf_data(&env),
		    stk_buf_len(&env)), STK_SW_WRONG_DATA);
		/* no UDH at all */
		assert_int_equal(stk_tpdu_set_udh(t, NULL, 0), STK_OK);
		stk_buf_reset(&env);
		assert_int_equal(stk_tpdu_encode(t, &env), STK_OK);
		assert_int_equal(h_envelope_tpdu(&H, stk_buf_data(&env),
		    stk_buf_len(&env)), STK_SW_WRONG_DATA);
		free(t);
	}
	/* the packet inside cut short (CPL then disagrees): no SPI to
	 * trust, no PoR */
	{
		struct stk_tpdu *t = calloc(1, sizeof(*t));

		assert_non_null(t);
		assert_int_equal(stk_tpdu_decode_as(stk_buf_data(&tpdu),
		    stk_buf_len(&tpdu), STK_TPDU_DELIVER, false, t, NULL),
		    STK_OK);
		t->body_len -= 3;
		stk_buf_reset(&env);
		assert_int_equal(stk_tpdu_encode(t, &env), STK_OK);
		assert_int_equal(h_envelope_tpdu(&H, stk_buf_data(&env),
		    stk_buf_len(&env)), STK_SW_WRONG_DATA);
		assert_int_equal(H.resp_len, 0);
		free(t);
	}
	/* BER-TLV errors, wrong device identities, other envelopes */
	assert_int_equal(h_apdu_hex(&H, "80C2000003D10502"), STK_SW_WRONG_DATA);
	assert_int_equal(h_apdu_hex(&H, "80C2000007D105820283810B00"),
	    STK_SW_WRONG_DATA);	/* SMS TPDU object cut off */
	assert_int_equal(h_apdu_hex(&H, "80C2000009D1"), STK_SW_WRONG_LENGTH);
	assert_int_equal(h_apdu_hex(&H, "80C2000008D106820282810B00"),
	    STK_SW_WRONG_DATA);
	assert_int_equal(h_apdu_hex(&H, "80C2000009D30782020181900101"),
	    STK_SW_FUNC_NOT_SUPPORTED);
	assert_int_equal(h_apdu_hex(&H, "80C2010009D30782020181900101"),
	    STK_SW_WRONG_P1P2);
	/* nothing of that changed the card */
	assert_memory_equal(&before, &H.card.d, sizeof(before));
	assert_false(tk_busy(&H.card));
	stk_buf_free(&req);
	stk_buf_free(&tpdu);
	stk_buf_free(&env);
}

/* The counter cannot be stored: 6581, the packet is not acted on. */
static void
test_persist_failure(void **state)
{
	struct h_pkt o;

	(void)state;
	assert_int_equal(h_terminal_profile(&H, H_TP_FULL), STK_SW_OK);
	H.fail_persist = true;
	h_pkt_default(&H, &o);
	assert_int_equal(h_send_std(&H, &o, 1), STK_SW_MEMORY_PROBLEM);
	assert_false(tk_busy(&H.card));
	H.fail_persist = false;
}

/* Without a TERMINAL PROFILE the applet cannot answer: PoR OK, no
 * proactive command (TS 102 221 §11.2.1). */
static void
test_no_profile(void **state)
{
	struct h_pkt o;

	(void)state;
	h_pkt_default(&H, &o);
	assert_int_equal(h_send_std(&H, &o, 1), STK_SW_OK);
	assert_int_equal(h_por_status(&H, H_SPI, NULL), STK_OTA_ST_OK);
	assert_false(tk_busy(&H.card));
}

/* FETCH, TERMINAL RESPONSE and TERMINAL PROFILE error paths. */
static void
test_proactive_errors(void **state)
{
	struct stk_cat_proactive *p = calloc(1, sizeof(*p));
	struct stk_cat_proactive q;
	struct h_pkt o;
	uint8_t len;

	(void)state;
	assert_non_null(p);
	/* nothing pending */
	assert_int_equal(h_apdu_hex(&H, "8012000010"),
	    STK_SW_CONDITIONS_NOT_SATISFIED);
	assert_int_equal(h_apdu_hex(&H, "801400000C810301240082028281830100"),
	    STK_SW_CONDITIONS_NOT_SATISFIED);
	/* TERMINAL PROFILE: P1, no data */
	assert_int_equal(h_apdu_hex(&H, "8010010001FF"), STK_SW_WRONG_P1P2);
	assert_int_equal(h_apdu_hex(&H, "80100000"), STK_SW_WRONG_LENGTH);
	/* FETCH under the wrong class and as case 1 */
	assert_int_equal(h_apdu_hex(&H, "0012000010"), STK_SW_CLA_NOT_SUPPORTED);
	assert_int_equal(h_apdu_hex(&H, "80120000"), STK_SW_WRONG_LENGTH);
	assert_int_equal(h_terminal_profile(&H, H_TP_FULL), STK_SW_OK);
	h_pkt_default(&H, &o);
	assert_int_equal(h_send_std(&H, &o, 1) & 0xff00, STK_SW_PROACTIVE_PENDING);
	len = (uint8_t)(H.sw & 0xff);
	/* wrong Le: 6Cxx, still pending */
	assert_int_equal(h_cmd(&H, 0x80, 0x12, 0, 0, NULL, 0, len - 1),
	    STK_SW_WRONG_LE | len);
	assert_int_equal(h_cmd(&H, 0x80, 0x12, 1, 0, NULL, 0, len),
	    STK_SW_WRONG_P1P2);
	/* Le 00 fetches it too */
	assert_int_equal(h_cmd(&H, 0x80, 0x12, 0, 0, NULL, 0, 0), STK_SW_OK);
	assert_int_equal(H.resp_len, len);
	assert_int_equal(stk_cat_proactive_decode(H.resp, H.resp_len, p, NULL),
	    STK_OK);
	/* fetched once: no second FETCH */
	assert_int_equal(h_cmd(&H, 0x80, 0x12, 0, 0, NULL, 0, len),
	    STK_SW_CONDITIONS_NOT_SATISFIED);
	/* TERMINAL RESPONSE for another command number / type */
	q = *p;
	q.cmd.number ^= 0x01;
	assert_int_equal(h_tr(&H, &q, STK_CAT_RES_OK, 1, NULL),
	    STK_SW_WRONG_DATA);
	q = *p;
	q.cmd.type = STK_CAT_CMD_DISPLAY_TEXT;
	assert_int_equal(h_tr(&H, &q, STK_CAT_RES_OK, -1, NULL),
	    STK_SW_WRONG_DATA);
	/* garbage, truncated objects, wrong devices */
	assert_int_equal(h_apdu_hex(&H, "8014000003810301"), STK_SW_WRONG_DATA);
	assert_int_equal(h_apdu_hex(&H, "80140000020000"), STK_SW_WRONG_DATA);
	assert_int_equal(h_apdu_hex(&H, "8014010001FF"), STK_SW_WRONG_P1P2);
	/* still outstanding: the right answer is taken */
	assert_true(tk_busy(&H.card));
	assert_int_equal(h_tr(&H, p, STK_CAT_RES_OK, 2, NULL) & 0xff00,
	    STK_SW_PROACTIVE_PENDING);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_por_status, setup),
		cmocka_unit_test_setup(test_t0_retrieval, setup),
		cmocka_unit_test_setup(test_bad_envelopes, setup),
		cmocka_unit_test_setup(test_persist_failure, setup),
		cmocka_unit_test_setup(test_no_profile, setup),
		cmocka_unit_test_setup(test_proactive_errors, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
