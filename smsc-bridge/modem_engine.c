/*
 * modem_engine.c - the AT conversation of one modem (see modem_engine.h):
 * the command in progress and its timeout, a queue for the receive side,
 * sending with the TS 27.005 §3.5.1 prompt, the §3.4.1 receive paths and
 * recovery.  The init sequence itself is the table in modem_init.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hex.h"
#include "log.h"
#include "modem_engine_priv.h"
#include "modem_err.h"
#include "tpdu.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define SETTLE_MS 300		/* quiet time after a recovery kick */

static const char *const state_names[ME_STATE_COUNT] = {
	[ME_DOWN] = "down", [ME_INIT] = "init", [ME_READY] = "ready",
	[ME_RECOVER] = "recover", [ME_FATAL] = "fatal",
};

/*
 * Recovery, in order: each kick is written, then after SETTLE_MS an AT
 * probe must be answered.  ESC cancels a PDU entry (TS 27.005 §3.5.1),
 * Ctrl-Z ends one on modems that ignore ESC, ATZ resets (V.250 §6.1.1).
 */
static const struct {
	const char *name;
	const char *bytes;
} kicks[] = {
	{ "ESC", "\x1b" },
	{ "Ctrl-Z", "\x1a" },
	{ "ATZ", "ATZ\r" },
};

/* Queued commands: the text, followed by the argument when has_arg. */
static const struct {
	const char *text;
	bool has_arg;
} cmd_text[CK_KIND_COUNT] = {
	[CK_PING] = { "AT", false }, [CK_CNMA] = { "AT+CNMA", false },
	[CK_CMGR] = { "AT+CMGR=", true }, [CK_CMGD] = { "AT+CMGD=", true },
	[CK_CMGL] = { "AT+CMGL=4", false }, [CK_PROBE] = { "AT", false },
};

static const char *const cmd_names[CK_KIND_COUNT] = {
	[CK_NONE] = "none", [CK_INIT] = "init", [CK_PING] = "keepalive",
	[CK_CMGS] = "AT+CMGS", [CK_CNMA] = "AT+CNMA", [CK_CMGR] = "AT+CMGR",
	[CK_CMGD] = "AT+CMGD", [CK_CMGL] = "AT+CMGL", [CK_CNMI] = "AT+CNMI",
	[CK_PROBE] = "probe",
};

static void pump(struct modem_engine *e, int64_t now);
static void on_event(void *arg, const struct mat_event *ev);

/* ---- small helpers ---- */

static void
write_raw(struct modem_engine *e, const char *p, size_t n)
{
	e->ops->write(e->ctx, p, n);
}

static void
write_cmd(struct modem_engine *e, const char *text, bool secret)
{
	log_debug("modem %s: -> %s", e->p.name, secret ? "AT+CPIN=<pin>" :
	    text);
	write_raw(e, text, strlen(text));
	write_raw(e, "\r", 1);
}

static void
set_state(struct modem_engine *e, enum me_state st, const char *why)
{
	bool was_up = e->state == ME_READY;

	if (e->state == st)
		return;
	log_info("modem %s: %s -> %s%s%s", e->p.name, state_names[e->state],
	    state_names[st], why != NULL ? ": " : "", why != NULL ? why : "");
	e->state = st;
	if (st == ME_READY)
		e->ops->state(e->ctx, true, "ready");
	else if (was_up)
		e->ops->state(e->ctx, false, why != NULL ? why : state_names[st]);
	else if (st == ME_FATAL)
		e->ops->state(e->ctx, false, why);
}

/* End the message: exactly one of sent() or failed(). */
static void
finish_msg(struct modem_engine *e, int mr, enum transport_fail cls,
    const char *reason)
{
	uint64_t id = e->msg_id;

	if (!e->have_msg)
		return;
	e->have_msg = false;
	if (mr >= 0) {
		e->stats.sent++;
		e->ops->sent(e->ctx, id, (unsigned)mr);
	} else {
		e->stats.failed++;
		log_info("modem %s: message %llu failed: %s", e->p.name,
		    (unsigned long long)id, reason);
		e->ops->failed(e->ctx, id, cls, reason);
	}
}

static void
queue_clear(struct modem_engine *e)
{
	e->qhead = e->qlen = 0;
}

