/*
 * smpp_link.c - one SMPP 3.4 session as an ESME: the bind (§4.1), the
 * window of outstanding submit_sm matched to submit_sm_resp by sequence
 * number (§2.6, §5.1.4), enquire_link (§4.11), unbind (§4.2), deliver_sm
 * in and deliver_sm_resp out (§4.6), generic_nack (§4.3) and the timers.
 *
 * No sockets and no event loop: the glue (smpp_transport.c) feeds bytes
 * and the monotonic clock in, sends l->out, and closes the connection when
 * the state becomes SMPP_LINK_CLOSED.  Contracts:
 *   - every submit() that returned STK_OK ends in exactly one sent() or
 *     failed(): by its response, its response timeout, or smpp_link_down();
 *   - the slot of a message is free before the core hears of it, so the
 *     core may submit again from inside sent()/failed();
 *   - every deliver_sm is answered with deliver_sm_resp, ESME_ROK only
 *     when the core's received() returned STK_OK;
 *   - command_length is capped before the PDU is used: 256 octets until
 *     bound, 4096 after (smpp_frame); a framing error closes the link.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libsmpp34/smpp34.h>

#include "log.h"
#include "smpp_esme.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
/* An SMS-DELIVER or SMS-STATUS-REPORT never exceeds this (TS 23.040). */
#define TPDU_MAX 200

static const char *const role_names[] = { "trx", "tx", "rx" };
static const uint32_t role_bind[] = {
	BIND_TRANSCEIVER, BIND_TRANSMITTER, BIND_RECEIVER,
};

static const char *const state_names[] = {
	"idle", "binding", "bound", "unbinding", "closed",
};

const char *
smpp_link_state_name(enum smpp_link_state s)
{
	return (unsigned)s < NELEM(state_names) ? state_names[s] : "?";
}

static int64_t
wall_now(void)
{
	return (int64_t)time(NULL);
}

/* ---- shared context ---- */

int
smpp_ctx_init(struct smpp_ctx *x, const struct smpp_conf *c,
    const struct transport_events *ev, void *core)
{
	memset(x, 0, sizeof(*x));
	x->conf = c;
	x->ev = ev;
	x->core = core;
	x->rmap = calloc(c->receipt_slots, sizeof(*x->rmap));
	return x->rmap != NULL ? STK_OK : STK_E_NOMEM;
}

void
smpp_ctx_free(struct smpp_ctx *x)
{
	free(x->rmap);
	x->rmap = NULL;
}

void
smpp_stats_error(struct smpp_stats *s, uint32_t status)
{
	for (size_t i = 0; i < NELEM(s->errors); i++) {
		if (s->errors[i].n == 0 || s->errors[i].status == status) {
			s->errors[i].status = status;
			s->errors[i].n++;
			return;
		}
	}
}

/* The receipt map: a ring of the last receipt_slots message_ids of
 * messages that asked for a receipt, newest first on look-up. */
static void
rmap_put(struct smpp_ctx *x, const char *msgid, uint64_t id,
    const char *dest)
{
	struct smpp_rmap_ent *e = &x->rmap[x->rmap_next];

	snprintf(e->msgid, sizeof(e->msgid), "%s", msgid);
	snprintf(e->dest, sizeof(e->dest), "%s", dest);
	e->id = id;
	x->rmap_next = (x->rmap_next + 1) % x->conf->receipt_slots;
}

static struct smpp_rmap_ent *
rmap_find(struct smpp_ctx *x, const char *msgid)
{
	size_t n = x->conf->receipt_slots;

	for (size_t k = 1; k <= n; k++) {
		struct smpp_rmap_ent *e = &x->rmap[(x->rmap_next + n - k) % n];

		if (e->msgid[0] != '\0' && strcmp(e->msgid, msgid) == 0)
			return e;
	}
	return NULL;
}

/* ---- the link ---- */

int
smpp_link_init(struct smpp_link *l, struct smpp_ctx *x, enum smpp_role role)
{
	memset(l, 0, sizeof(*l));
	l->ctx = x;
	l->role = role;
	l->next_seq = 1;
	stk_buf_init(&l->out);
	if (role != SMPP_ROLE_RX) {
		l->slots = calloc(x->conf->window, sizeof(*l->slots));
		if (l->slots == NULL)
			return STK_E_NOMEM;
	}
	return STK_OK;
}

