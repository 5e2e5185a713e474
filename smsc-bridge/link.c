/*
 * link.c - the bridge's client of the server's bridge API (BRIDGE-API.md):
 * JSON POSTs with the bridge token as Bearer, over HTTPS verified against
 * the configured CA with the host name checked (RFC 6125 via OpenSSL's
 * X509_VERIFY_PARAM), or plain HTTP to a loopback address only.
 *
 * Each request has a connection of its own (libevent evhttp over a
 * bufferevent, OpenSSL for HTTPS), freed when it completes: the claim's
 * long poll never holds up an ack.  Over HTTPS a new connection resumes
 * the TLS session of an earlier one (RFC 8446 §2.2: the server's session
 * ticket, kept by new_session below), so only the first connection pays
 * for the full handshake - the server's RSA signature and our check of
 * its certificate chain (libcrypto was 14 % of the bridge's CPU under
 * load, docs/PERFORMANCE.md "End to end").  A resumed session was
 * verified, host name included, when it was first made; no early data
 * is sent.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "bridge.h"
#include "err.h"
#include "log.h"

struct link_req {
	struct link *l;
	struct evhttp_connection *conn;
	struct evhttp_request *req;
	link_cb cb;
	void *arg;
	struct link_req *next, *prev;
};

struct link {
	struct event_base *base;
	SSL_CTX *ctx;			/* NULL: plain HTTP (loopback) */
	char host[256];
	int port;
	char base_path[128];		/* path prefix of server_url */
	char auth[160];			/* "Bearer br_..." */
	char ca_file[BRIDGE_PATH_MAX];	/* for error messages */
	unsigned timeout_s;
	struct link_req *reqs;		/* in flight */
	SSL_SESSION *session;		/* the latest ticket, to resume */
	uint64_t tls_full, tls_resumed;	/* connections, link_tls_stats */
};

/*
 * Certificate verification callback (SSL_CTX_set_verify): OpenSSL's own
 * decision stands; a refusal is logged here, where the reason is still
 * known (libevent keeps the TLS error queue to itself), with what an
 * operator needs: the server, the certificate's subject and depth, the
 * X.509 error (RFC 5280 path validation, RFC 6125 name check) and the
 * configured CA file.  Nothing secret is in a certificate.
 */
static int
verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl;
	struct link *l;
	X509 *cert;
	char subj[256] = "?";
	int e;

	if (ok)
		return ok;
	ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	l = ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
	e = X509_STORE_CTX_get_error(xs);
	if ((cert = X509_STORE_CTX_get_current_cert(xs)) != NULL)
		X509_NAME_oneline(X509_get_subject_name(cert), subj,
		    sizeof(subj));
	log_error("server link: TLS to %s:%d refused: the server's "
	    "certificate (%s, depth %d) does not verify: %s (ca_file %s)",
	    l ? l->host : "?", l ? l->port : 0, subj,
	    X509_STORE_CTX_get_error_depth(xs),
	    X509_verify_cert_error_string(e), l ? l->ca_file : "?");
	return ok;
}

