/*
 * smpp_pdu.c - SMPP 3.4 framing, field validation and the PDUs the SMSC
 * sends.  PDU bodies go through libsmpp34; see smpp_pdu.h for the split.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libsmpp34/smpp34.h>
#include <libsmpp34/smpp34_structs.h>
#include <libsmpp34/smpp34_params.h>

#include "smpp_pdu.h"

/* ---- names (SMPP 3.4 §5.1.2 command_id, §5.1.3 command_status) ---- */

struct smpp_name {
	uint32_t value;
	const char *name;
};

static const struct smpp_name smpp_cmd_names[] = {
	{ GENERIC_NACK, "generic_nack" },
	{ BIND_RECEIVER, "bind_receiver" },
	{ BIND_RECEIVER_RESP, "bind_receiver_resp" },
	{ BIND_TRANSMITTER, "bind_transmitter" },
	{ BIND_TRANSMITTER_RESP, "bind_transmitter_resp" },
	{ QUERY_SM, "query_sm" },
	{ QUERY_SM_RESP, "query_sm_resp" },
	{ SUBMIT_SM, "submit_sm" },
	{ SUBMIT_SM_RESP, "submit_sm_resp" },
	{ DELIVER_SM, "deliver_sm" },
	{ DELIVER_SM_RESP, "deliver_sm_resp" },
	{ UNBIND, "unbind" },
	{ UNBIND_RESP, "unbind_resp" },
	{ REPLACE_SM, "replace_sm" },
	{ REPLACE_SM_RESP, "replace_sm_resp" },
	{ CANCEL_SM, "cancel_sm" },
	{ CANCEL_SM_RESP, "cancel_sm_resp" },
	{ BIND_TRANSCEIVER, "bind_transceiver" },
	{ BIND_TRANSCEIVER_RESP, "bind_transceiver_resp" },
	{ OUTBIND, "outbind" },
	{ ENQUIRE_LINK, "enquire_link" },
	{ ENQUIRE_LINK_RESP, "enquire_link_resp" },
	{ SUBMIT_MULTI, "submit_multi" },
	{ SUBMIT_MULTI_RESP, "submit_multi_resp" },
	{ ALERT_NOTIFICATION, "alert_notification" },
	{ DATA_SM, "data_sm" },
	{ DATA_SM_RESP, "data_sm_resp" },
};