void
smpp_link_free(struct smpp_link *l)
{
	free(l->slots);
	l->slots = NULL;
	stk_buf_free(&l->out);
}

static const char *
lname(const struct smpp_link *l)
{
	return l->ctx->conf->name;
}

/* §5.1.4: 0x00000001..0x7FFFFFFF, wrapping. */
static uint32_t
take_seq(struct smpp_link *l)
{
	uint32_t s = l->next_seq;

	l->next_seq = s >= 0x7fffffffu ? 1 : s + 1;
	return s;
}

static void
link_close(struct smpp_link *l, const char *why)
{
	l->state = SMPP_LINK_CLOSED;
	l->why = why;
}

/* Send a control request (bind, enquire_link, unbind) and time it. */
static void
ctl_send(struct smpp_link *l, uint32_t cmd, int64_t now)
{
	const struct smpp_conf *c = l->ctx->conf;
	uint32_t seq = take_seq(l);
	int r;

	if (cmd == role_bind[l->role])
		r = smpp_esme_pack_bind(&l->out, cmd, seq, c);
	else
		r = smpp_pack_header_only(&l->out, cmd, 0, seq);
	if (r != STK_OK) {
		link_close(l, "cannot pack a request");
		return;
	}
	l->ctl_cmd = cmd;
	l->ctl_seq = seq;
	l->ctl_deadline_ms = now + (cmd == role_bind[l->role] ?
	    c->bind_timeout_ms : c->response_timeout_ms);
	log_debug("smpp[%s/%s] > %s seq %" PRIu32, lname(l),
	    role_names[l->role], smpp_cmd_name(cmd), seq);
}

void
smpp_link_start(struct smpp_link *l, int64_t now)
{
	l->state = SMPP_LINK_BINDING;
	l->last_rx_ms = now;
	l->used = 0;
	l->why = NULL;
	ctl_send(l, role_bind[l->role], now);
}

void
smpp_link_down(struct smpp_link *l, const char *why)
{
	struct smpp_ctx *x = l->ctx;
	unsigned n = l->role == SMPP_ROLE_RX ? 0 : x->conf->window;

	/* Not bound any more before the core hears of it: a submit from
	 * inside failed() is refused instead of landing in a dead link. */
	l->state = SMPP_LINK_IDLE;
	l->ctl_cmd = 0;
	stk_buf_reset(&l->out);
	for (unsigned i = 0; i < n; i++) {
		struct smpp_slot *s = &l->slots[i];
		uint64_t id = s->id;

		if (!s->used)
			continue;
		s->used = false;
		l->used--;
		x->stats.submit_temp++;
		x->ev->failed(x->core, id, TRANSPORT_FAIL_TEMPORARY,
		    why != NULL ? why : "link down");
	}
	l->used = 0;
}

unsigned
smpp_link_capacity(const struct smpp_link *l, int64_t now)
{
	if (l->role == SMPP_ROLE_RX || l->state != SMPP_LINK_BOUND ||
	    now < l->ctx->paused_until_ms)
		return 0;
	return l->ctx->conf->window - l->used;
}

int
smpp_link_submit(struct smpp_link *l, const struct transport_msg *m,
    int64_t now)
{
	struct smpp_ctx *x = l->ctx;
	struct smpp_slot *slot = NULL;
	struct smpp_sm sm;
	const char *why = "";
	uint32_t seq;
	int r;

	if (smpp_link_capacity(l, now) == 0)
		return STK_E_STATE;
	r = smpp_map_submit(x->conf, m, &sm, &why);
	if (r != STK_OK) {
		log_warn("smpp[%s] message %" PRIu64 " not submitted: %s",
		    lname(l), m->id, why);
		return r;
	}
	for (unsigned i = 0; i < x->conf->window && slot == NULL; i++)
		if (!l->slots[i].used)
			slot = &l->slots[i];
	if (slot == NULL)
		return STK_E_STATE;	/* unreachable: capacity said so */
	seq = take_seq(l);
	r = smpp_pack_submit(&l->out, seq, &sm);
	if (r != STK_OK) {
		log_warn("smpp[%s] message %" PRIu64 " not submitted: "
		    "submit_sm does not pack (%s)", lname(l), m->id,
		    stk_errname(r));
		return r;
	}
	slot->used = true;
	slot->seq = seq;
	slot->id = m->id;
	slot->want_report = sm.registered_delivery != 0;
	snprintf(slot->dest, sizeof(slot->dest), "%s", m->dest);
	slot->deadline_ms = now + x->conf->response_timeout_ms;
	l->used++;
	log_debug("smpp[%s] > submit_sm seq %" PRIu32 " message %" PRIu64
	    " to %s esm_class 0x%02x pid 0x%02x dcs 0x%02x %s %zu octets",
	    lname(l), seq, m->id, m->dest, sm.esm_class, sm.protocol_id,
	    sm.data_coding, sm.from_payload ? "message_payload" :
	    "short_message", sm.len);
	return STK_OK;
}