static bool
queue_push(struct modem_engine *e, enum me_cmd_kind kind, unsigned arg,
    bool front)
{
	size_t at;

	if (e->qlen == ME_QUEUE_MAX)
		return false;
	if (front) {
		e->qhead = (e->qhead + ME_QUEUE_MAX - 1) % ME_QUEUE_MAX;
		at = e->qhead;
	} else {
		at = (e->qhead + e->qlen) % ME_QUEUE_MAX;
	}
	e->queue[at].kind = kind;
	e->queue[at].arg = arg;
	e->qlen++;
	return true;
}

static bool
queue_pop(struct modem_engine *e, struct me_cmd *c)
{
	if (e->qlen == 0)
		return false;
	*c = e->queue[e->qhead];
	e->qhead = (e->qhead + 1) % ME_QUEUE_MAX;
	e->qlen--;
	return true;
}

/* Leave the current link: fail what is in flight, forget the queue. */
static void
go_down(struct modem_engine *e, enum me_state st, const char *why,
    bool reopen)
{
	char reason[160];

	snprintf(reason, sizeof(reason), "%s", why);
	mat_reset(&e->parser);
	e->cur.kind = CK_NONE;
	queue_clear(e);
	set_state(e, st, reason);
	finish_msg(e, -1, TRANSPORT_FAIL_TEMPORARY, reason);
	if (reopen)
		e->ops->reopen(e->ctx, reason);
}

static void
start_init(struct modem_engine *e, int64_t now)
{
	e->step = 0;
	e->wait_until = 0;
	e->init_deadline = now + e->p.init_timeout_ms;
	e->cur.kind = CK_NONE;
	e->stats.inits++;
	set_state(e, ME_INIT, NULL);
}

static void
enter_ready(struct modem_engine *e, int64_t now)
{
	e->last_io = now;
	e->need_cnmi = false;
	e->need_rescan = false;
	/* Anything stored on the SIM while nobody listened comes first. */
	(void)queue_push(e, CK_CMGL, 0, false);
	set_state(e, ME_READY, NULL);
}

static void
kick(struct modem_engine *e, int64_t now)
{
	log_info("modem %s: recovery: %s", e->p.name, kicks[e->rstep].name);
	write_raw(e, kicks[e->rstep].bytes, strlen(kicks[e->rstep].bytes));
	e->settle_until = now + SETTLE_MS;
}

/* A command timed out: fail the message, then try to resynchronise. */
static void
start_recovery(struct modem_engine *e, int64_t now, const char *why)
{
	e->cur.kind = CK_NONE;
	queue_clear(e);
	e->rstep = 0;
	set_state(e, ME_RECOVER, why);
	finish_msg(e, -1, TRANSPORT_FAIL_TEMPORARY, why);
	if (e->state == ME_RECOVER)
		kick(e, now);
}

/* ---- received messages ---- */

/*
 * Hand a TPDU to the owner.  A TPDU that does not decode as a network to
 * mobile TPDU (TS 23.040 §9.2.2) can never be stored: it is logged with
 * its hex and counted, and acknowledged so that it does not come back
 * forever.  Returns STK_OK when the modem may acknowledge/delete it.
 */
static int
deliver(struct modem_engine *e, const uint8_t *tpdu, size_t len)
{
	struct stk_tpdu t;
	struct stk_diag d;
	char dbuf[96], hex[2 * MAT_TPDU_MAX + 1];

	stk_diag_clear(&d);
	if (stk_tpdu_decode(tpdu, len, STK_DIR_SC_TO_MS, &t, &d) != STK_OK ||
	    (t.type != STK_TPDU_DELIVER && t.type != STK_TPDU_STATUS_REPORT)) {
		e->stats.bad_pdus++;
		log_warn("modem %s: dropping undecodable TPDU (%s): %s",
		    e->p.name, d.err ? stk_diag_format(&d, dbuf, sizeof(dbuf)) :
		    "not SMS-DELIVER or SMS-STATUS-REPORT",
		    stk_hex_format(hex, tpdu, len, 1));
		return STK_OK;
	}
	log_debug("modem %s: received %s (%zu octets)", e->p.name,
	    stk_tpdu_type_name(t.type), len);
	e->stats.received++;
	return e->ops->received(e->ctx, tpdu, len);
}

