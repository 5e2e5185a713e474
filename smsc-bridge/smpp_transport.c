/*
 * smpp_transport.c - transport_smpp_ops: the SMPP links of one
 * [transport NAME] section on the bridge's event loop.  One connection
 * (bind = trx) or two (bind = tx+rx: a transmitter that submits and a
 * receiver that takes deliver_sm); each runs a protocol engine
 * (smpp_link.c) over a libevent bufferevent, plain TCP or TLS (OpenSSL,
 * peer verified against `ca` or the system store, host name checked).
 *
 * Connections are opened at open(), re-opened after any loss with an
 * exponential backoff (reconnect_min doubling up to reconnect_max, +-20 %
 * jitter, back to the minimum after a successful bind).  A 100 ms tick
 * drives the engines' timers, the reconnects and the end of a throttling
 * pause.  The core hears link(up) when the sending bind can take
 * messages and link(down) when it cannot (connection lost, throttled,
 * draining); after a link(up) it asks capacity() again.
 *
 * Callbacks to the core come from bufferevent and timer callbacks only
 * (BEV_OPT_DEFER_CALLBACKS: nothing runs inside submit()).  free() after
 * drain(): it releases everything without callbacks.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <libsmpp34/smpp34.h>

#include "log.h"
#include "smpp_esme.h"

#define TICK_MS 100
#define NCONN 2

enum conn_state {
	CONN_WAIT = 0,		/* waiting to (re)connect */
	CONN_CONNECTING,	/* TCP (and TLS) handshake */
	CONN_UP,		/* the engine runs */
	CONN_STOPPED,		/* draining: no reconnect */
};

struct smpp_conn {
	struct transport *t;
	struct smpp_link link;
	struct bufferevent *bev;
	struct bufferevent *zombie;	/* closing: output still flushing */
	enum conn_state st;
	int64_t connect_started_ms;
	int64_t retry_at_ms;
	unsigned backoff_ms;
	bool bound_once;		/* bound since this connect */
	enum smpp_link_state seen;	/* last state logged */
};

struct transport {
	struct event_base *base;
	struct smpp_conf conf;
	struct smpp_ctx ctx;
	struct smpp_conn conns[NCONN];
	unsigned nconns;		/* conns[0] submits (trx or tx) */
	struct event *tick;
	struct event *drain_ev;
	struct evdns_base *dns;		/* NULL: numeric hosts only */
	SSL_CTX *ssl;
	bool draining, drain_reported;
	void (*drain_done)(void *core);
	bool up_reported;
};

static const char *const conn_role_names[] = { "trx", "tx", "rx" };

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_connect(struct smpp_conn *c);

/* ---- link state towards the core ---- */

static void
report_link(struct transport *t, const char *why)
{
	const struct smpp_conn *c = &t->conns[0];
	int64_t now = mono_ms();
	bool bound = c->st == CONN_UP && c->link.state == SMPP_LINK_BOUND;
	bool paused = now < t->ctx.paused_until_ms;
	bool up = !t->draining && bound && !paused;

	if (up == t->up_reported)
		return;
	t->up_reported = up;
	if (t->draining)
		why = "draining";
	else if (!bound)
		why = c->link.why != NULL ? c->link.why : "not bound";
	else if (paused)
		why = "throttled";
	else if (t->ctx.paused_until_ms != 0)
		why = "throttling pause over";
	else if (why == NULL)
		why = "bound";
	if (up)
		t->ctx.paused_until_ms = 0;
	t->ctx.ev->link(t->ctx.core, t->conf.name, up, why);
}

/* ---- connections ---- */

static void
zombie_write(struct bufferevent *bev, void *arg)
{
	struct smpp_conn *c = arg;

	if (bev == c->zombie) {
		bufferevent_free(bev);
		c->zombie = NULL;
	}
}

static void
zombie_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	zombie_write(bev, arg);
}

/*
 * The connection is over: flush what the engine queued last (an
 * unbind_resp, a generic_nack) when flush is set, fail what is in flight,
 * and plan the reconnect (or stop, when draining).
 */