void
smpp_link_unbind(struct smpp_link *l, int64_t now)
{
	if (l->state == SMPP_LINK_BOUND) {
		l->state = SMPP_LINK_UNBINDING;
		ctl_send(l, UNBIND, now);
	} else if (l->state == SMPP_LINK_BINDING) {
		link_close(l, "stopped before the bind completed");
	}
}

static struct smpp_slot *
slot_by_seq(struct smpp_link *l, uint32_t seq)
{
	unsigned n = l->role == SMPP_ROLE_RX ? 0 : l->ctx->conf->window;

	for (unsigned i = 0; i < n; i++)
		if (l->slots[i].used && l->slots[i].seq == seq)
			return &l->slots[i];
	return NULL;
}

/* Free a slot, then tell the core: sent() or failed() by status. */
static void
finish_submit(struct smpp_link *l, struct smpp_slot *s, uint32_t status,
    const char *msgid, int64_t now)
{
	struct smpp_ctx *x = l->ctx;
	uint64_t id = s->id;
	enum transport_fail cls;

	s->used = false;
	l->used--;
	if (status == ESME_ROK) {
		if (s->want_report && msgid[0] != '\0')
			rmap_put(x, msgid, id, s->dest);
		x->stats.submit_ok++;
		x->ev->sent(x->core, id, msgid);
		return;
	}
	smpp_stats_error(&x->stats, status);
	cls = smpp_status_class(status);
	if (cls == TRANSPORT_FAIL_THROTTLED) {
		/* Slow down: no submit for throttle_pause on this bind. */
		x->stats.submit_throttled++;
		x->paused_until_ms = now + x->conf->throttle_pause_ms;
		x->pause_reported = false;
		log_info("smpp[%s] %s: pausing submissions for %ums",
		    lname(l), smpp_status_name(status),
		    x->conf->throttle_pause_ms);
	} else if (cls == TRANSPORT_FAIL_PERMANENT) {
		x->stats.submit_perm++;
	} else {
		x->stats.submit_temp++;
	}
	log_info("smpp[%s] message %" PRIu64 " refused: %s (0x%08" PRIx32
	    ")", lname(l), id, smpp_status_name(status), status);
	x->ev->failed(x->core, id, cls, smpp_status_name(status));
}

/* ---- responses ---- */

static void
on_bind_resp(struct smpp_link *l, const struct smpp_hdr *h,
    const uint8_t *pdu, int64_t now)
{
	struct smpp_ctx *x = l->ctx;
	char sysid[SMPP_SYSTEM_ID_MAX], dbuf[160];
	struct stk_diag d;

	(void)now;
	if (l->ctl_cmd != (h->id & ~SMPP_RESP_BIT) || l->ctl_seq != h->seq) {
		log_info("smpp[%s] unexpected %s seq %" PRIu32 ": ignored",
		    lname(l), smpp_cmd_name(h->id), h->seq);
		return;
	}
	l->ctl_cmd = 0;
	if (h->status != ESME_ROK) {
		x->stats.binds_refused++;
		smpp_stats_error(&x->stats, h->status);
		log_error("smpp[%s/%s] bind refused: %s (0x%08" PRIx32 ")",
		    lname(l), role_names[l->role], smpp_status_name(h->status),
		    h->status);
		link_close(l, "bind refused");
		return;
	}
	stk_diag_clear(&d);
	if (smpp_esme_decode_bind_resp(pdu, h, sysid, sizeof(sysid), &d) !=
	    STK_OK) {
		log_warn("smpp[%s] %s: %s; taken as bound", lname(l),
		    smpp_cmd_name(h->id), stk_diag_format(&d, dbuf,
		    sizeof(dbuf)));
		sysid[0] = '\0';
	}
	l->state = SMPP_LINK_BOUND;
	x->stats.binds_ok++;
	log_info("smpp[%s/%s] bound to SMSC \"%s\" as \"%s\"", lname(l),
	    role_names[l->role], sysid, x->conf->system_id);
}

