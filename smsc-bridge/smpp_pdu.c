/*
 * smpp_pdu.c - the PDUs only an ESME sends or reads: bind_* out,
 * bind_*_resp and submit_sm_resp in, deliver_sm in (its receipt
 * parameters), deliver_sm_resp out.  libsmpp34 packs and unpacks the
 * bodies; before it sees a PDU, the field boundaries and the sizes of the
 * optional parameters are checked here with the bounded cursor, so every
 * malformed PDU is a named error and libsmpp34 never meets input it
 * mishandles.  The PDUs both sides share (framing, header-only PDUs,
 * submit_sm, the submit_sm/deliver_sm body) are the SMSC module's
 * (tools/netsim/smpp_pdu.h).
 */
#include <stdint.h>
#include <string.h>

#include <libsmpp34/smpp34.h>
#include <libsmpp34/smpp34_structs.h>
#include <libsmpp34/smpp34_params.h>

#include "smpp_esme.h"

/* §5.3.1 tags we read (libsmpp34 names them too). */
#define TAG_SC_INTERFACE_VERSION 0x0210
#define TAG_RECEIPTED_MESSAGE_ID 0x001e
#define TAG_MESSAGE_STATE 0x0427
#define TAG_NETWORK_ERROR_CODE 0x0423

/* Pack with libsmpp34 into a scratch PDU, then append it. */
static int
esme_pack(struct stk_buf *out, uint32_t type, void *body)
{
	uint8_t pdu[SMPP_MAX_PDU_OUT];
	int len = 0, r = STK_E_INVALID;

	if (smpp34_pack(type, pdu, sizeof(pdu), &len, body) == 0 &&
	    len >= SMPP_HEADER_LEN && (size_t)len <= sizeof(pdu))
		r = stk_buf_add_bytes(out, pdu, (size_t)len) ? STK_OK :
		    STK_E_NOMEM;
	memset(pdu, 0, (size_t)(len > 0 ? len : 0));
	return r;
}

int
smpp_esme_pack_bind(struct stk_buf *out, uint32_t command_id, uint32_t seq,
    const struct smpp_conf *c)
{
	/* bind_transmitter, _receiver and _transceiver have one body
	 * (§4.1.1, §4.1.3, §4.1.5); libsmpp34 writes command_id as set. */
	bind_transceiver_t b;
	int r;

	memset(&b, 0, sizeof(b));
	b.command_id = command_id;
	b.sequence_number = seq;
	memcpy(b.system_id, c->system_id, strlen(c->system_id) + 1);
	memcpy(b.password, c->password, strlen(c->password) + 1);
	memcpy(b.system_type, c->system_type, strlen(c->system_type) + 1);
	b.interface_version = SMPP_VERSION;	/* 0x34, §5.2.4 */
	b.addr_ton = c->addr_ton;
	b.addr_npi = c->addr_npi;
	memcpy(b.address_range, c->address_range,
	    strlen(c->address_range) + 1);
	r = esme_pack(out, command_id, &b);
	/* The password stays in no scratch memory, libsmpp34's dump of
	 * the last PDU (smpp34_strerror) included. */
	memset(&b, 0, sizeof(b));
	memset(smpp34_strerror, 0, sizeof(smpp34_strerror));
	return r;
}

int
smpp_esme_pack_deliver_resp(struct stk_buf *out, uint32_t status,
    uint32_t seq)
{
	deliver_sm_resp_t r;

	memset(&r, 0, sizeof(r));
	r.command_id = DELIVER_SM_RESP;
	r.command_status = status;
	r.sequence_number = seq;
	return esme_pack(out, DELIVER_SM_RESP, &r);
}

/* A C-octet string (§3.1) of at most max octets with its NUL at c:
 * *s, *n its text; false when there is no NUL within max. */
static bool
cur_cstr(struct stk_cur *c, size_t max, const uint8_t **s, size_t *n)
{
	size_t lim = stk_cur_len(c) < max ? stk_cur_len(c) : max;
	const uint8_t *p = stk_cur_data(c);

	for (size_t i = 0; i < lim; i++) {
		if (p[i] == 0) {
			*s = p;
			*n = i;
			return stk_cur_skip(c, i + 1);
		}
	}
	return false;
}

/* One optional parameter header and its value (§3.2.4.1). */
static int
cur_tlv(struct stk_cur *c, uint16_t *tag, struct stk_cur *val,
    struct stk_diag *diag)
{
	size_t off = stk_cur_offset(c);

	if (!stk_cur_u16(c, tag) || !stk_cur_u16_prefixed(c, val))
		return stk_fail(diag, STK_E_TRUNCATED, "optional parameter",
		    off);
	return STK_OK;
}

int
smpp_esme_decode_bind_resp(const uint8_t *pdu, const struct smpp_hdr *h,
    char *system_id, size_t idsz, struct stk_diag *diag)
{
	bind_transceiver_resp_t r;
	struct stk_cur c, v;
	const uint8_t *s;
	size_t n;
	uint16_t tag;
	int err;

	system_id[0] = '\0';
	stk_cur_init(&c, pdu, h->len);
	if (!stk_cur_skip(&c, SMPP_HEADER_LEN))
		return stk_fail(diag, STK_E_TRUNCATED, "header", 0);
	if (stk_cur_empty(&c))
		return STK_OK;		/* §4.1.2: errors may omit the body */
	if (!cur_cstr(&c, SMPP_SYSTEM_ID_MAX, &s, &n))
		return stk_fail(diag, STK_E_INVALID, "system_id",
		    SMPP_HEADER_LEN);
	while (!stk_cur_empty(&c)) {
		size_t off = stk_cur_offset(&c);

		if ((err = cur_tlv(&c, &tag, &v, diag)) != STK_OK)
			return err;
		if (tag == TAG_SC_INTERFACE_VERSION && stk_cur_len(&v) != 1)
			return stk_fail(diag, STK_E_INCONSISTENT,
			    "sc_interface_version", off);
		if (stk_cur_len(&v) > 1024)
			return stk_fail(diag, STK_E_TOO_LONG,
			    "optional parameter", off);
	}
	memset(&r, 0, sizeof(r));
	if (smpp34_unpack(h->id, &r, pdu, (int)h->len) != 0) {
		destroy_tlv(r.tlv);
		return stk_fail(diag, STK_E_INVALID, "bind_resp", 0);
	}
	destroy_tlv(r.tlv);
	n = strnlen((const char *)r.system_id, sizeof(r.system_id));
	if (n >= idsz)
		n = idsz - 1;
	memcpy(system_id, r.system_id, n);
	system_id[n] = '\0';
	return STK_OK;
}

