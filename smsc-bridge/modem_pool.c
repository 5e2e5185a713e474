/*
 * modem_pool.c - transport_modem_ops: a pool of GSM modems behind the
 * transport contract of transport.h.  Each modem is an AT engine
 * (modem_engine.c) on a link (modem_link.c) with its own timer and
 * reconnect backoff; the pool balances messages over the healthy free
 * modems that route the destination (longest `route` prefix first, round
 * robin among equals), holds messages no free modem can take for at most
 * queue_timeout, and reports per-modem metrics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>

#include "bytes.h"
#include "err.h"
#include "log.h"
#include "modem_config.h"
#include "modem_engine.h"
#include "modem_link.h"

#define ERRS_MAX 16		/* distinct error names counted per modem */
#define PENDING_MAX 1024

struct modem_dev {
	struct transport *t;
	const struct modem_cfg *cfg;
	struct modem_engine *eng;
	struct modem_link link;
	struct event *tick_ev;		/* the engine's deadline */
	struct event *reopen_ev;	/* backoff before the next open */
	int64_t backoff_ms;
	char label[128];		/* "TRANSPORT/MODEM" */
	char why[160];			/* last reason the modem went down */
	unsigned long reopens, link_failures;
	struct {
		char name[96];
		unsigned long n;
	} errs[ERRS_MAX];
	size_t nerrs;
};

struct pending {
	uint64_t id;
	char dest[17];
	size_t len;
	uint8_t tpdu[164];
	int64_t since;
};

struct deferred_fail {
	uint64_t id;
	enum transport_fail cls;
	char reason[96];
};

struct transport {
	struct event_base *base;
	struct evdns_base *dns;
	struct modem_pool_cfg cfg;
	const struct transport_events *ev;
	void *core;
	struct modem_dev dev[MODEM_MAX];
	size_t n, rr;
	struct pending *pend;		/* FIFO, npend entries */
	size_t npend;
	struct event *pend_ev;		/* queue_timeout checks */
	struct deferred_fail *dfail;	/* failures to report from the loop */
	size_t ndfail, capdfail;
	struct event *defer_ev;
	bool draining, drain_reported;
	void (*drain_done)(void *core);
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void dev_open(struct modem_dev *d);
static void dispatch_pending(struct transport *t);
static void check_drained(struct transport *t);

/* ---- deferred reports (never call the core from inside submit) ---- */

static void
defer_fail(struct transport *t, uint64_t id, enum transport_fail cls,
    const char *reason)
{
	if (t->ndfail == t->capdfail) {
		size_t cap = t->capdfail ? 2 * t->capdfail : 16;
		struct deferred_fail *p = realloc(t->dfail, cap * sizeof(*p));

		if (p == NULL) {
			log_error("modem pool %s: out of memory: message %llu "
			    "failure not reported", t->cfg.name,
			    (unsigned long long)id);
			return;
		}
		t->dfail = p;
		t->capdfail = cap;
	}
	t->dfail[t->ndfail].id = id;
	t->dfail[t->ndfail].cls = cls;
	snprintf(t->dfail[t->ndfail].reason, sizeof(t->dfail[0].reason), "%s",
	    reason);
	t->ndfail++;
	event_active(t->defer_ev, EV_TIMEOUT, 0);
}

static void
on_defer(evutil_socket_t fd, short what, void *arg)
{
	struct transport *t = arg;

	(void)fd;
	(void)what;
	while (t->ndfail > 0) {
		struct deferred_fail f = t->dfail[0];

		memmove(t->dfail, t->dfail + 1,
		    (t->ndfail - 1) * sizeof(*t->dfail));
		t->ndfail--;
		t->ev->failed(t->core, f.id, f.cls, f.reason);
	}
	check_drained(t);
}

static void
check_drained(struct transport *t)
{
	if (!t->draining || t->drain_reported || t->ndfail > 0 || t->npend > 0)
		return;
	for (size_t i = 0; i < t->n; i++)
		if (me_busy(t->dev[i].eng))
			return;
	t->drain_reported = true;
	log_info("modem pool %s: drained", t->cfg.name);
	t->drain_done(t->core);
}

/* ---- one modem ---- */

static void
count_error(struct modem_dev *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nerrs; i++)
		if (strcmp(d->errs[i].name, name) == 0)
			break;
	if (i == d->nerrs) {
		if (d->nerrs == ERRS_MAX)
			i = ERRS_MAX - 1;	/* the last slot collects the rest */
		else
			d->nerrs++;
		if (i < ERRS_MAX - 1 || d->errs[i].n == 0)
			snprintf(d->errs[i].name, sizeof(d->errs[i].name), "%s",
			    i < ERRS_MAX - 1 ? name : "other");
	}
	d->errs[i].n++;
}

