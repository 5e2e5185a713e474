/*
 * smpp_pack - print the SMPP PDUs the netsim SMSC builds, one per line as
 * "NAME HEX", for tests/sh/test_netsim_smpp_tshark.sh to decode with an
 * independent decoder (Wireshark's SMPP dissector).
 */
#include <stdio.h>
#include <string.h>

#include <libsmpp34/smpp34.h>

#include "hex.h"
#include "smpp_pdu.h"

static int
show(const char *name, int r, struct stk_buf *b)
{
	char hex[2 * SMPP_MAX_PDU_OUT + 1];

	if (r != STK_OK || !stk_buf_ok(b) || stk_buf_len(b) > SMPP_MAX_PDU_OUT) {
		fprintf(stderr, "smpp_pack: %s: %s\n", name, stk_strerror(r));
		return 1;
	}
	printf("%s %s\n", name, stk_hex_format(hex, stk_buf_data(b),
	    stk_buf_len(b), 1));
	stk_buf_reset(b);
	return 0;
}

int
main(void)
{
	static const uint8_t udh[] = { 0x05, 0x00, 0x03, 0x2a, 0x02, 0x01 };
	struct stk_buf b;
	struct smpp_receipt rc;
	struct smpp_sm sm;
	struct stk_tpdu t;
	struct stk_sms_addr oa, da;
	int bad = 0;

	stk_buf_init(&b);
	bad |= show("bind_transceiver_resp", smpp_pack_bind_resp(&b,
	    BIND_TRANSCEIVER_RESP, ESME_ROK, 1, "netsim"), &b);
	bad |= show("bind_receiver_resp_error", smpp_pack_bind_resp(&b,
	    BIND_RECEIVER_RESP, ESME_RINVPASWD, 2, "netsim"), &b);
	bad |= show("submit_sm_resp", smpp_pack_submit_resp(&b, ESME_ROK, 3,
	    "4711"), &b);
	bad |= show("submit_sm_resp_throttled", smpp_pack_submit_resp(&b,
	    ESME_RTHROTTLED, 4, NULL), &b);
	bad |= show("generic_nack", smpp_pack_header_only(&b, GENERIC_NACK,
	    ESME_RINVCMDLEN, 5), &b);
	bad |= show("enquire_link", smpp_pack_header_only(&b, ENQUIRE_LINK,
	    ESME_ROK, 6), &b);

	/* A delivery receipt for message 4711, 2026-11-23 18:43:35Z in
	 * UTC+01:00, delivered two minutes later. */
	memset(&sm, 0, sizeof(sm));
	sm.src_ton = 1;
	sm.src_npi = 1;
	snprintf(sm.src, sizeof(sm.src), "491700000001");
	sm.dst_ton = 1;
	sm.dst_npi = 1;
	snprintf(sm.dst, sizeof(sm.dst), "4912345");
	memset(&rc, 0, sizeof(rc));
	snprintf(rc.id, sizeof(rc.id), "4711");
	rc.sub = rc.dlvrd = 1;
	rc.submit_date = 1795459415;
	rc.done_date = 1795459415 + 120;
	rc.tz_minutes = 60;
	rc.stat = "DELIVRD";
	snprintf(rc.text, sizeof(rc.text), "Hello phone");
	bad |= show("deliver_sm_receipt", smpp_pack_deliver(&b, 7, &sm, &rc),
	    &b);

	/* An MO: the second part of a concatenated 8-bit message with
	 * TP-PID 0x7F, from +491700000001 to +4912345. */
	stk_tpdu_init(&t, STK_TPDU_DELIVER);
	t.pid = 0x7f;
	if (stk_tpdu_set_udh(&t, udh, sizeof(udh)) != STK_OK ||
	    stk_tpdu_set_octets(&t, (const uint8_t *)"\x01\x02\x03", 3,
	    0xf6) != STK_OK ||
	    stk_sms_addr_from_text("+491700000001", &oa) != STK_OK ||
	    stk_sms_addr_from_text("+4912345", &da) != STK_OK ||
	    smpp_sm_from_deliver(&t, &oa, &da, &sm) != STK_OK) {
		fprintf(stderr, "smpp_pack: cannot build the MO\n");
		return 1;
	}
	bad |= show("deliver_sm_mo", smpp_pack_deliver(&b, 8, &sm, NULL), &b);
	stk_buf_free(&b);
	return bad;
}
