/*
 * smpp.c - the SMPP 3.4 SMSC of stkauth-netsim: listener, sessions,
 * binds, submit_sm into the network, deliver_sm out of it (mobile
 * originated messages and delivery receipts), windowing, throughput
 * limits, timers and the SMSC faults.
 *
 * One ESME configuration ([esme NAME]) is one network entity ("esme:NAME")
 * that owns the configured addresses; it is up while at least one of its
 * sessions is bound as receiver or transceiver.  Each TCP connection is a
 * session.  Contracts:
 *   - every command_length is capped before the PDU is buffered, tighter
 *     before the bind (smpp_pdu.h); garbage framing gets generic_nack
 *     ESME_RINVCMDLEN and the connection is closed;
 *   - a session never has more than `window` submit_sm in the network
 *     and `window` deliver_sm unanswered; excess submit_sm, and submit_sm
 *     above the ESME's throughput_per_second, are answered ESME_RTHROTTLED;
 *   - a failure closes only its own connection.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <libsmpp34/smpp34.h>

#include "log.h"
#include "netsim.h"
#include "smpp.h"

#define RECEIPT_SLOTS 4096		/* receipts remembered per ESME */
#define MT_QUEUE_MAX 10000		/* deliveries waiting for a window */
#define OUTPUT_MAX (1u << 20)		/* a peer that stops reading */
#define TICK_MS 250

enum sess_state {
	SS_OPEN = 0,			/* connected, not bound */
	SS_TX,
	SS_RX,
	SS_TRX,
	SS_CLOSING,			/* unbound: flushing, then closed */
};
#define ST(s) (1u << (s))
#define ST_BOUND (ST(SS_TX) | ST(SS_RX) | ST(SS_TRX))
#define ST_ANY (ST(SS_OPEN) | ST_BOUND)

static const char *const state_names[] = {
	"open", "bound_tx", "bound_rx", "bound_trx", "closing",
};

struct smsc;
struct esme_rt;
struct smpp_session;

/* A request we sent (deliver_sm, enquire_link), awaiting its response. */
struct out_req {
	uint32_t seq;
	uint32_t command_id;
	struct ns_delivery *d;		/* deliver_sm */
	int64_t deadline_ms;
	struct out_req *next;
};

/* A submit_sm in the network, waiting for its ns_submit() result. */
struct pending_submit {
	struct smsc *smsc;
	struct esme_rt *esme;
	struct smpp_session *s;		/* NULL once the session is gone */
	uint32_t seq;
	uint8_t regdel;
	char snippet[21];
	struct pending_submit *prev, *next;
};

/* A response held back by the delay fault. */
struct delayed {
	struct smpp_session *s;
	struct event *ev;
	uint8_t *data;
	size_t len;
	struct delayed *prev, *next;
};

struct receipt_rec {
	uint64_t msg_id;		/* 0: free slot */
	uint8_t regdel;
	char snippet[21];
};

struct mt_queued {
	struct ns_delivery *d;
	struct mt_queued *next;
};

struct esme_rt {
	struct smsc *smsc;
	const struct smpp_esme_cfg *cfg;
	struct ns_entity *ent;
	unsigned nbinds, nreceivers;
	unsigned window, throughput;
	double tokens;
	int64_t tokens_ms;
	struct mt_queued *qhead, *qtail;
	size_t qlen;
	struct receipt_rec receipts[RECEIPT_SLOTS];
};

struct smpp_session {
	struct smsc *smsc;
	unsigned id;
	struct bufferevent *bev;
	char peer[64];
	enum sess_state state;
	struct esme_rt *esme;
	uint32_t next_seq;
	unsigned in_submits;		/* submit_sm in the network */
	unsigned out_count;		/* deliver_sm unanswered */
	struct out_req *out;
	int64_t connected_ms, last_rx_ms;
	bool enquire_pending;
	bool in_cb, dead;
	const char *close_why;		/* SS_CLOSING: logged at the close */
	struct event *tick;
	struct delayed *delayed;
	struct smpp_session *prev, *next;
};

struct smsc {
	struct netsim *ns;
	struct event_base *base;
	struct smpp_cfg *cfg;
	struct evconnlistener *lis;
	struct esme_rt *esmes;
	size_t nesmes;
	struct smpp_session *sessions;
	unsigned nsessions, next_id;
	struct pending_submit *submits;
	struct smpp_faults faults;
	size_t rr;			/* round robin over receivers */
};

static void session_free(struct smpp_session *s);
static void session_close(struct smpp_session *s, const char *why);
static void pump(struct esme_rt *e);

/* ---- small helpers ---- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The label sets of netsim_smpp_pdus_total for the busy commands, built
 * once instead of per PDU. */
static const struct {
	uint32_t id;
	const char *in, *out;
} pdu_labels[] = {
#define PDU_LABELS(id, name) { id, "dir=\"in\",command=\"" name "\"", \
	"dir=\"out\",command=\"" name "\"" }
	PDU_LABELS(SUBMIT_SM, "submit_sm"),
	PDU_LABELS(SUBMIT_SM_RESP, "submit_sm_resp"),
	PDU_LABELS(DELIVER_SM, "deliver_sm"),
	PDU_LABELS(DELIVER_SM_RESP, "deliver_sm_resp"),
#undef PDU_LABELS
};

static void
metric_pdu(struct smsc *c, const char *dir, uint32_t id)
{
	char labels[96];

	for (size_t i = 0; i < sizeof(pdu_labels) / sizeof(pdu_labels[0]);
	    i++) {
		if (pdu_labels[i].id == id) {
			ns_metric_add(c->ns, "netsim_smpp_pdus_total",
			    dir[0] == 'i' ? pdu_labels[i].in :
			    pdu_labels[i].out, 1);
			return;
		}
	}
	snprintf(labels, sizeof(labels), "dir=\"%s\",command=\"%s\"", dir,
	    smpp_cmd_name(id));
	ns_metric_add(c->ns, "netsim_smpp_pdus_total", labels, 1);
}

static void
metric_esme(struct smsc *c, const char *name, const struct esme_rt *e,
    const char *what, uint32_t status)
{
	char labels[160];

	snprintf(labels, sizeof(labels), "esme=\"%s\",%s=\"%s\"",
	    e != NULL ? e->cfg->name : "", what, smpp_status_name(status));
	ns_metric_add(c->ns, name, labels, 1);
}

