/*
 * test_card_por.c - the Proof of Receipt "via SMS-SUBMIT" (TS 102 225
 * §5.1.1, SPI octet 2 b6 = 1; TS 31.115 §4.4): the ENVELOPE (SMS-PP
 * DOWNLOAD) ends 91xx without data, FETCH gives a SEND SHORT MESSAGE
 * (null alpha identifier, TS 102 223 §6.4.10) whose TPDU is an SMS-SUBMIT
 * to the command's TP-OA with TP-PID 7F, TP-DCS F6 and UDH 02 71 00, and
 * the response packet in it opens with lib's stk_ota_unwrap_response()
 * and the card's keys, showing the status the card decided.  With b6 = 0
 * the PoR stays in the ENVELOPE response (SMS-DELIVER-REPORT).  A PoR
 * that cannot go by SMS (no SEND SHORT MESSAGE in the TERMINAL PROFILE,
 * an alphanumeric TP-OA) falls back to the ENVELOPE response.  With
 * "PoR always", the PoR leaves before the applet's pop-up.
 */
#include "card_harness.h"

/* SPI octet 2 of the bridge's key store default (KS_SPI_DEFAULT 163A):
 * PoR on error (b2b1 10), PoR CC (b4b3 10), PoR ciphered (b5), PoR via
 * SMS-SUBMIT (b6). */
#define SPI_ERR_SUBMIT		0x163A
/* The same with b6 = 0: via SMS-DELIVER-REPORT. */
#define SPI_ERR_REPORT		0x161A
/* PoR always (b2b1 01), CC, ciphered, via SMS-SUBMIT. */
#define SPI_ALWAYS_SUBMIT	0x1639
/* The TP-OA card_harness.h puts in its SMS-DELIVERs. */
#define H_ORIGINATOR		"+491710000002"

static struct harness H;

static int
setup(void **state)
{
	(void)state;
	stk_log_init("test_card_por", STK_LOG_ERROR);
	h_init(&H);
	return 0;
}

/* A KID (or KIc) key the card does not hold. */
static const uint8_t wrong_key[16] = { 0x55 };

/* The SMS-DELIVER of the standard request in a packet built with o, with
 * its TP-OA replaced by the alphanumeric address alpha_oa. */
static void
deliver_from_alpha(const struct h_pkt *o, const char *alpha_oa,
    struct stk_buf *tpdu)
{
	struct stk_tpdu *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	h_deliver_std(o, 0x01, tpdu);
	assert_int_equal(stk_tpdu_decode_as(stk_buf_data(tpdu),
	    stk_buf_len(tpdu), STK_TPDU_DELIVER, false, t, NULL), STK_OK);
	assert_int_equal(stk_sms_addr_set_alpha(&t->addr, alpha_oa), STK_OK);
	stk_buf_reset(tpdu);
	assert_int_equal(stk_tpdu_encode(t, tpdu), STK_OK);
	free(t);
}

/* TERMINAL PROFILE (all facilities) and packet options o with this SPI. */
static void
begin(uint16_t spi, struct h_pkt *o)
{
	assert_int_equal(h_terminal_profile(&H, H_TP_FULL), STK_SW_OK);
	h_pkt_default(&H, o);
	o->spi = spi;
}

/* A good packet (standard request) with PoR always by SMS-SUBMIT: the
 * ENVELOPE must end 91xx without data. */
static void
send_always(struct h_pkt *o)
{
	begin(SPI_ALWAYS_SUBMIT, o);
	assert_int_equal(h_send_std(&H, o, 0x01) & 0xff00,
	    STK_SW_PROACTIVE_PENDING);
	assert_int_equal(H.resp_len, 0);
}

/* A wrong CC whose PoR (01, secured) comes in the ENVELOPE response:
 * 6200 + data, and the card idle afterwards. */
static void
expect_cc_por_in_envelope(struct h_pkt *o)
{
	bool sec;

	o->kid_key = wrong_key;
	assert_int_equal(h_send_std(&H, o, 0x01), 0x6200);
	assert_int_equal(h_por_status(&H, o->spi, &sec),
	    STK_OTA_ST_RC_CC_DS_FAILED);
	assert_true(sec);
	assert_false(tk_busy(&H.card));
}