static void
dev_arm(struct modem_dev *d)
{
	int64_t at = me_deadline(d->eng), now;
	struct timeval tv;

	if (at == ME_NEVER) {
		event_del(d->tick_ev);
		return;
	}
	now = now_ms();
	at = at > now ? at - now : 0;
	tv.tv_sec = (time_t)(at / 1000);
	tv.tv_usec = (suseconds_t)(at % 1000) * 1000;
	event_add(d->tick_ev, &tv);
}

static void
dev_schedule_reopen(struct modem_dev *d)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(d->backoff_ms / 1000);
	tv.tv_usec = (suseconds_t)(d->backoff_ms % 1000) * 1000;
	evtimer_add(d->reopen_ev, &tv);
	log_info("modem %s: reopening in %lld ms", d->cfg->name,
	    (long long)d->backoff_ms);
	d->backoff_ms *= 2;
	if (d->backoff_ms > d->t->cfg.backoff_max_ms)
		d->backoff_ms = d->t->cfg.backoff_max_ms;
}

static void
dev_close(struct modem_dev *d)
{
	modem_link_close(&d->link);
}

static void
e_write(void *ctx, const void *p, size_t n)
{
	struct modem_dev *d = ctx;

	if (d->link.bev != NULL)
		bufferevent_write(d->link.bev, p, n);
}

static void
e_state(void *ctx, bool up, const char *why)
{
	struct modem_dev *d = ctx;
	struct transport *t = d->t;

	if (up) {
		d->backoff_ms = t->cfg.backoff_min_ms;
		d->why[0] = '\0';
	} else {
		snprintf(d->why, sizeof(d->why), "%s", why);
		count_error(d, why);
		if (me_state(d->eng) == ME_FATAL)
			log_error("modem %s: out of service until restarted: "
			    "%s", d->cfg->name, why);
	}
	t->ev->link(t->core, d->label, up, why);
	if (up)
		dispatch_pending(t);
}

static void
e_reopen(void *ctx, const char *why)
{
	struct modem_dev *d = ctx;

	log_warn("modem %s: closing the link: %s", d->cfg->name, why);
	d->reopens++;
	dev_close(d);
	dev_schedule_reopen(d);
}

static void
e_sent(void *ctx, uint64_t id, unsigned mr)
{
	struct modem_dev *d = ctx;
	char ref[64];

	snprintf(ref, sizeof(ref), "%s:%u", d->cfg->name, mr);
	d->t->ev->sent(d->t->core, id, ref);
	dispatch_pending(d->t);
	check_drained(d->t);
}

static void
e_failed(void *ctx, uint64_t id, enum transport_fail cls, const char *reason)
{
	struct modem_dev *d = ctx;

	count_error(d, reason);
	d->t->ev->failed(d->t->core, id, cls, reason);
	dispatch_pending(d->t);
	check_drained(d->t);
}

static int
e_received(void *ctx, const uint8_t *tpdu, size_t len)
{
	struct modem_dev *d = ctx;

	return d->t->ev->received(d->t->core, d->label, tpdu, len);
}

static const struct me_ops dev_ops = {
	.write = e_write,
	.state = e_state,
	.reopen = e_reopen,
	.sent = e_sent,
	.failed = e_failed,
	.received = e_received,
};

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct modem_dev *d = arg;

	(void)fd;
	(void)what;
	me_tick(d->eng, now_ms());
	dev_arm(d);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct modem_dev *d = arg;
	uint8_t buf[512];
	int n;

	/* The engine may close the link while handling a line. */
	while (d->link.bev == bev &&
	    (n = evbuffer_remove(bufferevent_get_input(bev), buf,
	    sizeof(buf))) > 0)
		me_input(d->eng, now_ms(), buf, (size_t)n);
	dev_arm(d);
}