static void
metric_fault(struct smsc *c, const char *fault)
{
	char labels[64];

	snprintf(labels, sizeof(labels), "fault=\"%s\"", fault);
	ns_metric_add(c->ns, "netsim_smpp_faults_total", labels, 1);
}

static uint32_t
session_seq(struct smpp_session *s)
{
	/* §5.1.4: 0x00000001 .. 0x7FFFFFFF, then wrap. */
	uint32_t seq = s->next_seq;

	s->next_seq = seq >= 0x7fffffffu ? 1 : seq + 1;
	return seq;
}

/* ---- output ---- */

static void
delayed_free(struct delayed *dl)
{
	struct smpp_session *s = dl->s;

	if (dl->prev != NULL)
		dl->prev->next = dl->next;
	else
		s->delayed = dl->next;
	if (dl->next != NULL)
		dl->next->prev = dl->prev;
	event_free(dl->ev);
	free(dl->data);
	free(dl);
}

static void
delayed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct delayed *dl = arg;
	struct smpp_session *s = dl->s;

	(void)fd;
	(void)what;
	if (!s->dead)
		bufferevent_write(s->bev, dl->data, dl->len);
	delayed_free(dl);
	if (s->state == SS_CLOSING && s->delayed == NULL &&
	    evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
		session_close(s, s->close_why);
}

/* Queue a PDU; responses wait delay_ms when that fault is set. */
static void
send_pdu(struct smpp_session *s, struct stk_buf *b, bool response)
{
	struct smsc *c = s->smsc;
	struct stk_cur cur;
	uint32_t len, id = 0;

	if (!stk_buf_ok(b) || s->dead)
		return;
	stk_cur_init(&cur, stk_buf_data(b), stk_buf_len(b));
	if (stk_cur_u32(&cur, &len) && stk_cur_u32(&cur, &id))
		metric_pdu(c, "out", id);
	log_debug("smpp[%u] > %s (%zu octets)", s->id, smpp_cmd_name(id),
	    stk_buf_len(b));
	if (response && c->faults.delay_ms > 0) {
		struct delayed *dl = calloc(1, sizeof(*dl));
		struct timeval tv = {
			.tv_sec = c->faults.delay_ms / 1000,
			.tv_usec = (c->faults.delay_ms % 1000) * 1000,
		};

		if (dl == NULL)
			return;
		dl->s = s;
		dl->len = stk_buf_len(b);
		dl->data = stk_buf_detach(b, &dl->len);
		dl->ev = evtimer_new(c->base, delayed_cb, dl);
		if (dl->data == NULL || dl->ev == NULL) {
			if (dl->ev != NULL)
				event_free(dl->ev);
			free(dl->data);
			free(dl);
			return;
		}
		dl->next = s->delayed;
		if (s->delayed != NULL)
			s->delayed->prev = dl;
		s->delayed = dl;
		evtimer_add(dl->ev, &tv);
		metric_fault(c, "delay");
		return;
	}
	bufferevent_write(s->bev, stk_buf_data(b), stk_buf_len(b));
}

static void
send_header_only(struct smpp_session *s, uint32_t id, uint32_t status,
    uint32_t seq)
{
	struct stk_buf b;

	stk_buf_init(&b);
	if (smpp_pack_header_only(&b, id, status, seq) == STK_OK)
		send_pdu(s, &b, true);
	stk_buf_free(&b);
}

/* ---- session life ---- */

/* Close now (drop).  Inside the read callback the free waits for it. */
static void
session_close(struct smpp_session *s, const char *why)
{
	if (s->dead)
		return;
	log_info("smpp[%u] %s: closing (%s)", s->id, s->peer, why);
	s->dead = true;
	bufferevent_disable(s->bev, EV_READ | EV_WRITE);
	if (!s->in_cb)
		session_free(s);
}

/* Close once everything queued has been written (why is logged then). */
static void
session_finish(struct smpp_session *s, const char *why)
{
	s->state = SS_CLOSING;
	s->close_why = why;
	if (s->delayed == NULL &&
	    evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
		session_close(s, why);
}

static void
receivers_changed(struct esme_rt *e)
{
	bool up = e->nreceivers > 0;

	if (up != ns_entity_is_up(e->ent))
		ns_entity_set_up(e->ent, up);
	if (!up) {
		/* Nobody to deliver to: back to the network's store. */
		while (e->qhead != NULL) {
			struct mt_queued *q = e->qhead;

			e->qhead = q->next;
			ns_delivery_done(q->d, NS_RP_DEST_OUT_OF_ORDER, NULL, 0);
			free(q);
		}
		e->qtail = NULL;
		e->qlen = 0;
	}
}

static void
queue_front(struct esme_rt *e, struct ns_delivery *d)
{
	struct mt_queued *q = calloc(1, sizeof(*q));

	if (q == NULL) {
		ns_delivery_done(d, NS_RP_RESOURCES_UNAVAILABLE, NULL, 0);
		return;
	}
	q->d = d;
	q->next = e->qhead;
	e->qhead = q;
	if (e->qtail == NULL)
		e->qtail = q;
	e->qlen++;
}

static void
session_unbind_accounting(struct smpp_session *s)
{
	struct esme_rt *e = s->esme;
	enum sess_state st = s->state;

	if (e == NULL)
		return;
	e->nbinds--;
	if (st == SS_RX || st == SS_TRX)
		e->nreceivers--;
	s->esme = NULL;
}

static void
session_free(struct smpp_session *s)
{
	struct smsc *c = s->smsc;
	struct esme_rt *e = s->esme;
	struct pending_submit *ps;

	if (s->esme != NULL && s->state != SS_CLOSING)
		session_unbind_accounting(s);
	while (s->out != NULL) {
		struct out_req *o = s->out;

		s->out = o->next;
		if (o->d != NULL) {
			/* Unanswered deliver_sm: another bind takes it, or
			 * the network stores it again (temporary cause). */
			if (e != NULL && e->nreceivers > 0)
				queue_front(e, o->d);
			else
				ns_delivery_done(o->d, NS_RP_DEST_OUT_OF_ORDER,
				    NULL, 0);
		}
		free(o);
	}
	for (ps = c->submits; ps != NULL; ps = ps->next)
		if (ps->s == s)
			ps->s = NULL;
	while (s->delayed != NULL)
		delayed_free(s->delayed);
	if (s->tick != NULL)
		event_free(s->tick);
	bufferevent_free(s->bev);
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		c->sessions = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	c->nsessions--;
	ns_metric_set(c->ns, "netsim_smpp_sessions", "", c->nsessions);
	free(s);
	if (e != NULL) {
		receivers_changed(e);
		pump(e);
	}
}

/* ---- MT: deliver_sm ---- */

struct done_later {
	struct ns_delivery *d;
	int cause;
};

static void
done_later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct done_later *dl = arg;

	(void)fd;
	(void)what;
	ns_delivery_done(dl->d, dl->cause, NULL, 0);
	free(dl);
}

