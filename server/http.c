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
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "certcheck.h"
#include "err.h"
#include "log.h"
#include "server.h"
#include "store.h"
#include "web.h"

int64_t
srv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Trace ids must be unique and unguessable, not secret: a per-process
 * random AES-128 key enciphers a request counter (a permutation of the
 * 128-bit blocks, so no two requests of a process share an id, and
 * another process has another key).  One block cipher call instead of a
 * DRBG draw and its fork check (a getpid() system call) per request,
 * which were 8 % of the CPU of serving the login page (docs/PERFORMANCE.md
 * "Login page").  Without the cipher: a DRBG draw as before.
 */
static EVP_CIPHER_CTX *trace_ctx;
static uint64_t trace_count;

static void
trace_id(char out[33])
{
	uint8_t key[16], in[16], tr[16];
	int n = 0;

	if (trace_ctx == NULL && srv_random(key, sizeof(key)) == STK_OK &&
	    (trace_ctx = EVP_CIPHER_CTX_new()) != NULL &&
	    EVP_EncryptInit_ex(trace_ctx, EVP_aes_128_ecb(), NULL, key,
	    NULL) != 1) {
		EVP_CIPHER_CTX_free(trace_ctx);
		trace_ctx = NULL;
	}
	OPENSSL_cleanse(key, sizeof(key));
	memset(in, 0, sizeof(in));
	trace_count++;
	memcpy(in, &trace_count, sizeof(trace_count));
	if (trace_ctx == NULL || EVP_EncryptUpdate(trace_ctx, tr, &n, in,
	    sizeof(in)) != 1 || n != (int)sizeof(tr))
		if (srv_random(tr, sizeof(tr)) != STK_OK)
			memset(tr, 0, sizeof(tr));
	hex_upper(out, tr, sizeof(tr));
}

/* A request's context: a fresh trace id, the client's address. */
static struct reqctx *
reqctx_new(struct srv *s, struct evhttp_request *req)
{
	struct evhttp_connection *con = evhttp_request_get_connection(req);
	struct reqctx *rc = calloc(1, sizeof(*rc));
	char *addr = NULL;
	ev_uint16_t port = 0;

	if (rc == NULL)
		return NULL;
	rc->s = s;
	rc->req = req;
	trace_id(rc->trace);
	if (con)
		evhttp_connection_get_peer(con, &addr, &port);
	snprintf(rc->client, sizeof(rc->client), "%s", addr ? addr : "?");
	return rc;
}

static void
reqctx_free(struct reqctx *rc)
{
	free(rc);
}

bool
http_tx_open(struct reqctx *rc)
{
	if (srv_tx_begin(rc->s, &rc->tx) != STK_OK)
		return false;
	rc->changes_at_begin = store_changes(rc->s->store);
	rc->s->tx_rc = rc;
	return true;
}

bool
http_tx_begin(struct reqctx *rc)
{
	if (!http_tx_open(rc)) {
		http_reply_error(rc, 503, "BUSY", "store busy, try again",
		    NULL);
		return false;
	}
	return true;
}

bool
http_tx_settle(struct reqctx *rc, int status)
{
	if (!rc->tx.open)
		return true;
	if (rc->s->tx_rc == rc)
		rc->s->tx_rc = NULL;
	if (store_tx_end(rc->s->store, &rc->tx, status / 100 != 5) == STK_OK)
		return true;
	log_error("http: commit failed, answering 500 (trace=%s)", rc->trace);
	return false;
}

void
http_tx_abort(struct reqctx *rc)
{
	if (!rc->tx.open)
		return;
	if (rc->s->tx_rc == rc)
		rc->s->tx_rc = NULL;
	store_tx_end(rc->s->store, &rc->tx, false);
	batch_discard_if_clean(rc->s, rc->changes_at_begin);
}

/*
 * End the request's transaction before its answer leaves: commit for
 * any answer but a 5xx.  A commit that fails turns the answer into 500
 * INTERNAL_ERROR (nothing it said was stored).
 */
static void
tx_settle(struct reqctx *rc, int *status, json_t **obj)
{
	if (http_tx_settle(rc, *status))
		return;
	json_decref(*obj);
	*status = 500;
	*obj = json_pack("{s:{s:s, s:s, s:s}}", "error", "code",
	    "INTERNAL_ERROR", "message", "store failure", "traceId",
	    rc->trace);
}

