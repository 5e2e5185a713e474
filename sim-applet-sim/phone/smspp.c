/*
 * smspp.c - SMS-PP data download (3GPP TS 31.111 §7.1.1, TS 51.014 §7.1
 * for the GSM status words) and the ME's part of SEND SHORT MESSAGE
 * (TS 102 223 §6.4.10).  No I/O here: main.c sends the ENVELOPE and the
 * answers; these functions decide what they contain.
 *
 * Concatenated SIM data download: the ME does not reassemble.  TS 31.111
 * §7.1.1.1 makes the ME pass "the message" (each short message it
 * receives) transparently in its own ENVELOPE, and TS 31.115 §4 makes the
 * Receiving Entity (the UICC) reassemble a command packet sent as
 * concatenated SMS (the concatenation IE stays in each segment's UDH, so
 * the card sees reference, total and sequence number).  Every segment is
 * therefore acknowledged on its own, with whatever the card answered to
 * that segment.
 */
#include <string.h>

#include "bytes.h"
#include "err.h"
#include "phone.h"
#include "sms_dcs.h"
#include "sw.h"
#include "tpdu.h"
#include "udh.h"

bool
phone_sms_is_download(const struct stk_tpdu *t)
{
	struct stk_dcs d;

	if (t->type != STK_TPDU_DELIVER)
		return false;
	if (t->pid != STK_PID_SIM_DOWNLOAD && t->pid != STK_PID_ANSI136_RDATA)
		return false;
	stk_dcs_decode(t->dcs, &d);
	return d.msg_class == STK_CLASS_2;
}

/*
 * The response data as TP-UD: a UDH of its own when it starts with one
 * that holds the response packet identifier (IEI 71: the card returned
 * UDHL 02 71 00 RPL ..., TS 31.115 §4), else all of it as the body.
 */
static int
set_response_ud(struct stk_tpdu *t, uint8_t dcs, const uint8_t *data,
    size_t n)
{
	struct stk_udh udh;
	size_t hl;
	int r;

	if (n > 0 && (hl = (size_t)data[0] + 1) <= n &&
	    stk_udh_parse(data, hl, &udh, NULL) == 0 &&
	    stk_udh_is_response_packet(&udh)) {
		if ((r = stk_tpdu_set_udh(t, data, hl)) != 0)
			return r;
		return stk_tpdu_set_octets(t, data + hl, n - hl, dcs);
	}
	return stk_tpdu_set_octets(t, data, n, dcs);
}

/* SMS-DELIVER-REPORT (TS 23.040 §9.2.2.1a) in the form rp_error says. */
static int
build_report(const struct stk_tpdu *deliver, bool rp_error, uint8_t fcs,
    const uint8_t *data, size_t n, struct phone_mt_answer *ans)
{
	struct stk_tpdu t;
	struct stk_buf b;
	int r;

	ans->report_len = 0;
	stk_tpdu_init(&t, STK_TPDU_DELIVER_REPORT);
	t.rp_error = rp_error;
	t.fcs = fcs;
	if (n > 0) {
		/* "The values of protocol identifier and data coding scheme
		 * in RP-ACK shall be as in the original message." */
		t.has_pid = true;
		t.pid = deliver->pid;
		if ((r = set_response_ud(&t, deliver->dcs, data, n)) != 0)
			return r;
	} else if (!rp_error) {
		return 0;	/* plain RP-ACK: no TPDU needed */
	}
	stk_buf_init_fixed(&b, ans->report, sizeof(ans->report));
	if ((r = stk_tpdu_encode(&t, &b)) != 0)
		return r;
	ans->report_len = stk_buf_len(&b);
	return 0;
}

int
phone_smspp_answer(const struct stk_tpdu *deliver,
    const struct phone_rapdu *r, bool rel11, struct phone_mt_answer *ans)
{
	uint16_t sw = r->first_sw;
	uint8_t sw1 = (uint8_t)(sw >> 8);
	bool ack, err_report;
	uint8_t fcs = 0xd5;	/* (U)SIM data download error */
	int ret;

	memset(ans, 0, sizeof(*ans));
	if (sw == STK_SW_TOOLKIT_BUSY) {
		ack = false;
		fcs = 0xd4;	/* (U)SIM Application Toolkit busy */
		ans->why = "toolkit busy (9300)";
	} else if (sw == STK_SW_OK || sw1 == 0x91 || sw1 == 0x61 ||
	    sw1 == 0x9f) {
		ack = true;
		ans->why = r->len > 0 ? "accepted, response data" : "accepted";
	} else if (sw1 == 0x62 || sw1 == 0x63) {
		ack = rel11;
		ans->why = rel11 ? "warning, acknowledged (Rel-11)" :
		    "warning: data download error";
	} else {
		ack = false;	/* 9Exx, 6Fxx and every other error */
		ans->why = "data download error";
	}
	ans->ack = ack;
	ans->rp_cause = ack ? 0 : PHONE_RP_CAUSE_PROTOCOL_ERROR;
	err_report = !ack;
	if ((ret = build_report(deliver, err_report, fcs, r->data, r->len,
	    ans)) != 0) {
		/* The data does not fit a report: answer without it. */
		ans->report_len = 0;
		if (!ack)
			(void)build_report(deliver, true, fcs, NULL, 0, ans);
		return STK_E_INVALID;
	}
	return 0;
}

int
phone_mo_prepare(const uint8_t *tpdu, size_t len, uint8_t qualifier,
    uint8_t mr, struct stk_buf *out, struct stk_diag *diag)
{
	struct stk_tpdu t;
	struct stk_dcs d;
	int r;

	if ((r = stk_tpdu_decode_as(tpdu, len, STK_TPDU_SUBMIT, false, &t,
	    diag)) != 0)
		return r;
	/* TS 23.040 §9.2.3.6: the ME assigns TP-MR (TS 31.111 §6.4.10). */
	t.mr = mr;
	stk_dcs_decode(t.dcs, &d);
	if ((qualifier & STK_CAT_SSM_PACKING_REQUIRED) &&
	    d.charset == STK_CHARSET_8BIT && !d.compressed) {
		/*
		 * TS 102 223 §6.4.10: "packing required": the TP-UD is
		 * 8-bit GSM default alphabet data (one character an octet)
		 * that the ME packs into 7 bits, and TP-DCS changes to the
		 * GSM default alphabet accordingly (bit 2 cleared, in both
		 * the general and the 1111 group).
		 */
		uint8_t body[STK_UD_MAX_SEPTETS];
		size_t n = t.body_len;

		memcpy(body, t.body, n);
		if ((r = stk_tpdu_set_septets(&t, body, n,
		    (uint8_t)(t.dcs & ~0x04))) != 0)
			return stk_fail(diag, r, "TP-UD", 0);
	}
	return stk_tpdu_encode(&t, out);
}
