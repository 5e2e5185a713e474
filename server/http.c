/*
 * http.c - the listener: HTTPS (libevent bufferevents over OpenSSL), plain
 * HTTP on loopback only (config.c refuses anything else), routing, limits,
 * JSON errors with trace ids, /healthz, /metrics, long-poll waiters.
 *
 * Limits, two tiers: libevent cuts requests beyond max_body_hard octets
 * of body or max_headers octets of headers (its own 413/400, before the
 * body is read, so memory stays bounded); below those, bodies above
 * max_body get our JSON 413 PAYLOAD_TOO_LARGE and header blocks above
 * max_headers / 2 our JSON 431 HEADERS_TOO_LARGE.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "err.h"
#include "log.h"
#include "server.h"
#include "store.h"

int64_t
srv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
reqctx_free(struct reqctx *rc)
{
	free(rc);
}

void
http_reply_json(struct reqctx *rc, int status, json_t *obj)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(rc->req);
	struct evbuffer *b = evbuffer_new();
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	const char *phrase;

	if (status / 100 >= 1 && status / 100 <= 5)
		rc->s->m.http_requests[status / 100]++;
	else
		rc->s->m.http_requests[0]++;
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Trace-Id", rc->trace);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (b && text) {
		evbuffer_add(b, text, strlen(text));
		evbuffer_add(b, "\n", 1);
	}
	switch (status) {
	case 200: phrase = "OK"; break;
	case 202: phrase = "Accepted"; break;
	case 400: phrase = "Bad Request"; break;
	case 401: phrase = "Unauthorized"; break;
	case 404: phrase = "Not Found"; break;
	case 405: phrase = "Method Not Allowed"; break;
	case 409: phrase = "Conflict"; break;
	case 413: phrase = "Payload Too Large"; break;
	case 415: phrase = "Unsupported Media Type"; break;
	case 422: phrase = "Unprocessable Entity"; break;
	case 429: phrase = "Too Many Requests"; break;
	case 431: phrase = "Request Header Fields Too Large"; break;
	case 503: phrase = "Service Unavailable"; break;
	default: phrase = "Internal Server Error"; break;
	}
	log_debug("http: %s %s -> %d trace=%s",
	    evhttp_request_get_command(rc->req) == EVHTTP_REQ_GET ? "GET" :
	    "POST", evhttp_request_get_uri(rc->req), status, rc->trace);
	evhttp_send_reply(rc->req, status, phrase, b);
	if (b)
		evbuffer_free(b);
	free(text);
	json_decref(obj);
	reqctx_free(rc);
}

void
http_reply_error(struct reqctx *rc, int status, const char *code,
    const char *msg, const char *field)
{
	json_t *err = json_pack("{s:s, s:s, s:s}", "code", code, "message",
	    msg, "traceId", rc->trace);

	if (err && field && field[0])
		json_object_set_new(err, "field", json_string(field));
	if (status == 401)
		evhttp_add_header(evhttp_request_get_output_headers(rc->req),
		    "WWW-Authenticate", "Bearer");
	log_info("http: %d %s (%s%s%s) client=%s trace=%s", status, code, msg,
	    field && field[0] ? ", field " : "", field ? field : "",
	    rc->client, rc->trace);
	http_reply_json(rc, status, err ? json_pack("{s:o}", "error", err) :
	    NULL);
}

int
http_body(struct reqctx *rc, char **body, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(rc->req);
	size_t n = evbuffer_get_length(in);
	const char *ct = evhttp_find_header(
	    evhttp_request_get_input_headers(rc->req), "Content-Type");
	char *p;

	*body = NULL;
	if (n > rc->s->cfg.max_body)
		return STK_E_TOO_LONG;
	/* application/json, parameters (charset) allowed */
	if (ct == NULL || strncmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';'))
		return STK_E_UNSUPPORTED;
	if ((p = malloc(n + 1)) == NULL)
		return STK_E_NOMEM;
	if (evbuffer_copyout(in, p, n) != (ev_ssize_t)n) {
		free(p);
		return STK_E_IO;
	}
	p[n] = '\0';
	*body = p;
	*len = n;
	return STK_OK;
}

const char *
http_bearer(struct reqctx *rc)
{
	const char *a = evhttp_find_header(
	    evhttp_request_get_input_headers(rc->req), "Authorization");

	if (a == NULL || strncmp(a, "Bearer ", 7) != 0)
		return NULL;
	return a + 7;
}

/* ---- /healthz and /metrics ------------------------------------------ */

static void
healthz(struct reqctx *rc)
{
	if (store_schema_version(rc->s->store) != STORE_SCHEMA_VERSION) {
		http_reply_error(rc, 503, "UNAVAILABLE", "store not ready",
		    NULL);
		return;
	}
	http_reply_json(rc, 200, json_pack("{s:s, s:i}", "status", "ok",
	    "schemaVersion", STORE_SCHEMA_VERSION));
}