static void
on_link_event(struct bufferevent *bev, short what, void *arg)
{
	struct modem_dev *d = arg;
	char why[128];

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		log_info("modem %s: connected (%s)", d->cfg->name, d->link.desc);
		modem_link_connected(&d->link);
		me_link_up(d->eng, now_ms());
		dev_arm(d);
		return;
	}
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	snprintf(why, sizeof(why), "%.60s: %.60s", d->link.desc,
	    what & BEV_EVENT_EOF ? "closed by the modem" :
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	log_warn("modem %s: link lost: %s", d->cfg->name, why);
	d->link_failures++;
	dev_close(d);
	if (me_state(d->eng) == ME_DOWN)
		count_error(d, "link failure");
	me_link_down(d->eng, now_ms(), why);
	dev_arm(d);
	dev_schedule_reopen(d);
}

static void
dev_open(struct modem_dev *d)
{
	char err[300];
	bool connected;

	if (modem_link_open(d->t->base, d->t->dns, &d->cfg->link, &d->link,
	    on_read, on_link_event, d, &connected, err, sizeof(err)) !=
	    STK_OK) {
		log_warn("modem %s: cannot open %s: %s", d->cfg->name,
		    d->cfg->spec, err);
		d->link_failures++;
		count_error(d, "link failure");
		snprintf(d->why, sizeof(d->why), "%.150s", err);
		dev_schedule_reopen(d);
		return;
	}
	if (connected) {
		log_info("modem %s: opened %s", d->cfg->name, d->link.desc);
		me_link_up(d->eng, now_ms());
		dev_arm(d);
	}
}

static void
on_reopen(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dev_open(arg);
}

/* ---- the pool ---- */

/* The best free, ready modem for dest (NULL: none now). */
static struct modem_dev *
pick(struct transport *t, const char *dest)
{
	struct modem_dev *best = NULL;
	int best_score = -1;

	for (size_t k = 0; k < t->n; k++) {
		struct modem_dev *d = &t->dev[(t->rr + k) % t->n];
		int s = modem_route_score(d->cfg, dest);

		if (s > best_score && me_can_send(d->eng)) {
			best = d;
			best_score = s;
		}
	}
	if (best != NULL)
		t->rr = (size_t)(best - t->dev) + 1;
	return best;
}

static bool
routable(const struct transport *t, const char *dest)
{
	for (size_t i = 0; i < t->n; i++)
		if (modem_route_score(t->dev[i].cfg, dest) >= 0)
			return true;
	return false;
}

static int
send_on(struct modem_dev *d, uint64_t id, const uint8_t *tpdu, size_t len)
{
	int r = me_send(d->eng, now_ms(), id, tpdu, len);

	dev_arm(d);
	return r;
}

static void
arm_pending(struct transport *t)
{
	struct timeval tv = { 0, 250000 };

	if (t->npend > 0)
		evtimer_add(t->pend_ev, &tv);
	else
		event_del(t->pend_ev);
}

static void
dispatch_pending(struct transport *t)
{
	size_t i = 0;

	while (i < t->npend) {
		struct pending *p = &t->pend[i];
		struct modem_dev *d = pick(t, p->dest);

		if (d == NULL || send_on(d, p->id, p->tpdu, p->len) != STK_OK) {
			i++;
			continue;
		}
		memmove(p, p + 1, (t->npend - i - 1) * sizeof(*p));
		t->npend--;
	}
	arm_pending(t);
}

static void
on_pending(evutil_socket_t fd, short what, void *arg)
{
	struct transport *t = arg;
	int64_t now = now_ms();
	size_t i = 0;
	char reason[96];

	(void)fd;
	(void)what;
	dispatch_pending(t);
	while (i < t->npend) {
		struct pending *p = &t->pend[i];

		if (now - p->since < t->cfg.queue_timeout_ms) {
			i++;
			continue;
		}
		snprintf(reason, sizeof(reason), "no modem free for %s "
		    "within %lld ms", p->dest,
		    (long long)t->cfg.queue_timeout_ms);
		defer_fail(t, p->id, TRANSPORT_FAIL_TEMPORARY, reason);
		memmove(p, p + 1, (t->npend - i - 1) * sizeof(*p));
		t->npend--;
	}
	arm_pending(t);
}

