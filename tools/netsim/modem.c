/*
 * modem.c - the simulated modems' transports and network entities.  Each
 * modem listens on its own loopback TCP port (a raw byte stream, as a
 * terminal server or ser2net offers; one client at a time) and optionally
 * on a pseudo-terminal whose slave path is published as a symlink, for
 * software that wants a tty.  Both channels feed one AT engine; responses
 * go to every open channel.
 */
#define _XOPEN_SOURCE 600
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "log.h"
#include "modem.h"

struct ns_modems {
	struct netsim *ns;
	size_t n;
	struct modem *m;
};

static const struct ns_entity_ops modem_ops = {
	.deliver = modem_deliver,
};

void
modem_write(struct modem *m, const void *p, size_t n)
{
	if (m->cfg->faults.hang)
		return;
	if (m->tcp != NULL)
		bufferevent_write(m->tcp, p, n);
	if (m->pty != NULL)
		bufferevent_write(m->pty, p, n);
}

void
modem_urc(struct modem *m, const char *text)
{
	if (m->in.pdu_mode || m->cmgs != NULL) {
		/* Not in the middle of a command's answer (TS 27.005
		 * §3.4.1 <mode> 1/2: buffered while the TA is busy). */
		evbuffer_add_printf(m->held, "\r\n%s\r\n", text);
		return;
	}
	modem_write(m, "\r\n", 2);
	modem_write(m, text, strlen(text));
	modem_write(m, "\r\n", 2);
}

void
modem_update_up(struct modem *m)
{
	bool channel = m->tcp != NULL || m->pty != NULL;

	ns_entity_set_up(m->e, channel && m->pin_ok && m->cfun == 1);
}

static void
count_modem(struct modem *m, const char *what)
{
	char labels[96];

	snprintf(labels, sizeof(labels), "modem=\"%s\",event=\"%s\"",
	    m->cfg->name, what);
	ns_metric_add(m->ns, "netsim_modem_events_total", labels, 1);
}

void
modem_drop_client(struct modem *m)
{
	if (m->tcp == NULL)
		return;
	log_info("netsim: modem %s: TCP client closed", m->cfg->name);
	bufferevent_free(m->tcp);
	m->tcp = NULL;
	/* An unanswered +CMGS result is dropped with its client. */
	m->cmgs = NULL;
	if (m->in.pdu_mode)
		at_input_init(&m->in);
	if (m->cnma_d != NULL)
		modem_cnma_timeout(m);
	modem_update_up(m);
}

/* Feed received bytes through the input state machine. */
static void
on_bytes(struct modem *m, struct evbuffer *in)
{
	unsigned char buf[256];
	int n;
	int i;

	while ((n = evbuffer_remove(in, buf, sizeof(buf))) > 0) {
		if (m->cfg->faults.hang)
			continue;	/* read and never answered */
		for (i = 0; i < n; i++) {
			enum at_event ev;

			if (m->echo && m->cmgs == NULL)
				modem_write(m, &buf[i], 1);
			ev = at_input_byte(&m->in, buf[i]);
			if (ev == AT_EV_NONE)
				continue;
			if (m->cfg->faults.drop && m->tcp != NULL) {
				m->cfg->faults.drop = false;
				count_modem(m, "fault_drop");
				modem_drop_client(m);
				return;
			}
			if (m->cmgs != NULL) {
				/* Busy with a submission: the TA ignores
				 * input until the final result. */
				continue;
			}
			switch (ev) {
			case AT_EV_LINE:
				count_modem(m, "command_line");
				modem_run_line(m, m->in.line, m->in.len);
				break;
			case AT_EV_LINE_TOO_LONG:
				count_modem(m, "line_too_long");
				modem_final(m, AT_R_ERROR);
				break;
			default:
				count_modem(m, "pdu");
				modem_pdu_event(m, ev, m->in.line, m->in.len);
				break;
			}
			/* The line may have dropped the client (drop). */
			if (m->tcp == NULL && m->pty == NULL)
				return;
		}
	}
}

static void
on_tcp_read(struct bufferevent *bev, void *arg)
{
	on_bytes(arg, bufferevent_get_input(bev));
}