/* +CMT / +CDS: routed straight to us; acknowledge once stored. */
static void
on_direct(struct modem_engine *e, const struct mat_event *ev)
{
	int r = deliver(e, ev->tpdu, ev->tpdu_len);

	if (!e->csms1) {
		/* +CSMS 0: the modem has acknowledged already. */
		if (r != STK_OK)
			log_error("modem %s: %s not stored and already "
			    "acknowledged by the modem: lost", e->p.name,
			    mat_kind_name(ev->kind));
		return;
	}
	if (r == STK_OK) {
		if (!queue_push(e, CK_CNMA, 0, true))
			log_warn("modem %s: command queue full, +CNMA "
			    "dropped", e->p.name);
		return;
	}
	/* Not acknowledged: the network keeps the message and retries.
	 * The modem may turn routing off after its wait for +CNMA
	 * (TS 27.005 §3.4.4): set +CNMI again at the next idle moment. */
	log_warn("modem %s: %s not stored: left unacknowledged", e->p.name,
	    mat_kind_name(ev->kind));
	e->need_cnmi = true;
}

/* +CMGL done: deliver what was listed, delete what was stored. */
static void
process_list(struct modem_engine *e)
{
	size_t deleted = 0;

	for (size_t i = 0; i < e->nlist; i++) {
		struct me_stored *s = &e->list[i];

		if (deliver(e, s->tpdu, s->len) != STK_OK) {
			e->need_rescan = true;
			continue;
		}
		if (queue_push(e, CK_CMGD, s->index, false))
			deleted++;
		else
			e->need_rescan = true;
	}
	if (e->list_overflow) {
		if (deleted > 0)
			(void)queue_push(e, CK_CMGL, 0, false);
		else
			e->need_rescan = true;
	}
	e->nlist = 0;
	e->list_overflow = false;
}

static void
on_listed(struct modem_engine *e, const struct mat_event *ev)
{
	struct me_stored *s;

	/* TS 27.005 §3.1 <stat> 0 REC UNREAD, 1 REC READ: received ones;
	 * 2 and 3 are messages stored for sending, not ours to take. */
	if (ev->stat > 1)
		return;
	if (e->nlist == ME_LIST_MAX) {
		e->list_overflow = true;
		return;
	}
	s = &e->list[e->nlist++];
	s->index = ev->index;
	s->stat = ev->stat;
	s->len = ev->tpdu_len;
	memcpy(s->tpdu, ev->tpdu, ev->tpdu_len);
}

/* ---- final results per command ---- */

static void
err_text(const struct mat_event *ev, char *buf, size_t n)
{
	if ((ev->kind == MAT_CMS_ERROR || ev->kind == MAT_CME_ERROR) &&
	    ev->code >= 0)
		modem_err_format(buf, n, ev->kind == MAT_CMS_ERROR,
		    (unsigned)ev->code);
	else
		snprintf(buf, n, "%s", ev->line);
}

static void
final_cmgs(struct modem_engine *e, int64_t now, const struct mat_event *ev)
{
	char reason[128];

	(void)now;
	if (ev->kind == MAT_OK && e->mr >= 0) {
		finish_msg(e, e->mr, TRANSPORT_FAIL_TEMPORARY, NULL);
		return;
	}
	if (ev->kind == MAT_OK) {
		finish_msg(e, -1, TRANSPORT_FAIL_TEMPORARY,
		    "OK without +CMGS: <mr>");
		return;
	}
	err_text(ev, reason, sizeof(reason));
	if (!e->prompt_seen) {
		/* Refused before the prompt: the PDU never left. */
		log_info("modem %s: AT+CMGS refused: %s", e->p.name, reason);
	}
	finish_msg(e, -1, ev->kind == MAT_CMS_ERROR && ev->code >= 0 ?
	    modem_cms_class((unsigned)ev->code) : TRANSPORT_FAIL_TEMPORARY,
	    reason);
}

static void
final_init(struct modem_engine *e, int64_t now, const struct mat_event *ev)
{
	switch (me_init_final(e, ev)) {
	case STEP_NEXT:
		e->step++;
		break;
	case STEP_SKIP:
		e->step += 2;
		break;
	case STEP_AGAIN:
		e->wait_until = now + e->p.retry_ms;
		break;
	case STEP_REPEAT_PREV:
		e->step--;
		e->wait_until = now + e->p.retry_ms;
		break;
	case STEP_FAIL:
		go_down(e, ME_DOWN, e->why, true);
		break;
	case STEP_FATAL:
		log_error("modem %s: %s: not retrying", e->p.name, e->why);
		go_down(e, ME_FATAL, e->why, false);
		break;
	}
}

