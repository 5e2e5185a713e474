/*
 * fuzz_smpp_framing - the netsim SMSC's SMPP 3.4 input path: framing of a
 * byte stream into PDUs (command_length caps as before and after a bind),
 * then the decoders a session runs on them (bind_*, submit_sm with its
 * optional parameters, deliver_sm_resp, header-only PDUs), the submit_sm
 * -> SMS-SUBMIT mapping and TPDU encoding, the receipt snippet, and
 * re-packing the decoded message as deliver_sm through libsmpp34.
 * Leak detection stays on: libsmpp34 must never see a PDU it would leak on.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libsmpp34/smpp34.h>

#include "smpp_pdu.h"

static void
one_pdu(const uint8_t *p, const struct smpp_hdr *h)
{
	struct stk_diag diag;
	struct smpp_bind b;
	struct smpp_sm sm, back;
	struct stk_tpdu t;
	struct stk_buf out;
	char snip[21];

	stk_diag_clear(&diag);
	switch (h->id) {
	case BIND_TRANSMITTER:
	case BIND_RECEIVER:
	case BIND_TRANSCEIVER:
		(void)smpp_bind_decode(p, h, &b, &diag);
		break;
	case SUBMIT_SM:
		if (smpp_submit_decode(p, h, &sm, &diag) != ESME_ROK)
			break;
		smpp_receipt_snippet(&sm, snip);
		stk_buf_init(&out);
		(void)smpp_pack_deliver(&out, h->seq, &sm, NULL);
		stk_buf_free(&out);
		if (smpp_sm_to_submit(&sm, 1795000000, &t, &diag) == ESME_ROK) {
			stk_buf_init(&out);
			(void)stk_tpdu_encode(&t, &out);
			stk_buf_free(&out);
			t.type = STK_TPDU_DELIVER;
			(void)smpp_sm_from_deliver(&t, &t.addr, &t.addr, &back);
		}
		break;
	case DELIVER_SM_RESP:
		(void)smpp_deliver_resp_decode(p, h, &diag);
		break;
	default:
		(void)smpp_empty_body_check(h, &diag);
		(void)smpp_cmd_name(h->id);
		(void)smpp_status_name(h->status);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	bool bound = false;

	/* A stream of PDUs, as a session reads it: the first PDU under the
	 * unbound cap, the rest under the bound one. */
	while (off < size) {
		struct smpp_hdr h;
		struct stk_diag diag;
		int r;

		stk_diag_clear(&diag);
		memset(&h, 0, sizeof(h));
		r = smpp_frame(data + off, size - off, bound ?
		    SMPP_MAX_PDU_BOUND : SMPP_MAX_PDU_UNBOUND, &h, &diag);
		if (r != 1)
			break;
		one_pdu(data + off, &h);
		off += h.len;
		bound = true;
	}
	return 0;
}