static void
on_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct modem *m = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		modem_drop_client(m);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct modem *m = arg;
	static const char busy[] = "\r\nBUSY\r\n";

	(void)l;
	(void)sa;
	(void)salen;
	if (m->tcp != NULL) {
		/* One terminal per serial line. */
		if (write(fd, busy, sizeof(busy) - 1) < 0)
			log_debug("netsim: modem %s: busy write failed",
			    m->cfg->name);
		evutil_closesocket(fd);
		count_modem(m, "client_refused");
		return;
	}
	m->tcp = bufferevent_socket_new(ns_base(m->ns), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (m->tcp == NULL) {
		evutil_closesocket(fd);
		return;
	}
	ns_tcp_nodelay(fd);
	bufferevent_setcb(m->tcp, on_tcp_read, NULL, on_tcp_event, m);
	bufferevent_setwatermark(m->tcp, EV_READ, 0, 64 * 1024);
	bufferevent_enable(m->tcp, EV_READ | EV_WRITE);
	at_input_init(&m->in);
	modem_reset(m, false);
	count_modem(m, "client_connected");
	log_info("netsim: modem %s: TCP client connected", m->cfg->name);
	modem_update_up(m);
}

static void
on_pty_read(struct bufferevent *bev, void *arg)
{
	on_bytes(arg, bufferevent_get_input(bev));
}

static void
on_pty_event(struct bufferevent *bev, short what, void *arg)
{
	struct modem *m = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		log_warn("netsim: modem %s: pty error", m->cfg->name);
}

