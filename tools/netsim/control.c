/*
 * control.c - the loopback HTTP endpoint (libevent evhttp):
 *   GET  /metrics   Prometheus text format 0.0.4
 *   POST /faults    body: "key=value" lines (docs/NETSIM.md); all or
 *                   nothing is not promised: lines apply in order and the
 *                   first bad one stops with 400 and its message
 *   GET  /health    "ok"
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "ns_priv.h"

#define FAULTS_BODY_MAX 4096

struct ns_control {
	struct netsim *ns;
	struct evhttp *http;
};

static void
reply_text(struct evhttp_request *req, int code, const char *reason,
    const char *ctype, const char *text, size_t len)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) {
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	evbuffer_add(b, text, len);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", ctype);
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

static void
do_metrics(struct ns_control *c, struct evhttp_request *req)
{
	size_t len;
	char *text = ns_metrics_render(ns_metrics_of(c->ns), &len);

	if (text == NULL) {
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	reply_text(req, 200, "OK", "text/plain; version=0.0.4", text, len);
	free(text);
}

/* Apply "key=value" lines; spaces around both are trimmed. */
static void
do_faults(struct ns_control *c, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	char body[FAULTS_BODY_MAX + 1], err[256], msg[320];
	char *line, *save = NULL;
	unsigned applied = 0;

	if (n > FAULTS_BODY_MAX) {
		evhttp_send_error(req, 413, "body too large");
		return;
	}
	evbuffer_remove(in, body, n);
	body[n] = '\0';
	for (line = strtok_r(body, "\r\n&", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n&", &save)) {
		char *eq = strchr(line, '='), *k = line, *v, *e;

		while (*k == ' ')
			k++;
		if (*k == '\0' || *k == '#')
			continue;
		if (eq == NULL) {
			snprintf(msg, sizeof(msg), "line \"%.64s\": expected "
			    "key=value\n", k);
			reply_text(req, 400, "Bad Request", "text/plain", msg,
			    strlen(msg));
			return;
		}
		*eq = '\0';
		v = eq + 1;
		for (e = eq - 1; e >= k && *e == ' '; e--)
			*e = '\0';
		while (*v == ' ')
			v++;
		for (e = v + strlen(v); e > v && e[-1] == ' '; e--)
			e[-1] = '\0';
		err[0] = '\0';
		if (ns_fault_set(c->ns, k, v, err, sizeof(err)) != 0) {
			snprintf(msg, sizeof(msg), "%s: %s\n", k,
			    err[0] ? err : "invalid");
			reply_text(req, 400, "Bad Request", "text/plain", msg,
			    strlen(msg));
			return;
		}
		applied++;
	}
	snprintf(msg, sizeof(msg), "ok %u\n", applied);
	reply_text(req, 200, "OK", "text/plain", msg, strlen(msg));
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct ns_control *c = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(
	    req));
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	if (path == NULL)
		path = "/";
	if (strcmp(path, "/metrics") == 0 && cmd == EVHTTP_REQ_GET)
		do_metrics(c, req);
	else if (strcmp(path, "/faults") == 0 && cmd == EVHTTP_REQ_POST)
		do_faults(c, req);
	else if (strcmp(path, "/health") == 0 && cmd == EVHTTP_REQ_GET)
		reply_text(req, 200, "OK", "text/plain", "ok\n", 3);
	else
		evhttp_send_error(req, 404, "not found");
}

struct ns_control *
ns_control_start(struct netsim *ns, const char *listen)
{
	struct ns_control *c;
	char host[64];
	unsigned port;

	if (ns_parse_listen(listen, host, sizeof(host), &port) != 0)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->ns = ns;
	if ((c->http = evhttp_new(ns_base(ns))) == NULL)
		goto fail;
	evhttp_set_max_body_size(c->http, FAULTS_BODY_MAX);
	evhttp_set_max_headers_size(c->http, 8192);
	evhttp_set_allowed_methods(c->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_gencb(c->http, on_request, c);
	if (evhttp_bind_socket(c->http, host, (ev_uint16_t)port) != 0) {
		log_error("netsim: cannot listen for HTTP on %s", listen);
		goto fail;
	}
	log_info("netsim: metrics and control on http://%s/", listen);
	return c;
fail:
	ns_control_stop(c);
	return NULL;
}

void
ns_control_stop(struct ns_control *c)
{
	if (c == NULL)
		return;
	if (c->http != NULL)
		evhttp_free(c->http);
	free(c);
}