static const struct smpp_name smpp_status_names[] = {
	{ ESME_ROK, "ESME_ROK" },
	{ ESME_RINVMSGLEN, "ESME_RINVMSGLEN" },
	{ ESME_RINVCMDLEN, "ESME_RINVCMDLEN" },
	{ ESME_RINVCMDID, "ESME_RINVCMDID" },
	{ ESME_RINVBNDSTS, "ESME_RINVBNDSTS" },
	{ ESME_RALYBND, "ESME_RALYBND" },
	{ ESME_RINVPRTFLG, "ESME_RINVPRTFLG" },
	{ ESME_RINVREGDLVFLG, "ESME_RINVREGDLVFLG" },
	{ ESME_RSYSERR, "ESME_RSYSERR" },
	{ ESME_RINVSRCADR, "ESME_RINVSRCADR" },
	{ ESME_RINVDSTADR, "ESME_RINVDSTADR" },
	{ ESME_RINVMSGID, "ESME_RINVMSGID" },
	{ ESME_RBINDFAIL, "ESME_RBINDFAIL" },
	{ ESME_RINVPASWD, "ESME_RINVPASWD" },
	{ ESME_RINVSYSID, "ESME_RINVSYSID" },
	{ ESME_RCANCELFAIL, "ESME_RCANCELFAIL" },
	{ ESME_RREPLACEFAIL, "ESME_RREPLACEFAIL" },
	{ ESME_RMSGQFUL, "ESME_RMSGQFUL" },
	{ ESME_RINVSERTYP, "ESME_RINVSERTYP" },
	{ ESME_RINVNUMDESTS, "ESME_RINVNUMDESTS" },
	{ ESME_RINVDLNAME, "ESME_RINVDLNAME" },
	{ ESME_RINVDESTFLAG, "ESME_RINVDESTFLAG" },
	{ ESME_RINVSUBREP, "ESME_RINVSUBREP" },
	{ ESME_RINVESMCLASS, "ESME_RINVESMCLASS" },
	{ ESME_RCNTSUBDL, "ESME_RCNTSUBDL" },
	{ ESME_RSUBMITFAIL, "ESME_RSUBMITFAIL" },
	{ ESME_RINVSRCTON, "ESME_RINVSRCTON" },
	{ ESME_RINVSRCNPI, "ESME_RINVSRCNPI" },
	{ ESME_RINVDSTTON, "ESME_RINVDSTTON" },
	{ ESME_RINVDSTNPI, "ESME_RINVDSTNPI" },
	{ ESME_RINVSYSTYP, "ESME_RINVSYSTYP" },
	{ ESME_RINVREPFLAG, "ESME_RINVREPFLAG" },
	{ ESME_RINVNUMMSGS, "ESME_RINVNUMMSGS" },
	{ ESME_RTHROTTLED, "ESME_RTHROTTLED" },
	{ ESME_RINVSCHED, "ESME_RINVSCHED" },
	{ ESME_RINVEXPIRY, "ESME_RINVEXPIRY" },
	{ ESME_RINVDFTMSGID, "ESME_RINVDFTMSGID" },
	{ ESME_RX_T_APPN, "ESME_RX_T_APPN" },
	{ ESME_RX_P_APPN, "ESME_RX_P_APPN" },
	{ ESME_RX_R_APPN, "ESME_RX_R_APPN" },
	{ ESME_RQUERYFAIL, "ESME_RQUERYFAIL" },
	{ ESME_RINVOPTPARSTREAM, "ESME_RINVOPTPARSTREAM" },
	{ ESME_ROPTPARNOTALLWD, "ESME_ROPTPARNOTALLWD" },
	{ ESME_RINVPARLEN, "ESME_RINVPARLEN" },
	{ ESME_RMISSINGOPTPARAM, "ESME_RMISSINGOPTPARAM" },
	{ ESME_RINVOPTPARAMVAL, "ESME_RINVOPTPARAMVAL" },
	{ ESME_RDELIVERYFAILURE, "ESME_RDELIVERYFAILURE" },
	{ ESME_RUNKNOWNERR, "ESME_RUNKNOWNERR" },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *
smpp_lookup(const struct smpp_name *t, size_t n, uint32_t v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value == v)
			return t[i].name;
	return NULL;
}

const char *
smpp_cmd_name(uint32_t command_id)
{
	const char *n = smpp_lookup(smpp_cmd_names, NELEM(smpp_cmd_names),
	    command_id);
	return n != NULL ? n : "unknown";
}

bool
smpp_cmd_known(uint32_t command_id)
{
	return smpp_lookup(smpp_cmd_names, NELEM(smpp_cmd_names),
	    command_id) != NULL;
}

const char *
smpp_status_name(uint32_t status)
{
	const char *n = smpp_lookup(smpp_status_names,
	    NELEM(smpp_status_names), status);
	return n != NULL ? n : "unknown";
}

bool
smpp_status_is_nack(uint32_t status)
{
	return status == ESME_RINVCMDLEN;
}

/* ---- framing (SMPP 3.4 §3.2) ---- */

int
smpp_frame(const uint8_t *buf, size_t avail, size_t max_len,
    struct smpp_hdr *h, struct stk_diag *diag)
{
	struct stk_cur c;
	uint32_t len;

	stk_cur_init(&c, buf, avail);
	if (!stk_cur_u32(&c, &len))
		return 0;
	if (len < SMPP_HEADER_LEN)
		return stk_fail(diag, STK_E_INVALID, "command_length", 0);
	if (len > max_len)
		return stk_fail(diag, STK_E_TOO_LONG, "command_length", 0);
	h->len = len;
	if (avail < len)
		return 0;
	if (!stk_cur_u32(&c, &h->id) || !stk_cur_u32(&c, &h->status) ||
	    !stk_cur_u32(&c, &h->seq))
		return 0;	/* unreachable: len >= 16 octets are here */
	return 1;
}

/* ---- field walks (boundaries only; libsmpp34 decodes the values) ---- */

