/*
 * metrics.c - GET /metrics on a loopback address (Prometheus text
 * exposition format 0.0.4): the bridge's queues and counters and every
 * transport's own lines (bridge_metrics()).  Anything else is 404; only
 * GET and HEAD.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "bridge.h"
#include "err.h"
#include "log.h"

struct metrics_http {
	struct evhttp *http;
	struct bridge *b;
};

static void
serve(struct evhttp_request *req, void *arg)
{
	struct metrics_http *m = arg;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *uri = evhttp_request_get_uri(req);
	struct evbuffer *ob;
	struct stk_buf out;

	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_send_error(req, 405, "Method Not Allowed");
		return;
	}
	if (uri == NULL || (strcmp(uri, "/metrics") != 0 &&
	    strncmp(uri, "/metrics?", 9) != 0)) {
		evhttp_send_error(req, 404, "Not Found");
		return;
	}
	stk_buf_init(&out);
	out.max = 4 * 1024 * 1024;
	bridge_metrics(m->b, &out);
	if ((ob = evbuffer_new()) == NULL) {
		stk_buf_free(&out);
		evhttp_send_error(req, 500, "Internal Server Error");
		return;
	}
	evbuffer_add(ob, stk_buf_data(&out), stk_buf_len(&out));
	stk_buf_free(&out);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply(req, 200, "OK", ob);
	evbuffer_free(ob);
}

int
metrics_http_start(struct event_base *base, const char *listen,
    struct bridge *b, struct metrics_http **out, char *err, size_t errsz)
{
	struct metrics_http *m;
	char host[64];
	const char *colon = strrchr(listen, ':');
	size_t hl;

	*out = NULL;
	if (colon == NULL || (hl = (size_t)(colon - listen)) >= sizeof(host)) {
		snprintf(err, errsz, "metrics_listen: HOST:PORT expected");
		return STK_E_INVALID;
	}
	memcpy(host, listen, hl);
	host[hl] = '\0';
	if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return STK_E_NOMEM;
	m->b = b;
	if ((m->http = evhttp_new(base)) == NULL) {
		free(m);
		return STK_E_NOMEM;
	}
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(m->http, 8192);
	evhttp_set_max_body_size(m->http, 0);
	evhttp_set_timeout(m->http, 10);
	evhttp_set_gencb(m->http, serve, m);
	if (evhttp_bind_socket(m->http, host, (uint16_t)atoi(colon + 1)) !=
	    0) {
		snprintf(err, errsz, "metrics_listen %s: cannot listen: %s",
		    listen, strerror(errno));
		metrics_http_free(m);
		return STK_E_IO;
	}
	log_info("metrics on http://%s/metrics", listen);
	*out = m;
	return STK_OK;
}

void
metrics_http_free(struct metrics_http *m)
{
	if (m == NULL)
		return;
	evhttp_free(m->http);
	free(m);
}
