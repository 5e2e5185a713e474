/*
 * smpp_pdu.h - SMPP 3.4 for the netsim SMSC (tools/netsim/smpp.c) and
 * the bridge's ESME (smsc-bridge/smpp_*.c): framing, field validation,
 * the mapping between SMPP short messages and TS 23.040 TPDUs, delivery
 * receipt texts and the responses the SMSC sends.
 *
 * Nothing here touches a socket or the event loop, so the fuzz targets and
 * the unit tests link it alone (with lib/ and libsmpp34).  In common/,
 * not lib/: lib/ does not link libsmpp34.
 *
 * Who does what: libsmpp34 packs and unpacks PDU bodies (smpp34_pack /
 * smpp34_unpack).  This file reads the 16-octet header (SMPP 3.4 §3.2)
 * with the bounded cursor, caps command_length, and before a submit_sm
 * reaches smpp34_unpack walks its field boundaries (§4.4.1 sizes) and its
 * optional parameters (§5.3) against a table: that turns every malformed
 * PDU into a named error with an offset, enforces "the PDU is consumed
 * exactly", and keeps libsmpp34 away from inputs it mishandles (it leaks
 * a TLV node for every malformed optional parameter it meets).
 *
 * Statuses are SMPP command_status values (ESME_R*, §5.1.3; 0 = ESME_ROK).
 */
#ifndef STKAUTH_SMPP_PDU_H
#define STKAUTH_SMPP_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "err.h"
#include "sms_addr.h"
#include "sms_time.h"
#include "tpdu.h"

/* SMPP 3.4 §3.2: command_length, command_id, command_status, sequence. */
#define SMPP_HEADER_LEN 16
/* Our caps on command_length (STYLE: tighter before authentication).  A
 * bind is at most 16 + 16 + 9 + 13 + 3 + 41 = 98 octets (§4.1.1). */
#define SMPP_MAX_PDU_UNBOUND 256
#define SMPP_MAX_PDU_BOUND 4096
/* A bound on what we ever send: deliver_sm with 254 octets of
 * short_message plus receipt TLVs stays far below it. */
#define SMPP_MAX_PDU_OUT 2048

/* command_id bit 31 marks responses (§5.1.2). */
#define SMPP_RESP_BIT 0x80000000u

/* SMPP 3.4 §5.2.12 esm_class, §5.2.17 registered_delivery. */
#define SMPP_ESM_UDHI 0x40
#define SMPP_ESM_REPLY_PATH 0x80
#define SMPP_ESM_TYPE_MASK 0x3c
#define SMPP_ESM_TYPE_RECEIPT 0x04
#define SMPP_ESM_MODE_MASK 0x03
#define SMPP_REGDLV_RECEIPT_MASK 0x03
#define SMPP_REGDLV_RECEIPT_ANY 0x01	/* success or failure */
#define SMPP_REGDLV_RECEIPT_FAIL 0x02	/* failure only */

/* Field sizes including the terminating NUL (§4.4.1, §4.1.1). */
#define SMPP_SYSTEM_ID_MAX 16
#define SMPP_PASSWORD_MAX 9
#define SMPP_ADDR_MAX 21
#define SMPP_TIME_LEN 17
#define SMPP_SM_MAX 254		/* sm_length (§5.2.21) */
#define SMPP_PAYLOAD_MAX 1024	/* what libsmpp34 holds of message_payload */
#define SMPP_MSGID_MAX 65

/* The 16-octet header. */
struct smpp_hdr {
	uint32_t len;
	uint32_t id;
	uint32_t status;
	uint32_t seq;
};

/* Names from tables; never NULL ("unknown"). */
const char *smpp_cmd_name(uint32_t command_id);
const char *smpp_status_name(uint32_t status);
/* True for command_ids SMPP 3.4 defines (§5.1.2), requests and responses. */
bool smpp_cmd_known(uint32_t command_id);

/*
 * Framing.  buf holds avail octets received so far.  Returns 1 with *h
 * filled when a whole PDU of h->len octets is at buf, 0 when more octets
 * are needed (h->len is set once the 4 length octets are in, so the
 * caller knows how many to wait for), or an error (the stream cannot be resynchronised, the
 * caller answers generic_nack ESME_RINVCMDLEN and closes):
 *   STK_E_INVALID   command_length below 16 ("command_length")
 *   STK_E_TOO_LONG  command_length above max_len
 * The cap is checked as soon as the 4 length octets are in, before the
 * rest of the PDU is waited for.
 */
int smpp_frame(const uint8_t *buf, size_t avail, size_t max_len,
    struct smpp_hdr *h, struct stk_diag *diag);

/* ---- what the ESME sends ---- */