/*
 * Skip a C-Octet String of at most max octets including its NUL (SMPP 3.4
 * §3.1: "a series of ASCII characters terminated with the NULL").
 */
static bool
walk_cstr(struct stk_cur *c, size_t max, const char *field,
    struct stk_diag *diag)
{
	size_t n = stk_cur_len(c) < max ? stk_cur_len(c) : max;
	const uint8_t *p = stk_cur_data(c);

	for (size_t i = 0; i < n; i++) {
		if (p[i] == 0)
			return stk_cur_skip(c, i + 1);
	}
	stk_fail(diag, n == max ? STK_E_TOO_LONG : STK_E_TRUNCATED, field,
	    stk_cur_offset(c));
	return false;
}

static bool
walk_fixed(struct stk_cur *c, size_t n, const char *field,
    struct stk_diag *diag)
{
	if (stk_cur_skip(c, n))
		return true;
	stk_fail(diag, STK_E_TRUNCATED, field, stk_cur_offset(c));
	return false;
}

/*
 * Optional parameters of submit_sm (SMPP 3.4 §4.4.1) with the value sizes
 * of §5.3.2; libsmpp34 holds exactly these (def_frame/submit_sm.tlv), so a
 * parameter that passes here never fails inside it.  Tags not listed are
 * carried as octet strings up to 1024 and ignored (§3.2.5).
 */
struct smpp_tlv_def {
	uint16_t tag;
	const char *name;
	uint16_t min, max;
};

static const struct smpp_tlv_def submit_tlvs[] = {
	{ TLVID_dest_addr_subunit, "dest_addr_subunit", 1, 1 },
	{ TLVID_source_addr_subunit, "source_addr_subunit", 1, 1 },
	{ TLVID_payload_type, "payload_type", 1, 1 },
	{ TLVID_ms_msg_wait_facilities, "ms_msg_wait_facilities", 1, 1 },
	{ TLVID_privacy_indicator, "privacy_indicator", 1, 1 },
	{ TLVID_source_subaddress, "source_subaddress", 2, 23 },
	{ TLVID_dest_subaddress, "dest_subaddress", 2, 23 },
	{ TLVID_user_message_reference, "user_message_reference", 2, 2 },
	{ TLVID_user_response_code, "user_response_code", 1, 1 },
	{ TLVID_source_port, "source_port", 2, 2 },
	{ TLVID_destination_port, "destination_port", 2, 2 },
	{ TLVID_sar_msg_ref_num, "sar_msg_ref_num", 2, 2 },
	{ TLVID_language_indicator, "language_indicator", 1, 1 },
	{ TLVID_sar_total_segments, "sar_total_segments", 1, 1 },
	{ TLVID_sar_segment_seqnum, "sar_segment_seqnum", 1, 1 },
	{ TLVID_callback_num_pres_ind, "callback_num_pres_ind", 1, 1 },
	{ TLVID_callback_num_atag, "callback_num_atag", 0, 65 },
	{ TLVID_number_of_messages, "number_of_messages", 1, 1 },
	{ TLVID_callback_num, "callback_num", 4, 19 },
	{ TLVID_message_payload, "message_payload", 0, SMPP_PAYLOAD_MAX },
	{ TLVID_more_messages_to_send, "more_messages_to_send", 1, 1 },
	{ TLVID_ussd_service_op, "ussd_service_op", 1, 1 },
	{ TLVID_display_time, "display_time", 1, 1 },
	{ TLVID_sms_signal, "sms_signal", 2, 2 },
	{ TLVID_ms_validity, "ms_validity", 1, 1 },
	{ TLVID_alert_on_message_delivery, "alert_on_message_delivery", 0, 0 },
	{ TLVID_its_reply_type, "its_reply_type", 1, 1 },
	{ TLVID_its_session_info, "its_session_info", 2, 2 },
};

static const struct smpp_tlv_def unknown_tlv = { 0, "optional parameter",
	0, 1024 };

static const struct smpp_tlv_def *
submit_tlv_def(uint16_t tag)
{
	for (size_t i = 0; i < NELEM(submit_tlvs); i++)
		if (submit_tlvs[i].tag == tag)
			return &submit_tlvs[i];
	return &unknown_tlv;
}

