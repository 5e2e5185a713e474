/* test_card_applet.c - the authentication applet end to end, in process:
 * bridge -> ENVELOPE -> pop-up -> PIN -> SEND SHORT MESSAGE -> bridge,
 * with the signature and the password checked as the server does. */
#include "card_harness.h"

static struct harness H;

static int
setup(void **state)
{
	(void)state;
	stk_log_init("test_card_applet", STK_LOG_ERROR);
	h_init(&H);
	return 0;
}

/* Send a request after a full TERMINAL PROFILE; expect the pop-up. */
static void
start(struct harness *h, const struct stk_auth_request *r, unsigned tp,
    struct stk_cat_proactive *p)
{
	bool secured;

	assert_int_equal(h_terminal_profile(h, tp), STK_SW_OK);
	assert_int_equal(h_send_request(h, r) & 0xff00,
	    STK_SW_PROACTIVE_PENDING);
	/* PoR OK, secured (SPI asks for CC and ciphering) */
	assert_int_equal(h_por_status(h, H_SPI, &secured), STK_OTA_ST_OK);
	assert_true(secured);
	h_fetch(h, p);
}

static void
test_confirm(void **state)
{
	struct stk_auth_request req;
	struct stk_cat_proactive *p = calloc(1, sizeof(*p));
	struct h_result res;

	(void)state;
	assert_non_null(p);
	h_request(&req, 0x01, false);
	start(&H, &req, H_TP_FULL, p);
	assert_int_equal(p->cmd.type, STK_CAT_CMD_SELECT_ITEM);
	assert_int_equal(p->dev.dest, STK_CAT_DEV_TERMINAL);
	assert_string_equal(p->alpha.utf8, "Example Bank login\nTicket: 7Q2K9X");
	assert_int_equal(p->nitems, 2);
	assert_string_equal(p->items[0].text.utf8, "Confirm");
	assert_string_equal(p->items[1].text.utf8, "Reject");
	/* while the pop-up is up, the toolkit is busy */
	h_request(&req, 0x02, false);
	assert_int_equal(h_send_request(&H, &req), STK_SW_TOOLKIT_BUSY);
	h_request(&req, 0x01, false);
	assert_int_equal(h_tr(&H, p, STK_CAT_RES_OK, p->items[0].id, NULL)
	    & 0xff00, STK_SW_PROACTIVE_PENDING);
	h_collect(&H, &res);
	/* RSA-2048 with AES: 314 octets from CPL, 3 SMS (PROTOCOL.md §2.2) */
	assert_int_equal(res.nsms, 3);
	assert_true(res.cntr == 1);
	assert_true(H.stored.ks[0].tx_cntr == 1);
	assert_int_equal(strlen(res.resp.password), 8);
	h_verify(&H, &req, &res, STK_AUTH_CONFIRMED);
	/* the session is over: a new request gets a pop-up again, and the
	 * card's own counter moves on */
	h_request(&req, 0x03, false);
	start(&H, &req, H_TP_FULL, p);
	assert_int_equal(h_tr(&H, p, STK_CAT_RES_OK, p->items[0].id, NULL)
	    & 0xff00, STK_SW_PROACTIVE_PENDING);
	h_collect(&H, &res);
	assert_true(res.cntr == 2);
	h_verify(&H, &req, &res, STK_AUTH_CONFIRMED);
	free(p);
}

/* Reject by item, by "terminated by user" and by "backward move"; the
 * handset timeout "no response from user"; an ME failure. */
static void
test_reject_and_timeout(void **state)
{
	static const struct {
		uint8_t result;
		int item;
		uint8_t decision;
	} cases[] = {
		{ STK_CAT_RES_OK, 0x02, STK_AUTH_REJECTED },
		{ STK_CAT_RES_TERMINATED_BY_USER, -1, STK_AUTH_REJECTED },
		{ STK_CAT_RES_BACKWARD_MOVE, -1, STK_AUTH_REJECTED },
		{ STK_CAT_RES_NO_RESPONSE, -1, STK_AUTH_TIMEOUT },
		{ STK_CAT_RES_BEYOND_CAPABILITIES, -1, STK_AUTH_ERROR },
		{ STK_CAT_RES_OK, 0x07, STK_AUTH_ERROR },	/* no such item */
	};
	struct stk_auth_request req;
	struct stk_cat_proactive *p = calloc(1, sizeof(*p));
	struct h_result res;

	(void)state;
	assert_non_null(p);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h_request(&req, (uint8_t)(0x10 + i), false);
		start(&H, &req, H_TP_FULL, p);
		assert_int_equal(h_tr(&H, p, cases[i].result, cases[i].item,
		    NULL) & 0xff00, STK_SW_PROACTIVE_PENDING);
		h_collect(&H, &res);
		h_verify(&H, &req, &res, cases[i].decision);
	}
	free(p);
}

