/*
 * smpp_esme.h - the SMPP 3.4 ESME transport of stkauth-bridge
 * (transport_smpp_ops): private declarations, grouped by file.
 *
 *   smpp_conf.c       the [transport NAME] type = smpp section
 *   smpp_map.c        TS 23.040 TPDUs <-> submit_sm / deliver_sm fields,
 *                     delivery receipts (Appendix B), status classes
 *   smpp_pdu.c        the PDUs only an ESME sends or reads (libsmpp34)
 *   smpp_link.c       one session's protocol engine: bind, window,
 *                     sequence numbers, timers, input dispatch (no I/O)
 *   smpp_transport.c  sockets, TLS, reconnects, the transport_ops table
 *
 * Generic SMPP pieces come from the netsim SMSC's pure module
 * (tools/netsim/smpp_pdu.c, smpp_sm.c, linked into the bridge, see
 * smsc-bridge/smpp.mk): framing (smpp_frame), command and status names,
 * header-only PDUs, submit_sm packing, SMPP <-> TP addresses, the
 * data_coding -> TP-DCS table, and the submit_sm/deliver_sm body walk
 * (§4.4.1 and §4.6.1 have the same mandatory parameters).
 *
 * Everything below smpp_transport.c is free of sockets and of the event
 * loop: unit tests and the fuzz target drive it with bytes and a clock.
 */
#ifndef STKAUTH_BRIDGE_SMPP_ESME_H
#define STKAUTH_BRIDGE_SMPP_ESME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "err.h"
#include "smpp_pdu.h"
#include "transport.h"

/* ---- smpp_conf.c ---- */

enum smpp_bind_mode {
	SMPP_BIND_TRX = 0,	/* one bind_transceiver */
	SMPP_BIND_TX_RX = 1,	/* bind_transmitter + bind_receiver */
};

enum smpp_payload_mode {
	SMPP_PAYLOAD_AUTO = 0,	/* short_message; message_payload above 254 */
	SMPP_PAYLOAD_TLV = 1,	/* always message_payload (§5.3.2.32) */
};

#define SMPP_HOST_MAX 256
#define SMPP_PATH_MAX 512

struct smpp_conf {
	char name[64];			/* the section name, for logs/metrics */
	char host[SMPP_HOST_MAX];
	unsigned port;
	char system_id[SMPP_SYSTEM_ID_MAX];
	char password[SMPP_PASSWORD_MAX];	/* never logged */
	char system_type[13];
	uint8_t addr_ton, addr_npi;		/* bind (§4.1.1) */
	char address_range[41];
	enum smpp_bind_mode bind;
	unsigned window;			/* submit_sm outstanding, 1..1000 */
	unsigned enquire_link_ms;		/* 0: never */
	unsigned response_timeout_ms;
	unsigned bind_timeout_ms;		/* connect + TLS + bind_resp */
	unsigned reconnect_min_ms, reconnect_max_ms;
	unsigned throttle_pause_ms;
	bool tls;
	char ca[SMPP_PATH_MAX];			/* "" : the system's CA store */
	bool plain_remote;			/* plain TCP to a non-loopback host */
	enum smpp_payload_mode payload;
	uint8_t src_ton, src_npi;
	char source_addr[SMPP_ADDR_MAX];	/* "" : the SMSC fills it in */
	unsigned receipt_slots;			/* message_ids kept for receipts */
};

/*
 * Read and validate a section (transport.h transport_config).  Fills c
 * with defaults first.  On error returns STK_E_INVALID (or STK_E_IO for
 * an unreadable password_file) with "KEY: reason" in err.
 */
int smpp_conf_load(const struct transport_config *tc, struct smpp_conf *c,
    char *err, size_t errsz);
/* True for 127.0.0.0/8, ::1 and "localhost". */
bool smpp_host_is_loopback(const char *host);
/* "500ms", "2s", "2" (seconds) -> milliseconds; STK_E_INVALID. */
int smpp_parse_duration(const char *text, unsigned *ms);

/* ---- smpp_map.c ---- */

/*
 * transport_msg -> submit_sm fields (SMPP 3.4 §4.4.1):
 *   destination_addr   m->dest, TON 1 (international), NPI 1 (E.164)
 *   source_addr        from the configuration (may be empty)
 *   esm_class          0x40 with TP-UDHI, 0x80 with TP-RP (§5.2.12)
 *   protocol_id        TP-PID;  data_coding  TP-DCS (§5.2.19, table)
 *   registered_delivery 0x01 when m->status_report or TP-SRR
 *   validity_period    TP-VP (relative, enhanced: relative; absolute)
 *   short_message      TP-UD: UDH then the body (GSM 7-bit unpacked,
 *                      one septet per octet), or message_payload
 * Errors (the core gets them from submit(), nothing is sent):
 * STK_E_INVALID (not an SMS-SUBMIT, bad dest), STK_E_UNSUPPORTED (a TP-DCS
 * SMPP 3.4 cannot carry), or the TPDU decoder's error; *why names it.
 */