static void
on_final(struct modem_engine *e, int64_t now, const struct mat_event *ev)
{
	struct me_cmd c = e->cur;
	char buf[128];

	e->cur.kind = CK_NONE;
	e->last_io = now;
	switch (c.kind) {
	case CK_INIT:
		final_init(e, now, ev);
		break;
	case CK_CMGS:
		final_cmgs(e, now, ev);
		break;
	case CK_PROBE:
		/* Any answer at all: the modem listens again. */
		e->stats.recoveries++;
		start_init(e, now);
		break;
	case CK_CNMA:
		if (ev->kind == MAT_OK)
			e->stats.acked++;
		else
			log_info("modem %s: AT+CNMA: %s", e->p.name, ev->line);
		break;
	case CK_CMGR:
		if (ev->kind == MAT_OK && e->rx_seen && e->rx_ok)
			(void)queue_push(e, CK_CMGD, c.arg, true);
		else if (ev->kind != MAT_OK || e->rx_seen)
			e->need_rescan = !(ev->kind == MAT_CMS_ERROR &&
			    ev->code == 321);	/* already gone */
		break;
	case CK_CMGD:
		if (ev->kind == MAT_OK)
			e->stats.deleted++;
		break;
	case CK_CMGL:
		if (ev->kind == MAT_OK) {
			process_list(e);
		} else {
			e->nlist = 0;
			e->need_rescan = true;
		}
		break;
	case CK_CNMI:
		e->need_cnmi = ev->kind != MAT_OK;
		break;
	default:
		break;
	}
	if (ev->kind != MAT_OK && c.kind != CK_INIT && c.kind != CK_CMGS) {
		err_text(ev, buf, sizeof(buf));
		log_info("modem %s: %s: %s", e->p.name, cmd_names[c.kind], buf);
	}
}

/* ---- parser events ---- */

static void
on_prompt(struct modem_engine *e, int64_t now)
{
	char hex[2 + 2 * MAT_TPDU_MAX + 2];

	if (e->cur.kind != CK_CMGS || e->prompt_seen) {
		log_info("modem %s: unexpected \"> \" prompt: ESC", e->p.name);
		write_raw(e, "\x1b", 1);
		return;
	}
	/* TS 27.005 §3.5.1: <pdu> is the SC address ("00": the one set
	 * with +CSCA) and the TPDU, in hex, ended by Ctrl-Z. */
	hex[0] = '0';
	hex[1] = '0';
	stk_hex_format(hex + 2, e->msg, e->msg_len, 1);
	log_debug("modem %s: -> PDU 00%s", e->p.name, hex + 2);
	write_raw(e, hex, 2 + 2 * e->msg_len);
	write_raw(e, "\x1a", 1);
	e->prompt_seen = true;
	e->cur_deadline = now + e->p.send_timeout_ms;
}

static void
on_event(void *arg, const struct mat_event *ev)
{
	struct modem_engine *e = arg;
	int64_t now = e->last_now;
	bool listening = e->state == ME_INIT || e->state == ME_READY;

	log_debug("modem %s: <- %s%s", e->p.name, ev->line,
	    ev->tpdu != NULL ? " + PDU" : "");
	switch (ev->kind) {
	case MAT_BAD:
		e->stats.bad_lines++;
		log_info("modem %s: bad line from the modem (%s): %.80s",
		    e->p.name, ev->reason, ev->line);
		if (e->cur.kind == CK_CMGR || e->cur.kind == CK_CMGL)
			e->need_rescan = true;
		return;
	case MAT_CMT:
	case MAT_CDS:
		e->stats.urcs++;
		if (listening)
			on_direct(e, ev);
		return;
	case MAT_CMTI:
	case MAT_CDSI:
		e->stats.urcs++;
		if (listening && !queue_push(e, CK_CMGR, ev->index, false))
			e->need_rescan = true;
		return;
	case MAT_PROMPT:
		on_prompt(e, now);
		return;
	case MAT_CMGS:
		if (e->cur.kind == CK_CMGS)
			e->mr = ev->code;
		return;
	case MAT_CMGR:
		if (e->cur.kind == CK_CMGR && !e->rx_seen) {
			e->rx_seen = true;
			e->rx_ok = deliver(e, ev->tpdu, ev->tpdu_len) == STK_OK;
		}
		return;
	case MAT_CMGL:
		if (e->cur.kind == CK_CMGL)
			on_listed(e, ev);
		return;
	case MAT_LINE:
		if (e->cur.kind == CK_INIT)
			me_init_info(e, ev);
		return;
	default:
		break;
	}
	if (e->cur.kind == CK_NONE) {
		log_debug("modem %s: result without a command: %s", e->p.name,
		    ev->line);
		return;
	}
	on_final(e, now, ev);
}

