/*
 * subscriber.c - phone simulators attached over TCP or a Unix socket,
 * speaking docs/NETSIM-SUBSCRIBER.md.  Each configured MSISDN is a network
 * entity for the daemon's lifetime (so messages for it are stored while
 * nobody is attached); a connection attaches to one of them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "hex.h"
#include "log.h"
#include "sub_proto.h"
#include "ns_priv.h"

struct sub;
struct conn;

struct mt_wait {			/* a delivery awaiting MT-ACK/NACK */
	TAILQ_ENTRY(mt_wait) link;
	struct ns_delivery *d;
};
TAILQ_HEAD(mt_wait_list, mt_wait);

struct mo_wait {			/* an MO awaiting its result */
	TAILQ_ENTRY(mo_wait) link;
	struct sub *sub;
	struct conn *conn;		/* NULL once the connection closed */
	char ref[11];
};
TAILQ_HEAD(mo_wait_list, mo_wait);

struct conn {
	TAILQ_ENTRY(conn) link;
	struct ns_subscribers *owner;
	struct bufferevent *bev;
	struct sub *sub;		/* attached subscriber or NULL */
	bool closing;
	char peer[64];
};
TAILQ_HEAD(conn_list, conn);

struct sub {
	struct ns_subscribers *owner;
	struct ns_entity *e;
	struct stk_sms_addr addr;
	char msisdn[STK_ADDR_TEXT_MAX + 1];
	struct conn *conn;
	struct mt_wait_list mts;
	struct mo_wait_list mos;
};

struct ns_subscribers {
	struct netsim *ns;
	size_t nsubs;
	struct sub *subs;
	struct evconnlistener *tcp, *unix_l;
	struct conn_list conns;
};

static int sub_deliver(struct ns_entity *e, struct ns_delivery *d);

static const struct ns_entity_ops sub_ops = {
	.deliver = sub_deliver,
};

static void
send_line(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
send_line(struct conn *c, const char *fmt, ...)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	va_list ap;

	va_start(ap, fmt);
	evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
	evbuffer_add(out, "\n", 1);
}

/* Detach: pending deliveries fail temporarily (kept by the network). */
static void
detach(struct conn *c)
{
	struct sub *s = c->sub;
	struct mt_wait *w;
	struct mo_wait *mo;

	if (s == NULL)
		return;
	c->sub = NULL;
	s->conn = NULL;
	ns_entity_set_up(s->e, false);
	while ((w = TAILQ_FIRST(&s->mts)) != NULL) {
		TAILQ_REMOVE(&s->mts, w, link);
		ns_delivery_done(w->d, NS_RP_DEST_OUT_OF_ORDER, NULL, 0);
		free(w);
	}
	TAILQ_FOREACH(mo, &s->mos, link)
		if (mo->conn == c)
			mo->conn = NULL;
	log_info("netsim: subscriber %s detached (%s)", s->msisdn, c->peer);
}

static void
conn_free(struct conn *c)
{
	detach(c);
	TAILQ_REMOVE(&c->owner->conns, c, link);
	bufferevent_free(c->bev);
	free(c);
}

static struct sub *
sub_find(struct ns_subscribers *o, const char *msisdn)
{
	size_t i;

	for (i = 0; i < o->nsubs; i++)
		if (strcmp(o->subs[i].msisdn, msisdn) == 0)
			return &o->subs[i];
	return NULL;
}

static int
sub_deliver(struct ns_entity *e, struct ns_delivery *d)
{
	struct sub *s = ns_entity_ctx(e);
	struct mt_wait *w;
	struct stk_buf b;
	char *hex = NULL;
	int rc = 0;

	if (s->conn == NULL)
		return NS_RP_DEST_OUT_OF_ORDER;
	stk_buf_init(&b);
	if (stk_tpdu_encode(&d->tpdu, &b) != 0 ||
	    (hex = stk_hex_string(stk_buf_data(&b), stk_buf_len(&b), 1)) ==
	    NULL || (w = calloc(1, sizeof(*w))) == NULL) {
		rc = NS_RP_RESOURCES_UNAVAILABLE;
		goto out;
	}
	w->d = d;
	TAILQ_INSERT_TAIL(&s->mts, w, link);
	send_line(s->conn, "MT %llu %s", (unsigned long long)d->id, hex);
out:
	free(hex);
	stk_buf_free(&b);
	return rc;
}

static void
mo_result(struct ns_entity *from, const struct ns_submit_result *r,
    void *arg)
{
	struct mo_wait *mo = arg;
	struct sub *s = mo->sub;

	(void)from;
	TAILQ_REMOVE(&s->mos, mo, link);
	if (mo->conn != NULL) {
		if (r->rp_cause == 0)
			send_line(mo->conn, "MO-RESULT %s OK %u", mo->ref, r->mr);
		else
			send_line(mo->conn, "MO-RESULT %s ERR %d", mo->ref,
			    r->rp_cause);
	}
	free(mo);
}