/* The answer of an API request whose group commit failed (batch.c). */
static void
reply_store_failed(struct reqctx *rc)
{
	http_reply_error(rc, 500, "INTERNAL_ERROR", "store failure", NULL);
}

void
http_reply_json(struct reqctx *rc, int status, json_t *obj)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(rc->req);
	struct evbuffer *b;
	char *text;
	const char *phrase, *uri;

	tx_settle(rc, &status, &obj);
	b = evbuffer_new();
	text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;

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
	case 417: phrase = "Expectation Failed"; break;
	case 422: phrase = "Unprocessable Entity"; break;
	case 429: phrase = "Too Many Requests"; break;
	case 431: phrase = "Request Header Fields Too Large"; break;
	case 501: phrase = "Not Implemented"; break;
	case 503: phrase = "Service Unavailable"; break;
	default: phrase = "Internal Server Error"; break;
	}
	uri = evhttp_request_get_uri(rc->req);	/* NULL: refused by libevent */
	log_debug("http: %s %s -> %d trace=%s",
	    evhttp_request_get_command(rc->req) == EVHTTP_REQ_GET ? "GET" :
	    "POST", uri ? uri : "-", status, rc->trace);
	free(text);
	json_decref(obj);
	/* a 500 needs no other answer if its own commit fails */
	http_send(rc, status, phrase, b, status == 500 ? NULL :
	    reply_store_failed);
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

/* ---- errors libevent raises itself --------------------------------- */

/* The server whose limits and metrics those errors use (http_start). */
static struct srv *errsrv;

/* libevent's own refusals as API errors: status -> code, message. */
static const struct {
	int status;
	const char *code, *message;
} lib_errors[] = {
	/* 2.1 also says 400 for a header block above max_headers */
	{ 400, "BAD_REQUEST", "malformed HTTP request, or request headers "
	    "above max_headers" },
	{ 413, "PAYLOAD_TOO_LARGE", "request body too large" },
	{ 417, "EXPECTATION_FAILED", "unsupported Expect header" },
	{ 500, "INTERNAL_ERROR", "internal error" },
	{ 501, "NOT_IMPLEMENTED", "method not supported" },
	{ 503, "UNAVAILABLE", "service unavailable" },
};

/*
 * libevent 2.1 answers the requests it refuses before our callback
 * (a body above max_body_hard, a header block above max_headers, a bad
 * request line or header, a method outside GET/POST, "Expect" other
 * than 100-continue) with evhttp_send_error(), an HTML page; the hook to
 * change that, evhttp_set_errorcb(), only came with libevent 2.2.  This
 * definition takes the library's place (ELF symbol interposition: the
 * library calls evhttp_send_error through its PLT, so the executable's
 * definition wins; tests/sh/test_server_api.sh checks that it does) and
 * keeps its contract - the status as given, the connection closed after
 * the reply - but answers like every other API error: JSON with a trace
 * id (docs/REST-API.md, "Errors").
 */
void
evhttp_send_error(struct evhttp_request *req, int error, const char *reason)
{
	const char *code = "HTTP_ERROR", *msg = reason ? reason : "error";
	struct reqctx *rc;

	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection",
	    "close");
	for (size_t i = 0; i < sizeof(lib_errors) / sizeof(lib_errors[0]);
	    i++)
		if (lib_errors[i].status == error) {
			code = lib_errors[i].code;
			msg = lib_errors[i].message;
		}
	if (errsrv == NULL || (rc = reqctx_new(errsrv, req)) == NULL) {
		/* no server context (or no memory): the status alone */
		evhttp_send_reply(req, error, reason, NULL);
		return;
	}
	http_reply_error(rc, error, code, msg, NULL);
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

/* Gauges read from the store: open sessions and jobs by state (shared
 * by every server process on the store, so these are global). */