static void
test_pin(void **state)
{
	struct stk_auth_request req;
	struct stk_cat_proactive *p = calloc(1, sizeof(*p));
	struct h_result res;

	(void)state;
	assert_non_null(p);
	/* right PIN after one wrong one: confirmed, counter back to 3 */
	h_request(&req, 0x21, true);
	start(&H, &req, H_TP_FULL, p);
	h_tr(&H, p, STK_CAT_RES_OK, 1, NULL);
	h_fetch(&H, p);
	assert_int_equal(p->cmd.type, STK_CAT_CMD_GET_INPUT);
	assert_true(p->cmd.qualifier & STK_CAT_GI_HIDDEN);
	assert_false(p->cmd.qualifier & STK_CAT_GI_ALPHABET);
	assert_int_equal(p->resp_min, 4);
	assert_int_equal(p->resp_max, 8);
	assert_string_equal(p->text.utf8, "PIN for Example Bank login");
	h_tr(&H, p, STK_CAT_RES_OK, -1, "9999");
	assert_int_equal(H.stored.apin_tries, 2);
	h_fetch(&H, p);
	assert_int_equal(p->cmd.type, STK_CAT_CMD_GET_INPUT);
	assert_string_equal(p->text.utf8,
	    "Wrong PIN, 2 tries left.\nPIN for Example Bank login");
	h_tr(&H, p, STK_CAT_RES_OK, -1, "1234");
	assert_int_equal(H.stored.apin_tries, 3);
	h_collect(&H, &res);
	h_verify(&H, &req, &res, STK_AUTH_CONFIRMED);

	/* "terminated by user" at the PIN prompt rejects */
	h_request(&req, 0x22, true);
	start(&H, &req, H_TP_FULL, p);
	h_tr(&H, p, STK_CAT_RES_OK, 1, NULL);
	h_fetch(&H, p);
	h_tr(&H, p, STK_CAT_RES_TERMINATED_BY_USER, -1, NULL);
	h_collect(&H, &res);
	h_verify(&H, &req, &res, STK_AUTH_REJECTED);
	assert_int_equal(H.stored.apin_tries, 3);

	/* three wrong PINs (one not even digits): blocked, signed */
	h_request(&req, 0x23, true);
	start(&H, &req, H_TP_FULL, p);
	h_tr(&H, p, STK_CAT_RES_OK, 1, NULL);
	h_fetch(&H, p);
	h_tr(&H, p, STK_CAT_RES_OK, -1, "0000");
	h_fetch(&H, p);
	h_tr(&H, p, STK_CAT_RES_OK, -1, "12a4");
	h_fetch(&H, p);
	h_tr(&H, p, STK_CAT_RES_OK, -1, "12345");
	assert_int_equal(H.stored.apin_tries, 0);
	h_collect(&H, &res);
	h_verify(&H, &req, &res, STK_AUTH_PIN_BLOCKED);

	/* blocked stays blocked: no PIN prompt, PIN_BLOCKED after confirm;
	 * a request without PIN still works */
	h_request(&req, 0x24, true);
	start(&H, &req, H_TP_FULL, p);
	h_tr(&H, p, STK_CAT_RES_OK, 1, NULL);
	h_collect(&H, &res);
	h_verify(&H, &req, &res, STK_AUTH_PIN_BLOCKED);
	h_request(&req, 0x25, false);
	start(&H, &req, H_TP_FULL, p);
	h_tr(&H, p, STK_CAT_RES_OK, 1, NULL);
	h_collect(&H, &res);
	h_verify(&H, &req, &res, STK_AUTH_CONFIRMED);
	free(p);
}