static void
do_mo(struct conn *c, const struct sub_req *r)
{
	struct sub *s = c->sub;
	struct stk_tpdu t;
	struct stk_diag diag;
	struct mo_wait *mo;
	char dbuf[128];
	int rc;

	if (s == NULL) {
		send_line(c, "ERR 403 not attached");
		return;
	}
	stk_diag_clear(&diag);
	rc = stk_tpdu_decode(r->tpdu, r->tpdu_len, STK_DIR_MS_TO_SC, &t, &diag);
	if (rc != 0 || t.type != STK_TPDU_SUBMIT) {
		/* TS 24.011 §8.2.5.4: 96 invalid mandatory information. */
		log_info("netsim: MO from %s rejected: %s", s->msisdn,
		    rc != 0 ? stk_diag_format(&diag, dbuf, sizeof(dbuf)) :
		    "not an SMS-SUBMIT");
		send_line(c, "MO-RESULT %s ERR %d", r->ref,
		    NS_RP_INVALID_MANDATORY_INFO);
		return;
	}
	if ((mo = calloc(1, sizeof(*mo))) == NULL) {
		send_line(c, "MO-RESULT %s ERR %d", r->ref,
		    NS_RP_RESOURCES_UNAVAILABLE);
		return;
	}
	mo->sub = s;
	mo->conn = c;
	memcpy(mo->ref, r->ref, sizeof(mo->ref));
	TAILQ_INSERT_TAIL(&s->mos, mo, link);
	if (ns_submit(s->e, &s->addr, &t, mo_result, mo) != 0) {
		TAILQ_REMOVE(&s->mos, mo, link);
		free(mo);
		send_line(c, "MO-RESULT %s ERR %d", r->ref,
		    NS_RP_RESOURCES_UNAVAILABLE);
	}
}

static void
do_mt_answer(struct conn *c, const struct sub_req *r)
{
	struct sub *s = c->sub;
	struct mt_wait *w;

	if (s == NULL) {
		send_line(c, "ERR 403 not attached");
		return;
	}
	TAILQ_FOREACH(w, &s->mts, link)
		if (w->d->id == r->id)
			break;
	if (w == NULL) {
		send_line(c, "ERR 404 no MT %llu pending",
		    (unsigned long long)r->id);
		return;
	}
	TAILQ_REMOVE(&s->mts, w, link);
	ns_delivery_done(w->d, r->verb == SUB_MT_ACK ? 0 : (int)r->cause,
	    r->tpdu_len ? r->tpdu : NULL, r->tpdu_len);
	free(w);
}

static void
do_line(struct conn *c, const char *line, size_t len)
{
	struct sub_req r;
	const char *reason;
	struct sub *s;

	if (sub_parse_line(line, len, &r, &reason) != 0) {
		send_line(c, "ERR 400 %s", reason);
		return;
	}
	switch (r.verb) {
	case SUB_ATTACH:
		if ((s = sub_find(c->owner, r.msisdn)) == NULL) {
			send_line(c, "ERR 404 no subscriber %s", r.msisdn);
			return;
		}
		if (s->conn != NULL && s->conn != c) {
			send_line(c, "ERR 409 %s is attached elsewhere",
			    r.msisdn);
			return;
		}
		if (c->sub != NULL && c->sub != s)
			detach(c);
		c->sub = s;
		s->conn = c;
		send_line(c, "OK ATTACH %s", r.msisdn);
		log_info("netsim: subscriber %s attached (%s)", s->msisdn,
		    c->peer);
		/* Stored messages follow the OK. */
		ns_entity_set_up(s->e, true);
		break;
	case SUB_DETACH:
		detach(c);
		send_line(c, "OK DETACH");
		break;
	case SUB_MO:
		do_mo(c, &r);
		break;
	case SUB_MT_ACK:
	case SUB_MT_NACK:
		do_mt_answer(c, &r);
		break;
	case SUB_PING:
		send_line(c, "PONG");
		break;
	}
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t n;

	if (c->closing) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) != NULL) {
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n + 1 > SUB_LINE_MAX) {
			free(line);
			goto too_long;
		}
		do_line(c, line, n);
		free(line);
		if (c->closing)
			return;
	}
	if (evbuffer_get_length(in) >= SUB_LINE_MAX)
		goto too_long;
	return;
