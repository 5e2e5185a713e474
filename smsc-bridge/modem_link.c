/*
 * modem_link.c - TCP and serial links to modems (see modem_link.h).
 * libserialport does the port work (open, 8N1, baud, flow control, USB
 * details); its file descriptor is then driven by a libevent bufferevent,
 * which reads and writes any descriptor with readv/writev.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <libserialport.h>

#include "err.h"
#include "log.h"
#include "modem_link.h"

int
modem_link_find_usb(unsigned vid, unsigned pid, const char *serial,
    char *out, size_t outsz)
{
	struct sp_port **ports = NULL;
	const char *best = NULL;
	int r = STK_E_NOT_FOUND;

	if (sp_list_ports(&ports) != SP_OK)
		return STK_E_IO;
	/* The lowest port name wins, so the choice is stable when a modem
	 * offers several interfaces (its AT port is usually the first). */
	for (size_t i = 0; ports[i] != NULL; i++) {
		int v, p;
		const char *sn;

		if (sp_get_port_transport(ports[i]) != SP_TRANSPORT_USB ||
		    sp_get_port_usb_vid_pid(ports[i], &v, &p) != SP_OK ||
		    (unsigned)v != vid || (unsigned)p != pid)
			continue;
		sn = sp_get_port_usb_serial(ports[i]);
		if (serial[0] != '\0' && (sn == NULL || strcmp(sn, serial) != 0))
			continue;
		if (best == NULL || strcmp(sp_get_port_name(ports[i]), best) < 0)
			best = sp_get_port_name(ports[i]);
	}
	if (best != NULL) {
		snprintf(out, outsz, "%s", best);
		r = STK_OK;
	}
	sp_free_port_list(ports);
	return r;
}

static int
sp_fail(struct sp_port *port, char *err, size_t errsz, const char *what)
{
	char *msg = sp_last_error_message();

	snprintf(err, errsz, "%s: %s", what, msg != NULL ? msg : "error");
	sp_free_error_message(msg);
	if (port != NULL) {
		sp_close(port);
		sp_free_port(port);
	}
	return STK_E_IO;
}

static int
open_serial(struct event_base *base, const struct modem_link_cfg *cfg,
    struct modem_link *l, char *err, size_t errsz)
{
	static const enum sp_flowcontrol flows[] = {
		[MODEM_FLOW_NONE] = SP_FLOWCONTROL_NONE,
		[MODEM_FLOW_RTSCTS] = SP_FLOWCONTROL_RTSCTS,
		[MODEM_FLOW_XONXOFF] = SP_FLOWCONTROL_XONXOFF,
		[MODEM_FLOW_DTRDSR] = SP_FLOWCONTROL_DTRDSR,
	};
	char path[256];
	struct sp_port *port = NULL;
	int fd, fl;

	if (cfg->by_usb) {
		if (modem_link_find_usb(cfg->usb_vid, cfg->usb_pid,
		    cfg->usb_serial, path, sizeof(path)) != STK_OK) {
			snprintf(err, errsz, "no USB serial port %04x:%04x%s%s",
			    cfg->usb_vid, cfg->usb_pid,
			    cfg->usb_serial[0] ? " serial " : "",
			    cfg->usb_serial);
			return STK_E_NOT_FOUND;
		}
	} else {
		snprintf(path, sizeof(path), "%s", cfg->path);
	}
	if (sp_get_port_by_name(path, &port) != SP_OK)
		return sp_fail(NULL, err, errsz, path);
	if (sp_open(port, SP_MODE_READ_WRITE) != SP_OK) {
		char *msg = sp_last_error_message();

		snprintf(err, errsz, "%s: open: %s", path,
		    msg != NULL ? msg : "error");
		sp_free_error_message(msg);
		sp_free_port(port);
		return STK_E_IO;
	}
	if (sp_set_baudrate(port, (int)cfg->baud) != SP_OK ||
	    sp_set_bits(port, 8) != SP_OK ||
	    sp_set_parity(port, SP_PARITY_NONE) != SP_OK ||
	    sp_set_stopbits(port, 1) != SP_OK ||
	    sp_set_flowcontrol(port, flows[cfg->flow]) != SP_OK)
		return sp_fail(port, err, errsz, path);
	if (sp_get_port_handle(port, &fd) != SP_OK)
		return sp_fail(port, err, errsz, path);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, errsz, "%s: cannot make it non-blocking", path);
		sp_close(port);
		sp_free_port(port);
		return STK_E_IO;
	}
	/* sp_close() closes the descriptor: not BEV_OPT_CLOSE_ON_FREE. */
	l->bev = bufferevent_socket_new(base, fd, 0);
	if (l->bev == NULL) {
		sp_close(port);
		sp_free_port(port);
		snprintf(err, errsz, "%s: out of memory", path);
		return STK_E_NOMEM;
	}
	l->port = port;
	snprintf(l->desc, sizeof(l->desc), "%s at %u baud", path, cfg->baud);
	return STK_OK;
}

int
modem_link_open(struct event_base *base, struct evdns_base *dns,
    const struct modem_link_cfg *cfg, struct modem_link *l,
    bufferevent_data_cb readcb, bufferevent_event_cb eventcb, void *arg,
    bool *connected, char *err, size_t errsz)
{
	int r;

	memset(l, 0, sizeof(*l));
	*connected = false;
	if (cfg->kind == MODEM_LINK_SERIAL) {
		if ((r = open_serial(base, cfg, l, err, errsz)) != STK_OK)
			return r;
		*connected = true;
	} else {
		l->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
		if (l->bev == NULL) {
			snprintf(err, errsz, "out of memory");
			return STK_E_NOMEM;
		}
		snprintf(l->desc, sizeof(l->desc), "tcp %s:%s", cfg->host,
		    cfg->port);
		bufferevent_setcb(l->bev, readcb, NULL, eventcb, arg);
		if (bufferevent_socket_connect_hostname(l->bev, dns, AF_UNSPEC,
		    cfg->host, atoi(cfg->port)) != 0) {
			snprintf(err, errsz, "%s: connect failed", l->desc);
			modem_link_close(l);
			return STK_E_IO;
		}
	}
	bufferevent_setcb(l->bev, readcb, NULL, eventcb, arg);
	bufferevent_enable(l->bev, EV_READ | EV_WRITE);
	return STK_OK;
}

void
modem_link_connected(struct modem_link *l)
{
	int one = 1;

	if (l->port == NULL && l->bev != NULL &&
	    setsockopt(bufferevent_getfd(l->bev), IPPROTO_TCP, TCP_NODELAY,
	    &one, sizeof(one)) != 0)
		log_warn("%s: TCP_NODELAY: %s", l->desc, strerror(errno));
}

void
modem_link_close(struct modem_link *l)
{
	if (l->bev != NULL) {
		bufferevent_free(l->bev);
		l->bev = NULL;
	}
	if (l->port != NULL) {
		sp_close(l->port);
		sp_free_port(l->port);
		l->port = NULL;
	}
}