static void
conn_close(struct smpp_conn *c, const char *why, bool flush)
{
	struct transport *t = c->t;
	struct bufferevent *bev = c->bev;
	int64_t now = mono_ms();
	unsigned jitter;

	c->bev = NULL;
	if (bev != NULL) {
		if (flush && c->zombie == NULL &&
		    evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
			struct timeval tv = { 2, 0 };

			bufferevent_disable(bev, EV_READ);
			bufferevent_setcb(bev, NULL, zombie_write,
			    zombie_event, c);
			bufferevent_set_timeouts(bev, NULL, &tv);
			c->zombie = bev;
		} else {
			bufferevent_free(bev);
		}
	}
	if (c->st == CONN_UP)
		t->ctx.stats.disconnects++;
	else if (c->st == CONN_CONNECTING)
		t->ctx.stats.connects_failed++;
	stk_log(t->draining ? STK_LOG_INFO : STK_LOG_WARN,
	    "smpp[%s/%s] connection to %s:%u closed: %s", t->conf.name,
	    conn_role_names[c->link.role], t->conf.host, t->conf.port, why);
	if (c->bound_once)
		c->backoff_ms = t->conf.reconnect_min_ms;
	c->bound_once = false;
	c->link.why = why;
	c->st = t->draining ? CONN_STOPPED : CONN_WAIT;
	jitter = c->backoff_ms / 5;
	c->retry_at_ms = now + c->backoff_ms - jitter +
	    (jitter > 0 ? (unsigned)random() % (2 * jitter + 1) : 0);
	c->backoff_ms = c->backoff_ms >= t->conf.reconnect_max_ms / 2 ?
	    t->conf.reconnect_max_ms : c->backoff_ms * 2;
	report_link(t, why);
	smpp_link_down(&c->link, why);
	c->seen = SMPP_LINK_IDLE;
}

static void check_drain(struct transport *t);

/* After the engine ran: send its output, follow its state. */
static void
conn_after(struct smpp_conn *c)
{
	struct transport *t = c->t;
	struct smpp_link *l = &c->link;

	if (c->bev != NULL && stk_buf_len(&l->out) > 0)
		bufferevent_write(c->bev, stk_buf_data(&l->out),
		    stk_buf_len(&l->out));
	stk_buf_reset(&l->out);
	if (l->state == SMPP_LINK_BOUND && c->seen != SMPP_LINK_BOUND) {
		c->bound_once = true;
		c->backoff_ms = t->conf.reconnect_min_ms;
	}
	c->seen = l->state;
	if (l->state == SMPP_LINK_CLOSED)
		conn_close(c, l->why != NULL ? l->why : "closed", true);
	report_link(t, NULL);
	if (t->draining)
		check_drain(t);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct smpp_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in), used = 0;
	const uint8_t *p = evbuffer_pullup(in, -1);

	if (p == NULL || n == 0)
		return;
	smpp_link_input(&c->link, p, n, mono_ms(), &used);
	evbuffer_drain(in, used);
	conn_after(c);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct smpp_conn *c = arg;
	struct transport *t = c->t;
	char why[160];
	unsigned long e;

	if (what & BEV_EVENT_CONNECTED) {
		int one = 1;

		(void)setsockopt(bufferevent_getfd(bev), IPPROTO_TCP,
		    TCP_NODELAY, &one, sizeof(one));
		log_info("smpp[%s/%s] connected to %s:%u%s", t->conf.name,
		    conn_role_names[c->link.role], t->conf.host, t->conf.port,
		    t->ssl != NULL ? " (TLS verified)" : "");
		c->st = CONN_UP;
		smpp_link_start(&c->link, mono_ms());
		conn_after(c);
		return;
	}
	if (t->ssl != NULL && (e = bufferevent_get_openssl_error(bev)) != 0) {
		char ebuf[120];

		ERR_error_string_n(e, ebuf, sizeof(ebuf));
		snprintf(why, sizeof(why), "TLS: %s", ebuf);
	} else if (what & BEV_EVENT_EOF) {
		snprintf(why, sizeof(why), "the SMSC closed the connection");
	} else {
		snprintf(why, sizeof(why), "%s", evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
	}
	/* conn_close keeps the reason only as a static pointer. */
	log_warn("smpp[%s/%s] %s", t->conf.name,
	    conn_role_names[c->link.role], why);
	conn_close(c, (what & BEV_EVENT_EOF) ? "connection closed by the SMSC" :
	    t->ssl != NULL ? "connection or TLS error" : "connection error",
	    false);
	if (t->draining)
		check_drain(t);
}