int smpp_map_submit(const struct smpp_conf *c, const struct transport_msg *m,
    struct smpp_sm *sm, const char **why);

/* SMPP data_coding for a TP-DCS; false when SMPP 3.4 has none. */
bool smpp_data_coding_for_dcs(uint8_t dcs, uint8_t *dc);

/*
 * deliver_sm (a mobile-originated message) -> SMS-DELIVER (TS 23.040
 * §9.2.2.1), appended to out: TP-OA from source_addr, TP-PID, TP-DCS,
 * TP-UDHI and TP-UD (UDH included) as carried, TP-RP from esm_class 0x80,
 * TP-SCTS = now (UTC), TP-MMS "no more messages".  Returns ESME_ROK or
 * the deliver_sm_resp status for a message that cannot be mapped
 * (ESME_RINVSRCADR, ESME_RX_P_APPN), diag naming the field.
 */
uint32_t smpp_map_deliver(const struct smpp_sm *sm, int64_t now,
    struct stk_buf *out, struct stk_diag *diag);

/* A delivery receipt (SMPP 3.4 Appendix B, §5.2.28). */
struct smpp_rcpt {
	char id[SMPP_MSGID_MAX];	/* receipted_message_id or "id:" */
	char stat[8];			/* "DELIVRD", ...; "" when absent */
	bool has_state;			/* message_state TLV present */
	uint8_t state;
	bool has_err;
	unsigned err;			/* "err:" */
	int64_t submit_date, done_date;	/* 0 when absent or unreadable */
};

/*
 * Parse the Appendix B text ("id:... sub:... dlvrd:... submit date:...
 * done date:... stat:... err:... text:..."), keys case-insensitive, in
 * any order, unknown keys ignored.  Fields already set (from TLVs) are
 * kept.  STK_E_INVALID when no id is found anywhere.
 */
int smpp_rcpt_parse(const uint8_t *text, size_t len, struct smpp_rcpt *r);

/* TP-ST (TS 23.040 §9.2.3.15) for the receipt's state (message_state
 * first, then the stat word); *final false for ENROUTE/ACCEPTD. */
uint8_t smpp_rcpt_tp_st(const struct smpp_rcpt *r, bool *final);

/*
 * SMS-STATUS-REPORT (TS 23.040 §9.2.2.3) for a receipt, appended to out:
 * TP-MR mr, TP-RA ra (the recipient), TP-SCTS the submit date (else now),
 * TP-DT the done date (else now), TP-ST from the receipt.
 */
int smpp_map_report(const struct smpp_rcpt *r, const struct stk_sms_addr *ra,
    uint8_t mr, int64_t now, struct stk_buf *out);

/* What a submit_sm_resp / generic_nack status means for a retry
 * (SMPP 3.4 §5.1.3, the table in smpp_map.c). */
enum transport_fail smpp_status_class(uint32_t status);

/* ---- smpp_pdu.c ---- */

/* bind_transmitter / _receiver / _transceiver (§4.1.1) from c. */
int smpp_esme_pack_bind(struct stk_buf *out, uint32_t command_id,
    uint32_t seq, const struct smpp_conf *c);
/* deliver_sm_resp (§4.6.2), message_id NULL, any status. */
int smpp_esme_pack_deliver_resp(struct stk_buf *out, uint32_t status,
    uint32_t seq);

/*
 * bind_*_resp (§4.1.2): system_id (at most 15 characters) and optional
 * parameters; an error status may come without a body.  STK_OK or
 * STK_E_INVALID / STK_E_TRUNCATED / STK_E_TRAILING with diag.
 */
int smpp_esme_decode_bind_resp(const uint8_t *pdu, const struct smpp_hdr *h,
    char *system_id, size_t idsz, struct stk_diag *diag);
/* submit_sm_resp (§4.4.2): message_id (C-octet string of at most 65
 * octets), or no body. */
int smpp_esme_decode_submit_resp(const uint8_t *pdu,
    const struct smpp_hdr *h, char *message_id, size_t idsz,
    struct stk_diag *diag);

/*
 * deliver_sm (§4.6.1) into sm; for delivery receipts (esm_class message
 * type 0x04 or 0x20) also the receipt TLVs (§5.3.2.12 receipted_message_id,
 * §5.3.2.35 message_state) into r (may be NULL otherwise).  Returns
 * ESME_ROK or the deliver_sm_resp status (ESME_RINVCMDLEN, ...).
 */