static void
on_submit_resp(struct smpp_link *l, const struct smpp_hdr *h,
    const uint8_t *pdu, int64_t now)
{
	char msgid[SMPP_MSGID_MAX], dbuf[160];
	struct smpp_slot *s = slot_by_seq(l, h->seq);
	struct stk_diag d;

	if (s == NULL) {
		log_info("smpp[%s] submit_sm_resp seq %" PRIu32 " (%s) for no "
		    "submit_sm in flight (answered after its timeout?)",
		    lname(l), h->seq, smpp_status_name(h->status));
		return;
	}
	stk_diag_clear(&d);
	if (smpp_esme_decode_submit_resp(pdu, h, msgid, sizeof(msgid), &d) !=
	    STK_OK) {
		/* Accepted all the same: an unreadable message_id only
		 * costs the receipt match. */
		log_warn("smpp[%s] submit_sm_resp seq %" PRIu32 ": %s",
		    lname(l), h->seq, stk_diag_format(&d, dbuf, sizeof(dbuf)));
		msgid[0] = '\0';
	}
	log_debug("smpp[%s] < submit_sm_resp seq %" PRIu32 " %s message_id "
	    "\"%s\"", lname(l), h->seq, smpp_status_name(h->status), msgid);
	finish_submit(l, s, h->status, msgid, now);
}

static void
on_enquire_resp(struct smpp_link *l, const struct smpp_hdr *h,
    const uint8_t *pdu, int64_t now)
{
	(void)pdu;
	(void)now;
	if (l->ctl_cmd == ENQUIRE_LINK && l->ctl_seq == h->seq)
		l->ctl_cmd = 0;
}

static void
on_unbind_resp(struct smpp_link *l, const struct smpp_hdr *h,
    const uint8_t *pdu, int64_t now)
{
	(void)pdu;
	(void)now;
	if (l->ctl_cmd == UNBIND && l->ctl_seq == h->seq)
		link_close(l, "unbound");
}

static void
on_generic_nack(struct smpp_link *l, const struct smpp_hdr *h,
    const uint8_t *pdu, int64_t now)
{
	struct smpp_slot *s = slot_by_seq(l, h->seq);

	(void)pdu;
	l->ctx->stats.generic_nack_in++;
	log_warn("smpp[%s] generic_nack seq %" PRIu32 ": %s", lname(l),
	    h->seq, smpp_status_name(h->status));
	if (s != NULL) {
		/* Our submit_sm did not parse there: by its status. */
		finish_submit(l, s, h->status != ESME_ROK ? h->status :
		    ESME_RUNKNOWNERR, "", now);
	} else if (l->ctl_cmd != 0 && l->ctl_seq == h->seq) {
		if (l->ctl_cmd == ENQUIRE_LINK) {
			l->ctl_cmd = 0;	/* it answered: the link is alive */
		} else {
			l->ctx->stats.binds_refused +=
			    l->state == SMPP_LINK_BINDING;
			link_close(l, l->state == SMPP_LINK_BINDING ?
			    "bind refused (generic_nack)" : "unbound");
		}
	}
}

/* ---- requests from the SMSC ---- */

static void
answer(struct smpp_link *l, uint32_t id, uint32_t status, uint32_t seq)
{
	if (smpp_pack_header_only(&l->out, id, status, seq) != STK_OK)
		link_close(l, "cannot pack a response");
}

static void
deliver_resp(struct smpp_link *l, uint32_t status, uint32_t seq)
{
	log_debug("smpp[%s] > deliver_sm_resp seq %" PRIu32 " %s", lname(l),
	    seq, smpp_status_name(status));
	if (smpp_esme_pack_deliver_resp(&l->out, status, seq) != STK_OK)
		link_close(l, "cannot pack deliver_sm_resp");
}

/* Hand a TPDU to the core: ESME_ROK once it has stored it, else a
 * temporary error so the SMSC delivers it again (§5.1.3 ESME_RX_T_APPN). */
static uint32_t
to_core(struct smpp_link *l, const struct stk_buf *tpdu)
{
	struct smpp_ctx *x = l->ctx;

	return x->ev->received(x->core, x->conf->name, stk_buf_data(tpdu),
	    stk_buf_len(tpdu)) == STK_OK ? ESME_ROK : ESME_RX_T_APPN;
}