static struct bufferevent *
new_bev(struct smpp_conn *c)
{
	struct transport *t = c->t;
	int opt = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS;
	struct in6_addr a6;
	struct in_addr a4;
	SSL *ssl;

	if (t->ssl == NULL)
		return bufferevent_socket_new(t->base, -1, opt);
	if ((ssl = SSL_new(t->ssl)) == NULL)
		return NULL;
	/* The certificate must name the host we dialled (RFC 6125). */
	if (inet_pton(AF_INET, t->conf.host, &a4) == 1 ||
	    inet_pton(AF_INET6, t->conf.host, &a6) == 1) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    t->conf.host);
	} else {
		SSL_set_tlsext_host_name(ssl, t->conf.host);
		SSL_set1_host(ssl, t->conf.host);
	}
	return bufferevent_openssl_socket_new(t->base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, opt);
}

static void
conn_connect(struct smpp_conn *c)
{
	struct transport *t = c->t;

	c->connect_started_ms = mono_ms();
	c->st = CONN_CONNECTING;
	if ((c->bev = new_bev(c)) == NULL) {
		conn_close(c, "out of memory", false);
		return;
	}
	bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	/* a host name is resolved by evdns, without blocking the loop */
	if (bufferevent_socket_connect_hostname(c->bev, t->dns, AF_UNSPEC,
	    t->conf.host, (int)t->conf.port) != 0)
		conn_close(c, "cannot connect", false);
}

/* ---- timers and drain ---- */

static void
check_drain(struct transport *t)
{
	int64_t now = mono_ms();
	bool busy = false;

	for (unsigned i = 0; i < t->nconns; i++) {
		struct smpp_conn *c = &t->conns[i];

		if (c->st == CONN_WAIT)
			c->st = CONN_STOPPED;
		if (c->st == CONN_CONNECTING)
			conn_close(c, "draining", false);
		if (c->st != CONN_UP)
			continue;
		busy = true;
		if (c->link.state == SMPP_LINK_BOUND && c->link.used == 0) {
			smpp_link_unbind(&c->link, now);
			if (c->bev != NULL && stk_buf_len(&c->link.out) > 0)
				bufferevent_write(c->bev,
				    stk_buf_data(&c->link.out),
				    stk_buf_len(&c->link.out));
			stk_buf_reset(&c->link.out);
		}
	}
	if (!busy && !t->drain_reported && t->drain_done != NULL) {
		t->drain_reported = true;
		log_info("smpp[%s] drained", t->conf.name);
		t->drain_done(t->ctx.core);
	}
}

static void
drain_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	check_drain(arg);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct transport *t = arg;
	int64_t now = mono_ms();

	(void)fd;
	(void)what;
	for (unsigned i = 0; i < t->nconns; i++) {
		struct smpp_conn *c = &t->conns[i];

		if (c->st == CONN_UP) {
			smpp_link_tick(&c->link, now);
			conn_after(c);
		} else if (c->st == CONN_CONNECTING &&
		    now - c->connect_started_ms >=
		    (int64_t)t->conf.bind_timeout_ms) {
			conn_close(c, "connect timeout", false);
		} else if (c->st == CONN_WAIT && !t->draining &&
		    now >= c->retry_at_ms) {
			conn_connect(c);
		}
	}
	/* The end of a throttling pause: the core may submit again. */
	report_link(t, NULL);
	if (t->draining)
		check_drain(t);
}

/* ---- transport_ops ---- */

static int
smpp_check(const struct transport_config *tc, char *err, size_t errsz)
{
	struct smpp_conf c;
	int r = smpp_conf_load(tc, &c, err, errsz);

	memset(&c, 0, sizeof(c));
	return r;
}