/* Complete d from the loop, never from inside the network's call. */
static void
done_later(struct smsc *c, struct ns_delivery *d, int cause)
{
	struct done_later *dl = calloc(1, sizeof(*dl));
	struct timeval tv = { 0, 0 };

	if (dl == NULL) {
		ns_delivery_done(d, cause, NULL, 0);
		return;
	}
	dl->d = d;
	dl->cause = cause;
	if (event_base_once(c->base, -1, EV_TIMEOUT, done_later_cb, dl,
	    &tv) != 0) {
		free(dl);
		ns_delivery_done(d, cause, NULL, 0);
	}
}

static struct receipt_rec *
receipt_slot(struct esme_rt *e, uint64_t msg_id)
{
	return &e->receipts[msg_id % RECEIPT_SLOTS];
}

/*
 * Build the deliver_sm for d into b.  Returns 0, 1 when nothing is to be
 * sent (a success receipt the ESME asked not to get), or an RP cause.
 */
static int
build_deliver(struct smpp_session *s, struct ns_delivery *d, uint32_t seq,
    struct stk_buf *b)
{
	struct esme_rt *e = s->esme;
	struct smpp_sm sm;
	struct smpp_receipt rc;
	struct receipt_rec *rec;
	uint8_t regdel = SMPP_REGDLV_RECEIPT_ANY;

	if (d->kind == NS_DLV_SM) {
		if (smpp_sm_from_deliver(&d->tpdu, &d->oa, &d->da, &sm) !=
		    STK_OK)
			return NS_RP_INVALID_MANDATORY_INFO;
		return smpp_pack_deliver(b, seq, &sm, NULL) == STK_OK ? 0 :
		    NS_RP_INVALID_MANDATORY_INFO;
	}
	/* A status report for a message this ESME submitted: the receipt
	 * goes from the message's destination to its originator. */
	memset(&sm, 0, sizeof(sm));
	memset(&rc, 0, sizeof(rc));
	rec = receipt_slot(e, d->msg_id);
	if (rec->msg_id == d->msg_id) {
		regdel = rec->regdel;
		memcpy(rc.text, rec->snippet, sizeof(rc.text));
	}
	rc.stat = smpp_stat_for_st(d->st);
	if ((regdel & SMPP_REGDLV_RECEIPT_MASK) == SMPP_REGDLV_RECEIPT_FAIL &&
	    (strcmp(rc.stat, "DELIVRD") == 0 || strcmp(rc.stat, "ENROUTE") ==
	    0))
		return 1;
	if (smpp_addr_from_sms(&d->da, &sm.src_ton, &sm.src_npi, sm.src,
	    sizeof(sm.src)) != STK_OK ||
	    smpp_addr_from_sms(&d->oa, &sm.dst_ton, &sm.dst_npi, sm.dst,
	    sizeof(sm.dst)) != STK_OK)
		return NS_RP_INVALID_MANDATORY_INFO;
	snprintf(rc.id, sizeof(rc.id), "%" PRIu64, d->msg_id);
	rc.sub = 1;
	rc.dlvrd = strcmp(rc.stat, "DELIVRD") == 0 ? 1 : 0;
	rc.submit_date = stk_sms_time_to_unix(&d->tpdu.scts);
	rc.done_date = stk_sms_time_to_unix(&d->tpdu.dt);
	rc.tz_minutes = ns_tz_minutes(s->smsc->ns);
	rc.err = d->st;
	return smpp_pack_deliver(b, seq, &sm, &rc) == STK_OK ? 0 :
	    NS_RP_INVALID_MANDATORY_INFO;
}

static void
send_deliver(struct smpp_session *s, struct ns_delivery *d)
{
	struct smsc *c = s->smsc;
	struct out_req *o;
	struct stk_buf b;
	uint32_t seq = session_seq(s);
	int r;

	stk_buf_init(&b);
	r = build_deliver(s, d, seq, &b);
	if (r != 0) {
		if (r != 1)
			log_warn("smpp[%u] message %" PRIu64 " cannot be "
			    "carried by deliver_sm", s->id, d->msg_id);
		done_later(c, d, r == 1 ? 0 : r);
		goto out;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		done_later(c, d, NS_RP_RESOURCES_UNAVAILABLE);
		goto out;
	}
	log_debug("smpp[%u] deliver_sm seq %u: message %" PRIu64 " (%s)",
	    s->id, seq, d->msg_id, d->kind == NS_DLV_SM ? "mobile originated" :
	    "delivery receipt");
	o->seq = seq;
	o->command_id = DELIVER_SM;
	o->d = d;
	o->deadline_ms = now_ms() + c->cfg->response_timeout_s * 1000;
	o->next = s->out;
	s->out = o;
	s->out_count++;
	send_pdu(s, &b, false);
 out:
	stk_buf_free(&b);
}

/* A bound receiver of e with room in its window, round robin. */
static struct smpp_session *
pick_receiver(struct esme_rt *e)
{
	struct smsc *c = e->smsc;
	struct smpp_session *s, *first = NULL;
	size_t i = 0, start = c->rr;

	for (s = c->sessions; s != NULL; s = s->next, i++) {
		if (s->esme != e || s->dead ||
		    (s->state != SS_RX && s->state != SS_TRX) ||
		    s->out_count >= e->window)
			continue;
		if (i >= start) {
			c->rr = i + 1;
			return s;
		}
		if (first == NULL)
			first = s;
	}
	c->rr = 0;
	return first;
}

static void
pump(struct esme_rt *e)
{
	struct smpp_session *s;

	while (e->qhead != NULL && (s = pick_receiver(e)) != NULL) {
		struct mt_queued *q = e->qhead;

		e->qhead = q->next;
		if (e->qhead == NULL)
			e->qtail = NULL;
		e->qlen--;
		send_deliver(s, q->d);
		free(q);
	}
}