too_long:
	send_line(c, "ERR 400 line too long");
	c->closing = true;
	evbuffer_drain(in, evbuffer_get_length(in));
	detach(c);
	/* Close once the answer is written. */
	bufferevent_disable(bev, EV_READ);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->closing)
		conn_free(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(c);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct ns_subscribers *o = arg;
	struct conn *c;

	(void)l;
	(void)salen;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->owner = o;
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)sa;
		char host[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(c->peer, sizeof(c->peer), "%s:%u", host,
		    ntohs(in->sin_port));
	} else {
		snprintf(c->peer, sizeof(c->peer), "unix:%d", (int)fd);
	}
	c->bev = bufferevent_socket_new(ns_base(o->ns), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	ns_tcp_nodelay(fd);
	TAILQ_INSERT_TAIL(&o->conns, c, link);
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	/* Never buffer more than a line's worth before parsing. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, 4 * SUB_LINE_MAX);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	log_debug("netsim: subscriber connection from %s", c->peer);
}

struct ns_subscribers *
ns_subscribers_start(struct netsim *ns)
{
	const struct ns_config *cfg = ns_config(ns);
	struct ns_subscribers *o;
	size_t i;
	char name[64];

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->ns = ns;
	TAILQ_INIT(&o->conns);
	if (cfg->nsubs > 0 &&
	    (o->subs = calloc(cfg->nsubs, sizeof(*o->subs))) == NULL)
		goto fail;
	for (i = 0; i < cfg->nsubs; i++) {
		struct sub *s = &o->subs[i];

		s->owner = o;
		TAILQ_INIT(&s->mts);
		TAILQ_INIT(&s->mos);
		memcpy(s->msisdn, cfg->subs[i].msisdn, sizeof(s->msisdn));
		if (stk_sms_addr_from_text(s->msisdn, &s->addr) != 0)
			goto fail;
		snprintf(name, sizeof(name), "sub:%s", s->msisdn);
		if ((s->e = ns_entity_new(ns, NS_ENT_SUBSCRIBER, name, &sub_ops,
		    s)) == NULL || ns_entity_own(s->e, s->msisdn, false) != 0) {
			log_error("netsim: cannot register subscriber %s",
			    s->msisdn);
			goto fail;
		}
		o->nsubs++;
	}
	if (cfg->subscriber_listen[0] != '\0') {
		struct sockaddr_in sin;
		char host[64];
		unsigned port;

		memset(&sin, 0, sizeof(sin));
		if (ns_parse_listen(cfg->subscriber_listen, host, sizeof(host),
		    &port) != 0)
			goto fail;
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, host, &sin.sin_addr);
		o->tcp = evconnlistener_new_bind(ns_base(ns), on_accept, o,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
		    (struct sockaddr *)&sin, sizeof(sin));
		if (o->tcp == NULL) {
			log_error("netsim: cannot listen for subscribers on "
			    "%s: %s", cfg->subscriber_listen, strerror(errno));
			goto fail;
		}
		log_info("netsim: subscribers on tcp %s",
		    cfg->subscriber_listen);
	}
	if (cfg->subscriber_socket[0] != '\0') {
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(cfg->subscriber_socket) >= sizeof(sun.sun_path))
			goto fail;
		memcpy(sun.sun_path, cfg->subscriber_socket,
		    strlen(cfg->subscriber_socket) + 1);
		unlink(cfg->subscriber_socket);
		o->unix_l = evconnlistener_new_bind(ns_base(ns), on_accept, o,
		    LEV_OPT_CLOSE_ON_FREE, 16, (struct sockaddr *)&sun,
		    sizeof(sun));
		if (o->unix_l == NULL) {
			log_error("netsim: cannot listen on %s: %s",
			    cfg->subscriber_socket, strerror(errno));
			goto fail;
		}
		log_info("netsim: subscribers on unix %s",
		    cfg->subscriber_socket);
	}
	return o;
fail:
	ns_subscribers_stop(o);
	return NULL;
}

void
ns_subscribers_stop(struct ns_subscribers *o)
{
	struct conn *c;
	struct mo_wait *mo;
	size_t i;

	if (o == NULL)
		return;
	if (o->tcp != NULL)
		evconnlistener_free(o->tcp);
	if (o->unix_l != NULL) {
		evconnlistener_free(o->unix_l);
		unlink(ns_config(o->ns)->subscriber_socket);
	}
	while ((c = TAILQ_FIRST(&o->conns)) != NULL)
		conn_free(c);
	for (i = 0; i < o->nsubs; i++) {
		ns_entity_free(o->subs[i].e);
		while ((mo = TAILQ_FIRST(&o->subs[i].mos)) != NULL) {
			TAILQ_REMOVE(&o->subs[i].mos, mo, link);
			free(mo);
		}
	}
	free(o->subs);
	free(o);
}
