/*
 * fuzz_bridge_smpp - what the SMSC sends to the bridge's SMPP transport:
 * a byte stream cut into reads, through the session engine
 * (smsc-bridge/smpp_link.c) as the glue feeds it: framing with the caps
 * before and after the bind, every PDU handler (bind_*_resp,
 * submit_sm_resp matched against two submit_sm in flight with sequence
 * numbers 2 and 3, generic_nack, deliver_sm -> SMS-DELIVER, receipts ->
 * SMS-STATUS-REPORT, enquire_link, unbind, unknown commands), the timers,
 * and the link going down.  Leak detection stays on.
 *
 * Input: octet 0 bit 0 = start bound (a bind_transceiver_resp is fed
 * first), bit 1 = the core refuses received TPDUs, bits 2-7 = the size of
 * each read (1..64); the rest is the stream.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libsmpp34/smpp34.h>

#include "log.h"
#include "smpp_esme.h"

static int rx_result;

static void
f_sent(void *core, uint64_t id, const char *ref)
{
	(void)core;
	(void)id;
	(void)ref;
}

static void
f_failed(void *core, uint64_t id, enum transport_fail cls, const char *why)
{
	(void)core;
	(void)id;
	(void)cls;
	(void)why;
}

static int
f_received(void *core, const char *from, const uint8_t *p, size_t n)
{
	struct stk_tpdu t;

	(void)core;
	(void)from;
	/* What the core gets must be a TPDU it can decode. */
	if (stk_tpdu_decode(p, n, STK_DIR_SC_TO_MS, &t, NULL) != STK_OK)
		__builtin_trap();
	return rx_result;
}

static void
f_link(void *core, const char *name, bool up, const char *why)
{
	(void)core;
	(void)name;
	(void)up;
	(void)why;
}

static const struct transport_events fev = {
	f_sent, f_failed, f_received, f_link,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t tpdu[] = {	/* SMS-SUBMIT, 8-bit, UDH 027000 */
		0x41, 0x00, 0x0b, 0x91, 0x73, 0x52, 0x55, 0x00, 0x00, 0xf1,
		0x7f, 0xf6, 0x05, 0x02, 0x70, 0x00, 0xaa, 0xbb,
	};
	static struct smpp_conf c;
	struct transport_msg m = { .dest = "+37255500001", .tpdu = tpdu,
	    .tpdu_len = sizeof(tpdu), .status_report = true };
	struct smpp_ctx x;
	struct smpp_link l;
	uint8_t buf[8192];
	size_t have = 0, chunk;
	int64_t now = 1000;
	static FILE *devnull;

	if (size < 1)
		return 0;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) != NULL)
		stk_log_set_stream(devnull);
	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "fuzz");
	snprintf(c.system_id, sizeof(c.system_id), "bank");
	c.window = 4;
	c.enquire_link_ms = 50;
	c.response_timeout_ms = 100;
	c.bind_timeout_ms = 100;
	c.throttle_pause_ms = 10;
	c.receipt_slots = 16;
	rx_result = (data[0] & 2) ? STK_E_IO : STK_OK;
	chunk = (size_t)(data[0] >> 2) + 1;
	if (smpp_ctx_init(&x, &c, &fev, NULL) != STK_OK)
		return 0;
	if (smpp_link_init(&l, &x, SMPP_ROLE_TRX) != STK_OK) {
		smpp_ctx_free(&x);
		return 0;
	}
	smpp_link_start(&l, now);		/* bind: sequence 1 */
	if (data[0] & 1) {
		struct stk_buf b;
		size_t used;

		stk_buf_init(&b);
		smpp_pack_bind_resp(&b, BIND_TRANSCEIVER_RESP, ESME_ROK, 1,
		    "smsc");
		smpp_link_input(&l, stk_buf_data(&b), stk_buf_len(&b), now,
		    &used);
		stk_buf_free(&b);
		m.id = 1;
		(void)smpp_link_submit(&l, &m, now);	/* sequence 2 */
		m.id = 2;
		(void)smpp_link_submit(&l, &m, now);	/* sequence 3 */
	}
	data++;
	size--;
	while (size > 0 && l.state != SMPP_LINK_CLOSED &&
	    l.state != SMPP_LINK_IDLE) {
		size_t n = size < chunk ? size : chunk, used = 0;

		if (have + n > sizeof(buf))
			break;
		memcpy(buf + have, data, n);
		have += n;
		data += n;
		size -= n;
		smpp_link_input(&l, buf, have, now, &used);
		if (used > have)
			__builtin_trap();
		memmove(buf, buf + used, have - used);
		have -= used;
		stk_buf_reset(&l.out);
		now += 7;
		smpp_link_tick(&l, now);
		(void)smpp_link_capacity(&l, now);
	}
	smpp_link_tick(&l, now + 1000);
	smpp_link_down(&l, "end");
	smpp_link_free(&l);
	smpp_ctx_free(&x);
	return 0;
}