/* ns_entity_ops.deliver: the network hands over an MT message. */
static int
esme_deliver(struct ns_entity *ent, struct ns_delivery *d)
{
	struct esme_rt *e = ns_entity_ctx(ent);
	struct mt_queued *q;

	if (e->nreceivers == 0)
		return NS_RP_DEST_OUT_OF_ORDER;
	if (e->qlen >= MT_QUEUE_MAX)
		return NS_RP_MEMORY_EXCEEDED;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NS_RP_RESOURCES_UNAVAILABLE;
	q->d = d;
	if (e->qtail != NULL)
		e->qtail->next = q;
	else
		e->qhead = q;
	e->qtail = q;
	e->qlen++;
	pump(e);
	return 0;
}

static const struct ns_entity_ops esme_ops = {
	.deliver = esme_deliver,
};

/* deliver_sm_resp / generic_nack status -> TS 24.011 RP cause. */
static int
rp_cause_for_status(uint32_t status)
{
	switch (status) {
	case ESME_ROK:
		return 0;
	case ESME_RTHROTTLED:
	case ESME_RMSGQFUL:
		return NS_RP_CONGESTION;
	case ESME_RX_T_APPN:
	case ESME_RSYSERR:
		return NS_RP_TEMPORARY_FAILURE;
	default:
		return NS_RP_SM_TRANSFER_REJECTED;
	}
}

/* ---- MO: submit_sm ---- */

static uint32_t
status_for_rp_cause(int cause)
{
	switch (cause) {
	case 0:
		return ESME_ROK;
	case NS_RP_UNASSIGNED_NUMBER:
	case NS_RP_UNKNOWN_SUBSCRIBER:
	case NS_RP_UNIDENTIFIED_SUBSCRIBER:
		return ESME_RINVDSTADR;
	case NS_RP_CONGESTION:
	case NS_RP_RESOURCES_UNAVAILABLE:
	case NS_RP_MEMORY_EXCEEDED:
		return ESME_RMSGQFUL;
	case NS_RP_NETWORK_OUT_OF_ORDER:
	case NS_RP_TEMPORARY_FAILURE:
		return ESME_RSYSERR;
	default:
		return ESME_RSUBMITFAIL;
	}
}

static void
pending_unlink(struct pending_submit *ps)
{
	if (ps->prev != NULL)
		ps->prev->next = ps->next;
	else
		ps->smsc->submits = ps->next;
	if (ps->next != NULL)
		ps->next->prev = ps->prev;
}

static void
submit_cb(struct ns_entity *from, const struct ns_submit_result *r,
    void *arg)
{
	struct pending_submit *ps = arg;
	struct smpp_session *s = ps->s;
	uint32_t status = status_for_rp_cause(r->rp_cause);
	char id[24];

	(void)from;
	pending_unlink(ps);
	metric_esme(ps->smsc, "netsim_smpp_submit_total", ps->esme, "status",
	    status);
	if (status == ESME_ROK && (ps->regdel & SMPP_REGDLV_RECEIPT_MASK)) {
		struct receipt_rec *rec = receipt_slot(ps->esme, r->msg_id);

		rec->msg_id = r->msg_id;
		rec->regdel = ps->regdel;
		memcpy(rec->snippet, ps->snippet, sizeof(rec->snippet));
	}
	if (s != NULL) {
		struct stk_buf b;

		s->in_submits--;
		snprintf(id, sizeof(id), "%" PRIu64, r->msg_id);
		stk_buf_init(&b);
		if (smpp_pack_submit_resp(&b, status, ps->seq, id) == STK_OK)
			send_pdu(s, &b, true);
		stk_buf_free(&b);
	}
	free(ps);
}

/* Token bucket: throughput tokens per second, a burst of one second. */
static bool
rate_allows(struct esme_rt *e)
{
	int64_t now = now_ms();

	if (e->throughput == 0)
		return true;
	e->tokens += (double)(now - e->tokens_ms) * e->throughput / 1000.0;
	e->tokens_ms = now;
	if (e->tokens > e->throughput)
		e->tokens = e->throughput;
	if (e->tokens < 1.0)
		return false;
	e->tokens -= 1.0;
	return true;
}

static void
submit_resp(struct smpp_session *s, uint32_t status, uint32_t seq)
{
	struct stk_buf b;

	metric_esme(s->smsc, "netsim_smpp_submit_total", s->esme, "status",
	    status);
	stk_buf_init(&b);
	if (smpp_pack_submit_resp(&b, status, seq, NULL) == STK_OK)
		send_pdu(s, &b, true);
	stk_buf_free(&b);
}

static void
on_submit(struct smpp_session *s, const struct smpp_hdr *h,
    const uint8_t *pdu)
{
	struct smsc *c = s->smsc;
	struct esme_rt *e = s->esme;
	struct pending_submit *ps;
	struct stk_sms_addr oa;
	struct stk_diag diag;
	struct stk_tpdu *t = NULL;
	struct smpp_sm *sm = NULL;
	char dbuf[160];
	uint32_t st;

	stk_diag_clear(&diag);
	if (s->in_submits >= e->window) {
		submit_resp(s, ESME_RTHROTTLED, h->seq);
		return;
	}
	if (c->faults.drop_pct > 0 && ns_rand_pct(c->ns) <
	    c->faults.drop_pct) {
		metric_fault(c, "drop");
		session_close(s, "fault: dropped connection");
		return;
	}
	if (c->faults.throttle_pct > 0 && ns_rand_pct(c->ns) <
	    c->faults.throttle_pct) {
		metric_fault(c, "throttle");
		submit_resp(s, ESME_RTHROTTLED, h->seq);
		return;
	}
	if (!rate_allows(e)) {
		submit_resp(s, ESME_RTHROTTLED, h->seq);
		return;
	}
	sm = malloc(sizeof(*sm));
	t = malloc(sizeof(*t));
	if (sm == NULL || t == NULL) {
		submit_resp(s, ESME_RSYSERR, h->seq);
		goto out;
	}
	st = smpp_submit_decode(pdu, h, sm, &diag);
	if (st == ESME_ROK && sm->src[0] == '\0') {
		/* A NULL source_addr takes the ESME's first own number. */
		size_t i;

		for (i = 0; i < e->cfg->naddrs; i++)
			if (!e->cfg->addr_prefix[i])
				break;
		if (i == e->cfg->naddrs ||
		    stk_sms_addr_from_text(e->cfg->addrs[i], &oa) != STK_OK) {
			stk_fail(&diag, STK_E_INVALID, "source_addr", 0);
			st = ESME_RINVSRCADR;
		}
	} else if (st == ESME_ROK && smpp_addr_to_sms(sm->src_ton,
	    sm->src_npi, sm->src, &oa) != STK_OK) {
		stk_fail(&diag, STK_E_INVALID, "source_addr", 0);
		st = ESME_RINVSRCADR;
	}
	if (st == ESME_ROK)
		st = smpp_sm_to_submit(sm, ns_now(c->ns), t, &diag);
	if (st != ESME_ROK) {
		log_info("smpp[%u] submit_sm seq %u refused: %s (%s)", s->id,
		    h->seq, smpp_status_name(st),
		    stk_diag_format(&diag, dbuf, sizeof(dbuf)));
		if (smpp_status_is_nack(st)) {
			metric_esme(c, "netsim_smpp_submit_total", e, "status",
			    st);
			send_header_only(s, GENERIC_NACK, st, h->seq);
		} else {
			submit_resp(s, st, h->seq);
		}
		goto out;
	}
	log_debug("smpp[%u] submit_sm seq %u: %s (TON %u) -> %s (TON %u), "
	    "esm_class 0x%02X, protocol_id 0x%02X, data_coding 0x%02X, "
	    "registered_delivery 0x%02X, %zu octets%s", s->id, h->seq,
	    sm->src, sm->src_ton, sm->dst, sm->dst_ton, sm->esm_class,
	    sm->protocol_id, sm->data_coding, sm->registered_delivery,
	    sm->len, sm->from_payload ? " in message_payload" : "");
	if ((ps = calloc(1, sizeof(*ps))) == NULL) {
		submit_resp(s, ESME_RSYSERR, h->seq);
		goto out;
	}
	ps->smsc = c;
	ps->esme = e;
	ps->s = s;
	ps->seq = h->seq;
	ps->regdel = sm->registered_delivery;
	smpp_receipt_snippet(sm, ps->snippet);
	if (ns_submit(e->ent, &oa, t, submit_cb, ps) != 0) {
		free(ps);
		submit_resp(s, ESME_RSYSERR, h->seq);
		goto out;
	}
	ps->next = c->submits;
	if (c->submits != NULL)
		c->submits->prev = ps;
	c->submits = ps;
	s->in_submits++;
 out:
	free(sm);
	free(t);
}