static void
metrics_store(struct srv *s, struct evbuffer *b)
{
	static const char *const sess[] = { "RUNNING", "VERIFYING" };
	int64_t ns[2], nj[4];
	uint64_t ckpt[2], ckpt_failed;

	store_checkpoint_stats(s->store, ckpt, &ckpt_failed);
	evbuffer_add_printf(b, "# HELP stkauth_store_checkpoints_total WAL "
	    "checkpoints: the copy on the store's thread, the finish on the "
	    "loop.\n# TYPE stkauth_store_checkpoints_total counter\n"
	    "stkauth_store_checkpoints_total{part=\"copy\"} %" PRIu64 "\n"
	    "stkauth_store_checkpoints_total{part=\"finish\"} %" PRIu64 "\n"
	    "# HELP stkauth_store_checkpoint_failures_total Those that "
	    "failed (logged).\n"
	    "# TYPE stkauth_store_checkpoint_failures_total counter\n"
	    "stkauth_store_checkpoint_failures_total %" PRIu64 "\n",
	    ckpt[STORE_CKPT_COPY], ckpt[STORE_CKPT_FINISH], ckpt_failed);
	if (store_open_counts(s->store, ns, nj) != STK_OK)
		return;		/* logged; the scrape shows the rest */
	evbuffer_add_printf(b, "# HELP stkauth_sessions_open Sessions not "
	    "yet complete, by state (all server processes).\n"
	    "# TYPE stkauth_sessions_open gauge\n");
	for (int i = 0; i < 2; i++)
		evbuffer_add_printf(b, "stkauth_sessions_open{state=\"%s\"} "
		    "%" PRId64 "\n", sess[i], ns[i]);
	evbuffer_add_printf(b, "# HELP stkauth_jobs_open Delivery jobs of "
	    "running sessions, by state: the bridges' queue.\n"
	    "# TYPE stkauth_jobs_open gauge\n");
	for (int i = 0; i < 4; i++)
		evbuffer_add_printf(b, "stkauth_jobs_open{state=\"%s\"} "
		    "%" PRId64 "\n", store_job_state_name(i), nj[i]);
}

/* Verification failures by reason, the certificate source's figures. */
static void
metrics_verify(struct srv *s, struct evbuffer *b)
{
	static const double bounds[] = CERTSRC_LATENCY_BOUNDS;
	struct certsrc_stats cs;
	unsigned long cum = 0;

	evbuffer_add_printf(b, "# HELP stkauth_verify_failures_total "
	    "Verifications that did not end OK, by reason.\n"
	    "# TYPE stkauth_verify_failures_total counter\n");
	for (int i = 1; i < VF_COUNT; i++)
		if (i != VF_CERT)
			evbuffer_add_printf(b, "stkauth_verify_failures_total"
			    "{reason=\"%s\"} %lu\n", verify_fail_label(i),
			    s->m.verify_failures[i]);
	for (int i = 1; i < CERTCHECK_REASON_COUNT; i++)
		evbuffer_add_printf(b, "stkauth_verify_failures_total"
		    "{reason=\"cert-%s\"} %lu\n", certcheck_reason_name(i),
		    s->m.verify_cert_failures[i]);
	evbuffer_add_printf(b, "# HELP stkauth_sessions_reverified_total "
	    "VERIFYING sessions verified again after a start.\n"
	    "# TYPE stkauth_sessions_reverified_total counter\n"
	    "stkauth_sessions_reverified_total %lu\n"
	    "# HELP stkauth_verify_retries_total Verifications tried again "
	    "because the certificate source failed.\n"
	    "# TYPE stkauth_verify_retries_total counter\n"
	    "stkauth_verify_retries_total %lu\n", s->m.reverified,
	    s->m.verify_retries);
	certsrc_stats(s->certs, &cs);
	evbuffer_add_printf(b, "# HELP stkauth_cert_cache_total Validated-"
	    "certificate cache lookups.\n"
	    "# TYPE stkauth_cert_cache_total counter\n"
	    "stkauth_cert_cache_total{outcome=\"hit\"} %lu\n"
	    "stkauth_cert_cache_total{outcome=\"miss\"} %lu\n",
	    cs.cert_hits, cs.cert_misses);
	if (!cs.directory)
		return;
	evbuffer_add_printf(b, "# HELP stkauth_ldap_cached_total Directory "
	    "lookups answered from the LDAP cache.\n"
	    "# TYPE stkauth_ldap_cached_total counter\n"
	    "stkauth_ldap_cached_total %lu\n"
	    "# HELP stkauth_ldap_lookup_seconds Directory lookups that went "
	    "to the LDAP server (search, and connect or bind when needed).\n"
	    "# TYPE stkauth_ldap_lookup_seconds histogram\n", cs.cached);
	for (int i = 0; i < CERTSRC_LATENCY_N; i++) {
		cum += cs.bucket[i];
		evbuffer_add_printf(b, "stkauth_ldap_lookup_seconds_bucket"
		    "{le=\"%g\"} %lu\n", bounds[i], cum);
	}
	evbuffer_add_printf(b, "stkauth_ldap_lookup_seconds_bucket{le=\"+Inf\"}"
	    " %lu\nstkauth_ldap_lookup_seconds_sum %.6f\n"
	    "stkauth_ldap_lookup_seconds_count %lu\n", cs.lookups, cs.sum_s,
	    cs.lookups);
}