/* The pending command must be the applet's pop-up. */
static void
expect_popup(void)
{
	struct stk_cat_proactive *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	h_fetch(&H, p);
	assert_int_equal(p->cmd.type, STK_CAT_CMD_SELECT_ITEM);
	free(p);
}

/* Open a response packet (UDH 027100 + RPL...) as the bridge does, with
 * the key set's keys or a wrong KID key; returns the lib's result. */
static int
open_por(const uint8_t *ud, size_t len, uint16_t spi, bool wrong_kid,
    struct stk_ota_response *resp)
{
	struct stk_ota_key kk, dk;

	memset(&kk, 0, sizeof(kk));
	memset(&dk, 0, sizeof(dk));
	kk.len = dk.len = 16;
	memcpy(kk.key, h_kic_key, 16);
	memcpy(dk.key, h_kid_key, 16);
	if (wrong_kid)
		dk.key[15] ^= 0x01;
	memset(resp, 0, sizeof(*resp));
	return stk_ota_unwrap_response(ud, len, spi, H_KIC, H_KID, &kk, &dk,
	    resp, NULL);
}

/* TERMINAL RESPONSE to p with result; results 2X get the additional
 * information "no specific cause" (TS 102 223 §8.12.2). */
static void
answer(const struct stk_cat_proactive *p, uint8_t result)
{
	struct stk_cat_terminal_response *tr = calloc(1, sizeof(*tr));
	struct stk_buf b;

	assert_non_null(tr);
	stk_cat_tr_init(tr, &p->cmd, result);
	if ((result & 0xf0) == 0x20) {
		tr->add_info_len = 1;
		tr->add_info[0] = 0x00;
	}
	stk_buf_init(&b);
	assert_int_equal(stk_cat_tr_encode(tr, &b), STK_OK);
	(void)h_cmd(&H, 0x80, 0x14, 0, 0, stk_buf_data(&b), stk_buf_len(&b),
	    -1);
	stk_buf_free(&b);
	free(tr);
}

/*
 * The pending command must be the PoR's SEND SHORT MESSAGE for a command
 * packet built with o: FETCH it, check the command and the SMS-SUBMIT,
 * open the packet with the card's keys (and see a wrong key refused when
 * it is secured), check TAR and CNTR echoed, answer the TERMINAL RESPONSE
 * with result; returns the PoR status.
 */