uint32_t smpp_esme_decode_deliver(const uint8_t *pdu, const struct smpp_hdr *h,
    struct smpp_sm *sm, struct smpp_rcpt *r, struct stk_diag *diag);

/* ---- smpp_link.c ---- */

enum smpp_role {
	SMPP_ROLE_TRX = 0,
	SMPP_ROLE_TX = 1,
	SMPP_ROLE_RX = 2,
};

enum smpp_link_state {
	SMPP_LINK_IDLE = 0,	/* no connection */
	SMPP_LINK_BINDING,	/* bind sent */
	SMPP_LINK_BOUND,
	SMPP_LINK_UNBINDING,	/* unbind sent (or answered): closing */
	SMPP_LINK_CLOSED,	/* the glue must close the connection */
};

/* Counters for /metrics, shared by the links of one transport. */
#define SMPP_ERR_NAMES 24
struct smpp_stats {
	uint64_t submit_ok, submit_temp, submit_perm, submit_throttled;
	uint64_t submit_timeout;
	uint64_t mo_acked, mo_retry, mo_rejected;
	uint64_t rcpt_acked, rcpt_retry, rcpt_unmatched;
	uint64_t binds_ok, binds_refused, connects_failed, disconnects;
	uint64_t enquire_sent, enquire_timeout, generic_nack_in, bad_framing;
	uint64_t unknown_pdu;
	struct {
		uint32_t status;
		uint64_t n;
	} errors[SMPP_ERR_NAMES];	/* command_status by name */
};

/* message_id -> outbox id of messages that asked for a receipt. */
struct smpp_rmap_ent {
	char msgid[SMPP_MSGID_MAX];	/* "" : free */
	char dest[17];			/* TP-RA of the status report */
	uint64_t id;
};

/* What the links of one transport share. */
struct smpp_ctx {
	const struct smpp_conf *conf;
	const struct transport_events *ev;
	void *core;
	struct smpp_stats stats;
	int64_t paused_until_ms;	/* after ESME_RTHROTTLED / RMSGQFUL */
	bool pause_reported;
	struct smpp_rmap_ent *rmap;	/* ring of conf->receipt_slots */
	size_t rmap_next;
};

struct smpp_slot {
	bool used;
	bool want_report;
	uint32_t seq;
	uint64_t id;
	char dest[17];
	int64_t deadline_ms;
};

struct smpp_link {
	struct smpp_ctx *ctx;
	enum smpp_role role;
	enum smpp_link_state state;
	uint32_t next_seq;
	struct smpp_slot *slots;	/* conf->window of them (TX, TRX) */
	unsigned used;
	/* The one control request in flight: bind, enquire_link, unbind. */
	uint32_t ctl_cmd, ctl_seq;
	int64_t ctl_deadline_ms;
	int64_t last_rx_ms;
	const char *why;		/* why the link closed (static text) */
	struct stk_buf out;		/* bytes for the glue to send */
};

int smpp_ctx_init(struct smpp_ctx *x, const struct smpp_conf *c,
    const struct transport_events *ev, void *core);
void smpp_ctx_free(struct smpp_ctx *x);
void smpp_stats_error(struct smpp_stats *s, uint32_t status);

int smpp_link_init(struct smpp_link *l, struct smpp_ctx *x,
    enum smpp_role role);
void smpp_link_free(struct smpp_link *l);
/* A connection is up: queue the bind. */
void smpp_link_start(struct smpp_link *l, int64_t now);
/*
 * Bytes from the peer.  Consumes whole PDUs (*used), answers what needs
 * an answer into l->out, reports to the core.  A framing error or a PDU
 * that closes the session leaves state SMPP_LINK_CLOSED (why set).
 */
void smpp_link_input(struct smpp_link *l, const uint8_t *p, size_t avail,
    int64_t now, size_t *used);
/* Timers: response timeouts, enquire_link. */
void smpp_link_tick(struct smpp_link *l, int64_t now);
/* submit_sm for m; STK_OK when queued (it ends in sent/failed). */
int smpp_link_submit(struct smpp_link *l, const struct transport_msg *m,
    int64_t now);
/* Free window slots now (0 when not bound, paused or not a sender). */
unsigned smpp_link_capacity(const struct smpp_link *l, int64_t now);
/* Send unbind (bound links); the link closes on unbind_resp/timeout. */
void smpp_link_unbind(struct smpp_link *l, int64_t now);
/* The connection is gone: fail (TEMPORARY) what is in flight, reset. */
void smpp_link_down(struct smpp_link *l, const char *why);
const char *smpp_link_state_name(enum smpp_link_state s);

#endif