int
smpp_esme_decode_submit_resp(const uint8_t *pdu, const struct smpp_hdr *h,
    char *message_id, size_t idsz, struct stk_diag *diag)
{
	struct stk_cur c;
	const uint8_t *s;
	size_t n;

	message_id[0] = '\0';
	stk_cur_init(&c, pdu, h->len);
	if (!stk_cur_skip(&c, SMPP_HEADER_LEN))
		return stk_fail(diag, STK_E_TRUNCATED, "header", 0);
	if (stk_cur_empty(&c))
		return STK_OK;		/* §4.4.2: no body on errors */
	if (!cur_cstr(&c, SMPP_MSGID_MAX, &s, &n))
		return stk_fail(diag, STK_E_INVALID, "message_id",
		    SMPP_HEADER_LEN);
	if (!stk_cur_empty(&c))
		return stk_fail(diag, STK_E_TRAILING, "submit_sm_resp",
		    stk_cur_offset(&c));
	/*
	 * The body is one C-octet string, walked exactly above; libsmpp34
	 * is not asked to decode it again: its decoders format a text dump
	 * of every field (smpp34_strerror), the largest cost per message
	 * (docs/PERFORMANCE.md, as in the SMSC's deliver_sm_resp).
	 */
	if (n >= idsz)
		n = idsz - 1;
	memcpy(message_id, s, n);
	message_id[n] = '\0';
	return STK_OK;
}

/* The octets before the optional parameters of a decoded submit_sm /
 * deliver_sm (§4.4.1, §4.6.1: C-octet strings with their NULs). */
static size_t
mandatory_len(const struct smpp_sm *sm)
{
	return SMPP_HEADER_LEN + strlen(sm->service_type) + 1 + 2 +
	    strlen(sm->src) + 1 + 2 + strlen(sm->dst) + 1 + 3 +
	    strlen(sm->schedule_delivery_time) + 1 +
	    strlen(sm->validity_period) + 1 + 4 + 1 +
	    (sm->from_payload ? 0 : sm->len);
}

/* receipted_message_id, message_state (and the size of
 * network_error_code) from the optional parameters of a receipt. */
static uint32_t
receipt_tlvs(const uint8_t *pdu, const struct smpp_hdr *h,
    const struct smpp_sm *sm, struct smpp_rcpt *r, struct stk_diag *diag)
{
	struct stk_cur c, v;
	size_t start = mandatory_len(sm);
	uint16_t tag;

	stk_cur_init(&c, pdu, h->len);
	if (!stk_cur_skip(&c, start)) {
		stk_fail(diag, STK_E_INCONSISTENT, "deliver_sm", 0);
		return ESME_RINVCMDLEN;
	}
	while (!stk_cur_empty(&c)) {
		size_t off = stk_cur_offset(&c);
		const uint8_t *s;
		size_t n;

		if (cur_tlv(&c, &tag, &v, diag) != STK_OK)
			return ESME_RINVOPTPARSTREAM;
		if (tag == TAG_RECEIPTED_MESSAGE_ID) {
			/* §5.3.2.12: C-octet string, NUL included. */
			if (!cur_cstr(&v, SMPP_MSGID_MAX, &s, &n) ||
			    !stk_cur_empty(&v)) {
				stk_fail(diag, STK_E_INCONSISTENT,
				    "receipted_message_id", off);
				return ESME_RINVPARLEN;
			}
			memcpy(r->id, s, n);
			r->id[n] = '\0';
		} else if (tag == TAG_MESSAGE_STATE) {
			if (stk_cur_len(&v) != 1) {
				stk_fail(diag, STK_E_INCONSISTENT,
				    "message_state", off);
				return ESME_RINVPARLEN;
			}
			r->has_state = stk_cur_u8(&v, &r->state);
		} else if (tag == TAG_NETWORK_ERROR_CODE &&
		    stk_cur_len(&v) != 3) {
			stk_fail(diag, STK_E_INCONSISTENT,
			    "network_error_code", off);
			return ESME_RINVPARLEN;
		}
	}
	return ESME_ROK;
}

uint32_t
smpp_esme_decode_deliver(const uint8_t *pdu, const struct smpp_hdr *h,
    struct smpp_sm *sm, struct smpp_rcpt *r, struct stk_diag *diag)
{
	uint32_t st;

	/* The body of deliver_sm is the body of submit_sm (§4.6.1 lists
	 * the parameters of §4.4.1): the SMSC module's walk and
	 * libsmpp34's unpack check and decode it. */
	st = smpp_submit_decode(pdu, h, sm, diag);
	if (st != ESME_ROK || r == NULL)
		return st;
	memset(r, 0, sizeof(*r));
	return receipt_tlvs(pdu, h, sm, r, diag);
}