static uint8_t
fetch_por(const struct h_pkt *o, bool secured, uint8_t result)
{
	static const uint8_t rpi[3] = { 0x02, STK_OTA_IEI_RESPONSE, 0x00 };
	struct stk_cat_proactive *p = calloc(1, sizeof(*p));
	struct stk_tpdu *t = calloc(1, sizeof(*t));
	struct stk_sms_addr oa;
	struct stk_ota_response resp;
	uint8_t ud[STK_CONCAT_UD_OCTETS], st;

	assert_non_null(p);
	assert_non_null(t);
	h_fetch(&H, p);
	/* TS 102 223 §6.6.9: UICC -> network, qualifier 00 (no packing),
	 * a null alpha identifier (nothing shown), no SC address. */
	assert_int_equal(p->cmd.type, STK_CAT_CMD_SEND_SHORT_MESSAGE);
	assert_int_equal(p->cmd.qualifier, 0x00);
	assert_int_equal(p->dev.source, STK_CAT_DEV_UICC);
	assert_int_equal(p->dev.dest, STK_CAT_DEV_NETWORK);
	assert_true(p->alpha.present);
	assert_int_equal(p->alpha.coding, STK_CAT_CODING_NULL);
	assert_false(p->address.present);
	/* TS 23.040 §9.2.2.2: SMS-SUBMIT to the TP-OA of the command's
	 * SMS-DELIVER, TP-MR 00 (the ME's), no VP, PID 7F, DCS F6, UDH
	 * exactly 02 71 00. */
	assert_int_equal(stk_tpdu_decode_as(p->tpdu, p->tpdu_len,
	    STK_TPDU_SUBMIT, false, t, NULL), STK_OK);
	assert_int_equal(stk_sms_addr_from_text(H_ORIGINATOR, &oa), STK_OK);
	assert_true(stk_sms_addr_equal(&t->addr, &oa));
	assert_int_equal(t->mr, 0);
	assert_int_equal(t->vpf, STK_VPF_NONE);
	assert_false(t->srr);
	assert_int_equal(t->pid, STK_PID_SIM_DOWNLOAD);
	assert_int_equal(t->dcs, 0xf6);
	assert_true(t->udhi);
	assert_int_equal(t->udh_len, sizeof(rpi));
	assert_memory_equal(t->udh, rpi, sizeof(rpi));
	/* The bridge's view: TP-UD = UDH + packet, opened with the keys. */
	assert_true(t->udh_len + t->body_len <= sizeof(ud));
	memcpy(ud, t->udh, t->udh_len);
	memcpy(ud + t->udh_len, t->body, t->body_len);
	assert_int_equal(open_por(ud, t->udh_len + t->body_len, o->spi, false,
	    &resp), STK_OK);
	assert_memory_equal(resp.tar, o->tar, 3);
	/* CNTR is ciphered in the command: echoed when the keys opened it */
	if (secured)
		assert_true(resp.cntr == o->cntr);
	assert_true(resp.secured == secured);
	assert_int_equal(resp.data_len, 0);
	st = resp.status;
	stk_ota_response_free(&resp);
	if (secured) {
		assert_int_equal(open_por(ud, t->udh_len + t->body_len,
		    o->spi, true, &resp), STK_E_VERIFY);
		stk_ota_response_free(&resp);
	}
	answer(p, result);
	free(p);
	free(t);
	return st;
}

/* A refused packet whose PoR goes by SMS-SUBMIT: 91xx, no data, the
 * status in the SMS; afterwards the card is idle and unchanged. */
static void
expect_refused_by_sms(const struct h_pkt *o, uint8_t status, bool secured)
{
	unsigned persists = H.persists;
	uint64_t rx = H.card.d.ks[0].rx_cntr;

	assert_int_equal(h_send_std(&H, o, 0x01) & 0xff00,
	    STK_SW_PROACTIVE_PENDING);
	assert_int_equal(H.resp_len, 0);
	assert_true(tk_busy(&H.card));
	assert_int_equal(fetch_por(o, secured, STK_CAT_RES_OK), status);
	assert_int_equal(H.sw, STK_SW_OK);
	assert_false(tk_busy(&H.card));
	assert_int_equal(H.persists, persists);
	assert_true(H.card.d.ks[0].rx_cntr == rx);
	assert_int_equal(H.card.d.ks[0].tx_cntr, 0);
}

static void
test_error_por_by_sms(void **state)
{
	static const uint8_t unknown_tar[3] = { 0xb0, 0x00, 0x01 };
	struct h_pkt o;

	(void)state;
	/* wrong CC (the KID key): 01, secured with the card's keys */
	begin(SPI_ERR_SUBMIT, &o);
	o.kid_key = wrong_key;
	expect_refused_by_sms(&o, STK_OTA_ST_RC_CC_DS_FAILED, true);
	/* unknown TAR: 09, unsecured (TS 102 225 §5.2) */
	h_pkt_default(&H, &o);
	o.spi = SPI_ERR_SUBMIT;
	memcpy(o.tar, unknown_tar, 3);
	expect_refused_by_sms(&o, STK_OTA_ST_TAR_UNKNOWN, false);
	/* counter too low: 02 */
	H.card.d.ks[0].rx_cntr = 7;
	h_pkt_default(&H, &o);
	o.spi = SPI_ERR_SUBMIT;
	o.cntr = 7;
	expect_refused_by_sms(&o, STK_OTA_ST_CNTR_LOW, true);
	o.cntr = 3;
	expect_refused_by_sms(&o, STK_OTA_ST_CNTR_LOW, true);
	/* key version 2 is not on the card: 06, unsecured */
	h_pkt_default(&H, &o);
	o.spi = SPI_ERR_SUBMIT;
	o.kic = o.kid = 0x22;
	expect_refused_by_sms(&o, STK_OTA_ST_SECURITY_ERROR, false);
	/* an accepted packet, PoR on error only: no PoR at all, straight
	 * to the pop-up */
	h_pkt_default(&H, &o);
	o.spi = SPI_ERR_SUBMIT;
	o.cntr = 8;
	assert_int_equal(h_send_std(&H, &o, 0x02) & 0xff00,
	    STK_SW_PROACTIVE_PENDING);
	assert_int_equal(H.resp_len, 0);
	assert_true(H.stored.ks[0].rx_cntr == 8);
	expect_popup();
}