struct smpp_bind {
	uint32_t command_id;	/* BIND_TRANSMITTER / _RECEIVER / _TRANSCEIVER */
	char system_id[SMPP_SYSTEM_ID_MAX];
	char password[SMPP_PASSWORD_MAX];
	char system_type[13];
	uint8_t interface_version;
	uint8_t addr_ton, addr_npi;
	char address_range[41];
};

/*
 * Decode a bind_* PDU (whole, header included; h from smpp_frame).
 * ESME_ROK, or ESME_RINVCMDLEN when the body does not decode or leaves
 * octets over (the caller answers generic_nack).
 */
uint32_t smpp_bind_decode(const uint8_t *pdu, const struct smpp_hdr *h,
    struct smpp_bind *b, struct stk_diag *diag);

/* A short message as submit_sm carries it or deliver_sm will (§4.4.1). */
struct smpp_sm {
	char service_type[6];
	uint8_t src_ton, src_npi;
	char src[SMPP_ADDR_MAX];
	uint8_t dst_ton, dst_npi;
	char dst[SMPP_ADDR_MAX];
	uint8_t esm_class;
	uint8_t protocol_id;
	uint8_t priority_flag;
	char schedule_delivery_time[SMPP_TIME_LEN];
	char validity_period[SMPP_TIME_LEN];
	uint8_t registered_delivery;
	uint8_t replace_if_present;
	uint8_t data_coding;
	/* short_message (sm_length octets) or, when from_payload, the
	 * message_payload TLV (0x0424): UDH first when esm_class UDHI. */
	bool from_payload;
	size_t len;
	uint8_t data[SMPP_PAYLOAD_MAX];
	/* Optional parameters we read (§5.3.2.17 user_message_reference). */
	bool has_umr;
	uint16_t user_message_reference;
};

/*
 * Validate and decode a submit_sm (whole PDU).  Returns ESME_ROK or the
 * status for the answer:
 *   ESME_RINVCMDLEN       fields overrun command_length or octets are over
 *                         (the PDU is malformed: generic_nack)
 *   ESME_RINVOPTPARSTREAM an optional parameter header is cut off
 *   ESME_RINVPARLEN       an optional parameter's length is wrong for it
 *   ESME_RINVMSGLEN       sm_length above 254
 *   ESME_ROPTPARNOTALLWD  message_payload together with short_message
 * smpp_status_is_nack() tells which of these the caller sends as
 * generic_nack rather than submit_sm_resp.  diag names the field.
 */
uint32_t smpp_submit_decode(const uint8_t *pdu, const struct smpp_hdr *h,
    struct smpp_sm *sm, struct stk_diag *diag);

/* Statuses smpp_*_decode() returns for undecodable PDUs (generic_nack). */
bool smpp_status_is_nack(uint32_t status);

/*
 * Decode a deliver_sm_resp (the ESME's answer to our deliver_sm):
 * message_id must be an empty or NUL-terminated C-octet string of at
 * most 65 octets (§4.6.2).  ESME_ROK or ESME_RINVCMDLEN.
 */
uint32_t smpp_deliver_resp_decode(const uint8_t *pdu,
    const struct smpp_hdr *h, struct stk_diag *diag);

/* Header-only PDUs (enquire_link, unbind, their responses, generic_nack):
 * ESME_ROK when command_length is exactly 16, else ESME_RINVCMDLEN. */
uint32_t smpp_empty_body_check(const struct smpp_hdr *h,
    struct stk_diag *diag);

/* ---- mapping to and from TS 23.040 ---- */

/*
 * SMPP address (TON, NPI, C-octet string) -> TP address.  TON 1 takes the
 * digits with or without a leading '+'; TON 5 is alphanumeric (GSM 7-bit,
 * at most 11 septets); other TONs take digits 0-9 * #.  Empty addresses
 * and anything else: STK_E_INVALID.
 */
int smpp_addr_to_sms(uint8_t ton, uint8_t npi, const char *addr,
    struct stk_sms_addr *a);
/* TP address -> SMPP (international numbers without '+', §5.2.5). */
int smpp_addr_from_sms(const struct stk_sms_addr *a, uint8_t *ton,
    uint8_t *npi, char *out, size_t outsz);

/*
 * Build the SMS-SUBMIT (TS 23.040 §9.2.2.2) a submit_sm asks for:
 *   destination_addr  -> TP-DA
 *   esm_class UDHI    -> TP-UDHI and the UDH (§9.2.3.24) from the data
 *   esm_class reply path -> TP-RP
 *   protocol_id       -> TP-PID
 *   data_coding       -> TP-DCS: 0 (SMSC default alphabet: GSM 7-bit, one
 *                        unpacked septet per octet, TS 23.038 §6.2.1),
 *                        1 (IA5/ASCII, converted to GSM 7-bit), 2 and 4
 *                        (8-bit data -> 0x04), 8 (UCS-2 -> 0x08),
 *                        0xC0..0xFF (TS 23.038 groups, copied unchanged);
 *                        others are refused
 *   registered_delivery bits 1-0 -> TP-SRR
 *   validity_period   -> TP-VP (relative format, §9.2.3.12.1)
 * now/tz give the reference for absolute validity periods.  The source
 * address is converted separately (smpp_addr_to_sms).  Returns ESME_ROK
 * or ESME_RINVDSTADR, ESME_RINVESMCLASS, ESME_RINVMSGLEN (does not fit
 * one SMS), ESME_RSUBMITFAIL (unsupported data_coding or characters),
 * ESME_RINVEXPIRY, ESME_RINVSCHED (scheduled delivery is not offered),
 * ESME_RINVREGDLVFLG (bits 1-0 = 11, reserved).
 */