/*
 * TP-MR of the status report for an SMSC message_id: the core matches a
 * report to its message by network_ref modulo 256 (queue_msg_by_ref), so
 * a decimal message_id gives its value modulo 256 (digit by digit: ids
 * may exceed 64 bits).  Other ids cannot be matched that way: 0.
 */
static uint8_t
msgid_mr(const char *id, bool *decimal)
{
	unsigned v = 0;

	*decimal = id[0] != '\0';
	for (const char *p = id; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			*decimal = false;
			return 0;
		}
		v = (v * 10 + (unsigned)(*p - '0')) % 256;
	}
	return (uint8_t)v;
}

/*
 * A delivery receipt (esm_class message type 0x04, or 0x20 intermediate
 * notification) -> an SMS-STATUS-REPORT: TP-MR from the message_id,
 * TP-RA the number we sent the message to (from the receipt map; after
 * a restart the receipt's source_addr, the recipient in Appendix B).
 */
static uint32_t
on_receipt(struct smpp_link *l, const struct smpp_sm *sm,
    struct smpp_rcpt *rc)
{
	struct smpp_ctx *x = l->ctx;
	uint8_t mem[TPDU_MAX], mr;
	struct smpp_rmap_ent *e;
	struct stk_sms_addr ra;
	struct stk_buf tpdu;
	uint32_t st;
	bool final, decimal;
	int r;

	(void)smpp_rcpt_parse(sm->data, sm->len, rc);
	if (rc->id[0] == '\0') {
		x->stats.rcpt_unmatched++;
		log_warn("smpp[%s] receipt without a message id from %s: "
		    "dropped", lname(l), sm->src);
		return ESME_ROK;
	}
	mr = msgid_mr(rc->id, &decimal);
	e = rmap_find(x, rc->id);
	r = e != NULL ? stk_sms_addr_from_text(e->dest, &ra) :
	    smpp_addr_to_sms(sm->src_ton, sm->src_npi, sm->src, &ra);
	if (r != STK_OK || !decimal) {
		x->stats.rcpt_unmatched++;
		log_warn("smpp[%s] receipt for message_id \"%s\" from \"%s\" "
		    "(%s): %s, dropped", lname(l), rc->id, sm->src,
		    rc->stat[0] != '\0' ? rc->stat : "no stat",
		    r != STK_OK ? "no recipient address" :
		    "not a decimal message_id");
		return ESME_ROK;
	}
	(void)smpp_rcpt_tp_st(rc, &final);
	stk_buf_init_fixed(&tpdu, mem, sizeof(mem));
	if (smpp_map_report(rc, &ra, mr, wall_now(), &tpdu) != STK_OK) {
		x->stats.rcpt_unmatched++;
		return ESME_RX_P_APPN;
	}
	log_info("smpp[%s] receipt for message_id \"%s\"%s: %s", lname(l),
	    rc->id, e != NULL ? "" : " (not in the receipt map)",
	    rc->stat[0] != '\0' ? rc->stat : "state only");
	st = to_core(l, &tpdu);
	if (st != ESME_ROK) {
		x->stats.rcpt_retry++;
		return st;
	}
	x->stats.rcpt_acked++;
	if (final && e != NULL)
		e->msgid[0] = '\0';
	return ESME_ROK;
}