/* Without SELECT ITEM: DISPLAY TEXT that the user clears (or not). */
static void
test_display_text_fallback(void **state)
{
	struct stk_auth_request req;
	struct stk_cat_proactive *p = calloc(1, sizeof(*p));
	struct h_result res;

	(void)state;
	assert_non_null(p);
	h_request(&req, 0x31, false);
	start(&H, &req, H_TP_NO_SELECT, p);
	assert_int_equal(p->cmd.type, STK_CAT_CMD_DISPLAY_TEXT);
	assert_int_equal(p->cmd.qualifier, 0x81);
	assert_int_equal(p->dev.dest, STK_CAT_DEV_DISPLAY);
	assert_string_equal(p->text.utf8, "Example Bank login\nTicket: 7Q2K9X\n"
	    "OK: confirm, back: reject");
	h_tr(&H, p, STK_CAT_RES_OK, -1, NULL);
	h_collect(&H, &res);
	h_verify(&H, &req, &res, STK_AUTH_CONFIRMED);

	h_request(&req, 0x32, false);
	start(&H, &req, H_TP_NO_SELECT, p);
	h_tr(&H, p, STK_CAT_RES_BACKWARD_MOVE, -1, NULL);
	h_collect(&H, &res);
	h_verify(&H, &req, &res, STK_AUTH_REJECTED);

	/* PIN wanted, but no GET INPUT: error, never a confirmation */
	h_request(&req, 0x33, true);
	start(&H, &req, H_TP_NO_SELECT | H_TP_NO_INPUT, p);
	h_tr(&H, p, STK_CAT_RES_OK, -1, NULL);
	h_collect(&H, &res);
	h_verify(&H, &req, &res, STK_AUTH_ERROR);
	free(p);
}

/* Neither SELECT ITEM nor DISPLAY TEXT: the applet answers "error" at
 * once, without a pop-up. */
static void
test_no_display(void **state)
{
	struct stk_auth_request req;
	struct h_result res;

	(void)state;
	assert_int_equal(h_terminal_profile(&H, H_TP_NO_DISPLAY), STK_SW_OK);
	h_request(&req, 0x41, false);
	assert_int_equal(h_send_request(&H, &req) & 0xff00,
	    STK_SW_PROACTIVE_PENDING);
	h_collect(&H, &res);
	h_verify(&H, &req, &res, STK_AUTH_ERROR);
}