/* ---- binds ---- */

static const struct {
	uint32_t command_id;
	unsigned kind;			/* SMPP_BIND_* */
	enum sess_state state;
} bind_kinds[] = {
	{ BIND_TRANSMITTER, SMPP_BIND_TX, SS_TX },
	{ BIND_RECEIVER, SMPP_BIND_RX, SS_RX },
	{ BIND_TRANSCEIVER, SMPP_BIND_TRX, SS_TRX },
};

static struct esme_rt *
esme_by_system_id(struct smsc *c, const char *system_id)
{
	for (size_t i = 0; i < c->nesmes; i++)
		if (strcmp(c->esmes[i].cfg->system_id, system_id) == 0)
			return &c->esmes[i];
	return NULL;
}

static void
on_bind(struct smpp_session *s, const struct smpp_hdr *h,
    const uint8_t *pdu)
{
	struct smsc *c = s->smsc;
	uint32_t resp_id = h->id | SMPP_RESP_BIT, st;
	struct esme_rt *e = NULL;
	struct smpp_bind b;
	struct stk_diag diag;
	struct stk_buf out;
	char pw_cfg[SMPP_PASSWORD_MAX], dbuf[160];
	size_t k;

	stk_diag_clear(&diag);
	for (k = 0; bind_kinds[k].command_id != h->id; k++)
		;
	st = smpp_bind_decode(pdu, h, &b, &diag);
	if (st != ESME_ROK) {
		log_info("smpp[%u] malformed %s: %s", s->id,
		    smpp_cmd_name(h->id), stk_diag_format(&diag, dbuf,
		    sizeof(dbuf)));
		send_header_only(s, GENERIC_NACK, st, h->seq);
		session_finish(s, "malformed bind");
		return;
	}
	if (c->faults.bind_refuse_pct > 0 && ns_rand_pct(c->ns) <
	    c->faults.bind_refuse_pct) {
		metric_fault(c, "bind_refuse");
		st = ESME_RBINDFAIL;
	} else if ((e = esme_by_system_id(c, b.system_id)) == NULL) {
		st = ESME_RINVSYSID;
	} else {
		/* Compare all 9 octets in constant time. */
		memset(pw_cfg, 0, sizeof(pw_cfg));
		memcpy(pw_cfg, e->cfg->password, strlen(e->cfg->password));
		if (!stk_ct_equal(pw_cfg, b.password, sizeof(pw_cfg)))
			st = ESME_RINVPASWD;
		else if (!(e->cfg->binds & bind_kinds[k].kind) ||
		    e->nbinds >= e->cfg->max_binds)
			st = ESME_RBINDFAIL;
		memset(pw_cfg, 0, sizeof(pw_cfg));
	}
	memset(b.password, 0, sizeof(b.password));
	metric_esme(c, "netsim_smpp_binds_total", st == ESME_RINVSYSID ?
	    NULL : e, "status", st);
	stk_buf_init(&out);
	if (smpp_pack_bind_resp(&out, resp_id, st, h->seq,
	    c->cfg->system_id) == STK_OK)
		send_pdu(s, &out, true);
	stk_buf_free(&out);
	if (st != ESME_ROK) {
		/* The system_id is logged, never the password. */
		log_info("smpp[%u] %s refused %s as \"%s\": %s", s->id, s->peer,
		    smpp_cmd_name(h->id), b.system_id, smpp_status_name(st));
		session_finish(s, "bind refused");
		return;
	}
	s->esme = e;
	s->state = bind_kinds[k].state;
	e->nbinds++;
	log_info("smpp[%u] %s bound as %s (%s)", s->id, s->peer,
	    e->cfg->name, state_names[s->state]);
	if (s->state == SS_RX || s->state == SS_TRX) {
		e->nreceivers++;
		receivers_changed(e);
		pump(e);
	}
}

/* ---- responses from the ESME ---- */

static struct out_req *
take_out(struct smpp_session *s, uint32_t seq)
{
	struct out_req **pp;

	for (pp = &s->out; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->seq == seq) {
			struct out_req *o = *pp;

			*pp = o->next;
			return o;
		}
	}
	return NULL;
}