/* ---- running commands ---- */

static void
start_cmd(struct modem_engine *e, int64_t now, const struct me_cmd *c)
{
	char text[64];

	e->cur = *c;
	e->cur_deadline = now + e->p.cmd_timeout_ms;
	switch (c->kind) {
	case CK_CMGS:
		e->prompt_seen = false;
		e->mr = -1;
		snprintf(text, sizeof(text), "AT+CMGS=%zu", e->msg_len);
		if (e->p.rate > 0)
			e->next_send = now + (int64_t)(1000.0 / e->p.rate);
		break;
	case CK_CNMI:
		snprintf(text, sizeof(text), "AT+CNMI=2,%d,0,%d,0",
		    (int)e->p.mt, (int)e->p.ds);
		break;
	case CK_CMGR:
		e->rx_seen = e->rx_ok = false;
		/* FALLTHROUGH */
	default:
		if (cmd_text[c->kind].has_arg)
			snprintf(text, sizeof(text), "%s%u",
			    cmd_text[c->kind].text, c->arg);
		else
			snprintf(text, sizeof(text), "%s",
			    cmd_text[c->kind].text);
		break;
	}
	if (c->kind == CK_CMGL) {
		e->nlist = 0;
		e->list_overflow = false;
	}
	write_cmd(e, text, false);
}

static void
pump_init(struct modem_engine *e, int64_t now)
{
	char text[96];
	bool secret;

	if (now >= e->init_deadline) {
		snprintf(e->why, sizeof(e->why), "init not complete after "
		    "%lld ms (step \"%s\")", (long long)e->p.init_timeout_ms,
		    me_init_step_name(e->step));
		go_down(e, ME_DOWN, e->why, true);
		return;
	}
	if (now < e->wait_until)
		return;
	while (e->step < me_init_steps()) {
		if (me_init_command(e, text, sizeof(text), &secret)) {
			e->cur.kind = CK_INIT;
			e->cur.arg = e->step;
			e->cur_deadline = now + e->p.cmd_timeout_ms;
			write_cmd(e, text, secret);
			return;
		}
		e->step++;
	}
	enter_ready(e, now);
}

static void
pump_ready(struct modem_engine *e, int64_t now)
{
	struct me_cmd c;

	if (queue_pop(e, &c)) {
		start_cmd(e, now, &c);
		return;
	}
	if (e->have_msg && now >= e->next_send) {
		c.kind = CK_CMGS;
		c.arg = 0;
		start_cmd(e, now, &c);
		return;
	}
	if (e->have_msg || e->p.keepalive_ms <= 0 ||
	    now < e->last_io + e->p.keepalive_ms)
		return;
	c.kind = e->need_cnmi ? CK_CNMI : e->need_rescan ? CK_CMGL : CK_PING;
	c.arg = 0;
	if (c.kind == CK_CMGL)
		e->need_rescan = false;
	start_cmd(e, now, &c);
}

/* Start whatever is due; loops while a step finishes without I/O. */
static void
pump(struct modem_engine *e, int64_t now)
{
	enum me_state before;

	do {
		before = e->state;
		if (e->cur.kind != CK_NONE)
			return;
		switch (e->state) {
		case ME_INIT:
			pump_init(e, now);
			break;
		case ME_READY:
			pump_ready(e, now);
			break;
		case ME_RECOVER:
			if (now >= e->settle_until) {
				struct me_cmd c = { CK_PROBE, 0 };

				start_cmd(e, now, &c);
			}
			break;
		default:
			break;
		}
	} while (e->state != before);
}