/* The optional parameter stream: tag, length, value, to the end (§3.2.4). */
static uint32_t
walk_submit_tlvs(struct stk_cur *c, bool *has_payload, struct stk_diag *diag)
{
	uint16_t seen[16];
	size_t nseen = 0;

	*has_payload = false;
	while (!stk_cur_empty(c)) {
		size_t off = stk_cur_offset(c);
		uint16_t tag, len;
		const struct smpp_tlv_def *def;

		if (!stk_cur_u16(c, &tag) || !stk_cur_u16(c, &len)) {
			stk_fail(diag, STK_E_TRUNCATED, "optional parameter",
			    off);
			return ESME_RINVOPTPARSTREAM;
		}
		def = submit_tlv_def(tag);
		if (len < def->min || len > def->max) {
			stk_fail(diag, STK_E_INCONSISTENT, def->name, off);
			return ESME_RINVPARLEN;
		}
		if (!stk_cur_skip(c, len)) {
			stk_fail(diag, STK_E_TRUNCATED, def->name, off);
			return ESME_RINVOPTPARSTREAM;
		}
		for (size_t i = 0; i < nseen; i++) {
			if (seen[i] == tag) {
				stk_fail(diag, STK_E_DUPLICATE, def->name, off);
				return ESME_RINVOPTPARSTREAM;
			}
		}
		if (nseen == NELEM(seen)) {
			stk_fail(diag, STK_E_TOO_LONG, "optional parameter",
			    off);
			return ESME_RINVOPTPARSTREAM;
		}
		seen[nseen++] = tag;
		if (tag == TLVID_message_payload)
			*has_payload = true;
	}
	return ESME_ROK;
}