uint32_t smpp_sm_to_submit(const struct smpp_sm *sm, int64_t now,
    struct stk_tpdu *t, struct stk_diag *diag);

/*
 * Build the deliver_sm fields for a mobile-originated SMS (the network's
 * SMS-DELIVER t, from oa to da): esm_class UDHI / reply path, protocol_id,
 * data_coding (the inverse of the table above: GSM 7-bit without class as
 * 0 with unpacked septets, 8-bit as 4, UCS-2 as 8, group 1111 and message
 * waiting codings as the TP-DCS itself; class-bearing general-group
 * codings 0x10..0x17 as their group-1111 twin) and the data.
 */
int smpp_sm_from_deliver(const struct stk_tpdu *t,
    const struct stk_sms_addr *oa, const struct stk_sms_addr *da,
    struct smpp_sm *sm);

/* SMPP 3.4 §7.1.1 time format "YYMMDDhhmmsstnnp".  Absolute times with
 * p '+' or '-' (nn quarter hours from UTC), relative ones with p 'R'.
 * *secs is the epoch time (absolute) or the period (relative). */
int smpp_time_parse(const char *text, bool *relative, int64_t *secs);
/* Appendix B dates: "YYMMDDhhmm" in the given zone, 11 bytes with NUL. */
int smpp_receipt_date(int64_t t, int tz_minutes, char *out, size_t outsz);

/* Delivery receipt (Appendix B): the fields, and the text. */
struct smpp_receipt {
	char id[SMPP_MSGID_MAX];
	unsigned sub, dlvrd;
	int64_t submit_date, done_date;
	int tz_minutes;
	const char *stat;	/* "DELIVRD", "EXPIRED", "UNDELIV", ... */
	unsigned err;		/* network error (we use the RP cause) */
	/* First 20 characters of the message (printable ASCII). */
	char text[21];
};
/* SMPP 3.4 §5.2.28 message_state for a receipt stat word. */
uint8_t smpp_message_state(const char *stat);
/* TP-ST (TS 23.040 §9.2.3.15) -> Appendix B stat word. */
const char *smpp_stat_for_st(uint8_t st);
/* "id:IIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done
 * date:YYMMDDhhmm stat:DDDDDDD err:E text: . . ." (Appendix B). */
int smpp_receipt_text(const struct smpp_receipt *r, char *out,
    size_t outsz);
/* Readable first 20 characters of a short message for the receipt. */
void smpp_receipt_snippet(const struct smpp_sm *sm, char out[21]);

/* ---- what the SMSC sends (libsmpp34 packs; appended to out) ---- */

/*
 * One packer behind the three: a bare header (generic_nack, enquire_link,
 * unbind, their responses), bind_*_resp with system_id and submit_sm_resp
 * with message_id (NULL: empty); a response whose status is not ESME_ROK
 * is a bare header (§4.1.2, §4.4.2).  STK_OK, STK_E_NOMEM, or
 * STK_E_INVALID for what libsmpp34 does not pack (an unknown command_id
 * or command_status) and for a body asked of smpp_pack_bind_resp with a
 * command_id other than the bind_*_resp ones.
 */
int smpp_pack_header_only(struct stk_buf *out, uint32_t command_id,
    uint32_t status, uint32_t seq);
int smpp_pack_bind_resp(struct stk_buf *out, uint32_t command_id,
    uint32_t status, uint32_t seq, const char *system_id);
int smpp_pack_submit_resp(struct stk_buf *out, uint32_t status,
    uint32_t seq, const char *message_id);
/* deliver_sm; with receipt non-NULL a delivery receipt: esm_class 0x04,
 * short_message the Appendix B text, receipted_message_id (0x001E) and
 * message_state (0x0427) TLVs. */
int smpp_pack_deliver(struct stk_buf *out, uint32_t seq,
    const struct smpp_sm *sm, const struct smpp_receipt *receipt);

/* ESME side (tests, benchmark): bind, submit_sm. */
int smpp_pack_bind(struct stk_buf *out, uint32_t command_id, uint32_t seq,
    const char *system_id, const char *password);
int smpp_pack_submit(struct stk_buf *out, uint32_t seq,
    const struct smpp_sm *sm);

#endif