/* Freshness with the ME's clock (PROVIDE LOCAL INFORMATION). */
static void
test_freshness(void **state)
{
	struct stk_auth_request req;
	struct stk_cat_proactive *p = calloc(1, sizeof(*p));
	struct stk_cat_terminal_response *tr = calloc(1, sizeof(*tr));
	struct h_result res;
	struct stk_sms_time t;
	struct stk_buf b, now;
	static const int64_t nows[] = {
		1795459080 + 60,	/* in time */
		1795459080 + 121,	/* past SCTS + lifetime */
		1795459080 - 301,	/* clock far before the SCTS */
	};

	(void)state;
	assert_non_null(p);
	assert_non_null(tr);
	for (size_t i = 0; i < 3; i++) {
		h_request(&req, (uint8_t)(0x51 + i), false);
		start(&H, &req, H_TP_FULL | H_TP_PLI_TIME, p);
		assert_int_equal(p->cmd.type, STK_CAT_CMD_PROVIDE_LOCAL_INFO);
		assert_int_equal(p->cmd.qualifier, 0x03);
		/* TERMINAL RESPONSE with date-time and time zone (tag 26) */
		stk_cat_tr_init(tr, &p->cmd, STK_CAT_RES_OK);
		stk_buf_init(&b);
		stk_buf_init(&now);
		assert_int_equal(stk_cat_tr_encode(tr, &b), STK_OK);
		assert_int_equal(stk_sms_time_from_unix(nows[i], 120, &t),
		    STK_OK);
		assert_int_equal(stk_scts_encode(&t, &now), STK_OK);
		stk_buf_add_u8(&b, STK_CAT_CR | STK_CAT_TAG_DATE_TIME_TZ);
		stk_buf_add_u8(&b, 7);
		stk_buf_add_bytes(&b, stk_buf_data(&now), 7);
		assert_int_equal(h_cmd(&H, 0x80, 0x14, 0, 0, stk_buf_data(&b),
		    stk_buf_len(&b), -1) & 0xff00, STK_SW_PROACTIVE_PENDING);
		stk_buf_free(&b);
		stk_buf_free(&now);
		if (i == 0) {
			h_fetch(&H, p);
			assert_int_equal(p->cmd.type, STK_CAT_CMD_SELECT_ITEM);
			h_tr(&H, p, STK_CAT_RES_OK, 1, NULL);
			h_collect(&H, &res);
			h_verify(&H, &req, &res, STK_AUTH_CONFIRMED);
		} else {
			h_collect(&H, &res);
			h_verify(&H, &req, &res, STK_AUTH_TIMEOUT);
		}
	}
	/* An ME that cannot tell the time: the pop-up comes anyway. */
	h_request(&req, 0x5f, false);
	start(&H, &req, H_TP_FULL | H_TP_PLI_TIME, p);
	{
		/* result 20 without its cause (TS 102 223 §8.12): refused,
		 * the command stays outstanding */
		uint8_t raw[] = {
			0x81, 0x03, p->cmd.number, p->cmd.type,
			p->cmd.qualifier, 0x82, 0x02, 0x82, 0x81,
			0x83, 0x01, 0x20,
		};

		assert_int_equal(h_cmd(&H, 0x80, 0x14, 0, 0, raw, sizeof(raw),
		    -1), STK_SW_WRONG_DATA);
	}
	stk_cat_tr_init(tr, &p->cmd, STK_CAT_RES_ME_UNABLE);
	tr->add_info_len = 1;
	tr->add_info[0] = 0x00;
	stk_buf_init(&b);
	assert_int_equal(stk_cat_tr_encode(tr, &b), STK_OK);
	assert_int_equal(h_cmd(&H, 0x80, 0x14, 0, 0, stk_buf_data(&b),
	    stk_buf_len(&b), -1) & 0xff00, STK_SW_PROACTIVE_PENDING);
	stk_buf_free(&b);
	h_fetch(&H, p);
	assert_int_equal(p->cmd.type, STK_CAT_CMD_SELECT_ITEM);
	h_tr(&H, p, STK_CAT_RES_OK, 2, NULL);
	h_collect(&H, &res);
	h_verify(&H, &req, &res, STK_AUTH_REJECTED);
	free(p);
	free(tr);
}

/* The same SMS twice: one pop-up; the second gets PoR "CNTR low".  The
 * same session in a fresh packet: PoR OK but no pop-up. */
static void
test_replay(void **state)
{
	struct stk_auth_request req;
	struct stk_cat_proactive *p = calloc(1, sizeof(*p));
	struct stk_buf enc, tpdu;
	struct h_result res;
	struct h_pkt o;
	uint64_t rx;

	(void)state;
	assert_non_null(p);
	assert_int_equal(h_terminal_profile(&H, H_TP_FULL), STK_SW_OK);
	h_request(&req, 0x61, false);
	stk_buf_init(&enc);
	stk_buf_init(&tpdu);
	assert_int_equal(stk_auth_request_encode(&req, &enc), STK_OK);
	h_pkt_default(&H, &o);
	h_deliver(&o, stk_buf_data(&enc), stk_buf_len(&enc), &tpdu);
	H.cntr = o.cntr;
	assert_int_equal(h_envelope_tpdu(&H, stk_buf_data(&tpdu),
	    stk_buf_len(&tpdu)) & 0xff00, STK_SW_PROACTIVE_PENDING);
	h_fetch(&H, p);
	h_tr(&H, p, STK_CAT_RES_OK, 1, NULL);
	h_collect(&H, &res);
	h_verify(&H, &req, &res, STK_AUTH_CONFIRMED);
	rx = H.stored.ks[0].rx_cntr;
	assert_true(rx == o.cntr);
	/* the very same SMS again */
	assert_int_equal(h_envelope_tpdu(&H, stk_buf_data(&tpdu),
	    stk_buf_len(&tpdu)), 0x6200);
	assert_int_equal(h_por_status(&H, H_SPI, NULL), STK_OTA_ST_CNTR_LOW);
	assert_true(H.stored.ks[0].rx_cntr == rx);
	/* the same request in a new packet (higher counter) */
	assert_int_equal(h_send_request(&H, &req), STK_SW_OK);
	assert_int_equal(h_por_status(&H, H_SPI, NULL), STK_OTA_ST_OK);
	assert_false(tk_busy(&H.card));
	stk_buf_free(&enc);
	stk_buf_free(&tpdu);
	free(p);
}