/* Split url into scheme/host/port/path; the loopback rule for http. */
static int
parse_url(const char *url, bool *tls, char *host, size_t hostsz, int *port,
    char *path, size_t pathsz, char *err, size_t errsz)
{
	struct evhttp_uri *u;
	const char *s, *h, *p;
	int r = STK_E_INVALID;

	if ((u = evhttp_uri_parse(url)) == NULL) {
		snprintf(err, errsz, "not a URL: %s", url);
		return STK_E_INVALID;
	}
	s = evhttp_uri_get_scheme(u);
	h = evhttp_uri_get_host(u);
	p = evhttp_uri_get_path(u);
	if (s == NULL || h == NULL || *h == '\0') {
		snprintf(err, errsz, "scheme and host required: %s", url);
		goto out;
	}
	if (strcmp(s, "https") == 0) {
		*tls = true;
	} else if (strcmp(s, "http") == 0) {
		*tls = false;
		if (!bridge_host_is_loopback(h)) {
			snprintf(err, errsz, "plain http only to a loopback "
			    "address (127.0.0.1, ::1, localhost); use https "
			    "for %s", h);
			goto out;
		}
	} else {
		snprintf(err, errsz, "scheme must be https (or http on "
		    "loopback): %s", s);
		goto out;
	}
	if (evhttp_uri_get_query(u) != NULL ||
	    evhttp_uri_get_userinfo(u) != NULL) {
		snprintf(err, errsz, "no query or user part allowed");
		goto out;
	}
	*port = evhttp_uri_get_port(u);
	if (*port < 0)
		*port = *tls ? 443 : 80;
	snprintf(host, hostsz, "%s", h);
	/* Strip the brackets of an IPv6 literal. */
	if (host[0] == '[') {
		size_t n = strlen(host);

		memmove(host, host + 1, n);
		if (n >= 2 && host[n - 2] == ']')
			host[n - 2] = '\0';
	}
	snprintf(path, pathsz, "%s", p ? p : "");
	while (strlen(path) > 0 && path[strlen(path) - 1] == '/')
		path[strlen(path) - 1] = '\0';
	r = STK_OK;
out:
	evhttp_uri_free(u);
	return r;
}

int
link_check_url(const char *url, char *err, size_t errsz)
{
	char host[256], path[128];
	bool tls;
	int port;

	return parse_url(url, &tls, host, sizeof(host), &port, path,
	    sizeof(path), err, errsz);
}

int
link_check_ca(const char *path, char *err, size_t errsz)
{
	X509_STORE *st;
	int n = 0;

	/* The same loader link_new() uses, so -n and the start agree. */
	if ((st = X509_STORE_new()) != NULL &&
	    X509_STORE_load_file(st, path) == 1) {
		STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(st);

		for (int i = 0; i < sk_X509_OBJECT_num(objs); i++)
			n += X509_OBJECT_get_type(sk_X509_OBJECT_value(objs,
			    i)) == X509_LU_X509;
	}
	X509_STORE_free(st);
	ERR_clear_error();
	if (n == 0) {
		snprintf(err, errsz, "ca_file %s: no readable PEM certificate",
		    path);
		return STK_E_INVALID;
	}
	return STK_OK;
}

/*
 * Count each connection's handshake once, full or resumed, when it is
 * done (SSL_CB_HANDSHAKE_DONE, which TLS 1.3 repeats for the tickets that
 * follow: the mark in the SSL's ex_data skips those).
 */
static int counted_idx = -1;

static void
info_cb(const SSL *ssl, int where, int ret)
{
	struct link *l = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));

	(void)ret;
	if (!(where & SSL_CB_HANDSHAKE_DONE) ||
	    SSL_get_ex_data(ssl, counted_idx) != NULL)
		return;
	SSL_set_ex_data((SSL *)ssl, counted_idx, l);
	if (SSL_session_reused((SSL *)ssl))
		l->tls_resumed++;
	else
		l->tls_full++;
}

/*
 * A session (ticket) the server gave: the next connections resume it.  A
 * copy, because OpenSSL marks the connection's own session not resumable
 * when that connection is freed without a close_notify, as ours are
 * (libevent closes the socket; dirty shutdown allowed).
 */
static int
new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct link *l = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	SSL_SESSION *copy;

	if (!SSL_SESSION_is_resumable(sess) ||
	    (copy = SSL_SESSION_dup(sess)) == NULL)
		return 0;
	SSL_SESSION_free(l->session);
	l->session = copy;
	return 0;		/* the original stays the connection's */
}