/* Copy a NUL-terminated field libsmpp34 decoded (bounded both sides). */
static void
copy_cstr(char *dst, size_t dstsz, const uint8_t *src, size_t srcsz)
{
	size_t n = strnlen((const char *)src, srcsz);

	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

uint32_t
smpp_bind_decode(const uint8_t *pdu, const struct smpp_hdr *h,
    struct smpp_bind *b, struct stk_diag *diag)
{
	/* bind_transmitter, _receiver and _transceiver share one body
	 * (§4.1.1, §4.1.3, §4.1.5). */
	union {
		bind_transmitter_t tx;
		bind_receiver_t rx;
		bind_transceiver_t trx;
	} u;
	uint8_t copy[SMPP_MAX_PDU_UNBOUND];
	struct stk_cur c;
	size_t ver_off;
	uint8_t version;
	uint32_t st = ESME_ROK;

	memset(b, 0, sizeof(*b));
	stk_cur_init(&c, pdu, h->len);
	if (!stk_cur_skip(&c, SMPP_HEADER_LEN) ||
	    !walk_cstr(&c, SMPP_SYSTEM_ID_MAX, "system_id", diag) ||
	    !walk_cstr(&c, SMPP_PASSWORD_MAX, "password", diag) ||
	    !walk_cstr(&c, 13, "system_type", diag))
		return ESME_RINVCMDLEN;
	ver_off = stk_cur_offset(&c);
	if (!stk_cur_u8(&c, &version) ||
	    !walk_fixed(&c, 2, "addr_ton", diag) ||
	    !walk_cstr(&c, 41, "address_range", diag)) {
		stk_fail(diag, STK_E_TRUNCATED, "interface_version", ver_off);
		return ESME_RINVCMDLEN;
	}
	if (!stk_cur_empty(&c)) {
		stk_fail(diag, STK_E_TRAILING, "bind", stk_cur_offset(&c));
		return ESME_RINVCMDLEN;
	}
	if (h->len > sizeof(copy))
		return ESME_RINVCMDLEN;
	/*
	 * §5.2.4: interface_version tells the ESME's version; a 3.4 SMSC
	 * answers any of them in 3.4 (and an SMPP 5.0 ESME, 0x50, falls back
	 * to it).  libsmpp34 refuses every value but 0x34, so it decodes a
	 * copy with that octet normalised; the original value is returned.
	 */
	memcpy(copy, pdu, h->len);
	copy[ver_off] = SMPP_VERSION;
	memset(&u, 0, sizeof(u));
	if (smpp34_unpack(h->id, &u, copy, (int)h->len) != 0) {
		stk_fail(diag, STK_E_INVALID, "bind", 0);
		st = ESME_RINVCMDLEN;
		goto out;
	}
	b->command_id = h->id;
	copy_cstr(b->system_id, sizeof(b->system_id), u.trx.system_id,
	    sizeof(u.trx.system_id));
	copy_cstr(b->password, sizeof(b->password), u.trx.password,
	    sizeof(u.trx.password));
	copy_cstr(b->system_type, sizeof(b->system_type), u.trx.system_type,
	    sizeof(u.trx.system_type));
	b->interface_version = version;
	b->addr_ton = u.trx.addr_ton;
	b->addr_npi = u.trx.addr_npi;
	copy_cstr(b->address_range, sizeof(b->address_range),
	    u.trx.address_range, sizeof(u.trx.address_range));
 out:
	/* Keep the password in no scratch memory, libsmpp34's dump of the
	 * last PDU (smpp34_strerror) included. */
	memset(&u, 0, sizeof(u));
	memset(copy, 0, sizeof(copy));
	memset(smpp34_strerror, 0, sizeof(smpp34_strerror));
	return st;
}

uint32_t
smpp_submit_decode(const uint8_t *pdu, const struct smpp_hdr *h,
    struct smpp_sm *sm, struct stk_diag *diag)
{
	submit_sm_t s;
	struct stk_cur c;
	uint8_t sm_length;
	bool has_payload;
	uint32_t st;
	tlv_t *t;

	memset(sm, 0, sizeof(*sm));
	stk_cur_init(&c, pdu, h->len);
	if (!stk_cur_skip(&c, SMPP_HEADER_LEN) ||
	    !walk_cstr(&c, 6, "service_type", diag) ||
	    !walk_fixed(&c, 2, "source_addr_ton", diag) ||
	    !walk_cstr(&c, SMPP_ADDR_MAX, "source_addr", diag) ||
	    !walk_fixed(&c, 2, "dest_addr_ton", diag) ||
	    !walk_cstr(&c, SMPP_ADDR_MAX, "destination_addr", diag) ||
	    !walk_fixed(&c, 3, "esm_class", diag) ||
	    !walk_cstr(&c, SMPP_TIME_LEN, "schedule_delivery_time", diag) ||
	    !walk_cstr(&c, SMPP_TIME_LEN, "validity_period", diag) ||
	    !walk_fixed(&c, 4, "registered_delivery", diag))
		return ESME_RINVCMDLEN;
	if (!stk_cur_u8(&c, &sm_length)) {
		stk_fail(diag, STK_E_TRUNCATED, "sm_length",
		    stk_cur_offset(&c));
		return ESME_RINVCMDLEN;
	}
	if (sm_length > SMPP_SM_MAX) {
		stk_fail(diag, STK_E_TOO_LONG, "sm_length",
		    stk_cur_offset(&c) - 1);
		return ESME_RINVMSGLEN;
	}
	if (!walk_fixed(&c, sm_length, "short_message", diag))
		return ESME_RINVCMDLEN;
	st = walk_submit_tlvs(&c, &has_payload, diag);
	if (st != ESME_ROK)
		return st;
	if (has_payload && sm_length != 0) {
		/* §5.3.2.32: message_payload only with sm_length 0. */
		stk_fail(diag, STK_E_INCONSISTENT, "message_payload", 0);
		return ESME_ROPTPARNOTALLWD;
	}

	memset(&s, 0, sizeof(s));
	if (smpp34_unpack(SUBMIT_SM, &s, pdu, (int)h->len) != 0) {
		destroy_tlv(s.tlv);
		stk_fail(diag, STK_E_INVALID, "submit_sm", 0);
		return ESME_RINVCMDLEN;
	}
	copy_cstr(sm->service_type, sizeof(sm->service_type), s.service_type,
	    sizeof(s.service_type));
	sm->src_ton = s.source_addr_ton;
	sm->src_npi = s.source_addr_npi;
	copy_cstr(sm->src, sizeof(sm->src), s.source_addr,
	    sizeof(s.source_addr));
	sm->dst_ton = s.dest_addr_ton;
	sm->dst_npi = s.dest_addr_npi;
	copy_cstr(sm->dst, sizeof(sm->dst), s.destination_addr,
	    sizeof(s.destination_addr));
	sm->esm_class = s.esm_class;
	sm->protocol_id = s.protocol_id;
	sm->priority_flag = s.priority_flag;
	copy_cstr(sm->schedule_delivery_time,
	    sizeof(sm->schedule_delivery_time), s.schedule_delivery_time,
	    sizeof(s.schedule_delivery_time));
	copy_cstr(sm->validity_period, sizeof(sm->validity_period),
	    s.validity_period, sizeof(s.validity_period));
	sm->registered_delivery = s.registered_delivery;
	sm->replace_if_present = s.replace_if_present_flag;
	sm->data_coding = s.data_coding;
	sm->len = s.sm_length;
	memcpy(sm->data, s.short_message, sm->len);
	smpp34_tlv_for_each(t, s.tlv) {
		if (t->tag == TLVID_message_payload &&
		    t->length <= sizeof(sm->data)) {
			sm->from_payload = true;
			sm->len = t->length;
			memcpy(sm->data, t->value.octet, t->length);
		} else if (t->tag == TLVID_user_message_reference) {
			sm->has_umr = true;
			sm->user_message_reference = t->value.val16;
		}
	}
	destroy_tlv(s.tlv);
	return ESME_ROK;
}

uint32_t
smpp_deliver_resp_decode(const uint8_t *pdu, const struct smpp_hdr *h,
    struct stk_diag *diag)
{
	struct stk_cur c;

	stk_cur_init(&c, pdu, h->len);
	if (!stk_cur_skip(&c, SMPP_HEADER_LEN))
		return ESME_RINVCMDLEN;
	/* §4.6.2: message_id "unused, set to NULL"; tolerate the one
	 * C-octet string, and a body left out by ESMEs that answer an
	 * error with a bare header (§3.3.1 allows no body on errors). */
	if (stk_cur_empty(&c))
		return ESME_ROK;
	if (!walk_cstr(&c, SMPP_MSGID_MAX, "message_id", diag))
		return ESME_RINVCMDLEN;
	if (!stk_cur_empty(&c)) {
		stk_fail(diag, STK_E_TRAILING, "deliver_sm_resp",
		    stk_cur_offset(&c));
		return ESME_RINVCMDLEN;
	}
	/* Nothing of the body is used, so libsmpp34 is not asked to decode
	 * it: its decoders format a dump of every field (smpp34_strerror),
	 * which is most of their cost (docs/PERFORMANCE.md). */
	return ESME_ROK;
}

uint32_t
smpp_empty_body_check(const struct smpp_hdr *h, struct stk_diag *diag)
{
	if (h->len != SMPP_HEADER_LEN) {
		stk_fail(diag, STK_E_TRAILING, smpp_cmd_name(h->id),
		    SMPP_HEADER_LEN);
		return ESME_RINVCMDLEN;
	}
	return ESME_ROK;
}

/* ---- packing (libsmpp34) ---- */

/* Pack st of command type into out; libsmpp34 fills command_length. */
static int
pack(struct stk_buf *out, uint32_t type, void *st)
{
	uint8_t *p;
	size_t start = stk_buf_len(out);
	int len = 0;

	if (!stk_buf_add_space(out, &p, SMPP_MAX_PDU_OUT))
		return STK_E_NOMEM;
	if (smpp34_pack(type, p, SMPP_MAX_PDU_OUT, &len, st) != 0 ||
	    len < SMPP_HEADER_LEN || len > SMPP_MAX_PDU_OUT) {
		stk_buf_truncate(out, start);
		return STK_E_INVALID;
	}
	stk_buf_truncate(out, start + (size_t)len);
	return STK_OK;
}

/*
 * The PDUs that are a header and at most one C-octet string, all packed by
 * pack_resp():
 *   bare header     generic_nack (§4.3.1), enquire_link(_resp) (§4.11),
 *                   unbind(_resp) (§4.2), and every response below whose
 *                   command_status is not ESME_ROK (no body then: §4.1.2,
 *                   §4.1.4, §4.1.6, §4.4.2)
 *   bind_*_resp     system_id, the SMSC's name (§4.1.2, §4.1.4, §4.1.6)
 *   submit_sm_resp  message_id (§4.4.2)
 * Every libsmpp34 struct begins with the same header fields, so the header
 * is written once through the bare view; the table says where the body's
 * string sits in the view libsmpp34 packs.
 */
union smpp_resp {
	generic_nack_t bare;
	bind_transceiver_resp_t bind;	/* the layout of all three */
	submit_sm_resp_t submit;
};

#define RESP_TEXT(m) \
	offsetof(union smpp_resp, m), sizeof(((union smpp_resp *)0)->m)

static const struct smpp_resp_body {
	uint32_t command_id;
	size_t text_off;	/* the C-octet string in union smpp_resp */
	size_t text_size;	/* its size, NUL included */
} smpp_resp_bodies[] = {
	{ BIND_RECEIVER_RESP, RESP_TEXT(bind.system_id) },
	{ BIND_TRANSMITTER_RESP, RESP_TEXT(bind.system_id) },
	{ BIND_TRANSCEIVER_RESP, RESP_TEXT(bind.system_id) },
	{ SUBMIT_SM_RESP, RESP_TEXT(submit.message_id) },
};

/*
 * Append command_id with status and seq: a bare header when text is NULL
 * or status is not ESME_ROK, else the body of the table with text (cut to
 * the field's size).  A body for a command_id outside the table is
 * STK_E_INVALID, as is what libsmpp34 refuses to pack (unknown command_id
 * or command_status).
 */
static int
pack_resp(struct stk_buf *out, uint32_t command_id, uint32_t status,
    uint32_t seq, const char *text)
{
	const struct smpp_resp_body *body = NULL;
	union smpp_resp u;

	if (text != NULL && status == ESME_ROK) {
		for (size_t i = 0; body == NULL &&
		    i < NELEM(smpp_resp_bodies); i++)
			if (smpp_resp_bodies[i].command_id == command_id)
				body = &smpp_resp_bodies[i];
		if (body == NULL)
			return STK_E_INVALID;
	}
	memset(&u, 0, sizeof(u));
	u.bare.command_id = command_id;
	u.bare.command_status = status;
	u.bare.sequence_number = seq;
	/* A bare header is packed with the generic_nack layout, so
	 * libsmpp34 reads no body; it writes command_id as set. */
	if (body == NULL)
		return pack(out, GENERIC_NACK, &u.bare);
	snprintf((char *)&u + body->text_off, body->text_size, "%s", text);
	return pack(out, command_id, &u);
}

int
smpp_pack_header_only(struct stk_buf *out, uint32_t command_id,
    uint32_t status, uint32_t seq)
{
	return pack_resp(out, command_id, status, seq, NULL);
}

int
smpp_pack_bind_resp(struct stk_buf *out, uint32_t command_id,
    uint32_t status, uint32_t seq, const char *system_id)
{
	return pack_resp(out, command_id, status, seq,
	    system_id != NULL ? system_id : "");
}

int
smpp_pack_submit_resp(struct stk_buf *out, uint32_t status, uint32_t seq,
    const char *message_id)
{
	return pack_resp(out, SUBMIT_SM_RESP, status, seq,
	    message_id != NULL ? message_id : "");
}

int
smpp_pack_deliver(struct stk_buf *out, uint32_t seq, const struct smpp_sm *sm,
    const struct smpp_receipt *receipt)
{
	deliver_sm_t d;
	tlv_t first, second;	/* optional parameters, on the stack */
	int n;

	memset(&d, 0, sizeof(d));
	d.command_id = DELIVER_SM;
	d.sequence_number = seq;
	snprintf((char *)d.service_type, sizeof(d.service_type), "%s",
	    sm->service_type);
	d.source_addr_ton = sm->src_ton;
	d.source_addr_npi = sm->src_npi;
	snprintf((char *)d.source_addr, sizeof(d.source_addr), "%s", sm->src);
	d.dest_addr_ton = sm->dst_ton;
	d.dest_addr_npi = sm->dst_npi;
	snprintf((char *)d.destination_addr, sizeof(d.destination_addr), "%s",
	    sm->dst);
	d.esm_class = sm->esm_class;
	d.protocol_id = sm->protocol_id;
	d.priority_flag = sm->priority_flag;
	d.registered_delivery = 0;
	d.data_coding = sm->data_coding;
	if (receipt != NULL) {
		char text[SMPP_SM_MAX + 1];

		d.esm_class = SMPP_ESM_TYPE_RECEIPT;
		d.data_coding = 0;
		n = smpp_receipt_text(receipt, text, sizeof(text));
		if (n != STK_OK)
			return n;
		d.sm_length = (uint8_t)strlen(text);
		memcpy(d.short_message, text, d.sm_length);
		/* §5.3.2.12 receipted_message_id, §5.3.2.35 message_state. */
		memset(&first, 0, sizeof(first));
		memset(&second, 0, sizeof(second));
		first.tag = TLVID_receipted_message_id;
		first.length = (uint16_t)(strlen(receipt->id) + 1);
		memcpy(first.value.octet, receipt->id, first.length);
		first.next = &second;
		second.tag = TLVID_message_state;
		second.length = 1;
		second.value.val08 = smpp_message_state(receipt->stat);
		second.next = NULL;
		d.tlv = &first;
	} else if (sm->from_payload || sm->len > SMPP_SM_MAX) {
		/* §5.3.2.32 message_payload, with sm_length 0. */
		if (sm->len > SMPP_PAYLOAD_MAX)
			return STK_E_TOO_LONG;
		memset(&first, 0, sizeof(first));
		first.tag = TLVID_message_payload;
		first.length = (uint16_t)sm->len;
		memcpy(first.value.octet, sm->data, sm->len);
		d.tlv = &first;
	} else {
		d.sm_length = (uint8_t)sm->len;
		memcpy(d.short_message, sm->data, sm->len);
	}
	return pack(out, DELIVER_SM, &d);
}

int
smpp_pack_bind(struct stk_buf *out, uint32_t command_id, uint32_t seq,
    const char *system_id, const char *password)
{
	bind_transceiver_t b;

	memset(&b, 0, sizeof(b));
	b.command_id = command_id;
	b.sequence_number = seq;
	snprintf((char *)b.system_id, sizeof(b.system_id), "%s", system_id);
	snprintf((char *)b.password, sizeof(b.password), "%s", password);
	b.interface_version = SMPP_VERSION;
	return pack(out, command_id, &b);
}

int
smpp_pack_submit(struct stk_buf *out, uint32_t seq, const struct smpp_sm *sm)
{
	submit_sm_t s;
	tlv_t payload;

	memset(&s, 0, sizeof(s));
	s.command_id = SUBMIT_SM;
	s.sequence_number = seq;
	snprintf((char *)s.service_type, sizeof(s.service_type), "%s",
	    sm->service_type);
	s.source_addr_ton = sm->src_ton;
	s.source_addr_npi = sm->src_npi;
	snprintf((char *)s.source_addr, sizeof(s.source_addr), "%s", sm->src);
	s.dest_addr_ton = sm->dst_ton;
	s.dest_addr_npi = sm->dst_npi;
	snprintf((char *)s.destination_addr, sizeof(s.destination_addr), "%s",
	    sm->dst);
	s.esm_class = sm->esm_class;
	s.protocol_id = sm->protocol_id;
	s.priority_flag = sm->priority_flag;
	snprintf((char *)s.validity_period, sizeof(s.validity_period), "%s",
	    sm->validity_period);
	s.registered_delivery = sm->registered_delivery;
	s.data_coding = sm->data_coding;
	if (sm->from_payload) {
		memset(&payload, 0, sizeof(payload));
		payload.tag = TLVID_message_payload;
		payload.length = (uint16_t)sm->len;
		memcpy(payload.value.octet, sm->data, sm->len);
		s.tlv = &payload;
	} else {
		if (sm->len > SMPP_SM_MAX)
			return STK_E_TOO_LONG;
		s.sm_length = (uint8_t)sm->len;
		memcpy(s.short_message, sm->data, sm->len);
	}
	return pack(out, SUBMIT_SM, &s);
}