static SSL_CTX *
tls_context(const struct smpp_conf *c, char *err, size_t errsz)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int ok;

	if (ctx == NULL) {
		snprintf(err, errsz, "tls: cannot create an OpenSSL context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	ok = c->ca[0] != '\0' ?
	    SSL_CTX_load_verify_locations(ctx, c->ca, NULL) :
	    SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		snprintf(err, errsz, "ca: %s: cannot load the certificates",
		    c->ca[0] != '\0' ? c->ca : "(system store)");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static void smpp_free(struct transport *t);

static int
smpp_open(struct event_base *base, const struct transport_config *tc,
    const struct transport_events *ev, void *core, struct transport **out,
    char *err, size_t errsz)
{
	static const enum smpp_role roles[2][NCONN] = {
		[SMPP_BIND_TRX] = { SMPP_ROLE_TRX },
		[SMPP_BIND_TX_RX] = { SMPP_ROLE_TX, SMPP_ROLE_RX },
	};
	struct transport *t;
	struct timeval tv = { 0, TICK_MS * 1000 };
	int r;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return STK_E_NOMEM;
	t->base = base;
	r = smpp_conf_load(tc, &t->conf, err, errsz);
	/* /etc/hosts and resolv.conf, as the modem pool's links */
	if (r == STK_OK && (t->dns = evdns_base_new(base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL)
		log_warn("smpp[%s] no resolver: numeric hosts only",
		    t->conf.name);
	if (r == STK_OK && (r = smpp_ctx_init(&t->ctx, &t->conf, ev, core)) !=
	    STK_OK)
		snprintf(err, errsz, "out of memory");
	t->nconns = t->conf.bind == SMPP_BIND_TRX ? 1 : 2;
	for (unsigned i = 0; r == STK_OK && i < t->nconns; i++) {
		t->conns[i].t = t;
		t->conns[i].backoff_ms = t->conf.reconnect_min_ms;
		r = smpp_link_init(&t->conns[i].link, &t->ctx,
		    roles[t->conf.bind][i]);
	}
	if (r == STK_OK && t->conf.tls &&
	    (t->ssl = tls_context(&t->conf, err, errsz)) == NULL)
		r = STK_E_INVALID;
	if (r == STK_OK) {
		t->tick = event_new(base, -1, EV_PERSIST, tick_cb, t);
		t->drain_ev = evtimer_new(base, drain_cb, t);
		if (t->tick == NULL || t->drain_ev == NULL ||
		    event_add(t->tick, &tv) != 0) {
			snprintf(err, errsz, "cannot create timers");
			r = STK_E_NOMEM;
		}
	}
	if (r != STK_OK) {
		smpp_free(t);
		return r;
	}
	for (unsigned i = 0; i < t->nconns; i++)
		conn_connect(&t->conns[i]);
	log_info("smpp[%s] ESME \"%s\" to %s:%u, bind %s, window %u%s",
	    t->conf.name, t->conf.system_id, t->conf.host, t->conf.port,
	    t->conf.bind == SMPP_BIND_TRX ? "trx" : "tx+rx", t->conf.window,
	    t->conf.tls ? ", TLS" : "");
	*out = t;
	return STK_OK;
}

static unsigned
smpp_capacity(struct transport *t)
{
	if (t->draining || t->conns[0].st != CONN_UP)
		return 0;
	return smpp_link_capacity(&t->conns[0].link, mono_ms());
}

static int
smpp_submit(struct transport *t, const struct transport_msg *m)
{
	struct smpp_conn *c = &t->conns[0];
	int r;

	if (t->draining || c->st != CONN_UP)
		return STK_E_STATE;
	r = smpp_link_submit(&c->link, m, mono_ms());
	if (r == STK_OK && c->bev != NULL) {
		bufferevent_write(c->bev, stk_buf_data(&c->link.out),
		    stk_buf_len(&c->link.out));
		stk_buf_reset(&c->link.out);
	}
	return r;
}

static void
metric(struct stk_buf *out, const char *name, const char *tname,
    const char *labels, uint64_t v)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "stkauth_bridge_smpp_%s"
	    "{transport=\"%s\"%s%s} %" PRIu64 "\n", name, tname,
	    labels[0] != '\0' ? "," : "", labels, v);

	if (n > 0 && (size_t)n < sizeof(line))
		stk_buf_add_bytes(out, line, (size_t)n);
}

static void
smpp_metrics(struct transport *t, struct stk_buf *out)
{
	const struct smpp_stats *s = &t->ctx.stats;
	const char *nm = t->conf.name;
	const struct {
		const char *name, *labels;
		uint64_t v;
	} rows[] = {
		{ "submits_total", "result=\"accepted\"", s->submit_ok },
		{ "submits_total", "result=\"temporary\"", s->submit_temp },
		{ "submits_total", "result=\"permanent\"", s->submit_perm },
		{ "submits_total", "result=\"throttled\"",
		    s->submit_throttled },
		{ "submit_timeouts_total", "", s->submit_timeout },
		{ "deliver_total", "kind=\"mo\",result=\"acked\"", s->mo_acked },
		{ "deliver_total", "kind=\"mo\",result=\"retry\"", s->mo_retry },
		{ "deliver_total", "kind=\"mo\",result=\"rejected\"",
		    s->mo_rejected },
		{ "deliver_total", "kind=\"receipt\",result=\"acked\"",
		    s->rcpt_acked },
		{ "deliver_total", "kind=\"receipt\",result=\"retry\"",
		    s->rcpt_retry },
		{ "deliver_total", "kind=\"receipt\",result=\"unmatched\"",
		    s->rcpt_unmatched },
		{ "binds_total", "result=\"bound\"", s->binds_ok },
		{ "binds_total", "result=\"refused\"", s->binds_refused },
		{ "connects_failed_total", "", s->connects_failed },
		{ "disconnects_total", "", s->disconnects },
		{ "enquire_links_total", "result=\"sent\"", s->enquire_sent },
		{ "enquire_links_total", "result=\"timeout\"",
		    s->enquire_timeout },
		{ "generic_nacks_total", "", s->generic_nack_in },
		{ "bad_framing_total", "", s->bad_framing },
		{ "unknown_pdus_total", "", s->unknown_pdu },
	};
	char labels[96];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		metric(out, rows[i].name, nm, rows[i].labels, rows[i].v);
	for (unsigned i = 0; i < t->nconns; i++) {
		const struct smpp_conn *c = &t->conns[i];

		snprintf(labels, sizeof(labels), "bind=\"%s\"",
		    conn_role_names[c->link.role]);
		metric(out, "bound", nm, labels,
		    c->st == CONN_UP && c->link.state == SMPP_LINK_BOUND);
		if (c->link.role != SMPP_ROLE_RX) {
			metric(out, "window_used", nm, labels, c->link.used);
			metric(out, "window_size", nm, labels, t->conf.window);
		}
	}
	for (size_t i = 0; i < SMPP_ERR_NAMES && s->errors[i].n > 0; i++) {
		snprintf(labels, sizeof(labels), "status=\"%s\"",
		    smpp_status_name(s->errors[i].status));
		metric(out, "errors_total", nm, labels, s->errors[i].n);
	}
}

static void
smpp_drain(struct transport *t, void (*done)(void *core))
{
	struct timeval now = { 0, 0 };

	t->draining = true;
	t->drain_done = done;
	log_info("smpp[%s] draining", t->conf.name);
	/* The rest runs from the loop: done() never comes from in here. */
	event_add(t->drain_ev, &now);
}

static void
smpp_free(struct transport *t)
{
	if (t == NULL)
		return;
	if (t->tick != NULL)
		event_free(t->tick);
	if (t->drain_ev != NULL)
		event_free(t->drain_ev);
	for (unsigned i = 0; i < NCONN; i++) {
		struct smpp_conn *c = &t->conns[i];

		if (c->bev != NULL)
			bufferevent_free(c->bev);
		if (c->zombie != NULL)
			bufferevent_free(c->zombie);
		smpp_link_free(&c->link);
	}
	smpp_ctx_free(&t->ctx);
	if (t->dns != NULL)	/* after the bufferevents: they cancel */
		evdns_base_free(t->dns, 0);
	if (t->ssl != NULL)
		SSL_CTX_free(t->ssl);
	memset(&t->conf, 0, sizeof(t->conf));
	free(t);
}

const struct transport_ops transport_smpp_ops = {
	.type = "smpp",
	.check = smpp_check,
	.open = smpp_open,
	.capacity = smpp_capacity,
	.submit = smpp_submit,
	.metrics = smpp_metrics,
	.drain = smpp_drain,
	.free = smpp_free,
};