int
link_new(struct event_base *base, const struct bridge_config *cfg,
    struct link **out, char *err, size_t errsz)
{
	struct link *l;
	bool tls;
	int r;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return STK_E_NOMEM;
	l->base = base;
	l->timeout_s = cfg->http_timeout_s;
	if ((r = parse_url(cfg->server_url, &tls, l->host, sizeof(l->host),
	    &l->port, l->base_path, sizeof(l->base_path), err, errsz)) !=
	    STK_OK) {
		free(l);
		return r;
	}
	snprintf(l->auth, sizeof(l->auth), "Bearer %s", cfg->token);
	if (tls) {
		if ((l->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
		    SSL_CTX_set_min_proto_version(l->ctx, TLS1_2_VERSION) != 1 ||
		    SSL_CTX_load_verify_locations(l->ctx, cfg->ca_file, NULL) !=
		    1) {
			snprintf(err, errsz, "TLS: cannot load CA file %s: %s",
			    cfg->ca_file, ERR_reason_error_string(
			    ERR_get_error()));
			link_free(l);
			return STK_E_CRYPTO;
		}
		snprintf(l->ca_file, sizeof(l->ca_file), "%s", cfg->ca_file);
		SSL_CTX_set_app_data(l->ctx, l);
		SSL_CTX_set_verify(l->ctx, SSL_VERIFY_PEER, verify_cb);
		SSL_CTX_set_session_cache_mode(l->ctx, SSL_SESS_CACHE_CLIENT |
		    SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(l->ctx, new_session);
		if (counted_idx < 0)
			counted_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL,
			    NULL);
		SSL_CTX_set_info_callback(l->ctx, info_cb);
	}
	*out = l;
	return STK_OK;
}

static void
req_unlink(struct link_req *lr)
{
	struct link *l = lr->l;

	if (lr->prev)
		lr->prev->next = lr->next;
	else
		l->reqs = lr->next;
	if (lr->next)
		lr->next->prev = lr->prev;
}

static void
done_cb(struct evhttp_request *req, void *arg)
{
	struct link_req *lr = arg;
	json_t *body = NULL;
	int status = 0;

	if (req != NULL) {
		struct evbuffer *in = evhttp_request_get_input_buffer(req);
		size_t n = in ? evbuffer_get_length(in) : 0;

		status = evhttp_request_get_response_code(req);
		if (n > 0 && n < 1024 * 1024) {
			const char *p = (const char *)evbuffer_pullup(in, -1);

			body = json_loadb(p, n, 0, NULL);
		}
	}
	if (status == 0) {
		unsigned long e = ERR_peek_last_error();

		log_warn("server link: no answer from %s:%d%s%s", lr->l->host,
		    lr->l->port, e ? ": " : "",
		    e ? ERR_reason_error_string(e) : "");
		ERR_clear_error();
	}
	req_unlink(lr);
	/* The connection frees itself once this request is over. */
	lr->cb(lr->arg, status, body);
	json_decref(body);
	free(lr);
}

static struct bufferevent *
make_bev(struct link *l)
{
	SSL *ssl;
	struct bufferevent *bev;
	X509_VERIFY_PARAM *vp;
	struct in6_addr a6;
	struct in_addr a4;
	bool ip;

	if (l->ctx == NULL)
		return bufferevent_socket_new(l->base, -1,
		    BEV_OPT_CLOSE_ON_FREE);
	if ((ssl = SSL_new(l->ctx)) == NULL)
		return NULL;
	if (l->session != NULL && SSL_set_session(ssl, l->session) != 1)
		goto fail;
	/* Verify the server's name (or address) against its certificate,
	 * and send SNI for names. */
	vp = SSL_get0_param(ssl);
	ip = inet_pton(AF_INET, l->host, &a4) == 1 ||
	    inet_pton(AF_INET6, l->host, &a6) == 1;
	if (ip) {
		if (X509_VERIFY_PARAM_set1_ip_asc(vp, l->host) != 1)
			goto fail;
	} else {
		X509_VERIFY_PARAM_set_hostflags(vp,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (X509_VERIFY_PARAM_set1_host(vp, l->host, 0) != 1 ||
		    SSL_set_tlsext_host_name(ssl, l->host) != 1)
			goto fail;
	}
	bev = bufferevent_openssl_socket_new(l->base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE |
	    BEV_OPT_DEFER_CALLBACKS);
	if (bev == NULL)
		goto fail;
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
fail:
	SSL_free(ssl);
	return NULL;
}

/*
 * TCP_NODELAY on a request's connection.  evhttp hands the request line
 * with the headers and the body to the TLS layer as two writes, hence two
 * TLS records in two segments; with Nagle's algorithm the body waits for
 * the server's ACK of the headers, which the server delays (up to 40 ms on
 * Linux) because it has nothing to send until the body arrives: 40 ms on
 * every call, seen with strace.  The socket exists once
 * evhttp_make_request() has started the connect (the host is resolved
 * synchronously: no evdns base).
 */
static void
nodelay(struct link_req *lr)
{
	evutil_socket_t fd;
	int one = 1;

	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(lr->conn));
	if (fd < 0)
		log_debug("server link: no socket yet for TCP_NODELAY");
	else if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) != 0)
		log_warn("server link: TCP_NODELAY: %s", strerror(errno));
}

