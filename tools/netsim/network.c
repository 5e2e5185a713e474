/*
 * network.c - the network core: entities and the addresses they own,
 * routing, MO submission, the store-and-forward queue, MT delivery with
 * ack/nack, status reports (TS 23.040 §9.2.2.3) and the per path faults.
 *
 * A message accepted from an entity becomes an SMS-DELIVER for the owner
 * of its TP-DA (TS 23.040 §9.2.2.1): TP-OA the originator, TP-SCTS the
 * time of acceptance, TP-PID, TP-DCS, TP-UDHI and the user data as
 * submitted, TP-SRI when the submission set TP-SRR.  It stays in the
 * store until delivered, refused permanently or past its validity period
 * (TP-VP of the submission, else network.default_validity).
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "log.h"
#include "hex.h"
#include "udh.h"
#include "ns_priv.h"

struct ns_pending {			/* a submit result not yet reported */
	TAILQ_ENTRY(ns_pending) link;
	struct ns_entity *from;
	struct event *ev;
	ns_submit_cb cb;
	void *arg;
	struct ns_submit_result r;
};
TAILQ_HEAD(ns_pending_list, ns_pending);

struct ns_dlv {				/* a delivery handed to an entity */
	struct ns_delivery d;		/* first: entities see only this */
	TAILQ_ENTRY(ns_dlv) link;	/* in the entity's list */
	struct ns_msg *msg;		/* NULL once orphaned */
};
TAILQ_HEAD(ns_dlv_list, ns_dlv);

struct ns_route {
	char key[STK_ADDR_TEXT_MAX + 1];
	bool prefix;
	struct ns_entity *e;
};

struct ns_entity {
	TAILQ_ENTRY(ns_entity) link;
	struct netsim *ns;
	enum ns_entity_kind kind;
	char name[64];
	const struct ns_entity_ops *ops;
	void *ctx;
	bool up;
	uint8_t next_mr;
	struct ns_pending_list pending;
	struct ns_dlv_list dlvs;
	struct event *kick;		/* delivers stored messages on up */
	struct event *retry_busy;	/* retries what it refused with 22 */
	bool refused_busy;
};
TAILQ_HEAD(ns_entity_list, ns_entity);

enum msg_state { MSG_WAITING, MSG_TIMER, MSG_INFLIGHT };

struct ns_msg {
	TAILQ_ENTRY(ns_msg) link;
	struct netsim *ns;
	uint64_t id;
	enum ns_delivery_kind kind;
	enum msg_state state;
	struct stk_tpdu tpdu;		/* SMS-DELIVER / SMS-STATUS-REPORT */
	struct stk_sms_addr oa, da;
	uint64_t ref_id;		/* SR: the message reported on */
	uint8_t st;
	bool srr;
	uint8_t mr;
	char from_name[64];		/* originating entity (SR target) */
	unsigned from_kind;
	int64_t submitted, expires;
	bool faults_applied;
	bool expiry_wait;		/* timer is the validity end */
	bool fresh;			/* new: routed by ns->route, in order */
	bool busy_retry;		/* refused with cause 22: retried when
					   its destination accepts another */
	unsigned attempts;
	struct event *timer;
	struct ns_dlv *inflight;
};
TAILQ_HEAD(ns_msg_list, ns_msg);

struct netsim {
	struct event_base *base;
	struct ns_config *cfg;
	struct ns_metrics *metrics;
	struct ns_entity_list entities;
	struct ns_msg_list store;
	size_t nstored;
	size_t nroutes;
	struct ns_route routes[NS_MAX_SUBSCRIBERS + NS_MAX_MODEMS + 64];
	uint64_t next_msg_id;
	uint64_t next_dlv_id;
	uint64_t rng;
	struct event *route;		/* routes fresh messages in store order */
	struct {
		char prefix[32];
		ns_fault_setter set;
		void *ctx;
	} fault_setters[8];
	size_t nfault_setters;
};

static void msg_try(struct ns_msg *m);
static void entity_kick(evutil_socket_t fd, short what, void *arg);
static void entity_retry_busy(evutil_socket_t fd, short what, void *arg);
static void msg_wait(struct ns_msg *m, unsigned ms);
static void msg_route_soon(struct ns_msg *m);
static void route_fresh(evutil_socket_t fd, short what, void *arg);
static void msg_finish(struct ns_msg *m, bool delivered, uint8_t st);

int64_t
ns_now(const struct netsim *ns)
{
	(void)ns;
	return (int64_t)time(NULL);
}

int
ns_tz_minutes(const struct netsim *ns)
{
	return ns->cfg->tz_minutes;
}

struct event_base *
ns_base(struct netsim *ns)
{
	return ns->base;
}