static int
pool_check(const struct transport_config *tc, char *err, size_t errsz)
{
	struct modem_pool_cfg *cfg = malloc(sizeof(*cfg));
	int r;

	if (cfg == NULL) {
		snprintf(err, errsz, "out of memory");
		return STK_E_NOMEM;
	}
	r = modem_config_load(tc, cfg, err, errsz);
	free(cfg);
	return r;
}

static void pool_free(struct transport *t);

static int
pool_open(struct event_base *base, const struct transport_config *tc,
    const struct transport_events *ev, void *core, struct transport **out,
    char *err, size_t errsz)
{
	struct transport *t = calloc(1, sizeof(*t));
	int r = STK_E_NOMEM;

	*out = NULL;
	if (t == NULL) {
		snprintf(err, errsz, "out of memory");
		return STK_E_NOMEM;
	}
	if ((r = modem_config_load(tc, &t->cfg, err, errsz)) != STK_OK)
		goto fail;
	t->base = base;
	t->ev = ev;
	t->core = core;
	t->n = t->cfg.n;
	r = STK_E_NOMEM;
	if ((t->pend = calloc(PENDING_MAX, sizeof(*t->pend))) == NULL ||
	    (t->pend_ev = evtimer_new(base, on_pending, t)) == NULL ||
	    (t->defer_ev = event_new(base, -1, 0, on_defer, t)) == NULL)
		goto nomem;
	/* Names are resolved without blocking the loop. */
	t->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	if (t->dns == NULL)
		log_warn("modem pool %s: no resolver: numeric hosts only",
		    t->cfg.name);
	for (size_t i = 0; i < t->n; i++) {
		struct modem_dev *d = &t->dev[i];

		d->t = t;
		d->cfg = &t->cfg.m[i];
		d->backoff_ms = t->cfg.backoff_min_ms;
		snprintf(d->label, sizeof(d->label), "%s/%s", t->cfg.name,
		    d->cfg->name);
		if ((d->eng = me_new(&d->cfg->me, &dev_ops, d)) == NULL ||
		    (d->tick_ev = evtimer_new(base, on_tick, d)) == NULL ||
		    (d->reopen_ev = evtimer_new(base, on_reopen, d)) == NULL)
			goto nomem;
	}
	for (size_t i = 0; i < t->n; i++)
		dev_open(&t->dev[i]);
	*out = t;
	return STK_OK;
nomem:
	snprintf(err, errsz, "out of memory");
fail:
	pool_free(t);
	return r;
}

static unsigned
pool_capacity(struct transport *t)
{
	size_t free_modems = 0;

	if (t->draining)
		return 0;
	for (size_t i = 0; i < t->n; i++)
		if (me_can_send(t->dev[i].eng))
			free_modems++;
	return free_modems > t->npend ? (unsigned)(free_modems - t->npend) : 0;
}

static int
pool_submit(struct transport *t, const struct transport_msg *m)
{
	struct modem_dev *d;
	char reason[96];

	if (t->draining)
		return STK_E_STATE;
	if (m->tpdu_len == 0 || m->tpdu_len > sizeof(t->pend[0].tpdu))
		return STK_E_TOO_LONG;
	if (!routable(t, m->dest)) {
		snprintf(reason, sizeof(reason), "no modem routes %s", m->dest);
		defer_fail(t, m->id, TRANSPORT_FAIL_PERMANENT, reason);
		return STK_OK;
	}
	if (t->npend == 0 && (d = pick(t, m->dest)) != NULL &&
	    send_on(d, m->id, m->tpdu, m->tpdu_len) == STK_OK)
		return STK_OK;
	if (t->npend == PENDING_MAX)
		return STK_E_NOSPACE;
	t->pend[t->npend].id = m->id;
	snprintf(t->pend[t->npend].dest, sizeof(t->pend[0].dest), "%s",
	    m->dest);
	t->pend[t->npend].len = m->tpdu_len;
	memcpy(t->pend[t->npend].tpdu, m->tpdu, m->tpdu_len);
	t->pend[t->npend].since = now_ms();
	t->npend++;
	dispatch_pending(t);
	return STK_OK;
}

/* Prometheus label value: backslash, quote and newline escaped. */
static void
add_label(struct stk_buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			stk_buf_add_u8(out, '\\');
		if (*s == '\n')
			stk_buf_add_bytes(out, "\\n", 2);
		else
			stk_buf_add_u8(out, (uint8_t)*s);
	}
}