/* Prometheus text exposition format 0.0.4. */
static void
metrics(struct reqctx *rc)
{
	struct srv_metrics *m = &rc->s->m;
	struct evbuffer *b = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(rc->req);

	m->http_requests[2]++;
	if (b == NULL) {
		evhttp_send_error(rc->req, 500, NULL);
		reqctx_free(rc);
		return;
	}
	evbuffer_add_printf(b, "# HELP stkauth_http_responses_total HTTP "
	    "responses by status class.\n"
	    "# TYPE stkauth_http_responses_total counter\n");
	for (int i = 1; i <= 5; i++)
		evbuffer_add_printf(b, "stkauth_http_responses_total{class="
		    "\"%dxx\"} %lu\n", i, m->http_requests[i]);
	evbuffer_add_printf(b, "# HELP stkauth_sessions_created_total "
	    "Authentication sessions created.\n"
	    "# TYPE stkauth_sessions_created_total counter\n"
	    "stkauth_sessions_created_total %lu\n", m->sessions_created);
	evbuffer_add_printf(b, "# HELP stkauth_sessions_completed_total "
	    "Sessions completed, by result code.\n"
	    "# TYPE stkauth_sessions_completed_total counter\n");
	for (int i = 1; i < SRV_RES_COUNT; i++)
		evbuffer_add_printf(b, "stkauth_sessions_completed_total{result="
		    "\"%s\"} %lu\n", srv_result_name(i), m->results[i]);
	evbuffer_add_printf(b, "# HELP stkauth_jobs_claimed_total Jobs "
	    "leased to bridges.\n# TYPE stkauth_jobs_claimed_total counter\n"
	    "stkauth_jobs_claimed_total %lu\n"
	    "# HELP stkauth_bridge_results_total Results posted by bridges.\n"
	    "# TYPE stkauth_bridge_results_total counter\n"
	    "stkauth_bridge_results_total %lu\n"
	    "# HELP stkauth_rate_limited_total Requests refused by a rate "
	    "limit.\n# TYPE stkauth_rate_limited_total counter\n"
	    "stkauth_rate_limited_total %lu\n"
	    "# HELP stkauth_longpoll_waiters Long-polls in progress.\n"
	    "# TYPE stkauth_longpoll_waiters gauge\n"
	    "stkauth_longpoll_waiters %lu\n"
	    "# HELP stkauth_verify_queue Results waiting for a worker.\n"
	    "# TYPE stkauth_verify_queue gauge\n"
	    "stkauth_verify_queue %u\n", m->jobs_claimed, m->bridge_results,
	    m->rate_limited, m->waiters,
	    rc->s->pool ? verify_pool_depth(rc->s->pool) : 0);
	evhttp_add_header(h, "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(rc->req, 200, "OK", b);
	evbuffer_free(b);
	reqctx_free(rc);
}

/* ---- routing -------------------------------------------------------- */

static size_t
header_bytes(struct evhttp_request *req)
{
	struct evkeyvalq *hq = evhttp_request_get_input_headers(req);
	struct evkeyval *kv;
	size_t n = 0;

	TAILQ_FOREACH(kv, hq, next)
		n += strlen(kv->key) + strlen(kv->value) + 4;
	return n;
}

static void
dispatch(struct evhttp_request *req, void *arg)
{
	struct srv *s = arg;
	struct evhttp_connection *con = evhttp_request_get_connection(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct reqctx *rc;
	uint8_t tr[16];
	char *addr = NULL;
	ev_uint16_t port = 0;
	const char *path;

	if ((rc = calloc(1, sizeof(*rc))) == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	rc->s = s;
	rc->req = req;
	if (srv_random(tr, sizeof(tr)) != STK_OK)
		memset(tr, 0, sizeof(tr));
	hex_upper(rc->trace, tr, sizeof(tr));
	if (con)
		evhttp_connection_get_peer(con, &addr, &port);
	snprintf(rc->client, sizeof(rc->client), "%s", addr ? addr : "?");

	path = uri ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL) {
		http_reply_error(rc, 400, "BAD_REQUEST", "no path", NULL);
		return;
	}
	if (header_bytes(req) > s->cfg.max_headers / 2) {
		http_reply_error(rc, 431, "HEADERS_TOO_LARGE",
		    "request headers too large", NULL);
		return;
	}
	if (strcmp(path, "/healthz") == 0)
		healthz(rc);
	else if (strcmp(path, "/metrics") == 0)
		metrics(rc);
	else if (strncmp(path, "/api/v1/", 8) == 0)
		api_dispatch(rc, path + 7);
	else if (strncmp(path, "/bridge/v1/", 11) == 0)
		bridge_dispatch(rc, path + 10);
	else
		http_reply_error(rc, 404, "NOT_FOUND", "no such resource",
		    NULL);
}

static struct bufferevent *
tls_bevcb(struct event_base *base, void *arg)
{
	SSL *ssl = SSL_new(arg);

	if (ssl == NULL)
		return NULL;
	return bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

static int
tls_setup(struct srv *s, char *err, size_t errsz)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, s->cfg.tls_cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, s->cfg.tls_key,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
	s->ssl_ctx = ctx;
	evhttp_set_bevcb(s->http, tls_bevcb, ctx);
	return STK_OK;
 fail:
	snprintf(err, errsz, "TLS setup (%s, %s): %s", s->cfg.tls_cert,
	    s->cfg.tls_key, ERR_reason_error_string(ERR_get_error()));
	SSL_CTX_free(ctx);
	return STK_E_CRYPTO;
}

int
http_start(struct srv *s, char *err, size_t errsz)
{
	int rc;

	if ((s->http = evhttp_new(s->base)) == NULL) {
		snprintf(err, errsz, "evhttp_new failed");
		return STK_E_NOMEM;
	}
	evhttp_set_max_body_size(s->http, (ev_ssize_t)s->cfg.max_body_hard);
	evhttp_set_max_headers_size(s->http, (ev_ssize_t)s->cfg.max_headers);
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	/* idle/read timeout above the longest long-poll */
	evhttp_set_timeout(s->http, (int)(s->cfg.longpoll_max_ms / 1000 + 15));
	evhttp_set_gencb(s->http, dispatch, s);
	if (s->cfg.tls && (rc = tls_setup(s, err, errsz)) != STK_OK)
		return rc;
	if (evhttp_bind_socket(s->http, s->cfg.listen_addr,
	    s->cfg.listen_port) != 0) {
		snprintf(err, errsz, "cannot listen on %s port %u",
		    s->cfg.listen_addr, s->cfg.listen_port);
		return STK_E_IO;
	}
	log_info("listening on %s port %u (%s)", s->cfg.listen_addr,
	    s->cfg.listen_port, s->cfg.tls ? "https" : "http, loopback only");
	return STK_OK;
}

void
http_stop(struct srv *s)
{
	waiters_free_all(s);
	if (s->http)
		evhttp_free(s->http);
	s->http = NULL;
	SSL_CTX_free(s->ssl_ctx);
	s->ssl_ctx = NULL;
}

/* ---- long-poll waiters ---------------------------------------------- */

#define WAITER_TICK_MS 250

struct waiter {
	struct srv *s;
	struct reqctx *rc;
	char key[40];
	int64_t deadline;
	struct event *tick;
	waiter_check_fn check;
	void *arg;
	struct waiter *next, **pprev;
};

static void
waiter_free(struct waiter *w)
{
	if (w->next)
		w->next->pprev = w->pprev;
	*w->pprev = w->next;
	event_free(w->tick);
	w->s->m.waiters--;
	free(w->arg);
	free(w);
}

static void
waiter_tick(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;
	bool final = srv_now_ms() >= w->deadline;

	(void)fd;
	(void)what;
	if (w->check(w->rc, w->arg, final) || final) {
		waiter_free(w);
		return;
	}
	{
		struct timeval tv = { 0, WAITER_TICK_MS * 1000 };
		int64_t left = w->deadline - srv_now_ms();

		if (left < WAITER_TICK_MS)
			tv.tv_usec = (left > 0 ? left : 0) * 1000;
		event_add(w->tick, &tv);
	}
}

/* arg is malloc'd and owned by the waiter from here on. */
int
waiter_add(struct reqctx *rc, const char *key, unsigned timeout_ms,
    waiter_check_fn check, void *arg)
{
	struct srv *s = rc->s;
	struct waiter *w;
	struct timeval tv = { 0, WAITER_TICK_MS * 1000 };

	if (s->m.waiters >= s->cfg.max_waiters ||
	    (w = calloc(1, sizeof(*w))) == NULL) {
		free(arg);
		return STK_E_NOSPACE;
	}
	w->s = s;
	w->rc = rc;
	snprintf(w->key, sizeof(w->key), "%s", key);
	w->deadline = srv_now_ms() + timeout_ms;
	w->check = check;
	w->arg = arg;
	if ((w->tick = evtimer_new(s->base, waiter_tick, w)) == NULL) {
		free(arg);
		free(w);
		return STK_E_NOMEM;
	}
	if (timeout_ms < WAITER_TICK_MS)
		tv.tv_usec = timeout_ms * 1000;
	evtimer_add(w->tick, &tv);
	w->next = s->waiters;
	if (w->next)
		w->next->pprev = &w->next;
	w->pprev = &s->waiters;
	s->waiters = w;
	s->m.waiters++;
	return STK_OK;
}

/* Make every waiter on key check at once (from the next loop turn). */
void
waiters_kick(struct srv *s, const char *key)
{
	for (struct waiter *w = s->waiters; w; w = w->next)
		if (strcmp(w->key, key) == 0)
			event_active(w->tick, EV_TIMEOUT, 0);
}

void
waiters_free_all(struct srv *s)
{
	while (s->waiters) {
		struct waiter *w = s->waiters;

		http_reply_error(w->rc, 503, "SHUTTING_DOWN",
		    "server shutting down", NULL);
		waiter_free(w);
	}
}
