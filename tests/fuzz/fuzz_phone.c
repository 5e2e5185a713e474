/*
 * fuzz_phone.c - libFuzzer target for what stkauth-phone reads from its
 * peers: network lines (docs/NETSIM-SUBSCRIBER.md), FCPs and EF contents
 * from the card, proactive commands (-> pop-up, status line, dialog,
 * automatic answers, TERMINAL RESPONSE), SMS-PP download answers and the
 * SEND SHORT MESSAGE TPDU, control-socket answers, card answers through
 * the blanking APDU log.  The first octet (mod 8) picks the decoder.  Invariants checked beyond "no crash": every report and
 * every MO TPDU the phone builds decodes again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "cat.h"
#include "err.h"
#include "log.h"
#include "phone.h"
#include "tpdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static void
fuzz_popup(const uint8_t *p, size_t n)
{
	static struct stk_cat_proactive cmd;
	static struct phone_popup pp;
	static struct stk_cat_terminal_response tr;
	struct phone_answer a;
	struct stk_buf b;
	char st[2048];
	const char *why;

	if (stk_cat_proactive_decode(p, n, &cmd, NULL) != 0)
		return;
	if (phone_popup_from_cmd(&cmd, &pp) != 0)
		return;
	(void)phone_popup_status(&pp, st, sizeof(st));
	phone_popup_render(&pp, devnull, 40);
	for (int confirm = 0; confirm < 2; confirm++) {
		if (phone_auto_answer(&pp, confirm, "1234", &a) != 0)
			continue;
		if (phone_popup_response(&pp, &a, &tr, &why) != 0)
			continue;
		stk_buf_init(&b);
		if (stk_cat_tr_encode(&tr, &b) == 0 &&
		    stk_cat_tr_decode(stk_buf_data(&b), stk_buf_len(&b), &tr,
		    NULL) != 0)
			abort();	/* our own TR must decode */
		stk_buf_free(&b);
	}
}

static void
fuzz_smspp(const uint8_t *p, size_t n)
{
	static struct stk_tpdu t, rep;
	static struct phone_rapdu r;
	struct phone_mt_answer ans;
	size_t dlen;

	if (n < 4)
		return;
	memset(&r, 0, sizeof(r));
	r.first_sw = (uint16_t)(p[0] << 8 | p[1]);
	r.sw = 0x9000;
	dlen = p[2] <= n - 3 ? p[2] : n - 3;
	memcpy(r.data, p + 3, dlen);
	r.len = dlen;
	if (stk_tpdu_decode(p + 3 + dlen, n - 3 - dlen, STK_DIR_SC_TO_MS, &t,
	    NULL) != 0 || t.type != STK_TPDU_DELIVER)
		return;
	(void)phone_sms_is_download(&t);
	(void)phone_smspp_answer(&t, &r, (p[0] & 1) != 0, &ans);
	if (ans.report_len > 0 && stk_tpdu_decode_as(ans.report,
	    ans.report_len, STK_TPDU_DELIVER_REPORT, !ans.ack, &rep,
	    NULL) != 0)
		abort();	/* our own report must decode */
}

static void
fuzz_mo(const uint8_t *p, size_t n)
{
	static struct stk_tpdu t;
	struct stk_buf b;

	if (n < 1)
		return;
	stk_buf_init(&b);
	if (phone_mo_prepare(p + 1, n - 1, p[0], 0x42, &b, NULL) == 0 &&
	    stk_tpdu_decode_as(stk_buf_data(&b), stk_buf_len(&b),
	    STK_TPDU_SUBMIT, false, &t, NULL) != 0)
		abort();	/* what we send must be a valid SMS-SUBMIT */
	stk_buf_free(&b);
}

/* A card that answers every APDU with the fuzz input (plus 9000). */
static const uint8_t *card_data;
static size_t card_len;

static int
fuzz_xmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp,
    size_t *rlen)
{
	size_t n = card_len < *rlen - 2 ? card_len : *rlen - 2;

	(void)ctx;
	(void)apdu;
	(void)len;
	memcpy(resp, card_data, n);
	resp[n] = 0x90;
	resp[n + 1] = 0x00;
	*rlen = n + 2;
	return 0;
}

/* The debug log of APDUs with secrets blanked, over card answers and
 * TERMINAL RESPONSE data that do not parse. */
static void
fuzz_apdu_log(const uint8_t *p, size_t n)
{
	struct phone_card card = { fuzz_xmit, NULL, false };
	static struct phone_rapdu r;

	card_data = p;
	card_len = n;
	stk_log_set_stream(devnull);
	stk_log_set_level(STK_LOG_DEBUG);
	(void)phone_fetch(&card, n > 0 ? p[0] : 0, &r);
	if (n > 0 && n <= 255)
		(void)phone_terminal_response(&card, p, n, &r);
	stk_log_set_level(STK_LOG_ERROR);
	stk_log_set_stream(NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct phone_net_msg m;
	struct phone_fcp fcp;
	struct phone_answer a;
	char text[2048];
	const uint8_t *p = data + 1;
	size_t n = size - 1;

	if (devnull == NULL) {
		devnull = fopen("/dev/null", "w");
		stk_log_set_level(STK_LOG_ERROR);
	}
	if (size < 1)
		return 0;
	switch (data[0] % 8) {
	case 0:		/* a network line */
	case 6:		/* a control-socket answer */
		if (n >= sizeof(text))
			n = sizeof(text) - 1;
		memcpy(text, p, n);
		text[n] = '\0';
		if (data[0] % 8 == 0)
			(void)phone_net_parse(text, &m);
		else
			(void)phone_answer_parse(text, &a);
		break;
	case 1:
		(void)phone_fcp_parse(p, n, &fcp, NULL);
		break;
	case 2:
		(void)phone_msisdn_decode(p, n, text, sizeof(text));
		(void)phone_iccid_decode(p, n, text, sizeof(text));
		break;
	case 3:
		fuzz_popup(p, n);
		break;
	case 4:
		fuzz_smspp(p, n);
		break;
	case 5:
		fuzz_mo(p, n);
		break;
	case 7:
		fuzz_apdu_log(p, n);
		break;
	}
	return 0;
}