static void
on_response(struct smpp_session *s, const struct smpp_hdr *h,
    const uint8_t *pdu)
{
	struct out_req *o;
	struct stk_diag diag;
	uint32_t status = h->status;
	char dbuf[160];

	stk_diag_clear(&diag);
	o = take_out(s, h->seq);
	if (o == NULL) {
		log_info("smpp[%u] %s seq %u answers nothing we sent; "
		    "ignored", s->id, smpp_cmd_name(h->id), h->seq);
		return;
	}
	if (h->id == DELIVER_SM_RESP && status == ESME_ROK &&
	    smpp_deliver_resp_decode(pdu, h, &diag) != ESME_ROK) {
		log_info("smpp[%u] malformed deliver_sm_resp: %s", s->id,
		    stk_diag_format(&diag, dbuf, sizeof(dbuf)));
		status = ESME_RSYSERR;
	}
	if (h->id != GENERIC_NACK && h->id != (o->command_id | SMPP_RESP_BIT)) {
		log_info("smpp[%u] %s seq %u answers a %s", s->id,
		    smpp_cmd_name(h->id), h->seq, smpp_cmd_name(o->command_id));
		status = ESME_RSYSERR;
	}
	if (o->command_id == ENQUIRE_LINK)
		s->enquire_pending = false;
	if (o->d != NULL) {
		s->out_count--;
		if (status != ESME_ROK)
			log_info("smpp[%u] deliver_sm seq %u refused: %s",
			    s->id, h->seq, smpp_status_name(status));
		ns_delivery_done(o->d, rp_cause_for_status(status), NULL, 0);
	}
	free(o);
	if (s->esme != NULL)
		pump(s->esme);
}

/* ---- dispatch ---- */

static void
on_enquire_link(struct smpp_session *s, const struct smpp_hdr *h,
    const uint8_t *pdu)
{
	(void)pdu;
	send_header_only(s, ENQUIRE_LINK_RESP, ESME_ROK, h->seq);
}

static void
on_unbind(struct smpp_session *s, const struct smpp_hdr *h,
    const uint8_t *pdu)
{
	struct esme_rt *e = s->esme;

	(void)pdu;
	send_header_only(s, UNBIND_RESP, ESME_ROK, h->seq);
	log_info("smpp[%u] unbind", s->id);
	session_unbind_accounting(s);
	session_finish(s, "unbound");
	if (e != NULL) {
		receivers_changed(e);
		pump(e);
	}
}

/* Requests an ESME may send, the states that allow them (§2.3), and the
 * body check: bodies of header-only PDUs must be empty. */
static const struct smpp_handler {
	uint32_t command_id;
	unsigned states;
	bool empty_body;
	void (*fn)(struct smpp_session *, const struct smpp_hdr *,
	    const uint8_t *);
	uint32_t wrong_state;		/* status when the state forbids it */
} handlers[] = {
	{ BIND_TRANSMITTER, ST(SS_OPEN), false, on_bind, ESME_RALYBND },
	{ BIND_RECEIVER, ST(SS_OPEN), false, on_bind, ESME_RALYBND },
	{ BIND_TRANSCEIVER, ST(SS_OPEN), false, on_bind, ESME_RALYBND },
	{ SUBMIT_SM, ST(SS_TX) | ST(SS_TRX), false, on_submit,
	    ESME_RINVBNDSTS },
	{ ENQUIRE_LINK, ST_ANY, true, on_enquire_link, ESME_RINVBNDSTS },
	{ UNBIND, ST_BOUND, true, on_unbind, ESME_RINVBNDSTS },
};

static void
handle_pdu(struct smpp_session *s, const struct smpp_hdr *h,
    const uint8_t *pdu)
{
	const struct smpp_handler *hd = NULL;
	struct stk_diag diag;

	metric_pdu(s->smsc, "in", h->id);
	log_debug("smpp[%u] < %s seq %u (%u octets)", s->id,
	    smpp_cmd_name(h->id), h->seq, h->len);
	s->last_rx_ms = now_ms();
	if (s->state == SS_CLOSING)
		return;
	if (h->id & SMPP_RESP_BIT) {
		stk_diag_clear(&diag);
		if (h->id != DELIVER_SM_RESP && h->id != GENERIC_NACK &&
		    smpp_empty_body_check(h, &diag) != ESME_ROK)
			log_info("smpp[%u] %s with a body; taken as is", s->id,
			    smpp_cmd_name(h->id));
		on_response(s, h, pdu);
		return;
	}
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].command_id == h->id)
			hd = &handlers[i];
	if (hd == NULL) {
		/* Unknown ids, and those this SMSC does not offer
		 * (submit_multi, data_sm, query_sm, ...). */
		log_info("smpp[%u] %s (0x%08x): ESME_RINVCMDID", s->id,
		    smpp_cmd_name(h->id), h->id);
		send_header_only(s, GENERIC_NACK, ESME_RINVCMDID, h->seq);
		return;
	}
	stk_diag_clear(&diag);
	if (hd->empty_body && smpp_empty_body_check(h, &diag) != ESME_ROK) {
		send_header_only(s, GENERIC_NACK, ESME_RINVCMDLEN, h->seq);
		return;
	}
	if (!(hd->states & ST(s->state))) {
		send_header_only(s, h->id | SMPP_RESP_BIT, hd->wrong_state,
		    h->seq);
		return;
	}
	hd->fn(s, h, pdu);
}

static void
sess_read(struct bufferevent *bev, void *arg)
{
	struct smpp_session *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	s->in_cb = true;
	while (!s->dead) {
		size_t avail = evbuffer_get_length(in);
		size_t max = s->state == SS_OPEN ? SMPP_MAX_PDU_UNBOUND :
		    SMPP_MAX_PDU_BOUND;
		struct smpp_hdr h;
		struct stk_diag diag;
		const uint8_t *p;
		char dbuf[160];
		int r;

		if (s->state == SS_CLOSING) {
			evbuffer_drain(in, avail);
			break;
		}
		if (avail < 4)
			break;
		stk_diag_clear(&diag);
		memset(&h, 0, sizeof(h));
		p = evbuffer_pullup(in, avail < SMPP_HEADER_LEN ? 4 :
		    SMPP_HEADER_LEN);
		r = smpp_frame(p, avail < SMPP_HEADER_LEN ? 4 :
		    SMPP_HEADER_LEN, max, &h, &diag);
		if (r < 0) {
			uint32_t seq = 0;
			struct stk_cur c;

			/* The stream cannot be resynchronised (§3.3.1
			 * generic_nack, then we close). */
			stk_cur_init(&c, p, avail < SMPP_HEADER_LEN ? 4 :
			    SMPP_HEADER_LEN);
			if (stk_cur_skip(&c, 12))
				stk_cur_u32(&c, &seq);
			log_warn("smpp[%u] %s: bad framing: %s", s->id,
			    s->peer, stk_diag_format(&diag, dbuf,
			    sizeof(dbuf)));
			metric_pdu(s->smsc, "in", 0);
			send_header_only(s, GENERIC_NACK, ESME_RINVCMDLEN, seq);
			s->state = SS_CLOSING;
			if (s->esme != NULL) {
				struct esme_rt *e = s->esme;

				session_unbind_accounting(s);
				receivers_changed(e);
			}
			evbuffer_drain(in, avail);
			session_finish(s, "bad framing");
			break;
		}
		if (avail < h.len)
			break;
		p = evbuffer_pullup(in, h.len);
		if (p == NULL || smpp_frame(p, h.len, max, &h, &diag) != 1)
			break;
		handle_pdu(s, &h, p);
		if (!s->dead)
			evbuffer_drain(in, h.len);
	}
	s->in_cb = false;
	if (s->dead)
		session_free(s);
	else if (evbuffer_get_length(bufferevent_get_output(bev)) >
	    OUTPUT_MAX)
		session_close(s, "peer does not read its responses");
}