int
link_post(struct link *l, enum link_chan ch, const char *path,
    const json_t *body, unsigned timeout_s, link_cb cb, void *arg,
    struct link_req **handle)
{
	struct link_req *lr;
	struct bufferevent *bev;
	struct evkeyvalq *h;
	char uri[512], hosthdr[300];
	char *text;

	(void)ch;
	if ((lr = calloc(1, sizeof(*lr))) == NULL)
		return STK_E_NOMEM;
	lr->l = l;
	lr->cb = cb;
	lr->arg = arg;
	if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
		goto fail;
	if ((bev = make_bev(l)) == NULL)
		goto fail;
	lr->conn = evhttp_connection_base_bufferevent_new(l->base, NULL, bev,
	    l->host, (unsigned short)l->port);
	if (lr->conn == NULL) {
		bufferevent_free(bev);
		goto fail;
	}
	evhttp_connection_set_timeout(lr->conn, (int)(l->timeout_s +
	    timeout_s));
	evhttp_connection_set_retries(lr->conn, 0);
	if ((lr->req = evhttp_request_new(done_cb, lr)) == NULL) {
		evhttp_connection_free(lr->conn);
		goto fail;
	}
	h = evhttp_request_get_output_headers(lr->req);
	snprintf(hosthdr, sizeof(hosthdr), strchr(l->host, ':') ? "[%s]:%d" :
	    "%s:%d", l->host, l->port);
	evhttp_add_header(h, "Host", hosthdr);
	evhttp_add_header(h, "Authorization", l->auth);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Accept", "application/json");
	evhttp_add_header(h, "Connection", "close");
	evbuffer_add(evhttp_request_get_output_buffer(lr->req), text,
	    strlen(text));
	free(text);
	text = NULL;
	snprintf(uri, sizeof(uri), "%s%s", l->base_path, path);
	if (evhttp_make_request(lr->conn, lr->req, EVHTTP_REQ_POST, uri) !=
	    0) {
		/* evhttp frees the request on failure. */
		evhttp_connection_free(lr->conn);
		free(lr);
		return STK_E_IO;
	}
	evhttp_connection_free_on_completion(lr->conn);
	nodelay(lr);
	lr->next = l->reqs;
	if (l->reqs)
		l->reqs->prev = lr;
	l->reqs = lr;
	if (handle != NULL)
		*handle = lr;
	return STK_OK;
fail:
	free(text);
	free(lr);
	return STK_E_NOMEM;
}

void
link_cancel(struct link_req *lr)
{
	/* Freeing the connection frees its requests without calling
	 * their callbacks (evhttp_cancel_request would, with
	 * free_on_completion, free the connection under us). */
	req_unlink(lr);
	evhttp_connection_free(lr->conn);
	free(lr);
}

void
link_cancel_all(struct link *l)
{
	while (l->reqs != NULL) {
		struct link_req *lr = l->reqs;

		l->reqs = lr->next;
		evhttp_connection_free(lr->conn);
		free(lr);
	}
}

void
link_free(struct link *l)
{
	if (l == NULL)
		return;
	link_cancel_all(l);
	SSL_SESSION_free(l->session);
	SSL_CTX_free(l->ctx);
	free(l);
}

void
link_tls_stats(const struct link *l, uint64_t *full, uint64_t *resumed)
{
	*full = l->tls_full;
	*resumed = l->tls_resumed;
}