_Static_assert(CERTCHECK_REASON_COUNT <=
    sizeof(((struct srv_metrics *)0)->verify_cert_failures) /
    sizeof(unsigned long), "one counter per certcheck reason");

/* Prometheus text exposition format 0.0.4. */
static void
metrics(struct reqctx *rc)
{
	struct srv_metrics *m = &rc->s->m;
	struct evbuffer *b = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(rc->req);

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
	    "# HELP stkauth_longpoll_gone_total Bridge claims whose client "
	    "closed its connection while waiting.\n"
	    "# TYPE stkauth_longpoll_gone_total counter\n"
	    "stkauth_longpoll_gone_total %lu\n"
	    "# HELP stkauth_longpoll_waiters Long-polls in progress.\n"
	    "# TYPE stkauth_longpoll_waiters gauge\n"
	    "stkauth_longpoll_waiters %lu\n"
	    "# HELP stkauth_verify_queue Results waiting for a worker.\n"
	    "# TYPE stkauth_verify_queue gauge\n"
	    "stkauth_verify_queue %u\n"
	    "# HELP stkauth_store_group_commits_total Commits of the "
	    "transaction shared by one loop turn's writes.\n"
	    "# TYPE stkauth_store_group_commits_total counter\n"
	    "stkauth_store_group_commits_total %lu\n"
	    "# HELP stkauth_store_held_answers_total Answers held until "
	    "their turn's commit.\n"
	    "# TYPE stkauth_store_held_answers_total counter\n"
	    "stkauth_store_held_answers_total %lu\n", m->jobs_claimed,
	    m->bridge_results, m->rate_limited, m->waiters_gone, m->waiters,
	    rc->s->pool ? verify_pool_depth(rc->s->pool) : 0,
	    m->group_commits, m->held_answers);
	metrics_store(rc->s, b);
	metrics_verify(rc->s, b);
	web_metrics(rc->s, b);		/* the login page, when on */
	evhttp_add_header(h, "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	http_send(rc, 200, "OK", b, NULL);	/* it promises nothing */
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
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct reqctx *rc;
	const char *path;

	if ((rc = reqctx_new(s, req)) == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}

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
	if (s->stopping) {
		/* a keep-alive connection still open while draining */
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		http_reply_error(rc, 503, "SHUTTING_DOWN",
		    "server shutting down", NULL);
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
		web_dispatch(rc, path);	/* the login page (web.c) */
	if (s->tx_rc != NULL) {
		/* the handler waits (long-poll): what it wrote is committed
		 * now, before the loop runs anything else */
		struct reqctx *w = s->tx_rc;

		s->tx_rc = NULL;
		if (store_tx_end(s->store, &w->tx, true) != STK_OK)
			log_error("http: commit of a waiting request failed "
			    "(trace=%s)", w->trace);
	}
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
	struct evhttp_bound_socket *bs;
	int rc, one = 1;

	if ((s->http = evhttp_new(s->base)) == NULL) {
		snprintf(err, errsz, "evhttp_new failed");
		return STK_E_NOMEM;
	}
	if (batch_init(s) != STK_OK) {
		snprintf(err, errsz, "event_new failed");
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
	if ((rc = web_start(s, err, errsz)) != STK_OK)
		return rc;
	if ((bs = evhttp_bind_socket_with_handle(s->http, s->cfg.listen_addr,
	    s->cfg.listen_port)) == NULL) {
		snprintf(err, errsz, "cannot listen on %s port %u",
		    s->cfg.listen_addr, s->cfg.listen_port);
		return STK_E_IO;
	}
	s->listener = bs;
	/*
	 * No Nagle: a reply is written whole, and its last partial segment
	 * must not wait for the client's delayed ACK (40 ms per claim of a
	 * batch of jobs before this).  Accepted sockets inherit the option
	 * from the listener on Linux.
	 */
	if (setsockopt(evhttp_bound_socket_get_fd(bs), IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof(one)) != 0)
		log_warn("listener: TCP_NODELAY: %s", strerror(errno));
	errsrv = s;
	log_info("listening on %s port %u (%s)", s->cfg.listen_addr,
	    s->cfg.listen_port, s->cfg.tls ? "https" : "http, loopback only");
	return STK_OK;
}

void
http_stop_accepting(struct srv *s)
{
	s->stopping = true;
	if (s->http && s->listener) {
		/* closes the socket: connect() is refused from here on */
		evhttp_del_accept_socket(s->http, s->listener);
		s->listener = NULL;
		log_info("listener closed, draining");
	}
}

void
http_stop(struct srv *s)
{
	waiters_free_all(s);
	web_stop(s);
	batch_free(s);		/* those answers wait for no commit */
	if (s->recheck)
		event_free(s->recheck);
	s->recheck = NULL;
	free(s->wkeys);
	s->wkeys = NULL;
	if (errsrv == s)
		errsrv = NULL;
	if (s->http)
		evhttp_free(s->http);
	s->http = NULL;
	SSL_CTX_free(s->ssl_ctx);
	s->ssl_ctx = NULL;
}

/* ---- long-poll waiters ---------------------------------------------- */

/*
 * Re-checks.  A change made here kicks its waiters at once
 * (waiters_kick); a change made by another server process on the same
 * store cannot, so every WAITER_TICK_MS one timer asks the store whether
 * another connection committed (store_data_version) and only then wakes
 * every waiter to re-read its state: one query per tick instead of one
 * per waiter (16 % of the CPU with 3,000 long-polls before).  Waiters on
 * WAITER_KEY_JOBS (bridges' claims) are woken on every tick whatever
 * the version says: a job also becomes claimable when a lease runs out,
 * which no commit announces.
 */
#define WAITER_TICK_MS 250
#define WAITER_KEY_JOBS "jobs"
/*
 * A kick finds the waiters of its key in a hash table (FNV-1a of the
 * key): with thousands of long-polls, walking the whole list for each
 * completed session was 3 % of the CPU (docs/PERFORMANCE.md "Server").
 */
#define WAITER_BUCKETS 4096

struct waiter {
	struct srv *s;
	struct reqctx *rc;
	char key[40];
	int64_t deadline;
	struct event *tick;	/* the deadline; made active by a kick */
	struct event *gone;	/* WAITER_PEER: the client hung up */
	waiter_check_fn check;
	void *arg;
	struct waiter *next, **pprev;	/* every waiter */
	struct waiter *knext, **kpprev;	/* the waiters of one key bucket */
};

static size_t
key_bucket(const char *key)
{
	uint32_t h = 2166136261u;

	for (; *key; key++)
		h = (h ^ (uint8_t)*key) * 16777619u;
	return h % WAITER_BUCKETS;
}

static void
waiter_free(struct waiter *w)
{
	if (w->next)
		w->next->pprev = w->pprev;
	*w->pprev = w->next;
	if (w->knext)
		w->knext->kpprev = w->kpprev;
	*w->kpprev = w->knext;
	event_free(w->tick);
	if (w->gone)
		event_free(w->gone);
	w->s->m.waiters--;
	free(w->arg);
	free(w);
}

/*
 * The client of a WAITER_PEER long-poll closed its connection (EV_CLOSED:
 * EPOLLRDHUP).  libevent 2.1 stops reading a connection while its request
 * is unanswered, so it would not notice; the waiter would go on until
 * its deadline, and a bridge's claim would lease jobs to a process that
 * is gone (until the lease ran out).  The answer is written so that
 * libevent finds the connection dead and frees it; nothing is done for
 * the waiter.
 */
static void
waiter_gone(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;

	(void)fd;
	(void)what;
	log_info("long-poll %s: the client closed its connection (client=%s "
	    "trace=%s)", w->key, w->rc->client, w->rc->trace);
	w->s->m.waiters_gone++;
	http_reply_error(w->rc, 503, "CLIENT_GONE", "the client closed the "
	    "connection", NULL);
	waiter_free(w);
}

/* Watch w's connection for the client's hang-up; false when it cannot
 * be watched (then the deadline and the lease are the safety net). */
static bool
waiter_watch(struct waiter *w)
{
	struct evhttp_connection *con =
	    evhttp_request_get_connection(w->rc->req);
	struct bufferevent *bev = con ?
	    evhttp_connection_get_bufferevent(con) : NULL;
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;

	if (fd < 0 || (event_base_get_features(w->s->base) &
	    EV_FEATURE_EARLY_CLOSE) == 0)
		return false;
	if ((w->gone = event_new(w->s->base, fd, EV_CLOSED, waiter_gone,
	    w)) == NULL || event_add(w->gone, NULL) != 0) {
		if (w->gone)
			event_free(w->gone);
		w->gone = NULL;
		return false;
	}
	return true;
}

/* Arm w's timer for its deadline. */
static void
waiter_arm(struct waiter *w)
{
	int64_t left = w->deadline - srv_now_ms();
	struct timeval tv;

	if (left < 0)
		left = 0;
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
	evtimer_add(w->tick, &tv);
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
	waiter_arm(w);
}

static void
waiters_recheck(evutil_socket_t fd, short what, void *arg)
{
	struct srv *s = arg;
	int64_t v = s->data_version;
	bool moved;

	(void)fd;
	(void)what;
	/* a store failure: re-check everything, as if it had moved */
	moved = store_data_version(s->store, &v) != STK_OK ||
	    v != s->data_version;
	s->data_version = v;
	for (struct waiter *w = s->waiters; w; w = w->next)
		if (moved || strcmp(w->key, WAITER_KEY_JOBS) == 0)
			event_active(w->tick, EV_TIMEOUT, 0);
}

/* arg is malloc'd and owned by the waiter from here on. */
int
waiter_add(struct reqctx *rc, const char *key, unsigned timeout_ms,
    unsigned flags, waiter_check_fn check, void *arg)
{
	struct srv *s = rc->s;
	struct waiter *w;

	if (s->wkeys == NULL &&
	    (s->wkeys = calloc(WAITER_BUCKETS, sizeof(*s->wkeys))) == NULL) {
		free(arg);
		return STK_E_NOMEM;
	}
	if (s->recheck == NULL) {
		struct timeval tv = { 0, WAITER_TICK_MS * 1000 };

		if ((s->recheck = event_new(s->base, -1, EV_PERSIST,
		    waiters_recheck, s)) == NULL ||
		    event_add(s->recheck, &tv) != 0) {
			free(arg);
			return STK_E_NOMEM;
		}
		if (store_data_version(s->store, &s->data_version) != STK_OK)
			s->data_version = -1;
	}
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
	if ((flags & WAITER_PEER) && !waiter_watch(w))
		log_debug("long-poll %s: the client's hang-up is not watched",
		    key);
	waiter_arm(w);
	w->next = s->waiters;
	if (w->next)
		w->next->pprev = &w->next;
	w->pprev = &s->waiters;
	s->waiters = w;
	{
		struct waiter **b = &s->wkeys[key_bucket(w->key)];

		w->knext = *b;
		if (w->knext)
			w->knext->kpprev = &w->knext;
		w->kpprev = b;
		*b = w;
	}
	s->m.waiters++;
	return STK_OK;
}

/* Make every waiter on key check at once (from the next loop turn). */
void
waiters_kick(struct srv *s, const char *key)
{
	if (s->wkeys == NULL)
		return;
	for (struct waiter *w = s->wkeys[key_bucket(key)]; w; w = w->knext)
		if (strcmp(w->key, key) == 0)
			event_active(w->tick, EV_TIMEOUT, 0);
}

/* A shutdown reply is written out (main.c waits for the last). */
static void
drained(struct evhttp_request *req, void *arg)
{
	struct srv *s = arg;

	(void)req;
	if (s->draining > 0)
		s->draining--;	/* main.c's drain ends the loop at 0 */
}

void
waiters_free_all(struct srv *s)
{
	while (s->waiters) {
		struct waiter *w = s->waiters;

		evhttp_request_set_on_complete_cb(w->rc->req, drained, s);
		s->draining++;
		http_reply_error(w->rc, 503, "SHUTTING_DOWN",
		    "server shutting down", NULL);
		waiter_free(w);
	}
}