/* SPI octet 2 b6 = 0: the PoR stays in the ENVELOPE response, as
 * before (6200 + data for an error, TS 31.111 §7.1.1.2). */
static void
test_b6_zero_in_envelope(void **state)
{
	struct h_pkt o;
	bool sec;

	(void)state;
	begin(SPI_ERR_REPORT, &o);
	expect_cc_por_in_envelope(&o);
	/* and the standard SPI (PoR always, by report): PoR OK + pop-up */
	h_pkt_default(&H, &o);
	assert_int_equal(h_send_std(&H, &o, 0x01) & 0xff00,
	    STK_SW_PROACTIVE_PENDING);
	assert_int_equal(h_por_status(&H, o.spi, &sec), STK_OTA_ST_OK);
	assert_true(sec);
	expect_popup();
}

/* PoR always by SMS-SUBMIT with a good packet: the PoR OK leaves first,
 * then the pop-up, then the auth response (which verifies). */
static void
test_always_por_before_popup(void **state)
{
	struct stk_cat_proactive *p = calloc(1, sizeof(*p));
	struct stk_auth_request req;
	struct h_result res;
	struct h_pkt o;
	uint16_t sw;

	(void)state;
	assert_non_null(p);
	send_always(&o);
	assert_true(H.stored.ks[0].rx_cntr == o.cntr);
	H.cntr = o.cntr;
	assert_int_equal(H.card.tk.app_state, CARD_APP_READY);
	/* 9300 while the PoR is being sent; the ME still knows the 91xx */
	sw = H.sw;
	assert_int_equal(h_send_std(&H, &o, 0x02), STK_SW_TOOLKIT_BUSY);
	H.sw = sw;
	assert_int_equal(fetch_por(&o, true, STK_CAT_RES_OK), STK_OTA_ST_OK);
	/* its TERMINAL RESPONSE starts the pop-up */
	h_fetch(&H, p);
	assert_int_equal(p->cmd.type, STK_CAT_CMD_SELECT_ITEM);
	assert_int_equal(H.card.tk.app_state, CARD_APP_WAIT_DECISION);
	h_tr(&H, p, STK_CAT_RES_OK, 0x01, NULL);
	h_collect(&H, &res);
	h_request(&req, 0x01, false);
	h_verify(&H, &req, &res, STK_AUTH_CONFIRMED);
	free(p);
}

/* The PoR's SEND SHORT MESSAGE fails (network unable): the request
 * still gets its pop-up. */
static void
test_failed_por_sms(void **state)
{
	struct h_pkt o;

	(void)state;
	send_always(&o);
	assert_int_equal(fetch_por(&o, true, STK_CAT_RES_NETWORK_UNABLE),
	    STK_OTA_ST_OK);
	expect_popup();
}