static void
sess_write(struct bufferevent *bev, void *arg)
{
	struct smpp_session *s = arg;

	(void)bev;
	if (s->state == SS_CLOSING && s->delayed == NULL)
		session_close(s, s->close_why);
}

static void
sess_event(struct bufferevent *bev, short what, void *arg)
{
	struct smpp_session *s = arg;

	(void)bev;
	if (what & BEV_EVENT_EOF)
		session_close(s, "peer closed the connection");
	else if (what & BEV_EVENT_ERROR)
		session_close(s, evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
}

static void
sess_tick(evutil_socket_t fd, short what, void *arg)
{
	struct smpp_session *s = arg;
	const struct smpp_cfg *cfg = s->smsc->cfg;
	int64_t now = now_ms();
	struct out_req *o;

	(void)fd;
	(void)what;
	if (s->state == SS_OPEN &&
	    now - s->connected_ms > (int64_t)cfg->bind_timeout_s * 1000) {
		session_close(s, "no bind in time");
		return;
	}
	for (o = s->out; o != NULL; o = o->next) {
		if (now > o->deadline_ms) {
			log_warn("smpp[%u] no %s_resp for seq %u within %us",
			    s->id, smpp_cmd_name(o->command_id), o->seq,
			    cfg->response_timeout_s);
			session_close(s, "response timeout");
			return;
		}
	}
	if ((ST(s->state) & ST_BOUND) && cfg->enquire_link_s > 0 &&
	    !s->enquire_pending &&
	    now - s->last_rx_ms > (int64_t)cfg->enquire_link_s * 1000) {
		struct stk_buf b;

		if ((o = calloc(1, sizeof(*o))) == NULL)
			return;
		o->seq = session_seq(s);
		o->command_id = ENQUIRE_LINK;
		o->deadline_ms = now + cfg->response_timeout_s * 1000;
		o->next = s->out;
		s->out = o;
		s->enquire_pending = true;
		stk_buf_init(&b);
		if (smpp_pack_header_only(&b, ENQUIRE_LINK, 0, o->seq) ==
		    STK_OK)
			send_pdu(s, &b, false);
		stk_buf_free(&b);
	}
}

static void
on_accept(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct smsc *c = arg;
	struct smpp_session *s;
	struct timeval tick = { 0, TICK_MS * 1000 };
	char host[64] = "?";

	(void)lis;
	(void)salen;
	if (sa->sa_family == AF_INET)
		evutil_inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)sa)->
		    sin_addr, host, sizeof(host));
	else if (sa->sa_family == AF_INET6)
		evutil_inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)
		    sa)->sin6_addr, host, sizeof(host));
	if (c->nsessions >= c->cfg->max_sessions) {
		log_warn("smpp: %s refused: max_sessions (%u) reached", host,
		    c->cfg->max_sessions);
		evutil_closesocket(fd);
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	s->smsc = c;
	s->id = ++c->next_id;
	s->next_seq = 1;
	snprintf(s->peer, sizeof(s->peer), "%s", host);
	s->connected_ms = s->last_rx_ms = now_ms();
	s->bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
	s->tick = event_new(c->base, -1, EV_PERSIST, sess_tick, s);
	if (s->bev == NULL || s->tick == NULL) {
		if (s->bev != NULL)
			bufferevent_free(s->bev);
		else
			evutil_closesocket(fd);
		if (s->tick != NULL)
			event_free(s->tick);
		free(s);
		return;
	}
	evutil_make_socket_nonblocking(fd);
	ns_tcp_nodelay(fd);
	bufferevent_setcb(s->bev, sess_read, sess_write, sess_event, s);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	event_add(s->tick, &tick);
	s->next = c->sessions;
	if (c->sessions != NULL)
		c->sessions->prev = s;
	c->sessions = s;
	c->nsessions++;
	ns_metric_set(c->ns, "netsim_smpp_sessions", "", c->nsessions);
	log_info("smpp[%u] connection from %s", s->id, host);
}

/* ---- faults ---- */

static int
set_fault(void *ctx, const char *key, const char *value, char *err,
    size_t errsz)
{
	struct smsc *c = ctx;
	bool drop_all;
	int r;

	r = smpp_fault_parse(&c->faults, key, value, &drop_all, err, errsz);
	if (r != STK_OK)
		return r;
	log_info("smpp: fault %s = %s", key, value);
	if (drop_all) {
		struct smpp_session *s, *next;

		for (s = c->sessions; s != NULL; s = next) {
			next = s->next;
			metric_fault(c, "drop_all");
			session_close(s, "fault: drop_all");
		}
	}
	return STK_OK;
}

/* ---- module ---- */

static void smpp_stop(struct netsim *ns, void *cfg);