/* A pty in raw mode whose slave we keep open; symlink at cfg->pty_link. */
static int
open_pty(struct modem *m)
{
	struct termios tio;
	const char *slave;
	int fd;

	if ((fd = posix_openpt(O_RDWR | O_NOCTTY)) < 0 || grantpt(fd) != 0 ||
	    unlockpt(fd) != 0 || (slave = ptsname(fd)) == NULL)
		goto fail;
	if ((m->pty_slave = open(slave, O_RDWR | O_NOCTTY)) < 0)
		goto fail;
	/* Raw: no echo by the line discipline, no CR/LF mapping. */
	if (tcgetattr(m->pty_slave, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(m->pty_slave, TCSANOW, &tio);
	}
	unlink(m->cfg->pty_link);
	if (symlink(slave, m->cfg->pty_link) != 0) {
		log_error("netsim: modem %s: symlink %s: %s", m->cfg->name,
		    m->cfg->pty_link, strerror(errno));
		goto fail;
	}
	evutil_make_socket_nonblocking(fd);
	m->pty = bufferevent_socket_new(ns_base(m->ns), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (m->pty == NULL)
		goto fail;
	bufferevent_setcb(m->pty, on_pty_read, NULL, on_pty_event, m);
	bufferevent_enable(m->pty, EV_READ | EV_WRITE);
	log_info("netsim: modem %s on pty %s (%s)", m->cfg->name,
	    m->cfg->pty_link, slave);
	return 0;
fail:
	if (fd >= 0 && m->pty == NULL)
		close(fd);
	return -1;
}

static void
cnma_fire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	modem_cnma_timeout(arg);
}

/* "modem.NAME.FIELD" faults at run time. */
static int
fault_setter(void *ctx, const char *key, const char *value, char *err,
    size_t errsz)
{
	struct ns_modems *o = ctx;
	const char *name = key + strlen("modem."), *dot = strchr(name, '.');
	size_t i, n;
	int rc;

	if (dot == NULL) {
		snprintf(err, errsz, "modem faults are modem.NAME.FIELD");
		return STK_E_INVALID;
	}
	n = (size_t)(dot - name);
	for (i = 0; i < o->n; i++) {
		struct modem *m = &o->m[i];

		if (strlen(m->cfg->name) != n ||
		    strncmp(m->cfg->name, name, n) != 0)
			continue;
		rc = ns_modem_fault_set(&m->cfg->faults, dot + 1, value, err,
		    errsz);
		if (rc == 0 && m->cfg->faults.drop && m->tcp != NULL) {
			/* Dropping now is what a test wants to see. */
			m->cfg->faults.drop = false;
			count_modem(m, "fault_drop");
			modem_drop_client(m);
		}
		return rc;
	}
	snprintf(err, errsz, "no modem \"%.*s\"", (int)n, name);
	return STK_E_NOT_FOUND;
}

struct ns_modems *
ns_modems_start(struct netsim *ns)
{
	struct ns_config *cfg = (struct ns_config *)ns_config(ns);
	struct ns_modems *o;
	char name[64];
	size_t i;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->ns = ns;
	if (cfg->nmodems > 0 &&
	    (o->m = calloc(cfg->nmodems, sizeof(*o->m))) == NULL)
		goto fail;
	ns_metric_declare(ns, "netsim_modem_events_total", "counter",
	    "Modem channel events and command lines, per modem.");
	for (i = 0; i < cfg->nmodems; i++) {
		struct modem *m = &o->m[i];

		m->owner = o;
		m->ns = ns;
		m->cfg = &cfg->modems[i];
		m->pty_slave = -1;
		o->n++;
		at_input_init(&m->in);
		modem_reset(m, true);
		if ((m->held = evbuffer_new()) == NULL ||
		    (m->cnma_timer = evtimer_new(ns_base(ns), cnma_fire, m)) ==
		    NULL)
			goto fail;
		if (stk_sms_addr_from_text(m->cfg->msisdn, &m->addr) != 0)
			goto fail;
		snprintf(name, sizeof(name), "modem:%s", m->cfg->name);
		if ((m->e = ns_entity_new(ns, NS_ENT_MODEM, name, &modem_ops,
		    m)) == NULL || ns_entity_own(m->e, m->cfg->msisdn,
		    false) != 0) {
			log_error("netsim: cannot register modem %s",
			    m->cfg->name);
			goto fail;
		}
		if (m->cfg->listen[0] != '\0') {
			struct sockaddr_in sin;
			char host[64];
			unsigned port;

			memset(&sin, 0, sizeof(sin));
			if (ns_parse_listen(m->cfg->listen, host, sizeof(host),
			    &port) != 0)
				goto fail;
			sin.sin_family = AF_INET;
			sin.sin_port = htons((uint16_t)port);
			inet_pton(AF_INET, host, &sin.sin_addr);
			m->listener = evconnlistener_new_bind(ns_base(ns),
			    on_accept, m, LEV_OPT_CLOSE_ON_FREE |
			    LEV_OPT_REUSEABLE, 4, (struct sockaddr *)&sin,
			    sizeof(sin));
			if (m->listener == NULL) {
				log_error("netsim: modem %s: cannot listen on "
				    "%s: %s", m->cfg->name, m->cfg->listen,
				    strerror(errno));
				goto fail;
			}
			log_info("netsim: modem %s (%s) on tcp %s",
			    m->cfg->name, m->cfg->msisdn, m->cfg->listen);
		}
		if (m->cfg->pty_link[0] != '\0' && open_pty(m) != 0) {
			log_error("netsim: modem %s: cannot create the pty",
			    m->cfg->name);
			goto fail;
		}
		modem_update_up(m);
	}
	if (ns_fault_register(ns, "modem.", fault_setter, o) != 0)
		goto fail;
	return o;
fail:
	ns_modems_stop(o);
	return NULL;
}

void
ns_modems_stop(struct ns_modems *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < o->n; i++) {
		struct modem *m = &o->m[i];

		if (m->listener != NULL)
			evconnlistener_free(m->listener);
		if (m->tcp != NULL)
			bufferevent_free(m->tcp);
		if (m->pty != NULL) {
			bufferevent_free(m->pty);
			unlink(m->cfg->pty_link);
		}
		if (m->pty_slave >= 0)
			close(m->pty_slave);
		if (m->cnma_timer != NULL)
			event_free(m->cnma_timer);
		if (m->held != NULL)
			evbuffer_free(m->held);
		free(m->cmgs);
		ns_entity_free(m->e);
	}
	free(o->m);
	free(o);
}