static void
metric(struct stk_buf *out, const struct modem_dev *d, const char *name,
    const char *extra_key, const char *extra_val, unsigned long v)
{
	char num[32];

	stk_buf_add_bytes(out, "stkauth_bridge_", 15);
	stk_buf_add_bytes(out, name, strlen(name));
	stk_buf_add_bytes(out, "{transport=\"", 12);
	add_label(out, d->t->cfg.name);
	stk_buf_add_bytes(out, "\",modem=\"", 9);
	add_label(out, d->cfg->name);
	if (extra_key != NULL) {
		stk_buf_add_bytes(out, "\",", 2);
		stk_buf_add_bytes(out, extra_key, strlen(extra_key));
		stk_buf_add_bytes(out, "=\"", 2);
		add_label(out, extra_val);
	}
	snprintf(num, sizeof(num), "\"} %lu\n", v);
	stk_buf_add_bytes(out, num, strlen(num));
}

static void
pool_metrics(struct transport *t, struct stk_buf *out)
{
	char num[64];

	for (size_t i = 0; i < t->n; i++) {
		const struct modem_dev *d = &t->dev[i];
		const struct me_stats *s = me_stats(d->eng);
		enum me_state st = me_state(d->eng);

		metric(out, d, "modem_up", NULL, NULL, st == ME_READY);
		metric(out, d, "modem_state", "state", me_state_name(st), 1);
		metric(out, d, "modem_busy", NULL, NULL, me_busy(d->eng));
		metric(out, d, "modem_sent_total", NULL, NULL, s->sent);
		metric(out, d, "modem_failed_total", NULL, NULL, s->failed);
		metric(out, d, "modem_received_total", NULL, NULL, s->received);
		metric(out, d, "modem_acknowledged_total", NULL, NULL,
		    s->acked + s->deleted);
		metric(out, d, "modem_timeouts_total", NULL, NULL, s->timeouts);
		metric(out, d, "modem_recoveries_total", NULL, NULL,
		    s->recoveries);
		metric(out, d, "modem_inits_total", NULL, NULL, s->inits);
		metric(out, d, "modem_reopens_total", NULL, NULL,
		    d->reopens + d->link_failures);
		metric(out, d, "modem_bad_lines_total", NULL, NULL,
		    s->bad_lines + s->bad_pdus);
		for (size_t k = 0; k < d->nerrs; k++)
			metric(out, d, "modem_errors_total", "error",
			    d->errs[k].name, d->errs[k].n);
	}
	stk_buf_add_bytes(out, "stkauth_bridge_modem_pending{transport=\"", 40);
	add_label(out, t->cfg.name);
	snprintf(num, sizeof(num), "\"} %zu\n", t->npend);
	stk_buf_add_bytes(out, num, strlen(num));
}

static void
pool_drain(struct transport *t, void (*done)(void *core))
{
	t->draining = true;
	t->drain_done = done;
	/* Messages still waiting for a modem never left: give them back. */
	while (t->npend > 0) {
		t->npend--;
		defer_fail(t, t->pend[t->npend].id, TRANSPORT_FAIL_TEMPORARY,
		    "transport draining");
	}
	arm_pending(t);
	event_active(t->defer_ev, EV_TIMEOUT, 0);
}

static void
pool_free(struct transport *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		struct modem_dev *d = &t->dev[i];

		dev_close(d);
		if (d->tick_ev != NULL)
			event_free(d->tick_ev);
		if (d->reopen_ev != NULL)
			event_free(d->reopen_ev);
		me_free(d->eng);
	}
	if (t->pend_ev != NULL)
		event_free(t->pend_ev);
	if (t->defer_ev != NULL)
		event_free(t->defer_ev);
	if (t->dns != NULL)
		evdns_base_free(t->dns, 0);
	free(t->pend);
	free(t->dfail);
	free(t);
}

const struct transport_ops transport_modem_ops = {
	.type = "modem",
	.check = pool_check,
	.open = pool_open,
	.capacity = pool_capacity,
	.submit = pool_submit,
	.metrics = pool_metrics,
	.drain = pool_drain,
	.free = pool_free,
};