static void
on_timeout(struct modem_engine *e, int64_t now)
{
	enum me_cmd_kind kind = e->cur.kind;
	char why[128];

	e->stats.timeouts++;
	e->cur.kind = CK_NONE;
	if (kind == CK_PROBE) {
		if (++e->rstep < NELEM(kicks)) {
			kick(e, now);
			return;
		}
		go_down(e, ME_DOWN, "no answer after ESC, Ctrl-Z and ATZ",
		    true);
		return;
	}
	if (kind == CK_CMGS)
		snprintf(why, sizeof(why), "timeout waiting for %s",
		    e->prompt_seen ? "+CMGS" : "the \"> \" prompt");
	else if (kind == CK_INIT)
		snprintf(why, sizeof(why), "timeout in init step \"%s\"",
		    me_init_step_name(e->step));
	else
		snprintf(why, sizeof(why), "timeout waiting for %s",
		    cmd_names[kind]);
	log_warn("modem %s: %s", e->p.name, why);
	start_recovery(e, now, why);
}

/* ---- public ---- */

struct modem_engine *
me_new(const struct me_params *p, const struct me_ops *ops, void *ctx)
{
	struct modem_engine *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->p = *p;
	e->ops = ops;
	e->ctx = ctx;
	e->state = ME_DOWN;
	mat_init(&e->parser, on_event, e);
	return e;
}

void
me_free(struct modem_engine *e)
{
	free(e);
}

void
me_link_up(struct modem_engine *e, int64_t now)
{
	mat_reset(&e->parser);
	if (e->state == ME_FATAL)
		return;
	start_init(e, now);
	pump(e, now);
}

void
me_link_down(struct modem_engine *e, int64_t now, const char *why)
{
	(void)now;
	if (e->state == ME_DOWN || e->state == ME_FATAL)
		return;
	go_down(e, ME_DOWN, why, false);
}

void
me_input(struct modem_engine *e, int64_t now, const uint8_t *p, size_t n)
{
	if (e->state == ME_DOWN || e->state == ME_FATAL)
		return;
	e->last_now = now;
	mat_feed(&e->parser, p, n);
	pump(e, now);
}

void
me_tick(struct modem_engine *e, int64_t now)
{
	if (e->state == ME_DOWN || e->state == ME_FATAL)
		return;
	e->last_now = now;
	if (e->cur.kind != CK_NONE && now >= e->cur_deadline)
		on_timeout(e, now);
	pump(e, now);
}

int64_t
me_deadline(const struct modem_engine *e)
{
	int64_t d = ME_NEVER;

	if (e->cur.kind != CK_NONE)
		return e->cur_deadline;
	switch (e->state) {
	case ME_INIT:
		d = e->wait_until < e->init_deadline ? e->wait_until :
		    e->init_deadline;
		break;
	case ME_RECOVER:
		d = e->settle_until;
		break;
	case ME_READY:
		if (e->have_msg)
			d = e->next_send;
		else if (e->p.keepalive_ms > 0)
			d = e->last_io + e->p.keepalive_ms;
		break;
	default:
		break;
	}
	return d;
}

bool
me_can_send(const struct modem_engine *e)
{
	return e->state == ME_READY && !e->have_msg;
}

bool
me_busy(const struct modem_engine *e)
{
	return e->have_msg;
}

int
me_send(struct modem_engine *e, int64_t now, uint64_t id,
    const uint8_t *tpdu, size_t len)
{
	if (!me_can_send(e))
		return STK_E_STATE;
	if (len == 0 || len > MAT_TPDU_MAX)
		return STK_E_TOO_LONG;
	e->have_msg = true;
	e->msg_id = id;
	e->msg_len = len;
	memcpy(e->msg, tpdu, len);
	e->last_now = now;
	pump(e, now);
	return STK_OK;
}

enum me_state
me_state(const struct modem_engine *e)
{
	return e->state;
}

const char *
me_state_name(enum me_state s)
{
	return (unsigned)s < ME_STATE_COUNT ? state_names[s] : "?";
}

const struct me_stats *
me_stats(const struct modem_engine *e)
{
	return &e->stats;
}

const char *
me_smsc(const struct modem_engine *e)
{
	return e->smsc;
}