static void
on_deliver(struct smpp_link *l, const struct smpp_hdr *h, const uint8_t *pdu,
    int64_t now)
{
	struct smpp_ctx *x = l->ctx;
	uint8_t mem[TPDU_MAX];
	struct smpp_rcpt rc;
	struct smpp_sm sm;
	struct stk_buf tpdu;
	struct stk_diag d;
	char dbuf[160];
	uint32_t st, type;

	(void)now;
	if (l->role == SMPP_ROLE_TX || (l->state != SMPP_LINK_BOUND &&
	    l->state != SMPP_LINK_UNBINDING)) {
		deliver_resp(l, ESME_RINVBNDSTS, h->seq);
		return;
	}
	stk_diag_clear(&d);
	st = smpp_esme_decode_deliver(pdu, h, &sm, &rc, &d);
	if (st != ESME_ROK) {
		x->stats.mo_rejected++;
		log_warn("smpp[%s] deliver_sm seq %" PRIu32 " refused: %s (%s)",
		    lname(l), h->seq, smpp_status_name(st),
		    stk_diag_format(&d, dbuf, sizeof(dbuf)));
		deliver_resp(l, st, h->seq);
		return;
	}
	type = sm.esm_class & SMPP_ESM_TYPE_MASK;
	if (type == SMPP_ESM_TYPE_RECEIPT || type == 0x20) {
		deliver_resp(l, on_receipt(l, &sm, &rc), h->seq);
		return;
	}
	if (type != 0) {
		/* SME acknowledgements (0x08, 0x10, §5.2.12): nothing the
		 * core asked for. */
		log_info("smpp[%s] deliver_sm seq %" PRIu32 " of message type "
		    "0x%02" PRIx32 ": acknowledged and dropped", lname(l),
		    h->seq, type);
		deliver_resp(l, ESME_ROK, h->seq);
		return;
	}
	stk_buf_init_fixed(&tpdu, mem, sizeof(mem));
	stk_diag_clear(&d);
	st = smpp_map_deliver(&sm, wall_now(), &tpdu, &d);
	if (st != ESME_ROK) {
		x->stats.mo_rejected++;
		log_warn("smpp[%s] deliver_sm seq %" PRIu32 " from %s not "
		    "mapped: %s (%s)", lname(l), h->seq, sm.src,
		    smpp_status_name(st), stk_diag_format(&d, dbuf,
		    sizeof(dbuf)));
		deliver_resp(l, st, h->seq);
		return;
	}
	log_debug("smpp[%s] < deliver_sm seq %" PRIu32 " from %s pid 0x%02x "
	    "dcs 0x%02x %zu octets", lname(l), h->seq, sm.src, sm.protocol_id,
	    sm.data_coding, sm.len);
	st = to_core(l, &tpdu);
	if (st == ESME_ROK)
		x->stats.mo_acked++;
	else
		x->stats.mo_retry++;
	deliver_resp(l, st, h->seq);
}

static void
on_enquire(struct smpp_link *l, const struct smpp_hdr *h, const uint8_t *pdu,
    int64_t now)
{
	(void)pdu;
	(void)now;
	answer(l, ENQUIRE_LINK_RESP, ESME_ROK, h->seq);
}

static void
on_unbind(struct smpp_link *l, const struct smpp_hdr *h, const uint8_t *pdu,
    int64_t now)
{
	(void)pdu;
	(void)now;
	answer(l, UNBIND_RESP, ESME_ROK, h->seq);
	log_info("smpp[%s/%s] the SMSC unbinds", lname(l),
	    role_names[l->role]);
	link_close(l, "the SMSC unbound");
}

static void
on_alert(struct smpp_link *l, const struct smpp_hdr *h, const uint8_t *pdu,
    int64_t now)
{
	(void)h;
	(void)pdu;
	(void)now;
	/* §4.12: alert_notification has no response. */
	log_info("smpp[%s] alert_notification ignored", lname(l));
}

typedef void (*pdu_fn)(struct smpp_link *, const struct smpp_hdr *,
    const uint8_t *, int64_t);

/* Every PDU an SMSC may send us (§4), and whether its body is empty. */
static const struct {
	uint32_t command_id;
	bool empty_body;
	pdu_fn fn;
} pdu_table[] = {
	{ BIND_TRANSCEIVER_RESP, false, on_bind_resp },
	{ BIND_TRANSMITTER_RESP, false, on_bind_resp },
	{ BIND_RECEIVER_RESP, false, on_bind_resp },
	{ SUBMIT_SM_RESP, false, on_submit_resp },
	{ ENQUIRE_LINK_RESP, true, on_enquire_resp },
	{ UNBIND_RESP, true, on_unbind_resp },
	{ GENERIC_NACK, true, on_generic_nack },
	{ DELIVER_SM, false, on_deliver },
	{ ENQUIRE_LINK, true, on_enquire },
	{ UNBIND, true, on_unbind },
	{ ALERT_NOTIFICATION, false, on_alert },
};