/* A reset in the middle of a dialogue ends it; the card works again. */
static void
test_reset_mid_session(void **state)
{
	struct stk_auth_request req;
	struct stk_cat_proactive *p = calloc(1, sizeof(*p));
	struct h_result res;

	(void)state;
	assert_non_null(p);
	h_request(&req, 0x71, false);
	start(&H, &req, H_TP_FULL, p);
	card_reset(&H.card);
	assert_false(tk_busy(&H.card));
	assert_int_equal(h_tr(&H, p, STK_CAT_RES_OK, 1, NULL),
	    STK_SW_CONDITIONS_NOT_SATISFIED);
	h_request(&req, 0x72, false);
	start(&H, &req, H_TP_FULL, p);
	h_tr(&H, p, STK_CAT_RES_OK, 1, NULL);
	h_collect(&H, &res);
	h_verify(&H, &req, &res, STK_AUTH_CONFIRMED);
	free(p);
}

/* Without K_auth a confirmation becomes "error"; without a key pair the
 * response is unsigned. */
static void
test_unpersonalised(void **state)
{
	struct stk_auth_request req;
	struct stk_cat_proactive *p = calloc(1, sizeof(*p));
	struct h_result res;

	(void)state;
	assert_non_null(p);
	H.card.d.rsa_len = 0;
	h_request(&req, 0x81, false);
	start(&H, &req, H_TP_FULL, p);
	h_tr(&H, p, STK_CAT_RES_OK, 1, NULL);
	h_collect(&H, &res);
	assert_int_equal(res.resp.decision, STK_AUTH_ERROR);
	assert_int_equal(res.resp.sig_alg, STK_AUTH_SIG_NONE);
	assert_int_equal(res.resp.sig_len, 0);
	/* no service number: nothing can be sent, the card stays usable */
	h_init(&H);
	H.card.d.service[0] = '\0';
	h_request(&req, 0x82, false);
	start(&H, &req, H_TP_FULL, p);
	assert_int_equal(h_tr(&H, p, STK_CAT_RES_OK, 1, NULL), STK_SW_OK);
	assert_false(tk_busy(&H.card));
	free(p);
}

/* A failed SEND SHORT MESSAGE drops the remaining segments. */
static void
test_sms_failure(void **state)
{
	struct stk_auth_request req;
	struct stk_cat_proactive *p = calloc(1, sizeof(*p));
	struct stk_cat_terminal_response *tr = calloc(1, sizeof(*tr));
	struct stk_buf b;

	(void)state;
	assert_non_null(p);
	assert_non_null(tr);
	h_request(&req, 0x91, false);
	start(&H, &req, H_TP_FULL, p);
	h_tr(&H, p, STK_CAT_RES_OK, 1, NULL);
	h_fetch(&H, p);
	assert_int_equal(p->cmd.type, STK_CAT_CMD_SEND_SHORT_MESSAGE);
	stk_cat_tr_init(tr, &p->cmd, STK_CAT_RES_NETWORK_UNABLE);
	tr->add_info_len = 1;
	tr->add_info[0] = 0x00;
	stk_buf_init(&b);
	assert_int_equal(stk_cat_tr_encode(tr, &b), STK_OK);
	assert_int_equal(h_cmd(&H, 0x80, 0x14, 0, 0, stk_buf_data(&b),
	    stk_buf_len(&b), -1), STK_SW_OK);
	assert_false(tk_busy(&H.card));
	stk_buf_free(&b);
	free(p);
	free(tr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_confirm, setup),
		cmocka_unit_test_setup(test_reject_and_timeout, setup),
		cmocka_unit_test_setup(test_pin, setup),
		cmocka_unit_test_setup(test_display_text_fallback, setup),
		cmocka_unit_test_setup(test_no_display, setup),
		cmocka_unit_test_setup(test_freshness, setup),
		cmocka_unit_test_setup(test_replay, setup),
		cmocka_unit_test_setup(test_reset_mid_session, setup),
		cmocka_unit_test_setup(test_unpersonalised, setup),
		cmocka_unit_test_setup(test_sms_failure, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