/* T=0 without Le: no data to retrieve, so 91xx instead of 61xx. */
static void
test_t0_no_get_response(void **state)
{
	struct stk_sms_addr sc;
	struct stk_buf tpdu, env;
	struct h_pkt o;

	(void)state;
	begin(SPI_ERR_SUBMIT, &o);
	o.kid_key = wrong_key;
	stk_buf_init(&tpdu);
	stk_buf_init(&env);
	h_deliver_std(&o, 0x01, &tpdu);
	assert_int_equal(stk_sms_addr_from_text("+491710760000", &sc), STK_OK);
	assert_int_equal(stk_cat_envelope_sms_pp(&env, &sc,
	    stk_buf_data(&tpdu), stk_buf_len(&tpdu)), STK_OK);
	assert_int_equal(h_cmd(&H, 0x80, 0xc2, 0, 0, stk_buf_data(&env),
	    stk_buf_len(&env), -1) & 0xff00, STK_SW_PROACTIVE_PENDING);
	assert_int_equal(H.resp_len, 0);
	assert_int_equal(fetch_por(&o, true, STK_CAT_RES_OK),
	    STK_OTA_ST_RC_CC_DS_FAILED);
	stk_buf_free(&tpdu);
	stk_buf_free(&env);
}

/* No SEND SHORT MESSAGE in the TERMINAL PROFILE: the PoR cannot go by
 * SMS and is answered in the ENVELOPE response instead. */
static void
test_fallback_no_send_sms(void **state)
{
	uint8_t tp[20];
	struct h_pkt o;

	(void)state;
	memset(tp, 0, sizeof(tp));
	assert_int_equal(stk_tp_set(tp, sizeof(tp), STK_TP_PROFILE_DOWNLOAD,
	    true), STK_OK);
	assert_int_equal(stk_tp_set(tp, sizeof(tp), STK_TP_SMS_PP_DOWNLOAD,
	    true), STK_OK);
	assert_int_equal(stk_tp_set(tp, sizeof(tp), STK_TP_SELECT_ITEM, true),
	    STK_OK);
	assert_int_equal(h_cmd(&H, 0x80, 0x10, 0, 0, tp, sizeof(tp), -1),
	    STK_SW_OK);
	h_pkt_default(&H, &o);
	o.spi = SPI_ERR_SUBMIT;
	expect_cc_por_in_envelope(&o);
}

/* An alphanumeric TP-OA cannot be answered by SMS: ENVELOPE response. */
static void
test_fallback_alpha_originator(void **state)
{
	static const uint8_t unknown_tar[3] = { 0xb0, 0x00, 0x01 };
	struct stk_buf tpdu;
	struct h_pkt o;
	bool sec;

	(void)state;
	begin(SPI_ERR_SUBMIT, &o);
	memcpy(o.tar, unknown_tar, 3);
	stk_buf_init(&tpdu);
	deliver_from_alpha(&o, "Bank", &tpdu);
	assert_int_equal(h_envelope_tpdu(&H, stk_buf_data(&tpdu),
	    stk_buf_len(&tpdu)), 0x6200);
	stk_buf_free(&tpdu);
	assert_int_equal(h_por_status(&H, o.spi, &sec),
	    STK_OTA_ST_TAR_UNKNOWN);
	assert_false(sec);
	assert_false(tk_busy(&H.card));
	/* the same packet from a number goes by SMS */
	expect_refused_by_sms(&o, STK_OTA_ST_TAR_UNKNOWN, false);
}

/* A reset while the PoR waits for FETCH ends the session: nothing left,
 * the request accepted with it is gone too (the counter stays spent). */
static void
test_reset_drops_por(void **state)
{
	struct h_pkt o;

	(void)state;
	send_always(&o);
	card_reset(&H.card);
	assert_false(tk_busy(&H.card));
	assert_int_equal(H.card.tk.app_state, CARD_APP_IDLE);
	assert_true(H.stored.ks[0].rx_cntr == o.cntr);
	assert_int_equal(h_terminal_profile(&H, H_TP_FULL), STK_SW_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_error_por_by_sms, setup),
		cmocka_unit_test_setup(test_b6_zero_in_envelope, setup),
		cmocka_unit_test_setup(test_always_por_before_popup, setup),
		cmocka_unit_test_setup(test_failed_por_sms, setup),
		cmocka_unit_test_setup(test_t0_no_get_response, setup),
		cmocka_unit_test_setup(test_fallback_no_send_sms, setup),
		cmocka_unit_test_setup(test_fallback_alpha_originator, setup),
		cmocka_unit_test_setup(test_reset_drops_por, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