static void
handle(struct smpp_link *l, const struct smpp_hdr *h, const uint8_t *pdu,
    int64_t now)
{
	struct stk_diag d;

	l->last_rx_ms = now;
	for (size_t i = 0; i < NELEM(pdu_table); i++) {
		if (pdu_table[i].command_id != h->id)
			continue;
		stk_diag_clear(&d);
		if (pdu_table[i].empty_body &&
		    smpp_empty_body_check(h, &d) != ESME_ROK) {
			log_warn("smpp[%s] %s seq %" PRIu32 " with a body",
			    lname(l), smpp_cmd_name(h->id), h->seq);
			if (!(h->id & SMPP_RESP_BIT)) {
				answer(l, GENERIC_NACK, ESME_RINVCMDLEN,
				    h->seq);
				return;
			}
		}
		pdu_table[i].fn(l, h, pdu, now);
		return;
	}
	l->ctx->stats.unknown_pdu++;
	log_info("smpp[%s] %s (0x%08" PRIx32 ") seq %" PRIu32 " not handled",
	    lname(l), smpp_cmd_name(h->id), h->id, h->seq);
	/* §3.3: an unknown or unexpected request gets generic_nack;
	 * stray responses are only logged. */
	if (!(h->id & SMPP_RESP_BIT))
		answer(l, GENERIC_NACK, ESME_RINVCMDID, h->seq);
}

void
smpp_link_input(struct smpp_link *l, const uint8_t *p, size_t avail,
    int64_t now, size_t *used)
{
	*used = 0;
	while (l->state == SMPP_LINK_BINDING || l->state == SMPP_LINK_BOUND ||
	    l->state == SMPP_LINK_UNBINDING) {
		size_t max = l->state == SMPP_LINK_BINDING ?
		    SMPP_MAX_PDU_UNBOUND : SMPP_MAX_PDU_BOUND;
		struct smpp_hdr h;
		struct stk_diag d;
		char dbuf[160];
		int r;

		stk_diag_clear(&d);
		r = smpp_frame(p + *used, avail - *used, max, &h, &d);
		if (r == 0)
			break;
		if (r < 0) {
			/* The stream cannot be resynchronised (§3.2). */
			l->ctx->stats.bad_framing++;
			log_error("smpp[%s/%s] bad framing from the SMSC: %s "
			    "(cap %zu octets); closing", lname(l),
			    role_names[l->role], stk_diag_format(&d, dbuf,
			    sizeof(dbuf)), max);
			answer(l, GENERIC_NACK, ESME_RINVCMDLEN, 0);
			link_close(l, "bad framing");
			*used = avail;
			break;
		}
		handle(l, &h, p + *used, now);
		*used += h.len;
	}
}

void
smpp_link_tick(struct smpp_link *l, int64_t now)
{
	struct smpp_ctx *x = l->ctx;
	unsigned n = l->role == SMPP_ROLE_RX ? 0 : x->conf->window;

	if (l->state != SMPP_LINK_BINDING && l->state != SMPP_LINK_BOUND &&
	    l->state != SMPP_LINK_UNBINDING)
		return;
	if (l->ctl_cmd != 0 && now >= l->ctl_deadline_ms) {
		log_warn("smpp[%s/%s] no %s_resp in time; closing", lname(l),
		    role_names[l->role], smpp_cmd_name(l->ctl_cmd));
		if (l->ctl_cmd == ENQUIRE_LINK)
			x->stats.enquire_timeout++;
		link_close(l, l->ctl_cmd == ENQUIRE_LINK ?
		    "enquire_link timeout" : l->ctl_cmd == UNBIND ?
		    "unbind timeout" : "bind timeout");
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		struct smpp_slot *s = &l->slots[i];
		uint64_t id = s->id;

		if (!s->used || now < s->deadline_ms)
			continue;
		s->used = false;
		l->used--;
		x->stats.submit_timeout++;
		x->stats.submit_temp++;
		log_warn("smpp[%s] no submit_sm_resp for seq %" PRIu32
		    " (message %" PRIu64 ") within %ums", lname(l), s->seq, id,
		    x->conf->response_timeout_ms);
		x->ev->failed(x->core, id, TRANSPORT_FAIL_TEMPORARY,
		    "timeout: no submit_sm_resp");
		if (l->state != SMPP_LINK_BOUND &&
		    l->state != SMPP_LINK_UNBINDING)
			return;		/* the core reacted by closing */
	}
	if (l->state == SMPP_LINK_BOUND && l->ctl_cmd == 0 &&
	    x->conf->enquire_link_ms > 0 &&
	    now - l->last_rx_ms >= (int64_t)x->conf->enquire_link_ms) {
		x->stats.enquire_sent++;
		ctl_send(l, ENQUIRE_LINK, now);
	}
}