static int
smpp_start(struct netsim *ns, void *cfgp)
{
	struct smpp_cfg *cfg = cfgp;
	struct smsc *c;
	struct sockaddr_storage ss;
	int sslen = sizeof(ss);

	if (!cfg->enabled)
		return 0;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	cfg->rt = c;
	c->ns = ns;
	c->base = ns_base(ns);
	c->cfg = cfg;
	ns_metric_declare(ns, "netsim_smpp_pdus_total", "counter",
	    "SMPP PDUs by direction and command");
	ns_metric_declare(ns, "netsim_smpp_submit_total", "counter",
	    "submit_sm answers by ESME and command_status");
	ns_metric_declare(ns, "netsim_smpp_binds_total", "counter",
	    "bind answers by ESME and command_status");
	ns_metric_declare(ns, "netsim_smpp_faults_total", "counter",
	    "SMSC faults injected");
	ns_metric_declare(ns, "netsim_smpp_sessions", "gauge",
	    "open SMPP connections");
	ns_metric_set(ns, "netsim_smpp_sessions", "", 0);
	if (cfg->nesmes > 0 &&
	    (c->esmes = calloc(cfg->nesmes, sizeof(*c->esmes))) == NULL)
		goto fail;
	for (size_t i = 0; i < cfg->nesmes; i++) {
		struct esme_rt *e = &c->esmes[i];
		char name[SMPP_NAME_MAX + 8];

		e->smsc = c;
		e->cfg = &cfg->esmes[i];
		e->window = e->cfg->window ? e->cfg->window : cfg->window;
		e->throughput = e->cfg->has_throughput ? e->cfg->throughput :
		    cfg->throughput;
		e->tokens = e->throughput;
		e->tokens_ms = now_ms();
		snprintf(name, sizeof(name), "esme:%s", e->cfg->name);
		e->ent = ns_entity_new(ns, NS_ENT_SMPP, name, &esme_ops, e);
		if (e->ent == NULL) {
			log_error("smpp: cannot create entity %s", name);
			goto fail;
		}
		c->nesmes++;
		for (size_t j = 0; j < e->cfg->naddrs; j++) {
			if (ns_entity_own(e->ent, e->cfg->addrs[j],
			    e->cfg->addr_prefix[j]) != STK_OK) {
				log_error("smpp: [esme %s]: cannot own %s%s "
				    "(taken or malformed)", e->cfg->name,
				    e->cfg->addrs[j], e->cfg->addr_prefix[j] ?
				    "*" : "");
				goto fail;
			}
		}
	}
	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(cfg->listen, (struct sockaddr *)&ss,
	    &sslen) != 0) {
		log_error("smpp: listen %s: not an address", cfg->listen);
		goto fail;
	}
	c->lis = evconnlistener_new_bind(c->base, on_accept, c,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    16, (struct sockaddr *)&ss, sslen);
	if (c->lis == NULL) {
		log_error("smpp: listen %s: %s", cfg->listen,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		goto fail;
	}
	if (ns_fault_register(ns, "smsc.", set_fault, c) != 0) {
		log_error("smpp: cannot register the smsc. faults");
		goto fail;
	}
	{
		struct sockaddr_storage bound;
		socklen_t blen = sizeof(bound);
		char host[64] = "?";
		unsigned port = 0;

		if (getsockname(evconnlistener_get_fd(c->lis),
		    (struct sockaddr *)&bound, &blen) == 0 &&
		    bound.ss_family == AF_INET) {
			struct sockaddr_in *in = (void *)&bound;

			evutil_inet_ntop(AF_INET, &in->sin_addr, host,
			    sizeof(host));
			port = ntohs(in->sin_port);
		} else if (bound.ss_family == AF_INET6) {
			struct sockaddr_in6 *in6 = (void *)&bound;

			evutil_inet_ntop(AF_INET6, &in6->sin6_addr, host,
			    sizeof(host));
			port = ntohs(in6->sin6_port);
		}
		log_info("smpp: SMSC \"%s\" listening on %s:%u, %zu ESME(s), "
		    "window %u", cfg->system_id, host, port, c->nesmes,
		    cfg->window);
	}
	return 0;
 fail:
	smpp_stop(ns, cfg);
	return -1;
}

static void
smpp_stop(struct netsim *ns, void *cfgp)
{
	struct smpp_cfg *cfg = cfgp;
	struct smsc *c = cfg->rt;

	(void)ns;
	if (c == NULL)
		return;
	log_info("smpp: stopping (%u connections)", c->nsessions);
	if (c->lis != NULL)
		evconnlistener_free(c->lis);
	/* Entities first: in-flight deliveries go back to the network's
	 * store and pending submit callbacks are cancelled, so the sessions
	 * must not complete them any more. */
	for (size_t i = 0; i < c->nesmes; i++) {
		struct esme_rt *e = &c->esmes[i];

		while (e->qhead != NULL) {
			struct mt_queued *q = e->qhead;

			e->qhead = q->next;
			free(q);
		}
		e->qtail = NULL;
		e->nreceivers = 0;
		ns_entity_free(e->ent);
		e->ent = NULL;
	}
	while (c->sessions != NULL) {
		struct smpp_session *s = c->sessions;

		/* §4.2: the SMSC may unbind too; tell bound ESMEs we go,
		 * with what is still queued for them before it, as far as
		 * the socket takes it without blocking (the output buffer
		 * of a socket bufferevent cannot be drained from outside,
		 * so the octets are sent from a contiguous copy). */
		if ((ST(s->state) & ST_BOUND) && !s->dead) {
			struct evbuffer *ob = bufferevent_get_output(s->bev);
			struct stk_buf b;
			const uint8_t *p;

			stk_buf_init(&b);
			if (smpp_pack_header_only(&b, UNBIND, ESME_ROK,
			    session_seq(s)) == STK_OK)
				evbuffer_add(ob, stk_buf_data(&b),
				    stk_buf_len(&b));
			stk_buf_free(&b);
			if ((p = evbuffer_pullup(ob, -1)) != NULL &&
			    send(bufferevent_getfd(s->bev), p,
			    evbuffer_get_length(ob), MSG_DONTWAIT |
			    MSG_NOSIGNAL) < 0)
				log_info("smpp[%u] unbind on shutdown not sent",
				    s->id);
		}
		for (struct out_req *o = s->out; o != NULL; o = o->next)
			o->d = NULL;
		s->esme = NULL;
		s->dead = true;
		session_free(s);
	}
	while (c->submits != NULL) {
		struct pending_submit *ps = c->submits;

		c->submits = ps->next;
		free(ps);
	}
	free(c->esmes);
	free(c);
	cfg->rt = NULL;
}

static const char *const smpp_sections[] = { "smsc", "esme", NULL };

const struct ns_module ns_smpp_module = {
	.name = "smpp",
	.sections = smpp_sections,
	.config_new = smpp_config_new,
	.config_set = smpp_config_set,
	.config_check = smpp_config_check,
	.config_free = smpp_config_free,
	.start = smpp_start,
	.stop = smpp_stop,
};