void
ns_tcp_nodelay(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int one = 1;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
		return;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
		log_warn("netsim: TCP_NODELAY: %s", strerror(errno));
}

const struct ns_config *
ns_config(const struct netsim *ns)
{
	return ns->cfg;
}

struct ns_metrics *
ns_metrics_of(struct netsim *ns)
{
	return ns->metrics;
}

size_t
ns_stored(const struct netsim *ns)
{
	return ns->nstored;
}

unsigned
ns_rand_pct(struct netsim *ns)
{
	/* xorshift64*: reproducible per network.seed, not for secrets. */
	uint64_t x = ns->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	ns->rng = x;
	return (unsigned)((x * 0x2545F4914F6CDD1DULL) >> 33) % 100;
}

void
ns_metric_add(struct netsim *ns, const char *name, const char *labels,
    uint64_t n)
{
	ns_metrics_add(ns->metrics, name, labels, n);
}

void
ns_metric_set(struct netsim *ns, const char *name, const char *labels,
    int64_t v)
{
	ns_metrics_set(ns->metrics, name, labels, v);
}

void
ns_metric_declare(struct netsim *ns, const char *name, const char *type,
    const char *help)
{
	ns_metrics_declare(ns->metrics, name, type, help);
}

int
ns_addr_key(const struct stk_sms_addr *a, char *out, size_t outsz)
{
	return stk_sms_addr_to_text(a, out, outsz);
}

/* ---- metrics helpers ---- */

static void
count_msg(struct netsim *ns, unsigned from, unsigned to, const char *state)
{
	char labels[96];

	snprintf(labels, sizeof(labels), "path=\"%s->%s\",state=\"%s\"",
	    ns_entity_kind_name(from), ns_entity_kind_name(to), state);
	ns_metrics_add(ns->metrics, "netsim_messages_total", labels, 1);
}

static void
update_stored(struct netsim *ns)
{
	ns_metrics_set(ns->metrics, "netsim_stored_messages", "",
	    (int64_t)ns->nstored);
}

/* ---- network object ---- */

struct netsim *
ns_new(struct event_base *base, struct ns_config *cfg)
{
	struct netsim *ns;

	if ((ns = calloc(1, sizeof(*ns))) == NULL)
		return NULL;
	if ((ns->metrics = ns_metrics_new()) == NULL) {
		free(ns);
		return NULL;
	}
	ns->base = base;
	ns->cfg = cfg;
	TAILQ_INIT(&ns->entities);
	TAILQ_INIT(&ns->store);
	ns->next_msg_id = 1;
	ns->next_dlv_id = 1;
	if ((ns->route = evtimer_new(base, route_fresh, ns)) == NULL) {
		ns_metrics_free(ns->metrics);
		free(ns);
		return NULL;
	}
	ns->rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)cfg->seed;
	if (ns->rng == 0)
		ns->rng = 1;
	ns_metrics_declare(ns->metrics, "netsim_messages_total", "counter",
	    "Short messages per path (from->to kind) and state.");
	ns_metrics_declare(ns->metrics, "netsim_faults_injected_total",
	    "counter", "Faults injected, per kind of fault.");
	ns_metrics_declare(ns->metrics, "netsim_stored_messages", "gauge",
	    "Messages in the store-and-forward queue.");
	ns_metrics_declare(ns->metrics, "netsim_submits_total", "counter",
	    "MO submissions per originating kind and result.");
	update_stored(ns);
	return ns;
}

static void
msg_free(struct ns_msg *m)
{
	if (m == NULL)
		return;
	if (m->timer != NULL)
		event_free(m->timer);
	if (m->inflight != NULL)
		m->inflight->msg = NULL;
	free(m);
}

void
ns_free(struct netsim *ns)
{
	struct ns_entity *e;
	struct ns_msg *m;

	if (ns == NULL)
		return;
	while ((e = TAILQ_FIRST(&ns->entities)) != NULL)
		ns_entity_free(e);
	while ((m = TAILQ_FIRST(&ns->store)) != NULL) {
		TAILQ_REMOVE(&ns->store, m, link);
		msg_free(m);
	}
	event_free(ns->route);
	ns_metrics_free(ns->metrics);
	free(ns);
}

/* ---- entities ---- */

struct ns_entity *
ns_entity_find(struct netsim *ns, const char *name)
{
	struct ns_entity *e;

	TAILQ_FOREACH(e, &ns->entities, link)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

struct ns_entity *
ns_entity_new(struct netsim *ns, enum ns_entity_kind kind, const char *name,
    const struct ns_entity_ops *ops, void *ctx)
{
	struct ns_entity *e;

	if ((unsigned)kind >= NS_ENT_KIND_COUNT || name == NULL ||
	    strlen(name) >= sizeof(e->name) || ns_entity_find(ns, name))
		return NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->ns = ns;
	e->kind = kind;
	memcpy(e->name, name, strlen(name) + 1);
	e->ops = ops;
	e->ctx = ctx;
	TAILQ_INIT(&e->pending);
	TAILQ_INIT(&e->dlvs);
	if ((e->kick = evtimer_new(ns->base, entity_kick, e)) == NULL) {
		free(e);
		return NULL;
	}
	if ((e->retry_busy = evtimer_new(ns->base, entity_retry_busy, e)) ==
	    NULL) {
		event_free(e->kick);
		free(e);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&ns->entities, e, link);
	return e;
}

void
ns_entity_free(struct ns_entity *e)
{
	struct netsim *ns;
	struct ns_pending *p;
	struct ns_dlv *d;
	struct ns_msg *m;
	size_t i, j;

	if (e == NULL)
		return;
	ns = e->ns;
	while ((p = TAILQ_FIRST(&e->pending)) != NULL) {
		TAILQ_REMOVE(&e->pending, p, link);
		event_free(p->ev);
		free(p);
	}
	while ((d = TAILQ_FIRST(&e->dlvs)) != NULL) {
		TAILQ_REMOVE(&e->dlvs, d, link);
		if ((m = d->msg) != NULL) {
			m->inflight = NULL;
			m->state = MSG_WAITING;
		}
		free(d);
	}
	for (i = j = 0; i < ns->nroutes; i++)
		if (ns->routes[i].e != e)
			ns->routes[j++] = ns->routes[i];
	ns->nroutes = j;
	TAILQ_REMOVE(&ns->entities, e, link);
	event_free(e->kick);
	event_free(e->retry_busy);
	free(e);
}

void *
ns_entity_ctx(const struct ns_entity *e)
{
	return e->ctx;
}

const char *
ns_entity_name(const struct ns_entity *e)
{
	return e->name;
}

enum ns_entity_kind
ns_entity_kind(const struct ns_entity *e)
{
	return e->kind;
}

struct netsim *
ns_entity_net(const struct ns_entity *e)
{
	return e->ns;
}

bool
ns_entity_is_up(const struct ns_entity *e)
{
	return e->up;
}

/* Canonical routing key of a text address ("+49..", "123", "Bank"). */
static int
text_key(const char *addr, char *out, size_t outsz)
{
	struct stk_sms_addr a;
	int rc;

	if ((rc = stk_sms_addr_from_text(addr, &a)) != 0)
		return rc;
	return ns_addr_key(&a, out, outsz);
}

int
ns_entity_own(struct ns_entity *e, const char *addr, bool prefix)
{
	struct netsim *ns = e->ns;
	char key[STK_ADDR_TEXT_MAX + 1];
	size_t i;

	if (prefix) {
		if (strlen(addr) == 0 || strlen(addr) >= sizeof(key))
			return STK_E_INVALID;
		memcpy(key, addr, strlen(addr) + 1);
	} else if (text_key(addr, key, sizeof(key)) != 0) {
		return STK_E_INVALID;
	}
	for (i = 0; i < ns->nroutes; i++)
		if (ns->routes[i].prefix == prefix &&
		    strcmp(ns->routes[i].key, key) == 0)
			return STK_E_DUPLICATE;
	if (ns->nroutes == sizeof(ns->routes) / sizeof(ns->routes[0]))
		return STK_E_NOSPACE;
	memcpy(ns->routes[ns->nroutes].key, key, sizeof(key));
	ns->routes[ns->nroutes].prefix = prefix;
	ns->routes[ns->nroutes].e = e;
	ns->nroutes++;
	return 0;
}

/*
 * The owner of an address: an exact owner, else the longest prefix.  An
 * unknown-TON number also matches the international owner of the same
 * digits (a national dialling plan is not simulated).
 */
static struct ns_entity *
route(struct netsim *ns, const struct stk_sms_addr *a)
{
	char key[STK_ADDR_TEXT_MAX + 2];
	struct ns_entity *best = NULL;
	size_t i, best_len = 0;

	if (ns_addr_key(a, key + 1, sizeof(key) - 1) != 0)
		return NULL;
	for (i = 0; i < ns->nroutes; i++)
		if (!ns->routes[i].prefix &&
		    strcmp(ns->routes[i].key, key + 1) == 0)
			return ns->routes[i].e;
	if (a->ton == STK_TON_UNKNOWN && a->ndigits > 0) {
		key[0] = '+';
		for (i = 0; i < ns->nroutes; i++)
			if (!ns->routes[i].prefix &&
			    strcmp(ns->routes[i].key, key) == 0)
				return ns->routes[i].e;
	}
	for (i = 0; i < ns->nroutes; i++) {
		size_t n = strlen(ns->routes[i].key);

		if (ns->routes[i].prefix && n > best_len &&
		    strncmp(ns->routes[i].key, key + 1, n) == 0) {
			best = ns->routes[i].e;
			best_len = n;
		}
	}
	return best;
}

/* Where a stored message goes now (NULL: nobody owns it at the moment). */
static struct ns_entity *
msg_target(struct ns_msg *m)
{
	struct ns_entity *e;

	if (m->kind == NS_DLV_STATUS_REPORT) {
		if ((e = ns_entity_find(m->ns, m->from_name)) != NULL)
			return e;
		return route(m->ns, &m->oa);
	}
	return route(m->ns, &m->da);
}

/* Deliver what waits for e, oldest first (from the loop, never from
 * inside ns_entity_set_up). */
static void
entity_kick(evutil_socket_t fd, short what, void *arg)
{
	struct ns_entity *e = arg;
	struct ns_msg *m, *next;

	(void)fd;
	(void)what;
	for (m = TAILQ_FIRST(&e->ns->store); m != NULL && e->up; m = next) {
		next = TAILQ_NEXT(m, link);
		if (msg_target(m) != e)
			continue;
		if (m->state == MSG_TIMER &&
		    (m->attempts > 0 || m->expiry_wait)) {
			/* Waiting for a retry after a failed attempt, or for
			 * an owner: the attach is the better moment. */
			evtimer_del(m->timer);
			m->state = MSG_WAITING;
		}
		if (m->state == MSG_WAITING)
			msg_try(m);
	}
}

/* The messages e refused as full or busy, tried again in store order. */
static void
entity_retry_busy(evutil_socket_t fd, short what, void *arg)
{
	struct ns_entity *e = arg;
	struct ns_msg *m, *next;

	(void)fd;
	(void)what;
	for (m = TAILQ_FIRST(&e->ns->store); m != NULL && e->up; m = next) {
		next = TAILQ_NEXT(m, link);
		if (!m->busy_retry || msg_target(m) != e ||
		    m->state != MSG_TIMER)
			continue;
		m->busy_retry = false;
		evtimer_del(m->timer);
		m->state = MSG_WAITING;
		msg_try(m);
	}
}

void
ns_entity_set_up(struct ns_entity *e, bool up)
{
	struct timeval tv = { 0, 0 };

	if (e->up == up)
		return;
	e->up = up;
	log_info("netsim: %s %s is %s", ns_entity_kind_name(e->kind), e->name,
	    up ? "up" : "down");
	if (up)
		evtimer_add(e->kick, &tv);
	else
		evtimer_del(e->kick);
}

/* ---- submission ---- */

static void
pending_fire(evutil_socket_t fd, short what, void *arg)
{
	struct ns_pending *p = arg;
	struct ns_entity *from = p->from;

	(void)fd;
	(void)what;
	TAILQ_REMOVE(&from->pending, p, link);
	event_free(p->ev);
	if (p->cb != NULL)
		p->cb(from, &p->r, p->arg);
	free(p);
}

static int
post_result(struct ns_entity *from, const struct ns_submit_result *r,
    ns_submit_cb cb, void *arg)
{
	struct ns_pending *p;
	struct timeval tv = { 0, 0 };

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return STK_E_NOMEM;
	p->from = from;
	p->cb = cb;
	p->arg = arg;
	p->r = *r;
	if ((p->ev = evtimer_new(from->ns->base, pending_fire, p)) == NULL) {
		free(p);
		return STK_E_NOMEM;
	}
	TAILQ_INSERT_TAIL(&from->pending, p, link);
	evtimer_add(p->ev, &tv);
	return 0;
}

static void
count_submit(struct netsim *ns, unsigned kind, const char *result)
{
	char labels[80];

	snprintf(labels, sizeof(labels), "from=\"%s\",result=\"%s\"",
	    ns_entity_kind_name(kind), result);
	ns_metrics_add(ns->metrics, "netsim_submits_total", labels, 1);
}

/* The validity period of a submission in seconds (TS 23.040 §9.2.3.12). */
static int64_t
validity(struct netsim *ns, const struct stk_tpdu *s, int64_t now)
{
	uint32_t secs;
	int64_t v = ns->cfg->default_validity_s, t;

	if (s->vp.vpf == STK_VPF_ABSOLUTE) {
		t = stk_sms_time_to_unix(&s->vp.absolute);
		v = t > now ? t - now : 0;
	} else if (s->vp.vpf != STK_VPF_NONE &&
	    stk_vp_seconds(&s->vp, &secs) == 0) {
		v = secs;
	}
	if (v > ns->cfg->max_validity_s)
		v = ns->cfg->max_validity_s;
	return v;
}

static int
msg_timer_new(struct ns_msg *m);

int
ns_submit(struct ns_entity *from, const struct stk_sms_addr *oa,
    const struct stk_tpdu *submit, ns_submit_cb cb, void *arg)
{
	struct netsim *ns = from->ns;
	struct ns_submit_result r;
	struct ns_entity *to;
	struct ns_msg *m = NULL;
	char da[STK_ADDR_TEXT_MAX + 1], oas[STK_ADDR_TEXT_MAX + 1];
	struct stk_tpdu *t;
	int64_t now = ns_now(ns);

	if (submit->type != STK_TPDU_SUBMIT || oa == NULL)
		return STK_E_INVALID;
	memset(&r, 0, sizeof(r));
	(void)ns_addr_key(&submit->addr, da, sizeof(da));
	(void)ns_addr_key(oa, oas, sizeof(oas));
	if ((to = route(ns, &submit->addr)) == NULL) {
		log_info("netsim: MO from %s (%s) to %s: no route", from->name,
		    oas, da);
		r.rp_cause = NS_RP_UNASSIGNED_NUMBER;
		count_submit(ns, from->kind, "unassigned");
		return post_result(from, &r, cb, arg);
	}
	if (ns->nstored >= ns->cfg->store_max) {
		log_warn("netsim: store full (%zu), MO from %s refused",
		    ns->nstored, from->name);
		r.rp_cause = NS_RP_CONGESTION;
		count_submit(ns, from->kind, "congestion");
		return post_result(from, &r, cb, arg);
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return STK_E_NOMEM;
	m->ns = ns;
	m->id = ns->next_msg_id++;
	m->kind = NS_DLV_SM;
	m->oa = *oa;
	m->da = submit->addr;
	m->srr = submit->srr;
	m->mr = from->next_mr++;
	memcpy(m->from_name, from->name, sizeof(m->from_name));
	m->from_kind = from->kind;
	m->submitted = now;
	m->expires = now + validity(ns, submit, now);
	/* SMS-DELIVER from the SMS-SUBMIT (TS 23.040 §9.2.2.1). */
	t = &m->tpdu;
	stk_tpdu_init(t, STK_TPDU_DELIVER);
	t->mms = true;
	t->sri = submit->srr;
	t->rp = submit->rp;
	t->addr = *oa;
	t->pid = submit->pid;
	t->dcs = submit->dcs;
	t->udhi = submit->udhi;
	t->udh_len = submit->udh_len;
	memcpy(t->udh, submit->udh, submit->udh_len);
	t->body_len = submit->body_len;
	memcpy(t->body, submit->body, submit->body_len);
	t->ud_fill_value = submit->ud_fill_value;
	t->ud_spare_value = 0;
	if (stk_sms_time_from_unix(now, ns->cfg->tz_minutes, &t->scts) != 0 ||
	    msg_timer_new(m) != 0) {
		msg_free(m);
		return STK_E_NOMEM;
	}
	r.msg_id = m->id;
	r.mr = m->mr;
	if (post_result(from, &r, cb, arg) != 0) {
		msg_free(m);
		return STK_E_NOMEM;
	}
	TAILQ_INSERT_TAIL(&ns->store, m, link);
	ns->nstored++;
	update_stored(ns);
	count_submit(ns, from->kind, "accepted");
	count_msg(ns, from->kind, to->kind, "accepted");
	log_info("netsim: MO id %llu from %s (%s) to %s -> %s, mr %u%s",
	    (unsigned long long)m->id, from->name, oas, da, to->name, m->mr,
	    m->srr ? ", status report requested" : "");
	/* Routed on the next turn of the loop, after the submit result:
	 * a fast delivery's status report never overtakes the result. */
	msg_route_soon(m);
	return 0;
}

/* ---- store and delivery ---- */

static void
msg_timer_fire(evutil_socket_t fd, short what, void *arg)
{
	struct ns_msg *m = arg;

	(void)fd;
	(void)what;
	if (m->state == MSG_INFLIGHT) {
		/* No MT-ACK/NACK in time: the attempt failed temporarily; a
		 * late answer to the orphaned delivery is only logged. */
		log_info("netsim: message %llu: no answer from the MS within "
		    "%u s, kept for a retry", (unsigned long long)m->id,
		    m->ns->cfg->mt_ack_timeout_s);
		if (m->inflight != NULL)
			m->inflight->msg = NULL;
		m->inflight = NULL;
		m->state = MSG_WAITING;
		msg_wait(m, m->ns->cfg->retry_s * 1000);
		return;
	}
	if (m->state == MSG_TIMER)
		m->state = MSG_WAITING;
	msg_try(m);
}

static int
msg_timer_new(struct ns_msg *m)
{
	m->timer = evtimer_new(m->ns->base, msg_timer_fire, m);
	return m->timer == NULL ? STK_E_NOMEM : 0;
}

static void
msg_wait(struct ns_msg *m, unsigned ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (long)(ms % 1000) * 1000;
	m->state = MSG_TIMER;
	evtimer_add(m->timer, &tv);
}

/*
 * New messages are routed on a later turn of the loop (after the submit
 * result: a fast delivery's status report never overtakes it) and in
 * submission order: one network-wide timer walks the store, because
 * libevent does not fire equal timeouts in the order they were added.
 */
static void
msg_route_soon(struct ns_msg *m)
{
	struct timeval tv = { 0, 1000 };

	m->state = MSG_WAITING;
	m->fresh = true;
	if (!evtimer_pending(m->ns->route, NULL))
		evtimer_add(m->ns->route, &tv);
}

static void
route_fresh(evutil_socket_t fd, short what, void *arg)
{
	struct netsim *ns = arg;
	struct ns_msg *m, *next;

	(void)fd;
	(void)what;
	for (m = TAILQ_FIRST(&ns->store); m != NULL; m = next) {
		next = TAILQ_NEXT(m, link);
		if (!m->fresh)
			continue;
		m->fresh = false;
		msg_try(m);
	}
}

static void
msg_remove(struct ns_msg *m)
{
	struct netsim *ns = m->ns;

	TAILQ_REMOVE(&ns->store, m, link);
	ns->nstored--;
	update_stored(ns);
	msg_free(m);
}

/* Where a segment sits in its concatenated message: seq, total (1, 1). */
static void
concat_pos(const struct stk_tpdu *t, unsigned *seq, unsigned *total)
{
	struct stk_udh udh;
	struct stk_udh_concat c;

	*seq = *total = 1;
	if (t->udh_len == 0 ||
	    stk_udh_parse(t->udh, t->udh_len, &udh, NULL) != 0 ||
	    stk_udh_find_concat(&udh, &c, NULL) != 0)
		return;
	*seq = c.seq;
	*total = c.total;
}

static void
count_fault(struct netsim *ns, const char *fault, unsigned from, unsigned to)
{
	char labels[96];

	snprintf(labels, sizeof(labels), "fault=\"%s\",path=\"%s->%s\"",
	    fault, ns_entity_kind_name(from), ns_entity_kind_name(to));
	ns_metrics_add(ns->metrics, "netsim_faults_injected_total", labels, 1);
}

static struct ns_dlv *
dlv_new(struct ns_msg *m, struct ns_entity *to)
{
	struct ns_dlv *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->d.id = m->ns->next_dlv_id++;
	d->d.kind = m->kind;
	d->d.tpdu = m->tpdu;
	d->d.msg_id = m->kind == NS_DLV_SM ? m->id : m->ref_id;
	d->d.oa = m->oa;
	d->d.da = m->da;
	d->d.st = m->st;
	d->d.to = to;
	d->d.priv = d;
	d->msg = m;
	TAILQ_INSERT_TAIL(&to->dlvs, d, link);
	return d;
}

static void
log_tpdu(const char *what, const struct stk_tpdu *t, const char *to,
    uint64_t id)
{
	struct stk_buf b;
	char *hex;

	if (stk_log_get_level() < STK_LOG_DEBUG)
		return;
	stk_buf_init(&b);
	if (stk_tpdu_encode(t, &b) == 0 &&
	    (hex = stk_hex_string(stk_buf_data(&b), stk_buf_len(&b), 1))) {
		char oa[STK_ADDR_TEXT_MAX + 1];

		(void)stk_sms_addr_to_text(&t->addr, oa, sizeof(oa));
		log_debug("netsim: %s %llu to %s: %s addr %s PID 0x%02X "
		    "DCS 0x%02X UDHL %zu body %zu%s: %s", what,
		    (unsigned long long)id, to, stk_tpdu_type_name(t->type), oa,
		    t->pid, t->dcs, t->udh_len, t->body_len,
		    t->udhi ? " UDHI" : "", hex);
		free(hex);
	}
	stk_buf_free(&b);
}

static void
msg_deliver_now(struct ns_msg *m, struct ns_entity *to, bool duplicate)
{
	struct ns_dlv *d;
	int cause;

	if ((d = dlv_new(m, to)) == NULL) {
		msg_wait(m, m->ns->cfg->retry_s * 1000);
		return;
	}
	if (duplicate) {
		d->msg = NULL;	/* its completion is only logged */
	} else {
		m->inflight = d;
		m->state = MSG_INFLIGHT;
		m->attempts++;
		/* Guard: no answer within the ack timeout is a temporary
		 * failure (NETSIM-SUBSCRIBER.md: 30 s). */
		struct timeval tv = { (time_t)m->ns->cfg->mt_ack_timeout_s, 0 };
		evtimer_add(m->timer, &tv);
	}
	log_tpdu(m->kind == NS_DLV_SM ? "MT delivery" :
	    "status report delivery", &m->tpdu, to->name, d->d.id);
	cause = to->ops->deliver(to, &d->d);
	if (cause != 0)
		ns_delivery_done(&d->d, cause, NULL, 0);
}

/*
 * Try to move a waiting message on: expired -> finished; owner down or
 * unknown -> stays; first attempt -> path faults; else deliver.
 */
static void
msg_try(struct ns_msg *m)
{
	struct netsim *ns = m->ns;
	struct ns_entity *to;
	struct ns_path_faults f;
	unsigned seq, total;

	m->fresh = false;
	if (m->state != MSG_WAITING)
		return;
	if (ns_now(ns) >= m->expires) {
		log_info("netsim: message %llu expired after %u attempts",
		    (unsigned long long)m->id, m->attempts);
		msg_finish(m, false, 0x46);	/* SM validity period expired */
		return;
	}
	if ((to = msg_target(m)) == NULL || !to->up) {
		/* Wait for an attach (ns_entity_set_up), at most until the
		 * validity period ends (TS 23.040 §9.2.3.12). */
		int64_t left = m->expires - ns_now(ns);

		m->expiry_wait = true;
		msg_wait(m, left > 86400 ? 86400000u : (unsigned)left * 1000u);
		return;
	}
	m->expiry_wait = false;
	if (!m->faults_applied) {
		m->faults_applied = true;
		ns_path_faults_get(ns->cfg->path, m->from_kind, to->kind, &f);
		if (f.loss_pct > 0 && ns_rand_pct(ns) < (unsigned)f.loss_pct) {
			log_info("netsim: fault: message %llu lost",
			    (unsigned long long)m->id);
			count_fault(ns, "loss", m->from_kind, to->kind);
			count_msg(ns, m->from_kind, to->kind, "lost");
			msg_remove(m);
			return;
		}
		concat_pos(&m->tpdu, &seq, &total);
		unsigned wait = f.delay_ms > 0 ? (unsigned)f.delay_ms : 0;
		if (f.reorder_ms > 0 && total > 1 && seq <= total) {
			/* Later segments overtake earlier ones. */
			wait += (total - seq) * (unsigned)f.reorder_ms;
			count_fault(ns, "reorder", m->from_kind, to->kind);
		}
		if (f.delay_ms > 0)
			count_fault(ns, "delay", m->from_kind, to->kind);
		if (f.dup_pct > 0 && ns_rand_pct(ns) < (unsigned)f.dup_pct) {
			log_info("netsim: fault: message %llu duplicated",
			    (unsigned long long)m->id);
			count_fault(ns, "duplicate", m->from_kind, to->kind);
			msg_deliver_now(m, to, true);
		}
		if (wait > 0) {
			msg_wait(m, wait);
			return;
		}
	}
	msg_deliver_now(m, to, false);
}

/* Queue a status report on m for its originator (TS 23.040 §9.2.2.3). */
static void
queue_status_report(struct ns_msg *m, uint8_t st)
{
	struct netsim *ns = m->ns;
	struct ns_msg *r;
	struct stk_tpdu *t;
	int64_t now = ns_now(ns);

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return;
	r->ns = ns;
	r->id = ns->next_msg_id++;
	r->kind = NS_DLV_STATUS_REPORT;
	r->oa = m->oa;
	r->da = m->da;
	r->ref_id = m->id;
	r->st = st;
	memcpy(r->from_name, m->from_name, sizeof(r->from_name));
	r->from_kind = m->from_kind;
	r->submitted = now;
	r->expires = now + ns->cfg->default_validity_s;
	r->faults_applied = true;
	t = &r->tpdu;
	stk_tpdu_init(t, STK_TPDU_STATUS_REPORT);
	t->mms = true;
	t->mr = m->mr;
	t->addr = m->da;		/* TP-RA: the recipient */
	t->st = st;
	if (stk_sms_time_from_unix(m->submitted, ns->cfg->tz_minutes,
	    &t->scts) != 0 ||
	    stk_sms_time_from_unix(now, ns->cfg->tz_minutes, &t->dt) != 0 ||
	    msg_timer_new(r) != 0) {
		msg_free(r);
		return;
	}
	TAILQ_INSERT_TAIL(&ns->store, r, link);
	ns->nstored++;
	update_stored(ns);
	log_info("netsim: status report %llu on message %llu: TP-ST 0x%02X %s",
	    (unsigned long long)r->id, (unsigned long long)m->id, st,
	    stk_st_name(st));
	/* From the loop: the caller may be inside an entity's callback. */
	msg_route_soon(r);
}

static void
msg_finish(struct ns_msg *m, bool delivered, uint8_t st)
{
	struct ns_entity *to = msg_target(m);
	unsigned to_kind = to != NULL ? to->kind : NS_ENT_KIND_COUNT;

	count_msg(m->ns, m->from_kind, to_kind,
	    m->kind == NS_DLV_STATUS_REPORT ?
	    (delivered ? "report_delivered" : "report_failed") :
	    (delivered ? "delivered" : (st == 0x46 ? "expired" : "failed")));
	if (m->kind == NS_DLV_SM && m->srr)
		queue_status_report(m, delivered ? 0x00 : st);
	msg_remove(m);
}

void
ns_delivery_done(struct ns_delivery *dd, int rp_cause, const uint8_t *report,
    size_t report_len)
{
	struct ns_dlv *d = dd->priv;
	struct ns_msg *m = d->msg;
	struct ns_entity *to = dd->to;

	TAILQ_REMOVE(&to->dlvs, d, link);
	if (report_len > 0 && stk_log_get_level() >= STK_LOG_DEBUG) {
		char *hex = stk_hex_string(report, report_len, 1);

		log_debug("netsim: delivery %llu: SMS-DELIVER-REPORT %s",
		    (unsigned long long)dd->id, hex ? hex : "?");
		free(hex);
	}
	if (m == NULL) {
		log_info("netsim: delivery %llu answered late or duplicate "
		    "(cause %d)", (unsigned long long)dd->id, rp_cause);
		free(d);
		return;
	}
	m->inflight = NULL;
	evtimer_del(m->timer);
	m->state = MSG_WAITING;
	free(d);
	if (rp_cause == 0) {
		struct timeval now = { 0, 0 };

		log_info("netsim: %s %llu delivered to %s",
		    m->kind == NS_DLV_SM ? "message" : "status report",
		    (unsigned long long)m->id, to->name);
		msg_finish(m, true, 0);
		/* The destination just took a message: what it refused as
		 * full or busy (cause 22, e.g. a modem awaiting +CNMA) is
		 * tried again now, as an SC does on the next successful
		 * delivery, instead of after `retry`. */
		if (to->up && to->refused_busy) {
			to->refused_busy = false;
			evtimer_add(to->retry_busy, &now);
		}
	} else if (ns_rp_cause_temporary((unsigned)rp_cause)) {
		log_info("netsim: message %llu to %s: RP-ERROR %d (%s), kept",
		    (unsigned long long)m->id, to->name, rp_cause,
		    ns_rp_cause_name((unsigned)rp_cause));
		count_msg(m->ns, m->from_kind, to->kind, "retry");
		msg_wait(m, m->ns->cfg->retry_s * 1000);
		if (rp_cause == NS_RP_MEMORY_EXCEEDED) {
			m->busy_retry = true;
			to->refused_busy = true;
		}
	} else {
		log_info("netsim: message %llu to %s: RP-ERROR %d (%s), failed",
		    (unsigned long long)m->id, to->name, rp_cause,
		    ns_rp_cause_name((unsigned)rp_cause));
		/* TP-ST 0x41: incompatible destination (permanent). */
		msg_finish(m, false, 0x41);
	}
}

/* ---- faults registry ---- */

int
ns_fault_register(struct netsim *ns, const char *prefix, ns_fault_setter set,
    void *ctx)
{
	size_t n = ns->nfault_setters;

	if (n == sizeof(ns->fault_setters) / sizeof(ns->fault_setters[0]) ||
	    strlen(prefix) >= sizeof(ns->fault_setters[0].prefix))
		return STK_E_NOSPACE;
	memcpy(ns->fault_setters[n].prefix, prefix, strlen(prefix) + 1);
	ns->fault_setters[n].set = set;
	ns->fault_setters[n].ctx = ctx;
	ns->nfault_setters++;
	return 0;
}

int
ns_fault_set(struct netsim *ns, const char *key, const char *value,
    char *err, size_t errsz)
{
	size_t i;
	int rc;

	if (strncmp(key, "path.", 5) == 0)
		rc = ns_path_fault_set(ns->cfg->path, key + 5, value, err,
		    errsz);
	else {
		rc = STK_E_NOT_FOUND;
		snprintf(err, errsz, "unknown fault key \"%s\"", key);
		for (i = 0; i < ns->nfault_setters; i++) {
			size_t n = strlen(ns->fault_setters[i].prefix);

			if (strncmp(key, ns->fault_setters[i].prefix, n) == 0) {
				rc = ns->fault_setters[i].set(
				    ns->fault_setters[i].ctx, key, value, err,
				    errsz);
				break;
			}
		}
	}
	if (rc == 0)
		log_info("netsim: fault %s = %s", key, value);
	return rc;
}
